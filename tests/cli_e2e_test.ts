/**
 * End-to-end checks of the CLI shell on the compiled binary: help, version, usage errors and
 * their exit codes, the sget alias, and that the binary runs from an empty folder.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { BIN, cosign, runProcess, tempDir } from "./helpers/cli.ts";

describe("cosign-ts CLI (compiled binary)", () => {
  it("prints help listing the commands, exit 0", async () => {
    const r = await cosign(["--help"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Usage:\n {2}cosign-ts COMMAND/);
    assert.match(r.out, /\n {2}version +Prints the cosign-ts version\./);
  });

  it("prints per-command help with usage and examples", async () => {
    const r = await cosign(["version", "--help"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Examples:\n {2}cosign-ts version/);
    assert.match(r.out, /--json/);
    assert.equal((await cosign(["help", "version"])).out, r.out);
  });

  it("prints the version as text and JSON", async () => {
    const r = await cosign(["version", "--json"]);
    assert.equal(r.code, 0, r.err);
    const info = JSON.parse(r.out);
    assert.match(info.gitVersion, /^v\d+\.\d+\.\d+$/);
    assert.match(info.runtime, /^bun /);
    assert.ok(Array.isArray(info.plugins));
  });

  it("rejects an unknown command with exit 2 and a hint, no stack trace", async () => {
    const r = await cosign(["frobnicate"]);
    assert.equal(r.code, 2);
    assert.equal(r.out, "");
    assert.match(r.err, /^Error: Unknown command "frobnicate"\nHint: Run "cosign-ts --help"/);
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/);
  });

  it("rejects an unknown flag and extra arguments with exit 2", async () => {
    const bad = await cosign(["version", "--nope"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /Unknown flag --nope/);
    const extra = await cosign(["version", "surplus"]);
    assert.equal(extra.code, 2);
    assert.match(extra.err, /takes 0 argument\(s\), got 1 \(surplus\)/);
  });

  it("shows a stack trace only with COSIGN_TS_DEBUG=1", async () => {
    const r = await cosign(["--plugin", "/nonexistent/p.ts", "version"], {
      env: { COSIGN_TS_DEBUG: "1" },
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot load plugin "\/nonexistent\/p.ts": no such file/);
    assert.match(r.err, /CosignError/);
  });

  it("behaves as `sget` when invoked under that name", async () => {
    const r = await runProcess(join(BIN, "..", "sget"), ["--help"]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /^cosign-ts: container/);
  });

  it("runs from an empty folder with no sources or node_modules", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const copy = join(dir, "cosign-ts");
      await copyFile(BIN, copy);
      const { chmod } = await import("node:fs/promises");
      await chmod(copy, 0o755);
      const r = await runProcess(copy, ["version"], { cwd: dir });
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /GitVersion:/);
    } finally {
      await cleanup();
    }
  });
});
