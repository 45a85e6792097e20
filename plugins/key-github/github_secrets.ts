/**
 * The "github" key provider: `generate-key-pair github://OWNER[/REPO]` stores a new cosign key
 * pair as GitHub Actions secrets, as cosign does: `COSIGN_PASSWORD`, `COSIGN_PRIVATE_KEY` and
 * `COSIGN_PUBLIC_KEY`, each sealed (libsodium sealed box, sealed_box.ts) to the repository's
 * (or organization's) Actions public key, then writes the public key locally. Authenticates with
 * `GITHUB_TOKEN`; the API address comes from `GITHUB_HOST`/`GITHUB_API_URL` (github_target.ts).
 *
 * Secrets that already hold a `COSIGN_PRIVATE_KEY` are replaced only with --yes or a
 * confirmation. When a write fails, the secrets this run created are deleted again; ones it
 * replaced cannot be restored (GitHub never returns values) and the error names them. Organization secrets are created with visibility "private" (the API requires
 * one; cosign sends none). GitHub secrets cannot be read back, so signing and verifying with
 * `github://` is refused with a hint: in a workflow, pass the secrets as environment variables
 * and use `--key env://COSIGN_PRIVATE_KEY` / `--key env://COSIGN_PUBLIC_KEY`.
 *
 * @example
 * ```sh
 * GITHUB_TOKEN=… cosign-ts generate-key-pair github://acme/app
 * ```
 * @module
 */
import { base64Encode } from "../../core/encoding.ts";
import { CosignError, isCosignError } from "../../core/errors.ts";
import type {
  Context,
  GenerateOptions,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  Verifier,
} from "../../core/plugin.ts";
import { kmsErrorMessage, type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import { newKeyPairText } from "../key-file/mod.ts";
import { sealBox } from "./sealed_box.ts";
import { githubApiBase, parseGithubTarget } from "./github_target.ts";
import { GITHUB_KEY_DESCRIPTION } from "./plugin.ts";

const SERVICE = "GitHub API";

/** The secrets cosign writes, in its order. */
export const GITHUB_SECRET_NAMES = ["COSIGN_PASSWORD", "COSIGN_PRIVATE_KEY", "COSIGN_PUBLIC_KEY"];

function token(ctx: Context, ref: string): string {
  const t = ctx.env("GITHUB_TOKEN");
  if (!t) {
    throw new CosignError("AUTH", `Cannot write secrets to "${ref}": GITHUB_TOKEN is not set`, {
      hint:
        "Export GITHUB_TOKEN with a token that may write Actions secrets (repo scope, or secrets: write).",
    });
  }
  return t;
}

function failure(f: KmsFailure, action: string, ref: string): CosignError {
  const message = kmsErrorMessage(f.json, f.text);
  if (f.status === 401) {
    return new CosignError(
      "AUTH",
      `Cannot ${action}: the ${SERVICE} refused GITHUB_TOKEN: ${message}`,
      {
        hint: "Check GITHUB_TOKEN (expired or revoked?) and GITHUB_HOST for GitHub Enterprise.",
      },
    );
  }
  if (f.status === 403) {
    return new CosignError("AUTH", `Cannot ${action}: ${message}`, {
      hint: "The token needs permission to manage Actions secrets (admin on the repository).",
    });
  }
  if (f.status === 404) {
    return new CosignError("KEY", `Cannot ${action}: the ${SERVICE} answered 404 ${message}`, {
      hint:
        `Check that ${ref} exists and that GITHUB_TOKEN can see it (private repositories answer 404).`,
    });
  }
  return new CosignError(
    "NETWORK",
    `Cannot ${action}: the ${SERVICE} answered HTTP ${f.status}: ${message}`,
    {
      hint: f.status >= 500 ? "GitHub failed; try again later." : "GitHub rejected the request.",
    },
  );
}

function notReadable(ref: string, what: string): CosignError {
  return new CosignError(
    "UNSUPPORTED",
    `Cannot ${what} with "${ref}": GitHub Actions secrets cannot be read back`,
    {
      hint: what === "sign"
        ? "In a workflow, set env COSIGN_PRIVATE_KEY: ${{ secrets.COSIGN_PRIVATE_KEY }} and COSIGN_PASSWORD: ${{ secrets.COSIGN_PASSWORD }}, then use --key env://COSIGN_PRIVATE_KEY."
        : "Verify with the cosign.pub that generate-key-pair wrote, or with --key env://COSIGN_PUBLIC_KEY in a workflow.",
    },
  );
}

/** The "github" key provider. */
export const githubKeyProvider: KeyProvider = {
  scheme: "github",
  description: GITHUB_KEY_DESCRIPTION,
  signer(ref: string): Promise<Signer> {
    return Promise.reject(notReadable(ref, "sign"));
  },
  verifier(ref: string): Promise<Verifier> {
    return Promise.reject(notReadable(ref, "verify"));
  },
  async generate(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial> {
    const target = parseGithubTarget(ref);
    const base = githubApiBase(ctx);
    const headers = {
      authorization: `Bearer ${token(ctx, ref)}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    };
    const call = async (
      method: "GET" | "PUT" | "DELETE",
      path: string,
      action: string,
      body?: unknown,
    ) =>
      await kmsRequest(SERVICE, `${base}${path}`, {
        method,
        headers,
        body,
        action,
        signal: ctx.signal,
        failure: (f) => failure(f, action, target.label),
      });
    const key = await call(
      "GET",
      `${target.secretsPath}/public-key`,
      `read the Actions public key of ${target.label}`,
    ) as { key_id?: unknown; key?: unknown };
    let recipient: Uint8Array | undefined;
    try {
      recipient = typeof key?.key === "string"
        ? Uint8Array.from(atob(key.key), (c) => c.charCodeAt(0))
        : undefined;
    } catch { /* reported below */ }
    if (typeof key?.key_id !== "string" || recipient?.length !== 32) {
      throw new CosignError(
        "NETWORK",
        `Cannot read the Actions public key of ${target.label}: the ${SERVICE} at ${base} sent no 32-byte key`,
        { hint: "Check that GITHUB_HOST / GITHUB_API_URL point at the GitHub REST API." },
      );
    }
    const exists = async (name: string) =>
      await call(
        "GET",
        `${target.secretsPath}/${name}`,
        `check for a ${name} secret in ${target.label}`,
      ).then(() => true, (e) => {
        if (isCosignError(e, "KEY") && /answered 404/.test(e.message)) return false;
        throw e;
      });
    const before = new Map<string, boolean>();
    for (const name of GITHUB_SECRET_NAMES) before.set(name, await exists(name));
    const existing = before.get("COSIGN_PRIVATE_KEY");
    if (existing && !options?.force) {
      if (
        !(await ctx.confirm(
          `The ${target.label} already has a COSIGN_PRIVATE_KEY secret. Overwrite?`,
        ))
      ) {
        throw new CosignError("ABORTED", `Not overwriting the cosign secrets of ${target.label}`, {
          hint: "Pass --yes to overwrite.",
        });
      }
    }
    const pair = await newKeyPairText(ctx);
    const values: Record<string, string> = {
      COSIGN_PASSWORD: pair.password,
      COSIGN_PRIVATE_KEY: pair.privatePem,
      COSIGN_PUBLIC_KEY: pair.publicKey.pem,
    };
    const written: string[] = [];
    for (const name of GITHUB_SECRET_NAMES) {
      const body: Record<string, unknown> = {
        encrypted_value: base64Encode(sealBox(new TextEncoder().encode(values[name]), recipient)),
        key_id: key.key_id,
      };
      if (!target.repo) body.visibility = "private";
      try {
        await call(
          "PUT",
          `${target.secretsPath}/${name}`,
          `write the ${name} secret of ${target.label}`,
          body,
        );
      } catch (e) {
        // Delete what this run created (GitHub cannot return old values, so replaced secrets stay
        // replaced: the message names them).
        const replaced: string[] = [];
        for (const done of written.reverse()) {
          if (before.get(done)) replaced.push(done);
          else {
            await call("DELETE", `${target.secretsPath}/${done}`, `delete the ${done} secret`)
              .catch(() => replaced.push(done));
          }
        }
        if (replaced.length && isCosignError(e)) {
          throw new CosignError(e.code, `${e.message} (already replaced: ${replaced.join(", ")})`, {
            hint: `${
              e.hint ?? ""
            } Run generate-key-pair ${ref} again once fixed: the secrets do not match yet.`.trim(),
            cause: e,
          });
        }
        throw e;
      }
      written.push(name);
      ctx.log.info(
        `${
          name === "COSIGN_PASSWORD"
            ? "Password"
            : name === "COSIGN_PRIVATE_KEY"
            ? "Private key"
            : "Public key"
        } written to ${name} github actions secret`,
      );
    }
    return pair.publicKey;
  },
};
