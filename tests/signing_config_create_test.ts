/**
 * `signing-config create` (in process): cosign's documented example gives a signing config that
 * parses and selects the services it names; bad specs give clear usage errors.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../core/errors.ts";
import { parseSigningConfig } from "../core/signing_config.ts";
import { command } from "../cli/commands/signing_config_create.ts";
import { runCommand } from "./helpers/run_command.ts";

const create = (flags: Record<string, unknown>) => runCommand(command, flags);

const svc = (url: string, extra = "") =>
  `url=${url},api-version=1,start-time=2024-01-01T00:00:00Z${extra},operator=sigstore.dev`;

describe("signing-config create", () => {
  it("cosign's documented example", async () => {
    const text = await create({
      fulcio: [svc("https://fulcio.sigstore.dev", ",end-time=2025-01-01T00:00:00Z")],
      rekor: [svc("https://rekor.sigstore.dev")],
      "rekor-config": "ANY",
      "oidc-provider": [svc("https://oauth2.sigstore.dev/auth")],
      tsa: [svc("https://timestamp.sigstore.dev/api/v1/timestamp")],
      "tsa-config": "EXACT:1",
    });
    const j = JSON.parse(text);
    assert.equal(j.mediaType, "application/vnd.dev.sigstore.signingconfig.v0.2+json");
    assert.deepEqual(j.caUrls, [{
      url: "https://fulcio.sigstore.dev",
      majorApiVersion: 1,
      validFor: { start: "2024-01-01T00:00:00Z", end: "2025-01-01T00:00:00Z" },
      operator: "sigstore.dev",
    }]);
    assert.deepEqual(j.tsaConfig, { selector: "EXACT", count: 1 });
    const parsed = parseSigningConfig(text, "created");
    assert.equal(parsed.rekorTlogUrls[0].url, "https://rekor.sigstore.dev");
    assert.equal(parsed.oidcUrls[0].url, "https://oauth2.sigstore.dev/auth");
    assert.deepEqual(parsed.rekorTlogConfig, { selector: "ANY" });
  });
  it("bad input is a usage error naming the flag", async () => {
    const bad = async (flags: Record<string, unknown>, re: RegExp) =>
      await assert.rejects(
        create(flags),
        (e: unknown) => isCosignError(e, "USAGE") && re.test((e as Error).message),
      );
    await bad({ rekor: [svc("https://r")] }, /--rekor-config is required with --rekor/);
    await bad(
      { tsa: [svc("https://t")], "tsa-config": "SOME" },
      /Cannot parse --tsa-config "SOME"/,
    );
    await bad({
      fulcio: ["url=https://f,api-version=one,start-time=2024-01-01T00:00:00Z,operator=x"],
    }, /api-version "one"/);
    await bad({ fulcio: ["url=https://f,api-version=1,operator=x"] }, /"start-time" is missing/);
  });
});
