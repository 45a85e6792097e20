/**
 * Tekton's canonical form of a Task or Pipeline for trusted resources: the object with its
 * metadata reduced as Tekton's `checksum.PrepareObjectMeta` does (name, generateName, namespace,
 * labels, annotations without `tekton.dev/signature`, `kubectl-client-side-apply` and
 * `kubectl.kubernetes.io/last-applied-configuration`; cluster fields such as `uid` left out),
 * marshalled by Go's `encoding/json` through
 * Tekton's Go types (schema.ts); its SHA-256 is what a signature covers (`Task.Checksum()`).
 *
 * Anything the schema does not know is refused with a message naming the field, because a guessed
 * encoding would produce a signature Tekton does not accept.
 *
 * @example
 * ```ts
 * const { json, checksum } = await canonicalResource(doc, "task.yaml");
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { goJson, goMap, goQuote } from "../../core/go_json.ts";
import { goDuration } from "../../core/go_duration.ts";
import { canonicalQuantity } from "./go_values.ts";
import { type GoStruct, type GoType, SCHEMAS } from "./schema.ts";

/** The annotation holding a trusted resource's signature. */
export const SIGNATURE_ANNOTATION = "tekton.dev/signature";

/** Annotations Tekton's checksum leaves out (besides the signature). */
const SYSTEM_ANNOTATIONS = [
  "kubectl-client-side-apply",
  "kubectl.kubernetes.io/last-applied-configuration",
];

function refuse(source: string, path: string, why: string, hint?: string): CosignError {
  return new CosignError(
    "INVALID_INPUT",
    `Cannot compute Tekton's canonical form of "${source}": ${path} ${why}`,
    {
      hint: hint ??
        "cosign-ts signs the Task and Pipeline fields listed in docs/tekton.md; remove the field " +
          "or sign with tkn if Tekton needs it.",
    },
  );
}

function typeName(t: GoType): string {
  if (typeof t === "string") return t;
  if ("list" in t) return `list of ${typeName(t.list)}`;
  if ("ptr" in t) return typeName(t.ptr);
  if ("map" in t) return `map of ${typeName(t.map)}`;
  return t.struct.name;
}

/** Encodes a present value of type `t`; undefined means "omit" (omitempty and empty). */
function encode(
  v: unknown,
  t: GoType,
  omitempty: boolean,
  path: string,
  source: string,
): string | undefined {
  const absent = v === undefined || v === null;
  if (typeof t === "string") {
    switch (t) {
      case "nullTime":
        return "null";
      case "string":
        if (absent) return omitempty ? undefined : '""';
        if (typeof v !== "string") {
          throw refuse(source, path, `is a ${typeof v}, not a string`, "Quote the value.");
        }
        return omitempty && v === "" ? undefined : goQuote(v);
      case "bool":
        if (absent) return omitempty ? undefined : "false";
        if (typeof v !== "boolean") throw refuse(source, path, "is not true or false");
        return omitempty && !v ? undefined : String(v);
      case "int":
        if (absent) return omitempty ? undefined : "0";
        if (typeof v !== "number" || !Number.isSafeInteger(v)) {
          throw refuse(source, path, "is not an integer");
        }
        return omitempty && v === 0 ? undefined : String(v);
      case "duration": {
        if (absent) return omitempty ? undefined : '"0s"';
        const d = typeof v === "string" ? goDuration(v) : undefined;
        if (d === undefined) {
          throw refuse(
            source,
            path,
            `is not a Go duration (${JSON.stringify(v)})`,
            "Write e.g. 1h30m.",
          );
        }
        return goQuote(d);
      }
      case "quantity": {
        if (absent) return omitempty ? undefined : '"0"';
        const q = typeof v === "string" || typeof v === "number"
          ? canonicalQuantity(String(v))
          : undefined;
        if (q === undefined) {
          throw refuse(
            source,
            path,
            `is a quantity cosign-ts cannot canonicalize (${JSON.stringify(v)})`,
          );
        }
        return goQuote(q);
      }
      case "paramValue": {
        if (absent) {
          if (omitempty) return undefined;
          throw refuse(source, path, "is missing");
        }
        if (typeof v === "string") return goQuote(v);
        if (Array.isArray(v) && v.every((x) => typeof x === "string")) return goJson(v);
        if (
          typeof v === "object" && !Array.isArray(v) &&
          Object.values(v as object).every((x) => typeof x === "string")
        ) return goJson(goMap(v as Record<string, unknown>));
        throw refuse(
          source,
          path,
          "is not a string, a list of strings or a map of strings",
          "Quote numbers and booleans in parameter values.",
        );
      }
      case "stringMap":
      case "quantityMap": {
        if (absent) return omitempty ? undefined : "null";
        if (typeof v !== "object" || Array.isArray(v)) throw refuse(source, path, "is not a map");
        const entries = Object.entries(v as Record<string, unknown>);
        if (omitempty && entries.length === 0) return undefined;
        const out: Record<string, unknown> = {};
        for (const [k, x] of entries) {
          if (t === "stringMap") {
            if (typeof x !== "string") {
              throw refuse(source, `${path}.${k}`, `is a ${typeof x}, not a string`, "Quote it.");
            }
            out[k] = x;
          } else {
            const q = typeof x === "string" || typeof x === "number"
              ? canonicalQuantity(String(x))
              : undefined;
            if (q === undefined) {
              throw refuse(source, `${path}.${k}`, `is not a quantity cosign-ts can canonicalize`);
            }
            out[k] = q;
          }
        }
        return goJson(goMap(out));
      }
    }
  }
  if ("ptr" in t) {
    if (absent) return omitempty ? undefined : "null";
    return encode(v, t.ptr, false, path, source);
  }
  if ("list" in t) {
    if (absent) return omitempty ? undefined : "null";
    if (!Array.isArray(v)) throw refuse(source, path, `is not a list (of ${typeName(t.list)})`);
    if (omitempty && v.length === 0) return undefined;
    return "[" + v.map((x, i) => encode(x, t.list, false, `${path}[${i}]`, source) ?? "null")
      .join(",") +
      "]";
  }
  if ("map" in t) {
    if (absent) return omitempty ? undefined : "null";
    if (typeof v !== "object" || Array.isArray(v)) throw refuse(source, path, "is not a map");
    const keys = Object.keys(v as object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (omitempty && keys.length === 0) return undefined;
    return "{" + keys.map((k) =>
      goQuote(k) + ":" +
      (encode((v as Record<string, unknown>)[k], t.map, false, `${path}.${k}`, source) ?? "null")
    ).join(",") + "}";
  }
  // A struct is never omitted by Go's omitempty.
  return encodeStruct(absent ? {} : v, t.struct, path, source);
}

function encodeStruct(v: unknown, st: GoStruct, path: string, source: string): string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw refuse(source, path, `is not a mapping (a ${st.name})`);
  }
  const o = v as Record<string, unknown>;
  const known = new Set(st.fields.map((f) => f.json));
  for (const k of Object.keys(o)) {
    if (!known.has(k)) {
      throw refuse(
        source,
        path ? `${path}.${k}` : k,
        `is not a field cosign-ts knows in a ${st.name}`,
      );
    }
  }
  const parts: string[] = [];
  for (const f of st.fields) {
    const text = encode(
      o[f.json],
      f.type,
      f.omitempty,
      path ? `${path}.${f.json}` : f.json,
      source,
    );
    if (text !== undefined) parts.push(goQuote(f.json) + ":" + text);
  }
  return "{" + parts.join(",") + "}";
}

/** Kind and version of a Tekton resource that can be signed; CosignError otherwise. */
export function signableKind(doc: unknown, source: string): { version: string; kind: string } {
  const o = (typeof doc === "object" && doc !== null && !Array.isArray(doc) ? doc : {}) as Record<
    string,
    unknown
  >;
  const [group, version] = String(o.apiVersion ?? "").split("/", 2);
  const kind = String(o.kind ?? "");
  if (group !== "tekton.dev" || !SCHEMAS[`${version}/${kind}`]) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot sign "${source}" as a Tekton trusted resource: it is ${
        o.apiVersion ? `${o.apiVersion} ${kind || "(no kind)"}` : "not a Tekton resource"
      }`,
      { hint: "Trusted resources are Tasks and Pipelines of tekton.dev/v1 or v1beta1." },
    );
  }
  return { version, kind };
}

/**
 * The canonical JSON and its SHA-256 (the bytes a trusted-resource signature covers) of a decoded
 * Task or Pipeline. The signature and system annotations are left out as Tekton's checksum does.
 * Throws CosignError("INVALID_INPUT") naming the field it cannot encode.
 */
export async function canonicalResource(
  doc: Record<string, unknown>,
  source: string,
): Promise<{ json: string; checksum: Uint8Array }> {
  const { version, kind } = signableKind(doc, source);
  // As PrepareObjectMeta: only what the author wrote is kept (cluster fields such as uid,
  // resourceVersion or creationTimestamp are left out, whatever their value).
  const given = (doc.metadata ?? {}) as Record<string, unknown>;
  const meta: Record<string, unknown> = {};
  for (const k of ["name", "generateName", "namespace", "labels", "annotations"]) {
    if (given[k] !== undefined) meta[k] = given[k];
  }
  if (meta.annotations && typeof meta.annotations === "object") {
    const a = { ...(meta.annotations as Record<string, unknown>) };
    for (const k of [SIGNATURE_ANNOTATION, ...SYSTEM_ANNOTATIONS]) delete a[k];
    meta.annotations = a;
  }
  const json = encodeStruct(
    { ...doc, kind, apiVersion: `tekton.dev/${version}`, metadata: meta },
    SCHEMAS[`${version}/${kind}`],
    "",
    source,
  );
  const checksum = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(json)),
  );
  return { json, checksum };
}
