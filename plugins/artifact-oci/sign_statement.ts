/**
 * The in-toto statement cosign v3 signs for an image (`cosign sign --new-bundle-format`): in-toto
 * Statement v1 whose one subject is the image digest (no name) with the `-a` annotations as the
 * subject's annotations, predicate type `https://sigstore.dev/cosign/sign/v1` and an empty
 * predicate, serialized as cosign's protojson does (fields in proto order, Struct keys sorted).
 * It goes in a DSSE envelope in a Sigstore bundle v0.3, stored as a referrer of the image.
 *
 * @example
 * ```ts
 * const payload = signStatement("sha256:…", { env: "prod" });
 * ```
 * @module
 */
import { protoJSON } from "../../core/go_json.ts";
import { SIGN_PREDICATE_TYPE } from "./referrer_bundles.ts";

/** The in-toto v1 statement type. */
const STATEMENT_V1 = "https://in-toto.io/Statement/v1";

/**
 * The statement bytes for `digest` (`sha256:<hex>`) and the annotations (see the module
 * documentation).
 *
 * @example
 * ```ts
 * new TextDecoder().decode(signStatement("sha256:ab…"));
 * // {"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab…"},
 * //  "annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}
 * ```
 */
export function signStatement(
  digest: string,
  annotations?: Record<string, unknown> | null,
): Uint8Array {
  const i = digest.indexOf(":");
  const subject = `{"digest":${protoJSON({ [digest.slice(0, i)]: digest.slice(i + 1) })},` +
    `"annotations":${protoJSON(annotations ?? {})}}`;
  return new TextEncoder().encode(
    `{"_type":${protoJSON(STATEMENT_V1)},"subject":[${subject}],` +
      `"predicateType":${protoJSON(SIGN_PREDICATE_TYPE)},"predicate":{}}`,
  );
}
