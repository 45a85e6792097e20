import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TOKEN_EXPIRY_MARGIN_MS, tokenCache, tokenExpiry } from "./token_cache.ts";

describe("tokenCache", () => {
  it("fetches once per key, shares the promise, and forgets a failed fetch", async () => {
    const cached = tokenCache<{ v: string }>();
    let calls = 0;
    const get = (v: string) => () => {
      calls++;
      return Promise.resolve({ v });
    };
    const [a, b] = await Promise.all([cached("k", get("one")), cached("k", get("two"))]);
    assert.deepEqual([a.v, b.v, calls], ["one", "one", 1]);
    assert.equal((await cached("other", get("three"))).v, "three");
    assert.equal(calls, 2);
    await assert.rejects(cached("bad", () => Promise.reject(new Error("refused"))), /refused/);
    assert.equal((await cached("bad", get("retried"))).v, "retried");
    assert.equal(calls, 3);
  });

  it("fetches again once a token is within the margin of its expiry", async () => {
    let clock = 1_000_000;
    const cached = tokenCache<{ v: number; expiresAt?: number }>(() => clock);
    let calls = 0;
    const get = () => {
      calls++;
      return Promise.resolve({ v: calls, expiresAt: clock + 3600_000 });
    };
    assert.equal((await cached("k", get)).v, 1);
    clock += 3600_000 - TOKEN_EXPIRY_MARGIN_MS - 1;
    assert.equal((await cached("k", get)).v, 1, "still valid beyond the margin");
    clock += 1;
    assert.equal((await cached("k", get)).v, 2, "within the margin: fetched again");
    assert.equal((await cached("k", get)).v, 2);
    // A token without an expiry is kept for the run.
    const forever = () => Promise.resolve({ v: -1 });
    await cached("n", forever);
    clock += 10 * 365 * 24 * 3600_000;
    assert.equal((await cached("n", () => Promise.resolve({ v: -2 }))).v, -1);
    // A failed refetch is forgotten without dropping the entry of a later fetch.
    await assert.rejects(cached("k", () => Promise.reject(new Error("down"))), /down/);
    assert.equal((await cached("k", get)).v, 3);
  });
});

describe("tokenExpiry", () => {
  const jwt = (claims: unknown) =>
    `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, "").replace(/\+/g, "-")}.sig`;
  it("reads expires_in, expires_on, expireTime and a JWT's exp; the earliest wins", () => {
    const now = 1_700_000_000_000;
    assert.equal(tokenExpiry({ expires_in: 3599 }, "opaque", now), now + 3599_000);
    assert.equal(tokenExpiry({ expires_in: "3599" }, "opaque", now), now + 3599_000);
    assert.equal(tokenExpiry({ expires_on: "1700000600" }, "opaque", now), 1_700_000_600_000);
    assert.equal(
      tokenExpiry({ expireTime: "2023-11-14T22:23:20Z" }, "opaque", now),
      Date.parse("2023-11-14T22:23:20Z"),
    );
    assert.equal(tokenExpiry({}, jwt({ exp: 1_700_000_100 }), now), 1_700_000_100_000);
    assert.equal(
      tokenExpiry({ expires_in: 3600 }, jwt({ exp: 1_700_000_100 }), now),
      1_700_000_100_000,
    );
    assert.equal(tokenExpiry({}, "opaque", now), undefined);
    assert.equal(tokenExpiry(undefined, "a.b.c", now), undefined);
    assert.equal(tokenExpiry({ expires_in: "soon" }, "opaque", now), undefined);
  });
});
