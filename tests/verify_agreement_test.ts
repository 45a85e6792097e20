/**
 * Verdicts that agree with the other Sigstore clients (issue 9, item 1), checked on the core
 * verification engine. Real artifacts where one exists (the public-good npm provenance bundle of
 * sigstore@3.1.0 and the embedded public-good trusted root; see tests/fixtures/public_good and
 * tests/fixtures/agreement/README.md); the rest is built with the test-time Sigstore instance of
 * tests/fixtures/keyless/factory.ts (@sigstore/mock CA/CT log/TSA, Rekor v1/v2 entries over real
 * Merkle trees, everything signed with node:crypto), because no client publishes such a bundle
 * with the trust material to verify it.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash, createPrivateKey, type KeyObject, sign } from "node:crypto";
import { Buffer } from "node:buffer";
import { bundleFromJSONValue, parseBundle } from "../core/bundle.ts";
import { isCosignError } from "../core/errors.ts";
import { parseTrustedRoot, publicGoodTrustedRoot } from "../core/trust/mod.ts";
import { PUBLIC_GOOD_TRUSTED_ROOT } from "../core/trust/public_good.ts";
import { verifyBundle, type VerifyPolicy } from "../core/verify/mod.ts";
import { witnessContext } from "./helpers/witnesses.ts";
import {
  certPem,
  createKeyless,
  dsseBundle,
  type Keyless,
  messageBundle,
} from "./fixtures/keyless/factory.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";
const POLICY: VerifyPolicy = { identity: ID, issuer: ISSUER };
const art = new TextEncoder().encode("hello, agreeing clients\n");
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString("base64");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const hash = (alg: string, b: Uint8Array | string) =>
  new Uint8Array(createHash(alg).update(b).digest());

let k: Keyless;
before(async () => {
  k = await createKeyless();
});

const CURVES = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" } as const;
type Curve = keyof typeof CURVES;

/**
 * A Fulcio-style certificate for a fresh key on `curve`, issued by the factory's trusted CA with
 * @peculiar/x509 (the mock CA only issues P-256 keys). It has no SCT: verify with
 * ctlogThreshold 0 (SCTs are not what these cases are about).
 */
async function issue(curve: Curve): Promise<{ cert: Uint8Array; key: KeyObject }> {
  if (curve === "prime256v1") return await k.issue();
  const x509 = await import("@peculiar/x509");
  const subtle = globalThis.crypto.subtle;
  const caKey = await subtle.importKey(
    "pkcs8",
    new Uint8Array(k.caRoot.key.export({ format: "der", type: "pkcs8" })),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const keys = await subtle.generateKey({ name: "ECDSA", namedCurve: CURVES[curve] }, true, [
    "sign",
    "verify",
  ]);
  const ca = new x509.X509Certificate(new Uint8Array(k.caRoot.cert));
  const utf8 = (s: string) => {
    const b = new TextEncoder().encode(s);
    return new Uint8Array([0x0c, b.length, ...b]);
  };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "0a1b2c",
    issuer: ca.subject,
    subject: "",
    notBefore: new Date(k.clock.getTime() - 60_000),
    notAfter: new Date(k.clock.getTime() + 600_000),
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.3"]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: ID }], true),
      new x509.Extension("1.3.6.1.4.1.57264.1.8", false, utf8(ISSUER)),
    ],
  });
  const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", keys.privateKey));
  return {
    cert: new Uint8Array(cert.rawData),
    key: createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }),
  };
}
const NO_SCT: VerifyPolicy = { ...POLICY, ctlogThreshold: 0 };

async function verify(
  b: Json,
  opts: { root?: Json; policy?: VerifyPolicy; artifact?: Uint8Array } = {},
) {
  const { bundle } = await bundleFromJSONValue(structuredClone(b));
  const trust = await parseTrustedRoot(JSON.stringify(opts.root ?? k.trustedRoot), "test");
  // Certificates from issue() on P-384/P-521 carry no SCT (see there).
  const hasSct = Buffer.from(b.verificationMaterial.certificate.rawBytes, "base64")
    .includes(Buffer.from("060a2b06010401d679020402", "hex"));
  const policy = opts.policy ?? (hasSct ? POLICY : NO_SCT);
  return await verifyBundle(
    bundle,
    { bytes: opts.artifact ?? art },
    policy,
    trust,
    witnessContext().ctx,
  );
}

async function rejects(b: Json, re: RegExp, opts: Parameters<typeof verify>[1] = {}) {
  await assert.rejects(verify(b, opts), (e: unknown) => {
    assert.ok(isCosignError(e, "VERIFY"), `not a VERIFY CosignError: ${e}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

const V2_HASH: Record<string, string> = {
  sha256: "SHA2_256",
  sha384: "SHA2_384",
  sha512: "SHA2_512",
};
const DETAILS: Record<string, string> = {
  prime256v1: "PKIX_ECDSA_P256_SHA_256",
  secp384r1: "PKIX_ECDSA_P384_SHA_384",
  secp521r1: "PKIX_ECDSA_P521_SHA_512",
};

/** A hashedrekord log entry (Rekor v1 0.0.1 or v2 0.0.2) logging `logged` with `logHash`. */
async function hashedRekordEntry(o: {
  tlog: "v1" | "v2";
  logHash: string;
  logged: Uint8Array;
  signature: Uint8Array;
  cert: Uint8Array;
  curve: Curve;
}): Promise<Json> {
  return o.tlog === "v1"
    ? await k.entryV1({
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: o.logHash, value: hex(o.logged) } },
        signature: { content: b64(o.signature), publicKey: { content: b64(certPem(o.cert)) } },
      },
    })
    : await k.entryV2({
      apiVersion: "0.0.2",
      kind: "hashedrekord",
      spec: {
        hashedRekordV002: {
          data: { algorithm: V2_HASH[o.logHash], digest: b64(o.logged) },
          signature: {
            content: b64(o.signature),
            verifier: { keyDetails: DETAILS[o.curve], x509Certificate: { rawBytes: b64(o.cert) } },
          },
        },
      },
    });
}

/** A v0.3 bundle around `content` (Rekor v2 entries get an RFC 3161 timestamp). */
async function bundleOf(
  entry: Json,
  tlog: "v1" | "v2",
  cert: Uint8Array,
  signature: Uint8Array,
  content: Json,
): Promise<Json> {
  return {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: {
      certificate: { rawBytes: b64(cert) },
      tlogEntries: [entry],
      timestampVerificationData: {
        rfc3161Timestamps: tlog === "v2" ? [{ signedTimestamp: await k.timestamp(signature) }] : [],
      },
    },
    ...content,
  };
}

/** A hashedrekord bundle: `sigHash` is what the key signed with, `digestHash` what the bundle and log say. */
async function hashedBundle(o: {
  curve: Curve;
  sigHash: string;
  digestHash: string;
  tlog: "v1" | "v2";
  logHash?: string;
}): Promise<Json> {
  const { cert, key } = await issue(o.curve);
  const signature = new Uint8Array(sign(o.sigHash, art, key));
  const logHash = o.logHash ?? o.digestHash;
  const entry = await hashedRekordEntry({
    tlog: o.tlog,
    logHash,
    logged: hash(logHash, art),
    signature,
    cert,
    curve: o.curve,
  });
  return await bundleOf(entry, o.tlog, cert, signature, {
    messageSignature: {
      messageDigest: { algorithm: V2_HASH[o.digestHash], digest: b64(hash(o.digestHash, art)) },
      signature: b64(signature),
    },
  });
}

describe("hashedrekord entries with SHA-384 and SHA-512 digests", () => {
  for (const tlog of ["v1", "v2"] as const) {
    it(`P-384 over SHA-384 and P-521 over SHA-512, Rekor ${tlog}`, async () => {
      const r384 = await verify(
        await hashedBundle({ curve: "secp384r1", sigHash: "sha384", digestHash: "sha384", tlog }),
      );
      assert.equal(r384.tlogEntries, 1);
      const r512 = await verify(
        await hashedBundle({ curve: "secp521r1", sigHash: "sha512", digestHash: "sha512", tlog }),
      );
      assert.equal(r512.tlogEntries, 1);
    });
  }
  it("a log entry whose digest algorithm differs from the bundle's is rejected", async () => {
    await rejects(
      await hashedBundle({
        curve: "secp384r1",
        sigHash: "sha384",
        digestHash: "sha384",
        tlog: "v1",
        logHash: "sha512",
      }),
      /tlog entry body: the logged digest is sha512, the bundle's is sha384/,
    );
    await rejects(
      await hashedBundle({
        curve: "secp384r1",
        sigHash: "sha384",
        digestHash: "sha384",
        tlog: "v2",
        logHash: "sha256",
      }),
      /tlog entry body: the logged digest is sha256, the bundle's is sha384/,
    );
  });
  it("a SHA-384 message digest of another artifact is rejected", async () => {
    const b = await hashedBundle({
      curve: "secp384r1",
      sigHash: "sha384",
      digestHash: "sha384",
      tlog: "v1",
    });
    await rejects(b, /artifact digest: the bundle signs sha384:/, {
      artifact: new TextEncoder().encode("other"),
    });
  });
});

describe("P-384 key that signed over SHA-256, as the bundle's message digest says", () => {
  it("verifies (hash from the bundle / sigstore-go's SHA-256 fallback for v0.1-v0.3)", async () => {
    for (const tlog of ["v1", "v2"] as const) {
      const r = await verify(
        await hashedBundle({ curve: "secp384r1", sigHash: "sha256", digestHash: "sha256", tlog }),
      );
      assert.equal(r.tlogEntries, 1);
    }
  });
  it("the fallback does not accept another artifact's signature", async () => {
    const b = await hashedBundle({
      curve: "secp384r1",
      sigHash: "sha256",
      digestHash: "sha256",
      tlog: "v1",
    });
    const other = new TextEncoder().encode("other");
    b.messageSignature.messageDigest.digest = b64(hash("sha256", other));
    await rejects(b, /signature: the signature over the artifact does not verify/, {
      artifact: other,
    });
  });
});

/** A DSSE bundle whose log entry is a hashedrekord over the PAE (Rekor v2's current form). */
async function dsseHashedBundle(
  o: {
    tlog: "v1" | "v2";
    curve?: "prime256v1" | "secp384r1";
    logHash?: string;
    overPayload?: boolean;
  },
) {
  const curve = o.curve ?? "prime256v1";
  const keyHash = curve === "secp384r1" ? "sha384" : "sha256";
  const { cert, key } = await issue(curve);
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "artifact", digest: { sha256: hex(hash("sha256", art)) } }],
    predicateType: "https://example.com/test/v1",
    predicate: {},
  };
  const payload = new TextEncoder().encode(JSON.stringify(statement));
  const payloadType = "application/vnd.in-toto+json";
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `),
    Buffer.from(payload),
  ]);
  const signature = new Uint8Array(sign(keyHash, pae, key as KeyObject));
  const logHash = o.logHash ?? keyHash;
  const logged = hash(logHash, o.overPayload ? payload : pae);
  const entry = await hashedRekordEntry({ tlog: o.tlog, logHash, logged, signature, cert, curve });
  return await bundleOf(entry, o.tlog, cert, signature, {
    dsseEnvelope: {
      payload: b64(payload),
      payloadType,
      signatures: [{ sig: b64(signature), keyid: "" }],
    },
  });
}

describe("DSSE envelopes logged as hashedrekord entries over the PAE", () => {
  it("Rekor v2 hashedrekord 0.0.2 (P-256: SHA-256, P-384: SHA-384 of the PAE)", async () => {
    const r = await verify(await dsseHashedBundle({ tlog: "v2" }));
    assert.equal(r.dssePayload?.payloadType, "application/vnd.in-toto+json");
    await verify(await dsseHashedBundle({ tlog: "v2", curve: "secp384r1" }));
  });
  it("Rekor v1 hashedrekord 0.0.1 (as the client spec and the conformance suite allow)", async () => {
    const r = await verify(await dsseHashedBundle({ tlog: "v1" }));
    assert.deepEqual(r.timestamps.map((t) => t.source), ["tlog"]);
  });
  it("a hashedrekord over the payload instead of the PAE, or with another hash, is rejected", async () => {
    await rejects(
      await dsseHashedBundle({ tlog: "v2", overPayload: true }),
      /tlog entry body: the logged payload hash/,
    );
    await rejects(
      await dsseHashedBundle({ tlog: "v2", curve: "secp384r1", logHash: "sha256" }),
      /tlog entry body: the logged digest is sha256, the bundle's is sha384/,
    );
  });
  it("the deprecated Rekor v2 dsse 0.0.2 entry still verifies (cosign-ts keeps it; sigstore-go dropped it)", async () => {
    await verify(await dsseBundle(k, art, { tlog: "v2", tsa: true }));
  });
});

describe("several RFC 3161 timestamps", () => {
  const withTimestamps = async (tokens: string[]) => {
    const b = await messageBundle(k, art, { tlog: "v2", tsa: true });
    b.verificationMaterial.timestampVerificationData.rfc3161Timestamps = tokens.map((t) => ({
      signedTimestamp: t,
    }));
    return b;
  };
  const sigOf = (b: Json) => Buffer.from(b.messageSignature.signature, "base64");
  it("one that covers another signature is set aside when a valid one remains", async () => {
    const base = await messageBundle(k, art, { tlog: "v2", tsa: true });
    const good =
      base.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp;
    const other = await k.timestamp(new TextEncoder().encode("another signature"));
    base.verificationMaterial.timestampVerificationData.rfc3161Timestamps = [
      { signedTimestamp: other },
      { signedTimestamp: good },
    ];
    const r = await verify(base);
    assert.deepEqual(r.timestamps.map((t) => t.source), ["tsa"]);
  });
  it("none valid: rejected, naming each failure", async () => {
    const a = await k.timestamp(new TextEncoder().encode("x"));
    const b2 = await k.timestamp(new TextEncoder().encode("y"));
    await rejects(
      await withTimestamps([a, b2]),
      /timestamps: 0 of 2 RFC 3161 timestamps verified.*message imprint.*message imprint/,
    );
  });
  it("two timestamps from the same authority count once (threshold 2 not met)", async () => {
    const b = await messageBundle(k, art, { tlog: "v2", tsa: true });
    const t2 = await k.timestamp(sigOf(b));
    b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.push({
      signedTimestamp: t2,
    });
    await verify(b);
    await rejects(
      b,
      /timestamps: 1 of 2 RFC 3161 timestamps verified \(from distinct authorities\), 2 required/,
      {
        policy: { ...POLICY, signedTimestampThreshold: 2 },
      },
    );
  });
  it("a log's SET time counts once per log", async () => {
    const b = await messageBundle(k, art);
    const body = JSON.parse(
      Buffer.from(b.verificationMaterial.tlogEntries[0].canonicalizedBody, "base64").toString(),
    );
    b.verificationMaterial.tlogEntries.push(await k.entryV1(body));
    const r = await verify(b);
    assert.equal(r.tlogEntries, 2);
    assert.deepEqual(r.timestamps.map((t) => t.source), ["tlog"]);
    await rejects(b, /timestamps: 1 verified signing times, 2 required/, {
      policy: { ...POLICY, timestampThreshold: 2 },
    });
  });
});

describe("real public-good bundle (sigstore@3.1.0 npm provenance) against edited trust and bundles", () => {
  const dir = new URL("./fixtures/public_good/", import.meta.url);
  const text = readFileSync(new URL("sigstore-3.1.0.sigstore.json", dir), "utf8");
  const tgz = new Uint8Array(readFileSync(new URL("sigstore-3.1.0.tgz", dir)));
  const pg = {
    identity:
      "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
    issuer: "https://token.actions.githubusercontent.com",
  };
  it("a trusted root listing the Fulcio chain root-first is matched", async () => {
    const root = JSON.parse(PUBLIC_GOOD_TRUSTED_ROOT);
    for (const ca of root.certificateAuthorities) ca.certChain.certificates.reverse();
    assert.ok(root.certificateAuthorities.some((c: Json) => c.certChain.certificates.length > 1));
    const trust = await parseTrustedRoot(JSON.stringify(root), "root-first");
    const { bundle } = await parseBundle(text);
    const r = await verifyBundle(bundle, { bytes: tgz }, pg, trust, witnessContext().ctx);
    assert.equal(r.identity?.github.repository, "sigstore/sigstore-js");
  });
  it("a trusted root whose transparency-log key has no validity start is invalid", async () => {
    const root = JSON.parse(PUBLIC_GOOD_TRUSTED_ROOT);
    delete root.tlogs[0].publicKey.validFor.start;
    await assert.rejects(
      parseTrustedRoot(JSON.stringify(root), "no-start.json"),
      (e: unknown) =>
        isCosignError(e, "INVALID_INPUT") &&
        /Cannot read trusted root no-start\.json: tlogs\[0\] \(https:\/\/rekor\.sigstore\.dev\) has no validFor\.start/
          .test((e as Error).message),
    );
  });
  it("the same log entry listed twice is rejected", async () => {
    const j = JSON.parse(text);
    j.verificationMaterial.tlogEntries.push(structuredClone(j.verificationMaterial.tlogEntries[0]));
    const { bundle } = await parseBundle(JSON.stringify(j));
    await assert.rejects(
      verifyBundle(bundle, { bytes: tgz }, pg, await publicGoodTrustedRoot(), witnessContext().ctx),
      (e: unknown) =>
        isCosignError(e, "VERIFY") &&
        /tlog entry: the bundle lists the same log entry twice/.test((e as Error).message),
    );
  });
});

describe("real public-good DSSE bundle logged as a Rekor v1 hashedrekord over the PAE (sigstore-conformance)", () => {
  const b = JSON.parse(
    readFileSync(
      new URL("./fixtures/agreement/dsse-with-hashedrekord.sigstore.json", import.meta.url),
      "utf8",
    ),
  );
  const subject = Buffer.from(
    "70ed0277251d0cf2eb5eda8b574ce012de485e39a3de1fb4b1e0717e14b02d6a",
    "hex",
  );
  const beacon = {
    identity: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/" +
      ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
    issuer: "https://token.actions.githubusercontent.com",
  };
  const run = async (j: Json) => {
    const { bundle } = await bundleFromJSONValue(structuredClone(j));
    return await verifyBundle(
      bundle,
      { sha256: new Uint8Array(subject) },
      beacon,
      await publicGoodTrustedRoot(),
      witnessContext().ctx,
    );
  };
  it("verifies with the embedded public-good trusted root", async () => {
    const r = await run(b);
    assert.deepEqual(r.timestamps.map((t) => t.source).sort(), ["tlog", "tsa"]);
    assert.equal(
      r.identity?.github.repository,
      "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
    );
  });
  it("a changed envelope payload no longer matches the logged PAE digest", async () => {
    const j = structuredClone(b);
    const st = JSON.parse(Buffer.from(j.dsseEnvelope.payload, "base64").toString());
    st.predicate.note = "changed";
    j.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString("base64");
    await assert.rejects(
      run(j),
      (e: unknown) => isCosignError(e, "VERIFY") && /signature/.test((e as Error).message),
    );
  });
});
