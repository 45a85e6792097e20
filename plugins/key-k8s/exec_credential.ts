/**
 * kubeconfig `exec` credential plugins (client-go's `ExecCredential`, as `kubectl` runs them for
 * EKS, GKE, AKS, OIDC logins): runs `command` with `args` and the extra `env`, non-interactively
 * (`KUBERNETES_EXEC_INFO` says `interactive: false`), within 60 s and the command's `-t/--timeout`,
 * and reads the token or client certificate from the JSON it prints on stdout. With
 * `provideClusterInfo: true` the cluster's server and CA go along in `KUBERNETES_EXEC_INFO`. A relative command
 * path (`./bin/get-token`) is relative to the kubeconfig's directory, as in client-go.
 *
 * @example
 * ```ts
 * const cred = await execCredential(
 *   { apiVersion: "client.authentication.k8s.io/v1", command: "aws", args: ["eks", "get-token", "--cluster-name", "c"] },
 *   "/home/u/.kube", ctx, "kubeconfig ~/.kube/config");
 * // cred.token
 * ```
 * @module
 */
import process from "node:process";
import { isAbsolute, resolve } from "node:path";
import { CosignError } from "../../core/errors.ts";
import { runCredentialCommand } from "../../core/keys/credential_command.ts";
import type { Context } from "../../core/plugin.ts";

/** Credentials an exec plugin gave. */
export interface ExecCredentialResult {
  /** Bearer token. */
  token?: string;
  /** Client certificate and key (PEM). */
  clientCert?: { cert: string; key: string };
}

/** The cluster an exec plugin is told about when its entry sets `provideClusterInfo: true`. */
export interface ExecClusterInfo {
  /** API server URL. */
  server: string;
  /** PEM CA, if the kubeconfig names one. */
  caPem?: string;
  /** kubeconfig `insecure-skip-tls-verify`. */
  insecureSkipVerify?: boolean;
}

/** Longest an exec plugin may run. */
export const EXEC_TIMEOUT_MS = 60_000;

const API_VERSIONS = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
];

/**
 * Runs the exec plugin a kubeconfig user names (its `exec` mapping). Throws CosignError("AUTH")
 * when it cannot be run, fails, or prints no usable credential; ("UNSUPPORTED") for an
 * apiVersion other than client.authentication.k8s.io/v1 or v1beta1, or `interactiveMode: Always`.
 */
export async function execCredential(
  exec: Record<string, unknown>,
  kubeconfigDir: string,
  ctx: Context,
  source: string,
  cluster?: ExecClusterInfo,
): Promise<ExecCredentialResult> {
  const apiVersion = String(exec.apiVersion ?? "");
  const command = typeof exec.command === "string" ? exec.command : "";
  const failure = (why: string, hint?: string): CosignError =>
    new CosignError(
      "AUTH",
      `Cannot get Kubernetes credentials from "${command}" (${source}): ${why}`,
      {
        hint: hint ??
          "Run the command yourself to see why it fails, e.g. whether you are logged in.",
      },
    );
  if (!command) throw failure("the exec entry has no command", "Give the exec entry a command.");
  if (!API_VERSIONS.includes(apiVersion)) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot run the exec credential plugin "${command}" (${source}): apiVersion "${apiVersion}" is not supported`,
      { hint: `Use apiVersion ${API_VERSIONS.join(" or ")}.` },
    );
  }
  if (exec.interactiveMode === "Always") {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot run the exec credential plugin "${command}" (${source}): it needs a terminal (interactiveMode: Always)`,
      { hint: "Log in with the plugin first, or use a token for this user." },
    );
  }
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const env: Record<string, string> = { ...process.env } as Record<string, string>;
  for (const e of Array.isArray(exec.env) ? exec.env : []) {
    const o = e as { name?: unknown; value?: unknown };
    if (typeof o?.name === "string") env[o.name] = String(o.value ?? "");
  }
  const spec: Record<string, unknown> = { interactive: false };
  // provideClusterInfo: the plugin learns which cluster it authenticates to, as client-go tells it.
  if (exec.provideClusterInfo === true && cluster) {
    spec.cluster = {
      server: cluster.server,
      ...(cluster.caPem ? { "certificate-authority-data": btoa(cluster.caPem) } : {}),
      ...(cluster.insecureSkipVerify ? { "insecure-skip-tls-verify": true } : {}),
    };
  }
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: "ExecCredential", spec });
  const file = command.includes("/") && !isAbsolute(command)
    ? resolve(kubeconfigDir, command)
    : command;
  const stdout = await runCredentialCommand(
    file,
    args,
    { env, timeoutMs: EXEC_TIMEOUT_MS, signal: ctx.signal },
    (f) => {
      if (f.kind === "not-found") {
        return failure(
          "the command was not found",
          "Install it, or fix the command in the kubeconfig.",
        );
      }
      if (f.kind === "cancelled") {
        return failure("cancelled (-t/--timeout)", "Allow more time with -t/--timeout.");
      }
      if (f.kind === "timed-out") return failure(`it ran longer than ${EXEC_TIMEOUT_MS / 1000} s`);
      const why = f.output.trim().split("\n").slice(-3).join(" ");
      return failure(`it failed: ${why.slice(0, 300)}`);
    },
  );
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw failure("it did not print an ExecCredential JSON object");
  }
  const o = json as { apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> };
  if (o?.kind !== "ExecCredential" || o.apiVersion !== apiVersion) {
    throw failure(
      `it printed kind ${JSON.stringify(o?.kind)}, apiVersion ${
        JSON.stringify(o?.apiVersion)
      }; expected ExecCredential ${apiVersion}`,
    );
  }
  const status = o.status ?? {};
  const token = typeof status.token === "string" && status.token !== "" ? status.token : undefined;
  const cert = typeof status.clientCertificateData === "string" ? status.clientCertificateData : "";
  const key = typeof status.clientKeyData === "string" ? status.clientKeyData : "";
  if (!token && !(cert && key)) {
    throw failure("its ExecCredential status has neither a token nor a client certificate and key");
  }
  return { ...(token ? { token } : {}), ...(cert && key ? { clientCert: { cert, key } } : {}) };
}
