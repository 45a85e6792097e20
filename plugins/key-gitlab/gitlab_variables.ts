/**
 * The "gitlab" key provider: cosign's key pairs as GitLab CI/CD project variables,
 * `gitlab://PROJECT` (a numeric ID or a path such as `group/sub/project`), as cosign has them:
 *
 * - `generate` (`generate-key-pair gitlab://PROJECT`): a new key pair stored as the variables
 *   `COSIGN_PASSWORD` (environment scope `*`), `COSIGN_PRIVATE_KEY` and `COSIGN_PUBLIC_KEY`
 *   (type env_var, not protected, not masked). cosign fails when they exist; cosign-ts replaces
 *   them with --yes or a confirmation. When a write fails, the variables written so far are put
 *   back as they were (created ones deleted, replaced ones restored), so nothing is half-written.
 * - `signer`: reads `COSIGN_PRIVATE_KEY` and `COSIGN_PASSWORD` back; `verifier` (verify,
 *   public-key): `COSIGN_PUBLIC_KEY`.
 *
 * Configuration as cosign: `GITLAB_TOKEN` (sent as `PRIVATE-TOKEN`), `GITLAB_HOST` (the instance
 * URL; `/api/v4` is appended unless given, as the GitLab Go client does; default
 * https://gitlab.com).
 *
 * @example
 * ```sh
 * GITLAB_TOKEN=… cosign-ts generate-key-pair gitlab://acme/app
 * GITLAB_TOKEN=… cosign-ts sign --key gitlab://acme/app registry.example/app:1
 * ```
 * @module
 */
import { CosignError, isCosignError } from "../../core/errors.ts";
import type {
  Context,
  GenerateOptions,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  SignerOptions,
  Verifier,
} from "../../core/plugin.ts";
import { kmsErrorMessage, type KmsFailure, kmsRequest } from "../../core/keys/kms_request.ts";
import { loadPrivateKey, newKeyPairText } from "../key-file/mod.ts";
import { GITLAB_KEY_DESCRIPTION } from "./plugin.ts";

const keys = () => import("../../core/keys/mod.ts");
const SERVICE = "GitLab API";

/** A project CI/CD variable, as the API returns it (the fields used here). */
export interface GitlabVariable {
  /** Name. */
  key: string;
  /** Value. */
  value: string;
  /** "env_var" or "file". */
  variable_type?: string;
  /** Only for protected branches and tags. */
  protected?: boolean;
  /** Hidden in job logs. */
  masked?: boolean;
  /** Environment scope, "*" for all. */
  environment_scope?: string;
}

/** The project a `gitlab://PROJECT` reference names. Throws CosignError("INVALID_INPUT"). */
export function parseGitlabProject(ref: string): string {
  const project = ref.replace(/^gitlab:\/\//, "");
  if (
    project === "" || project.startsWith("/") || project.endsWith("/") || project.includes("//") ||
    !/^[A-Za-z0-9_.\-/]+$/.test(project)
  ) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use "${ref}": "${project}" is not a GitLab project`,
      {
        hint: "Write gitlab://GROUP/PROJECT (its path) or gitlab://12345 (its ID).",
      },
    );
  }
  return project;
}

/** The REST API base (`GITLAB_HOST` + `/api/v4`, default https://gitlab.com/api/v4). */
export function gitlabApiBase(ctx: Context): string {
  let base = ctx.env("GITLAB_HOST") || "https://gitlab.com";
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) base = `https://${base}`;
  base = base.replace(/\/+$/, "");
  return base.endsWith("/api/v4") ? base : `${base}/api/v4`;
}

function failure(f: KmsFailure, action: string, project: string): CosignError {
  const message = kmsErrorMessage(f.json, f.text);
  if (f.status === 401) {
    return new CosignError(
      "AUTH",
      `Cannot ${action}: the ${SERVICE} refused GITLAB_TOKEN: ${message}`,
      {
        hint: "Check GITLAB_TOKEN (expired or revoked?), and GITLAB_HOST for a self-hosted GitLab.",
      },
    );
  }
  if (f.status === 403) {
    return new CosignError("AUTH", `Cannot ${action}: ${message}`, {
      hint: "CI/CD variables need the Maintainer role on the project and a token with api scope.",
    });
  }
  if (f.status === 404) {
    return new CosignError("KEY", `Cannot ${action}: ${message}`, {
      hint: /variable/i.test(message)
        ? `Create the variables with cosign-ts generate-key-pair gitlab://${project}.`
        : `Check the project path or ID, and that GITLAB_TOKEN can see it; for a self-hosted GitLab set GITLAB_HOST.`,
    });
  }
  return new CosignError(
    "NETWORK",
    `Cannot ${action}: the ${SERVICE} answered HTTP ${f.status}: ${message}`,
    {
      hint: f.status >= 500 ? "GitLab failed; try again later." : "GitLab rejected the request.",
    },
  );
}

/** A client for one project's variables. */
function projectVariables(ref: string, ctx: Context) {
  const project = parseGitlabProject(ref);
  const token = ctx.env("GITLAB_TOKEN");
  if (!token) {
    throw new CosignError("AUTH", `Cannot use "${ref}": GITLAB_TOKEN is not set`, {
      hint: "Export GITLAB_TOKEN with a personal, group or project access token (api scope).",
    });
  }
  const base = `${gitlabApiBase(ctx)}/projects/${encodeURIComponent(project)}/variables`;
  const call = async (
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    action: string,
    body?: unknown,
  ) =>
    await kmsRequest(SERVICE, `${base}${path}`, {
      method,
      headers: { "private-token": token },
      body,
      action,
      signal: ctx.signal,
      failure: (f) => failure(f, action, project),
    });
  const where = `variable %s of GitLab project ${project}`;
  const what = (key: string) => where.replace("%s", key);
  return {
    project,
    /** The variable, or undefined when the project has none of that name. */
    async get(key: string): Promise<GitlabVariable | undefined> {
      try {
        return await call(
          "GET",
          `/${encodeURIComponent(key)}`,
          `read ${what(key)}`,
        ) as GitlabVariable;
      } catch (e) {
        if (isCosignError(e, "KEY") && /variable not found/i.test(e.message)) {
          return undefined;
        }
        throw e;
      }
    },
    async create(v: GitlabVariable): Promise<void> {
      await call("POST", "", `create ${what(v.key)}`, v);
    },
    async update(v: GitlabVariable): Promise<void> {
      await call("PUT", `/${encodeURIComponent(v.key)}`, `update ${what(v.key)}`, v);
    },
    async remove(key: string): Promise<void> {
      await call("DELETE", `/${encodeURIComponent(key)}`, `delete ${what(key)}`);
    },
  };
}

/** Reads variables a signer or verifier needs. Throws CosignError("KEY") when one is missing. */
async function readVariables(ref: string, ctx: Context, names: string[]): Promise<string[]> {
  const vars = projectVariables(ref, ctx);
  const out: string[] = [];
  for (const name of names) {
    const v = await vars.get(name);
    if (!v) {
      throw new CosignError(
        "KEY",
        `Cannot read key "${ref}": GitLab project ${vars.project} has no ${name} variable`,
        { hint: `Create the key pair with cosign-ts generate-key-pair ${ref}.` },
      );
    }
    out.push(v.value);
  }
  return out;
}

/** The "gitlab" key provider. */
export const gitlabKeyProvider: KeyProvider = {
  scheme: "gitlab",
  description: GITLAB_KEY_DESCRIPTION,
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    const [pem, password] = await readVariables(ref, ctx, [
      "COSIGN_PRIVATE_KEY",
      "COSIGN_PASSWORD",
    ]);
    const key = await loadPrivateKey(pem, ref, {
      ...ctx,
      password: () => Promise.resolve(password),
    });
    return (await keys()).signerFromPrivateKey(key, options);
  },
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    const [pem] = await readVariables(ref, ctx, ["COSIGN_PUBLIC_KEY"]);
    return (await keys()).verifierFromPem(pem, { ...options, name: ref });
  },
  async generate(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial> {
    const vars = projectVariables(ref, ctx);
    const names = ["COSIGN_PASSWORD", "COSIGN_PRIVATE_KEY", "COSIGN_PUBLIC_KEY"] as const;
    const before = new Map<string, GitlabVariable | undefined>();
    for (const n of names) before.set(n, await vars.get(n));
    const existing = names.filter((n) => before.get(n));
    if (existing.length && !options?.force) {
      const q = `GitLab project ${vars.project} already has ${existing.join(", ")}. Overwrite?`;
      if (!(await ctx.confirm(q))) {
        throw new CosignError(
          "ABORTED",
          `Not overwriting the cosign variables of GitLab project ${vars.project}`,
          {
            hint: "Pass --yes to overwrite.",
          },
        );
      }
    }
    const pair = await newKeyPairText(ctx);
    const values = {
      COSIGN_PASSWORD: pair.password,
      COSIGN_PRIVATE_KEY: pair.privatePem,
      COSIGN_PUBLIC_KEY: pair.publicKey.pem,
    };
    const messages = {
      COSIGN_PASSWORD: 'Password written to "COSIGN_PASSWORD" variable',
      COSIGN_PRIVATE_KEY: 'Private key written to "COSIGN_PRIVATE_KEY" variable',
      COSIGN_PUBLIC_KEY: 'Public key written to "COSIGN_PUBLIC_KEY" variable',
    };
    const done: (typeof names)[number][] = [];
    try {
      for (const n of names) {
        const v: GitlabVariable = {
          key: n,
          value: values[n],
          variable_type: "env_var",
          protected: false,
          masked: false,
          ...(n === "COSIGN_PASSWORD" ? { environment_scope: "*" } : {}),
        };
        if (before.get(n)) await vars.update(v);
        else await vars.create(v);
        done.push(n);
        ctx.log.info(messages[n]);
      }
    } catch (e) {
      // Put back what this run changed, newest first; report anything that could not be undone.
      const left: string[] = [];
      for (const n of done.reverse()) {
        const old = before.get(n);
        await (old ? vars.update(old) : vars.remove(n)).catch(() => left.push(n));
      }
      if (left.length && isCosignError(e)) {
        throw new CosignError(e.code, `${e.message} (could not undo: ${left.join(", ")})`, {
          hint: `${e.hint ?? ""} Check the project's CI/CD variables.`.trim(),
          cause: e,
        });
      }
      throw e;
    }
    return pair.publicKey;
  },
};
