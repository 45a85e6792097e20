/**
 * `cosign-ts sget [--key REF] [-o FILE] IMAGE`: fetches the blob of a one-layer OCI artifact (as
 * `upload blob` makes) — also reachable as the binary invoked under the name `sget`.
 *
 * By digest (`repo@sha256:…`) the manifest and the layer are checked against their digests; by
 * tag only with `--key`, whose cosign signature over the manifest digest is verified first, then
 * the content is fetched by that digest. The layer is held back (memory for small blobs, a
 * private temporary file for large ones) until it is verified, so on any failure nothing at all
 * reaches standard output or the `-o` file and `sget … | sh` never runs unverified bytes.
 *
 * The command is flags -> `ctx.plugins.resolve(ref)` (pinned to its digest) -> `verifyArtifact`
 * (with `--key`) -> `artifact.open()` (the image's one layer, checked against its digest as it
 * flows) -> staged release.
 * @module
 */
import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CosignError, describeError } from "../../core/errors.ts";
import type { Artifact, Context } from "../../core/plugin.ts";
import { verifyArtifact } from "../../core/verify_artifact.ts";
import { parseReference, repositoryString } from "../../oci/reference.ts";
import type { Command } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { loadTrustedRoot } from "../trust_root.ts";
import { stageVerified } from "../verified_download.ts";
import { withProgress } from "../../core/progress_stream.ts";
import { keyDisplayName } from "../security_key.ts";

/** Fails early (before any download) when the `-o` file's directory cannot take it. */
async function checkOutputDir(output: string): Promise<void> {
  const dir = dirname(output);
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) {
    throw new CosignError("IO", `Cannot write "${output}": ${dir} is not an existing directory`, {
      hint: "Create the directory first, or pick another -o path.",
    });
  }
  if ((await stat(output).catch(() => undefined))?.isDirectory()) {
    throw new CosignError("IO", `Cannot write "${output}": it is a directory`, {
      hint: "Give -o a file name.",
    });
  }
}

/** Verifies the artifact's signatures with `keyRef`; throws when none verifies. */
async function verifyWithKey(
  artifact: Artifact,
  keyRef: string,
  ignoreTlog: boolean,
  ctx: Context,
): Promise<void> {
  const verifier = await ctx.plugins.verifier(keyRef, ctx);
  const name = artifact.name ?? artifact.ref;
  if (ignoreTlog) {
    ctx.log.warn(
      "Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.",
    );
  }
  await verifyArtifact(artifact, {
    ctx,
    verifier,
    keyName: keyDisplayName(keyRef),
    ignoreTlog,
    trustedRoot: () => loadTrustedRoot(ctx),
  });
  ctx.log.info(
    `\nVerification for ${name} --\nThe following checks were performed on each of these signatures:\n` +
      "  - The cosign claims were validated\n" +
      (ignoreTlog
        ? ""
        : "  - Existence of the claims in the transparency log was verified offline\n") +
      "  - The signatures were verified against the specified public key\n",
  );
}

/** The sget command. */
export const command: Command = {
  name: "sget",
  summary: "Fetches a blob uploaded with `upload blob`, verified by digest or by signature.",
  usage: "cosign-ts sget [--key KEY] [-o FILE] IMAGE@sha256:DIGEST | --key KEY IMAGE:TAG",
  examples: [
    "cosign-ts sget localhost:5000/tools/install@sha256:1c2f… | sh",
    "cosign-ts sget --key cosign.pub -o install.sh localhost:5000/tools/install:v1",
    "sget --key cosign.pub localhost:5000/tools/install:v1 | sh",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "KEY",
      description:
        "Public key (file, URL-scheme key reference) that must have signed the artifact; required to fetch by tag.",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      placeholder: "FILE",
      description: "Write the blob to FILE (atomically) instead of standard output.",
    },
    {
      name: "insecure-ignore-tlog",
      type: "boolean",
      description:
        "With --key: accept signatures without transparency-log evidence (made with --tlog-upload=false).",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const ref = parseReference(args[0]);
    const key = typeof flags.key === "string" && flags.key !== "" ? flags.key : undefined;
    if (!ref.digest && !key) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot fetch "${args[0]}" by tag without a key: a tag can be moved to other content`,
        {
          hint:
            "Fetch by digest (IMAGE@sha256:…) or give the public key that signed it with --key.",
        },
      );
    }
    const output = typeof flags.output === "string" && flags.output !== ""
      ? resolve(flags.output)
      : undefined;
    if (output) await checkOutputDir(output);
    // Pin the digest first so what is verified is what is fetched.
    const given = await ctx.plugins.resolve(args[0], ctx);
    const d = await given.digest();
    const name = `${repositoryString(ref)}@${d.algorithm}:${d.hex}`;
    const artifact = ref.digest ? given : await ctx.plugins.resolve(name, ctx);
    if (key) await verifyWithKey(artifact, key, flags["insecure-ignore-tlog"] === true, ctx);
    if (!artifact.open) {
      throw new CosignError("UNSUPPORTED", `Cannot fetch ${name}: it has no content to fetch`);
    }
    // The stream checks the layer's digest and size as it flows; nothing is released before it
    // has ended without error.
    const stream = await artifact.open();
    const staged = await stageVerified(
      output ? withProgress(stream, ctx.progress?.(`Downloading ${name}`)) : stream,
      { what: `the content of ${name}` },
      output ? { output } : {},
    );
    try {
      if (output) await staged.commitTo(output);
      else {
        await staged.writeTo((chunk) => io.out(chunk)).catch((e) => {
          const code = (e as { code?: string })?.code;
          throw new CosignError(
            "IO",
            `Cannot write the blob to standard output: ${
              code === "EPIPE" ? "the reading program closed the pipe" : describeError(e)
            }`,
            { cause: e },
          );
        });
      }
    } finally {
      await staged.discard();
    }
  },
};
