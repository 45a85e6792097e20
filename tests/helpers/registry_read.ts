/**
 * Reading a test registry with plain `fetch` and node:crypto, independent of cosign-ts's own
 * client: manifests (parsed, with their bytes), blobs (checked against their digest), whether a
 * repository has any tag, and pushing a blob by hand (POST, then PUT `?digest=`).
 *
 * @example
 * ```ts
 * const r = registryReader(reg);
 * const { json } = await r.manifest("wasm/app", "v1");
 * const layer = await r.blob("wasm/app", json.layers[0].digest);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { TestRegistry } from "./registry.ts";

/** `sha256:<hex>` of bytes, by node:crypto. */
export function sha256(b: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(b).digest("hex");
}

/** What {@link registryReader} returns. */
export interface RegistryReader {
  /** GET `/v2/<path>` with an optional Accept header. */
  get(path: string, accept?: string): Promise<Response>;
  /** An OCI (or Docker) manifest by tag or digest: its bytes and parsed JSON (asserts 200). */
  // deno-lint-ignore no-explicit-any
  manifest(repo: string, ref: string): Promise<{ bytes: Uint8Array; json: any }>;
  /** A blob, asserting 200 and that its SHA-256 is `digest`. */
  blob(repo: string, digest: string): Promise<Uint8Array<ArrayBuffer>>;
  /** True when the repository has no tags (nothing was pushed to it). */
  noTags(repo: string): Promise<boolean>;
  /** Pushes a blob by hand and returns its digest (asserts 202 then 201). */
  pushBlob(repo: string, data: Uint8Array): Promise<string>;
}

/** An independent reader of `reg` (see the module doc). */
export function registryReader(reg: TestRegistry): RegistryReader {
  const get = async (path: string, accept?: string) =>
    await fetch(`${reg.url}/v2/${path}`, { headers: accept ? { accept } : {} });
  return {
    get,
    async manifest(repo, ref) {
      const res = await get(
        `${repo}/manifests/${ref}`,
        "application/vnd.oci.image.manifest.v1+json, " +
          "application/vnd.docker.distribution.manifest.v2+json",
      );
      assert.equal(res.status, 200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { bytes, json: JSON.parse(new TextDecoder().decode(bytes)) };
    },
    async blob(repo, digest) {
      const res = await get(`${repo}/blobs/${digest}`);
      assert.equal(res.status, 200);
      const b = new Uint8Array(await res.arrayBuffer());
      assert.equal(sha256(b), digest);
      return b;
    },
    async noTags(repo) {
      const res = await get(`${repo}/tags/list`);
      if (res.status === 404) {
        await res.body?.cancel();
        return true;
      }
      const j = await res.json();
      return !j.tags || j.tags.length === 0;
    },
    async pushBlob(repo, data) {
      const post = await fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
      assert.equal(post.status, 202);
      await post.body?.cancel();
      const loc = new URL(post.headers.get("location")!, reg.url);
      loc.searchParams.set("digest", sha256(data));
      const put = await fetch(loc, { method: "PUT", body: data as BodyInit });
      assert.equal(put.status, 201, await put.text());
      return sha256(data);
    },
  };
}
