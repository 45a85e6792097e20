/**
 * recognizesRekorEntry without @scure/base: Rekor kinds always, other kinds only when the log ID
 * is the strict (padded, canonical) base64 of a log of the trusted root, as @scure/base decodes
 * it; never throws.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { base64 } from "@scure/base";
import { recognizesRekorEntry } from "./recognize_entry.ts";

const logId = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const trust = { tlogs: [{ logId }] };
const entry = (keyId: unknown, kind = "file-record") => ({
  logId: { keyId },
  kindVersion: { kind, version: "1" },
});

describe("recognizesRekorEntry", () => {
  it("takes every Rekor kind, from any log", () => {
    for (const kind of ["hashedrekord", "dsse", "intoto", "rekord"]) {
      assert.equal(recognizesRekorEntry(entry("AAAA", kind), undefined), true);
    }
  });

  it("takes another kind only from a log of the trusted root, named in canonical base64", () => {
    const canonical = base64.encode(logId);
    assert.equal(recognizesRekorEntry(entry(canonical), trust), true);
    assert.equal(recognizesRekorEntry(entry(canonical), { tlogs: [] }), false);
    assert.equal(recognizesRekorEntry(entry(canonical), undefined), false);
    // Forms atob would take but @scure/base refuses: unpadded, with whitespace, non-zero pad bits.
    assert.equal(recognizesRekorEntry(entry(canonical.replace(/=+$/, "")), trust), false);
    assert.equal(recognizesRekorEntry(entry(` ${canonical}`), trust), false);
    assert.ok(canonical.endsWith("o=")); // "p" differs only in the two pad bits
    assert.equal(recognizesRekorEntry(entry(canonical.replace(/o=$/, "p=")), trust), false);
  });

  it("never throws on malformed entries", () => {
    assert.equal(recognizesRekorEntry({}, trust), false);
    assert.equal(recognizesRekorEntry(entry(42), trust), false);
    assert.equal(recognizesRekorEntry(entry("not base64!"), trust), false);
    assert.equal(recognizesRekorEntry(entry("é"), trust), false);
  });
});
