import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "./errors.ts";
import { findDuplicateKey, rejectDuplicateKeys } from "./strict_json.ts";

describe("core/strict_json", () => {
  it("accepts any JSON whose keys are distinct", () => {
    const texts = [
      '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
      '[1,"x",{"k":"v\\"}{,:"},null,true]',
      '{"a\\"b":1,"a\\\\":2,"\\u0062":3,"a":4}',
      '"just a string"',
      " { } ",
      '{"":1,"x":[],"y":{}}',
    ];
    for (const t of texts) {
      JSON.parse(t);
      assert.equal(findDuplicateKey(t), undefined, t);
      rejectDuplicateKeys(t, "doc");
    }
    rejectDuplicateKeys(new TextEncoder().encode('{"é":1}'), "doc");
    assert.throws(() => rejectDuplicateKeys(new TextEncoder().encode('{"é":1,"é":2}'), "doc"));
  });

  it("refuses a repeated key and names it and its place", () => {
    const cases: [string, string, string][] = [
      ['{"a":1,"a":2}', "a", "$"],
      ['{"x":{"payload":"A","payload":"B"}}', "payload", "$.x"],
      ['{"sigs":[{"k":1},{"sig":"a","k":0,"sig":"b"}]}', "sig", "$.sigs[1]"],
      ['{"a":1,"\\u0061":2}', "a", "$"],
      ['{"we ird":{"b":[1,2,{"c":1,"c":1}]}}', "c", '$["we ird"].b[2]'],
      // escapes far apart, in values and keys, before and after plain strings
      ['{"p":"plain","v":"a\\\\b","q":"x","k\\"1":1,"r":"y","k\\"1":2}', 'k"1', "$"],
      ['{"e":"\\"","f":"plain","g":"\\\\","f":0}', "f", "$"],
    ];
    for (const [text, key, path] of cases) {
      assert.deepEqual(findDuplicateKey(text), { key, path });
      assert.throws(() => rejectDuplicateKeys(text, 'bundle "x.json"'), (e: unknown) => {
        assert.ok(isCosignError(e, "INVALID_INPUT"));
        assert.equal(
          e.message,
          `Cannot accept bundle "x.json": the key ${JSON.stringify(key)} appears twice in ${path}`,
        );
        assert.ok(e.hint);
        return true;
      });
    }
  });

  it("keys in different objects or inside strings are not repeats", () => {
    assert.equal(findDuplicateKey('{"a":{"a":{"a":1}},"b":"\\"a\\":1,\\"a\\":2"}'), undefined);
    assert.equal(findDuplicateKey('[{"a":1},{"a":1}]'), undefined);
  });

  it("uses the given code and check", () => {
    assert.throws(
      () => rejectDuplicateKeys('{"a":1,"a":1}', "payload", { code: "VERIFY", check: "claims" }),
      (e: unknown) => isCosignError(e, "VERIFY") && e.check === "claims",
    );
  });

  it("handles deep nesting without recursion", () => {
    const deep = "[".repeat(50_000) + '{"a":1,"a":2}' + "]".repeat(50_000);
    let ok = true;
    try {
      JSON.parse(deep);
    } catch {
      ok = false; // the runtime's own depth limit: nothing to compare
    }
    if (ok) assert.equal(findDuplicateKey(deep)?.key, "a");
  });
});
