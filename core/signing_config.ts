/**
 * Sigstore signing configuration (`application/vnd.dev.sigstore.signingconfig.v0.2+json`, as
 * cosign's `--signing-config` reads it): which Fulcio, Rekor, TSA and OIDC services to use, each
 * with a `majorApiVersion` and a `validFor` window; and how many Rekor logs / TSAs to use
 * (`selector` ANY, ALL or EXACT with `count`).
 *
 * Selection follows sigstore-go: keep the services valid now whose API version this client
 * supports, prefer the highest such version, keep list order among equals; then apply the
 * selector.
 *
 * @example
 * ```ts
 * const cfg = parseSigningConfig(await readFile("signing_config.json", "utf8"), "signing_config.json");
 * const fulcio = selectServices(cfg.caUrls, cfg.caConfig, [1])[0]; // { url, majorApiVersion }
 * const rekors = selectServices(cfg.rekorTlogUrls, cfg.rekorTlogConfig, [1, 2]);
 * ```
 * @module
 */
import { CosignError } from "./errors.ts";
import { rejectDuplicateKeys } from "./strict_json.ts";

/** The media type of signing config v0.2. */
export const SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json";

/** One service endpoint. */
export interface ServiceEndpoint {
  /** Base URL (Fulcio, Rekor) or full endpoint URL (TSA). */
  url: string;
  /** The API major version (Rekor: 1 or 2). */
  majorApiVersion: number;
  /** Validity window start. */
  start?: Date;
  /** Validity window end (exclusive); open when absent. */
  end?: Date;
  /** Operator name. */
  operator?: string;
}

/** How many services of a kind to use. */
export interface ServiceSelection {
  /** ANY: one; ALL: every one; EXACT: `count`. */
  selector: "ANY" | "ALL" | "EXACT";
  /** For EXACT. */
  count?: number;
}

/** A parsed signing config. */
export interface SigningConfig {
  /** Fulcio instances. */
  caUrls: ServiceEndpoint[];
  /** OIDC providers. */
  oidcUrls: ServiceEndpoint[];
  /** Rekor instances. */
  rekorTlogUrls: ServiceEndpoint[];
  /** How many Rekor logs to upload to. */
  rekorTlogConfig: ServiceSelection;
  /** Timestamp authorities. */
  tsaUrls: ServiceEndpoint[];
  /** How many TSAs to ask. */
  tsaConfig: ServiceSelection;
}

function bad(source: string, what: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot read signing config ${source}: ${what}`, {
    hint: `Pass a signing config v0.2 JSON file (mediaType "${SIGNING_CONFIG_MEDIA_TYPE}").`,
  });
}

function parseTime(v: unknown, source: string, where: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = typeof v === "string" ? new Date(v) : new Date(NaN);
  if (isNaN(d.getTime())) throw bad(source, `${where} is not an RFC 3339 time`);
  return d;
}

/**
 * Log and TSA URLs may have any scheme (`file:///…` for a file log): the plugin that handles the
 * URL serves it, and signing fails clearly when none does. Fulcio and OIDC URLs are http(s).
 */
function parseServices(
  v: unknown,
  source: string,
  field: string,
  anyScheme = false,
): ServiceEndpoint[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(source, `"${field}" is not a list`);
  return v.map((s, i) => {
    const o = s as Record<string, unknown>;
    if (typeof o !== "object" || o === null) throw bad(source, `${field}[${i}] is not an object`);
    const pattern = anyScheme ? /^[a-z][a-z0-9+.-]*:\/\/./i : /^https?:\/\//;
    if (typeof o.url !== "string" || !pattern.test(o.url)) {
      throw bad(source, `${field}[${i}].url is not an ${anyScheme ? "absolute" : "http(s)"} URL`);
    }
    const version = o.majorApiVersion ?? 1;
    if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
      throw bad(source, `${field}[${i}].majorApiVersion is not a positive integer`);
    }
    const vf = (o.validFor ?? {}) as Record<string, unknown>;
    return {
      url: o.url.replace(/\/+$/, ""),
      majorApiVersion: version,
      start: parseTime(vf.start, source, `${field}[${i}].validFor.start`),
      end: parseTime(vf.end, source, `${field}[${i}].validFor.end`),
      operator: typeof o.operator === "string" ? o.operator : undefined,
    };
  });
}

function parseSelection(v: unknown, source: string, field: string): ServiceSelection {
  if (v === undefined || v === null) return { selector: "ANY" };
  const o = v as Record<string, unknown>;
  const sel = o.selector ?? "ANY";
  if (sel !== "ANY" && sel !== "ALL" && sel !== "EXACT") {
    throw bad(source, `${field}.selector must be ANY, ALL or EXACT, not ${JSON.stringify(sel)}`);
  }
  if (sel === "EXACT") {
    if (typeof o.count !== "number" || !Number.isInteger(o.count) || o.count < 1) {
      throw bad(source, `${field}.count must be a positive integer for selector EXACT`);
    }
    return { selector: sel, count: o.count };
  }
  return { selector: sel };
}

/**
 * Parses signing config v0.2 JSON. Throws CosignError("INVALID_INPUT") for malformed JSON, another
 * media type, or malformed services.
 */
export function parseSigningConfig(text: string, source = "(input)"): SigningConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(source, `it is not JSON (${(e as Error).message})`);
  }
  rejectDuplicateKeys(text, `signing config ${source}`);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw bad(source, "it is not a JSON object");
  }
  const o = json as Record<string, unknown>;
  if (o.mediaType !== SIGNING_CONFIG_MEDIA_TYPE) {
    throw bad(source, `unsupported mediaType ${JSON.stringify(o.mediaType)}`);
  }
  return {
    caUrls: parseServices(o.caUrls, source, "caUrls"),
    oidcUrls: parseServices(o.oidcUrls, source, "oidcUrls"),
    rekorTlogUrls: parseServices(o.rekorTlogUrls, source, "rekorTlogUrls", true),
    rekorTlogConfig: parseSelection(o.rekorTlogConfig, source, "rekorTlogConfig"),
    tsaUrls: parseServices(o.tsaUrls, source, "tsaUrls", true),
    tsaConfig: parseSelection(o.tsaConfig, source, "tsaConfig"),
  };
}

/**
 * The services to use: valid at `now`, API version in `supported`, highest version first, list
 * order among equals, then cut to what `selection` asks for (ANY: 1, EXACT: count, ALL: all).
 * Returns an empty list when none qualifies; CosignError("INVALID_INPUT") when EXACT asks for more
 * than there are.
 */
export function selectServices(
  services: ServiceEndpoint[],
  selection: ServiceSelection | undefined,
  supported: number[],
  now: Date = new Date(),
): ServiceEndpoint[] {
  const t = now.getTime();
  const valid = services.filter((s) =>
    supported.includes(s.majorApiVersion) && (!s.start || s.start.getTime() <= t) &&
    (!s.end || t < s.end.getTime())
  );
  const top = Math.max(0, ...valid.map((s) => s.majorApiVersion));
  const best = valid.filter((s) => s.majorApiVersion === top);
  const sel = selection ?? { selector: "ANY" };
  if (sel.selector === "ALL") return best;
  const n = sel.selector === "EXACT" ? sel.count ?? 1 : 1;
  if (best.length < n && sel.selector === "EXACT") {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot select ${n} services from the signing config: only ${best.length} are valid now`,
      { hint: "Lower the EXACT count or add services to the signing config." },
    );
  }
  return best.slice(0, n);
}
