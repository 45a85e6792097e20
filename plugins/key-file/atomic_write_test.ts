import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCosignError } from "../../core/errors.ts";
import { writeFileAtomic } from "./atomic_write.ts";

describe("atomic_write", () => {
  it("writes with the requested mode, replaces existing files, leaves no temp files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    try {
      const p = join(dir, "a.key");
      writeFileSync(p, "old", { mode: 0o644 });
      await writeFileAtomic(p, "new secret", 0o600);
      assert.equal(readFileSync(p, "utf8"), "new secret");
      assert.equal(statSync(p).mode & 0o777, 0o600);
      await writeFileAtomic(join(dir, "b.pub"), new Uint8Array([1, 2]), 0o644);
      assert.equal(statSync(join(dir, "b.pub")).mode & 0o777, 0o644);
      assert.deepEqual(readdirSync(dir).sort(), ["a.key", "b.pub"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with an IO error naming the path and leaves nothing behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    try {
      const p = join(dir, "missing-dir", "x.key");
      await assert.rejects(writeFileAtomic(p, "x", 0o600), (e: unknown) => {
        assert.ok(isCosignError(e, "IO"));
        assert.match(e.message, /missing-dir/);
        return true;
      });
      // Target is a directory: rename fails, the temp file is removed.
      await assert.rejects(writeFileAtomic(dir, "x", 0o600), (e) => isCosignError(e, "IO"));
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
