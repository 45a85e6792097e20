/**
 * The one sign path and the one verify path are generic: an artifact type defined here (an
 * in-memory store, nothing from the built-in plugins) signs, attaches, lists and verifies
 * through signArtifact/verifyArtifact, with both content-signed and payload-signed artifacts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CosignError, isCosignError } from "./errors.ts";
import { generateEcdsaP256 } from "./keys/generate.ts";
import { verifierFromSpki } from "./keys/verifier.ts";
import {
  type Artifact,
  type Context,
  definePlugin,
  type HashAlgorithm,
  PluginRegistry,
  type StoredSignature,
} from "./plugin.ts";
import { signArtifact } from "./sign.ts";
import { verifyArtifact } from "./verify_artifact.ts";

const WEB: Record<HashAlgorithm, string> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};
const hex = (b: ArrayBuffer) =>
  [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const enc = new TextEncoder();

/** `mem://NAME` (content signed) and `memp://NAME` (payload signed), stored in `stores`. */
function memPlugin(content: Map<string, string>, stores: Map<string, StoredSignature[]>) {
  const resolve = (ref: string): Artifact => {
    const withPayload = ref.startsWith("memp://");
    const name = ref.replace(/^memp?:\/\//, "");
    const bytes = enc.encode(content.get(name) ?? "");
    const digestHex = async () => hex(await crypto.subtle.digest("SHA-256", bytes));
    const a: Artifact = {
      kind: withPayload ? "memp" : "mem",
      ref,
      async digest(algorithm: HashAlgorithm = "sha256") {
        return { algorithm, hex: hex(await crypto.subtle.digest(WEB[algorithm], bytes)) };
      },
      open: () =>
        Promise.resolve(
          new ReadableStream({
            start(c) {
              c.enqueue(bytes.slice());
              c.close();
            },
          }),
        ),
      async *signatures() {
        for (const s of stores.get(ref) ?? []) yield s;
      },
      attach(sig) {
        const list = stores.get(ref) ?? [];
        list.push({ ...sig, location: `${ref}#${list.length}`, id: `#${list.length}` });
        stores.set(ref, list);
        return Promise.resolve({ location: `${ref}#${list.length - 1}`, added: true });
      },
    };
    if (withPayload) {
      a.payload = async (_ctx, o) =>
        enc.encode(
          JSON.stringify({ name, digest: await digestHex(), claims: o?.annotations ?? {} }),
        );
      a.checkPayload = async (payload, _ctx, o) => {
        const p = JSON.parse(new TextDecoder().decode(payload));
        if (p.digest !== await digestHex()) {
          throw new CosignError("VERIFY", `payload names ${p.digest}`, { check: "claims" });
        }
        for (const [k, v] of Object.entries(o?.annotations ?? {})) {
          if (p.claims[k] !== v) {
            throw new CosignError("VERIFY", `missing claim ${k}=${v}`, { check: "claims" });
          }
        }
      };
    }
    return a;
  };
  return definePlugin({
    name: "mem",
    apiVersion: 1,
    artifacts: [
      {
        kind: "mem",
        description: "test",
        claims: (r) => r.startsWith("mem://"),
        resolve: (r) => Promise.resolve(resolve(r)),
      },
      {
        kind: "memp",
        description: "test",
        claims: (r) => r.startsWith("memp://"),
        resolve: (r) => Promise.resolve(resolve(r)),
      },
    ],
  });
}

function setup() {
  const content = new Map([["a", "hello"], ["b", "other"]]);
  const stores = new Map<string, StoredSignature[]>();
  const plugins = new PluginRegistry();
  plugins.register(memPlugin(content, stores), "/tmp/mem.ts");
  const ctx = {
    plugins,
    env: () => undefined,
    log: { info() {}, warn() {}, debug() {} },
  } as unknown as Context;
  return { ctx, stores, content };
}

async function key() {
  const k = generateEcdsaP256();
  return { signer: k.signer, verifier: verifierFromSpki((await k.signer.publicKey()).spki) };
}

describe("signArtifact + verifyArtifact through an in-test artifact type", () => {
  it("content: sign, attach, list, verify (legacy and bundle); another key fails as signature", async () => {
    const { ctx, stores } = setup();
    const { signer, verifier } = await key();
    const a = await ctx.plugins.resolve("mem://a", ctx);
    const legacy = await signArtifact(a, signer, { ctx });
    assert.equal(legacy.attached?.added, true);
    assert.equal(legacy.payload, undefined);
    assert.ok(legacy.bundleJson?.startsWith('{"base64Signature":'));
    const bundle = await signArtifact(a, signer, { ctx, format: "bundle" });
    assert.equal(
      JSON.parse(bundle.bundleJson!).mediaType,
      "application/vnd.dev.sigstore.bundle.v0.3+json",
    );
    assert.equal(stores.get("mem://a")?.length, 2);
    const ok = await verifyArtifact(a, { ctx, verifier, ignoreTlog: true });
    assert.equal(ok.length, 2);
    assert.equal(ok[0].tlogVerified, false);
    const other = await key();
    await assert.rejects(
      verifyArtifact(a, { ctx, verifier: other.verifier, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_MATCH") && e.check === "signature" && /#0: .*#1: /s.test(e.message),
    );
  });
  it("payload: claims are signed and checked; a tampered payload fails as signature", async () => {
    const { ctx, stores } = setup();
    const { signer, verifier } = await key();
    const a = await ctx.plugins.resolve("memp://a", ctx);
    const r = await signArtifact(a, signer, { ctx, annotations: { env: "dev" } });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(r.payload)).claims, { env: "dev" });
    const ok = await verifyArtifact(a, {
      ctx,
      verifier,
      ignoreTlog: true,
      annotations: { env: "dev" },
    });
    assert.equal(new TextDecoder().decode(ok[0].payload), new TextDecoder().decode(r.payload));
    await assert.rejects(
      verifyArtifact(a, { ctx, verifier, ignoreTlog: true, annotations: { env: "prod" } }),
      (e) =>
        isCosignError(e, "NO_MATCH") && e.check === "claims" &&
        /missing claim env=prod/.test(e.message),
    );
    // The same signature moved to another artifact: its payload names the first one.
    const b = await ctx.plugins.resolve("memp://b", ctx);
    stores.set("memp://b", stores.get("memp://a")!);
    await assert.rejects(
      verifyArtifact(b, { ctx, verifier, ignoreTlog: true }),
      (e) => isCosignError(e, "NO_MATCH") && e.check === "claims",
    );
    // Tampered: another payload under the same signature.
    const s = stores.get("memp://a")![0];
    const forged = enc.encode(new TextDecoder().decode(s.legacy!.payload).replace("dev", "prd"));
    stores.set("memp://a", [{ ...s, legacy: { ...s.legacy!, payload: forged } }]);
    await assert.rejects(
      verifyArtifact(a, { ctx, verifier, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_MATCH") && e.check === "signature" &&
        /invalid signature/.test(e.message),
    );
  });
  it("no signatures is NO_SIGNATURES; without log evidence it is tlog-entry", async () => {
    const { ctx } = setup();
    const { signer, verifier } = await key();
    const a = await ctx.plugins.resolve("mem://a", ctx);
    await assert.rejects(
      verifyArtifact(a, { ctx, verifier, ignoreTlog: true }),
      (e) =>
        isCosignError(e, "NO_SIGNATURES") &&
        /no signatures found for mem "mem:\/\/a"/.test(e.message),
    );
    await signArtifact(a, signer, { ctx });
    await assert.rejects(
      verifyArtifact(a, { ctx, verifier }),
      (e) =>
        isCosignError(e, "NO_MATCH") && e.check === "tlog-entry" &&
        /insecure-ignore-tlog/.test(e.message),
    );
  });
  it("a named signature fails with its own error; an unusable stored item is rejected as bundle", async () => {
    const { ctx } = setup();
    const { signer, verifier } = await key();
    const a = await ctx.plugins.resolve("mem://a", ctx);
    const b = await ctx.plugins.resolve("mem://b", ctx);
    const r = await signArtifact(a, signer, { ctx, upload: false });
    assert.equal(
      (await verifyArtifact(a, { ctx, verifier, ignoreTlog: true, signatures: [r.stored] })).length,
      1,
    );
    await assert.rejects(
      verifyArtifact(b, {
        ctx,
        verifier,
        keyName: "k.pub",
        ignoreTlog: true,
        signatures: [r.stored],
      }),
      (e) =>
        isCosignError(e, "VERIFY") && e.check === "signature" &&
        /Cannot verify mem "mem:\/\/b": the signature does not match the content and the key "k.pub"/
          .test(e.message),
    );
    await assert.rejects(
      verifyArtifact(b, {
        ctx,
        verifier,
        ignoreTlog: true,
        signatures: [{ kind: "signature", location: "x", problem: "damaged" }, r.stored],
      }),
      (e) => isCosignError(e, "NO_MATCH") && e.check === "bundle" && /x: damaged/.test(e.message),
    );
  });
  it("an artifact without a store cannot be signed with upload, nor verified without named signatures", async () => {
    const { ctx } = setup();
    const { signer, verifier } = await key();
    const a = {
      ...(await ctx.plugins.resolve("mem://a", ctx)),
      attach: undefined,
      signatures: undefined,
    };
    await assert.rejects(signArtifact(a, signer, { ctx }), (e) => isCosignError(e, "UNSUPPORTED"));
    await assert.rejects(
      verifyArtifact(a, { ctx, verifier }),
      (e) => isCosignError(e, "UNSUPPORTED"),
    );
  });
});
