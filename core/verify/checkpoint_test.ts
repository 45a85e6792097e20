import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../errors.ts";
import { parseCheckpoint } from "./checkpoint.ts";

const REAL = "rekor.sigstore.dev - 1193050959916656506\n46800506\n" +
  "UwYvBhbfZgoyJ/HqARKhExgzALK6fluhbUSp5RaSai0=\n\n" +
  "\u2014 rekor.sigstore.dev wNI9ajBFAiAXulrSrSNrVQgAVW4p5YBhXJEkOxCT1Zu9fdWpmeEu1QIhANZsrJ2o38g2VDIHoVd8Fj5sn3tGcMw/8Cv2BFlsiSau\n";

describe("signed-note checkpoints", () => {
  it("parses a real Rekor checkpoint: origin, size, root, key hint", () => {
    const c = parseCheckpoint(REAL);
    assert.equal(c.origin, "rekor.sigstore.dev - 1193050959916656506");
    assert.equal(c.size, 46800506n);
    assert.equal(c.rootHash.length, 32);
    assert.equal(c.note, REAL.slice(0, REAL.indexOf("\n\n") + 1));
    assert.equal(c.signatures.length, 1);
    assert.deepEqual([...c.signatures[0].keyHint], [0xc0, 0xd2, 0x3d, 0x6a]);
  });
  it("keeps extra header lines in the signed note and accepts witness cosignatures", () => {
    const cp = REAL.replace("\n\n", "\nTimestamp: 1\n\n") + "\u2014 witness AAAAAAAAAAAA\n";
    const c = parseCheckpoint(cp);
    assert.match(c.note, /Timestamp: 1\n$/);
    assert.equal(c.signatures.length, 2);
  });
  for (
    const [name, text] of [
      ["no blank line", "a\n1\nAAAA\n"],
      ["two header lines", "a\n1\n\n\u2014 a AAAAAAAA\n"],
      ["bad size", REAL.replace("46800506", "12x")],
      ["bad root", REAL.replace("UwYvBhbf", "Uw")],
      ["no signatures", REAL.slice(0, REAL.indexOf("\n\n") + 2)],
      ["garbage signature line", REAL.replace("\u2014 rekor", "- rekor")],
      ["short signature", REAL.replace(/wNI9[^\n]+/, "AAAA")],
    ]
  ) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseCheckpoint(text),
        (e) => isCosignError(e, "VERIFY") && /checkpoint/.test(e.message),
      );
    });
  }
});
