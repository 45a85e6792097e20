/**
 * Rekor v1 lookup, as cosign does it when a signature comes without a bundle: search the index
 * by the artifact's SHA-256 (`POST /api/v1/index/retrieve` with `{"hash":"sha256:<hex>"}`), fetch
 * each entry (`GET /api/v1/log/entries/<uuid>`, with its SET and inclusion proof), and keep the
 * entries whose body holds this signature. The entries come back as Sigstore
 * `TransparencyLogEntry` JSON, ready for the log plugin's `verify()`: nothing fetched here is
 * trusted before that.
 *
 * @example
 * ```ts
 * const entries = await findRekorEntries("https://rekor.sigstore.dev", { sha256: digest, signature });
 * ```
 * @module
 */
import { base64, hex } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { TlogEntry } from "../../core/plugin.ts";
import { getFromService, postToService, responseJson } from "../../core/service_request.ts";
import { loggedSignatures } from "./entry_body.ts";
import { entryFromRekorV1, REKOR_V1_ENTRIES_PATH } from "./rekor_v1.ts";

/** Path of the v1 index search endpoint. */
export const REKOR_V1_INDEX_PATH = "/api/v1/index/retrieve";

/** At most this many entries are fetched for one artifact (cosign's search has no bound). */
export const MAX_SEARCH_RESULTS = 32;

/** What to look up. */
export interface RekorQuery {
  /** SHA-256 of the artifact (hashedrekord) or of the DSSE payload. */
  sha256: Uint8Array;
  /** Keep only entries whose body holds this signature. */
  signature?: Uint8Array;
}

/**
 * The UUIDs of the entries Rekor indexes under `sha256`. Errors: CosignError("NETWORK") for an
 * unreachable Rekor or a non-2xx answer, ("INVALID_INPUT") for an answer that is not a list.
 */
export async function searchRekorV1(
  baseUrl: string,
  sha256: Uint8Array,
  signal?: AbortSignal,
): Promise<string[]> {
  const url = baseUrl.replace(/\/+$/, "") + REKOR_V1_INDEX_PATH;
  const res = await postToService("Rekor", url, {
    body: JSON.stringify({ hash: `sha256:${hex.encode(sha256)}` }),
    contentType: "application/json",
    signal,
  });
  const list = await responseJson("Rekor", url, res);
  if (
    !Array.isArray(list) || list.some((u) => typeof u !== "string" || !/^[0-9a-f]{16,}$/i.test(u))
  ) {
    throw new CosignError(
      "INVALID_INPUT",
      `Rekor at ${url} answered the search with something other than a list of entry UUIDs`,
      {
        hint: "Check that --rekor-url points at a Rekor v1 instance.",
      },
    );
  }
  return [...new Set(list as string[])];
}

/**
 * Looks the artifact up in Rekor v1 and returns the entries (at most {@link MAX_SEARCH_RESULTS})
 * that hold `query.signature` (all of them when no signature is given). Errors as
 * {@link searchRekorV1} and `entryFromRekorV1`; none found is an empty list.
 */
export async function findRekorEntries(
  baseUrl: string,
  query: RekorQuery,
  signal?: AbortSignal,
): Promise<TlogEntry[]> {
  const uuids = (await searchRekorV1(baseUrl, query.sha256, signal)).slice(0, MAX_SEARCH_RESULTS);
  const wanted = query.signature ? base64.encode(query.signature) : undefined;
  const out: TlogEntry[] = [];
  for (const uuid of uuids) {
    const url = `${baseUrl.replace(/\/+$/, "")}${REKOR_V1_ENTRIES_PATH}/${uuid}`;
    const entry = entryFromRekorV1(await getFromService("Rekor", url, signal), url);
    if (!wanted || loggedSignatures(entry).includes(wanted)) out.push(entry);
  }
  return out;
}
