// Independent peer: verifies a Sigstore bundle with @sigstore/verify (sigstore-js) under Node,
// offline, with trust material built from a trusted_root.json. Run by tests/helpers/sigstore_js.ts.
// Usage: node sigstore_js_verify.mjs '{"bundle":F,"artifact":F,"trustedRoot":F,"key":F?,
//          "tlogThreshold":N?,"timestampThreshold":N?,"ctlogThreshold":N?,"identity":S?,"issuer":S?}'
// Prints one JSON line: {"ok":true,"identity":...} or {"ok":false,"error":"..."}.
import { readFileSync } from "node:fs";
import { createHash, createPublicKey } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";

const opts = JSON.parse(process.argv[2]);
try {
  const bundle = bundleFromJSON(JSON.parse(readFileSync(opts.bundle, "utf8")));
  const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(opts.trustedRoot, "utf8")));
  let keys;
  if (opts.key) {
    const der = createPublicKey(readFileSync(opts.key, "utf8")).export({
      format: "der",
      type: "spki",
    });
    const hint = createHash("sha256").update(der).digest("base64");
    keys = {
      [hint]: {
        rawBytes: der,
        keyDetails: "PKIX_ECDSA_P256_SHA_256",
        validFor: { start: new Date(0) },
      },
    };
  }
  const trust = toTrustMaterial(root, keys);
  const verifier = new Verifier(trust, {
    tlogThreshold: opts.tlogThreshold ?? 1,
    ctlogThreshold: opts.ctlogThreshold ?? (opts.key ? 0 : 1),
    timestampThreshold: opts.timestampThreshold ?? 1,
  });
  const artifact = opts.artifact ? readFileSync(opts.artifact) : undefined;
  const policy = {};
  if (opts.identity) policy.subjectAlternativeName = opts.identity;
  if (opts.issuer) policy.extensions = { issuer: opts.issuer };
  const signer = verifier.verify(toSignedEntity(bundle, artifact), policy);
  const id = signer.identity;
  console.log(
    JSON.stringify({
      ok: true,
      san: id?.subjectAlternativeName ?? null,
      issuer: id?.extensions?.issuer ?? null,
    }),
  );
} catch (e) {
  console.log(
    JSON.stringify({ ok: false, error: `${e?.code ?? e?.name ?? "Error"}: ${e?.message ?? e}` }),
  );
}
