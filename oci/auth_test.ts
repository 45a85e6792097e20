import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { basicAuthHeader, parseWwwAuthenticate } from "./auth.ts";
import { backoffDelay, isRetryableStatus } from "./retry.ts";
import { parseByteSize } from "./client.ts";

describe("parseWwwAuthenticate", () => {
  it("parses a distribution bearer challenge", () => {
    const c = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
    );
    assert.deepEqual(c, [{
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:library/ubuntu:pull",
      },
    }]);
  });
  it("parses Basic with a realm and unquoted values", () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), [
      { scheme: "basic", params: { realm: "Registry Realm" } },
    ]);
    assert.deepEqual(parseWwwAuthenticate("bearer realm=https://x/token, service=reg"), [
      { scheme: "bearer", params: { realm: "https://x/token", service: "reg" } },
    ]);
  });
  it("parses several challenges and escaped quotes", () => {
    const c = parseWwwAuthenticate(
      'Basic realm="a \\"b\\"", Bearer realm="https://t/token",error="insufficient_scope"',
    );
    assert.equal(c.length, 2);
    assert.equal(c[0].params.realm, 'a "b"');
    assert.equal(c[1].scheme, "bearer");
    assert.equal(c[1].params.error, "insufficient_scope");
  });
  it("scope with commas inside quotes stays whole", () => {
    const c = parseWwwAuthenticate('Bearer realm="r",scope="repository:a:pull,push"');
    assert.equal(c[0].params.scope, "repository:a:pull,push");
  });
  it("tolerates garbage without throwing", () => {
    for (const h of [null, undefined, "", ",,,", '="x"', "Bearer", 'Bearer realm="unterminated']) {
      assert.doesNotThrow(() => parseWwwAuthenticate(h));
    }
    assert.deepEqual(parseWwwAuthenticate("Bearer"), [{ scheme: "bearer", params: {} }]);
  });
});

describe("basicAuthHeader", () => {
  it("encodes user:password like RFC 7617's example", () => {
    // RFC 7617 section 2: Aladdin / open sesame.
    assert.equal(basicAuthHeader("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  });
});

describe("retry policy", () => {
  it("retries 408/429/5xx only", () => {
    for (const s of [408, 429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s), true);
    for (const s of [200, 400, 401, 403, 404, 405, 501]) assert.equal(isRetryableStatus(s), false);
  });
  it("honours Retry-After seconds and dates, capped", () => {
    const p = { baseMs: 100, maxMs: 5000 };
    assert.equal(backoffDelay(0, p, "2"), 2000);
    assert.equal(backoffDelay(0, p, "120"), 5000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(backoffDelay(0, p, "Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
  });
  it("grows exponentially with jitter, bounded", () => {
    const p = { baseMs: 100, maxMs: 1000 };
    for (let i = 0; i < 20; i++) {
      const d0 = backoffDelay(0, p);
      const d3 = backoffDelay(3, p);
      assert.ok(d0 >= 75 && d0 <= 125, String(d0));
      assert.ok(d3 >= 600 && d3 <= 1000, String(d3));
      assert.ok(backoffDelay(30, p) <= 1000);
    }
  });
});

describe("parseByteSize (COSIGN_MAX_ATTACHMENT_SIZE)", () => {
  it("parses plain numbers and units", () => {
    assert.equal(parseByteSize("134217728"), 134217728);
    assert.equal(parseByteSize("128MiB"), 128 * 1024 * 1024);
    assert.equal(parseByteSize("10MB"), 10_000_000);
    assert.equal(parseByteSize("64k"), 64_000); // go-humanize: k = 1000, KiB = 1024
    assert.equal(parseByteSize("64KiB"), 65536);
    assert.equal(parseByteSize(""), undefined);
    assert.equal(parseByteSize("lots"), undefined);
    assert.equal(parseByteSize("-1"), undefined);
  });
});
