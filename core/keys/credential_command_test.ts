import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CredentialCommandFailure, runCredentialCommand } from "./credential_command.ts";

/** Runs `sh -c script` and returns its output, or the failure it was sorted into. */
async function run(
  script: string,
  options: { timeoutMs?: number; signal?: AbortSignal; env?: Record<string, string> } = {},
  file = "sh",
): Promise<string | CredentialCommandFailure> {
  let seen: CredentialCommandFailure | undefined;
  try {
    return await runCredentialCommand(file, ["-c", script], {
      timeoutMs: options.timeoutMs ?? 10_000,
      signal: options.signal,
      env: options.env,
    }, (f) => {
      seen = f;
      return new Error(f.kind);
    });
  } catch (e) {
    assert.equal((e as Error).message, seen?.kind);
    return seen!;
  }
}

describe("runCredentialCommand", () => {
  it("returns standard output; passes the environment", async () => {
    assert.equal(await run('printf "%s" "$TOKEN"', { env: { TOKEN: "t0k" } }), "t0k");
  });

  it("sorts failures: not installed, failed with its error output, over time, cancelled", async () => {
    assert.deepEqual(await run("true", {}, "/nonexistent/credential-helper"), {
      kind: "not-found",
    });
    assert.deepEqual(await run("echo no login >&2; exit 3"), {
      kind: "failed",
      output: "no login\n",
    });
    assert.deepEqual(await run("sleep 5", { timeoutMs: 200 }), { kind: "timed-out" });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    assert.deepEqual(await run("sleep 5", { signal: abort.signal }), { kind: "cancelled" });
  });
});
