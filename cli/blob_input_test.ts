import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCosignError } from "../core/errors.ts";
import { MAX_SIGNATURE_BYTES, readBundleFile, readSignatureArg } from "./blob_input.ts";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "blob-input-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

describe("--signature values", () => {
  it("accepts base64 text, base64 files (with a newline) and raw files", async () => {
    const raw = new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0xff]);
    const b64 = Buffer.from(raw).toString("base64");
    assert.deepEqual(await readSignatureArg(b64), raw);
    assert.deepEqual(await readSignatureArg(file("b64.sig", b64 + "\n")), raw);
    assert.deepEqual(await readSignatureArg(file("raw.sig", raw)), raw);
  });

  it("refuses PEM, empty, oversized and non-base64 text clearly", async () => {
    const pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";
    await assert.rejects(
      readSignatureArg(file("k.pub", pem)),
      (e) => isCosignError(e, "INVALID_INPUT") && /PEM "PUBLIC KEY"/.test(e.message),
    );
    await assert.rejects(
      readSignatureArg(file("empty.sig", "")),
      (e) => isCosignError(e, "INVALID_INPUT") && /empty/.test(e.message),
    );
    await assert.rejects(
      readSignatureArg(file("huge.sig", new Uint8Array(MAX_SIGNATURE_BYTES + 1))),
      (e) => isCosignError(e, "TOO_LARGE"),
    );
    await assert.rejects(
      readSignatureArg("not a signature"),
      (e) => isCosignError(e, "INVALID_INPUT") && /neither a file nor base64/.test(e.message),
    );
  });
});

describe("--bundle files", () => {
  it("tells the two formats apart and rejects anything else", async () => {
    const legacy = await readBundleFile(file("l.json", '{"base64Signature":"AAAA"}'));
    // (readBundleFile now returns the stored signature: the legacy form, not a bundle)
    assert.equal(legacy.legacy !== undefined && legacy.bundle === undefined, true);
    await assert.rejects(
      readBundleFile(file("x.json", '{"foo":1}')),
      (e) => isCosignError(e, "INVALID_INPUT") && /neither a Sigstore bundle/.test(e.message),
    );
    await assert.rejects(
      readBundleFile(file("bad.json", "{")),
      (e) => isCosignError(e, "INVALID_INPUT") && /not valid JSON/.test(e.message),
    );
    await assert.rejects(
      readBundleFile(join(dir, "missing.json")),
      (e) => isCosignError(e, "NOT_FOUND"),
    );
    await assert.rejects(readBundleFile(dir), (e) => isCosignError(e, "IO"));
  });
});
