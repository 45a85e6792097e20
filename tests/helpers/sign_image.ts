/**
 * Test helpers for cosign image signatures made and checked by an independent peer: openssl
 * signs the simple-signing payload of an image digest (ECDSA P-256, DER), and the signature is
 * stored at `sha256-<hex>.sig` in cosign's layout; {@link opensslVerifyStored} reads a stored
 * signature back and lets openssl verify it.
 *
 * @example
 * ```ts
 * const key = await genKey(dir, "k", "p256");
 * await signImageWithOpenssl(client, "127.0.0.1:5000/app", digest, key.key, dir);
 * assert.ok(await opensslVerifyStored(client, "127.0.0.1:5000/app", digest, key.pub, dir));
 * ```
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RegistryClient } from "../../oci/client.ts";
import {
  buildSignatureImage,
  layerDescriptor,
  newSignatureLayer,
  parseSignatureManifest,
  SIGNATURE_ANNOTATION,
  signatureTag,
} from "../../plugins/artifact-oci/layout.ts";
import { simpleSigningPayload } from "../../plugins/artifact-oci/simple_signing.ts";
import { opensslSign, opensslVerify } from "./openssl.ts";

/**
 * Signs `repo@digest` with an openssl P-256 key and pushes the signature image to
 * `repo:sha256-<hex>.sig` (replacing what is there). Returns the signature manifest digest.
 */
export async function signImageWithOpenssl(
  client: RegistryClient,
  repo: string,
  digest: string,
  keyFile: string,
  workDir: string,
): Promise<string> {
  const payload = simpleSigningPayload(repo, digest, null);
  const payloadFile = join(workDir, `payload-${digest.slice(7, 19)}.json`);
  const sigFile = `${payloadFile}.sig`;
  await writeFile(payloadFile, payload);
  await opensslSign("p256", keyFile, payloadFile, sigFile);
  const sig = new Uint8Array(await readFile(sigFile));
  const layer = newSignatureLayer(payload, sig);
  const desc = layerDescriptor(layer);
  const img = buildSignatureImage([desc]);
  await client.putBlob(repo, payload, { mediaType: layer.mediaType });
  await client.putBlob(repo, img.config);
  return await client.putManifest(`${repo}:${signatureTag(digest)}`, img.manifest, img.mediaType);
}

/**
 * Reads the signatures stored for `repo@digest` and returns true when openssl verifies at least
 * one of them over its payload with `pubFile`, and that payload names `digest`.
 */
export async function opensslVerifyStored(
  client: RegistryClient,
  repo: string,
  digest: string,
  pubFile: string,
  workDir: string,
): Promise<boolean> {
  const m = parseSignatureManifest(
    (await client.getManifest(`${repo}:${signatureTag(digest)}`)).bytes,
  );
  for (const [i, l] of m.layers.entries()) {
    const payload = await client.getBlobBytes(repo, l.digest);
    if (!new TextDecoder().decode(payload).includes(digest)) continue;
    const b64 = l.annotations?.[SIGNATURE_ANNOTATION] ?? "";
    const p = join(workDir, `check-${digest.slice(7, 19)}-${i}`);
    await writeFile(p, payload);
    await writeFile(`${p}.sig`, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    if (await opensslVerify("p256", pubFile, p, `${p}.sig`)) return true;
  }
  return false;
}
