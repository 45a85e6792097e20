/**
 * The full test run: build dist/cosign-ts, run every test file under `deno test`, then the unit
 * tests again under `bun test` (the shipped binary runs on Bun). The build prints
 * "compile: ok (built dist/cosign-ts)"; each test step prints "<step>: N passed, N failed", and
 * a closing "N passed, N failed" line sums them. Every step is killed after 40 minutes; exits
 * non-zero on any failure.
 *
 * Usage: deno task test [-- extra deno test args]
 * @module
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

/** No step may run longer than this (a hung test must not hang the run): 40 minutes. */
const STEP_TIMEOUT_MS = 40 * 60 * 1000;

function step(
  label: string,
  cmd: string,
  args: string[],
  counts = true,
): { passed: number; failed: number; ok: boolean } {
  console.log(`\n=== ${label}: ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1" },
    timeout: STEP_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  process.stdout.write(r.stdout ?? "");
  process.stderr.write(r.stderr ?? "");
  const timedOut = r.signal === "SIGKILL" && r.status === null;
  if (timedOut) console.log(`${label}: killed after ${STEP_TIMEOUT_MS / 60000} minutes`);
  if (!counts) {
    // A build, not tests: say what happened instead of "0 passed, 0 failed".
    const ok = r.status === 0;
    console.log(
      ok
        ? `${label}: ok (built dist/cosign-ts)`
        : `${label}: FAILED (${timedOut ? "timed out" : `exit ${r.status ?? r.signal}`})`,
    );
    return { passed: 0, failed: ok ? 0 : 1, ok };
  }
  const text = (r.stdout ?? "") + (r.stderr ?? "");
  // deno: "ok | 12 passed (3 steps) | 0 failed"; bun: " 12 pass" / " 0 fail"
  let passed = 0, failed = 0;
  const d = /(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/.exec(text);
  if (d) {
    passed = Math.max(Number(d[1]), Number(d[2] ?? 0));
    failed = Math.max(Number(d[3]), Number(d[4] ?? 0));
  } else {
    const p = /^\s*(\d+) pass$/m.exec(text);
    const f = /^\s*(\d+) fail$/m.exec(text);
    passed = p ? Number(p[1]) : 0;
    failed = f ? Number(f[1]) : 0;
  }
  const ok = r.status === 0;
  if (!ok && failed === 0) failed = 1;
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  return { passed, failed, ok };
}

const extra = process.argv.slice(2);
const results = [
  step("compile", bin("deno"), ["run", "-A", "scripts/compile.ts"], false),
];
if (results[0].ok) {
  results.push(step("deno", bin("deno"), ["test", "-A", "--no-check", "--parallel", ...extra]));
  results.push(
    step("bun", bin("bun"), [
      "test",
      "--timeout",
      "60000",
      // "./dir" is a path; a bare "cli" would also match tests/registry_client_test.ts.
      "./core",
      "./plugins",
      "./cli",
      "./oci",
      "./runtime",
    ]),
  );
}
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
