import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { PUBLIC_GOOD_TUF_ROOT } from "./public_good.ts";
import { canonicalJson, TufClient, verifyRoleSignatures } from "./tuf_client.ts";

describe("TUF client", () => {
  it("canonical JSON escapes only quote and backslash, sorts keys", () => {
    assert.equal(
      canonicalJson({ b: 1, a: ["x\ny", 'q"\\'], c: null }),
      '{"a":["x\ny","q\\"\\\\"],"b":1,"c":null}',
    );
    assert.throws(() => canonicalJson({ a: 1.5 }));
  });
  it("verifies the real public-good root's own root signatures (threshold 3 of 5, ECDSA)", async () => {
    const root = JSON.parse(PUBLIC_GOOD_TUF_ROOT);
    await verifyRoleSignatures(root, root, "root", "root");
  });
  it("rejects the public-good root once its signed part changes", async () => {
    const root = JSON.parse(PUBLIC_GOOD_TUF_ROOT);
    root.signed.version += 1;
    await assert.rejects(
      verifyRoleSignatures(root, root, "root", "root"),
      (e) => isCosignError(e, "VERIFY") && /0 valid "root" signatures, 3 required/.test(e.message),
    );
  });
  it("refuses an expired root when the mirror offers no newer one", async () => {
    const files = new Map<string, Uint8Array>();
    const client = new TufClient({
      mirror: "http://mirror.invalid",
      root: new TextEncoder().encode(PUBLIC_GOOD_TUF_ROOT),
      now: new Date("2030-01-01T00:00:00Z"),
      store: {
        read: (n) => Promise.resolve(files.get(n)),
        write: (n, d) => Promise.resolve(void files.set(n, d)),
      },
      fetch: () => Promise.resolve(new Response(null, { status: 404 })),
    });
    await assert.rejects(
      client.refresh(),
      (e) => isCosignError(e, "VERIFY") && /expired/.test(e.message),
    );
    assert.equal(files.size, 0);
  });
  it("refuses a metadata file larger than its referring metadata allows", async () => {
    const files = new Map<string, Uint8Array>();
    const big = new Uint8Array(17 * 1024 * 1024);
    const client = new TufClient({
      mirror: "http://mirror.invalid",
      root: new TextEncoder().encode(PUBLIC_GOOD_TUF_ROOT),
      store: {
        read: (n) => Promise.resolve(files.get(n)),
        write: (n, d) => Promise.resolve(void files.set(n, d)),
      },
      fetch: () => Promise.resolve(new Response(big)),
    });
    await assert.rejects(client.refresh(), (e) => isCosignError(e, "TOO_LARGE"));
    assert.equal(files.size, 0);
  });
});
