/**
 * The cosign-ts CLI entry point: the built-in plugin list, the runtime adapter, and `run(argv)`.
 * Invoked under the name `sget` (a link to the binary), it behaves as `cosign-ts sget`.
 * @module
 */
import process from "node:process";
import { basename } from "node:path";
import type { Plugin } from "./core/plugin.ts";
import { EXIT_INTERRUPTED, run } from "./cli/run.ts";
import { currentRuntime, prepareCliProcess } from "./runtime/mod.ts";
import { artifactBlobPlugin } from "./plugins/artifact-blob/plugin.ts";
import { artifactOciPlugin } from "./plugins/artifact-oci/plugin.ts";
import { artifactWasmPlugin } from "./plugins/artifact-wasm/plugin.ts";
import { artifactEbpfPlugin } from "./plugins/artifact-ebpf/plugin.ts";
import { artifactTektonPlugin } from "./plugins/artifact-tekton/plugin.ts";
import { hardwarePivPlugin } from "./plugins/hardware-piv/plugin.ts";
import { hardwarePkcs11Plugin } from "./plugins/hardware-pkcs11/plugin.ts";
import { keyFilePlugin } from "./plugins/key-file/plugin.ts";
import { keyK8sPlugin } from "./plugins/key-k8s/plugin.ts";
import { keyGithubPlugin } from "./plugins/key-github/plugin.ts";
import { keyGitlabPlugin } from "./plugins/key-gitlab/plugin.ts";
import { kmsAzurePlugin } from "./plugins/kms-azure/plugin.ts";
import { kmsGcpPlugin } from "./plugins/kms-gcp/plugin.ts";
import { kmsAwsPlugin } from "./plugins/kms-aws/plugin.ts";
import { kmsVaultPlugin } from "./plugins/kms-vault/plugin.ts";
import { tlogRekorPlugin } from "./plugins/tlog-rekor/plugin.ts";
import { tsaRfc3161Plugin } from "./plugins/tsa-rfc3161/plugin.ts";
import { policyCuePlugin } from "./plugins/policy-cue/plugin.ts";
import { policyRegoPlugin } from "./plugins/policy-rego/plugin.ts";
import { policyTsPlugin } from "./plugins/policy-ts/plugin.ts";

/**
 * The built-in plugins, in dispatch order. The compiled binary contains exactly these. Each is
 * the plugin's light entry (`plugins/<name>/plugin.ts`, not its mod.ts): names, descriptions and
 * cheap `claims`/`handles`/`recognizes`; the implementations load on first use, so commands that
 * do not use a plugin do not pay for it at start-up.
 */
export const BUILTIN_PLUGINS: Plugin[] = [
  keyFilePlugin,
  keyK8sPlugin,
  keyGithubPlugin,
  keyGitlabPlugin,
  hardwarePkcs11Plugin,
  hardwarePivPlugin,
  kmsGcpPlugin,
  kmsAzurePlugin,
  kmsVaultPlugin,
  kmsAwsPlugin,
  artifactBlobPlugin,
  artifactOciPlugin,
  artifactWasmPlugin,
  artifactEbpfPlugin,
  artifactTektonPlugin,
  tlogRekorPlugin,
  tsaRfc3161Plugin,
  policyCuePlugin,
  policyRegoPlugin,
  policyTsPlugin,
];

/** argv without the program, with `sget` prepended when invoked as sget. */
export function cliArgs(argv: string[], argv0: string): string[] {
  return /^sget(\.exe)?$/.test(basename(argv0)) ? ["sget", ...argv] : argv;
}

if (import.meta.main) {
  prepareCliProcess();
  const runtime = currentRuntime();
  // Bun-compiled binaries: argv = [exe, "/$bunfs/root/…", ...args]; Deno/Bun scripts: [runtime, script, ...].
  const args = cliArgs(process.argv.slice(2), process.argv0 ?? process.argv[0]);
  // Ctrl-C: the first aborts the command's signal so it unwinds (temporary files removed, token
  // sessions closed) and exits 130; a second one exits at once.
  const interrupt = new AbortController();
  process.on("SIGINT", () => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    interrupt.abort(new Error("interrupted"));
  });
  const code = await run(args, { runtime, builtins: BUILTIN_PLUGINS, interrupt: interrupt.signal });
  if (interrupt.signal.aborted) {
    // Cleaned up: now end as Unix tools do after Ctrl-C, killed by SIGINT (so a calling shell
    // script stops too; shells report 130).
    process.removeAllListeners("SIGINT");
    process.kill(process.pid, "SIGINT");
  }
  process.exit(code);
}
