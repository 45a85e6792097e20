/**
 * in-toto statements as cosign writes and reads them, for blob and image attestations alike:
 *
 * - {@link predicateTypeURI}: cosign's `--type` names (`custom`, `slsaprovenance`,
 *   `slsaprovenance02`, `slsaprovenance1`, `spdx`, `spdxjson`, `cyclonedx`, `link`, `vuln`,
 *   `openvex`) to predicate type URIs, any other value must be a URI (options.ParsePredicateType);
 * - {@link buildStatement}: the statement cosign's `attestation.GenerateStatement` makes
 *   (`_type` `https://in-toto.io/Statement/v0.1`, subjects with digests, the predicate shaped per
 *   type by core/intoto_predicate.ts), serialized as cosign does (protojson; Go encoding/json for
 *   `spdx`'s string predicate);
 * - {@link parseStatement}, {@link subjectMatches}, {@link checkStatement}: reading a verified
 *   payload and checking its subject digest and predicate type (CosignError "VERIFY", exit 12).
 *
 * @example
 * ```ts
 * const payload = buildStatement({
 *   subjects: [{ name: "release.tar.gz", digest: { sha256: hexDigest } }],
 *   type: "slsaprovenance1",
 *   predicate: await readFile("provenance.json"),
 * });
 * const st = parseStatement(payload);
 * checkStatement(st, { predicateType: predicateTypeURI("slsaprovenance1"), digests: { sha256: hexDigest } });
 * ```
 * @module
 */
import { CosignError, type ErrorCode, type FailedCheck } from "./errors.ts";
import { goJson, goMap, protoJSON } from "./go_json.ts";
import { shapePredicate } from "./intoto_predicate.ts";
import { rejectDuplicateKeys } from "./strict_json.ts";

/** The statement type cosign writes (in-toto-golang `StatementInTotoV01`). */
export const STATEMENT_TYPE_V01 = "https://in-toto.io/Statement/v0.1";

/** The in-toto v1 statement type (written by other tools, read here too). */
export const STATEMENT_TYPE_V1 = "https://in-toto.io/Statement/v1";

/** cosign's `--type` names and the predicate type URIs they stand for (options.PredicateTypeMap). */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  custom: "https://cosign.sigstore.dev/attestation/v1",
  slsaprovenance: "https://slsa.dev/provenance/v0.2",
  slsaprovenance02: "https://slsa.dev/provenance/v0.2",
  slsaprovenance1: "https://slsa.dev/provenance/v1",
  spdx: "https://spdx.dev/Document",
  spdxjson: "https://spdx.dev/Document",
  cyclonedx: "https://cyclonedx.org/bom",
  link: "https://in-toto.io/Link/v1",
  vuln: "https://cosign.sigstore.dev/attestation/vuln/v1",
  openvex: "https://openvex.dev/ns",
};

/** A statement subject: a name and its digests (`{"sha256": "<hex>"}`). */
export interface Subject {
  /** The artifact's name (blobs: the file's base name; images: the repository). */
  name: string;
  /** Digests by algorithm, lower-case hex. */
  digest: Record<string, string>;
}

/** A parsed in-toto statement. */
export interface Statement {
  /** `_type`, e.g. {@link STATEMENT_TYPE_V01}. */
  type: string;
  /** The subjects. */
  subject: Subject[];
  /** The predicate type URI. */
  predicateType: string;
  /** The predicate (any JSON; a string for cosign's `spdx`). */
  predicate: unknown;
}

/**
 * The predicate type URI of a cosign `--type` value: a known name's URI, else the value itself
 * when it is a URI (`scheme:…` or an absolute path, as Go's url.ParseRequestURI accepts). Throws
 * CosignError("USAGE") for anything else.
 *
 * @example
 * ```ts
 * predicateTypeURI("slsaprovenance1"); // "https://slsa.dev/provenance/v1"
 * predicateTypeURI("https://example.com/p/v1"); // unchanged
 * ```
 */
export function predicateTypeURI(type: string): string {
  const known = PREDICATE_TYPES[type];
  if (known) return known;
  // deno-lint-ignore no-control-regex
  const ok = !/[\x00-\x20\x7f]/.test(type) &&
    (/^[A-Za-z][A-Za-z0-9+.-]*:./.test(type) || type.startsWith("/"));
  if (!ok) {
    throw new CosignError("USAGE", `invalid predicate type: ${type}`, {
      hint: `Use one of ${Object.keys(PREDICATE_TYPES).join(", ")}, or a URI.`,
    });
  }
  return type;
}

/** What {@link buildStatement} takes. */
export interface StatementOptions {
  /** The subjects (cosign writes one, with its sha256 digest). */
  subjects: Subject[];
  /** cosign's `--type` value: a name (see {@link PREDICATE_TYPES}) or a URI. */
  type: string;
  /** The `--predicate` file's bytes. */
  predicate: Uint8Array;
  /** The time for the `custom` predicate's Timestamp (default now). */
  now?: Date;
}

function subjectText(s: Subject, json: (v: unknown) => string): string {
  const parts = [];
  if (s.name) parts.push(`"name":${json(s.name)}`);
  // A map (Go map[string]string, a protobuf map): keys sorted.
  if (Object.keys(s.digest).length) parts.push(`"digest":${json(goMap(s.digest))}`);
  return `{${parts.join(",")}}`;
}

/**
 * The statement cosign writes for these subjects and this predicate (see the module
 * documentation), as the bytes to put in a DSSE envelope. Throws CosignError("USAGE") for an
 * invalid type and CosignError("INVALID_INPUT") when the predicate does not fit its type.
 *
 * @example
 * ```ts
 * const payload = buildStatement({ subjects, type: "custom", predicate: bytes });
 * ```
 */
export function buildStatement(opts: StatementOptions): Uint8Array {
  const uri = predicateTypeURI(opts.type);
  // cosign's GenerateStatement switches on the name; any other value is its own predicate type.
  const shaped = shapePredicate(opts.type, opts.predicate, opts.now ?? new Date());
  const predicateType = opts.type in PREDICATE_TYPES ? uri : opts.type;
  let text: string;
  if (shaped.legacyString) {
    // encoding/json of map[string]any: keys sorted; subjects keep their struct field order.
    text = `{"_type":${goJson(STATEMENT_TYPE_V01)},"predicate":${goJson(shaped.predicate)},` +
      `"predicateType":${goJson(predicateType)},"subject":[${
        opts.subjects.map((s) => subjectText(s, goJson)).join(",")
      }]}`;
  } else {
    // protojson of in_toto_attestation.v1.Statement: fields in proto order.
    text = `{"_type":${protoJSON(STATEMENT_TYPE_V01)},"subject":[${
      opts.subjects.map((s) => subjectText(s, protoJSON)).join(",")
    }],"predicateType":${protoJSON(predicateType)},"predicate":${protoJSON(shaped.predicate)}}`;
  }
  return new TextEncoder().encode(text);
}

/** Options for {@link parseStatement}. */
export interface ParseStatementOptions {
  /** Error code for a malformed statement (default "INVALID_INPUT"; verification: "VERIFY"). */
  code?: ErrorCode;
  /** The failed check for code "VERIFY" (default "claims"). */
  check?: FailedCheck;
}

/**
 * Reads an in-toto statement (v0.1 or v1): a JSON object with a string `_type`, a `subject`
 * list of `{name, digest}` (digest values strings) and a string `predicateType`. Repeated keys
 * are refused. Throws CosignError (code from `options`) naming `source` and what is wrong.
 *
 * @example
 * ```ts
 * const st = parseStatement(verified.payload!, "attestation", { code: "VERIFY" });
 * ```
 */
export function parseStatement(
  bytes: Uint8Array | string,
  source = "(input)",
  options: ParseStatementOptions = {},
): Statement {
  return readStatement(bytes, source, options).statement;
}

/** A statement as {@link readStatement} read it, and the JSON value it was read from. */
export interface ReadStatement {
  /** The checked statement. */
  statement: Statement;
  /** The payload's JSON object as it is (what policies see). */
  json: Record<string, unknown>;
}

/**
 * {@link parseStatement}, also returning the parsed JSON value, for callers that need both
 * (verify-attestation's policies) without parsing the payload twice. Same errors.
 *
 * @example
 * ```ts
 * const { statement, json } = readStatement(verified.payload!, "attestation", { code: "VERIFY" });
 * ```
 */
export function readStatement(
  bytes: Uint8Array | string,
  source = "(input)",
  options: ParseStatementOptions = {},
): ReadStatement {
  const code = options.code ?? "INVALID_INPUT";
  const extra = code === "VERIFY" ? { check: options.check ?? "claims" } : {};
  const fail = (what: string): never => {
    throw new CosignError(code, `Cannot read the in-toto statement of ${source}: ${what}`, {
      hint: "An attestation's payload is an in-toto statement (_type, subject, predicateType, " +
        "predicate).",
      ...extra,
    });
  };
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail("it is not JSON");
  }
  rejectDuplicateKeys(text, `in-toto statement of ${source}`, { code, ...extra });
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fail("it is not an object");
  const o = v as Record<string, unknown>;
  if (typeof o._type !== "string") fail('"_type" is missing or not a string');
  if (typeof o.predicateType !== "string") fail('"predicateType" is missing or not a string');
  if (!Array.isArray(o.subject)) fail('"subject" is missing or not a list');
  const subject = (o.subject as unknown[]).map((s, i) => {
    const x = s as Record<string, unknown> | null;
    if (typeof x !== "object" || x === null) return fail(`subject ${i} is not an object`);
    const digest = x.digest ?? {};
    if (
      typeof digest !== "object" || digest === null ||
      Object.values(digest).some((d) => typeof d !== "string")
    ) fail(`subject ${i} has a malformed digest`);
    if (x.name !== undefined && typeof x.name !== "string") fail(`subject ${i} has a bad name`);
    return { name: (x.name as string) ?? "", digest: digest as Record<string, string> };
  });
  return {
    statement: {
      type: o._type as string,
      subject,
      predicateType: o.predicateType as string,
      predicate: o.predicate,
    },
    json: o,
  };
}

/**
 * True when some subject carries one of `digests` (algorithm → hex, compared case-insensitively).
 * `statement` is a {@link Statement} or the statement's parsed JSON as it is (the verification
 * engine's case): a missing or malformed `subject` or `digest` matches nothing.
 *
 * @example
 * ```ts
 * subjectMatches(st, { sha256: "ab12…" });
 * ```
 */
export function subjectMatches(
  statement: unknown,
  digests: Record<string, string>,
): boolean {
  const subjects = (statement as { subject?: unknown } | null)?.subject;
  if (!Array.isArray(subjects)) return false;
  return subjects.some((s) => {
    const d = (s as { digest?: Record<string, unknown> } | null)?.digest;
    if (!d || typeof d !== "object") return false;
    return Object.entries(digests).some(([alg, hex]) =>
      typeof d[alg] === "string" && (d[alg] as string).toLowerCase() === hex.toLowerCase()
    );
  });
}

/** What {@link checkStatement} requires. */
export interface StatementExpectation {
  /** The predicate type URI the statement must have (see {@link predicateTypeURI}). */
  predicateType?: string;
  /** Digests one subject must carry (any one of them). */
  digests?: Record<string, string>;
}

/**
 * Checks a verified statement: its predicate type (CosignError "VERIFY", check "claims", with
 * cosign's message `invalid predicate type, expected X got Y`) and its subject digest (check
 * "digest").
 *
 * @example
 * ```ts
 * checkStatement(st, { predicateType: predicateTypeURI("custom"), digests: { sha256: hex } });
 * ```
 */
export function checkStatement(statement: Statement, expected: StatementExpectation): void {
  if (expected.predicateType !== undefined && statement.predicateType !== expected.predicateType) {
    throw new CosignError(
      "VERIFY",
      `invalid predicate type, expected ${expected.predicateType} got ${statement.predicateType}`,
      {
        check: "claims",
        hint: "Pass the attestation's type with --type (a cosign name such as slsaprovenance1, " +
          "or the predicate type URI).",
      },
    );
  }
  if (expected.digests && !subjectMatches(statement, expected.digests)) {
    const [alg, hex] = Object.entries(expected.digests)[0] ?? ["sha256", "?"];
    throw new CosignError(
      "VERIFY",
      `no in-toto subject has the artifact's digest ${alg}:${hex}`,
      { check: "digest", hint: "The attestation is for another artifact." },
    );
  }
}
