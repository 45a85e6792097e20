/**
 * Atomic output files for commands: re-exports the one implementation in
 * `runtime/atomic_file.ts` (random temporary name, exclusive no-follow create, fsync, rename,
 * nothing left on failure).
 *
 * @example
 * ```ts
 * await writeFileAtomic("artifact.sig", "MEUCIQ…", 0o600);
 * ```
 * @module
 */
export {
  type AtomicFile,
  type AtomicFileOptions,
  openAtomicFile,
  writeFileAtomic,
} from "../runtime/atomic_file.ts";
