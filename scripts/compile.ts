/**
 * Builds the single executable `dist/cosign-ts` with `bun build --compile` (deno compile needs a
 * download this network cannot reach), and `dist/sget`, a link to it.
 *
 * Usage: deno task compile   (or: bun scripts/compile.ts)
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
mkdirSync(dist, { recursive: true });
// Run by bun itself (`bun scripts/compile.ts`, as the demo does through npx), use that bun.
const bun = process.versions.bun ? process.execPath : join(root, "node_modules", ".bin", "bun");
if (!existsSync(bun)) {
  console.error("Error: node_modules/.bin/bun is missing. Run `npm ci` first.");
  process.exit(1);
}
const out = join(dist, "cosign-ts");
const tmp = `${out}.${process.pid}.tmp`;
const r = spawnSync(
  bun,
  [
    "build",
    "--compile",
    "--minify",
    "--splitting",
    // Bytecode: start-up skips parsing (about 15-25% less CPU for version/verify-blob);
    // with ESM output it accepts main.ts's top-level await.
    "--bytecode",
    // JIT tier-up thresholds 16 times the default: a command lives 30-300 ms, and compiling the
    // code it makes hot cost more CPU (on JavaScriptCore's compiler threads) than it saved.
    // Measured on the binary (interleaved medians): image verify 1 / 50 signatures 121 / 174 ->
    // 110 / 139 ms CPU, 400 signatures 439 -> 384 ms, keyless verify-blob 78-83 -> 70-80 ms,
    // `version` 50 -> 40 ms; a JavaScript-heavy 16 MiB attest-blob predicate 2.2-2.5 -> 2.2-2.65 s
    // (higher scales cost that case more: 100: +8%, 1000: +25%). Loops still tier up, later.
    "--compile-jit-policy=16",
    "--format=esm",
    "--sourcemap=none",
    join(root, "main.ts"),
    "--outfile",
    tmp,
  ],
  { stdio: ["ignore", "inherit", "inherit"], cwd: root },
);
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  console.error("Error: bun build --compile failed");
  process.exit(r.status ?? 1);
}
rmSync(out, { force: true });
linkSync(tmp, out);
rmSync(tmp, { force: true });
const sget = join(dist, "sget");
rmSync(sget, { force: true });
linkSync(out, sget);
console.error(`built ${out} (and ${sget})`);
