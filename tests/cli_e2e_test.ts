/**
 * End-to-end checks of the CLI shell on the compiled binary: help, version, usage errors and
 * their exit codes, the sget alias, and that the binary runs from an empty folder. Global flags
 * before `--help`; command groups listing their subcommands; `-t/--timeout` ending a command
 * against a loopback server that accepts connections and never answers (bounded wait); the
 * `Failed check:` line and exit 12 for tampered signatures.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFile, writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BIN, cosign, runProcess, tempDir } from "./helpers/cli.ts";
import { closeServer } from "./helpers/bounded.ts";

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

  it("global flags before --help (and around a command) are read before the command", async () => {
    const top = await cosign(["--help"]);
    for (const argv of [["-d", "--help"], ["--verbose", "-h"], ["-t", "30s", "--help"], ["-d"]]) {
      const r = await cosign(argv);
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.err}`);
      assert.equal(r.out, top.out, argv.join(" "));
    }
    const cmd = await cosign(["version", "--help"]);
    for (const argv of [["-d", "version", "--help"], ["--timeout=1m", "-h", "version"]]) {
      const r = await cosign(argv);
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.err}`);
      assert.equal(r.out, cmd.out, argv.join(" "));
    }
    assert.match(top.out, /^ {2}-t, --timeout DURATION +Timeout for commands.*\(default "3m"\)$/m);
    const v = await cosign(["-d", "version", "--json", "-t", "5s"]);
    assert.equal(v.code, 0, v.err);
    assert.match(JSON.parse(v.out).gitVersion, /^v\d/);
  });

  it("a command group alone lists its subcommands instead of failing", async () => {
    for (
      const [group, member] of [["attach", "signature"], ["upload", "blob"], [
        "download",
        "signature",
      ]]
    ) {
      const r = await cosign([group]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^Subcommands of "${group}":`));
      assert.match(r.out, new RegExp(`^  ${group} ${member} +\\S`, "m"));
      assert.doesNotMatch(r.out, /^ {2}version /m);
    }
    const bad = await cosign(["attach", "nothing"]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.err,
      /^Error: Unknown command "attach nothing"\nHint: "attach" has these subcommands: .*signature/,
    );
  });

  it("-t/--timeout ends a command whose server never answers, naming the flag", async () => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s); // accept, read nothing, answer nothing
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const r = await cosign(
        ["--timeout", "2s", "triangulate", `127.0.0.1:${port}/silent/app:v1`],
        { timeoutMs: 60_000 },
      );
      const took = Date.now() - started;
      assert.equal(r.code, 1, r.err);
      assert.ok(took < 30_000, `took ${took} ms`);
      assert.ok(took >= 1_900, `took ${took} ms`);
      assert.match(
        r.err,
        /^Error: "triangulate" did not finish within the 2s timeout \(--timeout\)$/m,
      );
      assert.match(r.err, /^Hint: Raise the limit with --timeout/m);
      const bad = await cosign(["-t", "forever", "version"]);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /Flag --timeout takes a duration like 30s, 2m or 1h30m, not "forever"/);
    } finally {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    }
  });

  it("a tampered blob fails verification with exit 12 and a stable Failed check line", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const env = { COSIGN_PASSWORD: "" };
      const gen = await cosign(["generate-key-pair"], { cwd: dir, env });
      assert.equal(gen.code, 0, gen.err);
      await writeFile(join(dir, "blob"), "the signed content\n");
      const cases: [string[], string][] = [[[], "signature"], [["--new-bundle-format"], "digest"]];
      for (const [format, check] of cases) {
        const bundle = join(dir, `${check}.bundle.json`);
        const s = await cosign(
          [
            "sign-blob",
            "--key",
            "cosign.key",
            "--tlog-upload=false",
            ...format,
            "--bundle",
            bundle,
            "blob",
          ],
          { cwd: dir, env },
        );
        assert.equal(s.code, 0, s.err);
        const verify = (file: string) =>
          cosign(
            [
              "verify-blob",
              "--key",
              "cosign.pub",
              "--bundle",
              bundle,
              "--insecure-ignore-tlog",
              file,
            ],
            { cwd: dir },
          );
        const ok = await verify("blob");
        assert.equal(ok.code, 0, ok.err);
        assert.doesNotMatch(ok.err, /Failed check/);
        await writeFile(join(dir, "tampered"), "the signed content, changed\n");
        const r = await verify("tampered");
        assert.equal(r.code, 12, r.err);
        assert.match(r.err, /^Error: /m);
        assert.match(r.err, new RegExp(`\\nFailed check: ${check}\\n$`));
      }
    } finally {
      await cleanup();
    }
  });
});
