import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CosignError, isCosignError } from "../core/errors.ts";
import {
  atomicTempName,
  openAtomicFile,
  removeStaleTemps,
  writeFileAtomic,
} from "./atomic_file.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "atomic-file-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync("true");
  return r.pid!;
}

describe("runtime/atomic_file", () => {
  it("writes the content and leaves only the target", async () => {
    await withDir(async (dir) => {
      const p = join(dir, "out.sig");
      await writeFileAtomic(p, "hello", 0o600);
      assert.equal(await readFile(p, "utf8"), "hello");
      assert.deepEqual(await readdir(dir), ["out.sig"]);
      if (process.platform !== "win32") assert.equal((await stat(p)).mode & 0o777, 0o600);
    });
  });

  it("replaces a symlink at the target instead of writing through it", async () => {
    await withDir(async (dir) => {
      const outside = join(dir, "outside.txt");
      await writeFile(outside, "precious");
      const p = join(dir, "out.bin");
      await symlink(outside, p);
      await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
      assert.equal(await readFile(outside, "utf8"), "precious");
      assert.ok((await lstat(p)).isFile());
      assert.deepEqual(new Uint8Array(await readFile(p)), new Uint8Array([1, 2, 3]));
    });
  });

  it("uses an unpredictable temporary name", () => {
    const a = atomicTempName("/x/out.bin");
    const b = atomicTempName("/x/out.bin");
    assert.notEqual(a, b);
    assert.match(a, new RegExp(`^/x/\\.out\\.bin\\.cosign-ts-${process.pid}-[0-9a-f]{16}\\.tmp$`));
  });

  it("fails with a CosignError naming the path, and leaves nothing behind", async () => {
    await withDir(async (dir) => {
      const p = join(dir, "missing", "out.sig");
      await assert.rejects(writeFileAtomic(p, "x"), (e: unknown) => {
        assert.ok(e instanceof CosignError);
        assert.equal(e.code, "IO");
        assert.match(e.message, /Cannot write ".*missing\/out\.sig": its directory does not exist/);
        return true;
      });
      // Renaming over a directory fails after the data was written: the temp file goes too.
      await writeFile(join(dir, "keep"), "");
      const asDir = join(dir, "sub");
      await mkdir(join(asDir, "child"), { recursive: true });
      await assert.rejects(writeFileAtomic(asDir, "x"), CosignError);
      assert.deepEqual((await readdir(dir)).sort(), ["keep", "sub"]);
    });
  });

  it("abort removes the temporary file and nothing appears at the target", async () => {
    await withDir(async (dir) => {
      const p = join(dir, "big.bin");
      const f = await openAtomicFile(p, { mode: 0o644 });
      await f.write(new Uint8Array(1024));
      assert.ok((await lstat(f.tempPath)).isFile());
      await f.abort();
      await f.abort();
      assert.deepEqual(await readdir(dir), []);
    });
  });

  it("exactMode sets the mode regardless of the umask", async () => {
    if (process.platform === "win32") return;
    await withDir(async (dir) => {
      const old = process.umask(0o077);
      try {
        const p = join(dir, "k.pub");
        await writeFileAtomic(p, "pub", { mode: 0o644, exactMode: true });
        assert.equal((await stat(p)).mode & 0o777, 0o644);
      } finally {
        process.umask(old);
      }
    });
  });

  it("removes temporary files of dead processes for the same target only", async () => {
    await withDir(async (dir) => {
      const p = join(dir, "big.bin");
      const dead = join(dir, `.big.bin.cosign-ts-${deadPid()}-00aa11bb22cc33dd.tmp`);
      const mine = join(dir, `.big.bin.cosign-ts-${process.pid}-00aa11bb22cc33dd.tmp`);
      const other = join(dir, `.other.bin.cosign-ts-${deadPid()}-00aa11bb22cc33dd.tmp`);
      const outside = join(dir, "outside");
      const link = join(dir, `.big.bin.cosign-ts-${deadPid()}-11aa11bb22cc33dd.tmp`);
      for (const f of [dead, mine, other, outside]) await writeFile(f, "x");
      await symlink(outside, link);
      assert.equal(await removeStaleTemps(p), 1);
      const left = await readdir(dir);
      assert.ok(!left.includes(dead.slice(dir.length + 1)));
      for (const f of [mine, other, outside, link]) {
        assert.ok(left.includes(f.slice(dir.length + 1)), f);
      }

      await writeFile(dead, "x");
      const f = await openAtomicFile(p, { removeStale: true });
      await f.abort();
      assert.ok(!(await readdir(dir)).includes(dead.slice(dir.length + 1)));
    });
  });

  // Moved from cli/atomic_write_test.ts and plugins/key-file/atomic_write_test.ts (the two
  // former homes), assertions unchanged.
  it("writes text and bytes with mode 0600, replacing an existing file", async () => {
    await withDir(async (dir) => {
      const p = join(dir, "out.sig");
      await writeFile(p, "old content that is longer");
      await writeFileAtomic(p, "new");
      assert.equal(await readFile(p, "utf8"), "new");
      assert.equal((await stat(p)).mode & 0o777, 0o600);
      await writeFileAtomic(p, new Uint8Array([1, 2, 3]), 0o644);
      assert.deepEqual(new Uint8Array(await readFile(p)), new Uint8Array([1, 2, 3]));
      assert.deepEqual(await readdir(dir), ["out.sig"]);
    });
  });

  it("writes with the requested mode, replaces existing files, leaves no temp files", async () => {
    await withDir(async (dir) => {
      const p = join(dir, "a.key");
      await writeFile(p, "old", { mode: 0o644 });
      await writeFileAtomic(p, "new secret", 0o600);
      assert.equal(await readFile(p, "utf8"), "new secret");
      assert.equal((await stat(p)).mode & 0o777, 0o600);
      await writeFileAtomic(join(dir, "b.pub"), new Uint8Array([1, 2]), 0o644);
      assert.equal((await stat(join(dir, "b.pub"))).mode & 0o777, 0o644);
      assert.deepEqual((await readdir(dir)).sort(), ["a.key", "b.pub"]);
    });
  });

  it("fails with an IO error naming the path and leaves nothing behind", async () => {
    await withDir(async (dir) => {
      await assert.rejects(
        writeFileAtomic(join(dir, "missing", "x"), "a"),
        (e) => isCosignError(e, "IO") && /directory does not exist/.test(e.message),
      );
      await writeFileAtomic(join(dir, "out.sig"), "x");
      const target = join(dir, "a-dir");
      await mkdir(target);
      await assert.rejects(writeFileAtomic(target, "a"), (e) => isCosignError(e, "IO"));
      assert.deepEqual((await readdir(dir)).sort(), ["a-dir", "out.sig"]);
      assert.deepEqual(await readdir(target), []);
      await assert.rejects(
        writeFileAtomic(join(dir, "missing-dir", "x.key"), "x", 0o600),
        (e: unknown) => {
          assert.ok(isCosignError(e, "IO"));
          assert.match(e.message, /missing-dir/);
          return true;
        },
      );
    });
  });
});
