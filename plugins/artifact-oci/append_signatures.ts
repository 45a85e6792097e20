/**
 * Race-free appending of signatures to a signature image.
 *
 * cosign reads the `.sig` manifest, appends its layer and writes the manifest back; when two
 * signers do this at once the later write drops the earlier signer's layer. Registries offer no
 * compare-and-swap on tags, so we make the loss impossible to go unnoticed and repair it:
 *
 * 1. push the payload blobs (content-addressed, idempotent);
 * 2. read the current manifest, append our layers that are not already there (and skip
 *    duplicates the way cosign's DupeDetector does), push the config, PUT the manifest;
 * 3. re-read the tag, and again after a short jittered settling delay (twice the time our own
 *    read-modify-write took; once more when we have already been overwritten): our layers must
 *    be present every time (a concurrent writer that read before our PUT and writes after it is
 *    caught by a later read);
 * 4. otherwise wait a jittered, growing backoff and go back to 2, merging with whatever is
 *    there now, so layers other signers added are never dropped.
 *
 * Transient registry errors (5xx, which distribution answers for a tag being rewritten) retry
 * the attempt. Gives up after a bounded number of attempts with CosignError("NETWORK").
 *
 * @example
 * ```ts
 * const r = await appendSignatures(client, sigRef, [layer], { docker: false });
 * console.log(r.added.length, r.attempts);
 * ```
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import type { Logger } from "../../core/plugin.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { type Reference, referenceString } from "../../oci/reference.ts";
import {
  buildSignatureImage,
  type Descriptor,
  layerDescriptor,
  sameLayer,
  type SignatureLayer,
} from "./layout.ts";
import { readSignatureImage } from "./read_signatures.ts";

/** Options for {@link appendSignatures}. */
export interface AppendOptions {
  /** Docker media types for a new signature image (COSIGN_DOCKER_MEDIA_TYPES). */
  docker?: boolean;
  /**
   * Finds an existing layer equivalent to `candidate` (cosign's DupeDetector: same payload,
   * signature valid under the signer's key). When it returns one, the candidate is skipped.
   */
  findDuplicate?: (
    existing: Descriptor[],
    candidate: Descriptor,
    payload: Uint8Array,
  ) => Promise<Descriptor | undefined>;
  /** Most write attempts (default 20). */
  maxAttempts?: number;
  /** Settling delay before the confirming re-read, ms (default: twice the write cycle, >= 40). */
  settleMs?: number;
  /** Diagnostics. */
  log?: Logger;
}

/** What {@link appendSignatures} did. */
export interface AppendResult {
  /** Layers written by us (now present). */
  added: Descriptor[];
  /** Candidates skipped because an equivalent signature was already there. */
  skipped: Descriptor[];
  /** Digest of the signature manifest that holds our layers. */
  manifestDigest: string;
  /** Write attempts made (1 when nobody raced us). */
  attempts: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function hasAll(layers: Descriptor[], ours: Descriptor[]): boolean {
  return ours.every((o) => layers.some((l) => sameLayer(l, o)));
}

/**
 * Appends signature layers to the signature image at `sigRef` without losing concurrent
 * writers' layers (see the module documentation). Throws CosignError("NETWORK") when the
 * layers could not be made to stick after `maxAttempts`; AUTH/NETWORK/INVALID_INPUT from the
 * registry.
 *
 * @example
 * ```ts
 * await appendSignatures(client, sigRef, [newSignatureLayer(payload, sig)]);
 * ```
 */
export async function appendSignatures(
  client: RegistryClient,
  sigRef: Reference,
  layers: SignatureLayer[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const repo = { registry: sigRef.registry, repository: sigRef.repository };
  const target = referenceString(sigRef);
  const candidates = layers.map((l) => ({ layer: l, desc: layerDescriptor(l) }));
  // Payload blobs first: content-addressed, so pushing them early is always safe.
  for (const c of candidates) {
    await client.putBlob(repo, c.layer.payload, {
      digest: c.desc.digest,
      mediaType: c.desc.mediaType,
    });
  }
  const maxAttempts = options.maxAttempts ?? 20;
  let ours: Descriptor[] | undefined;
  let skipped: Descriptor[] = [];
  const attemptOnce = async (attempt: number): Promise<AppendResult | undefined> => {
    const started = Date.now();
    const current = await readSignatureImage(client, sigRef);
    const existing = current?.manifest.layers ?? [];
    if (ours === undefined) {
      // Decide once which candidates are ours to add; later attempts re-add exactly these.
      const mine: Descriptor[] = [];
      skipped = [];
      for (const c of candidates) {
        const present = existing.find((l) => sameLayer(l, c.desc)) ??
          await options.findDuplicate?.(existing, c.desc, c.layer.payload);
        if (present) skipped.push(present);
        else if (!mine.some((o) => sameLayer(o, c.desc))) mine.push(c.desc);
      }
      ours = mine;
      if (ours.length === 0) {
        return { added: [], skipped, manifestDigest: current?.digest ?? "", attempts: 0 };
      }
    }
    const wanted: Descriptor[] = ours;
    const missing = wanted.filter((o) => !existing.some((l) => sameLayer(l, o)));
    let digest = current?.digest ?? "";
    if (missing.length > 0) {
      const img = buildSignatureImage([...existing, ...missing], {
        docker: options.docker,
        base: current?.manifest,
        baseConfig: current ? await readConfig(client, repo, current.manifest.config) : undefined,
      });
      await client.putBlob(repo, img.config, {
        digest: img.configDigest,
        mediaType: img.configMediaType,
      });
      digest = await client.putManifest(sigRef, img.manifest, img.mediaType);
    }
    const cycle = Date.now() - started;
    // Confirm: present now, and still present after a settling delay.
    const settle = options.settleMs ?? Math.max(40, 2 * cycle);
    // Under evident contention (a previous attempt was overwritten) confirm once more.
    const waits = [0, settle + Math.random() * settle];
    if (attempt > 1) waits.push(settle + Math.random() * settle);
    for (const wait of waits) {
      if (wait) await sleep(wait);
      const now = await readSignatureImage(client, sigRef);
      if (!now || !hasAll(now.manifest.layers, wanted)) {
        options.log?.debug(
          `signature layers at ${target} were overwritten by a concurrent writer; retrying (attempt ${attempt})`,
        );
        return undefined;
      }
      digest = now.digest;
    }
    return { added: wanted, skipped, manifestDigest: digest, attempts: attempt };
  };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let outcome: AppendResult | undefined;
    try {
      outcome = await attemptOnce(attempt);
    } catch (e) {
      // A registry under concurrent tag writes may answer 5xx for a moment (distribution does
      // on a tag being rewritten): retry the whole read-merge-write, within the same budget.
      if (!isCosignError(e, "NETWORK") || attempt === maxAttempts) throw e;
      options.log?.debug(
        `registry error while storing at ${target}, retrying: ${(e as Error).message}`,
      );
    }
    if (outcome) return outcome;
    const backoff = Math.min(1000, 25 * 2 ** Math.min(attempt, 6));
    await sleep(backoff / 2 + Math.random() * backoff);
  }
  throw new CosignError(
    "NETWORK",
    `Cannot store the signature at ${target}: other writers kept replacing it (${maxAttempts} attempts)`,
    { hint: "Try again; if it persists, check for a process rewriting the signature tag." },
  );
}

async function readConfig(
  client: RegistryClient,
  repo: { registry: string; repository: string },
  config: Descriptor,
): Promise<{ created?: string } | undefined> {
  try {
    const bytes = await client.getBlobBytes(repo, config.digest, {
      size: config.size,
      maxSize: 1024 * 1024,
    });
    const cfg = JSON.parse(new TextDecoder().decode(bytes));
    return typeof cfg?.created === "string" ? { created: cfg.created } : undefined;
  } catch {
    return undefined; // a missing or odd config only costs us the original `created`
  }
}
