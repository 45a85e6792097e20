import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CosignError } from "../../core/errors.ts";
import {
  formatPkcs11Uri,
  parsePkcs11Uri,
  redactPkcs11Uri,
  requireKeyAttributes,
} from "./pkcs11_uri.ts";

const M = "/usr/lib/softhsm/libsofthsm2.so";

function invalid(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof CosignError);
    assert.equal(e.code, "INVALID_INPUT");
    assert.match(e.message, pattern);
    return true;
  };
}

describe("pkcs11: URIs (RFC 7512, as cosign reads them)", () => {
  it("reads path and query attributes, percent-decoded", () => {
    const u = parsePkcs11Uri(
      `pkcs11:token=My%20Token;object=key%2d1;id=%01%ab;slot-id=7;serial=42?module-path=${M}&pin-value=12%2634`,
    );
    assert.equal(u.token, "My Token");
    assert.equal(u.object, "key-1");
    assert.deepEqual(u.id, Uint8Array.of(1, 0xab));
    assert.equal(u.slotId, 7n);
    assert.equal(u.serial, "42");
    assert.equal(u.modulePath, M);
    assert.equal(u.pinValue, "12&34");
  });

  it("accepts ';' between query attributes (cosign does) and literal id characters", () => {
    const u = parsePkcs11Uri(`pkcs11:token=t;id=A?module-path=${M};pin-source=file:/run/pin`);
    assert.deepEqual(u.id, Uint8Array.of(0x41));
    assert.equal(u.pinSource, "file:/run/pin");
    assert.equal(u.modulePath, M);
  });

  it("falls back to COSIGN_PKCS11_MODULE_PATH", () => {
    const env = (n: string) => (n === "COSIGN_PKCS11_MODULE_PATH" ? "/env/module.so" : undefined);
    assert.equal(parsePkcs11Uri("pkcs11:token=t;object=k", env).modulePath, "/env/module.so");
    assert.equal(parsePkcs11Uri(`pkcs11:token=t;object=k?module-path=${M}`, env).modulePath, M);
  });

  it("requires what cosign requires of a key URI", () => {
    const check = (uri: string) => requireKeyAttributes(uri, parsePkcs11Uri(uri));
    assert.throws(() => check("pkcs11:token=t;object=k"), invalid(/no module-path/));
    assert.throws(() => check(`pkcs11:object=k?module-path=${M}`), invalid(/token and slot-id/));
    assert.throws(() => check(`pkcs11:token=t?module-path=${M}`), invalid(/object and id/));
    check(`pkcs11:slot-id=0;id=%01?module-path=${M}`);
  });

  it("rejects malformed URIs with a message that hides the PIN", () => {
    assert.throws(() => parsePkcs11Uri("file:key"), invalid(/not a "pkcs11:" URI/));
    assert.throws(() => parsePkcs11Uri("pkcs11:slot-id=x"), invalid(/slot-id "x" is not a number/));
    assert.throws(() => parsePkcs11Uri("pkcs11:id=%zz"), invalid(/bad percent-encoding in "id"/));
    assert.throws(() => parsePkcs11Uri("pkcs11:token=a;token=b"), invalid(/appears twice/));
    assert.throws(
      () => parsePkcs11Uri("pkcs11:token;object=k?pin-value=secret99"),
      (e: unknown) => {
        assert.ok(e instanceof CosignError);
        assert.match(e.message, /has no value/);
        assert.ok(!e.message.includes("secret99"));
        return true;
      },
    );
  });

  it("writes URIs as cosign's Construct does, and they read back", () => {
    const uri = formatPkcs11Uri({
      modulePath: M,
      token: "my token",
      slotId: 3n,
      id: Uint8Array.of(0x01, 0x41),
      object: "a/b",
      pinValue: "1 2",
    });
    assert.equal(
      uri,
      `pkcs11:token=my%20token;slot-id=3;id=%01%41;object=a%2fb?module-path=${M}&pin-value=1%202`,
    );
    const back = parsePkcs11Uri(uri);
    assert.equal(back.token, "my token");
    assert.equal(back.object, "a/b");
    assert.deepEqual(back.id, Uint8Array.of(0x01, 0x41));
    assert.equal(back.pinValue, "1 2");
    assert.equal(back.slotId, 3n);
  });

  it("redacts pin-value for messages", () => {
    assert.equal(
      redactPkcs11Uri(`pkcs11:token=t;object=k?module-path=${M}&pin-value=1234&x=1`),
      `pkcs11:token=t;object=k?module-path=${M}&pin-value=***&x=1`,
    );
    assert.equal(redactPkcs11Uri("pkcs11:token=t?pin-value=9"), "pkcs11:token=t?pin-value=***");
  });
});
