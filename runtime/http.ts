/**
 * HTTP client options that differ between runtimes: extra trusted CA certificates and skipping
 * TLS verification. Bun takes them as `fetch(url, { tls: { ca, rejectUnauthorized } })`, Deno as
 * a `Deno.createHttpClient({ caCerts })` passed as `client`. Everything else uses plain `fetch`.
 *
 * @example
 * ```ts
 * const f = createFetch({ caCerts: [pemText] });
 * await f("https://127.0.0.1:5000/v2/");
 * ```
 * @module
 */
import { rootCertificates } from "node:tls";
import { CosignError } from "../core/errors.ts";

/** TLS options for {@link createFetch}. */
export interface HttpClientOptions {
  /** Extra CA certificates (PEM text, one or more per string), trusted besides the system roots. */
  caCerts?: string[];
  /** Do not verify server certificates (cosign's --allow-insecure-registry). Bun/Node only. */
  insecureSkipVerify?: boolean;
  /** A client certificate for mutual TLS (e.g. a kubeconfig user's): PEM chain and PEM key. */
  clientCert?: { cert: string; key: string };
}

/**
 * A fetch function honouring `opts`. Returns the global fetch when no option is set.
 * Throws CosignError("UNSUPPORTED") for `insecureSkipVerify` under Deno (Deno only offers it as
 * the command-line flag --unsafely-ignore-certificate-errors).
 */
export function createFetch(opts: HttpClientOptions = {}): typeof fetch {
  const ca = opts.caCerts?.filter((c) => c.trim() !== "") ?? [];
  const client = opts.clientCert;
  if (ca.length === 0 && !opts.insecureSkipVerify && !client) {
    return globalThis.fetch.bind(globalThis);
  }
  // deno-lint-ignore no-explicit-any
  const D = (globalThis as any).Deno;
  if (D && typeof D.createHttpClient === "function") {
    if (opts.insecureSkipVerify) {
      throw new CosignError(
        "UNSUPPORTED",
        "Cannot skip TLS certificate verification under Deno from inside the program",
        {
          hint:
            "Run the compiled binary (Bun), pass --registry-cacert with the registry's CA, or run deno with --unsafely-ignore-certificate-errors.",
        },
      );
    }
    const httpClient = D.createHttpClient({
      caCerts: ca,
      ...(client ? { cert: client.cert, key: client.key } : {}),
    });
    return ((input: RequestInfo | URL, init?: RequestInit) =>
      globalThis.fetch(input, { ...init, client: httpClient } as RequestInit)) as typeof fetch;
  }
  const tls: Record<string, unknown> = {};
  if (ca.length) tls.ca = [...rootCertificates, ...ca];
  if (client) Object.assign(tls, { cert: client.cert, key: client.key });
  if (opts.insecureSkipVerify) tls.rejectUnauthorized = false;
  return ((input: RequestInfo | URL, init?: RequestInit) =>
    globalThis.fetch(input, { ...init, tls } as RequestInit)) as typeof fetch;
}
