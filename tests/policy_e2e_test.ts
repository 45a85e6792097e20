/**
 * `verify-attestation --policy` end to end on dist/cosign-ts with the real registry: an image is
 * pushed and attested (`attest --type slsaprovenance`, the predicate of cosign's own e2e test),
 * then each policy kind is evaluated over the verified statement:
 *
 * - CUE, Rego (data.signature.allow and the package sigstore isCompliant form) and TypeScript
 *   policies that hold pass (the attestation is printed), and ones that do not exit 12 with the
 *   policy's own message (cosign's words for CUE and Rego) and print nothing on stdout;
 * - `--policy` repeated and comma-separated, as cosign's string slice;
 * - bad input exits 1 with a clear message before any verdict: a missing policy, an unknown
 *   extension, a policy that does not parse (line and column), an unsupported construct, a policy
 *   over 1 MiB, a TypeScript policy that does not compile;
 * - a third-party policy engine (examples/plugins/json_match_policy.ts), copied outside the
 *   repository and loaded with --plugin, passes and refuses through its contract.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { cosign, ROOT, tempDir } from "./helpers/cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";

describe("verify-attestation --policy on dist/cosign-ts", () => {
  let reg: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  let image: string;
  let env: Record<string, string>;
  const run = (args: string[]) => cosign(args, { env, cwd: dir });
  const policy = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };
  const verify = (...extra: string[]) =>
    run([
      "verify-attestation",
      "--key",
      join(dir, "cosign.pub"),
      "--type",
      "slsaprovenance",
      "--insecure-ignore-tlog",
      ...extra,
      image,
    ]);

  before(async () => {
    reg = await startRegistry("plain");
    ({ dir, cleanup } = await tempDir("cosign-ts-policy-"));
    assert.ok(relative(ROOT, dir).startsWith(".."), `${dir} must lie outside ${ROOT}`);
    env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: dir, HOME: dir };
    const g = await run(["generate-key-pair"]);
    assert.equal(g.code, 0, g.err);
    const client = new RegistryClient(reg.clientOptions());
    const img = await pushTestImage(client, `${reg.host}/app:v1`);
    image = `${reg.host}/app@${img.digest}`;
    // cosign's e2e predicate for slsaprovenance (test/e2e_test.go TestAttestVerify).
    const predicate = join(dir, "predicate.json");
    await writeFile(predicate, `{ "buildType": "x", "builder": { "id": "2" }, "recipe": {} }`);
    const a = await run([
      "attest",
      "--key",
      join(dir, "cosign.key"),
      "--type",
      "slsaprovenance",
      "--predicate",
      predicate,
      "--tlog-upload=false",
      image,
    ]);
    assert.equal(a.code, 0, a.err);
  });

  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  /** Exit 12, the message on stderr, nothing on stdout. */
  const refused = (r: { code: number; out: string; err: string }, message: RegExp) => {
    assert.equal(r.code, 12, r.err);
    assert.match(r.err, message);
    assert.equal(r.out, "");
  };
  /** Exit 0 and the attestation (one envelope) on stdout. */
  const allowed = (r: { code: number; out: string; err: string }) => {
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split("\n");
    assert.equal(lines.length, 1);
    const env = JSON.parse(lines[0]);
    const statement = JSON.parse(atob(env.payload));
    assert.equal(statement.predicate.builder.id, "2");
  };

  it("CUE: cosign's e2e policies pass and fail with CUE's message", async () => {
    const good = await policy("good.cue", 'predicate: builder: id: "2"\n');
    const bad = await policy("bad.cue", 'predicate: builder: id: "1"\n');
    const r = await verify("--policy", good);
    allowed(r);
    assert.match(r.err, /will be validating against CUE policies: \[.*good\.cue\]/);
    const f = await verify("--policy", bad);
    refused(f, /predicate\.builder\.id: conflicting values "1" and "2"/);
    assert.match(f.err, /There are 1 number of errors occurred during the validation:/);
  });

  it("Rego: data.signature.allow and package sigstore's isCompliant messages", async () => {
    const good = await policy(
      "good.rego",
      'package signature\n\nallow {\n  input.predicateType == "https://slsa.dev/provenance/v0.2"\n  input.predicate.builder.id == "2"\n}\n',
    );
    allowed(await verify("--policy", good));
    const bad = await policy("bad.rego", "package signature\n\ndefault allow = false\n");
    refused(await verify("--policy", bad), /expression value, false, is not true/);
    const undef = await policy(
      "undef.rego",
      'package signature\nallow { input.predicate.builder.id == "1" }\n',
    );
    refused(
      await verify("--policy", undef),
      /result is undefined for query 'data\.signature\.allow'/,
    );
    const compliance = await policy(
      "compliance.rego",
      `package sigstore
isCompliant[response] {
  result = (input.predicate.builder.id == "https://builder.example/trusted")
  response := {"result": result, "error": "built by an untrusted builder", "warning": ""}
}
`,
    );
    refused(await verify("--policy", compliance), /with errors: built by an untrusted builder/);
  });

  it("TypeScript: a check over the statements; its thrown message refuses", async () => {
    // It may import the library, as plugins do (the binary provides "cosign-ts").
    const good = await policy(
      "good.ts",
      'import { PLUGIN_API_VERSION } from "cosign-ts";\n' +
        "export default (statements: { predicate: { builder: { id: string } } }[]) =>\n" +
        '  PLUGIN_API_VERSION === 1 && statements.every((s) => s.predicate.builder.id === "2");\n',
    );
    allowed(await verify("--policy", good));
    const thrower = await policy(
      "throws.ts",
      'export default () => { throw new Error("provenance is older than 30 days"); };\n',
    );
    refused(await verify("--policy", thrower), /provenance is older than 30 days/);
  });

  it("repeated and comma-separated --policy: all must hold", async () => {
    const cue = await policy("all.cue", 'predicate: buildType: "x"\n');
    const rego = await policy("all.rego", "package signature\nallow = true\n");
    const ts = await policy("all.mjs", "export function check() { return true; }\n");
    allowed(await verify("--policy", cue, "--policy", `${rego},${ts}`));
    const bad = await policy("no.ts", 'export default () => ({ allow: false, errors: ["no"] });\n');
    const r = await verify("--policy", `${cue},${bad}`, "--policy", rego);
    refused(r, /1 validation error occurred .*policy ".*no\.ts": no/);
  });

  it("bad policies exit 1 with a clear message", async () => {
    const cases: [string[], RegExp][] = [
      [["--policy", join(dir, "missing.cue")], /Cannot read policy ".*missing\.cue": no such file/],
      [
        ["--policy", await policy("p.yaml", "allow: true\n")],
        /invalid policy format, expected \.cue or \.rego/,
      ],
      [
        ["--policy", await policy("broken.rego", "package signature\nallow {\n")],
        /Cannot parse Rego policy ".*broken\.rego": \d+:\d+:/,
      ],
      [
        ["--policy", await policy("broken.cue", 'predicate: builder: id: "2\n')],
        /Cannot parse CUE policy ".*broken\.cue": 1:\d+: unterminated string/,
      ],
      [
        [
          "--policy",
          await policy("with.rego", "package signature\nallow { true with input as {} }\n"),
        ],
        /line 2: with is not supported/,
      ],
      [
        ["--policy", await policy("huge.cue", "// " + "x".repeat(1024 * 1024) + "\n")],
        /more than the 1048576 allowed/,
      ],
      [
        ["--policy", await policy("syntax.ts", "export default function ( {\n")],
        /Cannot load policy ".*syntax\.ts"/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await verify(...args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(r.out, "");
    }
  });

  it("a third-party policy engine loaded from outside the repository", async () => {
    const plugin = join(dir, "plugins", "json_match_policy.ts");
    await mkdir(dirname(plugin), { recursive: true });
    copyFileSync(join(ROOT, "examples", "plugins", "json_match_policy.ts"), plugin);
    assert.ok(existsSync(plugin));
    const good = await policy(
      "builder.match.json",
      JSON.stringify({
        predicateType: "re:^https://slsa\\.dev/",
        predicate: { builder: { id: "2" } },
      }),
    );
    const r = await verify("--plugin", plugin, "--policy", good);
    allowed(r);
    assert.match(r.err, /will be validating against json-match policies/);
    const bad = await policy("other.match.json", JSON.stringify({ predicate: { buildType: "y" } }));
    refused(
      await verify("--plugin", plugin, "--policy", bad),
      /predicate\.buildType: expected "y", found "x"/,
    );
    // --help lists the engines with their plugins.
    const help = await run(["--plugin", plugin, "--help"]);
    assert.equal(help.code, 0, help.err);
    const engines = help.out.split("\nPolicy engines:\n")[1]?.split("\n\n")[0] ?? "";
    assert.match(engines, /^ {2}json-match +JSON documents .* \(plugin json-match-policy\)$/m);
    const builtins = { cue: "policy-cue", rego: "policy-rego", typescript: "policy-ts" };
    for (const [name, owner] of Object.entries(builtins)) {
      assert.match(engines, new RegExp(`^ {2}${name} +.*\\(plugin ${owner}\\)$`, "m"));
    }
    // Without the plugin, .match.json is not a policy cosign-ts knows.
    const none = await verify("--policy", good);
    assert.equal(none.code, 1);
    assert.match(none.err, /invalid policy format/);
  });
});
