/**
 * Which trusted root a command uses, and where `initialize` caches TUF metadata:
 *
 * 1. `--trusted-root FILE`;
 * 2. else `<cache>/trusted_root.json` written by `cosign-ts initialize`;
 * 3. else the public-good trusted root embedded in the binary.
 *
 * `<cache>` is `$COSIGN_TS_CACHE`, else `$TUF_ROOT` (cosign's variable), else
 * `~/.sigstore/root`.
 *
 * Without `--trusted-root`, cosign's environment variables then replace parts of that root, as
 * cosign reads them: `SIGSTORE_ROOT_FILE` (PEM certificates: the Fulcio CA chain),
 * `SIGSTORE_REKOR_PUBLIC_KEY` (PEM: the Rekor log key), `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE` (PEM:
 * the CT log key) and `SIGSTORE_TSA_CERTIFICATE_FILE` (PEM chain: leaf, intermediates, root of
 * the timestamp authority). Keys and chains given this way have no validity window.
 * `TUF_MIRROR` (with `TUF_ROOT_JSON`, the repository's initial root.json, unless it is the
 * public-good or staging repository) refreshes the cached trusted root through TUF first, as
 * cosign does; that is the only case that uses the network.
 *
 * @example
 * ```ts
 * const trust = await loadTrustedRoot(ctx, str(flags, "trusted-root"));
 * ```
 * @module
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CosignError, describeError } from "../core/errors.ts";
import { httpUrl } from "../core/http_url.ts";
import type { Context, FlagValues } from "../core/plugin.ts";
import type { TrustedRoot } from "../core/trust/trusted_root.ts";
import { str } from "./args.ts";
import { writeFileAtomic } from "./atomic_write.ts";

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
  const tufMirror = ctx.env("TUF_MIRROR");
  if (tufMirror) {
    // cosign: TUF_MIRROR (with TUF_ROOT_JSON for a repository without an embedded root) makes
    // verifying commands refresh the trusted root through TUF first.
    const rootJson = ctx.env("TUF_ROOT_JSON");
    let root: Uint8Array | undefined;
    if (rootJson) {
      const t = await readText(rootJson, "TUF_ROOT_JSON");
      if (t === undefined) {
        throw new CosignError("IO", `Cannot read TUF_ROOT_JSON "${rootJson}": no such file`);
      }
      root = new TextEncoder().encode(t);
    }
    ctx.log.debug(`TUF_MIRROR: refreshing the trusted root from ${tufMirror}`);
    await refreshTrustedRoot(ctx, tufMirror, root, "TUF_MIRROR");
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

/** The certificates of PEM `text` read from `what` ("--ca-roots \"f.pem\""); CosignError("INVALID_INPUT") if none. */
async function pemCertificatesIn(text: string, what: string): Promise<Uint8Array[]> {
  const { certificatesFromPemOrDer } = await import("../core/verify/certificate.ts");
  const certs = text.includes("-----BEGIN CERTIFICATE-----")
    ? certificatesFromPemOrDer(new TextEncoder().encode(text))
    : [];
  if (!certs.length) {
    throw new CosignError("INVALID_INPUT", `Cannot read ${what}: no PEM certificates in it`);
  }
  return certs;
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
  const { leafFirst } = await import("../core/trust/trusted_root.ts");
  const { encodeSpki, parsePublicKeyPem } = await import("../core/keys/public_key.ts");
  const chain = async (text: string, name: string) =>
    leafFirst(await pemCertificatesIn(text, `${name} "${ctx.env(name)}"`));
  const log = async (text: string, name: string) => {
    const spki = encodeSpki(parsePublicKeyPem(text, `${name} "${ctx.env(name)}"`));
    const logId = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(spki)));
    return { baseUrl: `(${name})`, logId, spki, keyDetails: "", validFor: {} };
  };
  const fulcio = await envFile(ctx, "SIGSTORE_ROOT_FILE");
  if (fulcio) {
    out.certificateAuthorities = [{
      uri: "(SIGSTORE_ROOT_FILE)",
      certificates: await chain(fulcio, "SIGSTORE_ROOT_FILE"),
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
      certificates: await chain(tsa, "SIGSTORE_TSA_CERTIFICATE_FILE"),
      validFor: {},
    }];
  }
  if (fulcio || rekor || ct || tsa) out.source = `${root.source} with SIGSTORE_* overrides`;
  return out;
}

/**
 * Refreshes the trusted root through TUF from `mirror` into the cache (what `initialize` does,
 * and what `TUF_MIRROR` asks of every verifying command): the first trusted TUF root is `root`
 * (replacing a cached one), else the cached one, else the embedded root of the public-good or
 * staging repository. Writes `<cache>/trusted_root.json`. Throws CosignError("USAGE") for a
 * mirror that is not http(s) or has no known root (`flag` names where it came from), and the
 * TUF client's errors.
 *
 * @example
 * ```ts
 * const { path } = await refreshTrustedRoot(ctx, "https://tuf-repo-cdn.sigstore.dev");
 * ```
 */
export async function refreshTrustedRoot(
  ctx: Context,
  mirror: string,
  root?: Uint8Array,
  flag = "--mirror",
): Promise<{ cache: string; path: string; bytes: Uint8Array }> {
  const { PUBLIC_GOOD_TUF_MIRROR, PUBLIC_GOOD_TUF_ROOT } = await import(
    "../core/trust/public_good.ts"
  );
  const { STAGING_TUF_MIRROR, STAGING_TUF_ROOT } = await import("../core/trust/staging.ts");
  const { TufClient } = await import("../core/trust/tuf_client.ts");
  const { parseTrustedRoot } = await import("../core/trust/trusted_root.ts");
  mirror = mirror.replace(/\/+$/, "");
  const url = httpUrl(mirror, `${flag} "${mirror}"`, undefined, "USAGE");
  const cache = trustCacheDir(ctx);
  const metaDir = join(cache, "tuf", encodeURIComponent(url.host + url.pathname));
  try {
    await mkdir(metaDir, { recursive: true, mode: 0o755 });
  } catch (e) {
    throw new CosignError(
      "IO",
      `Cannot create the cache directory "${metaDir}": ${describeError(e)}`,
      {
        hint: "Set COSIGN_TS_CACHE to a writable directory.",
      },
    );
  }
  const readOptional = async (path: string) => {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      throw new CosignError("IO", `Cannot read "${path}": ${describeError(e)}`);
    }
  };
  const write = (name: string, data: Uint8Array) =>
    writeFileAtomic(join(metaDir, name), data, 0o644);
  if (root) await rm(join(metaDir, "root.json"), { force: true });
  else {
    root = await readOptional(join(metaDir, "root.json"));
    const embedded = mirror === PUBLIC_GOOD_TUF_MIRROR
      ? PUBLIC_GOOD_TUF_ROOT
      : mirror === STAGING_TUF_MIRROR
      ? STAGING_TUF_ROOT
      : undefined;
    if (!root && !embedded) {
      throw new CosignError(
        "USAGE",
        flag === "--mirror"
          ? `initialize --mirror ${mirror} needs --root FILE`
          : `${flag} ${mirror} needs the repository's initial root`,
        {
          hint: flag === "--mirror"
            ? "Pass the repository's initial root.json with --root."
            : "Set TUF_ROOT_JSON to the repository's initial root.json.",
        },
      );
    }
    root ??= new TextEncoder().encode(embedded);
  }
  const client = new TufClient({
    mirror,
    store: { read: (name: string) => readOptional(join(metaDir, name)), write },
    root,
  });
  await client.refresh();
  const bytes = await client.target("trusted_root.json");
  await parseTrustedRoot(new TextDecoder().decode(bytes), `trusted_root.json from ${mirror}`);
  const path = join(cache, "trusted_root.json");
  await writeFileAtomic(path, bytes, 0o644);
  await writeFileAtomic(
    join(cache, "remote.json"),
    new TextEncoder().encode(JSON.stringify({ mirror }) + "\n"),
    0o644,
  );
  return { cache, path, bytes };
}

/**
 * Replaces the certificate authorities of `root` as cosign's verify flags ask:
 * `--certificate-chain FILE` (intermediates then root, one chain), `--ca-roots FILE` with
 * `--ca-intermediates FILE` (each root becomes an authority whose chain is the intermediates
 * that lead to it, then the root), `--timestamp-certificate-chain FILE` (the TSA's chain).
 * Throws CosignError("IO") for an unreadable file and ("INVALID_INPUT") for one without PEM
 * certificates or intermediates that lead to no root.
 *
 * @example
 * ```ts
 * const trust = await applyTrustFlags(await loadTrustedRoot(ctx), { "ca-roots": "roots.pem" });
 * ```
 */
export async function applyTrustFlags(
  root: TrustedRoot,
  flags: Record<string, unknown>,
): Promise<TrustedRoot> {
  const { parseCertificate } = await import(
    "../core/verify/certificate.ts"
  );
  const { leafFirst } = await import("../core/trust/trusted_root.ts");
  const { bytesEqual } = await import("../core/verify/public_key.ts");
  const pemFile = async (flag: string): Promise<Uint8Array[] | undefined> => {
    const path = flags[flag];
    if (typeof path !== "string" || !path) return undefined;
    const text = await readText(path, `--${flag} file`);
    if (text === undefined) {
      throw new CosignError("IO", `Cannot read --${flag} "${path}": no such file`);
    }
    return await pemCertificatesIn(text, `--${flag} "${path}"`);
  };
  const out: TrustedRoot = { ...root };
  const chain = await pemFile("certificate-chain");
  if (chain) {
    out.certificateAuthorities = [{
      uri: String(flags["certificate-chain"]),
      certificates: leafFirst(chain),
      validFor: {},
    }];
  }
  const roots = await pemFile("ca-roots");
  const intermediates = (await pemFile("ca-intermediates")) ?? [];
  if (roots) {
    const parsedInts = await Promise.all(intermediates.map(parseCertificate));
    out.certificateAuthorities = [];
    for (const r of roots) {
      const rc = await parseCertificate(r);
      // The intermediates that chain up to this root, leaf-most first.
      const path: Uint8Array[] = [];
      let subject = rc.subject;
      for (let guard = 0; guard < parsedInts.length; guard++) {
        const next = parsedInts.findIndex((c, i) =>
          bytesEqual(c.issuer, subject) && !path.includes(intermediates[i])
        );
        if (next < 0) break;
        path.unshift(intermediates[next]);
        subject = parsedInts[next].subject;
      }
      out.certificateAuthorities.push({
        uri: String(flags["ca-roots"]),
        certificates: [...path, r],
        validFor: {},
      });
      // A leaf issued directly by an intermediate is matched against the chain's first entry;
      // also list each shorter chain so a leaf under a higher intermediate matches too.
      for (let i = 1; i < path.length; i++) {
        out.certificateAuthorities.push({
          uri: String(flags["ca-roots"]),
          certificates: [...path.slice(i), r],
          validFor: {},
        });
      }
    }
  } else if (intermediates.length) {
    throw new CosignError("USAGE", "--ca-intermediates needs --ca-roots", {
      hint: "Pass the root CA certificates with --ca-roots.",
    });
  }
  const tsa = await pemFile("timestamp-certificate-chain");
  if (tsa) {
    out.timestampAuthorities = [{
      uri: String(flags["timestamp-certificate-chain"]),
      certificates: leafFirst(tsa),
      validFor: {},
    }];
  }
  return out;
}

/**
 * The trusted root the verify flags ask for, loaded on the first call and then reused:
 * {@link loadTrustedRoot} with `--trusted-root`, then {@link applyTrustFlags}
 * (`--certificate-chain`, `--ca-roots`/`--ca-intermediates`, `--timestamp-certificate-chain`).
 * The returned function rejects with their errors (every call, once failed).
 *
 * @example
 * ```ts
 * const trustedRoot = trustedRootFromFlags(ctx, flags);
 * await verifyArtifact(artifact, { ctx, policy, trustedRoot });
 * ```
 */
export function trustedRootFromFlags(
  ctx: Context,
  flags: FlagValues,
): () => Promise<TrustedRoot> {
  let trust: Promise<TrustedRoot> | undefined;
  return () =>
    trust ??= loadTrustedRoot(ctx, str(flags, "trusted-root")).then((r) =>
      applyTrustFlags(r, flags)
    );
}
