import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type FlagSpec, parseAnnotations, parseArgs, parseDuration } from "./args.ts";
import { isCosignError } from "../core/errors.ts";

const specs: FlagSpec[] = [
  { name: "key", type: "string", description: "" },
  { name: "output-key-prefix", type: "string", description: "", default: "cosign" },
  { name: "annotations", short: "a", type: "strings", description: "" },
  { name: "yes", short: "y", type: "boolean", description: "" },
  { name: "tlog-upload", type: "boolean", description: "", default: true },
  { name: "output", short: "o", type: "string", description: "" },
];

describe("parseArgs", () => {
  it("accepts --flag v, --flag=v and cosign 1.x -flag v", () => {
    for (const argv of [["--key", "k.pub"], ["--key=k.pub"], ["-key", "k.pub"], ["-key=k.pub"]]) {
      assert.equal(parseArgs([...argv, "file"], specs).flags.key, "k.pub");
      assert.deepEqual(parseArgs([...argv, "file"], specs).args, ["file"]);
    }
  });
  it("applies defaults and repeatable flags", () => {
    const p = parseArgs(["-a", "x=1", "--annotations=y=2", "-y"], specs);
    assert.equal(p.flags["output-key-prefix"], "cosign");
    assert.deepEqual(p.flags.annotations, ["x=1", "y=2"]);
    assert.equal(p.flags.yes, true);
    assert.equal(p.flags["tlog-upload"], true);
  });
  it("takes =false for booleans and attached short values", () => {
    const p = parseArgs(["--tlog-upload=false", "-ofile.txt"], specs);
    assert.equal(p.flags["tlog-upload"], false);
    assert.equal(p.flags.output, "file.txt");
  });
  it("keeps - as an argument and stops at --", () => {
    const p = parseArgs(["-", "--", "--key"], specs);
    assert.deepEqual(p.args, ["-", "--key"]);
  });
  it("rejects unknown flags, missing values and bad booleans with USAGE", () => {
    for (const argv of [["--nope"], ["-z"], ["--key"], ["--yes=maybe"]]) {
      assert.throws(() => parseArgs(argv, specs), (e) => isCosignError(e, "USAGE"));
    }
  });
  it("parses annotations", () => {
    assert.deepEqual(parseAnnotations(["a=b", "c=d=e"]), { a: "b", c: "d=e" });
    assert.throws(() => parseAnnotations(["nokey"]), (e) => isCosignError(e, "USAGE"));
  });
});

describe("parseDuration", () => {
  it("reads Go durations as cosign's --timeout takes them", () => {
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("1.5h"), 5_400_000);
    assert.equal(parseDuration("3m0s"), 180_000);
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("1500us"), 1.5);
    assert.equal(parseDuration("0"), 0);
  });
  it("refuses what is not a non-negative duration, naming the flag and the value", () => {
    for (const bad of ["", "30", "-1s", "1d", "s", "1m 30s", "abc"]) {
      assert.throws(
        () => parseDuration(bad),
        (e) =>
          isCosignError(e, "USAGE") && e.message.includes("--timeout") &&
          e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });
});
