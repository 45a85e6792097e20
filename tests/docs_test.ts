/**
 * docs/commands.md is generated from the command specs (scripts/gen_docs.ts): this test renders
 * it in memory and fails when the file on disk is stale, naming the command to run.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { COMMANDS_DOC, renderCommandsDoc, ROOT } from "../scripts/gen_docs.ts";
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

/** The anchors GitHub gives a Markdown file's headings. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const m = !fence && /^#{1,6} (.*)$/.exec(line);
    if (m) out.add(m[1].toLowerCase().replace(/[^a-z0-9 _-]/g, "").replace(/ /g, "-"));
  }
  return out;
}

describe("user documentation links", () => {
  it("every relative link in README.md, docs/, tests/README.md and examples/ resolves", () => {
    const files = [
      "README.md",
      "tests/README.md",
      "examples/plugins/README.md",
      ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // external
        const [path, anchor] = target.split("#");
        const resolved = path ? join(ROOT, dirname(file), path) : join(ROOT, file);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file)`);
        } else if (anchor && resolved.endsWith(".md")) {
          if (!anchors(readFileSync(resolved, "utf8")).has(anchor)) {
            broken.push(`${file}: ${target} (no such heading)`);
          }
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
