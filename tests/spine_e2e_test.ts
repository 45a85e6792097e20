/**
 * The plugin spine end to end: an artifact-type plugin written here, loaded with --plugin from a
 * folder outside the repository into dist/cosign-ts, signs and verifies through the one sign
 * path and the one verify path with no special case for it:
 *
 * - `note://NAME` (payload-signed, with a signature store): `sign -a k=v` signs the plugin's
 *   payload and attaches it to the plugin's store; `verify` lists the store, checks the payload's
 *   claims through the plugin (-a), prints the payload as JSON; a changed note, other claims or
 *   another key fail with exit 12, an unsigned note with exit 10; openssl verifies the stored
 *   signature over the stored payload independently;
 * - `rawnote://NAME` (content-signed, no store): `sign-blob --bundle` signs the content (openssl
 *   verifies the printed signature over the note's bytes) and `verify-blob --bundle` verifies it;
 *   `sign` says clearly that it has no store (exit 1, nothing written);
 * - a local file: `sign`/`verify` go through the built-in blob type, whose store is the bundle
 *   file beside the blob (`<file>.bundle`, checked by openssl).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { cosign, ROOT, type RunOptions, tempDir } from "./helpers/cli.ts";
import { genKey, opensslVerify } from "./helpers/openssl.ts";

const PLUGIN = `
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CosignError, definePlugin } from "cosign-ts";

const hex = async (b) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))]
    .map((x) => x.toString(16).padStart(2, "0")).join("");
const b64 = (b) => btoa(String.fromCharCode(...b));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function note(ref, ctx, withStore) {
  const name = ref.replace(/^(raw)?note:\\/\\//, "");
  const dir = ctx.env("NOTES_DIR");
  const file = join(dir, name + ".txt");
  const store = join(dir, name + ".sigs.json");
  const bytes = async () => new Uint8Array(await readFile(file));
  const list = async () => {
    try { return JSON.parse(await readFile(store, "utf8")); } catch { return []; }
  };
  const a = {
    kind: withStore ? "note" : "rawnote",
    ref,
    async digest(algorithm = "sha256") {
      if (algorithm !== "sha256") throw new CosignError("UNSUPPORTED", "sha256 only");
      return { algorithm, hex: await hex(await bytes()) };
    },
    async open() {
      const b = await bytes();
      return new ReadableStream({ start(c) { c.enqueue(b); c.close(); } });
    },
  };
  if (!withStore) return a;
  return {
    ...a,
    async title() { return "note " + name; },
    async payload(_ctx, o) {
      const p = { note: name, sha256: await hex(await bytes()), claims: o?.annotations ?? {} };
      return new TextEncoder().encode(JSON.stringify(p));
    },
    async checkPayload(payload, _ctx, o) {
      const p = JSON.parse(new TextDecoder().decode(payload));
      if (p.sha256 !== await hex(await bytes())) {
        throw new CosignError("VERIFY", "the payload names another note", { check: "claims" });
      }
      for (const [k, v] of Object.entries(o?.annotations ?? {})) {
        if (p.claims[k] !== v) {
          throw new CosignError("VERIFY", "claim " + k + " is not " + v, { check: "claims" });
        }
      }
    },
    async *signatures() {
      for (const [i, s] of (await list()).entries()) {
        yield {
          kind: "signature",
          location: store,
          id: "#" + i,
          legacy: { payload: unb64(s.payload), signature: unb64(s.signature) },
        };
      }
    },
    async attach(sig) {
      const l = await list();
      l.push({ payload: b64(sig.legacy.payload), signature: b64(sig.legacy.signature) });
      await writeFile(store, JSON.stringify(l));
      return { location: store, added: true };
    },
  };
}

export default definePlugin({
  name: "notes",
  apiVersion: 1,
  artifacts: [
    {
      kind: "note",
      description: "notes in $NOTES_DIR, signed through a payload",
      claims: (r) => r.startsWith("note://"),
      resolve: async (r, ctx) => note(r, ctx, true),
    },
    {
      kind: "rawnote",
      description: "notes in $NOTES_DIR, content signed",
      claims: (r) => r.startsWith("rawnote://"),
      resolve: async (r, ctx) => note(r, ctx, false),
    },
  ],
});
`;

let dir = "";
let cleanup = async () => {};
let plugin = "";
let key = "";
let pub = "";
let otherPub = "";

before(async () => {
  ({ dir, cleanup } = await tempDir("cosign-ts-spine-"));
  assert.ok(relative(ROOT, dir).startsWith(".."), `${dir} must lie outside ${ROOT}`);
  plugin = join(dir, "notes.js");
  writeFileSync(plugin, PLUGIN);
  writeFileSync(join(dir, "hello.txt"), "hello, spine\n");
  writeFileSync(join(dir, "blank.txt"), "unsigned\n");
  ({ key, pub } = await genKey(dir, "signer", "p256"));
  ({ pub: otherPub } = await genKey(dir, "other", "p256"));
});

after(async () => {
  await cleanup();
});

function run(args: string[], opts: RunOptions = {}) {
  return cosign(["--plugin", plugin, ...args], {
    cwd: dir,
    ...opts,
    env: { NOTES_DIR: dir, ...(opts.env ?? {}) },
  });
}

describe("a third-party artifact type through sign/verify and sign-blob/verify-blob", () => {
  it("note://: payload signed, attached to the plugin's store, claims checked by the plugin", async () => {
    const s = await run([
      "sign",
      "--key",
      key,
      "--tlog-upload=false",
      "-a",
      "team=qa",
      "note://hello",
    ]);
    assert.equal(s.code, 0, s.err);
    const stored = JSON.parse(readFileSync(join(dir, "hello.sigs.json"), "utf8"));
    assert.equal(stored.length, 1);
    const payload = Buffer.from(stored[0].payload, "base64");
    const p = JSON.parse(payload.toString());
    assert.deepEqual(p, {
      note: "hello",
      sha256: createHash("sha256").update("hello, spine\n").digest("hex"),
      claims: { team: "qa" },
    });
    // openssl agrees: the stored signature is over the stored payload, with the key.
    writeFileSync(join(dir, "payload.bin"), payload);
    writeFileSync(join(dir, "sig.der"), Buffer.from(stored[0].signature, "base64"));
    assert.ok(await opensslVerify("p256", pub, join(dir, "payload.bin"), join(dir, "sig.der")));

    const v = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "-a",
      "team=qa",
      "note://hello",
    ]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Verification for note:\/\/hello --/);
    assert.deepEqual(JSON.parse(v.out), [p]);

    const claims = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "-a",
      "team=ops",
      "note://hello",
    ]);
    assert.equal(claims.code, 12, claims.err);
    assert.match(claims.err, /no matching signatures for note hello:[\s\S]*claim team is not ops/);
    assert.match(claims.err, /Failed check: claims/);
    const wrongKey = await run([
      "verify",
      "--key",
      otherPub,
      "--insecure-ignore-tlog",
      "note://hello",
    ]);
    assert.equal(wrongKey.code, 12, wrongKey.err);
    assert.match(wrongKey.err, /invalid signature/);
    // No log evidence and no --insecure-ignore-tlog: never verified (offline there is nothing to
    // check; a Rekor lookup, where one is made, cannot reach a log here either).
    const noTlog = await run(["verify", "--key", pub, "note://hello"]);
    assert.notEqual(noTlog.code, 0, noTlog.err);
    assert.equal(noTlog.out, "");
    assert.match(noTlog.err, /insecure-ignore-tlog/);
    const unsigned = await run(["verify", "--key", pub, "--insecure-ignore-tlog", "note://blank"]);
    assert.equal(unsigned.code, 10, unsigned.err);
    assert.match(unsigned.err, /no signatures found for note blank/);

    writeFileSync(join(dir, "hello.txt"), "changed\n");
    try {
      const changed = await run(["verify", "--key", pub, "--insecure-ignore-tlog", "note://hello"]);
      assert.equal(changed.code, 12, changed.err);
      assert.match(changed.err, /the payload names another note/);
    } finally {
      writeFileSync(join(dir, "hello.txt"), "hello, spine\n");
    }
  });

  it("rawnote://: sign-blob and verify-blob sign the content; sign needs a store", async () => {
    const bundle = join(dir, "raw.bundle");
    const s = await run([
      "sign-blob",
      "--key",
      key,
      "--tlog-upload=false",
      "--bundle",
      bundle,
      "rawnote://hello",
    ]);
    assert.equal(s.code, 0, s.err);
    writeFileSync(join(dir, "raw.sig"), Buffer.from(s.out.trim(), "base64"));
    assert.ok(await opensslVerify("p256", pub, join(dir, "hello.txt"), join(dir, "raw.sig")));
    assert.equal(JSON.parse(readFileSync(bundle, "utf8")).base64Signature, s.out.trim());

    const v = await run([
      "verify-blob",
      "--key",
      pub,
      "--bundle",
      bundle,
      "--insecure-ignore-tlog",
      "rawnote://hello",
    ]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Verified OK/);
    const other = await run([
      "verify-blob",
      "--key",
      pub,
      "--bundle",
      bundle,
      "--insecure-ignore-tlog",
      "rawnote://blank",
    ]);
    assert.equal(other.code, 12, other.err);
    assert.match(other.err, /signature does not match the content/);

    const noStore = await run(["sign", "--key", key, "--tlog-upload=false", "rawnote://hello"]);
    assert.equal(noStore.code, 1, noStore.err);
    assert.match(noStore.err, /has no signature store/);
    assert.equal(noStore.out, "");
    // A payload-signed type is not for sign-blob.
    const payloadBlob = await run([
      "sign-blob",
      "--key",
      key,
      "--tlog-upload=false",
      "note://hello",
    ]);
    assert.equal(payloadBlob.code, 1, payloadBlob.err);
    assert.match(payloadBlob.err, /cover its payload/);
  });

  it("a local file through sign/verify: the built-in blob type stores <file>.bundle beside it", async () => {
    const file = join(dir, "release.txt");
    writeFileSync(file, "release notes\n");
    const s = await run(["sign", "--key", key, "--tlog-upload=false", file]);
    assert.equal(s.code, 0, s.err);
    const b = JSON.parse(readFileSync(`${file}.bundle`, "utf8"));
    writeFileSync(join(dir, "release.sig"), Buffer.from(b.base64Signature, "base64"));
    assert.ok(await opensslVerify("p256", pub, file, join(dir, "release.sig")));
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", file]);
    assert.equal(v.code, 0, v.err);
    assert.doesNotMatch(v.err, /cosign claims/);
    // The output names what was verified (the content has no payload to print).
    const items = JSON.parse(v.out);
    assert.equal(items.length, 1);
    assert.equal(items[0].artifact, file);
    assert.equal(items[0].kind, "blob");
    assert.equal(
      items[0].digest,
      "sha256:" + createHash("sha256").update("release notes\n").digest("hex"),
    );
    const w = await run(["verify", "--key", otherPub, "--insecure-ignore-tlog", file]);
    assert.equal(w.code, 12, w.err);
    assert.match(w.err, /signature does not match the content/);
  });
});
