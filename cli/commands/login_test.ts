import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../../core/errors.ts";
import type { Invocation } from "../../core/plugin.ts";
import { command } from "./login.ts";

function login(stdin: Uint8Array<ArrayBuffer>): Promise<unknown> {
  return command.run({
    args: ["localhost:5000"],
    flags: { username: "alice", "password-stdin": true },
    io: {
      out: () => Promise.resolve(),
      err() {},
      stdin: () => new Response(stdin).body!,
    },
  } as unknown as Invocation);
}

describe("login --password-stdin", () => {
  it("refuses a password over 64 KiB", async () => {
    await assert.rejects(
      login(new Uint8Array(64 * 1024 + 1).fill(0x61)),
      (e) =>
        isCosignError(e, "TOO_LARGE") &&
        e.message === "Cannot read the password from standard input: over 64 KiB",
    );
  });
  it("an empty password (one newline) is a usage error", async () => {
    await assert.rejects(
      login(new TextEncoder().encode("\n")),
      (e) => isCosignError(e, "USAGE") && /username and password required/.test(e.message),
    );
  });
});
