/**
 * The embedded staging TUF root (core/trust/staging.ts, from scripts/trust/, provenance in the
 * README there) is intact: its root role's threshold of signatures verifies over its canonical
 * JSON, as any TUF client checks it. And `initialize --staging` refuses a conflicting --mirror.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { STAGING_TUF_MIRROR, STAGING_TUF_ROOT } from "../core/trust/staging.ts";
import { verifyRoleSignatures } from "../core/trust/tuf_client.ts";
import { isCosignError } from "../core/errors.ts";
import type { Invocation } from "../core/plugin.ts";
import { command } from "../cli/commands/initialize.ts";

describe("embedded staging TUF root", () => {
  it("is the staging repository's root, self-signed by its threshold", async () => {
    assert.equal(STAGING_TUF_MIRROR, "https://tuf-repo-cdn.sigstage.dev");
    const root = JSON.parse(STAGING_TUF_ROOT);
    assert.equal(root.signed._type, "root");
    assert.equal(root.signed.version, 12);
    await verifyRoleSignatures(root, root, "root", "staging root.json");
    assert.equal(
      STAGING_TUF_ROOT,
      readFileSync(
        new URL("../scripts/trust/tuf-repo-cdn.sigstage.dev.root.json", import.meta.url),
        "utf8",
      ),
    );
  });
  it("a changed byte breaks it", async () => {
    const root = JSON.parse(STAGING_TUF_ROOT);
    root.signed.expires = "2035-12-26T13:27:03Z";
    await assert.rejects(
      verifyRoleSignatures(root, root, "root", "staging root.json"),
      (e: unknown) =>
        isCosignError(e, "VERIFY") &&
        /0 valid "root" signatures, 2 required/.test((e as Error).message),
    );
  });
  it("initialize --staging with another --mirror is a usage error", async () => {
    await assert.rejects(
      command.run({
        args: [],
        flags: { staging: true, mirror: "https://tuf.example.com" },
        ctx: undefined,
        io: { out: () => Promise.resolve(), err() {} },
      } as unknown as Invocation),
      (e: unknown) =>
        isCosignError(e, "USAGE") && /--staging and --mirror/.test((e as Error).message),
    );
  });
});
