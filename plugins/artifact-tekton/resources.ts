/**
 * Tekton resources read from YAML or JSON files, as `tkn bundle push` decodes them: every document
 * of a file (YAML `---` separated, or a stream of JSON objects), empty documents skipped, each
 * turned into the JSON a layer holds (YAML: converted as sigs.k8s.io/yaml converts it, keys sorted,
 * Go's string escaping; JSON: the object's own text). Each resource is checked before anything is
 * pushed: `apiVersion` `tekton.dev/v1`, `v1beta1` or `v1alpha1`, a kind a bundle may hold (Task,
 * Pipeline, StepAction) and a `metadata.name` Kubernetes accepts.
 *
 * @example
 * ```ts
 * const [task] = parseResources("task.yaml", "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: hello}\n");
 * task.kind; // "Task"; task.version: "v1"; new TextDecoder().decode(task.json) starts '{"apiVersion"'
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import { goJsonBytes, goMap } from "../../core/go_json.ts";
import { parseYamlDocuments } from "./resource_text.ts";

/** Tekton API versions a bundle resource may have. */
export const TEKTON_VERSIONS: readonly string[] = ["v1", "v1beta1", "v1alpha1"];

/** Kinds a Tekton bundle holds (what the bundle resolver resolves). */
export const BUNDLE_KINDS: readonly string[] = ["Task", "Pipeline", "StepAction"];

/** Kubernetes' limit on a resource name (a DNS-1123 subdomain). */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** One Tekton resource of a file. */
export interface TektonResource {
  /** The file it came from (for messages). */
  source: string;
  /** `tekton.dev/v1`, … */
  apiVersion: string;
  /** `v1`, `v1beta1`, `v1alpha1`. */
  version: string;
  /** `Task`, `Pipeline`, `StepAction`. */
  kind: string;
  /** metadata.name. */
  name: string;
  /** The decoded document. */
  value: Record<string, unknown>;
  /** The JSON a bundle layer holds. */
  json: Uint8Array;
}

function invalid(source: string, what: string, hint?: string): CosignError {
  return new CosignError("INVALID_INPUT", `Invalid Tekton resource in "${source}": ${what}`, {
    hint: hint ?? "Each document must be a Tekton Task, Pipeline or StepAction with apiVersion " +
        "tekton.dev/v1 (or v1beta1), a kind and metadata.name.",
  });
}

/** Splits a stream of JSON values into their exact texts (as Go's json.Decoder reads them). */
function jsonTexts(source: string, text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && /\s/.test(c)) break;
    }
    if (depth !== 0 || inString) throw invalid(source, "the JSON is truncated");
    out.push(text.slice(start, i));
  }
  return out;
}

function checkResource(source: string, value: unknown, index: number): Omit<
  TektonResource,
  "json" | "source"
> {
  const at = `document ${index + 1}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(source, `${at} is not a mapping`);
  }
  const v = value as Record<string, unknown>;
  const apiVersion = v.apiVersion;
  if (typeof apiVersion !== "string" || apiVersion === "") {
    throw invalid(source, `${at} has no apiVersion`);
  }
  const [group, version] = apiVersion.split("/", 2);
  if (group !== "tekton.dev" || !TEKTON_VERSIONS.includes(version)) {
    throw invalid(
      source,
      `${at} has apiVersion "${apiVersion}", not a Tekton one (tekton.dev/v1, v1beta1, v1alpha1)`,
    );
  }
  const kind = v.kind;
  if (typeof kind !== "string" || kind === "") throw invalid(source, `${at} has no kind`);
  if (!BUNDLE_KINDS.includes(kind)) {
    throw invalid(
      source,
      `${at} is a ${kind}; a Tekton bundle holds only ${BUNDLE_KINDS.join(", ")}`,
      "Runs and other kinds are not bundled: put the Task or Pipeline they use in the bundle.",
    );
  }
  const meta = v.metadata;
  const name = typeof meta === "object" && meta !== null
    ? (meta as Record<string, unknown>).name
    : undefined;
  if (typeof name !== "string" || name === "") {
    throw invalid(source, `${at} (${kind}) has no metadata.name`);
  }
  if (name.length > 253 || !NAME.test(name)) {
    throw invalid(
      source,
      `${at} (${kind}) has metadata.name "${name}", which is not a valid Kubernetes name`,
      "Use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit.",
    );
  }
  return { apiVersion, version, kind, name, value: v };
}

/**
 * The Tekton resources of one file's text (YAML or JSON). Throws CosignError("INVALID_INPUT")
 * naming the file and the document for unparseable text or a document that is not a Tekton
 * resource a bundle may hold.
 */
export function parseResources(source: string, text: string): TektonResource[] {
  const out: TektonResource[] = [];
  if (/^\s*\{/.test(text)) {
    const texts = jsonTexts(source, text);
    texts.forEach((t, i) => {
      let value: unknown;
      try {
        value = JSON.parse(t);
      } catch (e) {
        throw invalid(source, `document ${i + 1} is not valid JSON (${(e as Error).message})`);
      }
      if (value === null) return;
      out.push({ source, ...checkResource(source, value, i), json: new TextEncoder().encode(t) });
    });
    return out;
  }
  const list = parseYamlDocuments(text);
  list.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw invalid(
        source,
        `document ${i + 1} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`,
      );
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    const checked = checkResource(source, value, i);
    out.push({ source, ...checked, json: goJsonBytes(goMap(checked.value)) });
  });
  return out;
}
