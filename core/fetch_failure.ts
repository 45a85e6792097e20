/**
 * Our own words for a failed `fetch` (issue 13 item 9): the runtimes word the same failure
 * differently (Bun: `ECONNREFUSED: Unable to connect. Is the computer able to access the url?`,
 * Deno: `error sending request … Connection refused (os error 111)`), and neither names the port.
 * {@link describeFetchFailure} classifies the error by its code and text and says what failed,
 * naming host and port, with a hint.
 *
 * @example
 * ```ts
 * try { await fetch(url); } catch (e) {
 *   const f = describeFetchFailure(e, url, "Rekor");
 *   throw new CosignError("NETWORK", `Cannot reach Rekor at ${url}: ${f.why}`, { hint: f.hint });
 * }
 * // f.why: "connection refused by 127.0.0.1:3000"
 * ```
 * @module
 */
import { describeError } from "./errors.ts";

/** What kind of failure it was. */
export type FetchFailureKind = "refused" | "dns" | "tls" | "reset" | "other";

/** A fetch failure in our words. */
export interface FetchFailure {
  /** The kind of failure. */
  kind: FetchFailureKind;
  /** What happened, naming host and port (e.g. `connection refused by 127.0.0.1:3000`). */
  why: string;
  /** What to do about it. */
  hint: string;
}

/** `host:port` of a URL (or of `host[:port]`), with the scheme's default port filled in. */
export function hostAndPort(target: string): string {
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `https://${target}`);
    const port = u.port || (u.protocol === "http:" ? "80" : "443");
    return `${u.hostname}:${port}`;
  } catch {
    return target;
  }
}

function textOf(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur && i < 4; i++) {
    parts.push(describeError(cur));
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") parts.push(code);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(" ");
}

/** The runtime's message without its boilerplate (Bun's "Is the computer able to access…"). */
function cleaned(e: unknown): string {
  return describeError(e)
    .replace(/\s*Is the computer able to access the url\?/i, "")
    .replace(/^[A-Za-z_]+: /, "")
    .trim() || "the request failed";
}

/**
 * Classifies a fetch failure for `target` (a URL or `host:port`); `what` names the service in
 * hints ("registry", "Rekor"). Never throws.
 */
export function describeFetchFailure(e: unknown, target: string, what: string): FetchFailure {
  const hp = hostAndPort(target);
  const host = hp.replace(/:\d+$/, "");
  const text = textOf(e);
  const lower = text.toLowerCase();
  if (/econnrefused|connection refused|refused/.test(lower)) {
    return {
      kind: "refused",
      why: `connection refused by ${hp}`,
      hint: `Nothing listens on ${hp}: check the ${what} address and port, and that it is running.`,
    };
  }
  if (
    /unable to connect|failedtoopensocket|ehostunreach|enetunreach|network is unreachable/.test(
      lower,
    )
  ) {
    return {
      kind: "refused",
      why: `cannot connect to ${hp}`,
      hint: `Check the ${what} address and port, that it is running, and your network connection.`,
    };
  }
  if (
    /enotfound|getaddrinfo|eai_again|dns|failed to lookup|name or service not known|resolve/.test(
      lower,
    )
  ) {
    return {
      kind: "dns",
      why: `the host name "${host}" does not resolve`,
      hint: `Check the spelling of "${host}" and your network or DNS settings.`,
    };
  }
  if (
    /certificate|cert_|unknown ca|self.signed|unable to verify|tls|ssl|handshake|altname/.test(
      lower,
    )
  ) {
    const why = /expired/.test(lower)
      ? "its certificate has expired"
      : /altname|does not match|hostname|not valid for/.test(lower)
      ? `its certificate does not name "${host}"`
      : /self.signed|unknown ca|unable to verify|issuer|untrusted|not trusted|unable_to_get/.test(
          lower,
        )
      ? "its certificate is not signed by a trusted CA"
      : "the TLS handshake failed";
    return {
      kind: "tls",
      why: `TLS with ${hp} failed: ${why}`,
      hint: `Trust the CA of ${hp} with NODE_EXTRA_CA_CERTS=FILE (DENO_CERT=FILE under deno)` +
        (what === "registry" ? ", or --registry-cacert FILE / --allow-insecure-registry." : "."),
    };
  }
  if (
    /econnreset|reset|socket hang up|closed|terminated|epipe|eof|connection.*(lost|dropped)/.test(
      lower,
    )
  ) {
    return {
      kind: "reset",
      why: `${hp} dropped the connection`,
      hint: `The ${what} closed the connection early; try again, and check any proxy in between.`,
    };
  }
  return {
    kind: "other",
    why: `${cleaned(e)} (${hp})`,
    hint: `Check the ${what} address and your network connection.`,
  };
}
