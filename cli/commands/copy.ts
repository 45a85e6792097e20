/**
 * `cosign-ts copy [--only sig,att,sbom] [--sig-only] [-f] [--platform OS/ARCH] SRC DST`: copies
 * an image (or index, recursively) and its signatures, attestations and SBOMs
 * (`sha256-<hex>.sig|.att|.sbom`, and OCI 1.1 referrers such as cosign v3's bundles, for the
 * image and every manifest of an index) to another repository, as `cosign copy` does: each
 * manifest is also tagged `sha256-<hex>` in the destination (where that tag is free: it may hold
 * a referrers fallback index), blobs are mounted across repositories of one registry (else
 * streamed), blobs and manifests the destination already has are skipped, and DST's tag is moved
 * last. An existing different destination is an error unless `-f`.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";
import type { Command } from "../command.ts";
import type { RegistryClient } from "../../oci/client.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import {
  parseReference,
  type Reference,
  referenceString,
  type Repository,
  withDigest,
  withTag,
} from "../../oci/reference.ts";
import { registrySink, registrySource } from "../../oci/registry_endpoint.ts";
import {
  manifestChildren,
  type ManifestData,
  MAX_INDEX_DEPTH,
  transferImage,
} from "../../oci/transfer.ts";
import type { SignatureSuffix } from "../../plugins/artifact-oci/layout.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";
import { selectPlatform } from "../select_platform.ts";
import { copyReferrers } from "../copy_referrers.ts";

/** Parses `--only` (comma-separated, repeatable) and `--sig-only` as cosign does. */
export function parseOnly(only: string[], sigOnly: boolean): SignatureSuffix[] {
  const set = new Set(only.flatMap((o) => o.split(",")).map((s) => s.trim()).filter(Boolean));
  if (sigOnly) set.add("sig");
  const valid: SignatureSuffix[] = ["sig", "sbom", "att"];
  for (const t of set) {
    if (!valid.includes(t as SignatureSuffix)) {
      throw new CosignError(
        "USAGE",
        `invalid value for --only: ${t}, only the following values are supported: [sig sbom att]`,
      );
    }
  }
  return valid.filter((v) => set.has(v));
}

/** Copies `src` to `dst` unless dst already holds it; 404 on src is skipped (as cosign). */
async function remoteCopy(
  client: RegistryClient,
  src: Reference,
  dst: Reference,
  force: boolean,
  ctx: Context,
  known?: ManifestData,
): Promise<boolean> {
  const source = registrySource(client, src);
  const got = known ?? await source.manifest(src.digest ?? src.tag ?? "latest");
  if (!got) return false;
  if (!force) {
    const have = await client.headManifest(dst);
    if (have) {
      if (have.digest === got.digest) return false;
      throw new CosignError(
        "INVALID_INPUT",
        `image "${referenceString(dst)}" already exists. Use \`-f\` to overwrite`,
        { hint: "Pass -f to replace it." },
      );
    }
  }
  ctx.log.info(`Copying ${referenceString(src)} to ${referenceString(dst)}...`);
  await transferImage(source, registrySink(client, dst), got, {
    tag: dst.digest ? undefined : dst.tag,
  });
  return true;
}

/** Every manifest of the graph under `root` (root first), as cosign's walk visits them. */
async function walk(
  client: RegistryClient,
  repo: Repository,
  root: ManifestData,
): Promise<ManifestData[]> {
  const out: ManifestData[] = [];
  const seen = new Set<string>();
  const visit = async (m: ManifestData, depth: number) => {
    if (seen.has(m.digest)) return;
    seen.add(m.digest);
    out.push(m);
    if (depth >= MAX_INDEX_DEPTH) return;
    for (const c of manifestChildren(m).manifests) {
      const child = await client.getManifest(withDigest(repo, c.digest));
      await visit({ ...child, mediaType: c.mediaType || child.mediaType }, depth + 1);
    }
  };
  await visit(root, 0);
  return out;
}

/**
 * Copies one manifest of the graph by digest and tags it `sha256-<hex>` in DST as cosign does,
 * but only where that tag is free: it is a mere anchor, and on registries without the referrers
 * API the same tag holds the OCI 1.1 referrers index, which must not be clobbered.
 */
async function copyEntity(
  client: RegistryClient,
  src: Repository,
  dst: Repository,
  m: ManifestData,
  ctx: Context,
): Promise<void> {
  const anchor = withTag(dst, m.digest.replace(":", "-"));
  const have = await client.headManifest(anchor);
  if (have?.digest === m.digest) return;
  if (have && await client.headManifest(withDigest(dst, m.digest))) return;
  ctx.log.info(
    `Copying ${referenceString(withDigest(src, m.digest))} to ${referenceString(anchor)}...`,
  );
  await transferImage(registrySource(client, src), registrySink(client, dst), m, {
    tag: have ? undefined : anchor.tag,
  });
}

/** The copy command. */
export const command: Command = {
  name: "copy",
  summary: "Copies the supplied container image and signatures.",
  usage: "cosign-ts copy [--only sig,att,sbom] [-f] [--platform OS/ARCH] SRC_IMAGE DST_IMAGE",
  examples: [
    "cosign-ts copy example.com/src:latest example.com/dest:latest",
    "cosign-ts copy --only=sig example.com/src example.com/dest",
    "cosign-ts copy --only=sig,att example.com/src example.com/dest",
    "cosign-ts copy -f example.com/src example.com/dest",
    "cosign-ts copy --platform=linux/amd64 example.com/src:latest example.com/dest:latest",
  ],
  flags: [
    {
      name: "only",
      type: "strings",
      placeholder: "sig,att,sbom",
      description: "Only copy these kinds of attachments (comma-separated), not the image tag.",
    },
    {
      name: "sig-only",
      type: "boolean",
      description: "[DEPRECATED] only copy the image signature (same as --only=sig).",
    },
    {
      name: "force",
      short: "f",
      type: "boolean",
      description: "Overwrite destination image(s), if necessary.",
    },
    {
      name: "platform",
      type: "string",
      placeholder: "OS/ARCH[/VARIANT]",
      description: "Only copy the image (and its signatures) of this platform from an index.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 2, max: 2 },
  async run({ flags, args, ctx }) {
    if (flags["sig-only"] === true) {
      ctx.log.warn("--sig-only is deprecated, use --only=sig instead");
    }
    const only = parseOnly(flags.only as string[], flags["sig-only"] === true);
    const suffixes: SignatureSuffix[] = only.length ? only : ["sig", "att", "sbom"];
    const force = flags.force === true;
    const src = parseReference(args[0]);
    const dst = parseReference(args[1]);
    const client = registryClientFor(ctx);
    let root = await client.getManifest(src);
    if (typeof flags.platform === "string" && flags.platform !== "") {
      root = await selectPlatform(client, src, root, flags.platform);
    }
    const env = (n: string) => ctx.env(n);
    for (const m of await walk(client, src, root)) {
      for (const suffix of suffixes) {
        const from = signatureReference(src, m.digest, suffix, env);
        await remoteCopy(client, from, withTag(dst, from.tag!), force, ctx);
      }
      // OCI 1.1 referrers (cosign v3 bundles) first: on registries without the referrers API
      // their index takes the sha256-<hex> tag, which the entity copy then leaves alone.
      await copyReferrers(client, src, dst, m.digest, only.length ? only : undefined, ctx);
      await copyEntity(client, src, dst, m, ctx);
    }
    if (only.length) return;
    await remoteCopy(client, withDigest(src, root.digest), dst, force, ctx, root);
  },
};
