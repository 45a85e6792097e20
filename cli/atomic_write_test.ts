import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCosignError } from "../core/errors.ts";
import { writeFileAtomic } from "./atomic_write.ts";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "atomic-write-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("writes text and bytes with mode 0600, replacing an existing file", async () => {
    const p = join(dir, "out.sig");
    writeFileSync(p, "old content that is longer");
    await writeFileAtomic(p, "new");
    assert.equal(readFileSync(p, "utf8"), "new");
    assert.equal(statSync(p).mode & 0o777, 0o600);
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]), 0o644);
    assert.deepEqual(new Uint8Array(readFileSync(p)), new Uint8Array([1, 2, 3]));
    assert.deepEqual(readdirSync(dir), ["out.sig"]);
  });

  it("fails with an IO error naming the path and leaves nothing behind", async () => {
    await assert.rejects(
      writeFileAtomic(join(dir, "missing", "x"), "a"),
      (e) => isCosignError(e, "IO") && /directory does not exist/.test(e.message),
    );
    const target = join(dir, "a-dir");
    mkdirSync(target);
    await assert.rejects(writeFileAtomic(target, "a"), (e) => isCosignError(e, "IO"));
    assert.deepEqual(readdirSync(dir).sort(), ["a-dir", "out.sig"]);
    assert.deepEqual(readdirSync(target), []);
  });
});
