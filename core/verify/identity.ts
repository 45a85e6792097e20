/**
 * The signer identity in a Fulcio certificate (subject alternative names and the
 * 1.3.6.1.4.1.57264.1.x extensions) and cosign's identity policy: `--certificate-identity`,
 * `--certificate-identity-regexp`, `--certificate-oidc-issuer`,
 * `--certificate-oidc-issuer-regexp` and the `--certificate-github-workflow-*` flags.
 * Regular expressions are matched unanchored, as cosign (Go's regexp.MatchString) does: write
 * `^…$` to pin a whole value.
 *
 * @example
 * ```ts
 * const id = await certificateIdentity(leaf);
 * checkIdentity(id, { identity: "me@example.com", issuer: "https://accounts.google.com" });
 * ```
 * @module
 */
import { CosignError } from "../errors.ts";
import type { Certificate } from "./certificate.ts";
import { childrenOf, parseDer } from "./certificate.ts";
import { oidToString } from "../keys/der.ts";

/** Fulcio's extension OIDs (prefix 1.3.6.1.4.1.57264.1.). */
export const FULCIO_OID = {
  issuerV1: "1.3.6.1.4.1.57264.1.1",
  githubWorkflowTrigger: "1.3.6.1.4.1.57264.1.2",
  githubWorkflowSha: "1.3.6.1.4.1.57264.1.3",
  githubWorkflowName: "1.3.6.1.4.1.57264.1.4",
  githubWorkflowRepository: "1.3.6.1.4.1.57264.1.5",
  githubWorkflowRef: "1.3.6.1.4.1.57264.1.6",
  otherName: "1.3.6.1.4.1.57264.1.7",
  issuerV2: "1.3.6.1.4.1.57264.1.8",
  sourceRepositoryUri: "1.3.6.1.4.1.57264.1.12",
  sourceRepositoryDigest: "1.3.6.1.4.1.57264.1.13",
  sourceRepositoryRef: "1.3.6.1.4.1.57264.1.14",
  buildTrigger: "1.3.6.1.4.1.57264.1.20",
} as const;

/** The identity a certificate carries. */
export interface CertificateIdentity {
  /** All SAN values: e-mails, URIs, DNS names, Fulcio otherName usernames. */
  sans: string[];
  /** The OIDC issuer (extension 1.8, else the legacy 1.1), if present. */
  issuer?: string;
  /** GitHub workflow values: legacy 1.2–1.6 extensions, else their newer equivalents. */
  github: {
    trigger?: string;
    sha?: string;
    name?: string;
    repository?: string;
    ref?: string;
  };
}

/** What the signer's certificate must show. All given fields must match. */
export interface IdentityPolicy {
  /** Exact SAN value. */
  identity?: string;
  /** Regular expression over SAN values (unanchored, as cosign). */
  identityRegexp?: string;
  /** Exact OIDC issuer. */
  issuer?: string;
  /** Regular expression over the OIDC issuer (unanchored). */
  issuerRegexp?: string;
  /** GitHub workflow trigger, e.g. "push". */
  githubWorkflowTrigger?: string;
  /** GitHub workflow commit SHA. */
  githubWorkflowSha?: string;
  /** GitHub workflow name. */
  githubWorkflowName?: string;
  /** GitHub repository, e.g. "sigstore/sigstore-js". */
  githubWorkflowRepository?: string;
  /** GitHub ref, e.g. "refs/heads/main". */
  githubWorkflowRef?: string;
}

const dec = new TextDecoder("utf-8", { fatal: false });

function extString(cert: Certificate, oid: string, legacyRaw: boolean): string | undefined {
  const e = cert.extensions.find((x) => x.oid === oid);
  if (!e) return undefined;
  if (legacyRaw) return dec.decode(e.value);
  return dec.decode(parseDer(e.value, `extension ${oid}`).value);
}

/** Reads the identity of a certificate. Throws CosignError("VERIFY") for malformed extensions. */
export function certificateIdentity(cert: Certificate): Promise<CertificateIdentity> {
  try {
    return Promise.resolve(identityOf(cert));
  } catch (e) {
    return Promise.reject(e);
  }
}

function identityOf(cert: Certificate): CertificateIdentity {
  const sans: string[] = [];
  const san = cert.extensions.find((e) => e.oid === "2.5.29.17");
  if (san) {
    for (const gn of childrenOf(parseDer(san.value, "subjectAltName"), "subjectAltName")) {
      if (gn.tag === 0x81 || gn.tag === 0x82 || gn.tag === 0x86) {
        sans.push(dec.decode(gn.value));
      } else if (gn.tag === 0xa0) {
        // otherName: type-id OID, [0] EXPLICIT value
        const parts = childrenOf(gn, "otherName");
        let id = "";
        try {
          id = parts[0]?.tag === 0x06 ? oidToString(parts[0].value) : "";
        } catch { /* not an OID */ }
        if (id === FULCIO_OID.otherName && parts[1]?.tag === 0xa0) {
          const inner = childrenOf(parts[1], "otherName value")[0];
          if (inner?.tag === 0x0c) sans.push(dec.decode(inner.value));
        }
      }
    }
  }
  const legacy = (oid: string) => extString(cert, oid, true);
  const modern = (oid: string) => extString(cert, oid, false);
  const repoUri = modern(FULCIO_OID.sourceRepositoryUri);
  return {
    sans,
    issuer: (modern(FULCIO_OID.issuerV2)) ?? (legacy(FULCIO_OID.issuerV1)),
    github: {
      trigger: (legacy(FULCIO_OID.githubWorkflowTrigger)) ??
        (modern(FULCIO_OID.buildTrigger)),
      sha: (legacy(FULCIO_OID.githubWorkflowSha)) ??
        (modern(FULCIO_OID.sourceRepositoryDigest)),
      name: legacy(FULCIO_OID.githubWorkflowName),
      repository: (legacy(FULCIO_OID.githubWorkflowRepository)) ??
        repoUri?.replace(/^https:\/\/github\.com\//, ""),
      ref: (legacy(FULCIO_OID.githubWorkflowRef)) ??
        (modern(FULCIO_OID.sourceRepositoryRef)),
    },
  };
}

function regex(pattern: string, flag: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new CosignError("USAGE", `Invalid regular expression for ${flag}: "${pattern}"`, {
      hint: (e as Error).message,
      cause: e,
    });
  }
}

/**
 * Checks a certificate identity against a policy. Throws CosignError("VERIFY") with a message
 * starting "identity" (or "OIDC issuer", "GitHub workflow …") naming what was expected and what
 * the certificate says.
 */
export function checkIdentity(id: CertificateIdentity, policy: IdentityPolicy): void {
  const fail = (msg: string): never => {
    throw new CosignError("VERIFY", `Cannot verify identity: ${msg}`, {
      check: "identity",
      hint: "Check --certificate-identity / --certificate-oidc-issuer (or their -regexp forms) " +
        "against the signer's certificate.",
    });
  };
  const got = id.sans.length ? id.sans.map((s) => JSON.stringify(s)).join(", ") : "none";
  if (policy.identity !== undefined && !id.sans.includes(policy.identity)) {
    fail(`expected identity "${policy.identity}", the certificate has ${got}`);
  }
  if (policy.identityRegexp !== undefined) {
    const re = regex(policy.identityRegexp, "--certificate-identity-regexp");
    if (!id.sans.some((s) => re.test(s))) {
      fail(`no identity matches /${policy.identityRegexp}/, the certificate has ${got}`);
    }
  }
  if (policy.issuer !== undefined && id.issuer !== policy.issuer) {
    fail(
      `expected OIDC issuer "${policy.issuer}", the certificate has ${
        JSON.stringify(id.issuer ?? "none")
      }`,
    );
  }
  if (policy.issuerRegexp !== undefined) {
    const re = regex(policy.issuerRegexp, "--certificate-oidc-issuer-regexp");
    if (id.issuer === undefined || !re.test(id.issuer)) {
      fail(
        `OIDC issuer ${
          JSON.stringify(id.issuer ?? "none")
        } does not match /${policy.issuerRegexp}/`,
      );
    }
  }
  const gh: [keyof CertificateIdentity["github"], string | undefined, string][] = [
    ["trigger", policy.githubWorkflowTrigger, "trigger"],
    ["sha", policy.githubWorkflowSha, "sha"],
    ["name", policy.githubWorkflowName, "name"],
    ["repository", policy.githubWorkflowRepository, "repository"],
    ["ref", policy.githubWorkflowRef, "ref"],
  ];
  for (const [k, want, flag] of gh) {
    if (want !== undefined && id.github[k] !== want) {
      fail(
        `expected GitHub workflow ${flag} "${want}" (--certificate-github-workflow-${flag}), ` +
          `the certificate has ${JSON.stringify(id.github[k] ?? "none")}`,
      );
    }
  }
}
