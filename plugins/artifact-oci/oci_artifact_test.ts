import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginRegistry } from "../../core/plugin.ts";
import { artifactBlobPlugin } from "../artifact-blob/mod.ts";
import { ociArtifactType } from "./oci_artifact.ts";
import { artifactOciPlugin } from "./plugin.ts";

describe("the oci artifact type", () => {
  it("claims image references and not local paths", () => {
    for (const r of ["ubuntu", "localhost:5000/a/b:v1", `ghcr.io/o/a@sha256:${"a".repeat(64)}`]) {
      assert.equal(ociArtifactType.claims(r), true, r);
    }
    for (const r of ["", "-", "./x", "/tmp/x", "../y", "UPPER/case", "a b"]) {
      assert.equal(ociArtifactType.claims(r), false, r);
    }
  });
  it("comes after the blob type, which takes existing files first (main.ts order)", async () => {
    const reg = new PluginRegistry();
    reg.register(artifactBlobPlugin);
    reg.register(artifactOciPlugin);
    const dir = await mkdtemp(join(tmpdir(), "oci-artifact-"));
    try {
      const file = join(dir, "app");
      await writeFile(file, "x");
      assert.equal(reg.artifactType(file)?.kind, "blob");
      assert.equal(reg.artifactType("localhost:5000/app:v1")?.kind, "oci");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("refuses digests other than sha256 for images", async () => {
    const ctx = { env: () => undefined, log: { info() {}, warn() {}, debug() {} } };
    // deno-lint-ignore no-explicit-any
    const a = await ociArtifactType.resolve("localhost:1/x:v1", ctx as any);
    await assert.rejects(a.digest("sha512"), /addressed by sha256/);
  });
});
