/**
 * Tekton trusted resources: signing and verifying Task and Pipeline files the way Tekton's
 * trusted-resources feature checks them. The signature covers the SHA-256 of the resource's
 * canonical form (canonical.ts), signed as a message by the key (ECDSA/RSA over SHA-256 of those
 * 32 bytes, as sigstore's `SignMessage`), base64 in the `tekton.dev/signature` annotation.
 *
 * Signing writes the file back with only that annotation line added or replaced (as `tkn task
 * sign` does since it stopped re-marshalling documents), so comments, order and folded scalars
 * stay as written.
 *
 * @example
 * ```ts
 * const signed = await signResourceText(text, "task.yaml", signer);
 * await verifyResourceText(signed, "task.yaml", verifier); // { kind: "Task", name: "hello", … }
 * ```
 * @module
 */
import { isMap, isScalar, type Node, stringify } from "yaml";
import { base64 } from "@scure/base";
import { CosignError } from "../../core/errors.ts";
import type { Signer, Verifier } from "../../core/plugin.ts";
import { canonicalResource, signableKind, SIGNATURE_ANNOTATION } from "./canonical.ts";
import { parseYamlDocuments } from "./resource_text.ts";

/** What a verified resource is. */
export interface TrustedResource {
  /** `Task` or `Pipeline`. */
  kind: string;
  /** `tekton.dev/v1`, … */
  apiVersion: string;
  /** metadata.name. */
  name: string;
  /** SHA-256 of the canonical form, hex. */
  checksum: string;
}

function bad(source: string, why: string, hint?: string): CosignError {
  return new CosignError("INVALID_INPUT", `Cannot read "${source}" as a Tekton resource: ${why}`, {
    hint: hint ?? "Pass one Task or Pipeline in YAML.",
  });
}

function parseOne(text: string, source: string) {
  const list = parseYamlDocuments(text).filter((d) => d.contents !== null || d.errors.length > 0);
  for (const d of list) {
    if (d.errors.length > 0) {
      throw bad(source, `it is not valid YAML (${d.errors[0].message.split("\n")[0]})`);
    }
  }
  if (list.length !== 1) {
    throw bad(source, `it holds ${list.length} documents`, "Sign one Task or Pipeline per file.");
  }
  const doc = list[0];
  const value = doc.toJS({ maxAliasCount: 100 });
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad(source, "it is not a mapping");
  }
  return { doc, value: value as Record<string, unknown> };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Line (0-based) and column of an offset. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) };
}

function keyOf(p: { key: unknown }): unknown {
  return isScalar(p.key) ? p.key.value : p.key;
}

/**
 * `text` with `metadata.annotations[key] = value` written into it, every other byte unchanged
 * (line endings kept). Throws CosignError("INVALID_INPUT") when the document is not a block
 * mapping with a non-empty block `metadata`, when annotations is not a block mapping, when an
 * existing entry for `key` spans several lines, or when an edited node carries an anchor.
 */
export function insertAnnotation(text: string, source: string, key: string, value: string): string {
  const { doc } = parseOne(text, source);
  const root = doc.contents;
  if (!isMap(root) || root.flow) throw bad(source, "the document is not a block mapping");
  const metaPair = root.items.find((p) => keyOf(p) === "metadata");
  const meta = metaPair?.value as Node | null | undefined;
  if (!metaPair) throw bad(source, "it has no metadata");
  if (!isMap(meta) || meta.flow || meta.items.length === 0) {
    throw bad(
      source,
      "metadata is not a non-empty block mapping",
      "Write metadata in block style.",
    );
  }
  if (meta.anchor) throw bad(source, "metadata has a YAML anchor");
  const lines = text.split("\n");
  const encoded = stringify(value, { lineWidth: 0 }).trimEnd();
  const lineOf = (n: Node) => position(text, n.range![0]);
  const replace = (i: number, newText: string) => {
    const cr = lines[i].endsWith("\r") ? "\r" : "";
    lines.splice(i, 1, ...newText.split("\n").map((l) => l + cr));
  };
  const insert = (i: number, newText: string) => {
    const cr = lines[i]?.endsWith("\r") ? "\r" : "";
    lines.splice(i, 0, ...newText.split("\n").map((l) => l + cr));
  };
  const annPair = meta.items.find((p) => keyOf(p) === "annotations");
  const ann = annPair?.value as Node | null | undefined;
  if (ann && (ann as { anchor?: string }).anchor) {
    throw bad(source, "annotations has a YAML anchor");
  }
  if (annPair && isMap(ann) && !ann.flow && ann.items.length > 0) {
    const old = ann.items.find((p) => keyOf(p) === key);
    if (old) {
      const k = old.key as Node;
      const v = old.value as Node | null;
      if ((v as { anchor?: string } | null)?.anchor) {
        throw bad(source, `its ${key} annotation has a YAML anchor`);
      }
      const at = lineOf(k);
      if (
        !isScalar(v) || position(text, v.range![0]).line !== at.line ||
        text.slice(v.range![0], v.range![1]).includes("\n")
      ) {
        throw bad(source, `its ${key} annotation spans several lines`, "Write it on one line.");
      }
      replace(at.line, " ".repeat(at.column) + `${key}: ${encoded}`);
      return lines.join("\n");
    }
    const first = lineOf(ann.items[0].key as Node);
    insert(first.line, " ".repeat(first.column) + `${key}: ${encoded}`);
    return lines.join("\n");
  }
  if (
    annPair &&
    (ann === null || ann === undefined || (isScalar(ann) && ann.value === null) ||
      (isMap(ann) && ann.items.length === 0))
  ) {
    const at = lineOf(annPair.key as Node);
    const indent = " ".repeat(at.column);
    replace(at.line, `${indent}annotations:\n${indent}  ${key}: ${encoded}`);
    return lines.join("\n");
  }
  if (annPair) throw bad(source, "metadata.annotations is not a block mapping");
  const first = lineOf(meta.items[0].key as Node);
  const indent = " ".repeat(first.column);
  insert(first.line, `${indent}annotations:\n${indent}  ${key}: ${encoded}`);
  return lines.join("\n");
}

/**
 * Signs a Task or Pipeline file's text: returns the text with the `tekton.dev/signature`
 * annotation set. Throws CosignError for files that are not one Task/Pipeline, fields the
 * canonical form cannot encode, or a layout the annotation cannot be inserted into.
 */
export async function signResourceText(
  text: string,
  source: string,
  signer: Signer,
): Promise<{ text: string; resource: TrustedResource }> {
  const { value } = parseOne(text, source);
  const { kind } = signableKind(value, source);
  const { checksum } = await canonicalResource(value, source);
  const signature = await signer.sign(checksum);
  const signed = insertAnnotation(text, source, SIGNATURE_ANNOTATION, base64.encode(signature));
  return {
    text: signed,
    resource: {
      kind,
      apiVersion: String(value.apiVersion),
      name: String((value.metadata as Record<string, unknown> | undefined)?.name ?? ""),
      checksum: hex(checksum),
    },
  };
}

/**
 * Verifies a signed Task or Pipeline file's text. Throws CosignError("VERIFY", check
 * "signature") — exit 12 — when the annotation is missing, not base64, or does not verify.
 */
export async function verifyResourceText(
  text: string,
  source: string,
  verifier: Verifier,
): Promise<TrustedResource> {
  const { value } = parseOne(text, source);
  const { kind } = signableKind(value, source);
  const annotations = ((value.metadata as Record<string, unknown> | undefined)?.annotations ??
    {}) as Record<string, unknown>;
  const sig = annotations[SIGNATURE_ANNOTATION];
  if (typeof sig !== "string" || sig === "") {
    throw new CosignError(
      "VERIFY",
      `${kind} "${source}" has no ${SIGNATURE_ANNOTATION} annotation`,
      { hint: "Sign it first: cosign-ts tekton sign --key KEY FILE.", check: "signature" },
    );
  }
  let signature: Uint8Array;
  try {
    signature = base64.decode(sig);
  } catch {
    throw new CosignError(
      "VERIFY",
      `${kind} "${source}": the ${SIGNATURE_ANNOTATION} annotation is not base64`,
      { check: "signature" },
    );
  }
  const { checksum } = await canonicalResource(value, source);
  if (!(await verifier.verify(checksum, signature))) {
    throw new CosignError(
      "VERIFY",
      `${kind} "${source}" fails verification: its signature does not match its content and the key`,
      {
        hint: "The resource changed after signing, or another key signed it.",
        check: "signature",
      },
    );
  }
  return {
    kind,
    apiVersion: String(value.apiVersion),
    name: String((value.metadata as Record<string, unknown> | undefined)?.name ?? ""),
    checksum: hex(checksum),
  };
}
