/**
 * `--sct FILE` (issue 9, item 3): a detached SCT (RFC 6962 AddChainResponse JSON) for a
 * certificate without an embedded SCT, as cosign's `--sct`, through dist/cosign-ts with
 * `verify-blob --certificate --signature --insecure-ignore-tlog`. The certificate comes from the
 * test Sigstore instance's CA without a CT log (tests/fixtures/keyless/factory.ts); the SCT is
 * signed here by a CT log key added to a copy of its trusted root (x509_entry over the
 * certificate, RFC 6962 section 3.2). Without --sct the certificate is refused (no SCT); a forged
 * SCT, or one over another certificate, is refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { cosign, tempDir } from "./helpers/cli.ts";
import { certPem, createKeyless, type Keyless } from "./fixtures/keyless/factory.ts";

let tmp: { dir: string; cleanup: () => Promise<void> };
let k: Keyless;
before(async () => {
  tmp = await tempDir("cosign-ts-sct-");
  k = await createKeyless();
});
after(async () => await tmp?.cleanup());

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** An AddChainResponse for `der` (x509_entry), signed with `logKey`, claiming `logId`. */
function addChainResponse(der: Uint8Array, logKey: KeyObject, logId: Uint8Array): string {
  const timestamp = Date.now() - 1000;
  const data = Buffer.alloc(12 + 3 + der.length + 2);
  data.writeUInt8(0, 0); // v1
  data.writeUInt8(0, 1); // certificate_timestamp
  data.writeBigUInt64BE(BigInt(timestamp), 2);
  data.writeUInt16BE(0, 10); // x509_entry
  data.writeUIntBE(der.length, 12, 3);
  Buffer.from(der).copy(data, 15);
  data.writeUInt16BE(0, 15 + der.length); // no extensions
  const sig = sign("sha256", data, logKey);
  const ds = Buffer.concat([Buffer.from([4, 3, sig.length >> 8, sig.length & 0xff]), sig]);
  return JSON.stringify({
    sct_version: 0,
    id: b64(logId),
    timestamp,
    extensions: "",
    signature: b64(ds),
  });
}

describe("verify-blob --sct (detached SCT)", () => {
  it("accepts a certificate without an embedded SCT with its detached SCT; refuses bad ones", async () => {
    const ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
    const d = tmp.dir;
    const art = new TextEncoder().encode("detached sct\n");
    const { cert, key } = await k.issue({ noSct: true });
    const other = await k.issue({ noSct: true });
    await writeFile(join(d, "a.txt"), art);
    await writeFile(join(d, "a.sig"), Buffer.from(sign("sha256", art, key)).toString("base64"));
    await writeFile(join(d, "a.pem"), certPem(cert));
    // A CT log of our own, added to the trusted root.
    const log = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spki = new Uint8Array(log.publicKey.export({ format: "der", type: "spki" }));
    const logId = new Uint8Array(createHash("sha256").update(spki).digest());
    const root = structuredClone(k.trustedRoot) as { ctlogs: Record<string, unknown>[] };
    root.ctlogs.push({
      baseUrl: "https://ct-detached.local",
      hashAlgorithm: "SHA2_256",
      publicKey: {
        rawBytes: b64(spki),
        keyDetails: "PKIX_ECDSA_P256_SHA_256",
        validFor: { start: new Date(Date.now() - 3600_000).toISOString() },
      },
      logId: { keyId: b64(logId) },
    });
    await writeFile(join(d, "root.json"), JSON.stringify(root));
    await writeFile(join(d, "a.sct"), addChainResponse(cert, log.privateKey, logId));
    await writeFile(join(d, "other.sct"), addChainResponse(other.cert, log.privateKey, logId));
    const rogue = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    await writeFile(join(d, "forged.sct"), addChainResponse(cert, rogue, logId));
    await writeFile(join(d, "junk.sct"), "{}");
    const run = (extra: string[]) =>
      cosign([
        "verify-blob",
        "--certificate",
        join(d, "a.pem"),
        "--signature",
        join(d, "a.sig"),
        "--trusted-root",
        join(d, "root.json"),
        "--certificate-identity",
        ID,
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--insecure-ignore-tlog",
        ...extra,
        join(d, "a.txt"),
      ], { env: { COSIGN_TS_CACHE: join(d, "cache") } });
    // Checked at the current time: wait until the instance's clock has passed.
    await new Promise((r) => setTimeout(r, Math.max(0, k.clock.getTime() - Date.now() + 100)));

    const noSct = await run([]);
    assert.equal(noSct.code, 12, noSct.err);
    assert.match(noSct.err, /no embedded SCT/);
    const ok = await run(["--sct", join(d, "a.sct")]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Verified OK/);
    const otherCert = await run(["--sct", join(d, "other.sct")]);
    assert.equal(otherCert.code, 12, otherCert.err);
    assert.match(otherCert.err, /SCT/);
    const forged = await run(["--sct", join(d, "forged.sct")]);
    assert.equal(forged.code, 12, forged.err);
    assert.match(forged.err, /signature does not verify with the CT log's key/);
    const junk = await run(["--sct", join(d, "junk.sct")]);
    assert.equal(junk.code, 12, junk.err);
    assert.match(junk.err, /AddChainResponse/);
    const missing = await run(["--sct", join(d, "nope.sct")]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /Cannot read SCT/);
  });
});
