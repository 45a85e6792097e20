import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gcpAlgorithm, parseGcpKmsReference } from "./gcp_reference.ts";
import { crc32c } from "./crc32c.ts";
import { isCosignError } from "../../core/errors.ts";

describe("gcpkms:// references (sigstore's expression)", () => {
  it("parses keys with and without versions, in both version spellings", () => {
    const base = "projects/p-1/locations/europe-west1/keyRings/ring/cryptoKeys/key";
    const r = parseGcpKmsReference(`gcpkms://${base}`);
    assert.equal(r.keyName, base);
    assert.equal(r.keyRingName, "projects/p-1/locations/europe-west1/keyRings/ring");
    assert.equal(r.locationName, "projects/p-1/locations/europe-west1");
    assert.equal(r.version, undefined);
    assert.equal(parseGcpKmsReference(`gcpkms://${base}/cryptoKeyVersions/3`).version, "3");
    assert.equal(parseGcpKmsReference(`gcpkms://${base}/versions/7`).version, "7");
  });

  it("refuses other shapes with the expected form in the hint", () => {
    for (
      const bad of [
        "gcpkms://projects/p/keyRings/r/cryptoKeys/k",
        "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/",
        "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/",
        "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/other/1",
      ]
    ) {
      assert.throws(
        () => parseGcpKmsReference(bad),
        (e) =>
          isCosignError(e, "INVALID_INPUT") && e.message.includes(bad) &&
          /cryptoKeyVersions\/VERSION/.test(e.hint ?? ""),
      );
    }
  });

  it("maps Cloud KMS algorithms to hashes and padding; refuses the others", () => {
    assert.deepEqual(gcpAlgorithm("EC_SIGN_P384_SHA384", "v"), { hash: "sha384", rsaPss: false });
    assert.deepEqual(gcpAlgorithm("RSA_SIGN_PSS_4096_SHA512", "v"), {
      hash: "sha512",
      rsaPss: true,
    });
    assert.throws(
      () => gcpAlgorithm("EC_SIGN_SECP256K1_SHA256", "v"),
      (e) => isCosignError(e, "UNSUPPORTED"),
    );
  });
});

describe("crc32c", () => {
  it("matches the CRC-32C check value and RFC 3720's test vectors", () => {
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  });
});
