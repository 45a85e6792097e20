/**
 * The predicate of an in-toto statement as cosign's `attestation.GenerateStatement` shapes it
 * from a `--predicate` file and a `--type`:
 *
 * - `custom` → `{"Data": <the file as text>, "Timestamp": <RFC 3339 UTC, seconds>}`;
 * - `spdx` → the file as a JSON string (cosign's "legacy" string predicate);
 * - `spdxjson`, `cyclonedx`, `openvex`, any URI → the file's JSON object;
 * - `slsaprovenance`/`slsaprovenance02`, `slsaprovenance1` → the file read through the in-toto
 *   provenance v0.2 / v1 protobuf schema (unknown fields dropped, empty ones omitted, times in
 *   UTC, SLSA v1's `invocationID` renamed `invocationId`);
 * - `link` → the in-toto link fields (all seven required); `vuln` → cosign's vulnerability
 *   scan predicate (invocation, scanner, metadata, times in RFC 3339).
 *
 * Every JSON object is later written with sorted keys (protojson of a Struct), so only the set
 * of fields matters here. Errors are CosignError("INVALID_INPUT") naming the type and the field.
 *
 * @example
 * ```ts
 * const p = shapePredicate("slsaprovenance1", bytes, new Date());
 * ```
 * @module
 */
import { base64 } from "@scure/base";
import { CosignError } from "./errors.ts";
import { goString, toWellFormed } from "./go_json.ts";

/** What {@link shapePredicate} produced. */
export interface ShapedPredicate {
  /** The predicate value (a JSON object), or the string of a legacy string predicate. */
  predicate: unknown;
  /** True for cosign's string predicates (`spdx`), which cosign writes with Go's encoding/json. */
  legacyString: boolean;
}

type Json = Record<string, unknown>;

function bad(type: string, what: string): never {
  throw new CosignError("INVALID_INPUT", `Cannot use the predicate as type "${type}": ${what}`, {
    hint: "Check the --predicate file and the --type (or pass --type custom for any content).",
  });
}

function wellFormed(v: unknown): unknown {
  if (typeof v === "string") return toWellFormed(v);
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v && typeof v === "object") {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) out[toWellFormed(k)] = wellFormed(x);
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) return bad("?", "a number is out of range");
  return v;
}

/** The file as Go's `json.Unmarshal` into `map[string]any` sees it (null → empty object). */
function jsonObject(type: string, raw: Uint8Array): Json {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    return bad(type, `it is not JSON (${(e as Error).message})`);
  }
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    return bad(type, `it is JSON ${Array.isArray(v) ? "array" : typeof v}, not an object`);
  }
  try {
    return wellFormed(v) as Json;
  } catch (e) {
    if (e instanceof CosignError) bad(type, "a number is out of range");
    throw e;
  }
}

// ---- protobuf-schema normalization (protojson.Unmarshal with DiscardUnknown, then Marshal) ----

type Kind = "string" | "bool" | "struct" | "timestamp" | "bytes" | "smap" | Schema | [Schema];
interface Schema {
  [protoName: string]: Kind;
}

function camel(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** protojson's Timestamp: RFC 3339 in, UTC out with 0, 3, 6 or 9 fractional digits. */
function protoTimestamp(type: string, field: string, v: unknown): string {
  const m = typeof v === "string"
    ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(v)
    : null;
  if (!m) return bad(type, `"${field}" is not an RFC 3339 time`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59 || y < 1) {
    return bad(type, `"${field}" is not a valid time`);
  }
  if (m[8] !== "Z") {
    const sign = m[8][0] === "-" ? -1 : 1;
    ms -= sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60_000;
  }
  const t = new Date(ms);
  const nanos = Number((m[7] ?? "").padEnd(9, "0"));
  const frac = nanos === 0
    ? ""
    : nanos % 1e6 === 0
    ? `.${pad(nanos / 1e6, 3)}`
    : nanos % 1e3 === 0
    ? `.${pad(nanos / 1e3, 6)}`
    : `.${pad(nanos, 9)}`;
  const yy = t.getUTCFullYear();
  if (yy < 1 || yy > 9999) return bad(type, `"${field}" is out of range`);
  return `${pad(yy, 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${
    pad(t.getUTCHours())
  }:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${frac}Z`;
}

function protoValue(type: string, field: string, kind: Kind, v: unknown): unknown {
  const want = (ok: boolean, what: string) => {
    if (!ok) bad(type, `"${field}" is not ${what}`);
  };
  if (kind === "string") return want(typeof v === "string", "a string"), v || undefined;
  if (kind === "bool") return want(typeof v === "boolean", "a boolean"), v || undefined;
  if (kind === "timestamp") return protoTimestamp(type, field, v);
  if (kind === "bytes") {
    want(typeof v === "string", "base64");
    const std = (v as string).replace(/-/g, "+").replace(/_/g, "/");
    let bytes: Uint8Array;
    try {
      bytes = base64.decode(std + "=".repeat((4 - (std.length % 4)) % 4));
    } catch {
      return bad(type, `"${field}" is not base64`);
    }
    return bytes.length ? base64.encode(bytes) : undefined;
  }
  if (kind === "struct") {
    want(typeof v === "object" && !Array.isArray(v), "an object");
    return v;
  }
  if (kind === "smap") {
    want(typeof v === "object" && !Array.isArray(v), "an object of strings");
    const entries = Object.entries(v as Json);
    for (const [k, x] of entries) {
      if (typeof x !== "string") bad(type, `"${field}.${k}" is not a string`);
    }
    return entries.length ? v : undefined;
  }
  if (Array.isArray(kind)) {
    want(Array.isArray(v), "a list");
    const items = (v as unknown[]).map((x, i) => {
      if (x === null) bad(type, `"${field}[${i}]" is null`);
      return protoMessage(type, `${field}[${i}]`, kind[0], x);
    });
    return items.length ? items : undefined;
  }
  return protoMessage(type, field, kind, v);
}

function protoMessage(type: string, path: string, schema: Schema, v: unknown): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return bad(type, `"${path || "predicate"}" is not an object`);
  }
  const o = v as Json;
  const out: Json = {};
  for (const [proto, kind] of Object.entries(schema)) {
    const json = camel(proto);
    const both = json !== proto && json in o && proto in o;
    if (both) bad(type, `"${path ? path + "." : ""}${json}" is given twice`);
    const x = json in o ? o[json] : o[proto];
    if (x === null || x === undefined) continue;
    const value = protoValue(type, `${path ? path + "." : ""}${json}`, kind, x);
    if (value !== undefined) out[json] = value;
  }
  return out;
}

const RESOURCE_DESCRIPTOR: Schema = {
  name: "string",
  uri: "string",
  digest: "smap",
  content: "bytes",
  download_location: "string",
  media_type: "string",
  annotations: "struct",
};

/** in-toto attestation's SLSA provenance v0.2 protobuf. */
const SLSA02: Schema = {
  builder: { id: "string" },
  build_type: "string",
  invocation: {
    config_source: { uri: "string", digest: "smap", entry_point: "string" },
    parameters: "struct",
    environment: "struct",
  },
  build_config: "struct",
  metadata: {
    build_invocation_id: "string",
    build_started_on: "timestamp",
    build_finished_on: "timestamp",
    completeness: { parameters: "bool", environment: "bool", materials: "bool" },
    reproducible: "bool",
  },
  materials: [{ uri: "string", digest: "smap" }],
};

/** in-toto attestation's SLSA provenance v1 protobuf. */
const SLSA1: Schema = {
  build_definition: {
    build_type: "string",
    external_parameters: "struct",
    internal_parameters: "struct",
    resolved_dependencies: [RESOURCE_DESCRIPTOR],
  },
  run_details: {
    builder: { id: "string", version: "smap", builder_dependencies: [RESOURCE_DESCRIPTOR] },
    metadata: { invocation_id: "string", started_on: "timestamp", finished_on: "timestamp" },
    byproducts: [RESOURCE_DESCRIPTOR],
  },
};

// ---- Go struct normalization (json.Unmarshal into a struct, json.Marshal back) ----

/** Go's time.Time JSON round trip: RFC 3339 in, RFC 3339 with nanoseconds trimmed out. */
function goTime(type: string, field: string, v: unknown): string {
  if (v === undefined || v === null) return "0001-01-01T00:00:00Z";
  const m = typeof v === "string"
    ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(v)
    : null;
  if (!m || Number.isNaN(Date.parse(`${m[1]}Z`))) {
    return bad(type, `"${field}" is not an RFC 3339 time`);
  }
  const frac = (m[2] ?? "").replace(/0+$/, "");
  const zone = m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3];
  return `${m[1]}${frac ? "." + frac : ""}${zone}`;
}

function goStr(type: string, field: string, v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") bad(type, `"${field}" is not a string`);
  return v as string;
}

function goObj(type: string, field: string, v: unknown): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) bad(type, `"${field}" is not an object`);
  return v as Json;
}

function vulnPredicate(type: string, o: Json): Json {
  const inv = goObj(type, "invocation", o.invocation);
  const sc = goObj(type, "scanner", o.scanner);
  const db = goObj(type, "scanner.db", sc.db);
  const md = goObj(type, "metadata", o.metadata);
  return {
    invocation: {
      parameters: inv.parameters ?? null,
      uri: goStr(type, "invocation.uri", inv.uri),
      event_id: goStr(type, "invocation.event_id", inv.event_id),
      "builder.id": goStr(type, "invocation.builder.id", inv["builder.id"]),
    },
    scanner: {
      uri: goStr(type, "scanner.uri", sc.uri),
      version: goStr(type, "scanner.version", sc.version),
      db: {
        uri: goStr(type, "scanner.db.uri", db.uri),
        version: goStr(type, "scanner.db.version", db.version),
      },
      result: sc.result ?? null,
    },
    metadata: {
      scanStartedOn: goTime(type, "metadata.scanStartedOn", md.scanStartedOn),
      scanFinishedOn: goTime(type, "metadata.scanFinishedOn", md.scanFinishedOn),
    },
  };
}

const LINK_FIELDS = [
  "_type",
  "name",
  "materials",
  "products",
  "byproducts",
  "command",
  "environment",
] as const;

function linkPredicate(type: string, o: Json): Json {
  for (const f of LINK_FIELDS) {
    if (!(f in o)) bad(type, `required field ${f} missing`);
  }
  const hashes = (f: string) => {
    const m = o[f];
    if (m === null) return null;
    const obj = goObj(type, f, m);
    for (const [k, h] of Object.entries(obj)) {
      const hv = goObj(type, `${f}.${k}`, h);
      for (const [a, x] of Object.entries(hv)) {
        if (typeof x !== "string") bad(type, `"${f}.${k}.${a}" is not a string`);
      }
    }
    return obj;
  };
  const anyMap = (f: string) => (o[f] === null ? null : goObj(type, f, o[f]));
  const cmd = o.command;
  if (cmd !== null && (!Array.isArray(cmd) || cmd.some((c) => typeof c !== "string"))) {
    bad(type, '"command" is not a list of strings');
  }
  return {
    _type: goStr(type, "_type", o._type),
    name: goStr(type, "name", o.name),
    materials: hashes("materials"),
    products: hashes("products"),
    byproducts: anyMap("byproducts"),
    command: cmd,
    environment: anyMap("environment"),
  };
}

/** cosign's custom predicate's time: RFC 3339 in UTC, whole seconds. */
function rfc3339Seconds(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Shapes the predicate for cosign type name `type` (see the module documentation); a type that
 * is not one of cosign's names is a URI, whose predicate is the file's JSON object. Throws
 * CosignError("INVALID_INPUT") when the file does not fit the type (not JSON, not an object, a
 * field of the wrong kind, invalid UTF-8 for `custom`).
 *
 * @example
 * ```ts
 * shapePredicate("custom", new TextEncoder().encode("hi"), new Date(0));
 * // { predicate: { Data: "hi", Timestamp: "1970-01-01T00:00:00Z" }, legacyString: false }
 * ```
 */
export function shapePredicate(type: string, raw: Uint8Array, now: Date): ShapedPredicate {
  switch (type) {
    case "custom":
    case "https://cosign.sigstore.dev/attestation/v1": {
      let data: string;
      try {
        data = new TextDecoder("utf-8", { fatal: true }).decode(raw);
      } catch {
        return bad(type, "it is not UTF-8 text");
      }
      return { predicate: { Data: data, Timestamp: rfc3339Seconds(now) }, legacyString: false };
    }
    case "spdx":
      return { predicate: goString(raw), legacyString: true };
    case "slsaprovenance":
    case "slsaprovenance02":
      return {
        predicate: protoMessage(type, "", SLSA02, jsonObject(type, raw)),
        legacyString: false,
      };
    case "slsaprovenance1": {
      const o = jsonObject(type, raw);
      const md = (o.runDetails as Json | undefined)?.metadata as Json | undefined;
      if (md && typeof md === "object" && !Array.isArray(md) && "invocationID" in md) {
        md.invocationId = md.invocationID;
        delete md.invocationID;
      }
      return { predicate: protoMessage(type, "", SLSA1, o), legacyString: false };
    }
    case "link":
      return { predicate: linkPredicate(type, jsonObject(type, raw)), legacyString: false };
    case "vuln":
      return { predicate: vulnPredicate(type, jsonObject(type, raw)), legacyString: false };
    default:
      return { predicate: jsonObject(type, raw), legacyString: false };
  }
}
