import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../tests/helpers/run_command.ts";
import { command as completion } from "./completion.ts";
import { ENV_VARIABLES, renderEnv } from "./env.ts";

const output = (args: string[]) => runCommand(completion, {}, args);

describe("env", () => {
  it("prints every registered variable in name order, Go-quoted, descriptions first", () => {
    const text = renderEnv({ COSIGN_PASSWORD: "secret", TUF_MIRROR: 'a "b"' }, {
      descriptions: true,
      sensitive: false,
    });
    const names = [...text.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]);
    assert.deepEqual(names, Object.keys(ENV_VARIABLES).sort());
    assert.match(
      text,
      /^# COSIGN_PASSWORD overrides password inputs with this value\n# Expects: .*\nCOSIGN_PASSWORD="\*\*\*\*\*\*"$/m,
    );
    assert.match(text, /^TUF_MIRROR="a \\"b\\""$/m);
    assert.match(text, /^COSIGN_EXPERIMENTAL=""$/m);
  });
  it("shows sensitive values on request and lists unregistered COSIGN_/SIGSTORE_/TUF_ variables", () => {
    const text = renderEnv({ COSIGN_PASSWORD: "secret", COSIGN_TS_PLUGINS: "/x", HOME: "/h" }, {
      descriptions: false,
      sensitive: true,
    });
    assert.match(text, /^COSIGN_PASSWORD="secret"$/m);
    assert.ok(!text.includes("#"));
    assert.ok(text.endsWith("COSIGN_TS_PLUGINS=/x\n"));
    assert.ok(!text.includes("HOME"));
  });
});

describe("completion", () => {
  it("bash: completes commands, subcommands and a command's flags (run by bash)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cosign-ts-compl-"));
    try {
      writeFileSync(join(dir, "c.bash"), await output(["bash"]));
      const ask = (words: string[]) => {
        const r = spawnSync("bash", [
          "-c",
          `source ${join(dir, "c.bash")}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); ` +
          `COMP_CWORD=${words.length - 1}; _cosign_ts; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim().split("\n").sort();
      };
      // (a unique prefix completes to its one command; "verify-b" also names
      // verify-blob-attestation since issue 8)
      assert.deepEqual(ask(["cosign-ts", "verify-blob-a"]), ["verify-blob-attestation"]);
      assert.ok(ask(["cosign-ts", "sign"]).includes("sign-blob"));
      // ("attach s" also names "attach sbom" since issue 8; "si" is unique)
      assert.deepEqual(ask(["cosign-ts", "attach", "si"]), ["signature"]);
      assert.deepEqual(ask(["cosign-ts", "attach", "s"]), ["sbom", "signature"]);
      assert.ok(
        ask(["cosign-ts", "verify-blob", "--certificate-i"]).includes("--certificate-identity"),
      );
      assert.ok(ask(["cosign-ts", "attach", "signature", "--sig"]).includes("--signature"));
      assert.ok(ask(["cosign-ts", "env", "--show-d"]).includes("--show-descriptions"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("zsh wraps the bash script with bashcompinit; fish lists commands and flags", async () => {
    const zsh = await output(["zsh"]);
    assert.match(zsh, /^#compdef cosign-ts\n/);
    assert.match(zsh, /bashcompinit/);
    assert.match(zsh, /complete -o default -F _cosign_ts cosign-ts/);
    const fish = await output(["fish"]);
    assert.match(
      fish,
      /complete -c cosign-ts -f -n '__fish_use_subcommand' -a 'verify-blob' -d 'Verifies/,
    );
    assert.match(fish, /-n '__fish_seen_subcommand_from verify-blob' -l certificate-identity -r/);
  });
  it("refuses other shells", async () => {
    await assert.rejects(output(["powershell"]), /Cannot generate completion for "powershell"/);
  });
});
