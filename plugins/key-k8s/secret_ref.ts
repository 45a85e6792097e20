/**
 * `k8s://NAMESPACE/SECRET` references, as cosign parses them (exactly two parts), checked
 * against Kubernetes' own name rules (namespace: DNS-1123 label; secret: DNS-1123 subdomain) so
 * that nothing but a valid name ever reaches an API path.
 *
 * @example
 * ```ts
 * parseSecretRef("k8s://release/cosign-keys"); // { namespace: "release", name: "cosign-keys" }
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";

/** A secret's place in a cluster. */
export interface SecretRef {
  /** The namespace. */
  namespace: string;
  /** The secret's name. */
  name: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Parses `k8s://NAMESPACE/SECRET` (the `k8s://` prefix is optional). Throws
 * CosignError("INVALID_INPUT") naming the reference for anything else.
 */
export function parseSecretRef(ref: string): SecretRef {
  const parts = ref.replace(/^k8s:\/\//, "").split("/");
  const bad = (why: string): never => {
    throw new CosignError("INVALID_INPUT", `Cannot use "${ref}": ${why}`, {
      hint: "Write the Kubernetes secret as k8s://NAMESPACE/SECRET, e.g. k8s://default/cosign.",
    });
  };
  if (parts.length !== 2) bad("the reference must be k8s://<namespace>/<secret>");
  const [namespace, name] = parts;
  if (namespace.length > 63 || !LABEL.test(namespace)) {
    bad(`"${namespace}" is not a namespace name (lower-case letters, digits and "-", at most 63)`);
  }
  if (name.length > 253 || !name.split(".").every((l) => LABEL.test(l))) {
    bad(`"${name}" is not a secret name (lower-case letters, digits, "-" and ".", at most 253)`);
  }
  return { namespace, name };
}
