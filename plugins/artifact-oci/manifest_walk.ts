/**
 * The manifests under an image or an index, as `sign --recursive` and `copy` walk them: the
 * root, then for an index every manifest it lists (recursively, depth first, parents before
 * children), each once. One walk for both, so they agree on what "the whole graph" is.
 *
 * @example
 * ```ts
 * const all = await walkManifests(client, repo, await client.getManifest(ref));
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { type Repository, repositoryString, withDigest } from "../../oci/reference.ts";
import { manifestChildren, type ManifestData, MAX_INDEX_DEPTH } from "../../oci/transfer.ts";

/**
 * Every manifest of the graph under `root` (root first; a child's media type is its descriptor's,
 * else the registry's). Throws CosignError("INVALID_INPUT") for a malformed manifest or an index
 * nested more than {@link MAX_INDEX_DEPTH} deep, NOT_FOUND for a missing child, and the registry
 * client's errors.
 */
export async function walkManifests(
  client: RegistryClient,
  repo: Repository,
  root: ManifestData,
): Promise<ManifestData[]> {
  const out: ManifestData[] = [];
  const seen = new Set<string>();
  const visit = async (m: ManifestData, depth: number): Promise<void> => {
    if (seen.has(m.digest)) return;
    seen.add(m.digest);
    out.push(m);
    const where = `${repositoryString(repo)}@${m.digest}`;
    const { manifests } = manifestChildren(m, where);
    if (manifests.length && depth >= MAX_INDEX_DEPTH) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot walk index ${where}: nested more than ${MAX_INDEX_DEPTH} deep`,
      );
    }
    for (const c of manifests) {
      const child = await client.getManifest(withDigest(repo, c.digest));
      await visit({ ...child, mediaType: c.mediaType || child.mediaType }, depth + 1);
    }
  };
  await visit(root, 0);
  return out;
}
