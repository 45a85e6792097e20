import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type Artifact,
  type ArtifactType,
  contentArtifactType,
  definePlugin,
  type KeyProvider,
  PluginRegistry,
} from "./plugin.ts";
import { isCosignError } from "./errors.ts";

function provider(scheme: string): KeyProvider {
  return {
    scheme,
    description: scheme,
    signer: () => Promise.reject(new Error(`signer ${scheme}`)),
  };
}

describe("PluginRegistry", () => {
  it("dispatches key references by scheme, and plain paths to file", () => {
    const r = new PluginRegistry();
    r.register(
      definePlugin({
        name: "a",
        apiVersion: 1,
        keys: [provider("file"), provider("hashivault"), provider("pkcs11")],
      }),
    );
    assert.equal(r.keyProvider("cosign.key").provider.scheme, "file");
    assert.equal(r.keyProvider("./dir/x.pub").provider.scheme, "file");
    assert.equal(r.keyProvider("hashivault://k").provider.scheme, "hashivault");
    assert.equal(r.keyProvider("pkcs11:token=t;object=o").provider.scheme, "pkcs11");
    assert.throws(
      () => r.keyProvider("awskms:///alias/x"),
      (e) => isCosignError(e, "UNSUPPORTED") && /awskms/.test(e.message),
    );
  });
  it("routes urlSchemes to their provider unless a provider registers the scheme", () => {
    const r = new PluginRegistry();
    const file = { ...provider("file"), urlSchemes: ["env", "https"] };
    r.register(definePlugin({ name: "key-file", apiVersion: 1, keys: [file] }));
    assert.equal(r.keyProvider("env://SIGNING_KEY").provider, file);
    assert.equal(r.keyProvider("https://example.com/cosign.pub").provider, file);
    assert.throws(
      () => r.keyProvider("gcpkms://projects/p"),
      (e) => isCosignError(e, "UNSUPPORTED") && /Known key schemes: file, env, https/.test(e.hint!),
    );
    // A plugin registering the scheme wins over the fallback, without a conflict.
    const env = provider("env");
    r.register(definePlugin({ name: "example-env-key", apiVersion: 1, keys: [env] }), "./x.ts");
    assert.equal(r.keyProvider("env://SIGNING_KEY").provider, env);
    assert.throws(
      () =>
        r.register({ name: "bad", apiVersion: 1, keys: [{ ...provider("b"), urlSchemes: "env" }] }),
      (e) => isCosignError(e, "PLUGIN") && /urlSchemes/.test(e.message),
    );
  });
  it("dispatches artifacts by claims(), first claimant wins", async () => {
    const r = new PluginRegistry();
    const mk = (kind: string, re: RegExp) => ({
      kind,
      description: kind,
      claims: (ref: string) => re.test(ref),
      resolve: (ref: string) =>
        Promise.resolve({
          kind,
          ref,
          digest: () => Promise.resolve({ algorithm: "sha256" as const, hex: "" }),
        }),
    });
    r.register({ name: "w", apiVersion: 1, artifacts: [mk("wasm", /\.wasm$/), mk("blob", /./)] });
    // deno-lint-ignore no-explicit-any
    const ctx = {} as any;
    assert.equal((await r.resolve("m.wasm", ctx)).kind, "wasm");
    assert.equal((await r.resolve("x.bin", ctx)).kind, "blob");
  });
  it("rejects wrong apiVersion, bad shapes and duplicate schemes", () => {
    const r = new PluginRegistry();
    assert.throws(
      () => r.register({ name: "x", apiVersion: 2 }),
      (e) => isCosignError(e, "PLUGIN") && /apiVersion 2/.test(e.message),
    );
    assert.throws(
      () => r.register({ apiVersion: 1 }),
      (e) => isCosignError(e, "PLUGIN") && /no name/.test(e.message),
    );
    assert.throws(() => r.register(null), (e) => isCosignError(e, "PLUGIN"));
    assert.throws(
      () => r.register({ name: "k", apiVersion: 1, keys: [{ scheme: "x" }] }),
      (e) => isCosignError(e, "PLUGIN"),
    );
    r.register({ name: "a", apiVersion: 1, keys: [provider("dup")] });
    assert.throws(
      () => r.register({ name: "b", apiVersion: 1, keys: [provider("dup")] }),
      (e) => isCosignError(e, "PLUGIN") && /already/.test(e.message),
    );
  });
});

describe("PluginRegistry.describe", () => {
  const stored = {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.x.config+json",
      digest: "sha256:" + "a".repeat(64),
      size: 2,
    },
    layers: [],
  };
  // deno-lint-ignore no-explicit-any
  const ctx = {} as any;
  const base = (own?: string[]): Artifact => ({
    kind: "oci",
    ref: "r/app:v1",
    digest: () => Promise.resolve({ algorithm: "sha256", hex: "b".repeat(64) }),
    describe: own ? () => Promise.resolve(own) : undefined,
    manifest: () => Promise.resolve(stored),
  });
  const contentType = (kind: string, configType: string): ArtifactType => ({
    kind,
    description: kind,
    claims: () => false,
    resolve: () => Promise.reject(new Error("unused")),
    describeStored: async (a) => {
      const m = await a.manifest?.(ctx);
      return m?.config.mediaType === configType ? [`${kind} content`] : undefined;
    },
  });

  it("asks content plugins when the artifact does not describe itself; the first that recognises it answers", async () => {
    const reg = new PluginRegistry();
    reg.register(
      definePlugin({ name: "a", apiVersion: 1, artifacts: [contentType("other", "x")] }),
    );
    reg.register(
      definePlugin({
        name: "b",
        apiVersion: 1,
        artifacts: [contentType("mine", "application/vnd.x.config+json")],
      }),
    );
    assert.deepEqual(await reg.describe(base(), ctx), ["mine content"]);
    assert.deepEqual(await reg.describe(base(["own line"]), ctx), ["own line"]);
  });

  it("is empty when no plugin recognises the artifact", async () => {
    const reg = new PluginRegistry();
    reg.register(
      definePlugin({ name: "a", apiVersion: 1, artifacts: [contentType("other", "x")] }),
    );
    assert.deepEqual(await reg.describe(base(), ctx), []);
  });
});

describe("contentArtifactType", () => {
  it("claims nothing, refuses to resolve with UNSUPPORTED, and describes through its function", async () => {
    // deno-lint-ignore no-explicit-any
    const ctx = {} as any;
    const t = contentArtifactType("thing", "things", (a) => Promise.resolve([`a ${a.kind}`]));
    assert.equal(t.claims("localhost:5000/x:y"), false);
    await assert.rejects(
      t.resolve("x", ctx),
      (e) => isCosignError(e) && e.code === "UNSUPPORTED" && /"thing" type/.test(e.message),
    );
    const a: Artifact = {
      kind: "oci",
      ref: "r",
      digest: () => Promise.resolve({ algorithm: "sha256", hex: "0".repeat(64) }),
    };
    assert.deepEqual(await t.describeStored!(a, ctx), ["a oci"]);
  });
});
