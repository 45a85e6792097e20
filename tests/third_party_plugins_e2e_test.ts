/**
 * Third-party plugins of every kind, end to end through dist/cosign-ts: the examples in
 * examples/plugins/ are copied into a temporary folder outside the repository (no node_modules
 * above it) and loaded with --plugin (and COSIGN_TS_PLUGINS):
 *
 * - key provider (env_key.ts): sign-blob with `env://VAR`; openssl verifies the signature;
 * - artifact type (envblob.ts): `sign`/`verify` of `envblob://NAME` attach to and list from the
 *   plugin's sidecar file; the stored signatures verify with openssl over the variable's value;
 *   a changed value or another key fails with exit 12; sign-blob/verify-blob take it too;
 * - transparency log (file_log.ts): `sign-blob --rekor-url file:///… --bundle` appends a signed,
 *   chained line (its signed entry timestamp verified by openssl with the log's key, the chain
 *   link by sha256 here); verify-blob with the log's trusted root passes; a tampered log line
 *   fails with exit 12 and `tlog-entry`;
 * - timestamp authority (local_clock.ts): `sign-blob --timestamp-server-url localclock:///…`
 *   puts the clock's token in the v0.3 bundle (its signature checked by openssl with the clock's
 *   key, its imprint by sha256 here); verify-blob passes with the clock's key pinned;
 * - commands (`envblob list`, `file-log trusted-root`) run, and `--help` lists every scheme,
 *   artifact kind, log, timestamp authority and command with its plugin.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { cosign, ROOT, type RunOptions, tempDir } from "./helpers/cli.ts";
import { genKey, openssl, opensslVerify } from "./helpers/openssl.ts";

const EXAMPLES = join(ROOT, "examples", "plugins");

let dir = "";
let cleanup = async () => {};
let key = "";
let pub = "";
let otherKey = "";
let otherPub = "";
const plugin = (name: string) => join(dir, "plugins", name);

before(async () => {
  ({ dir, cleanup } = await tempDir("cosign-ts-third-party-"));
  assert.ok(relative(ROOT, dir).startsWith(".."), `${dir} must lie outside ${ROOT}`);
  for (let d = dir;; d = dirname(d)) {
    assert.ok(!existsSync(join(d, "node_modules")), `unexpected ${d}/node_modules`);
    if (dirname(d) === d) break;
  }
  await openssl(["version"]);
  // The examples and their lib/ helpers, without their in-process tests.
  cpSync(EXAMPLES, join(dir, "plugins"), {
    recursive: true,
    filter: (src) => !src.endsWith("_test.ts"),
  });
  for (const f of ["env_key.ts", "envblob.ts", "file_log.ts", "local_clock.ts", "lib/files.ts"]) {
    assert.ok(existsSync(plugin(f)), `${f} was not copied`);
  }
  ({ key, pub } = await genKey(dir, "signer", "p256"));
  ({ key: otherKey, pub: otherPub } = await genKey(dir, "other", "p256"));
});

after(async () => {
  await cleanup();
});

function run(args: string[], opts: RunOptions = {}) {
  return cosign(args, { cwd: dir, ...opts });
}

/** The bytes a stored signature signs and the signature, from its JSON form. */
function signedBytes(
  stored: {
    legacy?: { payload?: string; signature: string };
    bundle?: {
      messageSignature?: { signature: string };
      dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string }[] };
    };
  },
  content: Uint8Array,
): { message: Uint8Array; signature: Uint8Array } {
  if (stored.legacy) {
    return {
      message: stored.legacy.payload ? Buffer.from(stored.legacy.payload, "base64") : content,
      signature: Buffer.from(stored.legacy.signature, "base64"),
    };
  }
  if (stored.bundle?.messageSignature) {
    return {
      message: content,
      signature: Buffer.from(stored.bundle.messageSignature.signature, "base64"),
    };
  }
  const env = stored.bundle?.dsseEnvelope;
  assert.ok(env, `unknown stored signature ${JSON.stringify(stored)}`);
  const payload = Buffer.from(env.payload, "base64");
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `),
    payload,
  ]);
  return { message: pae, signature: Buffer.from(env.signatures[0].sig, "base64") };
}

/** True when openssl accepts a stored signature under `pubPath`. */
async function opensslAccepts(message: Uint8Array, signature: Uint8Array, pubPath: string) {
  const m = join(dir, `msg-${Math.random()}`);
  const s = join(dir, `sig-${Math.random()}`);
  writeFileSync(m, message);
  writeFileSync(s, signature);
  return await opensslVerify("p256", pubPath, m, s);
}

describe("third-party plugins from a folder outside the repository (dist/cosign-ts)", () => {
  it("key provider: sign-blob with env://VAR through COSIGN_TS_PLUGINS; openssl verifies", async () => {
    writeFileSync(join(dir, "k.txt"), "signed with a key from the environment\n");
    const env = {
      COSIGN_TS_PLUGINS: plugin("env_key.ts"),
      SIGNING_KEY: readFileSync(key, "utf8"),
    };
    const s = await run(
      ["sign-blob", "--key", "env://SIGNING_KEY", "--tlog-upload=false", "k.txt"],
      { env },
    );
    assert.equal(s.code, 0, s.err);
    writeFileSync(join(dir, "k.sig"), Buffer.from(s.out.trim(), "base64"));
    assert.ok(await opensslVerify("p256", pub, join(dir, "k.txt"), join(dir, "k.sig")));
    const v = await run(
      [
        "verify-blob",
        "--key",
        "env://SIGNING_KEY",
        "--signature",
        "k.sig",
        "--insecure-ignore-tlog",
        "k.txt",
      ],
      { env },
    );
    assert.equal(v.code, 0, v.err);
  });

  it("artifact type: sign and verify envblob://NAME, signatures in the plugin's sidecar", async () => {
    const sigDir = join(dir, "envblob-sigs");
    const value = "release notes: everything is signed\n";
    const env = { ENVBLOB_DIR: sigDir, GREETING: value };
    const P = ["--plugin", plugin("envblob.ts")];

    const s1 = await run(
      [...P, "sign", "--key", key, "--tlog-upload=false", "envblob://GREETING"],
      {
        env,
      },
    );
    assert.equal(s1.code, 0, s1.err);
    const sidecar = join(sigDir, "GREETING.sigs.json");
    assert.ok(existsSync(sidecar), `no sidecar file ${sidecar}\n${s1.err}`);
    let stored = JSON.parse(readFileSync(sidecar, "utf8"));
    assert.equal(stored.length, 1);
    // Independent check: openssl verifies the stored signature over what it signs.
    const first = signedBytes(stored[0], new TextEncoder().encode(value));
    assert.ok(await opensslAccepts(first.message, first.signature, pub));
    if (stored[0].legacy?.payload) {
      // A payload (not the content itself) must name the content's digest.
      const hex = createHash("sha256").update(value).digest("hex");
      assert.ok(first.message.toString().includes(hex), first.message.toString());
    }

    const v = await run(
      [...P, "verify", "--key", pub, "--insecure-ignore-tlog", "envblob://GREETING"],
      { env },
    );
    assert.equal(v.code, 0, v.err);

    // A second signer appends; the first signature stays.
    const s2 = await run(
      [...P, "sign", "--key", otherKey, "--tlog-upload=false", "envblob://GREETING"],
      { env },
    );
    assert.equal(s2.code, 0, s2.err);
    stored = JSON.parse(readFileSync(sidecar, "utf8"));
    assert.equal(stored.length, 2);
    const second = signedBytes(stored[1], new TextEncoder().encode(value));
    assert.ok(await opensslAccepts(second.message, second.signature, otherPub));
    const v2 = await run(
      [...P, "verify", "--key", otherPub, "--insecure-ignore-tlog", "envblob://GREETING"],
      { env },
    );
    assert.equal(v2.code, 0, v2.err);

    // The content changed: no signature matches (exit 12). A key that never signed: exit 12.
    const changed = await run(
      [...P, "verify", "--key", pub, "--insecure-ignore-tlog", "envblob://GREETING"],
      { env: { ...env, GREETING: value + "tampered" } },
    );
    assert.equal(changed.code, 12, changed.err);
    const { pub: strangerPub } = await genKey(dir, "stranger", "p256");
    const stranger = await run(
      [...P, "verify", "--key", strangerPub, "--insecure-ignore-tlog", "envblob://GREETING"],
      { env },
    );
    assert.equal(stranger.code, 12, stranger.err);
    // Nothing attached at all: exit 10.
    const none = await run(
      [...P, "verify", "--key", pub, "--insecure-ignore-tlog", "envblob://UNSIGNED"],
      { env: { ...env, UNSIGNED: "x" } },
    );
    assert.equal(none.code, 10, none.err);
  });

  it("artifact type: sign-blob and verify-blob take envblob://NAME", async () => {
    const env = { ENVBLOB_DIR: join(dir, "envblob-blob"), NOTE: "a blob held in a variable" };
    const P = ["--plugin", plugin("envblob.ts")];
    const s = await run(
      [...P, "sign-blob", "--key", key, "--tlog-upload=false", "envblob://NOTE"],
      {
        env,
      },
    );
    assert.equal(s.code, 0, s.err);
    writeFileSync(join(dir, "note.sig"), Buffer.from(s.out.trim(), "base64"));
    writeFileSync(join(dir, "note.txt"), env.NOTE);
    assert.ok(await opensslVerify("p256", pub, join(dir, "note.txt"), join(dir, "note.sig")));
    const args = ["verify-blob", "--key", pub, "--signature", "note.sig", "--insecure-ignore-tlog"];
    const v = await run([...P, ...args, "envblob://NOTE"], { env });
    assert.equal(v.code, 0, v.err);
    const bad = await run([...P, ...args, "envblob://NOTE"], {
      env: { ...env, NOTE: "another value" },
    });
    assert.equal(bad.code, 12, bad.err);
  });

  it("command: envblob list shows each signed variable and its signature count", async () => {
    const env = { ENVBLOB_DIR: join(dir, "envblob-sigs") };
    const r = await run(["--plugin", plugin("envblob.ts"), "envblob", "list"], { env });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "envblob://GREETING\t2 signature(s)\n");
    const noDir = await run(["--plugin", plugin("envblob.ts"), "envblob", "list"]);
    assert.equal(noDir.code, 1);
    assert.match(noDir.err, /ENVBLOB_DIR is not set/);
    // Shell completion offers the plugin's command when the plugin is loaded.
    const comp = await run(["--plugin", plugin("envblob.ts"), "completion", "bash"]);
    assert.equal(comp.code, 0, comp.err);
    assert.match(comp.out, /envblob/);
    assert.match(comp.out, /\blist\b/);
    const plain = await run(["completion", "bash"]);
    assert.doesNotMatch(plain.out, /envblob/);
  });

  it("transparency log: sign-blob --rekor-url file:///… appends a signed, chained entry; verify-blob checks it; a tampered line fails", async () => {
    const P = ["--plugin", plugin("file_log.ts")];
    const logFile = join(dir, "tlog", "log.jsonl");
    const logUrl = pathToFileURL(logFile).href;

    const root = await run([...P, "file-log", "trusted-root", logUrl]);
    assert.equal(root.code, 0, root.err);
    writeFileSync(join(dir, "tlog_root.json"), root.out);
    const trusted = JSON.parse(root.out).tlogs[0];
    const logPub = join(dir, "log.pub");
    writeFileSync(
      logPub,
      `-----BEGIN PUBLIC KEY-----\n${trusted.publicKey.rawBytes}\n-----END PUBLIC KEY-----\n`,
    );

    // Entry 0 in a Sigstore v0.3 bundle (checkpoint), entry 1 in cosign's legacy bundle (SET).
    const bundles: string[] = [];
    for (const [name, format] of [["one.txt", ["--new-bundle-format"]], ["two.txt", []]] as const) {
      writeFileSync(join(dir, name), `logged artifact ${name}\n`);
      const b = `${name}.bundle`;
      const s = await run([
        ...P,
        "sign-blob",
        "--key",
        key,
        "-y",
        "--rekor-url",
        logUrl,
        ...format,
        "--bundle",
        b,
        name,
      ]);
      assert.equal(s.code, 0, s.err);
      bundles.push(b);
    }

    // Independent checks of the log file: the SET (openssl, log key), the chain (sha256).
    const lines = readFileSync(logFile, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 2);
    for (const [i, text] of lines.entries()) {
      const line = JSON.parse(text);
      assert.equal(line.logIndex, i);
      const setPayload = JSON.stringify({
        body: line.body,
        integratedTime: line.integratedTime,
        logID: line.logID,
        logIndex: line.logIndex,
      });
      assert.ok(
        await opensslAccepts(
          new TextEncoder().encode(setPayload),
          Buffer.from(line.set, "base64"),
          logPub,
        ),
        `SET of line ${i}`,
      );
      const body = JSON.parse(Buffer.from(line.body, "base64").toString());
      const file = join(dir, i === 0 ? "one.txt" : "two.txt");
      assert.equal(
        body.spec.data.hash.value,
        createHash("sha256").update(readFileSync(file)).digest("hex"),
      );
    }
    assert.equal(
      JSON.parse(lines[1]).prev,
      createHash("sha256").update(lines[0]).digest("hex"),
    );
    // The bundle carries the log's entry (cosign's legacy rekorBundle).
    const legacy = JSON.parse(readFileSync(join(dir, bundles[1]), "utf8"));
    assert.equal(legacy.rekorBundle.Payload.logIndex, 1);
    assert.equal(legacy.rekorBundle.Payload.body, JSON.parse(lines[1]).body);

    const verify = (bundle: string, file: string, extra: string[] = []) =>
      run([...P, "verify-blob", "--key", pub, "--bundle", bundle, ...extra, file]);
    const v3 = JSON.parse(readFileSync(join(dir, bundles[0]), "utf8"));
    assert.equal(v3.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    assert.equal(
      v3.verificationMaterial.tlogEntries[0].canonicalizedBody,
      JSON.parse(lines[0]).body,
    );
    for (const [i, file] of [[0, "one.txt"], [1, "two.txt"]] as const) {
      const ok = await verify(bundles[i], file, ["--trusted-root", "tlog_root.json"]);
      assert.equal(ok.code, 0, ok.err);
    }
    // A bundle's entry does not vouch for another file.
    const other = await verify(bundles[0], "two.txt", ["--trusted-root", "tlog_root.json"]);
    assert.equal(other.code, 12, other.err);
    // Without the log in the trusted root, the entry is not trusted.
    const untrusted = await verify(bundles[1], "two.txt");
    assert.equal(untrusted.code, 12, untrusted.err);

    // Tamper with the first line (a later entry's chain now breaks): exit 12, tlog-entry.
    const first = JSON.parse(lines[0]);
    first.integratedTime += 1;
    writeFileSync(logFile, [JSON.stringify(first), lines[1]].join("\n") + "\n");
    for (const [i, file] of [[0, "one.txt"], [1, "two.txt"]] as const) {
      const tampered = await verify(bundles[i], file, ["--trusted-root", "tlog_root.json"]);
      assert.equal(tampered.code, 12, tampered.err);
      assert.match(tampered.err, /Failed check: tlog-entry/);
    }
  });

  it("artifact type and transparency log together: sign envblob://NAME with a file:// log, verify with its trusted root", async () => {
    const P = ["--plugin", plugin("envblob.ts"), "--plugin", plugin("file_log.ts")];
    const logFile = join(dir, "tlog-envblob", "log.jsonl");
    const logUrl = pathToFileURL(logFile).href;
    const root = await run([...P, "file-log", "trusted-root", logUrl]);
    assert.equal(root.code, 0, root.err);
    writeFileSync(join(dir, "envblob_root.json"), root.out);
    const env = { ENVBLOB_DIR: join(dir, "envblob-logged"), LOGGED: "a logged variable" };
    const s = await run([
      ...P,
      "sign",
      "--key",
      key,
      "-y",
      "--rekor-url",
      logUrl,
      "envblob://LOGGED",
    ], {
      env,
    });
    assert.equal(s.code, 0, s.err);
    // The log holds an entry for this signature over the variable's digest.
    const line = JSON.parse(readFileSync(logFile, "utf8").trim());
    const body = JSON.parse(Buffer.from(line.body, "base64").toString());
    assert.equal(
      body.spec.data.hash.value,
      createHash("sha256").update(env.LOGGED).digest("hex"),
    );
    const stored = JSON.parse(readFileSync(join(env.ENVBLOB_DIR, "LOGGED.sigs.json"), "utf8"));
    assert.equal(stored.length, 1);
    const v = await run(
      [...P, "verify", "--key", pub, "--trusted-root", "envblob_root.json", "envblob://LOGGED"],
      { env },
    );
    assert.equal(v.code, 0, v.err);
    // Without the log in the trusted root: exit 12, tlog-entry.
    const untrusted = await run([...P, "verify", "--key", pub, "envblob://LOGGED"], { env });
    assert.equal(untrusted.code, 12, untrusted.err);
    assert.match(untrusted.err, /Failed check: tlog-entry/);
  });

  it("timestamp authority: sign-blob --timestamp-server-url localclock:///… stamps the bundle; verify-blob checks it", async () => {
    const P = ["--plugin", plugin("local_clock.ts")];
    const clockKey = join(dir, "clock", "clock.key");
    writeFileSync(join(dir, "c.txt"), "a timestamped artifact\n");
    const s = await run([
      ...P,
      "sign-blob",
      "--key",
      key,
      "--tlog-upload=false",
      "--timestamp-server-url",
      `localclock://${clockKey}`,
      "--new-bundle-format",
      "--bundle",
      "c.sigstore.json",
      "c.txt",
    ]);
    assert.equal(s.code, 0, s.err);
    const bundle = JSON.parse(readFileSync(join(dir, "c.sigstore.json"), "utf8"));
    const stamps = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
    assert.equal(stamps.length, 1, JSON.stringify(bundle));
    const tokenText = Buffer.from(stamps[0].signedTimestamp, "base64").toString();
    const token = JSON.parse(tokenText);
    const sig = Buffer.from(bundle.messageSignature.signature, "base64");
    assert.equal(token.imprint, createHash("sha256").update(sig).digest("base64"));
    const signedPart = JSON.stringify({ ...token, signature: undefined });
    assert.ok(
      await opensslAccepts(
        new TextEncoder().encode(signedPart),
        Buffer.from(token.signature, "base64"),
        `${clockKey}.pub`,
      ),
      "openssl rejects the clock's signature",
    );
    const v = await run(
      [
        ...P,
        "verify-blob",
        "--key",
        pub,
        "--bundle",
        "c.sigstore.json",
        "--insecure-ignore-tlog",
        "c.txt",
      ],
      { env: { LOCAL_CLOCK_PUBLIC_KEY: `${clockKey}.pub` } },
    );
    assert.equal(v.code, 0, v.err);
  });

  it("--help lists every plugin's key scheme, artifact kind, log and command with its plugin", async () => {
    const r = await run(
      [
        "--plugin",
        plugin("envblob.ts"),
        "--plugin",
        plugin("file_log.ts"),
        "--plugin",
        plugin("local_clock.ts"),
        "--help",
      ],
      { env: { COSIGN_TS_PLUGINS: plugin("env_key.ts") } },
    );
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split("\n");
    const listed = (item: string, plugin: string, description: string) => {
      assert.ok(
        lines.some((l) =>
          new RegExp(`^\\s+${item}\\s`).test(l) && l.includes(plugin) && l.includes(description)
        ),
        `--help does not list ${item} with "${description}" and its plugin ${plugin}:\n${r.out}`,
      );
    };
    // Each plugin with its own description.
    listed("example-env-key", "example-env-key", "keys from environment variables (example)");
    listed("example-envblob", "example-envblob", "environment variables as signable artifacts");
    listed("example-file-log", "example-file-log", "a transparency log in a local file");
    listed("example-local-clock", "example-local-clock", "a local signing clock as timestamp");
    listed("env", "example-env-key", "PEM private key in an environment variable");
    listed("envblob", "example-envblob", "the value of an environment variable");
    listed("file-log", "example-file-log", "append-only, hash-chained log in a local file");
    listed("local-clock", "example-local-clock", "a local signing clock with its own key");
    listed("envblob list", "example-envblob", "Lists the envblob:// artifacts");
    listed("file-log trusted-root", "example-file-log", "Prints a trusted root");
    // The built-ins are listed too.
    assert.match(r.out, /\brekor\b/);
    assert.match(r.out, /\bfile\b/);
  });
});
