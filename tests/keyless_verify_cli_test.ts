/**
 * `verify-blob` on the compiled binary with Sigstore bundles:
 * - a REAL public-good bundle (npm provenance of sigstore@3.1.0, tests/fixtures/public_good)
 *   verified OFFLINE with the embedded trusted root, also by sigstore-js with the same root;
 *   tampered copies and wrong identities rejected;
 * - test-instance bundles (message signature, DSSE, Rekor v2 + TSA, legacy cosign bundle) with
 *   --trusted-root, --certificate, --certificate-chain, sha256:<hex>, and bad input (malformed
 *   JSON, unknown bundle version, truncated files, missing identity flags).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { createHash, sign } from "node:crypto";
import { cosign, ROOT, tempDir } from "./helpers/cli.ts";
import { verifyWithSigstoreJs } from "./helpers/sigstore_js.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "../core/trust/public_good.ts";
import {
  certPem,
  createKeyless,
  dsseBundle,
  type Keyless,
  messageBundle,
} from "./fixtures/keyless/factory.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const PG = join(ROOT, "tests", "fixtures", "public_good");
const PG_BUNDLE = join(PG, "sigstore-3.1.0.sigstore.json");
const PG_TGZ = join(PG, "sigstore-3.1.0.tgz");
const PG_ID =
  "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
const GH_ISSUER = "https://token.actions.githubusercontent.com";
const ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";

let tmp: { dir: string; cleanup: () => Promise<void> };
let k: Keyless;
let rootFile: string;
let artFile: string;
const art = new TextEncoder().encode("artifact for the CLI tests\n");
before(async () => {
  tmp = await tempDir("cosign-ts-kvcli-");
  k = await createKeyless();
  rootFile = join(tmp.dir, "trusted_root.json");
  await writeFile(rootFile, JSON.stringify(k.trustedRoot));
  artFile = join(tmp.dir, "artifact.txt");
  await writeFile(artFile, art);
});
after(async () => await tmp?.cleanup());

const empty = () => ({ COSIGN_TS_CACHE: join(tmp.dir, "no-cache") });
let n = 0;
async function put(json: Json | string): Promise<string> {
  const f = join(tmp.dir, `bundle-${n++}.json`);
  await writeFile(f, typeof json === "string" ? json : JSON.stringify(json));
  return f;
}

describe("verify-blob: real public-good bundle, offline, embedded trusted root", () => {
  const args = (bundle: string, ...extra: string[]) => [
    "verify-blob",
    "--bundle",
    bundle,
    "--certificate-identity",
    PG_ID,
    "--certificate-oidc-issuer",
    GH_ISSUER,
    ...extra,
    PG_TGZ,
  ];
  it("verifies, with the GitHub workflow flags too; sigstore-js agrees", async () => {
    const r = await cosign(
      args(
        PG_BUNDLE,
        "--certificate-github-workflow-trigger",
        "push",
        "--certificate-github-workflow-sha",
        "06cd267cbdc2eeaa04294995622db9f6ad2fa7cf",
        "--certificate-github-workflow-name",
        "Release",
        "--certificate-github-workflow-repository",
        "sigstore/sigstore-js",
        "--certificate-github-workflow-ref",
        "refs/heads/main",
      ),
      { env: empty() },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "Verified OK\n");
    const root = join(tmp.dir, "public_good_root.json");
    await writeFile(root, PUBLIC_GOOD_TRUSTED_ROOT);
    const p = await verifyWithSigstoreJs({
      bundle: PG_BUNDLE,
      artifact: PG_TGZ,
      trustedRoot: root,
      identity: PG_ID,
      issuer: GH_ISSUER,
    });
    assert.equal(p.ok, true, p.error);
  });
  it("the in-toto subject is the tarball's sha512 (independently computed here)", async () => {
    const b = JSON.parse(await readFile(PG_BUNDLE, "utf8"));
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString());
    const sha512 = createHash("sha512").update(await readFile(PG_TGZ)).digest("hex");
    assert.equal(st.subject[0].digest.sha512, sha512);
  });
  it("rejects another artifact, a wrong identity, issuer or GitHub value", async () => {
    let r = await cosign([...args(PG_BUNDLE).slice(0, -1), artFile], { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /artifact digest/);
    r = await cosign(
      args(
        PG_BUNDLE,
        "--certificate-identity",
        "https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main",
      ),
      { env: empty() },
    );
    assert.equal(r.code, 12);
    assert.match(r.err, /identity: expected identity/);
    r = await cosign(args(PG_BUNDLE, "--certificate-oidc-issuer", "https://accounts.google.com"), {
      env: empty(),
    });
    assert.equal(r.code, 12);
    assert.match(r.err, /expected OIDC issuer/);
    r = await cosign(args(PG_BUNDLE, "--certificate-github-workflow-ref", "refs/heads/evil"), {
      env: empty(),
    });
    assert.equal(r.code, 12);
    assert.match(r.err, /GitHub workflow ref/);
  });
  it("rejects tampered copies: signature, SET, proof, checkpoint, integrated time, certificate", async () => {
    const orig = JSON.parse(await readFile(PG_BUNDLE, "utf8"));
    const e = (b: Json) => b.verificationMaterial.tlogEntries[0];
    const flip = (s: string, at: number) => {
      const x = Buffer.from(s, "base64");
      x[at] ^= 1;
      return x.toString("base64");
    };
    const cases: [string, (b: Json) => void, RegExp][] = [
      [
        "signature",
        (b) => b.dsseEnvelope.signatures[0].sig = flip(b.dsseEnvelope.signatures[0].sig, 20),
        /Cannot verify signature/,
      ],
      [
        "SET",
        (b) =>
          e(b).inclusionPromise.signedEntryTimestamp = flip(
            e(b).inclusionPromise.signedEntryTimestamp,
            40,
          ),
        /inclusion promise \(SET\)/,
      ],
      [
        "proof",
        (b) => e(b).inclusionProof.hashes[3] = flip(e(b).inclusionProof.hashes[3], 5),
        /tlog inclusion proof/,
      ],
      [
        "checkpoint",
        (b) =>
          e(b).inclusionProof.checkpoint.envelope = e(b).inclusionProof.checkpoint.envelope.replace(
            "46800506",
            "46800507",
          ),
        /tlog inclusion proof/,
      ],
      [
        "integrated time",
        (b) => e(b).integratedTime = String(Number(e(b).integratedTime) + 1),
        /inclusion promise \(SET\)/,
      ],
      ["certificate", (b) => {
        const c = b.verificationMaterial.x509CertificateChain.certificates[0];
        c.rawBytes = flip(c.rawBytes, 300);
      }, /certificate|SCT|signature/],
    ];
    for (const [name, mutate, re] of cases) {
      const b = structuredClone(orig);
      mutate(b);
      const r = await cosign(args(await put(b)), { env: empty() });
      assert.equal(r.code, 12, `${name}: ${r.err}`);
      assert.match(r.err, re, name);
    }
  });
});

describe("verify-blob: real public-good bundle with a public-good RFC 3161 timestamp", () => {
  const B = join(PG, "new_bundle.txt.sigstore.json");
  const T = join(PG, "new_bundle.txt");
  const args = (bundle: string, ...extra: string[]) => [
    "verify-blob",
    "--bundle",
    bundle,
    "--certificate-identity",
    "aryadeeptade@gmail.com",
    "--certificate-oidc-issuer",
    "https://github.com/login/oauth",
    ...extra,
    T,
  ];
  it("verifies (hashedrekord + TSA, e-mail identity); sigstore-js agrees", async () => {
    const r = await cosign(args(B), { env: empty() });
    assert.equal(r.code, 0, r.err);
    const root = join(tmp.dir, "public_good_root2.json");
    await writeFile(root, PUBLIC_GOOD_TRUSTED_ROOT);
    const p = await verifyWithSigstoreJs({
      bundle: B,
      artifact: T,
      trustedRoot: root,
      identity: "aryadeeptade@gmail.com",
      issuer: "https://github.com/login/oauth",
      timestampThreshold: 2,
    });
    assert.equal(p.ok, true, p.error);
  });
  it("the RFC 3161 timestamp alone is a signing time (log entry dropped, --insecure-ignore-tlog)", async () => {
    const b = JSON.parse(await readFile(B, "utf8"));
    b.verificationMaterial.tlogEntries = [];
    const f = await put(b);
    let r = await cosign(args(f), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /0 transparency log entries, 1 required/);
    r = await cosign(args(f, "--insecure-ignore-tlog"), { env: empty() });
    assert.equal(r.code, 0, r.err);
  });
  it("a tampered timestamp, or one for another signature, is rejected", async () => {
    const orig = JSON.parse(await readFile(B, "utf8"));
    const b = structuredClone(orig);
    const ts = b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0];
    const der = Buffer.from(ts.signedTimestamp, "base64");
    der[der.length - 10] ^= 1; // inside the TSA's signature
    ts.signedTimestamp = der.toString("base64");
    let r = await cosign(args(await put(b)), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /RFC 3161 timestamp/);
    const pg = JSON.parse(await readFile(PG_BUNDLE, "utf8"));
    const mixed = structuredClone(pg);
    mixed.verificationMaterial.timestampVerificationData = orig.verificationMaterial
      .timestampVerificationData;
    r = await cosign([
      "verify-blob",
      "--bundle",
      await put(mixed),
      "--certificate-identity",
      PG_ID,
      "--certificate-oidc-issuer",
      GH_ISSUER,
      PG_TGZ,
    ], { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /RFC 3161 timestamp: the message imprint/);
  });
});

describe("verify-blob: a real Rekor v2 (tiles) bundle from Sigstore staging", () => {
  const S = join(ROOT, "tests", "fixtures", "staging");
  const B = join(S, "staging-rekor-v2.txt.sigstore.json");
  const T = join(S, "staging-rekor-v2.txt");
  const R = join(S, "trusted_root.json");
  const args = (bundle: string) => [
    "verify-blob",
    "--bundle",
    bundle,
    "--trusted-root",
    R,
    "--certificate-identity",
    "jku@goto.fi",
    "--certificate-oidc-issuer",
    "https://github.com/login/oauth",
    T,
  ];
  it("verifies (Ed25519 checkpoint, inclusion proof, staging TSA); sigstore-js agrees", async () => {
    const r = await cosign(args(B), { env: empty() });
    assert.equal(r.code, 0, r.err);
    const p = await verifyWithSigstoreJs({
      bundle: B,
      artifact: T,
      trustedRoot: R,
      identity: "jku@goto.fi",
      issuer: "https://github.com/login/oauth",
    });
    assert.equal(p.ok, true, p.error);
  });
  it("rejects a forged checkpoint, a wrong audit path, and the bundle without its timestamp", async () => {
    const orig = JSON.parse(await readFile(B, "utf8"));
    const e = (b: Json) => b.verificationMaterial.tlogEntries[0];
    let b = structuredClone(orig);
    e(b).inclusionProof.checkpoint.envelope = e(b).inclusionProof.checkpoint.envelope
      .replace("\n646\n", "\n647\n");
    let r = await cosign(args(await put(b)), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /tlog inclusion proof/);
    b = structuredClone(orig);
    const h = Buffer.from(e(b).inclusionProof.hashes[1], "base64");
    h[0] ^= 0x80;
    e(b).inclusionProof.hashes[1] = h.toString("base64");
    r = await cosign(args(await put(b)), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /tlog inclusion proof: the audit path does not lead/);
    b = structuredClone(orig);
    b.verificationMaterial.timestampVerificationData.rfc3161Timestamps = [];
    r = await cosign(args(await put(b)), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /timestamps: 0 verified signing times/);
  });
});

describe("verify-blob: a real cosign keyless legacy bundle (cert + rekorBundle), by digest", () => {
  // tests/fixtures/blob/cosign_legacy_bundle.json: written by cosign sign-blob against the
  // public-good instance; the signed content is known by its digest only (its hashedrekord body).
  const LEGACY = join(ROOT, "tests", "fixtures", "blob", "cosign_legacy_bundle.json");
  const DIGEST = "sha256:d03cd623efbfe33052baa75e9dc6df83c3d957ecb67801a887ef6368d595c34e";
  const args = (bundle: string, digest = DIGEST) => [
    "verify-blob",
    "--bundle",
    bundle,
    "--certificate-identity",
    "vu@krnl.xyz",
    "--certificate-oidc-issuer",
    "https://github.com/login/oauth",
    digest,
  ];
  it("verifies offline with the embedded root (identity as openssl x509 shows it)", async () => {
    const r = await cosign(args(LEGACY), { env: empty() });
    assert.equal(r.code, 0, r.err);
  });
  it("rejects another digest and a shifted integrated time", async () => {
    let r = await cosign(args(LEGACY, `sha256:${"ab".repeat(32)}`), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /signature|artifact digest|tlog entry body/);
    const b = JSON.parse(await readFile(LEGACY, "utf8"));
    b.rekorBundle.Payload.integratedTime += 1;
    r = await cosign(args(await put(b)), { env: empty() });
    assert.equal(r.code, 12);
    assert.match(r.err, /inclusion promise \(SET\)/);
  });
});

describe("verify-blob: test-instance bundles with --trusted-root", () => {
  const v = (bundle: string, ...extra: string[]) =>
    cosign([
      "verify-blob",
      "--bundle",
      bundle,
      "--trusted-root",
      rootFile,
      "--certificate-identity",
      ID,
      "--certificate-oidc-issuer",
      GH_ISSUER,
      ...extra,
      artFile,
    ], { env: empty() });
  it("message signature, DSSE, Rekor v2 + TSA: verified; sha256:<hex> too", async () => {
    for (
      const b of [
        await messageBundle(k, art),
        await dsseBundle(k, art),
        await messageBundle(k, art, { tlog: "v2", tsa: true }),
      ]
    ) {
      const r = await v(await put(b));
      assert.equal(r.code, 0, r.err);
    }
    const digest = createHash("sha256").update(art).digest("hex");
    const f = await put(await messageBundle(k, art));
    const r = await cosign([
      "verify-blob",
      "--bundle",
      f,
      "--trusted-root",
      rootFile,
      "--certificate-identity-regexp",
      "^https://github\\.com/acme/",
      "--certificate-oidc-issuer-regexp",
      "actions",
      `sha256:${digest}`,
    ], { env: empty() });
    assert.equal(r.code, 0, r.err);
  });
  it("cosign legacy bundle (base64Signature, cert, rekorBundle) verifies", async () => {
    const { cert, key } = await k.issue();
    const sig = new Uint8Array(sign("sha256", art, key));
    const body = {
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: {
          hash: { algorithm: "sha256", value: createHash("sha256").update(art).digest("hex") },
        },
        signature: {
          content: Buffer.from(sig).toString("base64"),
          publicKey: { content: Buffer.from(certPem(cert)).toString("base64") },
        },
      },
    };
    const entry = await k.entryV1(body);
    const legacy = {
      base64Signature: Buffer.from(sig).toString("base64"),
      cert: Buffer.from(certPem(cert)).toString("base64"),
      rekorBundle: {
        SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
        Payload: {
          body: entry.canonicalizedBody,
          integratedTime: Number(entry.integratedTime),
          logIndex: Number(entry.logIndex),
          logID: Buffer.from(entry.logId.keyId, "base64").toString("hex"),
        },
      },
    };
    let r = await v(await put(legacy));
    assert.equal(r.code, 0, r.err);
    legacy.rekorBundle.Payload.integratedTime += 5;
    r = await v(await put(legacy));
    assert.equal(r.code, 12);
    assert.match(r.err, /SET/);
  });
  it("key-signed legacy bundle with a rekorBundle: the log entry is verified against --key", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const kp = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pubPem = kp.publicKey.export({ format: "pem", type: "spki" }).toString();
    const pubFile = join(tmp.dir, "signer.pub");
    await writeFile(pubFile, pubPem);
    const sig = new Uint8Array(sign("sha256", art, kp.privateKey));
    const entry = await k.entryV1({
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: {
          hash: { algorithm: "sha256", value: createHash("sha256").update(art).digest("hex") },
        },
        signature: {
          content: Buffer.from(sig).toString("base64"),
          publicKey: { content: Buffer.from(pubPem).toString("base64") },
        },
      },
    });
    const legacy = {
      base64Signature: Buffer.from(sig).toString("base64"),
      rekorBundle: {
        SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
        Payload: {
          body: entry.canonicalizedBody,
          integratedTime: Number(entry.integratedTime),
          logIndex: Number(entry.logIndex),
          logID: Buffer.from(entry.logId.keyId, "base64").toString("hex"),
        },
      },
    };
    const f = await put(legacy);
    const run = (key: string) =>
      cosign(["verify-blob", "--key", key, "--bundle", f, "--trusted-root", rootFile, artFile], {
        env: empty(),
      });
    let r = await run(pubFile);
    assert.equal(r.code, 0, r.err);
    const other = join(tmp.dir, "other.pub");
    await writeFile(
      other,
      generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({
        format: "pem",
        type: "spki",
      }),
    );
    r = await run(other);
    assert.equal(r.code, 12);
    assert.match(r.err, /Cannot verify signature/);
    r = await cosign(["verify-blob", "--bundle", f, "--trusted-root", rootFile, artFile], {
      env: empty(),
    });
    assert.equal(r.code, 2);
    assert.match(r.err, /no certificate/);
  });
  it("--certificate must match the bundle's; --certificate-chain replaces the trusted CAs", async () => {
    const b = await messageBundle(k, art);
    const f = await put(b);
    const other = (await k.issue()).cert;
    const otherFile = join(tmp.dir, "other.pem");
    await writeFile(otherFile, certPem(other));
    let r = await v(f, "--certificate", otherFile);
    assert.equal(r.code, 12);
    assert.match(r.err, /differs from the bundle's certificate/);
    const mine = join(tmp.dir, "mine.pem");
    await writeFile(
      mine,
      certPem(Buffer.from(b.verificationMaterial.certificate.rawBytes, "base64")),
    );
    r = await v(f, "--certificate", mine);
    assert.equal(r.code, 0, r.err);
    // a chain file with an unrelated CA: the certificate no longer chains
    const rogue = join(tmp.dir, "rogue-chain.pem");
    await writeFile(
      rogue,
      certPem(
        Buffer.from(
          k.rogueCa.certificateAuthorities[0].certChain.certificates[0].rawBytes,
          "base64",
        ),
      ),
    );
    r = await v(f, "--certificate-chain", rogue);
    assert.equal(r.code, 12);
    assert.match(r.err, /certificate chain/);
    const good = join(tmp.dir, "good-chain.pem");
    await writeFile(
      good,
      certPem(
        Buffer.from(
          k.trustedRoot.certificateAuthorities[0].certChain.certificates[0].rawBytes,
          "base64",
        ),
      ),
    );
    r = await v(f, "--certificate-chain", good);
    assert.equal(r.code, 0, r.err);
  });
  it("--insecure-ignore-sct accepts a certificate without SCT, which is otherwise refused", async () => {
    const f = await put(await messageBundle(k, art, { cert: { noSct: true } }));
    let r = await v(f);
    assert.equal(r.code, 12);
    assert.match(r.err, /SCT/);
    r = await v(f, "--insecure-ignore-sct");
    assert.equal(r.code, 0, r.err);
  });
  it("bad input: malformed JSON, unknown version, truncated, missing flags, bad trusted root", async () => {
    const good = JSON.stringify(await messageBundle(k, art));
    let r = await v(await put(good.slice(0, good.length / 2)));
    assert.equal(r.code, 1);
    assert.match(r.err, /JSON/);
    assert.doesNotMatch(r.err, / {4}at /);
    const future = JSON.parse(good);
    future.mediaType = "application/vnd.dev.sigstore.bundle.v0.9+json";
    r = await v(await put(future));
    assert.equal(r.code, 1);
    assert.match(r.err, /version 0\.9 is not supported/);
    r = await cosign([
      "verify-blob",
      "--bundle",
      await put(good),
      "--trusted-root",
      rootFile,
      artFile,
    ], { env: empty() });
    assert.equal(r.code, 2);
    assert.match(r.err, /--certificate-identity or --certificate-identity-regexp is required/);
    r = await cosign([
      "verify-blob",
      "--bundle",
      await put(good),
      "--trusted-root",
      rootFile,
      "--certificate-identity",
      ID,
      artFile,
    ], { env: empty() });
    assert.equal(r.code, 2);
    assert.match(r.err, /--certificate-oidc-issuer/);
    const badRoot = join(tmp.dir, "bad-root.json");
    await writeFile(badRoot, '{"mediaType":"nope"}');
    r = await cosign([
      "verify-blob",
      "--bundle",
      await put(good),
      "--trusted-root",
      badRoot,
      "--certificate-identity",
      ID,
      "--certificate-oidc-issuer",
      GH_ISSUER,
      artFile,
    ], { env: empty() });
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot read trusted root .*unknown media type/);
    const hugeRoot = join(tmp.dir, "huge-root.json");
    await writeFile(hugeRoot, " ".repeat(9 * 1024 * 1024));
    r = await cosign([
      "verify-blob",
      "--bundle",
      await put(good),
      "--trusted-root",
      hugeRoot,
      "--certificate-identity",
      ID,
      "--certificate-oidc-issuer",
      GH_ISSUER,
      artFile,
    ], { env: empty() });
    assert.equal(r.code, 1);
    assert.match(r.err, /larger than 8 MiB/);
    r = await cosign([
      "verify-blob",
      "--bundle",
      await put(good),
      "--trusted-root",
      join(tmp.dir, "missing.json"),
      "--certificate-identity",
      ID,
      "--certificate-oidc-issuer",
      GH_ISSUER,
      artFile,
    ], { env: empty() });
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot read trusted root .*no such file/);
    r = await v(await put(good), "--certificate-identity-regexp", "([");
    assert.equal(r.code, 2);
    assert.match(r.err, /Invalid regular expression/);
  });
});
