/**
 * `cosign-ts upload blob -f FILE[:OS[/ARCH]] [--ct MEDIATYPE] [-a k=v] REF`: uploads files as
 * OCI artifacts the way `cosign upload blob` does: one image per file with the file as its only
 * layer (media type from `--ct`, else sniffed from the content as cosign does), an OCI config,
 * `-a` annotations on the manifest, and with several files (each with a platform) an OCI index
 * of them at REF. Prints `REPO@sha256:…` of what REF now points at. Files are streamed (hashed
 * first, then uploaded), never held in memory.
 * @module
 */
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { CosignError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { digestFile, hex, openFileStream } from "../../plugins/artifact-blob/stream_digest.ts";
import { goJsonBytes, goMap } from "../../plugins/artifact-oci/go_json.ts";
import { goTime } from "../../plugins/artifact-oci/layout.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, repositoryString, withDigest } from "../../oci/reference.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from "../../oci/media_types.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { SNIFF_LENGTH, sniffContentType } from "../sniff_content_type.ts";

/** Chunk size of the (PATCH) uploads: small chunks keep memory low for large files. */
export const UPLOAD_CHUNK_BYTES: number = 4 * 1024 * 1024;

/** The standard annotation naming a layer's file (ORAS and others use it to name downloads). */
export const TITLE_ANNOTATION = "org.opencontainers.image.title";

interface FileSpec {
  path: string;
  platform?: { os: string; architecture?: string };
}

function parseFileFlag(s: string): FileSpec {
  const [path, plat] = s.split(":", 2);
  if (!path) {
    throw new CosignError("USAGE", `Bad -f value "${s}": no file path`, {
      hint: "Write -f FILE or -f FILE:OS/ARCH.",
    });
  }
  if (plat === undefined) return { path };
  const [os, architecture] = plat.split("/", 2);
  return { path, platform: { os, ...(architecture ? { architecture } : {}) } };
}

function parseAnnotations(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf("=");
    if (eq <= 0) {
      throw new CosignError("USAGE", `Bad annotation "${a}": expected key=value`, {
        hint: "Write -a key=value (repeat -a for more).",
      });
    }
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

async function sniffFile(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(SNIFF_LENGTH);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_LENGTH, 0);
    return sniffContentType(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The upload blob command. */
export const command: Command = {
  name: "upload blob",
  summary: "Uploads one or more files to the supplied container image address.",
  usage: "cosign-ts upload blob -f FILE[:OS[/ARCH]] [-f …] [--ct MEDIATYPE] [-a k=v]… IMAGE",
  examples: [
    "cosign-ts upload blob -f install.sh localhost:5000/tools/install:v1",
    "cosign-ts upload blob -f app.wasm --ct application/wasm -a version=1.2 registry.example/app",
    "cosign-ts upload blob -f foo-darwin:darwin -f foo-linux:linux/amd64 registry.example/foo",
  ],
  flags: [
    {
      name: "files",
      short: "f",
      type: "strings",
      placeholder: "FILE[:OS[/ARCH]]",
      description:
        "File to upload, with an optional platform (repeatable; several need platforms).",
    },
    {
      name: "ct",
      type: "string",
      placeholder: "MEDIATYPE",
      description: "Media type of the layer (default: detected from the content, as cosign).",
    },
    {
      name: "annotation",
      short: "a",
      aliases: ["annotations"],
      type: "strings",
      placeholder: "KEY=VALUE",
      description: "Annotation for the uploaded manifest (repeatable).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const files = (flags.files as string[]).map(parseFileFlag);
    if (files.length === 0) {
      throw new CosignError("USAGE", "upload blob needs a file: -f FILE", {
        hint: "Example: cosign-ts upload blob -f ./install.sh localhost:5000/tools/install:v1",
      });
    }
    if (files.length > 1) {
      const missing = files.find((f) => !f.platform);
      if (missing) {
        throw new CosignError(
          "USAGE",
          `each file must include a unique platform, ${missing.path} had no platform`,
          { hint: "Write -f FILE:OS/ARCH for each file." },
        );
      }
    }
    const annotations = parseAnnotations(flags.annotation as string[]);
    const ct = typeof flags.ct === "string" && flags.ct !== "" ? flags.ct : undefined;
    const ref = parseReference(args[0]);
    const repoName = repositoryString(ref);
    // Check every file before touching the registry.
    const prepared: { spec: FileSpec; size: number; digest: string; mediaType: string }[] = [];
    for (const spec of files) {
      let size: number;
      try {
        const s = await stat(spec.path);
        if (!s.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
        size = s.size;
      } catch (e) {
        const code = (e as { code?: string }).code;
        throw new CosignError(
          code === "ENOENT" ? "NOT_FOUND" : "IO",
          `Cannot read file "${spec.path}": ${
            code === "ENOENT" ? "no such file" : (e as Error).message
          }`,
          { hint: "Pass an existing regular file with -f." },
        );
      }
      const d = await digestFile(spec.path, ["sha256"]);
      const mediaType = ct ?? await sniffFile(spec.path);
      prepared.push({ spec, size, digest: `sha256:${hex(d.sha256!)}`, mediaType });
    }

    const client = registryClientFor(ctx);
    const images: { digest: string; size: number; platform?: FileSpec["platform"] }[] = [];
    let last: { digest: string; bytes: Uint8Array } | undefined;
    for (const f of prepared) {
      ctx.log.info(
        `Uploading file from [${f.spec.path}] to [${args[0]}] with media type [${f.mediaType}]`,
      );
      const layer = await client.putBlob(repoName, await openFileStream(f.spec.path), {
        digest: f.digest,
        size: f.size,
        mediaType: f.mediaType,
        chunkSize: UPLOAD_CHUNK_BYTES,
      });
      const config = goJsonBytes({
        architecture: f.spec.platform?.architecture ?? "",
        created: goTime(new Date()),
        history: [{ created: "0001-01-01T00:00:00Z" }],
        os: f.spec.platform?.os ?? "",
        rootfs: { type: "layers", diff_ids: [layer.digest] },
        config: {},
      });
      const cfg = await client.putBlob(repoName, config, { mediaType: OCI_CONFIG });
      const manifest = goJsonBytes({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, size: cfg.size, digest: cfg.digest },
        layers: [{
          mediaType: f.mediaType,
          size: f.size,
          digest: f.digest,
          annotations: goMap({ [TITLE_ANNOTATION]: basename(f.spec.path) }),
        }],
        annotations: Object.keys(annotations).length ? goMap(annotations) : undefined,
      });
      const target = prepared.length > 1 ? withDigest(ref, sha256Digest(manifest)) : ref;
      const digest = await client.putManifest(target, manifest, OCI_MANIFEST);
      ctx.log.info(
        `File [${f.spec.path}] is available directly at [${ref.registry}/v2/${ref.repository}/blobs/${f.digest}]`,
      );
      images.push({ digest, size: manifest.length, platform: f.spec.platform });
      last = { digest, bytes: manifest };
    }
    let digest = last!.digest;
    if (prepared.length > 1) {
      const index = goJsonBytes({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: images.map((m) => ({
          mediaType: OCI_MANIFEST,
          size: m.size,
          digest: m.digest,
          platform: { architecture: m.platform?.architecture ?? "", os: m.platform?.os ?? "" },
        })),
      });
      digest = await client.putManifest(ref, index, OCI_INDEX);
      ctx.log.info(`Uploading multi-platform index to ${repoName}@${digest}`);
    } else {
      ctx.log.info("Uploaded image to:");
    }
    await io.out(`${repoName}@${digest}\n`);
  },
};
