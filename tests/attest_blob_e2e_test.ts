/**
 * End-to-end tests of `attest-blob` and `verify-blob-attestation` on the compiled binary:
 *
 * - the DSSE envelope and its in-toto statement are checked by independent code: Debian's Python
 *   with `cryptography` recomputes the PAE from the envelope and verifies the ECDSA signature
 *   with the public key, and reads the statement (field order, subject digest = hashlib's
 *   SHA-256 of the blob, predicate type);
 * - attestation bundles (key and keyless, Rekor v1 dsse and Rekor v2 entries, RFC 3161
 *   timestamps) made against @sigstore/mock's Fulcio, Rekor and TSA on loopback are verified by
 *   @sigstore/verify (sigstore-js) and by our own verify-blob-attestation;
 * - bad input (tampered envelope, wrong subject, wrong predicate type, truncated, huge or non-JSON
 *   predicate, missing bundle) gives a clear error, exit 12 for verification failures, and no
 *   output file.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, truncate, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, ROOT, tempDir } from "./helpers/cli.ts";
import { makeIdentityToken, TEST_ISSUER } from "./helpers/oidc.ts";
import { PYTHON } from "./helpers/python.ts";
import { verifyWithSigstoreJs } from "./helpers/sigstore_js.ts";
import { type SigstoreServices, startSigstoreServices } from "./helpers/sigstore_services.ts";

let svc: SigstoreServices;
let dir: string;
let cleanup: () => Promise<void>;
let blob: string;
let blobSha256: string;
let rootPath: string;
let key: string;
let pub: string;
let token: string;
const IDENTITY = "alice@example.com";
const PASSWORD = { COSIGN_PASSWORD: "attest-pw" };
const PROVENANCE = {
  buildDefinition: {
    buildType: "https://example.com/build/v1",
    externalParameters: { repository: "https://example.com/repo" },
  },
  runDetails: { builder: { id: "https://example.com/builder" }, metadata: { invocationID: "r1" } },
};

before(async () => {
  svc = await startSigstoreServices();
  ({ dir, cleanup } = await tempDir("cosign-ts-attest-"));
  blob = join(dir, "release.tar.gz");
  const bytes = new TextEncoder().encode("release bytes " + "r".repeat(3000));
  await writeFile(blob, bytes);
  blobSha256 = createHash("sha256").update(bytes).digest("hex");
  rootPath = join(dir, "trusted_root.json");
  await writeFile(rootPath, JSON.stringify(svc.trustedRoot));
  await writeFile(join(dir, "provenance.json"), JSON.stringify(PROVENANCE));
  const g = await cosign(["generate-key-pair"], { cwd: dir, env: PASSWORD });
  assert.equal(g.code, 0, g.err);
  key = join(dir, "cosign.key");
  pub = join(dir, "cosign.pub");
  token = await makeIdentityToken({ sub: IDENTITY });
});

after(async () => {
  await svc?.stop();
  await cleanup?.();
});

function p(name: string): string {
  return join(dir, name);
}

/** attest-blob's key and the SLSA v1 predicate most tests attest. */
function provenanceArgs(): string[] {
  return ["--key", key, "--predicate", p("provenance.json"), "--type", "slsaprovenance1"];
}

/** verify-blob-attestation's key and that predicate type. */
function keyArgs(): string[] {
  return ["--key", pub, "--type", "slsaprovenance1"];
}

async function attest(args: string[]) {
  return await cosign(["attest-blob", ...args], { env: PASSWORD });
}

async function verify(args: string[]) {
  return await cosign(["verify-blob-attestation", ...args]);
}

/**
 * The independent check: Python's `cryptography` verifies the envelope's signature over the PAE
 * it builds itself, and reads the statement. Prints one JSON line.
 */
const PY_CHECK = `
import sys, json, base64, hashlib
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.exceptions import InvalidSignature
env_text, pub_pem, blob_path = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), sys.argv[3]
env = json.loads(env_text)
out = {"keys": list(env.keys()), "sigkeys": [list(s.keys()) for s in env["signatures"]]}
payload = base64.b64decode(env["payload"], validate=True)
ptype = env["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
key = serialization.load_pem_public_key(pub_pem)
try:
    key.verify(base64.b64decode(env["signatures"][0]["sig"]), pae, ec.ECDSA(hashes.SHA256()))
    out["signature"] = "valid"
except InvalidSignature:
    out["signature"] = "invalid"
st = json.loads(payload)
out["statementKeys"] = list(st.keys())
out["type"] = st["_type"]
out["predicateType"] = st["predicateType"]
out["subject"] = st["subject"]
out["blobSha256"] = hashlib.sha256(open(blob_path, "rb").read()).hexdigest()
out["payloadSha256"] = hashlib.sha256(payload).hexdigest()
out["predicate"] = st["predicate"]
out["compact"] = payload == json.dumps(st, separators=(",", ":"), ensure_ascii=False).encode()
print(json.dumps(out))
`;

// deno-lint-ignore no-explicit-any
function pythonCheck(envelope: string, publicKey: string): Record<string, any> {
  const r = spawnSync(PYTHON, ["-c", PY_CHECK, envelope, publicKey, blob], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("attest-blob with a key", () => {
  it("writes cosign's envelope and statement; Python's cryptography verifies the PAE signature", async () => {
    const r = await attest([
      ...provenanceArgs(),
      "--tlog-upload=false",
      "--output-signature",
      p("k.att.json"),
      "--output-attestation",
      p("k.statement.json"),
      "--bundle",
      p("k.bundle"),
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "", "the envelope went to --output-signature");
    assert.match(r.err, /Using payload from: .*release\.tar\.gz/);
    assert.match(r.err, /Signature written in .*k\.att\.json/);
    assert.match(r.err, /Attestation written in .*k\.statement\.json/);
    const py = pythonCheck(p("k.att.json"), pub);
    assert.deepEqual(py.keys, ["payloadType", "payload", "signatures"]);
    assert.deepEqual(py.sigkeys, [["keyid", "sig"]]);
    assert.equal(py.signature, "valid");
    assert.deepEqual(py.statementKeys, ["_type", "subject", "predicateType", "predicate"]);
    assert.equal(py.type, "https://in-toto.io/Statement/v0.1");
    assert.equal(py.predicateType, "https://slsa.dev/provenance/v1");
    assert.deepEqual(py.subject, [{ name: "release.tar.gz", digest: { sha256: py.blobSha256 } }]);
    assert.equal(py.compact, true);
    // cosign renames SLSA v1's invocationID to invocationId (the protobuf's JSON name).
    assert.equal(py.predicate.runDetails.metadata.invocationId, "r1");
    const envelope = JSON.parse(await readFile(p("k.att.json"), "utf8"));
    assert.equal(envelope.signatures[0].keyid, "");
    // --output-attestation is exactly the signed payload.
    assert.equal(
      createHash("sha256").update(await readFile(p("k.statement.json"))).digest("hex"),
      py.payloadSha256,
    );
    // cosign's legacy attestation bundle: base64Signature is the envelope, cert the key's PEM.
    const legacy = JSON.parse(await readFile(p("k.bundle"), "utf8"));
    assert.deepEqual(Object.keys(legacy), ["base64Signature", "cert"]);
    assert.equal(
      Buffer.from(legacy.base64Signature, "base64").toString(),
      await readFile(p("k.att.json"), "utf8"),
    );
    assert.equal(Buffer.from(legacy.cert, "base64").toString(), await readFile(pub, "utf8"));
  });

  it("prints the envelope when no --output-signature is given; both files verify", async () => {
    const r = await attest([
      ...provenanceArgs(),
      "--tlog-upload=false",
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const env = JSON.parse(r.out);
    assert.equal(env.payloadType, "application/vnd.in-toto+json");
    for (const source of [["--signature", p("k.att.json")], ["--bundle", p("k.bundle")]]) {
      const v = await verify([
        "--key",
        pub,
        ...source,
        "--type",
        "slsaprovenance1",
        "--insecure-ignore-tlog",
        blob,
      ]);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /Verified OK/);
    }
  });

  it("verification failures exit 12 with the reason: wrong type, wrong blob, tampered envelope, other key", async () => {
    const base = ["--key", pub, "--signature", p("k.att.json"), "--insecure-ignore-tlog"];
    const wrongType = await verify([...base, "--type", "cyclonedx", blob]);
    assert.equal(wrongType.code, 12);
    assert.match(
      wrongType.err,
      /invalid predicate type, expected https:\/\/cyclonedx.org\/bom got https:\/\/slsa.dev\/provenance\/v1/,
    );
    // default --type is custom
    assert.equal((await verify([...base, blob])).code, 12);
    await writeFile(p("other.txt"), "another artifact");
    const wrongBlob = await verify([...base, "--type", "slsaprovenance1", p("other.txt")]);
    assert.equal(wrongBlob.code, 12);
    assert.match(wrongBlob.err, /no in-toto subject has the artifact's digest/);
    // A changed payload (the subject rewritten to the other blob) breaks the signature.
    const env = JSON.parse(await readFile(p("k.att.json"), "utf8"));
    const st = Buffer.from(env.payload, "base64").toString().replace(
      blobSha256,
      createHash("sha256").update("another artifact").digest("hex"),
    );
    env.payload = Buffer.from(st).toString("base64");
    await writeFile(p("tampered.json"), JSON.stringify(env));
    const tampered = await verify([
      ...keyArgs(),
      "--signature",
      p("tampered.json"),
      "--insecure-ignore-tlog",
      p("other.txt"),
    ]);
    assert.equal(tampered.code, 12);
    assert.match(tampered.err, /DSSE signature does not verify/);
    // Another key.
    const g = await cosign(["generate-key-pair", "--output-key-prefix", "other"], {
      cwd: dir,
      env: PASSWORD,
    });
    assert.equal(g.code, 0, g.err);
    const otherKey = await verify([
      "--key",
      p("other.pub"),
      "--signature",
      p("k.att.json"),
      "--type",
      "slsaprovenance1",
      "--insecure-ignore-tlog",
      blob,
    ]);
    assert.equal(otherKey.code, 12);
    // --check-claims=false: the envelope alone (the other blob is not compared).
    const noClaims = await verify([
      ...base,
      "--type",
      "slsaprovenance1",
      "--check-claims=false",
      p("other.txt"),
    ]);
    assert.equal(noClaims.code, 0, noClaims.err);
  });

  it("--digest/--digestAlg instead of the blob; --hash and --statement instead of reading it", async () => {
    const byDigest = await verify([
      ...keyArgs(),
      "--signature",
      p("k.att.json"),
      "--insecure-ignore-tlog",
      "--digest",
      blobSha256,
      "--digestAlg",
      "sha256",
    ]);
    assert.equal(byDigest.code, 0, byDigest.err);
    const wrongDigest = await verify([
      ...keyArgs(),
      "--signature",
      p("k.att.json"),
      "--insecure-ignore-tlog",
      "--digest",
      "0".repeat(64),
    ]);
    assert.equal(wrongDigest.code, 12);
    // --hash: the blob need not exist where it is attested.
    const hashed = await attest([
      "--key",
      key,
      "--predicate",
      p("provenance.json"),
      "--tlog-upload=false",
      "--hash",
      blobSha256,
      "--output-signature",
      p("h.att.json"),
      "--output-attestation",
      p("h.statement.json"),
      p("elsewhere/release.tar.gz"),
    ]);
    assert.equal(hashed.code, 0, hashed.err);
    const custom = JSON.parse(await readFile(p("h.statement.json"), "utf8"));
    assert.equal(custom.predicateType, "https://cosign.sigstore.dev/attestation/v1");
    assert.deepEqual(Object.keys(custom.predicate), ["Data", "Timestamp"]);
    assert.equal(custom.predicate.Data, JSON.stringify(PROVENANCE));
    assert.match(custom.predicate.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const v = await verify([
      "--key",
      pub,
      "--signature",
      p("h.att.json"),
      "--insecure-ignore-tlog",
      blob,
    ]);
    assert.equal(v.code, 0, v.err);
    // --statement: signed as it is.
    const statement = JSON.stringify({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "x", digest: { sha256: blobSha256 } }],
      predicateType: "https://example.com/custom/v1",
      predicate: { ok: true },
    });
    await writeFile(p("statement.json"), statement);
    const s = await attest([
      "--key",
      key,
      "--statement",
      p("statement.json"),
      "--tlog-upload=false",
      "--output-signature",
      p("s.att.json"),
      blob,
    ]);
    assert.equal(s.code, 0, s.err);
    const env = JSON.parse(await readFile(p("s.att.json"), "utf8"));
    assert.equal(Buffer.from(env.payload, "base64").toString(), statement);
    const sv = await verify([
      "--key",
      pub,
      "--signature",
      p("s.att.json"),
      "--type",
      "https://example.com/custom/v1",
      "--insecure-ignore-tlog",
      blob,
    ]);
    assert.equal(sv.code, 0, sv.err);
  });
});

describe("attest-blob with Sigstore services", () => {
  it("key + Rekor v1 (dsse) + TSA as a v0.3 bundle: sigstore-js and verify-blob-attestation verify", async () => {
    const out = p("kr.sigstore.json");
    const r = await attest([
      "-y",
      ...provenanceArgs(),
      "--rekor-url",
      svc.rekorUrl,
      "--timestamp-server-url",
      svc.tsaUrl,
      "--new-bundle-format",
      "--bundle",
      out,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /tlog entry created with index: \d+/);
    const b = JSON.parse(await readFile(out, "utf8"));
    assert.equal(b.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    assert.equal(b.dsseEnvelope.payloadType, "application/vnd.in-toto+json");
    const e = b.verificationMaterial.tlogEntries[0];
    assert.deepEqual(e.kindVersion, { kind: "dsse", version: "0.0.1" });
    assert.equal(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
    // The same envelope as printed on stdout.
    const printed = JSON.parse(r.out);
    assert.equal(printed.payload, b.dsseEnvelope.payload);
    assert.equal(printed.signatures[0].sig, b.dsseEnvelope.signatures[0].sig);
    const js = await verifyWithSigstoreJs({
      bundle: out,
      artifact: blob,
      trustedRoot: rootPath,
      key: pub,
      timestampThreshold: 1,
    });
    assert.equal(js.ok, true, js.error);
    const ours = await verify([
      ...keyArgs(),
      "--bundle",
      out,
      "--trusted-root",
      rootPath,
      blob,
    ]);
    assert.equal(ours.code, 0, ours.err);
    // A bundle whose envelope was changed fails both verifiers.
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString());
    st.predicate.runDetails.builder.id = "https://evil.example.com";
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString("base64");
    await writeFile(p("kr-tampered.json"), JSON.stringify(b));
    const bad = await verify([
      ...keyArgs(),
      "--bundle",
      p("kr-tampered.json"),
      "--trusted-root",
      rootPath,
      blob,
    ]);
    assert.equal(bad.code, 12);
    const jsBad = await verifyWithSigstoreJs({
      bundle: p("kr-tampered.json"),
      artifact: blob,
      trustedRoot: rootPath,
      key: pub,
    });
    assert.equal(jsBad.ok, false);
  });

  it("key + Rekor v1 in cosign's legacy bundle: the Rekor bundle verifies offline", async () => {
    const r = await attest([
      "-y",
      ...provenanceArgs(),
      "--rekor-url",
      svc.rekorUrl,
      "--bundle",
      p("kl.bundle"),
      "--output-signature",
      p("kl.att.json"),
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const legacy = JSON.parse(await readFile(p("kl.bundle"), "utf8"));
    assert.deepEqual(Object.keys(legacy), ["base64Signature", "cert", "rekorBundle"]);
    const body = JSON.parse(Buffer.from(legacy.rekorBundle.Payload.body, "base64").toString());
    assert.equal(body.kind, "dsse");
    const v = await verify([
      ...keyArgs(),
      "--bundle",
      p("kl.bundle"),
      "--trusted-root",
      rootPath,
      blob,
    ]);
    assert.equal(v.code, 0, v.err);
    // The bare envelope carries no log entry: looked up in Rekor by the payload's hash (as cosign
    // does) and verified; with --offline it is refused.
    const bareArgs = [
      ...keyArgs(),
      "--signature",
      p("kl.att.json"),
      "--trusted-root",
      rootPath,
      "--rekor-url",
      svc.rekorUrl,
    ];
    const since = svc.requests.length;
    const looked = await verify([...bareArgs, blob]);
    assert.equal(looked.code, 0, looked.err);
    assert.ok(
      svc.requests.slice(since).some((q) => q.path === "/api/v1/index/retrieve"),
      "searched Rekor's index",
    );
    const offline = await verify([...bareArgs, "--offline", blob]);
    assert.equal(offline.code, 12);
    assert.match(offline.err, /transparency log/);
  });

  it("legacy form with a TSA: the token covers the envelope JSON and verifies with --use-signed-timestamps", async () => {
    const r = await attest([
      ...provenanceArgs(),
      "--tlog-upload=false",
      "--timestamp-server-url",
      svc.tsaUrl,
      "--rfc3161-timestamp-bundle",
      p("kt.tsr.json"),
      "--output-signature",
      p("kt.att.json"),
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const ts = JSON.parse(await readFile(p("kt.tsr.json"), "utf8"));
    assert.deepEqual(Object.keys(ts), ["SignedRFC3161Timestamp"]);
    const args = [
      ...keyArgs(),
      "--signature",
      p("kt.att.json"),
      "--insecure-ignore-tlog",
      "--use-signed-timestamps",
      "--trusted-root",
      rootPath,
    ];
    const ok = await verify([...args, "--rfc3161-timestamp", p("kt.tsr.json"), blob]);
    assert.equal(ok.code, 0, ok.err);
    // Required, and it must cover this envelope: another attestation's token is refused.
    const none = await verify([...args, blob]);
    assert.equal(none.code, 12);
    assert.match(none.err, /RFC 3161 timestamp/);
    const other = await attest([
      "--key",
      key,
      "--predicate",
      p("provenance.json"),
      "--tlog-upload=false",
      "--timestamp-server-url",
      svc.tsaUrl,
      "--rfc3161-timestamp-bundle",
      p("kt2.tsr.json"),
      blob,
    ]);
    assert.equal(other.code, 0, other.err);
    const wrong = await verify([...args, "--rfc3161-timestamp", p("kt2.tsr.json"), blob]);
    assert.equal(wrong.code, 12);
    assert.match(wrong.err, /timestamp/i);
  });

  it("--rekor-entry-type intoto: cosign's legacy intoto v0.0.2 entry (double base64) verifies", async () => {
    const since = svc.requests.length;
    const r = await attest([
      "-y",
      ...provenanceArgs(),
      "--rekor-url",
      svc.rekorUrl,
      "--rekor-entry-type",
      "intoto",
      "--bundle",
      p("ki.bundle"),
      "--output-signature",
      p("ki.att.json"),
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    // What was proposed: Rekor's intoto v0.0.2 with the envelope's base64 texts encoded again.
    const sent = svc.requests.slice(since).find((q) => q.path === "/api/v1/log/entries");
    assert.ok(sent, "a Rekor v1 upload");
    const proposed = JSON.parse(Buffer.from(sent.body).toString());
    const env = JSON.parse(await readFile(p("ki.att.json"), "utf8"));
    assert.equal(proposed.kind, "intoto");
    assert.equal(proposed.apiVersion, "0.0.2");
    const penv = proposed.spec.content.envelope;
    assert.equal(Buffer.from(penv.payload, "base64").toString(), env.payload);
    assert.equal(Buffer.from(penv.signatures[0].sig, "base64").toString(), env.signatures[0].sig);
    assert.equal(
      Buffer.from(penv.signatures[0].publicKey, "base64").toString(),
      await readFile(pub, "utf8"),
    );
    const v = await verify([
      ...keyArgs(),
      "--bundle",
      p("ki.bundle"),
      "--trusted-root",
      rootPath,
      blob,
    ]);
    assert.equal(v.code, 0, v.err);
  });

  it("keyless (Fulcio certificate, Rekor v1, TSA): sigstore-js verifies the identity; ours checks it", async () => {
    const out = p("kl.sigstore.json");
    const r = await attest([
      "-y",
      "--fulcio-url",
      svc.fulcioUrl,
      "--rekor-url",
      svc.rekorUrl,
      "--timestamp-server-url",
      svc.tsaUrl,
      "--trusted-root",
      rootPath,
      "--identity-token",
      token,
      "--predicate",
      p("provenance.json"),
      "--type",
      "slsaprovenance1",
      "--bundle",
      out,
      "--output-certificate",
      p("kl.crt"),
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const b = JSON.parse(await readFile(out, "utf8"));
    assert.ok(b.verificationMaterial.certificate.rawBytes);
    assert.match(await readFile(p("kl.crt"), "utf8"), /-----BEGIN CERTIFICATE-----/);
    const js = await verifyWithSigstoreJs({
      bundle: out,
      artifact: blob,
      trustedRoot: rootPath,
      identity: IDENTITY,
      issuer: TEST_ISSUER,
      timestampThreshold: 2,
    });
    assert.equal(js.ok, true, js.error);
    assert.equal(js.san, IDENTITY);
    const identity = ["--certificate-identity", IDENTITY, "--certificate-oidc-issuer", TEST_ISSUER];
    const ok = await verify([
      "--bundle",
      out,
      "--type",
      "slsaprovenance1",
      "--trusted-root",
      rootPath,
      ...identity,
      blob,
    ]);
    assert.equal(ok.code, 0, ok.err);
    const wrong = await verify([
      "--bundle",
      out,
      "--type",
      "slsaprovenance1",
      "--trusted-root",
      rootPath,
      "--certificate-identity",
      "mallory@example.com",
      "--certificate-oidc-issuer",
      TEST_ISSUER,
      blob,
    ]);
    assert.equal(wrong.code, 12);
    assert.match(wrong.err, /identity/);
    const noIdentity = await verify(["--bundle", out, "--trusted-root", rootPath, blob]);
    assert.equal(noIdentity.code, 2);
    assert.match(noIdentity.err, /--certificate-identity/);
  });

  it("keyless with a signing config naming Rekor v2: a dsse v0.0.2 entry sigstore-js accepts", async () => {
    const cfg = p("signing_config_v2.json");
    await writeFile(cfg, JSON.stringify(svc.signingConfigV2));
    const out = p("v2.sigstore.json");
    const r = await attest([
      "-y",
      "--signing-config",
      cfg,
      "--trusted-root",
      rootPath,
      "--identity-token",
      token,
      "--predicate",
      p("provenance.json"),
      "--type",
      "slsaprovenance1",
      "--bundle",
      out,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const b = JSON.parse(await readFile(out, "utf8"));
    assert.deepEqual(b.verificationMaterial.tlogEntries[0].kindVersion, {
      kind: "dsse",
      version: "0.0.2",
    });
    const js = await verifyWithSigstoreJs({
      bundle: out,
      artifact: blob,
      trustedRoot: rootPath,
      identity: IDENTITY,
      issuer: TEST_ISSUER,
    });
    assert.equal(js.ok, true, js.error);
    const ours = await verify([
      "--bundle",
      out,
      "--type",
      "slsaprovenance1",
      "--trusted-root",
      rootPath,
      "--certificate-identity",
      IDENTITY,
      "--certificate-oidc-issuer",
      TEST_ISSUER,
      blob,
    ]);
    assert.equal(ours.code, 0, ours.err);
  });
});

describe("attest-blob refuses bad input and writes nothing", () => {
  const outputs = () => ["--output-signature", p("bad.att"), "--bundle", p("bad.bundle")];
  const nothingWritten = () => {
    assert.ok(!existsSync(p("bad.att")), "no signature file");
    assert.ok(!existsSync(p("bad.bundle")), "no bundle file");
  };

  it("a predicate that is not JSON, truncated JSON, not an object, or too large", async () => {
    await writeFile(p("text.txt"), "SPDXVersion: SPDX-2.3");
    await writeFile(p("truncated.json"), JSON.stringify(PROVENANCE).slice(0, 40));
    await writeFile(p("array.json"), "[1,2]");
    const cases: [string, string, RegExp][] = [
      ["text.txt", "spdxjson", /Cannot use the predicate as type "spdxjson": it is not JSON/],
      ["truncated.json", "slsaprovenance1", /it is not JSON/],
      ["array.json", "cyclonedx", /it is JSON array, not an object/],
    ];
    for (const [file, type, re] of cases) {
      const r = await attest([
        "--key",
        key,
        "--predicate",
        p(file),
        "--type",
        type,
        "--tlog-upload=false",
        ...outputs(),
        blob,
      ]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, re);
      nothingWritten();
    }
    await writeFile(p("huge.json"), "");
    await truncate(p("huge.json"), 64 * 1024 * 1024 + 1);
    const huge = await attest([
      "--key",
      key,
      "--predicate",
      p("huge.json"),
      "--tlog-upload=false",
      ...outputs(),
      blob,
    ]);
    assert.equal(huge.code, 1);
    assert.match(
      huge.err,
      /Cannot read predicate ".*huge\.json": it has 67108865 bytes, more than/,
    );
    nothingWritten();
  });

  it("flags: a missing predicate, both --predicate and --statement, an unknown type or entry type", async () => {
    const missing = await attest([
      "--key",
      key,
      "--predicate",
      p("nope.json"),
      "--tlog-upload=false",
      blob,
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /Cannot read predicate ".*nope\.json": no such file/);
    const both = await attest([
      "--key",
      key,
      "--predicate",
      p("provenance.json"),
      "--statement",
      p("provenance.json"),
      blob,
    ]);
    assert.equal(both.code, 2);
    assert.match(both.err, /one of --predicate or --statement must be set/);
    const badType = await attest([
      "--key",
      key,
      "--predicate",
      p("provenance.json"),
      "--type",
      "slsa",
      blob,
    ]);
    assert.equal(badType.code, 2);
    assert.match(badType.err, /invalid predicate type: slsa/);
    const badEntry = await attest([
      "--key",
      key,
      "--predicate",
      p("provenance.json"),
      "--rekor-entry-type",
      "rekord",
      blob,
    ]);
    assert.equal(badEntry.code, 2);
    const tsaNoBundle = await attest([
      "--key",
      key,
      "--predicate",
      p("provenance.json"),
      "--tlog-upload=false",
      "--timestamp-server-url",
      svc.tsaUrl,
      ...outputs(),
      blob,
    ]);
    assert.equal(tsaNoBundle.code, 2);
    assert.match(tsaNoBundle.err, /expected either new bundle or an rfc3161-timestamp path/);
    nothingWritten();
  });

  it("verify-blob-attestation: a missing or malformed bundle, no signature at all", async () => {
    const none = await verify(["--key", pub, blob]);
    assert.equal(none.code, 2);
    assert.match(none.err, /--signature or --bundle/);
    const missing = await verify(["--key", pub, "--bundle", p("nope.sigstore.json"), blob]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /nope\.sigstore\.json.*no such file/);
    await writeFile(p("garbage.json"), "{not json");
    const garbage = await verify(["--key", pub, "--signature", p("garbage.json"), blob]);
    assert.equal(garbage.code, 1);
    assert.match(garbage.err, /not valid JSON/);
    await writeFile(p("noenv.json"), JSON.stringify({ payloadType: "x" }));
    const noenv = await verify(["--key", pub, "--signature", p("noenv.json"), blob]);
    assert.equal(noenv.code, 1);
    assert.match(noenv.err, /Cannot read DSSE envelope .*"payload" is missing/);
  });
});

describe("verify-blob-attestation reads envelopes cosign wrote", () => {
  it("cosign's own test vectors: accepted and refused as cosign's test expects", async () => {
    const v = JSON.parse(
      await readFile(join(ROOT, "tests/fixtures/cosign_attestations/vectors.json"), "utf8"),
    );
    const vdir = p("cosign-vectors");
    await mkdir(vdir, { recursive: true });
    await writeFile(join(vdir, "cosign.pub"), v.publicKey);
    await writeFile(join(vdir, "blob"), v.blob);
    await writeFile(join(vdir, "other-blob"), v.anotherBlob);
    const run = async (name: string, type: string | undefined, file: string) => {
      const sig = join(vdir, `${name}.json`);
      await writeFile(sig, Buffer.from(v.envelopes[name], "base64"));
      return await verify([
        "--key",
        join(vdir, "cosign.pub"),
        "--signature",
        sig,
        ...(type ? ["--type", type] : []),
        "--insecure-ignore-tlog",
        join(vdir, file),
      ]);
    };
    const cases: [string, string | undefined, string, number][] = [
      ["slsaProvenance", "slsaprovenance", "blob", 0],
      ["slsaProvenance", "custom", "blob", 12],
      ["slsaProvenance", "slsaprovenance", "other-blob", 12],
      ["emptySubject", "slsaprovenance", "blob", 12],
      ["missingSha256", "slsaprovenance", "blob", 12],
      ["multipleSubjects", "slsaprovenance", "blob", 0],
      ["multipleSubjectsInvalid", "slsaprovenance", "blob", 12],
    ];
    for (const [name, type, file, code] of cases) {
      const r = await run(name, type, file);
      assert.equal(r.code, code, `${name} --type ${type} ${file}: ${r.err}`);
      if (code === 0) assert.match(r.err, /Verified OK/);
    }
  });
});

describe("verify-blob-attestation --policy", () => {
  it("cosign's own policy test: CUE and Rego policies over a cosign envelope pass or exit 12", async () => {
    const v = JSON.parse(
      await readFile(join(ROOT, "tests/fixtures/cosign_attestations/vectors.json"), "utf8"),
    );
    const vdir = p("cosign-policies");
    await mkdir(vdir, { recursive: true });
    await writeFile(join(vdir, "cosign.pub"), v.publicKey);
    await writeFile(join(vdir, "blob"), v.blob);
    await writeFile(join(vdir, "att.json"), Buffer.from(v.envelopes.slsaProvenance, "base64"));
    const files: Record<string, string> = {
      "valid-policy1.cue": 'predicateType: "https://slsa.dev/provenance/v0.2"',
      "valid-policy2.cue": 'predicate: { builder: { id: "2" } }',
      "invalid-policy.cue": 'predicateType: "cosign.sigstore.dev/attestation/v1"',
      "valid-policy1.rego":
        'package signature\nallow {\n  input.predicateType == "https://slsa.dev/provenance/v0.2"\n}',
      "invalid-policy1.rego":
        'package signature\nallow {\n  input.predicateType == "cosign.sigstore.dev/attestation/v1"\n}',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(vdir, name), text);
    const run = (policies: string[]) =>
      verify([
        "--key",
        join(vdir, "cosign.pub"),
        "--signature",
        join(vdir, "att.json"),
        "--type",
        "slsaprovenance",
        "--insecure-ignore-tlog",
        ...policies.flatMap((f) => ["--policy", join(vdir, f)]),
        join(vdir, "blob"),
      ]);
    const cases: [string[], number][] = [
      [["valid-policy1.cue"], 0],
      [["valid-policy1.cue", "valid-policy2.cue"], 0],
      [["invalid-policy.cue"], 12],
      [["invalid-policy.cue", "valid-policy1.cue"], 12],
      [["valid-policy1.rego", "valid-policy1.cue"], 0],
      [["valid-policy1.rego"], 0],
      [["invalid-policy1.rego"], 12],
    ];
    for (const [policies, code] of cases) {
      const r = await run(policies);
      assert.equal(r.code, code, `${policies.join(",")}: ${r.err}`);
      if (code === 12) assert.doesNotMatch(r.err, /Verified OK/);
      else assert.match(r.err, /Verified OK/);
    }
  });
});
