/**
 * verify-blob --key … --use-signed-timestamps (issue 9, item 3), through dist/cosign-ts: as
 * cosign does, the signature's RFC 3161 timestamps (from --rfc3161-timestamp or the bundle) are
 * required and verified through the timestamp authority plugins, against the trusted root's
 * TSAs or --timestamp-certificate-chain, also with a key and --insecure-ignore-tlog (where the
 * signature alone would otherwise be checked). Timestamps come from the test Sigstore instance's
 * TSA (tests/fixtures/keyless/factory.ts).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { cosign, tempDir } from "./helpers/cli.ts";
import { certPem, createKeyless, type Keyless } from "./fixtures/keyless/factory.ts";

let tmp: { dir: string; cleanup: () => Promise<void> };
let k: Keyless;
before(async () => {
  tmp = await tempDir("cosign-ts-vbts-");
  k = await createKeyless();
});
after(async () => await tmp?.cleanup());

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const pem = (c: { rawBytes: string }) => certPem(Buffer.from(c.rawBytes, "base64"));

describe("verify-blob --key --use-signed-timestamps", () => {
  it("requires and verifies the RFC 3161 timestamps of --rfc3161-timestamp and of bundles", async () => {
    const d = tmp.dir;
    const art = new TextEncoder().encode("signed with a key, timestamped\n");
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const sig = new Uint8Array(sign("sha256", art, privateKey));
    await writeFile(join(d, "a.txt"), art);
    await writeFile(join(d, "a.sig"), b64(sig));
    await writeFile(join(d, "k.pub"), publicKey.export({ format: "pem", type: "spki" }));
    await writeFile(join(d, "root.json"), JSON.stringify(k.trustedRoot));
    const ts = (t: string) => JSON.stringify({ SignedRFC3161Timestamp: t });
    await writeFile(join(d, "ts.json"), ts(await k.timestamp(sig)));
    await writeFile(join(d, "bad-ts.json"), ts(await k.timestamp(new TextEncoder().encode("x"))));
    const run = (extra: string[], root = join(d, "root.json")) =>
      cosign([
        "verify-blob",
        "--key",
        join(d, "k.pub"),
        "--trusted-root",
        root,
        "--insecure-ignore-tlog",
        "--use-signed-timestamps",
        ...extra,
        join(d, "a.txt"),
      ], { env: { COSIGN_TS_CACHE: join(d, "cache") } });

    // --signature + --rfc3161-timestamp: verified against the trusted root's TSA.
    const ok = await run([
      "--signature",
      join(d, "a.sig"),
      "--rfc3161-timestamp",
      join(d, "ts.json"),
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Verified OK/);
    // A timestamp over other bytes is refused; so is no timestamp at all.
    const bad = await run([
      "--signature",
      join(d, "a.sig"),
      "--rfc3161-timestamp",
      join(d, "bad-ts.json"),
    ]);
    assert.equal(bad.code, 12, bad.err);
    assert.match(bad.err, /RFC 3161 timestamp/);
    const none = await run(["--signature", join(d, "a.sig")]);
    assert.equal(none.code, 12, none.err);
    assert.match(none.err, /no RFC 3161 timestamp \(--use-signed-timestamps requires one\)/);
    // Without --use-signed-timestamps the key alone is checked (unchanged).
    const plain = await cosign([
      "verify-blob",
      "--key",
      join(d, "k.pub"),
      "--insecure-ignore-tlog",
      "--signature",
      join(d, "a.sig"),
      join(d, "a.txt"),
    ], { env: { COSIGN_TS_CACHE: join(d, "cache") } });
    assert.equal(plain.code, 0, plain.err);

    // A Sigstore bundle (public key, message signature) carrying the timestamp.
    const bundle = (timestamps: string[]) =>
      JSON.stringify({
        mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        verificationMaterial: {
          publicKey: { hint: "" },
          tlogEntries: [],
          timestampVerificationData: {
            rfc3161Timestamps: timestamps.map((t) => ({ signedTimestamp: t })),
          },
        },
        messageSignature: {
          messageDigest: {
            algorithm: "SHA2_256",
            digest: b64(new Uint8Array(createHash("sha256").update(art).digest())),
          },
          signature: b64(sig),
        },
      });
    await writeFile(join(d, "ts.bundle"), bundle([await k.timestamp(sig)]));
    await writeFile(join(d, "nots.bundle"), bundle([]));
    const okBundle = await run(["--bundle", join(d, "ts.bundle")]);
    assert.equal(okBundle.code, 0, okBundle.err);
    const noneBundle = await run(["--bundle", join(d, "nots.bundle")]);
    assert.equal(noneBundle.code, 12, noneBundle.err);
    assert.match(noneBundle.err, /no RFC 3161 timestamp/);

    // A trusted root without the TSA: refused, unless --timestamp-certificate-chain names it.
    const root = structuredClone(k.trustedRoot) as {
      timestampAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
    };
    await writeFile(
      join(d, "tsa.pem"),
      root.timestampAuthorities[0].certChain.certificates.map(pem).join(""),
    );
    root.timestampAuthorities = [];
    await writeFile(join(d, "notsa.json"), JSON.stringify(root));
    const noTsa = await run(["--bundle", join(d, "ts.bundle")], join(d, "notsa.json"));
    assert.equal(noTsa.code, 12, noTsa.err);
    assert.match(noTsa.err, /RFC 3161 timestamp/);
    const chain = await run(
      ["--bundle", join(d, "ts.bundle"), "--timestamp-certificate-chain", join(d, "tsa.pem")],
      join(d, "notsa.json"),
    );
    assert.equal(chain.code, 0, chain.err);
  });
});
