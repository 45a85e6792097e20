import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import { parseSigningConfig, selectServices, SIGNING_CONFIG_MEDIA_TYPE } from "./signing_config.ts";

const svc = (url: string, v: number, start?: string, end?: string) => ({
  url,
  majorApiVersion: v,
  validFor: { start, end },
  operator: "x",
});

describe("signing config", () => {
  const text = JSON.stringify({
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [svc("https://fulcio.example/", 1, "2020-01-01T00:00:00Z")],
    oidcUrls: [svc("https://oauth2.example", 1)],
    rekorTlogUrls: [
      svc("https://rekor-old.example", 1, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
      svc("https://rekor-v1.example", 1, "2020-01-01T00:00:00Z"),
      svc("https://rekor-v2a.example", 2, "2025-01-01T00:00:00Z"),
      svc("https://rekor-v2b.example", 2, "2025-01-01T00:00:00Z"),
      svc("https://rekor-v3.example", 3, "2025-01-01T00:00:00Z"),
    ],
    rekorTlogConfig: { selector: "ANY" },
    tsaUrls: [svc("https://tsa.example/api/v1/timestamp", 1, "2020-01-01T00:00:00Z")],
    tsaConfig: { selector: "EXACT", count: 1 },
  });

  it("parses services, trims trailing slashes, reads windows and selectors", () => {
    const c = parseSigningConfig(text, "t");
    assert.equal(c.caUrls[0].url, "https://fulcio.example");
    assert.equal(c.rekorTlogUrls.length, 5);
    assert.deepEqual(c.tsaConfig, { selector: "EXACT", count: 1 });
    assert.equal(c.rekorTlogUrls[0].end?.toISOString(), "2021-01-01T00:00:00.000Z");
  });

  it("selects the highest supported API version valid now, in list order", () => {
    const c = parseSigningConfig(text, "t");
    const now = new Date("2026-01-01T00:00:00Z");
    assert.deepEqual(
      selectServices(c.rekorTlogUrls, c.rekorTlogConfig, [1, 2], now).map((s) => s.url),
      ["https://rekor-v2a.example"],
    );
    assert.deepEqual(
      selectServices(c.rekorTlogUrls, { selector: "ALL" }, [1, 2], now).map((s) => s.url),
      ["https://rekor-v2a.example", "https://rekor-v2b.example"],
    );
    assert.deepEqual(
      selectServices(c.rekorTlogUrls, undefined, [1], now).map((s) => s.url),
      ["https://rekor-v1.example"],
    );
    // Before the v2 logs existed, and inside the old one's window.
    assert.deepEqual(
      selectServices(c.rekorTlogUrls, { selector: "ALL" }, [1, 2], new Date("2020-06-01"))
        .map((s) => s.url),
      ["https://rekor-old.example", "https://rekor-v1.example"],
    );
    assert.throws(
      () => selectServices(c.rekorTlogUrls, { selector: "EXACT", count: 3 }, [1, 2], now),
      (e) => isCosignError(e, "INVALID_INPUT") && /only 2 are valid/.test(e.message),
    );
    assert.deepEqual(selectServices(c.caUrls, undefined, [2], now), []);
  });

  it("rejects malformed configs with a message naming the problem", () => {
    const cases: [string, RegExp][] = [
      ["{", /not JSON/],
      ["[]", /not a JSON object/],
      [JSON.stringify({ mediaType: "application/json" }), /unsupported mediaType/],
      [
        JSON.stringify({ mediaType: SIGNING_CONFIG_MEDIA_TYPE, caUrls: {} }),
        /"caUrls" is not a list/,
      ],
      [
        JSON.stringify({ mediaType: SIGNING_CONFIG_MEDIA_TYPE, caUrls: [{ url: "ftp://x" }] }),
        /caUrls\[0\]\.url is not an http/,
      ],
      [
        JSON.stringify({
          mediaType: SIGNING_CONFIG_MEDIA_TYPE,
          rekorTlogUrls: [{ url: "https://r", majorApiVersion: 1.5 }],
        }),
        /majorApiVersion is not a positive integer/,
      ],
      [
        JSON.stringify({
          mediaType: SIGNING_CONFIG_MEDIA_TYPE,
          tsaUrls: [{ url: "https://t", validFor: { start: "yesterday" } }],
        }),
        /validFor\.start is not an RFC 3339 time/,
      ],
      [
        JSON.stringify({ mediaType: SIGNING_CONFIG_MEDIA_TYPE, tsaConfig: { selector: "SOME" } }),
        /selector must be ANY, ALL or EXACT/,
      ],
      [
        JSON.stringify({ mediaType: SIGNING_CONFIG_MEDIA_TYPE, tsaConfig: { selector: "EXACT" } }),
        /count must be a positive integer/,
      ],
    ];
    for (const [t, re] of cases) {
      assert.throws(
        () => parseSigningConfig(t, "cfg.json"),
        (e) =>
          isCosignError(e, "INVALID_INPUT") && re.test(e.message) &&
          e.message.includes("cfg.json"),
        t,
      );
    }
  });
});
