/**
 * `bundle create` (in process, loopback Sigstore services): a key-signed signature uploaded to
 * the loopback Rekor, a legacy bundle with a certificate from the test instance, and a DSSE
 * envelope become v0.3 bundles that the verification engine accepts (the log entry found in
 * Rekor by the artifact's hash); `--ignore-tlog` leaves the log out; bad input is refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { parseBundle } from "../core/bundle.ts";
import { isCosignError } from "../core/errors.ts";
import { parseTrustedRoot } from "../core/trust/mod.ts";
import { verifyBundle } from "../core/verify/mod.ts";
import { submitRekorV1 } from "../plugins/tlog-rekor/mod.ts";
import { artifactBlobPlugin } from "../plugins/artifact-blob/mod.ts";
import { keyFilePlugin } from "../plugins/key-file/mod.ts";
import { command } from "../cli/commands/bundle_create.ts";
import { witnessContext } from "./helpers/witnesses.ts";
import { runCommand } from "./helpers/run_command.ts";
import { type SigstoreServices, startSigstoreServices } from "./helpers/sigstore_services.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
let svc: SigstoreServices;
let dir: string;
const art = new TextEncoder().encode(`bundle create ${Date.now()}\n`);
const digest = new Uint8Array(createHash("sha256").update(art).digest());
const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const pubPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
const spki = new Uint8Array(keys.publicKey.export({ type: "spki", format: "der" }));
const signature = new Uint8Array(sign("sha256", art, keys.privateKey));

before(async () => {
  svc = await startSigstoreServices();
  dir = mkdtempSync(join(tmpdir(), "cosign-ts-bc-"));
  writeFileSync(join(dir, "a.txt"), art);
  writeFileSync(join(dir, "a.sig"), Buffer.from(signature).toString("base64"));
  writeFileSync(join(dir, "cosign.pub"), pubPem);
});
after(async () => {
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ctx = witnessContext([artifactBlobPlugin, keyFilePlugin]).ctx;

async function create(flags: Record<string, unknown>): Promise<string> {
  const out = await runCommand(command, { "rekor-url": svc.rekorUrl, ...flags }, [], ctx);
  return flags.out ? readFileSync(flags.out as string, "utf8") : out;
}

async function verify(text: string, policy: Record<string, unknown>) {
  const { bundle, version } = await parseBundle(text);
  assert.equal(version, "0.3");
  const trust = await parseTrustedRoot(JSON.stringify(svc.trustedRoot), "loopback");
  return await verifyBundle(bundle, { bytes: art }, policy, trust, ctx);
}

describe("bundle create", () => {
  it("--signature + --key: the Rekor entry is found by hash and the bundle verifies", async () => {
    const entry: Json = await submitRekorV1(svc.rekorUrl, {
      kind: "hashedrekord",
      signature,
      digest,
      verificationMaterial: pubPem,
    });
    const text = await create({
      artifact: join(dir, "a.txt"),
      signature: join(dir, "a.sig"),
      key: join(dir, "cosign.pub"),
      out: join(dir, "a.sigstore.json"),
    });
    const j = JSON.parse(text);
    // The entry Rekor returned when it was made (protobuf JSON drops default values).
    const [got] = j.verificationMaterial.tlogEntries;
    assert.equal(got.canonicalizedBody, entry.canonicalizedBody);
    assert.deepEqual(got.inclusionPromise, entry.inclusionPromise);
    assert.equal(got.logIndex, entry.logIndex);
    assert.equal(got.inclusionProof.rootHash, entry.inclusionProof.rootHash);
    assert.equal(j.messageSignature.messageDigest.digest, Buffer.from(digest).toString("base64"));
    const r = await verify(text, { publicKey: spki });
    assert.equal(r.tlogEntries, 1);
  });
  it("--ignore-tlog leaves the log out (verifies with --insecure-ignore-tlog)", async () => {
    const text = await create({
      artifact: join(dir, "a.txt"),
      signature: join(dir, "a.sig"),
      key: join(dir, "cosign.pub"),
      "ignore-tlog": true,
    });
    assert.deepEqual(JSON.parse(text).verificationMaterial.tlogEntries ?? [], []);
    await verify(text, { publicKey: spki, tlogThreshold: 0 });
    await assert.rejects(verify(text, { publicKey: spki }), /0 transparency log entries/);
  });
  it("a legacy bundle with a DSSE envelope as its signature becomes a DSSE bundle", async () => {
    const statement = {
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "a.txt", digest: { sha256: Buffer.from(digest).toString("hex") } }],
      predicateType: "https://example.com/p/v1",
      predicate: {},
    };
    const payload = Buffer.from(JSON.stringify(statement));
    const type = "application/vnd.in-toto+json";
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `),
      payload,
    ]);
    const env = {
      payloadType: type,
      payload: payload.toString("base64"),
      signatures: [{ keyid: "", sig: sign("sha256", pae, keys.privateKey).toString("base64") }],
    };
    writeFileSync(
      join(dir, "att.bundle"),
      JSON.stringify({ base64Signature: Buffer.from(JSON.stringify(env)).toString("base64") }),
    );
    const text = await create({
      artifact: join(dir, "a.txt"),
      bundle: join(dir, "att.bundle"),
      key: join(dir, "cosign.pub"),
      "ignore-tlog": true,
    });
    const got = JSON.parse(text).dsseEnvelope;
    assert.equal(got.payload, env.payload);
    assert.equal(got.signatures[0].sig, env.signatures[0].sig);
    const r = await verify(text, { publicKey: spki, tlogThreshold: 0 });
    assert.equal(r.dssePayload?.payloadType, type);
  });
  it("bad input: no artifact, no signature, nothing in Rekor, a bad timestamp file", async () => {
    const bad = async (flags: Record<string, unknown>, re: RegExp) =>
      await assert.rejects(
        create(flags),
        (e: unknown) => isCosignError(e) && re.test((e as Error).message),
      );
    await bad({ signature: join(dir, "a.sig") }, /needs --artifact/);
    await bad({ artifact: join(dir, "a.txt") }, /needs the signature/);
    const other = join(dir, "other.sig");
    writeFileSync(
      other,
      Buffer.from(sign("sha256", Buffer.from("x"), keys.privateKey)).toString("base64"),
    );
    await bad(
      { artifact: join(dir, "a.txt"), signature: other, key: join(dir, "cosign.pub") },
      /has no entry for this signature/,
    );
    writeFileSync(join(dir, "ts.json"), "{}");
    await bad(
      {
        artifact: join(dir, "a.txt"),
        signature: join(dir, "a.sig"),
        key: join(dir, "cosign.pub"),
        "rfc3161-timestamp": join(dir, "ts.json"),
      },
      /no SignedRFC3161Timestamp/,
    );
    await bad(
      { artifact: join(dir, "a.txt"), signature: join(dir, "a.sig"), "ignore-tlog": true },
      /needs the signing certificate or public key/,
    );
  });
});
