/**
 * Reading Tekton resource files: the file's text (a regular file, at most the size Kubernetes
 * stores for an object, UTF-8) and its YAML documents parsed as sigs.k8s.io/yaml reads them (YAML
 * 1.1 scalars and merge keys, timestamps left as strings, no sexagesimal numbers, duplicate keys
 * refused).
 *
 * @example
 * ```ts
 * const text = await readResourceText("task.yaml", "Pass Tekton resource files with -f.");
 * const docs = parseYamlDocuments(text);
 * ```
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { type Document, parseAllDocuments } from "yaml";
import { CosignError } from "../../core/errors.ts";

/** The largest resource file read (Kubernetes stores objects up to about 1.5 MiB). */
export const MAX_RESOURCE_FILE_BYTES = 1536 * 1024;

/**
 * The text of a resource file. CosignError NOT_FOUND/IO (with `hint`), TOO_LARGE beyond
 * {@link MAX_RESOURCE_FILE_BYTES}, INVALID_INPUT for a directory or text that is not UTF-8.
 */
export async function readResourceText(path: string, hint: string): Promise<string> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) {
      throw new CosignError("INVALID_INPUT", `Cannot read "${path}": it is not a regular file`, {
        hint,
      });
    }
    size = s.size;
  } catch (e) {
    if (e instanceof CosignError) throw e;
    const code = (e as { code?: string }).code;
    throw new CosignError(
      code === "ENOENT" ? "NOT_FOUND" : "IO",
      `Cannot read "${path}": ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
      { hint },
    );
  }
  if (size > MAX_RESOURCE_FILE_BYTES) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot read "${path}": it is ${size} bytes, more than a Kubernetes object may be (${MAX_RESOURCE_FILE_BYTES})`,
      { hint: "A Tekton resource file is YAML or JSON of a few kilobytes." },
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await readFile(path));
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read "${path}": it is not UTF-8 text`, { hint });
  }
}

/** The YAML documents of `text`, parsed as sigs.k8s.io/yaml reads them (see the module doc). */
export function parseYamlDocuments(text: string): Document[] {
  const docs = parseAllDocuments(text, {
    version: "1.1",
    merge: true,
    uniqueKeys: true,
    // sigs.k8s.io/yaml (go-yaml v2) leaves timestamps as strings and knows no sexagesimal numbers.
    customTags: (tags) =>
      tags.filter((t) =>
        typeof t === "string" ||
        (t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME")
      ),
  });
  return (Array.isArray(docs) ? docs : [docs]) as Document[];
}
