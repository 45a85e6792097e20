/**
 * Race-free appending of signatures to a signature image.
 *
 * cosign reads the `.sig` manifest, appends its layer and writes the manifest back; when two
 * signers do this at once the later write drops the earlier signer's layer. Registries offer no
 * compare-and-swap on tags, so we make the loss impossible to go unnoticed and repair it:
 *
 * 1. push the payload blobs (content-addressed, idempotent);
 * 2. read the current manifest, append our layers that are not already there (and skip
 *    duplicates the way cosign's DupeDetector does), push the config;
 * 3. check that the tag still holds the manifest we merged from (a HEAD: the nearest thing to
 *    compare-and-swap a registry offers) and PUT the manifest at once; when the tag moved,
 *    merge again (step 2) without writing;
 * 4. re-read the tag after a short jittered settling delay: our layers must be present. A
 *    concurrent cosign-ts writer can only overwrite us when its check came before our PUT and
 *    its PUT after, so the delay only has to outlast one check-and-PUT (twice the time ours
 *    took, at least MIN_SETTLE_MS of oci/tag_write_timing.ts), not a whole read-modify-write:
 *    a lone signer waits tens of milliseconds. Under evident contention (we were overwritten,
 *    the tag moved while we merged, or a confirming read finds it rewritten by someone else
 *    since we last saw it) the waits are twice the whole read-modify-write and we confirm
 *    again, up to four times: a writer that read before our PUT may still be on its way;
 * 5. otherwise wait a jittered, growing backoff and go back to 2, merging with whatever is
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
import { sleep } from "../../oci/retry.ts";
import { attemptBackoff, confirmTagWrite } from "../../oci/tag_write_timing.ts";
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
  /**
   * Decides, once, which of the layers already there to remove in the same write (cosign
   * `attest --replace`: earlier attestations of the same predicate type). Later attempts keep
   * them out, and the confirming re-read checks they stay gone.
   */
  remove?: (existing: Descriptor[]) => Promise<Descriptor[]>;
  /** Most write attempts (default 20). */
  maxAttempts?: number;
  /**
   * Settling delay before the confirming re-read, ms (default: twice our check-and-PUT, >= 50,
   * on a first attempt; twice the whole write cycle, >= 40, after being overwritten).
   */
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
  let removed: Descriptor[] = [];
  let skipped: Descriptor[] = [];
  let contended = false;
  const attemptOnce = async (attempt: number): Promise<AppendResult | undefined> => {
    const started = Date.now();
    let window = 0;
    const current = await readSignatureImage(client, sigRef);
    const existing = current?.manifest.layers ?? [];
    if (ours === undefined) {
      removed = (await options.remove?.(existing)) ?? [];
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
      // A duplicate we keep is never one we remove.
      removed = removed.filter((r) => !skipped.some((k) => sameLayer(k, r)));
      if (ours.length === 0 && removed.length === 0) {
        return { added: [], skipped, manifestDigest: current?.digest ?? "", attempts: 0 };
      }
    }
    const wanted: Descriptor[] = ours;
    const missing = wanted.filter((o) => !existing.some((l) => sameLayer(l, o)));
    const gone = (l: Descriptor) => removed.some((x) => sameLayer(x, l));
    const lingering = existing.some(gone);
    let digest = current?.digest ?? "";
    if (missing.length > 0 || lingering) {
      const img = buildSignatureImage([...existing.filter((l) => !gone(l)), ...missing], {
        docker: options.docker,
        base: current?.manifest,
        baseConfig: current ? await readConfig(client, repo, current.manifest.config) : undefined,
      });
      await client.putBlob(repo, img.config, {
        digest: img.configDigest,
        mediaType: img.configMediaType,
      });
      // The tag must still hold what we merged from; then PUT at once.
      const checked = Date.now();
      const now = await client.headManifest(sigRef);
      if ((now?.digest ?? "") !== (current?.digest ?? "")) {
        contended = true;
        options.log?.debug(
          `signature image at ${target} changed while we merged; merging again (attempt ${attempt})`,
        );
        return undefined;
      }
      digest = await client.putManifest(sigRef, img.manifest, img.mediaType);
      window = Date.now() - checked;
    }
    const cycle = Date.now() - started;
    // Confirm (oci/tag_write_timing.ts): still present after a settling delay that outlasts a
    // concurrent check-and-PUT, again and later under evident contention.
    const c = await confirmTagWrite({
      contended,
      cycleMs: cycle,
      windowMs: window,
      settleMs: options.settleMs,
      written: digest,
      read: async () => {
        const now = await readSignatureImage(client, sigRef);
        return {
          digest: now?.digest ?? "",
          held: !!now && hasAll(now.manifest.layers, wanted) && !now.manifest.layers.some(gone),
        };
      },
    });
    contended = c.contended;
    if (!c.held) {
      options.log?.debug(
        `signature layers at ${target} were overwritten by a concurrent writer; retrying (attempt ${attempt})`,
      );
      return undefined;
    }
    digest = c.digest;
    const settled = c.settledMs;
    options.log?.debug(
      `signature layers confirmed at ${target} after settling ${
        Math.round(settled)
      } ms (attempt ${attempt})`,
    );
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
    await sleep(attemptBackoff(attempt));
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
