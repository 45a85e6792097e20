/**
 * End-to-end tests of keyless and logged `sign-blob` on the compiled binary against real
 * Sigstore services on loopback (Fulcio, Rekor v1 and v2, RFC 3161 TSA from @sigstore/mock over
 * node:http). Results are cross-checked with @sigstore/verify under Node (independent
 * verifier), openssl (signature over the file with the certificate's key) and node:crypto
 * (digests, certificate parsing); failures (services down or failing, bad or missing tokens, SCT
 * not from a trusted CT log, conflicting flags) must give a clear error, a non-zero exit and no
 * output file.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, tempDir } from "./helpers/cli.ts";
import { makeIdentityToken, TEST_ISSUER } from "./helpers/oidc.ts";
import { genKey, opensslVerify } from "./helpers/openssl.ts";
import { verifyWithSigstoreJs } from "./helpers/sigstore_js.ts";
import {
  closedPortUrl,
  PATHS,
  type SigstoreServices,
  startSigstoreServices,
} from "./helpers/sigstore_services.ts";
import { closeServer } from "./helpers/bounded.ts";

let svc: SigstoreServices;
let dir: string;
let cleanup: () => Promise<void>;
let blob: string;
let blobSha256: string;
let rootPath: string;
let cfgV1: string;
let cfgV2: string;
let token: string;
const IDENTITY = "alice@example.com";

before(async () => {
  svc = await startSigstoreServices();
  ({ dir, cleanup } = await tempDir("cosign-ts-keyless-"));
  blob = join(dir, "artifact.txt");
  const bytes = new TextEncoder().encode("keyless artifact " + "x".repeat(5000));
  await writeFile(blob, bytes);
  blobSha256 = createHash("sha256").update(bytes).digest("hex");
  rootPath = join(dir, "trusted_root.json");
  await writeFile(rootPath, JSON.stringify(svc.trustedRoot));
  cfgV1 = join(dir, "signing_config_v1.json");
  await writeFile(cfgV1, JSON.stringify(svc.signingConfig));
  cfgV2 = join(dir, "signing_config_v2.json");
  await writeFile(cfgV2, JSON.stringify(svc.signingConfigV2));
  token = await makeIdentityToken({ sub: IDENTITY });
});

after(async () => {
  await svc?.stop();
  await cleanup?.();
});

/** Flags pointing sign-blob at the loopback services. */
function services(): string[] {
  return ["--fulcio-url", svc.fulcioUrl, "--rekor-url", svc.rekorUrl, "--trusted-root", rootPath];
}

// deno-lint-ignore no-explicit-any
function bundleOf(text: string): Record<string, any> {
  return JSON.parse(text);
}

function b64ToHex(s: string): string {
  return Buffer.from(s, "base64").toString("hex");
}

/** Our own verifier on the binary: verify-blob with the services' trusted root. */
async function ourVerify(bundle: string, extra: string[] = []) {
  return await cosign([
    "verify-blob",
    "--bundle",
    bundle,
    "--trusted-root",
    rootPath,
    ...extra,
    blob,
  ]);
}

const IDENTITY_FLAGS = [
  "--certificate-identity",
  "alice@example.com",
  "--certificate-oidc-issuer",
  TEST_ISSUER,
];

function requestsTo(path: string, since: number): number {
  return svc.requests.slice(since).filter((r) => r.path === path).length;
}

describe("keyless sign-blob", () => {
  it("signs with a Fulcio certificate, logs in Rekor v1, timestamps; sigstore-js and openssl verify", async () => {
    const out = join(dir, "k1.sigstore.json");
    const certOut = join(dir, "k1.crt");
    const r = await cosign([
      "sign-blob",
      "-y",
      ...services(),
      "--timestamp-server-url",
      svc.tsaUrl,
      "--identity-token",
      token,
      "--bundle",
      out,
      "--output-certificate",
      certOut,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Successfully verified SCT/);
    assert.match(r.err, /tlog entry created with index: \d+/);
    const b = bundleOf(await readFile(out, "utf8"));
    assert.equal(b.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    // The certificate: issued by the services' Fulcio root for our identity.
    const leaf = new X509Certificate(
      Buffer.from(b.verificationMaterial.certificate.rawBytes, "base64"),
    );
    const root = new X509Certificate(Buffer.from(svc.fulcioRoot));
    assert.ok(leaf.verify(root.publicKey), "leaf is signed by the Fulcio root");
    assert.match(leaf.subjectAltName ?? "", new RegExp(IDENTITY.replace(".", "\\.")));
    // --output-certificate: base64 of the PEM (cosign's --b64 default), same certificate.
    const pem = Buffer.from((await readFile(certOut, "utf8")).trim(), "base64").toString();
    assert.equal(new X509Certificate(pem).fingerprint256, leaf.fingerprint256);
    // The message signature: over the file's SHA-256; openssl agrees it verifies.
    assert.equal(b64ToHex(b.messageSignature.messageDigest.digest), blobSha256);
    const sig = join(dir, "k1.sig");
    await writeFile(sig, Buffer.from(b.messageSignature.signature, "base64"));
    const pub = join(dir, "k1.pub");
    await writeFile(pub, leaf.publicKey.export({ type: "spki", format: "pem" }));
    assert.equal(await opensslVerify("p256", pub, blob, sig), true);
    // The Rekor v1 entry.
    assert.equal(b.verificationMaterial.tlogEntries.length, 1);
    const e = b.verificationMaterial.tlogEntries[0];
    assert.deepEqual(e.kindVersion, { kind: "hashedrekord", version: "0.0.1" });
    assert.equal(
      b64ToHex(e.logId.keyId),
      createHash("sha256").update(svc.rekorPublicKey).digest("hex"),
    );
    assert.match(e.logIndex, /^\d+$/);
    assert.match(e.integratedTime, /^\d+$/);
    assert.equal(Number(e.integratedTime), Math.floor(svc.clock.getTime() / 1000));
    assert.ok(e.inclusionPromise.signedEntryTimestamp.length > 40);
    assert.match(e.inclusionProof.checkpoint.envelope, /^127\.0\.0\.1:\d+ - \d+\n1\n/);
    assert.equal(e.inclusionProof.treeSize, "1");
    const body = JSON.parse(Buffer.from(e.canonicalizedBody, "base64").toString());
    assert.equal(body.kind, "hashedrekord");
    assert.deepEqual(body.spec.data.hash, { algorithm: "sha256", value: blobSha256 });
    assert.equal(body.spec.signature.content, b.messageSignature.signature);
    assert.equal(
      new X509Certificate(Buffer.from(body.spec.signature.publicKey.content, "base64").toString())
        .fingerprint256,
      leaf.fingerprint256,
    );
    // The RFC 3161 timestamp.
    const ts = b.verificationMaterial.timestampVerificationData.rfc3161Timestamps;
    assert.equal(ts.length, 1);
    // Independent verification: everything, with identity policy.
    const v = await verifyWithSigstoreJs({
      bundle: out,
      artifact: blob,
      trustedRoot: rootPath,
      identity: IDENTITY,
      issuer: TEST_ISSUER,
      timestampThreshold: 2,
    });
    assert.equal(v.ok, true, v.error);
    assert.equal(v.san, IDENTITY);
    // And our own verify-blob: accepted with the right identity, rejected with another.
    const ours = await ourVerify(out, IDENTITY_FLAGS);
    assert.equal(ours.code, 0, ours.err);
    assert.match(ours.err, /Verified OK/);
    const wrong = await ourVerify(out, [
      "--certificate-identity",
      "mallory@example.com",
      "--certificate-oidc-issuer",
      TEST_ISSUER,
    ]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err, /identity/);
    // A tampered artifact is rejected by the same verifier (the check is real).
    const other = join(dir, "k1-other.txt");
    await writeFile(other, "something else");
    const bad = await verifyWithSigstoreJs({ bundle: out, artifact: other, trustedRoot: rootPath });
    assert.equal(bad.ok, false);
  });

  it("takes the token from SIGSTORE_ID_TOKEN and from a file; works without Rekor (TSA only)", async () => {
    const tokenFile = join(dir, "token.txt");
    await writeFile(tokenFile, token + "\n");
    for (
      const [name, args, env] of [
        ["env", [], { SIGSTORE_ID_TOKEN: token }],
        ["file", ["--identity-token", tokenFile], {}],
      ] as const
    ) {
      const out = join(dir, `k2-${name}.sigstore.json`);
      const since = svc.requests.length;
      const r = await cosign([
        "sign-blob",
        "-y",
        ...services(),
        "--tlog-upload=false",
        "--timestamp-server-url",
        svc.tsaUrl,
        ...args,
        "--bundle",
        out,
        blob,
      ], { env });
      assert.equal(r.code, 0, `${name}: ${r.err}`);
      assert.equal(requestsTo(PATHS.rekorV1, since), 0, "no Rekor upload");
      assert.equal(requestsTo(PATHS.tsa, since), 1);
      const tsReq = svc.requests.slice(since).find((q) => q.path === PATHS.tsa)!;
      assert.equal(tsReq.contentType, "application/timestamp-query");
      const b = bundleOf(await readFile(out, "utf8"));
      assert.equal(b.verificationMaterial.tlogEntries?.length ?? 0, 0);
      const v = await verifyWithSigstoreJs({
        bundle: out,
        artifact: blob,
        trustedRoot: rootPath,
        tlogThreshold: 0,
        identity: IDENTITY,
      });
      assert.equal(v.ok, true, `${name}: ${v.error}`);
    }
  });

  it("gets the token from GitHub Actions' token service (audience sigstore)", async () => {
    const seen: { auth?: string; audience?: string | null }[] = [];
    const gh = createServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      seen.push({ auth: req.headers.authorization, audience: u.searchParams.get("audience") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ value: token }));
    });
    await new Promise<void>((r) => gh.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (gh.address() as AddressInfo).port;
      const out = join(dir, "k3.sigstore.json");
      const r = await cosign(["sign-blob", "-y", ...services(), "--bundle", out, blob], {
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runtime-secret",
        },
      });
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(seen, [{ auth: "bearer runtime-secret", audience: "sigstore" }]);
      const v = await verifyWithSigstoreJs({ bundle: out, artifact: blob, trustedRoot: rootPath });
      assert.equal(v.ok, true, v.error);
    } finally {
      await closeServer(gh);
    }
  });

  it("uses Rekor v2 and the TSA named by --signing-config", async () => {
    const out = join(dir, "k4.sigstore.json");
    const since = svc.requests.length;
    const r = await cosign([
      "sign-blob",
      "-y",
      "--signing-config",
      cfgV2,
      "--trusted-root",
      rootPath,
      "--identity-token",
      token,
      "--bundle",
      out,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(requestsTo(PATHS.rekorV2, since), 1);
    assert.equal(requestsTo(PATHS.rekorV1, since), 0);
    assert.equal(requestsTo(PATHS.tsa, since), 1);
    const req = JSON.parse(
      new TextDecoder().decode(
        svc.requests.slice(since).find((q) => q.path === PATHS.rekorV2)!.body,
      ),
    );
    const b = bundleOf(await readFile(out, "utf8"));
    assert.equal(b64ToHex(req.hashedRekordRequestV002.digest), blobSha256);
    assert.equal(req.hashedRekordRequestV002.signature.content, b.messageSignature.signature);
    assert.equal(
      req.hashedRekordRequestV002.signature.verifier.x509Certificate.rawBytes,
      b.verificationMaterial.certificate.rawBytes,
    );
    assert.equal(
      req.hashedRekordRequestV002.signature.verifier.keyDetails,
      "PKIX_ECDSA_P256_SHA_256",
    );
    const e = b.verificationMaterial.tlogEntries[0];
    assert.deepEqual(e.kindVersion, { kind: "hashedrekord", version: "0.0.2" });
    assert.equal(
      b64ToHex(e.logId.keyId),
      createHash("sha256").update(svc.rekorV2PublicKey).digest("hex"),
    );
    assert.equal(e.inclusionPromise, undefined, "Rekor v2 gives no SET");
    assert.match(e.inclusionProof.checkpoint.envelope, /^127\.0\.0\.1:\d+\n1\n/);
    assert.equal(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
    // sigstore-js checks the v2 entry body, inclusion proof, checkpoint and the TSA timestamp.
    const v = await verifyWithSigstoreJs({
      bundle: out,
      artifact: blob,
      trustedRoot: rootPath,
      identity: IDENTITY,
    });
    assert.equal(v.ok, true, v.error);
    const ours = await ourVerify(out, IDENTITY_FLAGS);
    assert.equal(ours.code, 0, ours.err);
  });

  it("uses Rekor v1 when the signing config names majorApiVersion 1", async () => {
    const out = join(dir, "k5.sigstore.json");
    const since = svc.requests.length;
    const r = await cosign([
      "sign-blob",
      "-y",
      "--signing-config",
      cfgV1,
      "--trusted-root",
      rootPath,
      "--identity-token",
      token,
      "--bundle",
      out,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(requestsTo(PATHS.rekorV1, since), 1);
    assert.equal(requestsTo(PATHS.rekorV2, since), 0);
    const v = await verifyWithSigstoreJs({
      bundle: out,
      artifact: blob,
      trustedRoot: rootPath,
      timestampThreshold: 2,
    });
    assert.equal(v.ok, true, v.error);
    const ours = await ourVerify(out, IDENTITY_FLAGS);
    assert.equal(ours.code, 0, ours.err);
  });
});

describe("sign-blob --key with --tlog-upload", () => {
  it("puts the Rekor entry into the legacy rekorBundle and the v0.3 bundle", async () => {
    const k = await genKey(dir, "tlogkey", "p256");
    const legacy = join(dir, "key.bundle");
    const r1 = await cosign([
      "sign-blob",
      "-y",
      "--key",
      k.key,
      "--rekor-url",
      svc.rekorUrl,
      "--bundle",
      legacy,
      blob,
    ]);
    assert.equal(r1.code, 0, r1.err);
    const lb = JSON.parse(await readFile(legacy, "utf8"));
    assert.equal(lb.base64Signature, r1.out.trim());
    const p = lb.rekorBundle.Payload;
    assert.equal(p.logID, createHash("sha256").update(svc.rekorPublicKey).digest("hex"));
    assert.equal(typeof p.logIndex, "number");
    assert.equal(p.integratedTime, Math.floor(svc.clock.getTime() / 1000));
    const body = JSON.parse(Buffer.from(p.body, "base64").toString());
    assert.deepEqual(body.spec.data.hash, { algorithm: "sha256", value: blobSha256 });
    assert.equal(
      Buffer.from(body.spec.signature.publicKey.content, "base64").toString().trim(),
      (await readFile(k.pub, "utf8")).trim(),
    );
    assert.ok(lb.rekorBundle.SignedEntryTimestamp.length > 40);
    // The legacy bundle verifies with the key: SET against the log's key, body = this signature.
    const legacyOk = await ourVerify(legacy, ["--key", k.pub]);
    assert.equal(legacyOk.code, 0, legacyOk.err);
    const forged = join(dir, "key-forged.bundle");
    await writeFile(
      forged,
      JSON.stringify({
        ...lb,
        rekorBundle: { ...lb.rekorBundle, Payload: { ...p, integratedTime: p.integratedTime + 1 } },
      }),
    );
    const forgedRun = await ourVerify(forged, ["--key", k.pub]);
    assert.equal(forgedRun.code, 12, forgedRun.err);
    assert.match(forgedRun.err, /SET|signed entry timestamp/i);

    const v3 = join(dir, "key.sigstore.json");
    const r2 = await cosign([
      "sign-blob",
      "-y",
      "--key",
      k.key,
      "--rekor-url",
      svc.rekorUrl,
      "--new-bundle-format",
      "--bundle",
      v3,
      blob,
    ]);
    assert.equal(r2.code, 0, r2.err);
    const b = bundleOf(await readFile(v3, "utf8"));
    assert.equal(b.verificationMaterial.tlogEntries.length, 1);
    assert.ok(b.verificationMaterial.publicKey.hint);
    const v = await verifyWithSigstoreJs({
      bundle: v3,
      artifact: blob,
      trustedRoot: rootPath,
      key: k.pub,
    });
    assert.equal(v.ok, true, v.error);
    const ours = await ourVerify(v3, ["--key", k.pub]);
    assert.equal(ours.code, 0, ours.err);
  });
});

describe("sign-blob --key --issue-certificate", () => {
  it("certifies the given key at Fulcio; the bundles carry the certificate", async () => {
    const k = await genKey(dir, "certkey", "p256");
    const legacy = join(dir, "certkey.bundle");
    const r = await cosign([
      "sign-blob",
      "-y",
      "--key",
      k.key,
      "--issue-certificate",
      ...services(),
      "--identity-token",
      token,
      "--bundle",
      legacy,
      blob,
    ]);
    assert.equal(r.code, 0, r.err);
    const lb = JSON.parse(await readFile(legacy, "utf8"));
    const cert = new X509Certificate(Buffer.from(lb.cert, "base64").toString());
    assert.equal(
      cert.publicKey.export({ type: "spki", format: "pem" }).toString().trim(),
      (await readFile(k.pub, "utf8")).trim(),
      "the certificate is for the --key key",
    );
    assert.ok(lb.rekorBundle.SignedEntryTimestamp);
    const v3 = join(dir, "certkey.sigstore.json");
    const r2 = await cosign([
      "sign-blob",
      "-y",
      "--key",
      k.key,
      "--issue-certificate",
      ...services(),
      "--identity-token",
      token,
      "--new-bundle-format",
      "--bundle",
      v3,
      blob,
    ]);
    assert.equal(r2.code, 0, r2.err);
    const v = await verifyWithSigstoreJs({
      bundle: v3,
      artifact: blob,
      trustedRoot: rootPath,
      identity: IDENTITY,
    });
    assert.equal(v.ok, true, v.error);
  });
});

describe("sign-blob --key, same Ed25519 signature uploaded twice", () => {
  it("gets the existing entry back from Rekor's 409 Conflict", async () => {
    const k = await genKey(dir, "edkey", "ed25519");
    // deno-lint-ignore no-explicit-any
    const bundles: Record<string, any>[] = [];
    for (const n of [1, 2]) {
      const out = join(dir, `ed${n}.bundle`);
      const r = await cosign([
        "sign-blob",
        "-y",
        "--key",
        k.key,
        "--rekor-url",
        svc.rekorUrl,
        "--bundle",
        out,
        blob,
      ]);
      assert.equal(r.code, 0, r.err);
      bundles.push(JSON.parse(await readFile(out, "utf8")));
    }
    assert.equal(
      bundles[0].base64Signature,
      bundles[1].base64Signature,
      "Ed25519 is deterministic",
    );
    assert.deepEqual(bundles[1].rekorBundle, bundles[0].rekorBundle);
  });
});

describe("keyless sign-blob failures", () => {
  async function fails(
    args: string[],
    pattern: RegExp,
    env: Record<string, string | undefined> = {},
  ) {
    const out = join(dir, `fail-${Math.random().toString(36).slice(2)}.json`);
    const r = await cosign(["sign-blob", ...args, "--bundle", out, blob], { env });
    assert.notEqual(r.code, 0, `expected failure, got: ${r.err}`);
    assert.match(r.err, pattern);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
    assert.equal(existsSync(out), false, "no bundle written");
    return r;
  }

  it("Fulcio down: connection refused", async () => {
    const down = await closedPortUrl();
    await fails(
      ["-y", "--fulcio-url", down, "--rekor-url", svc.rekorUrl, "--identity-token", token],
      /Cannot reach Fulcio at http:\/\/127\.0\.0\.1:\d+\/api\/v2\/signingCert/,
    );
  });

  it("Rekor answers 500", async () => {
    svc.fail(PATHS.rekorV1, { status: 500, body: "database is on fire" });
    try {
      await fails(
        ["-y", ...services(), "--identity-token", token],
        /Rekor at .* refused the request: HTTP 500: database is on fire/,
      );
    } finally {
      svc.fail(PATHS.rekorV1, undefined);
    }
  });

  it("the TSA answers 503", async () => {
    svc.fail(PATHS.tsa, { status: 503 });
    const since = svc.requests.length;
    try {
      await fails(
        ["-y", ...services(), "--timestamp-server-url", svc.tsaUrl, "--identity-token", token],
        /timestamp authority at .* refused the request: HTTP 503/,
      );
      assert.equal(requestsTo(PATHS.rekorV1, since), 0, "nothing logged after a TSA failure");
    } finally {
      svc.fail(PATHS.tsa, undefined);
    }
  });

  it("Fulcio answers with a huge body", async () => {
    svc.fail(PATHS.fulcio, { status: 201, body: " ".repeat(9 * 1024 * 1024) });
    try {
      const r = await fails(
        ["-y", ...services(), "--identity-token", token],
        /Fulcio at .* sent a response larger than \d+ bytes/,
      );
      assert.equal(r.code, 1);
    } finally {
      svc.fail(PATHS.fulcio, undefined);
    }
  });

  it("Fulcio rejects the token (401)", async () => {
    svc.fail(PATHS.fulcio, { status: 401, body: "invalid token" });
    try {
      await fails(["-y", ...services(), "--identity-token", token], /HTTP 401: invalid token/);
    } finally {
      svc.fail(PATHS.fulcio, undefined);
    }
  });

  it("bad tokens: not a JWT, no file, expired, no sub", async () => {
    await fails(
      ["-y", ...services(), "--identity-token", "not-a-token"],
      /neither a JWT nor a readable file/,
    );
    const junk = join(dir, "junk-token.txt");
    await writeFile(junk, "hello\n");
    await fails(["-y", ...services(), "--identity-token", junk], /holds no JWT/);
    const expired = await makeIdentityToken({ sub: IDENTITY, ttlSeconds: -3600 });
    await fails(["-y", ...services(), "--identity-token", expired], /token: it expired at/);
    const h = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const p = Buffer.from(JSON.stringify({ iss: "https://x" })).toString("base64url");
    await fails(["-y", ...services(), "--identity-token", `${h}.${p}.`], /no "sub" claim/);
  });

  it("no token source at all", async () => {
    // Also when the tests themselves run in GitHub Actions with an id-token permission.
    const r = await fails(["-y", ...services()], /no OIDC identity token was given/, {
      ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
    });
    assert.match(r.err, /SIGSTORE_ID_TOKEN/);
  });

  it("an SCT that no CT log of --trusted-root signed", async () => {
    // deno-lint-ignore no-explicit-any
    const other = structuredClone(svc.trustedRoot) as Record<string, any>;
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const der = publicKey.export({ type: "spki", format: "der" });
    other.ctlogs[0].publicKey.rawBytes = der.toString("base64");
    const otherPath = join(dir, "other_root.json");
    await writeFile(otherPath, JSON.stringify(other));
    // Same log ID, other key: the signature check fails.
    await fails(
      [
        "-y",
        "--fulcio-url",
        svc.fulcioUrl,
        "--rekor-url",
        svc.rekorUrl,
        "--trusted-root",
        otherPath,
        "--identity-token",
        token,
      ],
      /its SCT does not verify: the SCT signature does not verify with the CT log's key/,
    );
    // Other log ID: no trusted CT log.
    other.ctlogs[0].logId.keyId = createHash("sha256").update(der).digest("base64");
    await writeFile(otherPath, JSON.stringify(other));
    await fails(
      [
        "-y",
        "--fulcio-url",
        svc.fulcioUrl,
        "--trusted-root",
        otherPath,
        "--identity-token",
        token,
        "--tlog-upload=false",
      ],
      /its SCT does not verify: no SCT was issued by a CT log of the trusted root/,
    );
  });

  it("--signing-config with --rekor-url is a usage error; a malformed config is rejected", async () => {
    const r = await fails(
      ["-y", "--signing-config", cfgV1, "--rekor-url", svc.rekorUrl, "--identity-token", token],
      /Cannot use --signing-config together with --rekor-url/,
    );
    assert.equal(r.code, 2);
    const bad = join(dir, "bad_config.json");
    await writeFile(bad, JSON.stringify({ mediaType: "application/json", caUrls: [] }));
    await fails(
      ["-y", "--signing-config", bad, "--identity-token", token],
      /Cannot read signing config .*unsupported mediaType/,
    );
    // Rekor v2 without a TSA: keyless signatures would have no verifiable signing time.
    const noTsa = join(dir, "v2_no_tsa.json");
    await writeFile(noTsa, JSON.stringify({ ...svc.signingConfigV2, tsaUrls: [] }));
    const since = svc.requests.length;
    await fails(
      ["-y", "--signing-config", noTsa, "--trusted-root", rootPath, "--identity-token", token],
      /Rekor v2 gives no signing time/,
    );
    assert.equal(svc.requests.length, since, "nothing sent");
  });

  it("asks before publishing an identity; no terminal and no --yes: aborts without contacting anyone", async () => {
    const since = svc.requests.length;
    const r = await fails([...services(), "--identity-token", token], /--yes/);
    assert.match(r.err, /immutable record/);
    assert.equal(svc.requests.length, since);
  });
});
