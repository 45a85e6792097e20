/**
 * A cosign v3 image signature made by an independent signer: an in-toto statement (predicate
 * type sign/v1) naming `subjectDigest`, in a DSSE envelope signed by openssl, in a Sigstore
 * bundle v0.3, pushed as an OCI 1.1 referrer of `subject` (as cosign v3 stores it).
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Descriptor, RegistryClient } from "../../oci/client.ts";
import { openssl } from "./openssl.ts";

/** Signs a v3 bundle for `subjectDigest` with the PEM key `keyPath` and attaches it to `subject`. */
export async function attachV3Bundle(
  client: RegistryClient,
  repo: string,
  subject: Descriptor,
  subjectDigest: string,
  keyPath: string,
  workDir: string,
): Promise<void> {
  const enc = new TextEncoder();
  const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
  const statement = enc.encode(JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: repo, digest: { sha256: subjectDigest.slice(7) } }],
    predicateType: "https://sigstore.dev/cosign/sign/v1",
    predicate: {},
  }));
  const type = "application/vnd.in-toto+json";
  const pae = new Uint8Array([
    ...enc.encode(`DSSEv1 ${type.length} ${type} ${statement.length} `),
    ...statement,
  ]);
  await writeFile(join(workDir, "pae.bin"), pae);
  const sig = await openssl(["dgst", "-sha256", "-sign", keyPath, join(workDir, "pae.bin")]);
  assert.equal(sig.code, 0, sig.err);
  const bundle = enc.encode(JSON.stringify({
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { publicKey: { hint: "" }, tlogEntries: [] },
    dsseEnvelope: {
      payload: b64(statement),
      payloadType: type,
      signatures: [{ sig: b64(sig.stdout), keyid: "" }],
    },
  }));
  const layer = await client.putBlob(repo, bundle, {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
  });
  const config = await client.putBlob(repo, enc.encode("{}"), {
    mediaType: "application/vnd.oci.empty.v1+json",
  });
  const manifest = enc.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    config,
    layers: [layer],
    subject,
    annotations: {
      "dev.sigstore.bundle.content": "dsse-envelope",
      "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1",
    },
  }));
  await client.putReferrer(repo, manifest, "application/vnd.oci.image.manifest.v1+json");
}
