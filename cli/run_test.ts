import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { CosignError } from "../core/errors.ts";
import { type Command, definePlugin, type Plugin } from "../core/plugin.ts";
import { currentRuntime } from "../runtime/mod.ts";
import type { CommandEntry, IO } from "./command.ts";
import { printError, run, scanGlobals } from "./run.ts";
import { closeServer } from "../tests/helpers/bounded.ts";

/** Captures what a run prints. */
function capture(): { io: IO; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    io: {
      out: (d) => {
        out += typeof d === "string" ? d : new TextDecoder().decode(d);
        return Promise.resolve();
      },
      err: (t) => {
        err += t;
      },
      stdin: () => new ReadableStream(),
    },
    out: () => out,
    err: () => err,
  };
}

function command(name: string, run: Command["run"], extra: Partial<Command> = {}): Command {
  return {
    name,
    summary: `The ${name} command.`,
    usage: `cosign-ts ${name} [args]`,
    examples: [`cosign-ts ${name} x`],
    flags: [{ name: "shout", type: "boolean", description: "Shout." }],
    run,
    ...extra,
  };
}

const entry = (c: Command): CommandEntry => ({
  name: c.name,
  summary: c.summary,
  load: () => Promise.resolve({ command: c }),
});

/** Built-in commands for the tests: a one-word command and a two-word group. */
const BUILTIN_COMMANDS: CommandEntry[] = [
  entry(command("echo", async ({ args, io }) => await io.out(args.join(" ") + "\n"))),
  entry(command("attach signature", async ({ io }) => await io.out("attached\n"))),
  entry(command("attach sbom", async ({ io }) => await io.out("sbom\n"))),
];

/** A plugin with one of everything, as a third party would write it. */
const thirdParty: Plugin = definePlugin({
  name: "everything",
  apiVersion: 1,
  description: "A plugin with one of each contribution.",
  keys: [{
    scheme: "vault9",
    description: "Keys in vault nine.",
    signer: () => Promise.reject(new Error("unused")),
  }],
  artifacts: [{
    kind: "envblob",
    description: "Blobs in environment variables.",
    claims: (ref) => ref.startsWith("envblob://"),
    resolve: () => Promise.reject(new Error("unused")),
  }],
  tlogs: [{
    name: "filelog",
    description: "An append-only file log.",
    submit: () => Promise.reject(new Error("unused")),
  }],
  timestamps: [{
    name: "clocktower",
    description: "Timestamps from the clock tower.",
    timestamp: () => Promise.reject(new Error("unused")),
    verify: () => Promise.reject(new Error("unused")),
  }],
  commands: [
    command("upload envblob", async ({ args, flags, ctx, io }) => {
      await io.out(
        `uploaded ${args.join(",")} shout=${flags.shout} timeout=${ctx.settings?.timeout}\n`,
      );
    }),
    command("hang", () => new Promise<never>(() => {})),
  ],
});

const builtinPlugin: Plugin = { name: "builtin-keys", apiVersion: 1, keys: [] };

async function cli(argv: string[], plugins: Plugin[] = [builtinPlugin, thirdParty]) {
  const c = capture();
  const code = await run(argv, {
    runtime: currentRuntime(),
    builtins: plugins,
    commands: BUILTIN_COMMANDS,
    env: () => undefined,
    io: c.io,
  });
  return { code, out: c.out(), err: c.err() };
}

describe("scanGlobals", () => {
  it("reads global flags anywhere before -- and finds the command words", () => {
    const s = scanGlobals(["--plugin", "p.ts", "-d", "upload", "-t", "30s", "envblob", "--help"]);
    assert.deepEqual(s.plugins, ["p.ts"]);
    assert.equal(s.verbose, true);
    assert.equal(s.help, true);
    assert.equal(s.timeout, "30s");
    assert.deepEqual(s.words, ["upload", "envblob"]);
    assert.deepEqual(s.wordIndexes, [3, 6]);
    const eq = scanGlobals(["-timeout=1m", "--plugin=a.ts", "--verbose=false", "echo", "x", "y"]);
    assert.equal(eq.timeout, "1m");
    assert.deepEqual(eq.plugins, ["a.ts"]);
    assert.equal(eq.verbose, false);
    assert.deepEqual(eq.words, ["echo", "x"]);
    // Cosign 1.x single-dash long flags are not mistaken for -t.
    const tl = scanGlobals(["sign-blob", "-tlog-upload=false", "-t2m", "f"]);
    assert.equal(tl.timeout, "2m");
    assert.deepEqual(tl.words, ["sign-blob"]);
    assert.deepEqual(scanGlobals(["echo", "--", "-h"]).help, false);
  });
});

describe("run: global flags, plugin commands and help", () => {
  it("global flags before --help show the top-level help", async () => {
    for (
      const argv of [["--help"], ["-d", "--help"], ["--timeout=2m", "-h"], ["-t", "1m", "-h"]]
    ) {
      const r = await cli(argv);
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.err}`);
      assert.match(r.out, /^Commands:$/m, argv.join(" "));
    }
  });

  it("--help lists plugin commands, key schemes, kinds, logs and TSAs with their plugins", async () => {
    const r = await cli(["-d", "--help"]);
    assert.equal(r.code, 0, r.err);
    const section = (title: string) => r.out.split(`\n${title}:\n`)[1]?.split("\n\n")[0] ?? "";
    assert.match(section("Commands"), /^ {2}echo +The echo command\.$/m);
    assert.match(
      section("Commands"),
      /^ {2}upload envblob +The upload envblob command\. \(plugin everything\)$/m,
    );
    assert.match(
      section("Key schemes"),
      /^ {2}vault9 +Keys in vault nine\. \(plugin everything\)$/m,
    );
    assert.match(
      section("Artifact kinds"),
      /^ {2}envblob +Blobs in environment variables\. \(plugin everything\)$/m,
    );
    assert.match(
      section("Transparency logs"),
      /^ {2}filelog +An append-only file log\. \(plugin everything\)$/m,
    );
    assert.match(
      section("Timestamp authorities"),
      /^ {2}clocktower +Timestamps from the clock tower\. \(plugin everything\)$/m,
    );
    assert.match(
      section("Plugins"),
      /^ {2}builtin-keys +\(built-in\)\n {2}everything +A plugin with one of each contribution\. \(built-in\)$/m,
    );
    assert.match(section("Global flags"), /-t, --timeout DURATION .*\(default "3m"\)/);
    const bare = await cli(["--help"], [builtinPlugin]);
    assert.match(bare.out, /\nTimestamp authorities:\n {2}\(none loaded\)\n/);
  });

  it("runs a plugin's two-word command, with global flags around it", async () => {
    const r = await cli(["-t", "90s", "upload", "-d", "envblob", "a", "--shout", "b"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "uploaded a,b shout=true timeout=90000\n");
    const help = await cli(["upload", "envblob", "--help"]);
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^The upload envblob command\.\n\nProvided by plugin "everything"\./);
    assert.match(help.out, /--shout/);
  });

  it("a group word alone lists its subcommands; an unknown subcommand names them", async () => {
    for (const argv of [["attach"], ["-d", "attach", "--help"], ["upload"]]) {
      const r = await cli(argv);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^Subcommands of "${argv.find((a) => !a.startsWith("-"))}"`));
    }
    const attach = await cli(["attach"]);
    assert.match(attach.out, /^ {2}attach signature +The attach signature command\.$/m);
    assert.match(attach.out, /^ {2}attach sbom +/m);
    assert.doesNotMatch(attach.out, /echo/);
    const bad = await cli(["attach", "bogus"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^Error: Unknown command "attach bogus"\nHint: .*signature, sbom/);
  });

  it("a plugin command that takes a built-in name or group is refused, naming the plugin", async () => {
    for (const name of ["echo", "attach", "help", "echo twice"]) {
      const p = definePlugin({
        name: "squatter",
        apiVersion: 1,
        commands: [command(name, () => Promise.resolve())],
      });
      const r = await cli(["echo", "x"], [builtinPlugin, p]);
      assert.equal(r.code, 1, name);
      assert.match(
        r.err,
        new RegExp(
          `plugin "squatter": command "${name}" ${
            name === "echo twice"
              ? 'would hide the built-in command "echo"'
              : "is already a built-in command"
          }`,
        ),
      );
    }
  });

  it("-t/--timeout ends a command that does not finish with a NETWORK error naming the flag", async () => {
    const started = Date.now();
    const r = await cli(["--timeout", "300ms", "hang"]);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.code, 1);
    assert.match(r.err, /^Error: "hang" did not finish within the 300ms timeout \(--timeout\)\n/);
    assert.match(r.err, /^Hint: Raise the limit with --timeout/m);
    const bad = await cli(["-t", "soon", "echo"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /Flag --timeout takes a duration like 30s, 2m or 1h30m, not "soon"/);
  });

  it("--timeout also bounds fetching a plugin from a server that never answers", async () => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/p.js#sha256=${
        "0".repeat(64)
      }`;
      const started = Date.now();
      const r = await cli(["--plugin", url, "-t", "400ms", "echo", "x"]);
      assert.ok(Date.now() - started < 10_000);
      assert.equal(r.code, 1);
      assert.equal(r.out, "");
      assert.match(r.err, /^Error: Loading plugins did not finish within the 400ms timeout/);
    } finally {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    }
  });

  it("flags without a command are refused; unknown commands keep exit 2", async () => {
    const r = await cli(["--nope"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /Unknown flag --nope/);
    const u = await cli(["-d", "frobnicate"]);
    assert.equal(u.code, 2);
    assert.match(u.err, /^Error: Unknown command "frobnicate"/);
  });
});

describe("printError", () => {
  it("adds a stable Failed check line for verification failures", () => {
    const c = capture();
    printError(
      c.io,
      new CosignError("VERIFY", "Cannot verify signature: no", {
        hint: "Check.",
        check: "signature",
      }),
      false,
    );
    assert.equal(
      c.err(),
      "Error: Cannot verify signature: no\nHint: Check.\nFailed check: signature\n",
    );
    const plain = capture();
    printError(plain.io, new CosignError("IO", "Cannot read x"), false);
    assert.equal(plain.err(), "Error: Cannot read x\n");
  });
});
