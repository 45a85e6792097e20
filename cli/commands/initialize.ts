/**
 * `cosign-ts initialize`: refreshes the trusted root through TUF from a mirror (default: the
 * public-good repository) into the cache directory (`$COSIGN_TS_CACHE`, else `$TUF_ROOT`, else
 * `~/.sigstore/root`). Later commands read `<cache>/trusted_root.json` offline. The first
 * trusted TUF root is `--root FILE`, else the cached one, else the embedded public-good root
 * (with `--staging`: Sigstore's staging repository and its embedded root, core/trust/staging.ts).
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CosignError, describeError } from "../../core/errors.ts";
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { refreshTrustedRoot } from "../trust_root.ts";

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw new CosignError("IO", `Cannot read "${path}": ${describeError(e)}`);
  }
}

/** The initialize command. */
export const command: Command = {
  name: "initialize",
  summary: "Initializes the Sigstore trusted root from a TUF repository.",
  usage: "cosign-ts initialize [--mirror URL] [--root FILE] [--staging]",
  examples: [
    "cosign-ts initialize",
    "cosign-ts initialize --staging",
    "cosign-ts initialize --mirror https://tuf.example.com --root ./root.json",
    "COSIGN_TS_CACHE=/var/cache/sigstore cosign-ts initialize --mirror https://tuf.example.com --root root.json",
  ],
  flags: [
    {
      name: "mirror",
      type: "string",
      placeholder: "URL",
      default: "https://tuf-repo-cdn.sigstore.dev",
      description: "GCS bucket or web server serving the Sigstore TUF repository",
    },
    {
      name: "root",
      type: "string",
      placeholder: "FILE",
      description: "path to a trusted initial root.json (default: the cached one, else the " +
        "embedded public-good root when the mirror is the public-good one)",
    },
    {
      name: "staging",
      type: "boolean",
      description: "use Sigstore's staging TUF repository, starting from its embedded root",
    },
    {
      name: "root-checksum",
      type: "string",
      placeholder: "SHA256",
      description: "SHA-256 (hex) the --root file must have",
    },
  ],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const { PUBLIC_GOOD_TUF_MIRROR } = await import(
      "../../core/trust/public_good.ts"
    );
    const { STAGING_TUF_MIRROR } = await import("../../core/trust/staging.ts");
    const staging = bool(flags, "staging");
    const mirrorFlag = str(flags, "mirror");
    if (staging && mirrorFlag && mirrorFlag.replace(/\/+$/, "") !== PUBLIC_GOOD_TUF_MIRROR) {
      throw new CosignError(
        "USAGE",
        "initialize: --staging and --mirror name different repositories",
        {
          hint: `--staging uses ${STAGING_TUF_MIRROR}; drop one of them.`,
        },
      );
    }
    const mirror = (staging ? STAGING_TUF_MIRROR : mirrorFlag ?? PUBLIC_GOOD_TUF_MIRROR)
      .replace(/\/+$/, "");
    const rootFile = str(flags, "root");
    let root: Uint8Array | undefined;
    if (rootFile) {
      root = await readOptional(rootFile);
      if (!root) throw new CosignError("IO", `Cannot read --root "${rootFile}": no such file`);
      const want = str(flags, "root-checksum");
      if (want) {
        const { sha256, toHex } = await import("../../core/verify/public_key.ts");
        const got = toHex(await sha256(root));
        if (got !== want.toLowerCase()) {
          throw new CosignError(
            "VERIFY",
            `The --root file "${rootFile}" has sha256 ${got}, not ${want}`,
          );
        }
      }
    }
    const { cache } = await refreshTrustedRoot(ctx, mirror, root, "--mirror");
    ctx.log.info(`Root status: trusted_root.json from ${mirror} cached in ${cache}`);
    await io.out(
      JSON.stringify({ mirror, cache, trustedRoot: join(cache, "trusted_root.json") }, null, 2) +
        "\n",
    );
    return 0;
  },
};
