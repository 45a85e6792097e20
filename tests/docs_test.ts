/**
 * docs/commands.md is generated from the command specs (scripts/gen_docs.ts): this test renders
 * it in memory and fails when the file on disk is stale, naming the command to run.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { COMMANDS_DOC, renderCommandsDoc } from "../scripts/gen_docs.ts";
import { commands } from "../cli/commands/mod.ts";
import { GLOBAL_FLAGS } from "../cli/run.ts";

describe("docs/commands.md", () => {
  it("is up to date with the command specs (else run: deno task docs)", async () => {
    const fresh = await renderCommandsDoc();
    const onDisk = readFileSync(COMMANDS_DOC, "utf8");
    assert.ok(
      onDisk === fresh,
      "docs/commands.md is stale: run `./node_modules/.bin/deno task docs` and commit it",
    );
  });

  it("documents every command, its usage and flags, and the global flags", async () => {
    const doc = readFileSync(COMMANDS_DOC, "utf8");
    for (const entry of commands) {
      const { command } = await entry.load();
      assert.ok(doc.includes(`### \`${command.name}\``), `no section for ${command.name}`);
      assert.ok(doc.includes(command.usage.split("\n")[0]), `no usage for ${command.name}`);
      for (const f of command.flags.filter((f) => !f.hidden)) {
        assert.ok(doc.includes(`\`--${f.name}\``), `${command.name}: no --${f.name}`);
      }
    }
    for (const f of GLOBAL_FLAGS.filter((f) => !f.hidden)) {
      assert.ok(doc.includes(`\`--${f.name}\``), `no global flag --${f.name}`);
    }
  });
});
