/**
 * Makes the library importable by plugins loaded at run time: in the compiled binary (Bun), the
 * bare specifiers `cosign-ts` and `cosign-ts/mod.ts` become virtual modules whose exports are the
 * binary's own `mod.ts`, so a plugin written anywhere on disk can
 * `import { definePlugin, CosignError } from "cosign-ts"` without a copy of the library next to
 * it (and shares the binary's classes: `instanceof` works both ways).
 *
 * Under Deno there is no run-time module hook: the repository's deno.json maps `cosign-ts` to
 * `./mod.ts`, and plugins elsewhere bring an import map of their own (see the README, "Plugins").
 *
 * @example
 * ```ts
 * registerLibraryModule(await import("../mod.ts"));
 * const mod = await import(pathToFileURL("/elsewhere/my_plugin.ts").href);
 * ```
 * @module
 */

/** The specifiers a plugin may import the library by. */
export const LIBRARY_SPECIFIERS: readonly string[] = ["cosign-ts", "cosign-ts/mod.ts"];

let registered = false;

/**
 * Registers `lib` as the module `cosign-ts` (and `cosign-ts/mod.ts`) for every module imported
 * afterwards. Returns true when registered (Bun, once per process; later calls are no-ops that
 * also return true), false where the runtime has no such hook (Deno, Node). Never throws.
 */
export function registerLibraryModule(lib: Record<string, unknown>): boolean {
  if (registered) return true;
  // deno-lint-ignore no-explicit-any
  const B = (globalThis as any).Bun;
  if (!B || typeof B.plugin !== "function") return false;
  const exports = { ...lib };
  try {
    B.plugin({
      name: "cosign-ts library",
      // deno-lint-ignore no-explicit-any
      setup(build: any) {
        for (const spec of LIBRARY_SPECIFIERS) {
          build.module(spec, () => ({ exports, loader: "object" }));
        }
      },
    });
  } catch {
    return false; // plugins importing "cosign-ts" then fail to load, with a clear message
  }
  registered = true;
  return true;
}
