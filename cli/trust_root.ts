/**
 * Which trusted root a command uses, and where `initialize` caches TUF metadata:
 *
 * 1. `--trusted-root FILE`;
 * 2. else `<cache>/trusted_root.json` written by `cosign-ts initialize`;
 * 3. else the public-good trusted root embedded in the binary.
 *
 * `<cache>` is `$COSIGN_TS_CACHE`, else `$TUF_ROOT` (cosign's variable), else
 * `~/.sigstore/root`. Nothing here touches the network.
 *
 * Without `--trusted-root`, cosign's environment variables then replace parts of that root, as
 * cosign reads them: `SIGSTORE_ROOT_FILE` (PEM certificates: the Fulcio CA chain),
 * `SIGSTORE_REKOR_PUBLIC_KEY` (PEM: the Rekor log key), `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE` (PEM:
 * the CT log key) and `SIGSTORE_TSA_CERTIFICATE_FILE` (PEM chain: leaf, intermediates, root of
 * the timestamp authority). Keys and chains given this way have no validity window.
 *
 * @example
 * ```ts
 * const trust = await loadTrustedRoot(ctx, str(flags, "trusted-root"));
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CosignError, describeError } from "../core/errors.ts";
import type { Context } from "../core/plugin.ts";
import type { TrustedRoot } from "../core/trust/trusted_root.ts";

/** Largest trusted_root.json accepted. */
const MAX_TRUSTED_ROOT_BYTES = 8 * 1024 * 1024;

/** The TUF cache directory (see the module documentation). */
export function trustCacheDir(ctx: Pick<Context, "env">): string {
  return ctx.env("COSIGN_TS_CACHE") || ctx.env("TUF_ROOT") ||
    join(ctx.env("HOME") || homedir(), ".sigstore", "root");
}

async function readText(path: string, what: string): Promise<string | undefined> {
  try {
    const data = await readFile(path);
    if (data.length > MAX_TRUSTED_ROOT_BYTES) {
      throw new CosignError("TOO_LARGE", `Cannot read ${what} "${path}": larger than 8 MiB`);
    }
    return new TextDecoder().decode(data);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    if (e instanceof CosignError) throw e;
    throw new CosignError("IO", `Cannot read ${what} "${path}": ${describeError(e)}`);
  }
}

/**
 * Loads the trusted root to verify with. Throws CosignError("IO") for an unreadable
 * `--trusted-root` file and CosignError("INVALID_INPUT") for a malformed one.
 */
export async function loadTrustedRoot(ctx: Context, path?: string): Promise<TrustedRoot> {
  const { parseTrustedRoot, publicGoodTrustedRoot } = await import("../core/trust/trusted_root.ts");
  if (path) {
    const text = await readText(path, "trusted root");
    if (text === undefined) {
      throw new CosignError("IO", `Cannot read trusted root "${path}": no such file`, {
        hint: "Pass the path of a trusted_root.json with --trusted-root.",
      });
    }
    return await parseTrustedRoot(text, `"${path}"`);
  }
  const cached = join(trustCacheDir(ctx), "trusted_root.json");
  const text = await readText(cached, "cached trusted root");
  let root: TrustedRoot;
  if (text !== undefined) {
    ctx.log.debug(`using the trusted root cached by initialize: ${cached}`);
    root = await parseTrustedRoot(text, `"${cached}" (from cosign-ts initialize)`);
  } else root = await publicGoodTrustedRoot();
  return await applyTrustEnv(ctx, root);
}

async function envFile(ctx: Context, name: string): Promise<string | undefined> {
  const path = ctx.env(name);
  if (!path) return undefined;
  const text = await readText(path, name);
  if (text === undefined) {
    throw new CosignError("IO", `Cannot read ${name} "${path}": no such file`, {
      hint: `Unset ${name} or point it at a PEM file.`,
    });
  }
  ctx.log.debug(`${name}: using ${path}`);
  return text;
}

/**
 * Replaces parts of `root` with what cosign's trust environment variables name (see the module
 * documentation). Throws CosignError("IO") for a missing file, ("INVALID_INPUT"/"KEY") for one
 * without certificates or a key.
 */
export async function applyTrustEnv(ctx: Context, root: TrustedRoot): Promise<TrustedRoot> {
  const out: TrustedRoot = { ...root };
  const { certificatesFromPemOrDer } = await import("../core/verify/certificate.ts");
  const { leafFirst } = await import("../core/trust/trusted_root.ts");
  const { encodeSpki, parsePublicKeyPem } = await import("../core/keys/public_key.ts");
  const chain = (text: string, name: string) => {
    const certs = text.includes("-----BEGIN CERTIFICATE-----")
      ? certificatesFromPemOrDer(new TextEncoder().encode(text))
      : [];
    if (!certs.length) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read ${name} "${ctx.env(name)}": no PEM certificates in it`,
      );
    }
    return leafFirst(certs);
  };
  const log = async (text: string, name: string) => {
    const spki = encodeSpki(parsePublicKeyPem(text, `${name} "${ctx.env(name)}"`));
    const logId = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(spki)));
    return { baseUrl: `(${name})`, logId, spki, keyDetails: "", validFor: {} };
  };
  const fulcio = await envFile(ctx, "SIGSTORE_ROOT_FILE");
  if (fulcio) {
    out.certificateAuthorities = [{
      uri: "(SIGSTORE_ROOT_FILE)",
      certificates: chain(fulcio, "SIGSTORE_ROOT_FILE"),
      validFor: {},
    }];
  }
  const rekor = await envFile(ctx, "SIGSTORE_REKOR_PUBLIC_KEY");
  if (rekor) out.tlogs = [await log(rekor, "SIGSTORE_REKOR_PUBLIC_KEY")];
  const ct = await envFile(ctx, "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE");
  if (ct) out.ctlogs = [await log(ct, "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE")];
  const tsa = await envFile(ctx, "SIGSTORE_TSA_CERTIFICATE_FILE");
  if (tsa) {
    out.timestampAuthorities = [{
      uri: "(SIGSTORE_TSA_CERTIFICATE_FILE)",
      certificates: chain(tsa, "SIGSTORE_TSA_CERTIFICATE_FILE"),
      validFor: {},
    }];
  }
  if (fulcio || rekor || ct || tsa) out.source = `${root.source} with SIGSTORE_* overrides`;
  return out;
}
