import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { goDuration, parseGoDuration } from "./go_duration.ts";

describe("Go durations", () => {
  it("writes durations as time.Duration.String()", () => {
    const cases: [string, string][] = [
      ["1h", "1h0m0s"],
      ["90m", "1h30m0s"],
      ["1.5h", "1h30m0s"],
      ["30s", "30s"],
      ["1m30.5s", "1m30.5s"],
      ["500ms", "500ms"],
      ["1.5ms", "1.5ms"],
      ["2us", "2µs"],
      ["0", "0s"],
      ["-5m", "-5m0s"],
      ["100ns", "100ns"],
    ];
    for (const [input, want] of cases) assert.equal(goDuration(input), want, input);
    for (const bad of ["", "1", "h", "1x", "1h 2m"]) assert.equal(goDuration(bad), undefined, bad);
  });

  it("parses to exact nanoseconds", () => {
    assert.equal(parseGoDuration("1h30m"), 5_400_000_000_000n);
    assert.equal(parseGoDuration("+1.5us"), 1500n);
    assert.equal(parseGoDuration(".5s"), 500_000_000n);
  });
});
