/**
 * The Sigstore signing flags cosign's signing commands share (`--fulcio-url`, `--rekor-url`,
 * `--timestamp-server-url`, `--identity-token`, `--oidc-issuer`, `--signing-config`,
 * `--trusted-root`, `--insecure-skip-verify`, and cosign-ts's `--tlog NAME` / `--tsa NAME`) and
 * what they resolve to: which Fulcio, which transparency logs (URL and API version: Rekor v1 or
 * v2, or any log plugin's URL such as `file://…`), which TSAs, which CT log keys to check the
 * certificate's SCT against, and the OIDC identity token. The log and TSA plugins serving those
 * URLs are chosen by URL (the first plugin that handles it, third-party first) or by the names
 * `--tlog`/`--tsa` give; see core/signature_witnesses.ts.
 *
 * @example
 * ```ts
 * flags: [...ownFlags, ...SIGSTORE_SIGNING_FLAGS],
 * const plan = await signingPlan(flags, { keyless: !key, tlogUpload: bool(flags, "tlog-upload") });
 * const token = await identityTokenFromFlags(flags, ctx);
 * ```
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError, describeError } from "../core/errors.ts";
import { DEFAULT_FULCIO_URL } from "../core/fulcio.ts";
import { identityToken, looksLikeJwt } from "../core/oidc.ts";
import type { Context } from "../core/plugin.ts";
import type { LogAuthority } from "../core/trust/trusted_root.ts";
import type { WitnessPlan } from "../core/signature_witnesses.ts";
import { parseSigningConfig, selectServices } from "../core/signing_config.ts";
import { str } from "./args.ts";
import type { FlagSpec, FlagValues } from "./args.ts";

/** Default Rekor (public good). */
export const DEFAULT_REKOR_URL = "https://rekor.sigstore.dev";

/** `--rekor-url` of the signing commands (sign, attest, sign-blob, attest-blob). */
export const SIGNING_REKOR_URL_FLAG: FlagSpec = {
  name: "rekor-url",
  type: "string",
  placeholder: "URL",
  default: DEFAULT_REKOR_URL,
  description: "Address of the Rekor server.",
};
/** Default OIDC issuer (only informative: no browser flow). */
export const DEFAULT_OIDC_ISSUER = "https://oauth2.sigstore.dev/auth";

/** Flags for keyless signing and uploads (sign-blob declares `--rekor-url` itself). */
export const SIGSTORE_SIGNING_FLAGS: FlagSpec[] = [
  {
    name: "fulcio-url",
    type: "string",
    placeholder: "URL",
    default: DEFAULT_FULCIO_URL,
    description: "address of the Fulcio server (keyless signing)",
  },
  {
    name: "timestamp-server-url",
    type: "string",
    placeholder: "URL",
    description: "RFC 3161 timestamp authority endpoint; the signature is timestamped there",
  },
  {
    name: "tlog",
    type: "string",
    placeholder: "NAME",
    description: "transparency log plugin to upload to, by name (cosign-ts extension; default: " +
      "the log plugin that handles the --rekor-url or signing-config URL, e.g. rekor for " +
      "http(s)://)",
  },
  {
    name: "tsa",
    type: "string",
    placeholder: "NAME",
    description: "timestamp authority plugin to ask, by name (cosign-ts extension; default: the " +
      "plugin that handles the --timestamp-server-url or signing-config URL, e.g. rfc3161 for " +
      "http(s)://)",
  },
  {
    name: "identity-token",
    type: "string",
    placeholder: "TOKEN|FILE",
    description: "OIDC identity token, or a file holding one (else SIGSTORE_ID_TOKEN, or " +
      "GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN)",
  },
  {
    name: "oidc-issuer",
    type: "string",
    placeholder: "URL",
    default: DEFAULT_OIDC_ISSUER,
    description: "OIDC provider (accepted for cosign compatibility: there is no browser flow; " +
      "pass a token)",
  },
  {
    name: "oidc-client-id",
    type: "string",
    default: "sigstore",
    hidden: true,
    description: "OIDC client ID (accepted for cosign compatibility)",
  },
  {
    name: "signing-config",
    type: "string",
    placeholder: "FILE",
    description: "signing config v0.2 JSON naming the Fulcio, Rekor (v1/v2) and TSA to use",
  },
  {
    name: "trusted-root",
    type: "string",
    placeholder: "FILE",
    description: "trusted root JSON whose CT log keys check the Fulcio certificate's SCT",
  },
  {
    name: "insecure-skip-verify",
    type: "boolean",
    default: false,
    description: "do not check the Fulcio certificate's SCT (testing only)",
  },
];

/** What the flags resolve to. */
export interface SigningPlan {
  /** Fulcio to use when signing keyless. */
  fulcioUrl: string;
  /** CT logs for the SCT check; undefined skips it. */
  ctlogs?: LogAuthority[];
  /** Timestamps and log uploads. */
  witnesses: WitnessPlan;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new CosignError("IO", `Cannot read ${what} "${path}": ${describeError(e)}`, {
      hint: `Check the path given to --${what}.`,
    });
  }
}

/** Options for {@link signingPlan}. */
export interface PlanOptions {
  /** Signing without a key (a Fulcio certificate is needed). */
  keyless: boolean;
  /** `--tlog-upload`. */
  tlogUpload: boolean;
}

/**
 * Resolves the flags. With `--signing-config`, Fulcio, the logs and the TSAs come from it (and
 * `--fulcio-url`/`--rekor-url`/`--timestamp-server-url` may not be given too); otherwise from the
 * flags. `--tlog NAME`/`--tsa NAME` pick the plugins for those URLs (checked when witnesses are
 * collected: core/signature_witnesses.ts). Throws CosignError("USAGE") for conflicting flags, ("IO"/"INVALID_INPUT") for unreadable
 * or malformed files.
 */
export async function signingPlan(flags: FlagValues, opts: PlanOptions): Promise<SigningPlan> {
  const cfgPath = str(flags, "signing-config");
  const rekorUrl = str(flags, "rekor-url") ?? DEFAULT_REKOR_URL;
  const fulcioFlag = str(flags, "fulcio-url") ?? DEFAULT_FULCIO_URL;
  const tsaFlag = str(flags, "timestamp-server-url");
  const tlogName = str(flags, "tlog");
  const tsaName = str(flags, "tsa");
  let plan: SigningPlan;
  if (cfgPath) {
    const explicit = [
      rekorUrl !== DEFAULT_REKOR_URL ? "--rekor-url" : "",
      fulcioFlag !== DEFAULT_FULCIO_URL ? "--fulcio-url" : "",
      tsaFlag ? "--timestamp-server-url" : "",
    ].filter(Boolean);
    if (explicit.length) {
      throw new CosignError(
        "USAGE",
        `Cannot use --signing-config together with ${explicit.join(", ")}`,
        { hint: "Name the services in the signing config, or drop --signing-config." },
      );
    }
    const cfg = parseSigningConfig(await readText(cfgPath, "signing-config"), `"${cfgPath}"`);
    const now = new Date();
    const ca = selectServices(cfg.caUrls, undefined, [1], now)[0];
    if (opts.keyless && !ca) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot sign keyless with signing config "${cfgPath}": it names no Fulcio (caUrls) ` +
          "valid now with API version 1",
        { hint: "Add a caUrls entry, or sign with --key." },
      );
    }
    const rekor = opts.tlogUpload
      ? selectServices(cfg.rekorTlogUrls, cfg.rekorTlogConfig, [1, 2], now)
      : [];
    if (opts.tlogUpload && rekor.length === 0 && cfg.rekorTlogUrls.length > 0) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot upload with signing config "${cfgPath}": no Rekor in it is valid now with API ` +
          "version 1 or 2",
        { hint: "Fix rekorTlogUrls, or pass --tlog-upload=false." },
      );
    }
    plan = {
      fulcioUrl: ca?.url ?? fulcioFlag,
      witnesses: {
        rekor: rekor.map((r) => ({ url: r.url, majorApiVersion: r.majorApiVersion })),
        tsaUrls: selectServices(cfg.tsaUrls, cfg.tsaConfig, [1], now).map((t) => t.url),
      },
    };
    if (
      opts.keyless && plan.witnesses.rekor.some((r) => r.majorApiVersion === 2) &&
      plan.witnesses.tsaUrls.length === 0
    ) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot sign keyless with signing config "${cfgPath}": Rekor v2 gives no signing time, ` +
          "and the config names no timestamp authority (tsaUrls) valid now",
        { hint: "Add a tsaUrls entry to the signing config." },
      );
    }
  } else {
    plan = {
      fulcioUrl: fulcioFlag,
      witnesses: {
        // With --tlog NAME and no --rekor-url, the named log uses its own default URL.
        rekor: opts.tlogUpload
          ? [
            tlogName && rekorUrl === DEFAULT_REKOR_URL
              ? { majorApiVersion: 1 }
              : { url: rekorUrl, majorApiVersion: 1 },
          ]
          : [],
        tsaUrls: tsaFlag ? [tsaFlag] : [],
      },
    };
  }
  if (tlogName) plan.witnesses.tlogName = tlogName;
  if (tsaName) plan.witnesses.tsaName = tsaName;
  if (opts.keyless && flags["insecure-skip-verify"] !== true) {
    const rootPath = str(flags, "trusted-root");
    const trust = await import("../core/trust/trusted_root.ts");
    const root = rootPath
      ? await trust.parseTrustedRoot(
        await readText(rootPath, "trusted-root"),
        `"${rootPath}"`,
      )
      : await trust.publicGoodTrustedRoot();
    plan.ctlogs = root.ctlogs;
  }
  return plan;
}

/**
 * The OIDC identity token: `--identity-token` (a JWT, or a file holding one), else
 * SIGSTORE_ID_TOKEN, else GitHub Actions' token request. Errors: see {@link identityToken};
 * CosignError("INVALID_INPUT") when `--identity-token` is neither a JWT nor a readable file.
 */
export async function identityTokenFromFlags(flags: FlagValues, ctx: Context): Promise<string> {
  let explicit = str(flags, "identity-token");
  if (explicit && !looksLikeJwt(explicit)) {
    let text: string;
    try {
      text = await readFile(explicit, "utf8");
    } catch {
      throw new CosignError(
        "INVALID_INPUT",
        "Cannot use --identity-token: the value is neither a JWT nor a readable file",
        { hint: "Pass the token itself or the path of a file that holds it." },
      );
    }
    explicit = text.trim();
    if (!looksLikeJwt(explicit)) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot use --identity-token: the file "${str(flags, "identity-token")}" holds no JWT`,
        { hint: "Write only the token (header.payload.signature) into the file." },
      );
    }
  }
  const t = await identityToken({ explicit, env: ctx.env, signal: ctx.signal });
  ctx.log.debug(`using the OIDC identity token from ${t.source}`);
  return t.token;
}

/** cosign's notice before putting an identity into public logs. */
export const PUBLIC_LOG_NOTICE =
  "The sigstore service, hosted by sigstore a Series of LF Projects, LLC, is provided pursuant " +
  "to the Hosted Project Tools Terms of Use, available at " +
  "https://lfprojects.org/policies/hosted-project-tools-terms-of-use/.\n" +
  "Note that if your submission includes personal data associated with this signed artifact, " +
  "it will be part of an immutable record.\n" +
  "This may include the email address associated with the account with which you authenticate " +
  "your contractual Agreement.\n" +
  "This information will be used for signing this artifact and will be stored in public " +
  "transparency logs and cannot be removed later, and is subject to the Immutable Record notice " +
  "at https://lfprojects.org/policies/hosted-project-tools-immutable-records/.\n\n" +
  "By typing 'y', you attest that (1) you are not submitting the personal data of any other " +
  "person; and (2) you understand and agree to the statement and the Agreement terms at the " +
  "URLs listed above.";
