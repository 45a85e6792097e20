import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { httpUrl } from "./http_url.ts";
import { isCosignError } from "./errors.ts";

describe("httpUrl", () => {
  it("accepts absolute http(s) URLs and refuses the rest, naming the value", () => {
    assert.equal(httpUrl("https://login.example/", "X", "h").host, "login.example");
    assert.equal(httpUrl("http://127.0.0.1:8/a", "X", "h").port, "8");
    for (const bad of ["", "login.example", "ftp://x/", "/relative"]) {
      assert.throws(
        () => httpUrl(bad, `SETTING "${bad}"`, "do this"),
        (e) =>
          isCosignError(e, "INVALID_INPUT") &&
          e.message === `Invalid SETTING "${bad}": not an http(s) URL` &&
          e.hint === "do this",
      );
    }
    // A command-line flag's URL: USAGE (exit 2), as `--mirror` is refused.
    assert.throws(
      () => httpUrl("tuf.example", '--mirror "tuf.example"', undefined, "USAGE"),
      (e) =>
        isCosignError(e, "USAGE") &&
        e.message === 'Invalid --mirror "tuf.example": not an http(s) URL' && e.hint === undefined,
    );
  });
});
