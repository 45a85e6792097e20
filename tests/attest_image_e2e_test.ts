/**
 * Image attestations and cosign v3 image storage through dist/cosign-ts on the real registry
 * (Debian's distribution 2.8: no referrers API, so the referrers tag schema is used):
 *
 * - `attest` in cosign's legacy layout (`.att` DSSE layers) and with `--new-bundle-format` (a
 *   bundle v0.3 referrer), both read back by plain HTTP and checked field by field; the DSSE
 *   signature checked by openssl over the PAE, the referrer bundle by @sigstore/verify;
 * - `verify-attestation` over both layouts (key and keyless with the test Sigstore services),
 *   `--type` filtering with cosign's message; bad input (tampered envelope, wrong subject, wrong
 *   predicate type, unsigned referrer, huge predicate) gives clear errors and exit 12 (or the
 *   input's error before anything is written);
 * - `sign --new-bundle-format` / `--registry-referrers-mode=oci-1-1` / `--bundle`, with
 *   concurrent signer processes losing nothing;
 * - `attach attestation|sbom`, `download attestation|sbom`, `attach` alone, `clean --type`
 *   covering referrers.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RegistryClient } from "../oci/client.ts";
import { parseReference, withDigest } from "../oci/reference.ts";
import { writeBundleReferrer } from "../plugins/artifact-oci/bundle_referrer.ts";
import { cosign, tempDir } from "./helpers/cli.ts";
import { makeIdentityToken, TEST_ISSUER } from "./helpers/oidc.ts";
import { openssl } from "./helpers/openssl.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { verifyWithSigstoreJs } from "./helpers/sigstore_js.ts";
import { startSigstoreServices } from "./helpers/sigstore_services.ts";

const sha256hex = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
const DSSE_TYPE = "application/vnd.dsse.envelope.v1+json";
const INTOTO = "application/vnd.in-toto+json";
const SLSA1 = "https://slsa.dev/provenance/v1";
const CUSTOM = "https://cosign.sigstore.dev/attestation/v1";

function pae(type: string, payload: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`DSSEv1 ${type.length} ${type} ${payload.length} `);
  return new Uint8Array([...head, ...payload]);
}

describe("image attestations and cosign v3 storage on dist/cosign-ts with a real registry", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  let key: string, pub: string, otherPub: string;
  let n = 0;
  const repo = () => `${reg.host}/att${++n}`;
  const path = (r: string) => r.slice(reg.host.length + 1);
  const run = (args: string[], extra: Record<string, string> = {}, stdin?: string) =>
    cosign(args, { env: { ...env, ...extra }, cwd: dir, stdin });
  /** The registry's own JSON for a manifest or tag, by plain HTTP. */
  const raw = async (r: string, ref: string) => {
    const res = await fetch(`${reg.url}/v2/${path(r)}/manifests/${ref}`, {
      headers: {
        accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
      },
    });
    assert.equal(res.status, 200, `${r}:${ref}`);
    return JSON.parse(await res.text());
  };
  const blob = async (r: string, digest: string) =>
    new Uint8Array(await (await fetch(`${reg.url}/v2/${path(r)}/blobs/${digest}`)).arrayBuffer());
  /** @sigstore/verify (independent) accepts a key-signed bundle without log or timestamps. */
  const keyBundleVerifiesInSigstoreJs = async (bundleFile: string) => {
    const root = join(dir, "empty_root.json");
    await writeFile(
      root,
      JSON.stringify({
        mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        tlogs: [],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [],
      }),
    );
    const js = await verifyWithSigstoreJs({
      bundle: bundleFile,
      trustedRoot: root,
      key: pub,
      tlogThreshold: 0,
      timestampThreshold: 0,
    });
    assert.equal(js.ok, true, js.error);
  };
  const predicate = async (name: string, value: unknown) => {
    const p = join(dir, name);
    await writeFile(p, JSON.stringify(value));
    return p;
  };

  before(async () => {
    reg = await startRegistry("plain");
    client = new RegistryClient(reg.clientOptions());
    ({ dir, cleanup } = await tempDir("cosign-ts-attest-"));
    env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: dir, HOME: dir };
    for (const prefix of ["signer", "other"]) {
      const r = await cosign(["generate-key-pair", "--output-key-prefix", prefix], {
        env,
        cwd: dir,
      });
      assert.equal(r.code, 0, r.err);
    }
    key = join(dir, "signer.key");
    pub = join(dir, "signer.pub");
    otherPub = join(dir, "other.pub");
  });

  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  it("attest (legacy layout): a DSSE layer of .att as cosign writes it, checked by openssl; verify-attestation prints it", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const p = await predicate("prov.json", { buildDefinition: { buildType: "https://x/y" } });
    const a = await run([
      "attest",
      "--key",
      key,
      "--predicate",
      p,
      "--type",
      "slsaprovenance1",
      "--tlog-upload=false",
      `${r}:v1`,
    ]);
    assert.equal(a.code, 0, a.err);
    assert.match(a.err, /uses a tag, not a digest/);
    // The .att image, read by plain HTTP: one DSSE layer with cosign's annotations.
    const m = await raw(r, `sha256-${img.digest.slice(7)}.att`);
    assert.equal(m.layers.length, 1);
    const layer = m.layers[0];
    assert.equal(layer.mediaType, DSSE_TYPE);
    assert.deepEqual(layer.annotations, {
      "dev.cosignproject.cosign/signature": "",
      predicateType: SLSA1,
    });
    const envelopeBytes = await blob(r, layer.digest);
    assert.equal(sha256hex(envelopeBytes), layer.digest.slice(7));
    const envelope = JSON.parse(new TextDecoder().decode(envelopeBytes));
    assert.deepEqual(Object.keys(envelope), ["payloadType", "payload", "signatures"]);
    assert.equal(envelope.payloadType, INTOTO);
    const statement = JSON.parse(new TextDecoder().decode(unb64(envelope.payload)));
    assert.equal(statement.predicateType, SLSA1);
    assert.deepEqual(statement.subject, [{ name: r, digest: { sha256: img.digest.slice(7) } }]);
    // The signature covers the PAE: openssl (independent) agrees.
    await writeFile(join(dir, "pae.bin"), pae(INTOTO, unb64(envelope.payload)));
    await writeFile(join(dir, "pae.sig"), unb64(envelope.signatures[0].sig));
    const ok = await openssl([
      "dgst",
      "-sha256",
      "-verify",
      pub,
      "-signature",
      join(dir, "pae.sig"),
      join(dir, "pae.bin"),
    ]);
    assert.equal(ok.code, 0, ok.err + ok.out);
    // verify-attestation: the envelope JSON on stdout, cosign's header on stderr.
    const v = await run([
      "verify-attestation",
      "--key",
      pub,
      "--type",
      "slsaprovenance1",
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(v.code, 0, v.err);
    assert.equal(v.out, new TextDecoder().decode(envelopeBytes) + "\n");
    assert.match(v.err, /Verification for .*att\d+:v1 --/);
    assert.match(v.err, /The cosign claims were validated/);
    assert.match(v.err, /verified against the specified public key/);
    // Another key: no match (12). Another type: cosign's message (12).
    const wrongKey = await run([
      "verify-attestation",
      "--key",
      otherPub,
      "--type",
      "slsaprovenance1",
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(wrongKey.code, 12, wrongKey.err);
    const wrongType = await run([
      "verify-attestation",
      "--key",
      pub,
      "--type",
      "cyclonedx",
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(wrongType.code, 12, wrongType.err);
    assert.match(
      wrongType.err,
      new RegExp(`none of the attestations matched the predicate type: cyclonedx, found: ${SLSA1}`),
    );
    // --replace: a custom attestation stays, the slsaprovenance1 one is replaced by the new one.
    const c = await predicate("c.json", { c: 1 });
    const add = (p2: string, type: string, extra: string[] = []) =>
      run([
        "attest",
        "--key",
        key,
        "--predicate",
        p2,
        "--type",
        type,
        "--tlog-upload=false",
        ...extra,
        `${r}@${img.digest}`,
      ]);
    assert.equal((await add(c, "custom")).code, 0);
    const p2 = await predicate("prov2.json", { buildDefinition: { buildType: "https://x/z" } });
    const rep = await add(p2, "slsaprovenance1", ["--replace"]);
    assert.equal(rep.code, 0, rep.err);
    const after = await raw(r, `sha256-${img.digest.slice(7)}.att`);
    assert.deepEqual(
      after.layers.map((l: { annotations: Record<string, string> }) => l.annotations.predicateType),
      [CUSTOM, SLSA1],
    );
    assert.notEqual(after.layers[1].digest, layer.digest);
    const replaced = await run([
      "verify-attestation",
      "--key",
      pub,
      "--type",
      "slsaprovenance1",
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(replaced.code, 0, replaced.err);
    assert.equal(replaced.out.trim().split("\n").length, 1);
    assert.match(
      new TextDecoder().decode(unb64(JSON.parse(replaced.out).payload)),
      /https:\/\/x\/z/,
    );
    const both = await add(p2, "slsaprovenance1", ["--replace", "--new-bundle-format"]);
    assert.equal(both.code, 2, both.err);
    // Without a log entry and without --insecure-ignore-tlog: no match (12).
    const noTlog = await run([
      "verify-attestation",
      "--key",
      pub,
      "--type",
      "slsaprovenance1",
      `${r}:v1`,
    ]);
    assert.equal(noTlog.code, 12, noTlog.err);
  });

  it("attest --new-bundle-format: a bundle v0.3 referrer (verified by @sigstore/verify); both layouts verify together", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const p = await predicate("custom.json", { hello: "world" });
    const bundleFile = join(dir, "att.sigstore.json");
    const a = await run([
      "attest",
      "--key",
      key,
      "--predicate",
      p,
      "--new-bundle-format",
      "--bundle",
      bundleFile,
      "--tlog-upload=false",
      `${r}@${img.digest}`,
    ]);
    assert.equal(a.code, 0, a.err);
    // The referrers tag schema index lists one bundle referrer with cosign's annotations.
    const index = await raw(r, `sha256-${img.digest.slice(7)}`);
    assert.equal(index.manifests.length, 1);
    const entry = index.manifests[0];
    assert.equal(entry.artifactType, BUNDLE_TYPE);
    assert.equal(entry.annotations["dev.sigstore.bundle.predicateType"], CUSTOM);
    assert.equal(entry.annotations["dev.sigstore.bundle.content"], "dsse-envelope");
    const m = await raw(r, entry.digest);
    assert.equal(m.artifactType, BUNDLE_TYPE);
    assert.deepEqual(m.subject, {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: img.manifest.length,
      digest: img.digest,
    });
    assert.equal(m.layers.length, 1);
    assert.equal(m.layers[0].mediaType, BUNDLE_TYPE);
    const bundleBytes = await blob(r, m.layers[0].digest);
    // --bundle wrote the same bundle locally.
    assert.deepEqual(new Uint8Array(await readFile(bundleFile)), bundleBytes);
    const bundle = JSON.parse(new TextDecoder().decode(bundleBytes));
    assert.equal(bundle.mediaType, BUNDLE_TYPE);
    assert.equal(bundle.dsseEnvelope.payloadType, INTOTO);
    // @sigstore/verify (independent) accepts it: the statement's subject is the image digest.
    await keyBundleVerifiesInSigstoreJs(bundleFile);
    const v = await run(["verify-attestation", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(v.code, 0, v.err);
    const line = JSON.parse(v.out.trim());
    assert.equal(line.payload, bundle.dsseEnvelope.payload);
    assert.equal(line.signatures[0].sig, bundle.dsseEnvelope.signatures[0].sig);
    // The same image attested in the legacy layout too: both verify, two lines.
    const legacy = await run([
      "attest",
      "--key",
      key,
      "--predicate",
      p,
      "--tlog-upload=false",
      `${r}@${img.digest}`,
    ]);
    assert.equal(legacy.code, 0, legacy.err);
    const both = await run([
      "verify-attestation",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(both.code, 0, both.err);
    assert.equal(both.out.trim().split("\n").length, 2, both.out);
    // Saved with save: verify-attestation --local-image finds both from disk.
    const saved = join(dir, `saved${n}`);
    const sv = await run(["save", "--dir", saved, `${r}:v1`]);
    assert.equal(sv.code, 0, sv.err);
    const local = await run([
      "verify-attestation",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "--local-image",
      saved,
    ]);
    assert.equal(local.code, 0, local.err);
    assert.deepEqual(local.out.trim().split("\n").sort(), both.out.trim().split("\n").sort());
    const localSig = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "--local-image",
      saved,
    ]);
    assert.equal(localSig.code, 10, localSig.err);
    // An attestation referrer is not a signature: verify finds none.
    const sig = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(sig.code, 10, sig.err);
    // download attestation: both layouts, filtered by --predicate-type.
    const d = await run(["download", "attestation", `${r}:v1`]);
    assert.equal(d.code, 0, d.err);
    assert.equal(d.out.trim().split("\n").length, 2);
    const none = await run(["download", "attestation", "--predicate-type", "spdx", `${r}:v1`]);
    assert.equal(none.code, 10, none.err);
    // clean --type attestation removes the .att image and the attestation referrers.
    const c = await run(["clean", "--type", "attestation", "-f", `${r}:v1`]);
    assert.equal(c.code, 0, c.err);
    const after = await run([
      "verify-attestation",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(after.code, 10, after.err);
  });

  it("keyless attest in both layouts verifies by identity (test Sigstore: Fulcio, Rekor dsse entries)", async () => {
    const svc = await startSigstoreServices();
    try {
      const root = join(dir, "keyless_root.json");
      await writeFile(root, JSON.stringify(svc.trustedRoot));
      const token = await makeIdentityToken({ sub: "alice@example.com" });
      const services = ["--fulcio-url", svc.fulcioUrl, "--rekor-url", svc.rekorUrl];
      const r = repo();
      const img = await pushTestImage(client, `${r}:v1`);
      const p = await predicate("k.json", { k: 1 });
      const bundleFile = join(dir, "keyless.sigstore.json");
      const tsa = ["--timestamp-server-url", svc.tsaUrl];
      for (
        const extra of [
          tsa,
          ["--rekor-entry-type", "intoto"],
          ["--new-bundle-format", "--bundle", bundleFile, ...tsa],
        ]
      ) {
        const a = await run([
          "attest",
          "-y",
          ...services,
          "--trusted-root",
          root,
          "--identity-token",
          token,
          "--predicate",
          p,
          ...extra,
          `${r}@${img.digest}`,
        ]);
        assert.equal(a.code, 0, a.err);
      }
      const js = await verifyWithSigstoreJs({
        bundle: bundleFile,
        trustedRoot: root,
        identity: "alice@example.com",
        issuer: TEST_ISSUER,
      });
      assert.equal(js.ok, true, js.error);
      // The bundle carries the RFC 3161 timestamp and a dsse entry; the .att layers the
      // certificate, the Rekor bundle (dsse, then cosign's intoto) and, first, the timestamp.
      const bundle = JSON.parse(await readFile(bundleFile, "utf8"));
      assert.equal(
        bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length,
        1,
      );
      assert.equal(bundle.verificationMaterial.tlogEntries[0].kindVersion.kind, "dsse");
      const att = await raw(r, `sha256-${img.digest.slice(7)}.att`);
      assert.equal(att.layers.length, 2);
      const kinds = att.layers.map((l: { annotations: Record<string, string> }) =>
        JSON.parse(
          atob(JSON.parse(l.annotations["dev.sigstore.cosign/bundle"]).Payload.body),
        ).kind
      );
      assert.deepEqual(kinds, ["dsse", "intoto"]);
      assert.ok(att.layers[0].annotations["dev.sigstore.cosign/rfc3161timestamp"]);
      assert.match(
        att.layers[0].annotations["dev.sigstore.cosign/certificate"],
        /BEGIN CERTIFICATE/,
      );
      const id = ["--certificate-identity", "alice@example.com"];
      const issuer = ["--certificate-oidc-issuer", TEST_ISSUER];
      const v = await run([
        "verify-attestation",
        ...id,
        ...issuer,
        "--trusted-root",
        root,
        `${r}:v1`,
      ]);
      assert.equal(v.code, 0, v.err);
      assert.equal(v.out.trim().split("\n").length, 3, v.out);
      assert.match(v.err, /Certificate subject: alice@example\.com/);
      assert.match(v.err, /transparency log was verified offline/);
      // sign --new-bundle-format keyless: verify finds the v3 signature by identity.
      const ks = await run([
        "sign",
        "-y",
        ...services,
        "--trusted-root",
        root,
        "--identity-token",
        token,
        "--new-bundle-format",
        `${r}@${img.digest}`,
      ]);
      assert.equal(ks.code, 0, ks.err);
      const kv = await run(["verify", ...id, ...issuer, "--trusted-root", root, `${r}:v1`]);
      assert.equal(kv.code, 0, kv.err);
      assert.equal(JSON.parse(kv.out)[0].critical.type, "https://sigstore.dev/cosign/sign/v1");
      assert.match(kv.err, /transparency log was verified offline/);
      // Rekor v2 as the signing config says: the bundle layout (a v2 entry has no SET, which
      // cosign's .att layout needs: that is a clear error before anything is stored).
      const v2 = await pushTestImage(client, `${r}:v2`);
      const v2Config = join(dir, "signing_config_v2.json");
      await writeFile(v2Config, JSON.stringify(svc.signingConfigV2));
      const viaConfig = (extra: string[]) =>
        run([
          "attest",
          "-y",
          "--signing-config",
          v2Config,
          "--trusted-root",
          root,
          "--identity-token",
          token,
          "--predicate",
          p,
          ...extra,
          `${r}@${v2.digest}`,
        ]);
      const a2 = await viaConfig(["--new-bundle-format"]);
      assert.equal(a2.code, 0, a2.err);
      const v2v = await run([
        "verify-attestation",
        ...id,
        ...issuer,
        "--trusted-root",
        root,
        `${r}:v2`,
      ]);
      assert.equal(v2v.code, 0, v2v.err);
      assert.equal(v2v.out.trim().split("\n").length, 1);
      const legacyV2 = await viaConfig([]);
      assert.notEqual(legacyV2.code, 0);
      assert.match(legacyV2.err, /Rekor v2/);
      assert.equal(await client.headManifest(`${r}:sha256-${v2.digest.slice(7)}.att`), undefined);
      const other = await run([
        "verify-attestation",
        "--certificate-identity",
        "mallory@example.com",
        ...issuer,
        "--trusted-root",
        root,
        `${r}:v1`,
      ]);
      assert.equal(other.code, 12, other.err);
    } finally {
      await svc.stop();
    }
  });

  it("bad input: tampered envelope, wrong subject, unsigned referrer, huge predicate", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const other = await pushTestImage(client, `${r}:other`);
    // A DSSE envelope signed by openssl about another image, attached with attach attestation.
    const pem = join(dir, "ext.pem");
    const extPub = join(dir, "ext.pub");
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pem]);
    await openssl(["ec", "-in", pem, "-pubout", "-out", extPub]);
    const envelopeFor = async (subjectDigest: string) => {
      const st = new TextEncoder().encode(JSON.stringify({
        _type: "https://in-toto.io/Statement/v0.1",
        subject: [{ name: r, digest: { sha256: subjectDigest.slice(7) } }],
        predicateType: CUSTOM,
        predicate: { x: 1 },
      }));
      await writeFile(join(dir, "ext_pae.bin"), pae(INTOTO, st));
      const sig = await openssl(["dgst", "-sha256", "-sign", pem, join(dir, "ext_pae.bin")]);
      assert.equal(sig.code, 0, sig.err);
      return {
        payloadType: INTOTO,
        payload: b64(st),
        signatures: [{ keyid: "", sig: b64(sig.stdout) }],
      };
    };
    const verifyExt = () =>
      run(["verify-attestation", "--key", extPub, "--insecure-ignore-tlog", `${r}:v1`]);
    // A well-made one verifies (the independent signer's envelope through our verifier).
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify(await envelopeFor(img.digest)));
    const at = await run(["attach", "attestation", "--attestation", good, `${r}:v1`]);
    assert.equal(at.code, 0, at.err);
    const v = await verifyExt();
    assert.equal(v.code, 0, v.err);
    await client.deleteManifest(`${r}:sha256-${img.digest.slice(7)}.att`);
    // Tampered: the payload changed after signing.
    const t = await envelopeFor(img.digest);
    const tampered = join(dir, "tampered.json");
    const changed = JSON.parse(new TextDecoder().decode(unb64(t.payload)));
    changed.predicate.x = 2;
    await writeFile(tampered, JSON.stringify({ ...t, payload: b64(JSON.stringify(changed)) }));
    assert.equal(
      (await run(["attach", "attestation", "--attestation", tampered, `${r}:v1`])).code,
      0,
    );
    const vt = await verifyExt();
    assert.equal(vt.code, 12, vt.err);
    assert.match(vt.err, /signature/i);
    await client.deleteManifest(`${r}:sha256-${img.digest.slice(7)}.att`);
    // Wrong subject: a valid signature over a statement about another image.
    const moved = join(dir, "moved.json");
    await writeFile(moved, JSON.stringify(await envelopeFor(other.digest)));
    assert.equal((await run(["attach", "attestation", "--attestation", moved, `${r}:v1`])).code, 0);
    const vm = await verifyExt();
    assert.equal(vm.code, 12, vm.err);
    assert.match(vm.err, /subject/);
    await client.deleteManifest(`${r}:sha256-${img.digest.slice(7)}.att`);
    // An envelope without signatures is refused before anything is written.
    const unsigned = join(dir, "unsigned.json");
    await writeFile(unsigned, JSON.stringify({ ...t, signatures: [] }));
    const au = await run(["attach", "attestation", "--attestation", unsigned, `${r}:v1`]);
    assert.equal(au.code, 1, au.err);
    assert.match(au.err, /signatures/);
    assert.equal(await client.headManifest(`${r}:sha256-${img.digest.slice(7)}.att`), undefined);
    // An unsigned bundle referrer (no signatures in its envelope): rejected (12).
    const e = await envelopeFor(img.digest);
    const unsignedBundle = new TextEncoder().encode(JSON.stringify({
      mediaType: BUNDLE_TYPE,
      verificationMaterial: { publicKey: { hint: "" }, tlogEntries: [] },
      dsseEnvelope: { ...e, signatures: [] },
    }));
    await writeBundleReferrer(client, withDigest(parseReference(r), img.digest), unsignedBundle, {
      predicateType: CUSTOM,
    });
    const vu = await verifyExt();
    assert.equal(vu.code, 12, vu.err);
    // Huge stored attestations are rejected with the reason (12): a .att image over the
    // attachment budget, a bundle referrer over the 4 MiB bundle cap.
    await client.deleteManifest(`${r}:sha256-${img.digest.slice(7)}`).catch(() => {});
    const big = join(dir, "big.json");
    await writeFile(big, `{"a":"${"y".repeat(5 * 1024 * 1024)}"}`);
    for (const extra of [[], ["--new-bundle-format"]]) {
      const ab = await run([
        "attest",
        "--key",
        key,
        "--predicate",
        big,
        "--tlog-upload=false",
        ...extra,
        `${r}@${img.digest}`,
      ]);
      assert.equal(ab.code, 0, ab.err);
    }
    const vb = await run(
      ["verify-attestation", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`],
      { COSIGN_MAX_ATTACHMENT_SIZE: "1MiB" },
    );
    assert.equal(vb.code, 12, vb.err);
    assert.match(vb.err, /COSIGN_MAX_ATTACHMENT_SIZE|over the limit|larger than/);
    assert.match(vb.err, /bundle referrer sha256:[0-9a-f]{64}: /);
    assert.ok(!vb.err.includes("    at "), vb.err);
    await client.deleteManifest(`${r}:sha256-${img.digest.slice(7)}.att`);
    // A huge predicate: a clear error before anything is signed or pushed.
    const huge = join(dir, "huge.json");
    await writeFile(huge, `{"a":"${"x".repeat(33 * 1024 * 1024)}"}`);
    const h = await run([
      "attest",
      "--key",
      key,
      "--predicate",
      huge,
      "--tlog-upload=false",
      `${r}:v1`,
    ]);
    assert.notEqual(h.code, 0);
    assert.match(h.err, /predicate ".*huge\.json".*more than/);
    assert.ok(!h.err.includes("    at "), h.err);
    assert.equal(await client.headManifest(`${r}:sha256-${img.digest.slice(7)}.att`), undefined);
  });

  it("sign --new-bundle-format / --registry-referrers-mode=oci-1-1 / --bundle; concurrent signers lose nothing", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const bundleFile = join(dir, "sig.sigstore.json");
    const s = await run([
      "sign",
      "--key",
      key,
      "--new-bundle-format",
      "--bundle",
      bundleFile,
      "--tlog-upload=false",
      `${r}@${img.digest}`,
    ]);
    assert.equal(s.code, 0, s.err);
    const index = await raw(r, `sha256-${img.digest.slice(7)}`);
    assert.equal(index.manifests.length, 1);
    assert.equal(
      index.manifests[0].annotations["dev.sigstore.bundle.predicateType"],
      "https://sigstore.dev/cosign/sign/v1",
    );
    const m = await raw(r, index.manifests[0].digest);
    const bundleBytes = await blob(r, m.layers[0].digest);
    assert.deepEqual(new Uint8Array(await readFile(bundleFile)), bundleBytes);
    const bundle = JSON.parse(new TextDecoder().decode(bundleBytes));
    const st = JSON.parse(new TextDecoder().decode(unb64(bundle.dsseEnvelope.payload)));
    // cosign v3's sign statement: in-toto v1, the digest as the only subject, empty predicate.
    assert.equal(
      new TextDecoder().decode(unb64(bundle.dsseEnvelope.payload)),
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${
        img.digest.slice(7)
      }"},"annotations":{}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
    );
    assert.equal(st.subject[0].digest.sha256, img.digest.slice(7));
    await keyBundleVerifiesInSigstoreJs(bundleFile);
    // No .sig tag was written.
    assert.equal(await client.headManifest(`${r}:sha256-${img.digest.slice(7)}.sig`), undefined);
    // Concurrent signers (separate processes), half through --registry-referrers-mode=oci-1-1.
    const N = 6;
    const runs = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        run([
          "sign",
          "--key",
          key,
          i % 2 ? "--new-bundle-format" : "--registry-referrers-mode=oci-1-1",
          // Distinct statements: the file key's ECDSA is deterministic (RFC 6979), so identical
          // statements signed in the same second would be one and the same referrer.
          "-a",
          `signer=${i}`,
          "--tlog-upload=false",
          `${r}@${img.digest}`,
        ])),
    );
    for (const x of runs) assert.equal(x.code, 0, x.err);
    const after = await raw(r, `sha256-${img.digest.slice(7)}`);
    assert.equal(after.manifests.length, N + 1, JSON.stringify(after));
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(v.code, 0, v.err);
    assert.equal(JSON.parse(v.out).length, N + 1);
    // -a annotations sit on the statement's subject: verify -a checks them.
    const withA = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "-a",
      "signer=3",
      `${r}:v1`,
    ]);
    assert.equal(withA.code, 0, withA.err);
    assert.equal(JSON.parse(withA.out).length, 1);
    const noA = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "-a",
      "signer=9",
      `${r}:v1`,
    ]);
    assert.equal(noA.code, 12, noA.err);
    assert.match(noA.err, /annotation signer=9/);
    // clean --type signature removes the signature referrers too.
    const c = await run(["clean", "--type", "signature", "-f", `${r}:v1`]);
    assert.equal(c.code, 0, c.err);
    const gone = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(gone.code, 10, gone.err);
    const bad = await run(["sign", "--key", key, "--registry-referrers-mode=v2", `${r}:v1`]);
    assert.equal(bad.code, 2, bad.err);
  });

  it("attach sbom / download sbom; attach alone lists its subcommands", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const sbom = join(dir, "sbom.cdx.json");
    const text = JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.5", components: [] });
    await writeFile(sbom, text);
    const a = await run([
      "attach",
      "sbom",
      "--sbom",
      sbom,
      "--type",
      "cyclonedx",
      "--input-format",
      "json",
      `${r}:v1`,
    ]);
    assert.equal(a.code, 0, a.err);
    assert.match(a.err, /with mediaType \[application\/vnd\.cyclonedx\+json\]/);
    const m = await raw(r, `sha256-${img.digest.slice(7)}.sbom`);
    assert.equal(m.layers.length, 1);
    assert.equal(m.layers[0].mediaType, "application/vnd.cyclonedx+json");
    assert.equal(new TextDecoder().decode(await blob(r, m.layers[0].digest)), text);
    const d = await run(["download", "sbom", `${r}:v1`]);
    assert.equal(d.code, 0, d.err);
    assert.equal(d.out, text);
    assert.match(d.err, /Found SBOM of media type: application\/vnd\.cyclonedx\+json/);
    const badType = await run(["attach", "sbom", "--sbom", sbom, "--type", "bogus", `${r}:v1`]);
    assert.equal(badType.code, 2, badType.err);
    for (const group of ["attach", "download"]) {
      const g = await run([group]);
      assert.equal(g.code, 0, g.err);
      for (const sub of ["signature", "attestation", "sbom"]) {
        assert.match(g.out, new RegExp(`^ {2}${group} ${sub} `, "m"));
      }
    }
  });
});
