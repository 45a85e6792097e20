/**
 * cosign's simple-signing payload for container images (sigstore's `payload.Cosign`):
 *
 * `{"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":"sha256:…"},"type":"cosign container image signature"},"optional":ANNOTATIONS|null}`
 *
 * written with Go's encoding/json rules ({@link goJson}): fields in that order, annotation keys
 * sorted, `<>&` escaped, no trailing newline. REPO is the repository without tag or digest, with
 * its registry (`index.docker.io/library/ubuntu`, `localhost:5000/app`), as cosign writes it.
 *
 * @example
 * ```ts
 * const bytes = simpleSigningPayload("localhost:5000/app", "sha256:ab…", { env: "prod" });
 * const p = parseSimpleSigningPayload(bytes); // p.digest === "sha256:ab…"
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { goJson, goMap } from "../../core/go_json.ts";
import { rejectDuplicateKeys } from "../../core/strict_json.ts";

/** The value of `critical.type` in a cosign image signature payload. */
export const COSIGN_SIGNATURE_TYPE = "cosign container image signature";

/** A parsed simple-signing payload. */
export interface SimpleSigningPayload {
  /** `critical.identity.docker-reference`: the repository the signer named. */
  dockerReference: string;
  /** `critical.image.docker-manifest-digest`, e.g. "sha256:…". */
  digest: string;
  /** `critical.type`. */
  type: string;
  /** `optional`: the annotations (`-a k=v`), or null. */
  optional: Record<string, unknown> | null;
}

/**
 * The payload JSON text (Go encoding) for a parsed or new payload.
 *
 * @example
 * ```ts
 * encodeSimpleSigning({ dockerReference: "r/x", digest: "sha256:…", type: COSIGN_SIGNATURE_TYPE, optional: null });
 * ```
 */
export function encodeSimpleSigning(p: SimpleSigningPayload): string {
  return goJson({
    critical: {
      identity: { "docker-reference": p.dockerReference },
      image: { "docker-manifest-digest": p.digest },
      type: p.type,
    },
    optional: p.optional === null ? null : goMap(p.optional),
  });
}

/**
 * The payload bytes cosign signs for an image: repository (without tag), manifest digest and
 * optional annotations (`null`/`undefined`/absent gives `"optional":null`, as cosign without
 * `-a`).
 *
 * @example
 * ```ts
 * simpleSigningPayload("localhost:5000/app", "sha256:" + "0".repeat(64));
 * ```
 */
export function simpleSigningPayload(
  dockerReference: string,
  digest: string,
  annotations?: Record<string, unknown> | null,
): Uint8Array {
  return new TextEncoder().encode(encodeSimpleSigning({
    dockerReference,
    digest,
    type: COSIGN_SIGNATURE_TYPE,
    optional: annotations ?? null,
  }));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses payload bytes. Throws CosignError("INVALID_INPUT") when they are not JSON, lack the
 * critical fields, or have another `critical.type` (cosign: "unknown type").
 *
 * @example
 * ```ts
 * const { digest, optional } = parseSimpleSigningPayload(layerBytes);
 * ```
 */
export function parseSimpleSigningPayload(bytes: Uint8Array): SimpleSigningPayload {
  // verify parses each payload twice (claims, then its output line): parsed once per bytes.
  const hit = parsedPayloads.get(bytes);
  if (hit) return { ...hit };
  const p = parsePayload(bytes);
  parsedPayloads.set(bytes, p);
  return { ...p };
}

/** Payloads parsed so far, by their bytes (never mutated once read). */
const parsedPayloads = new WeakMap<Uint8Array, SimpleSigningPayload>();

function parsePayload(bytes: Uint8Array): SimpleSigningPayload {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot parse signature payload: it is not JSON (${(e as Error).message})`,
      { cause: e },
    );
  }
  rejectDuplicateKeys(bytes, "signature payload");
  const bad = (what: string): never => {
    throw new CosignError("INVALID_INPUT", `Cannot parse signature payload: ${what}`);
  };
  if (!isObject(doc)) bad("it is not a JSON object");
  const d = doc as Record<string, unknown>;
  const critical = d.critical;
  if (!isObject(critical)) bad('"critical" is missing');
  const c = critical as Record<string, unknown>;
  const identity = isObject(c.identity) ? c.identity : {};
  const image = isObject(c.image) ? c.image : {};
  const type = c.type;
  if (type !== COSIGN_SIGNATURE_TYPE) {
    bad(`it is of an unknown type ${JSON.stringify(type)}`);
  }
  const digest = image["docker-manifest-digest"];
  if (typeof digest !== "string") bad('"critical.image.docker-manifest-digest" is missing');
  const ref = identity["docker-reference"];
  const optional = d.optional;
  if (optional !== null && optional !== undefined && !isObject(optional)) {
    bad('"optional" is not an object');
  }
  return {
    dockerReference: typeof ref === "string" ? ref : "",
    digest: digest as string,
    type: type as string,
    optional: (optional as Record<string, unknown> | undefined) ?? null,
  };
}

/**
 * cosign's claim check (`SimpleClaimVerifier`): the payload must name `digest`, and every
 * required annotation must be present with the same string value (a number 1 is not "1"). Returns undefined when the claims
 * hold, else the reason.
 *
 * @example
 * ```ts
 * const why = checkClaims(payload, "sha256:…", { env: "prod" });
 * if (why) throw new Error(why);
 * ```
 */
export function checkClaims(
  payload: SimpleSigningPayload,
  digest: string,
  annotations: Record<string, string> = {},
): string | undefined {
  if (payload.digest !== digest) {
    return `invalid or missing digest in claim: payload names ${payload.digest}, the image is ${digest}`;
  }
  for (const [k, v] of Object.entries(annotations)) {
    const got = payload.optional?.[k];
    if (got === undefined) return `missing or incorrect annotation: ${k} is absent`;
    if (got !== v) {
      return `missing or incorrect annotation: ${k}=${JSON.stringify(got)}, wanted ${
        JSON.stringify(v)
      }`;
    }
  }
  return undefined;
}
