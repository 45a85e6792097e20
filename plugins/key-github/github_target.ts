/**
 * `github://` targets of `generate-key-pair`, as cosign has them: `github://OWNER/REPO`
 * (repository secrets) and `github://OWNER` (organization secrets); cosign-ts adds
 * `github://OWNER/REPO/ENVIRONMENT` (a deployment environment's secrets). The API address:
 * `GITHUB_HOST` as cosign reads it (a GitHub Enterprise Server URL; `/api/v3/` is appended
 * unless given, as go-github's `WithEnterpriseURLs` does), else `GITHUB_API_URL` (what Actions
 * runners set, used as is), else `https://api.github.com`.
 *
 * @example
 * ```ts
 * parseGithubTarget("github://acme/app"); // { owner: "acme", repo: "app", secretsPath: "/repos/acme/app/actions/secrets" }
 * githubApiBase(ctx); // "https://api.github.com"
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { Context } from "../../core/plugin.ts";

/** Where secrets go. */
export interface GithubTarget {
  /** User or organization. */
  owner: string;
  /** Repository, absent for organization secrets. */
  repo?: string;
  /** Deployment environment (cosign-ts extension). */
  environment?: string;
  /** API path of the secrets collection, e.g. `/repos/o/r/actions/secrets`. */
  secretsPath: string;
  /** What it is, for messages: `repository acme/app`. */
  label: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Parses `github://OWNER[/REPO[/ENVIRONMENT]]`. Throws CosignError("INVALID_INPUT"). */
export function parseGithubTarget(ref: string): GithubTarget {
  const parts = ref.replace(/^github:\/\//, "").split("/");
  const bad = (why: string): never => {
    throw new CosignError("INVALID_INPUT", `Cannot use "${ref}": ${why}`, {
      hint:
        "Use github://OWNER/REPO (repository secrets) or github://OWNER (organization secrets).",
    });
  };
  if (parts.length > 3 || parts.some((p) => p === "")) {
    bad("use github://<owner> or github://<owner>/<repo> format");
  }
  for (const p of parts.slice(0, 2)) if (!NAME.test(p)) bad(`"${p}" is not a GitHub name`);
  const [owner, repo, environment] = parts;
  const enc = encodeURIComponent;
  if (!repo) {
    return {
      owner,
      secretsPath: `/orgs/${enc(owner)}/actions/secrets`,
      label: `organization ${owner}`,
    };
  }
  if (environment !== undefined) {
    return {
      owner,
      repo,
      environment,
      secretsPath: `/repos/${enc(owner)}/${enc(repo)}/environments/${enc(environment)}/secrets`,
      label: `environment "${environment}" of repository ${owner}/${repo}`,
    };
  }
  return {
    owner,
    repo,
    secretsPath: `/repos/${enc(owner)}/${enc(repo)}/actions/secrets`,
    label: `repository ${owner}/${repo}`,
  };
}

/** The REST API base URL without a trailing slash (see the module doc). */
export function githubApiBase(ctx: Context): string {
  const host = ctx.env("GITHUB_HOST");
  if (host) {
    let base = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
    if (!base.endsWith("/")) base += "/";
    if (!base.endsWith("/api/v3/") && !/^https?:\/\/api\./i.test(base)) base += "api/v3/";
    return base.replace(/\/+$/, "");
  }
  return (ctx.env("GITHUB_API_URL") || "https://api.github.com").replace(/\/+$/, "");
}
