/**
 * End-to-end tests of image signing on dist/cosign-ts against a real registry (Debian's
 * docker-registry): sign/verify round trips, cosign's layout read back independently (skopeo,
 * openssl, sha256 of the payload), COSIGN_REPOSITORY, Docker media types, recursive index
 * signing, counter-signing, attach/generate, clean, triangulate/tree/download output, and bad
 * input (unsigned, wrong key, tampered layer, missing annotation, payload naming another digest,
 * missing image, malformed reference).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, runProcess, tempDir } from "./helpers/cli.ts";
import {
  pushTestImage,
  pushTestIndex,
  startRegistry,
  type TestRegistry,
} from "./helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { openssl } from "./helpers/openssl.ts";
import { attachV3Bundle } from "./helpers/v3_bundle.ts";
import { startSigstoreServices } from "./helpers/sigstore_services.ts";
import { makeIdentityToken, TEST_ISSUER } from "./helpers/oidc.ts";

const sha256hex = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const b64decode = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

describe("image signatures on dist/cosign-ts with a real registry", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let dir: string;
  let cleanup: () => Promise<void>;
  let key: string, pub: string, otherPub: string, otherKey: string;
  let env: Record<string, string>;
  let n = 0;
  const repo = () => `${reg.host}/img${++n}`;
  const run = (args: string[], extra: Record<string, string> = {}, stdin?: string) =>
    cosign(args, { env: { ...env, ...extra }, cwd: dir, stdin });

  before(async () => {
    reg = await startRegistry("plain");
    client = new RegistryClient(reg.clientOptions());
    ({ dir, cleanup } = await tempDir("cosign-ts-images-"));
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
    otherKey = join(dir, "other.key");
    otherPub = join(dir, "other.pub");
  });

  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  it("signs by tag (warning, digest resolved) and verifies by tag and digest", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const s = await run(["sign", "--key", key, "--tlog-upload=false", `${r}:v1`]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, /uses a tag, not a digest/);
    assert.match(s.err, new RegExp(`Pushing signature to: ${r}`));
    for (const ref of [`${r}:v1`, `${r}@${img.digest}`]) {
      const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", ref]);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /The following checks were performed on each of these signatures:/);
      assert.match(v.err, /The cosign claims were validated/);
      assert.match(v.err, /verified against the specified public key/);
      const out = JSON.parse(v.out);
      assert.equal(out.length, 1);
      assert.equal(out[0].critical.image["docker-manifest-digest"], img.digest);
      assert.equal(out[0].critical.identity["docker-reference"], r);
      assert.equal(out[0].critical.type, "cosign container image signature");
      assert.equal(out[0].optional, null);
    }
  });

  it("stores cosign's layout: read back with skopeo, checked with openssl", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const s = await run(["sign", "--key", key, "--tlog-upload=false", `${r}@${img.digest}`]);
    assert.equal(s.code, 0, s.err);
    assert.doesNotMatch(s.err, /uses a tag/);
    const tag = `sha256-${img.digest.slice(7)}.sig`;
    const t = await run(["triangulate", `${r}:v1`]);
    assert.equal(t.code, 0, t.err);
    assert.equal(t.out, `${r}:${tag}\n`);
    // An independent client reads the signature manifest.
    const sk = await runProcess("skopeo", [
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${r}:${tag}`,
    ]);
    assert.equal(sk.code, 0, sk.err);
    const m = JSON.parse(sk.out);
    assert.equal(m.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal(m.config.mediaType, "application/vnd.oci.image.config.v1+json");
    assert.equal(m.layers.length, 1);
    const layer = m.layers[0];
    assert.equal(layer.mediaType, "application/vnd.dev.cosign.simplesigning.v1+json");
    const b64sig = layer.annotations["dev.cosignproject.cosign/signature"];
    assert.ok(b64sig);
    // The payload blob, fetched over plain HTTP, hashes to the layer digest, and openssl
    // verifies the signature over it with the public key.
    const blob = new Uint8Array(
      await (await fetch(`${reg.url}/v2/${r.slice(reg.host.length + 1)}/blobs/${layer.digest}`))
        .arrayBuffer(),
    );
    assert.equal(`sha256:${sha256hex(blob)}`, layer.digest);
    assert.equal(
      new TextDecoder().decode(blob),
      `{"critical":{"identity":{"docker-reference":"${r}"},"image":{"docker-manifest-digest":"${img.digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    await writeFile(join(dir, "payload.bin"), blob);
    await writeFile(join(dir, "payload.sig"), b64decode(b64sig));
    const o = await openssl([
      "dgst",
      "-sha256",
      "-verify",
      pub,
      "-signature",
      join(dir, "payload.sig"),
      join(dir, "payload.bin"),
    ]);
    assert.equal(o.code, 0, o.err + o.out);
    // The config's diff_ids name the payload, as go-containerregistry writes them.
    const cfg = JSON.parse(
      await (await fetch(`${reg.url}/v2/${r.slice(reg.host.length + 1)}/blobs/${m.config.digest}`))
        .text(),
    );
    assert.deepEqual(cfg.rootfs, { type: "layers", diff_ids: [layer.digest] });
    assert.equal(cfg.history.length, 1);
    // download signature prints the same signature and payload.
    const d = await run(["download", "signature", `${r}:v1`]);
    assert.equal(d.code, 0, d.err);
    const lines = d.out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].Base64Signature, b64sig);
    assert.deepEqual(b64decode(lines[0].Payload), blob);
    assert.equal(lines[0].Cert, null);
  });

  it("annotations are signed and required; signing twice adds no duplicate layer", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const ref = `${r}@${img.digest}`;
    for (let i = 0; i < 2; i++) {
      const s = await run([
        "sign",
        "--key",
        key,
        "--tlog-upload=false",
        "-a",
        "env=prod",
        "-a",
        "team=<a&b>",
        ref,
      ]);
      assert.equal(s.code, 0, s.err);
    }
    const tree = await run(["tree", ref]);
    assert.equal(tree.code, 0, tree.err);
    assert.equal((tree.out.match(/🍒/g) ?? []).length, 1, tree.out);
    const ok = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "-a",
      "env=prod",
      ref,
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /The specified annotations were verified/);
    assert.deepEqual(JSON.parse(ok.out)[0].optional, { env: "prod", team: "<a&b>" });
    assert.ok(ok.out.includes('"team":"\\u003ca\\u0026b\\u003e"'), ok.out);
    const bad = await run(["verify", "--key", pub, "--insecure-ignore-tlog", "-a", "env=dev", ref]);
    assert.equal(bad.code, 12, bad.err);
    assert.match(bad.err, /no matching signatures/);
    assert.match(bad.err, /annotation/);
    const missing = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      "-a",
      "owner=me",
      ref,
    ]);
    assert.equal(missing.code, 12, missing.err);
    // generate prints the payload cosign would sign, byte for byte.
    const g = await run(["generate", "-a", "env=prod", "-a", "team=<a&b>", ref]);
    assert.equal(g.code, 0, g.err);
    const d = JSON.parse((await run(["download", "signature", ref])).out.trim());
    assert.equal(g.out, new TextDecoder().decode(b64decode(d.Payload)));
  });

  it("exit codes: unsigned (10), wrong key (12), no such image (11), bad reference", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const unsigned = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(unsigned.code, 10, unsigned.err);
    assert.match(unsigned.err, /no signatures found/);
    assert.ok(!unsigned.err.includes("    at "), unsigned.err);
    const s = await run(["sign", "--key", key, "--tlog-upload=false", `${r}@${img.digest}`]);
    assert.equal(s.code, 0, s.err);
    const wrong = await run(["verify", "--key", otherPub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(wrong.code, 12, wrong.err);
    assert.match(wrong.err, /no matching signatures/);
    const errLine = (t: string) => t.split("\n").find((l) => l.startsWith("Error: "));
    assert.notEqual(errLine(unsigned.err), errLine(wrong.err));
    const tlog = await run(["verify", "--key", pub, `${r}:v1`]);
    assert.equal(tlog.code, 12, tlog.err);
    assert.match(tlog.err, /insecure-ignore-tlog/);
    const none = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:nope`]);
    assert.equal(none.code, 11, none.err);
    const noneSign = await run(["sign", "--key", key, "--tlog-upload=false", `${r}:nope`]);
    assert.equal(noneSign.code, 11, noneSign.err);
    for (const badRef of ["UPPER/Case:x", `${reg.host}/x@sha256:123`, "a b", ""]) {
      const b = await run(["verify", "--key", pub, "--insecure-ignore-tlog", badRef]);
      assert.equal(b.code, 1, `${badRef}: ${b.err}`);
      assert.match(b.err, /^Error: /m);
      assert.ok(!b.err.includes("    at "), b.err);
    }
    // Without --key signing is keyless: without an identity token that is a clear error.
    const noKey = await run(["sign", "--tlog-upload=false", "-y", `${r}:v1`]);
    assert.equal(noKey.code, 2, noKey.err); // a usage error, as the token flag is missing
    assert.match(noKey.err, /^Error: .*(token|identity)/im);
    // A signature layer over the attachment size cap is refused before it is read.
    const huge = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`], {
      COSIGN_MAX_ATTACHMENT_SIZE: "100",
    });
    assert.equal(huge.code, 1, huge.err);
    assert.match(huge.err, /^Error: .*(limit|large|cap|exceed)/im);
  });

  it("rejects a tampered layer and a payload naming another digest", async () => {
    const r = repo();
    const a = await pushTestImage(client, `${r}:a`);
    const b = await pushTestImage(client, `${r}:b`);
    // Sign image A, then copy A's signature manifest onto B's signature tag: its payload names A.
    assert.equal(
      (await run(["sign", "--key", key, "--tlog-upload=false", `${r}@${a.digest}`])).code,
      0,
    );
    const sigA = await client.getManifest(`${r}:sha256-${a.digest.slice(7)}.sig`);
    await client.putManifest(`${r}:sha256-${b.digest.slice(7)}.sig`, sigA.bytes, sigA.mediaType);
    const moved = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:b`]);
    assert.equal(moved.code, 12, moved.err);
    assert.match(moved.err, /invalid or missing digest in claim/);
    // Tamper: a different payload under the same signature annotation.
    const m = JSON.parse(new TextDecoder().decode(sigA.bytes));
    const forged = new TextEncoder().encode(
      `{"critical":{"identity":{"docker-reference":"${r}"},"image":{"docker-manifest-digest":"${a.digest}"},"type":"cosign container image signature"},"optional":{"x":"y"}}`,
    );
    const d = await client.putBlob(r, forged);
    m.layers[0].digest = d.digest;
    m.layers[0].size = d.size;
    await client.putManifest(
      `${r}:sha256-${a.digest.slice(7)}.sig`,
      new TextEncoder().encode(JSON.stringify(m)),
      m.mediaType,
    );
    const tampered = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:a`]);
    assert.equal(tampered.code, 12, tampered.err);
    assert.match(tampered.err, /invalid signature/);
    // Missing signature annotation.
    delete m.layers[0].annotations["dev.cosignproject.cosign/signature"];
    await client.putManifest(
      `${r}:sha256-${a.digest.slice(7)}.sig`,
      new TextEncoder().encode(JSON.stringify(m)),
      m.mediaType,
    );
    const noAnn = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:a`]);
    assert.equal(noAnn.code, 12, noAnn.err);
    assert.match(noAnn.err, /missing "dev.cosignproject.cosign\/signature" annotation/);
    // A layer whose size lies about the blob: the client's digest/size check fails clearly.
    m.layers[0].size = d.size + 5;
    await client.putManifest(
      `${r}:sha256-${a.digest.slice(7)}.sig`,
      new TextEncoder().encode(JSON.stringify(m)),
      m.mediaType,
    );
    const badSize = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:a`]);
    assert.notEqual(badSize.code, 0);
    assert.match(badSize.err, /^Error: .*(size|bytes)/m);
    // Something that is not a manifest of layers at the signature tag.
    await client.putManifest(
      `${r}:sha256-${a.digest.slice(7)}.sig`,
      new TextEncoder().encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [],
        }),
      ),
      "application/vnd.oci.image.index.v1+json",
    );
    const notSig = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:a`]);
    assert.equal(notSig.code, 1, notSig.err);
    assert.match(notSig.err, /Cannot read signatures at/);
  });

  it("uploads to Rekor (test log) and verifies the bundle offline with its trusted root", async () => {
    const svc = await startSigstoreServices();
    try {
      const root = join(dir, "trusted_root.json");
      await writeFile(root, JSON.stringify(svc.trustedRoot));
      const r = repo();
      const img = await pushTestImage(client, `${r}:v1`);
      const ask = await run(["sign", "--key", key, "--rekor-url", svc.rekorUrl, `${r}:v1`]);
      assert.equal(ask.code, 1, ask.err); // no terminal to confirm the upload, no -y
      assert.match(ask.err, /tlog-upload=false|--yes|-y/);
      const s = await run(["sign", "--key", key, "--rekor-url", svc.rekorUrl, "-y", `${r}:v1`]);
      assert.equal(s.code, 0, s.err);
      assert.ok(svc.requests.some((q) => q.path.startsWith("/api/v1/log/entries")));
      const v = await run(["verify", "--key", pub, "--trusted-root", root, `${r}:v1`]);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /Existence of the claims in the transparency log was verified offline/);
      // As cosign, the output adds the Rekor bundle to the payload's optional section.
      assert.equal(typeof JSON.parse(v.out)[0].optional.Bundle.Payload.logIndex, "number");
      // The bundle annotation is cosign's: SET + Payload{body,integratedTime,logIndex,logID}.
      const line = JSON.parse((await run(["download", "signature", `${r}:v1`])).out.trim());
      assert.deepEqual(Object.keys(line.Bundle), ["SignedEntryTimestamp", "Payload"]);
      assert.deepEqual(Object.keys(line.Bundle.Payload), [
        "body",
        "integratedTime",
        "logIndex",
        "logID",
      ]);
      const body = JSON.parse(atob(line.Bundle.Payload.body));
      assert.equal(body.kind, "hashedrekord");
      assert.equal(
        body.spec.data.hash.value,
        sha256hex(b64decode(line.Payload)),
      );
      // Another log's trusted root (the public-good one) does not know this log: exit 12.
      const other = await run(["verify", "--key", pub, `${r}:v1`], { TUF_ROOT: join(dir, "none") });
      assert.equal(other.code, 12, other.err);
      assert.match(other.err, /transparency log/);
      // A tampered bundle (another log index) fails the SET check.
      const sigTag = `${r}:sha256-${img.digest.slice(7)}.sig`;
      const m = JSON.parse(new TextDecoder().decode((await client.getManifest(sigTag)).bytes));
      const ann = m.layers[0].annotations;
      const bundle = JSON.parse(ann["dev.sigstore.cosign/bundle"]);
      bundle.Payload.logIndex += 1;
      ann["dev.sigstore.cosign/bundle"] = JSON.stringify(bundle);
      await client.putManifest(sigTag, new TextEncoder().encode(JSON.stringify(m)), m.mediaType);
      const t = await run(["verify", "--key", pub, "--trusted-root", root, `${r}:v1`]);
      assert.equal(t.code, 12, t.err);
      assert.match(t.err, /signed entry timestamp|SET/);
    } finally {
      await svc.stop();
    }
  });

  it("works against a TLS + basic-auth registry (several images in one command)", async () => {
    const tls = await startRegistry("tls-basic");
    try {
      const tclient = new RegistryClient(tls.clientOptions());
      const a = await pushTestImage(tclient, `${tls.host}/secure/a:v1`);
      const b = await pushTestImage(tclient, `${tls.host}/secure/b:v1`);
      const creds = ["--registry-username", tls.username!, "--registry-password", tls.password!];
      const ca = ["--registry-cacert", tls.caFile!];
      const refs = [`${tls.host}/secure/a:v1`, `${tls.host}/secure/b@${b.digest}`];
      const s = await run(["sign", "--key", key, "--tlog-upload=false", ...creds, ...ca, ...refs]);
      assert.equal(s.code, 0, s.err);
      assert.equal((s.err.match(/Pushing signature to/g) ?? []).length, 2);
      const v = await run([
        "verify",
        "--key",
        pub,
        "--insecure-ignore-tlog",
        ...creds,
        ...ca,
        ...refs,
      ]);
      assert.equal(v.code, 0, v.err);
      const arrays = v.out.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      assert.deepEqual(
        arrays.map((x) => x[0].critical.image["docker-manifest-digest"]),
        [a.digest, b.digest],
      );
      // Without credentials: an authentication error that says how to log in, not a crash.
      const anon = await run(["verify", "--key", pub, "--insecure-ignore-tlog", ...ca, refs[0]]);
      assert.equal(anon.code, 1, anon.err);
      assert.match(anon.err, /login|credentials|401|unauthori/i);
      assert.ok(!anon.err.includes("    at "), anon.err);
    } finally {
      await tls.stop();
    }
  });

  it("keyless: signs with a Fulcio certificate and verifies the identity (test Sigstore)", async () => {
    const svc = await startSigstoreServices();
    try {
      const root = join(dir, "keyless_root.json");
      await writeFile(root, JSON.stringify(svc.trustedRoot));
      const token = await makeIdentityToken({ sub: "alice@example.com" });
      const services = ["--fulcio-url", svc.fulcioUrl, "--rekor-url", svc.rekorUrl];
      const r = repo();
      await pushTestImage(client, `${r}:v1`);
      const s = await run([
        "sign",
        "-y",
        ...services,
        "--trusted-root",
        root,
        "--identity-token",
        token,
        `${r}:v1`,
      ]);
      assert.equal(s.code, 0, s.err);
      // The layer carries cosign's certificate, chain and bundle annotations.
      const line = JSON.parse((await run(["download", "signature", `${r}:v1`])).out.trim());
      assert.ok(line.Cert?.Raw, JSON.stringify(line));
      assert.ok(line.Bundle?.SignedEntryTimestamp);
      const id = ["--certificate-identity", "alice@example.com"];
      const issuer = ["--certificate-oidc-issuer", TEST_ISSUER];
      const v = await run(["verify", ...id, ...issuer, "--trusted-root", root, `${r}:v1`]);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /certificate was verified using trusted certificate authority/);
      assert.match(v.err, /transparency log was verified offline/);
      const out = JSON.parse(v.out);
      assert.equal(out.length, 1);
      assert.equal(out[0].optional.Subject, "alice@example.com");
      assert.equal(out[0].optional.Issuer, TEST_ISSUER);
      assert.equal(out[0].optional["1.3.6.1.4.1.57264.1.1"], TEST_ISSUER);
      // --output text: cosign's certificate lines on stderr, the signed payload on stdout.
      const vt = await run([
        "verify",
        ...id,
        ...issuer,
        "--trusted-root",
        root,
        "--output",
        "text",
        `${r}:v1`,
      ]);
      assert.equal(vt.code, 0, vt.err);
      assert.match(vt.err, /Certificate subject: alice@example\.com\n/);
      assert.match(vt.err, /Certificate issuer URL: /);
      const textLines = vt.out.trim().split("\n");
      assert.equal(textLines.length, 1, vt.out);
      assert.equal(JSON.parse(textLines[0]).critical.type, "cosign container image signature");
      // Another identity, another issuer, or another trusted root: no match (12).
      const other = await run([
        "verify",
        "--certificate-identity",
        "mallory@example.com",
        ...issuer,
        "--trusted-root",
        root,
        `${r}:v1`,
      ]);
      assert.equal(other.code, 12, other.err);
      const otherIssuer = await run([
        "verify",
        ...id,
        "--certificate-oidc-issuer",
        "https://elsewhere.example",
        "--trusted-root",
        root,
        `${r}:v1`,
      ]);
      assert.equal(otherIssuer.code, 12, otherIssuer.err);
      const publicGood = await run(["verify", ...id, ...issuer, `${r}:v1`], {
        TUF_ROOT: join(dir, "none"),
      });
      assert.equal(publicGood.code, 12, publicGood.err);
      // Identity flags are required without --key (usage error, as cosign).
      const noId = await run(["verify", "--trusted-root", root, `${r}:v1`]);
      assert.equal(noId.code, 2, noId.err);
      // A key-signed image has no certificate: keyless verification rejects it.
      const k = repo();
      const img = await pushTestImage(client, `${k}:v1`);
      await run(["sign", "--key", key, "--tlog-upload=false", `${k}@${img.digest}`]);
      const keyed = await run(["verify", ...id, ...issuer, "--trusted-root", root, `${k}:v1`]);
      assert.equal(keyed.code, 12, keyed.err);
      assert.match(keyed.err, /no certificate/);
    } finally {
      await svc.stop();
    }
  });

  it("verifies cosign v3 signatures: a DSSE bundle (signed by openssl) attached as an OCI 1.1 referrer", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const other = await pushTestImage(client, `${r}:other`);
    const ext = join(dir, "v3.pem");
    const extPub = join(dir, "v3.pub");
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ext]);
    await openssl(["ec", "-in", ext, "-pubout", "-out", extPub]);
    const attach = (subjectDigest: string) =>
      attachV3Bundle(client, r, img.descriptor, subjectDigest, ext, dir);
    await attach(img.digest);
    const v = await run(["verify", "--key", extPub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(v.code, 0, v.err);
    const out = JSON.parse(v.out);
    assert.equal(out.length, 1);
    assert.equal(out[0].critical.type, "https://sigstore.dev/cosign/sign/v1");
    assert.equal(out[0].critical.image["docker-manifest-digest"], img.digest);
    // --output text: the v3 bundle's item on one line (the same item as the JSON array's).
    const text = await run([
      "verify",
      "--key",
      extPub,
      "--insecure-ignore-tlog",
      "--output",
      "text",
      `${r}:v1`,
    ]);
    assert.equal(text.code, 0, text.err);
    const textLines = text.out.trim().split("\n");
    assert.equal(textLines.length, 1, text.out);
    assert.deepEqual(JSON.parse(textLines[0]), out[0]);
    // Another key: no match; required annotations cannot be met by a v3 bundle.
    const wrong = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(wrong.code, 12, wrong.err);
    assert.match(wrong.err, /bundle sha256:/);
    // Without a log entry and without --insecure-ignore-tlog: no match.
    const noTlog = await run(["verify", "--key", extPub, `${r}:v1`]);
    assert.equal(noTlog.code, 12, noTlog.err);
    // A bundle attached to this image whose statement names another image: rejected. Legacy
    // .sig signatures and v3 bundles are verified together.
    // (Drop the fallback referrers index first so only the new bundle is listed.)
    await client.deleteManifest(`${r}:sha256-${img.digest.slice(7)}`).catch(() => {});
    await attach(other.digest);
    const moved = await run(["verify", "--key", extPub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(moved.code, 12, moved.err);
    assert.match(moved.err, /in-toto subject/);
    const both = await run(["sign", "--key", key, "--tlog-upload=false", `${r}@${img.digest}`]);
    assert.equal(both.code, 0, both.err);
    const legacy = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(legacy.code, 0, legacy.err);
    assert.equal(JSON.parse(legacy.out)[0].critical.type, "cosign container image signature");
  });

  it("COSIGN_REPOSITORY and COSIGN_DOCKER_MEDIA_TYPES", async () => {
    const r = repo();
    const sigs = `${reg.host}/signatures-store`;
    const img = await pushTestImage(client, `${r}:v1`);
    const e = { COSIGN_REPOSITORY: sigs, COSIGN_DOCKER_MEDIA_TYPES: "1" };
    const s = await run(["sign", "--key", key, "--tlog-upload=false", `${r}:v1`], e);
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, new RegExp(`Pushing signature to: ${sigs}`));
    const tag = `sha256-${img.digest.slice(7)}.sig`;
    const t = await run(["triangulate", `${r}:v1`], e);
    assert.equal(t.out, `${sigs}:${tag}\n`);
    const m = await client.getManifest(`${sigs}:${tag}`);
    const doc = JSON.parse(new TextDecoder().decode(m.bytes));
    assert.equal(doc.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal(doc.config.mediaType, "application/vnd.docker.container.image.v1+json");
    assert.equal(await client.headManifest(`${r}:${tag}`), undefined);
    assert.equal(
      (await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`], e)).code,
      0,
    );
    // Without the variable the signatures are not where verify looks.
    const elsewhere = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(elsewhere.code, 10, elsewhere.err);
  });

  it("--recursive signs an index and each of its manifests", async () => {
    const r = repo();
    const idx = await pushTestIndex(client, `${r}:multi`);
    const s = await run(["sign", "--key", key, "--tlog-upload=false", "--recursive", `${r}:multi`]);
    assert.equal(s.code, 0, s.err);
    for (const d of [idx.digest, ...idx.images.map((i) => i.digest)]) {
      const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}@${d}`]);
      assert.equal(v.code, 0, `${d}: ${v.err}`);
      assert.equal(JSON.parse(v.out)[0].critical.image["docker-manifest-digest"], d);
    }
    // Without --recursive only the index is signed.
    const r2 = repo();
    const idx2 = await pushTestIndex(client, `${r2}:multi`);
    assert.equal((await run(["sign", "--key", key, "--tlog-upload=false", `${r2}:multi`])).code, 0);
    const child = await run([
      "verify",
      "--key",
      pub,
      "--insecure-ignore-tlog",
      `${r2}@${idx2.images[0].digest}`,
    ]);
    assert.equal(child.code, 10, child.err);
  });

  it("counter-signs a signature image like any image", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    assert.equal(
      (await run(["sign", "--key", key, "--tlog-upload=false", `${r}@${img.digest}`])).code,
      0,
    );
    const sigTag = (await run(["triangulate", `${r}:v1`])).out.trim();
    const sigDigest = (await client.getManifest(sigTag)).digest;
    const c = await run(["sign", "--key", otherKey, "--tlog-upload=false", `${r}@${sigDigest}`]);
    assert.equal(c.code, 0, c.err);
    const v = await run([
      "verify",
      "--key",
      otherPub,
      "--insecure-ignore-tlog",
      `${r}@${sigDigest}`,
    ]);
    assert.equal(v.code, 0, v.err);
    assert.equal(JSON.parse(v.out)[0].critical.image["docker-manifest-digest"], sigDigest);
    // The original signature is untouched and still verifies.
    assert.equal((await client.getManifest(sigTag)).digest, sigDigest);
    assert.equal(
      (await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`])).code,
      0,
    );
  });

  it("attach signature: payload from generate, signed by openssl, verified by cosign-ts", async () => {
    const r = repo();
    await pushTestImage(client, `${r}:v1`);
    const g = await run(["generate", `${r}:v1`]);
    assert.equal(g.code, 0, g.err);
    await writeFile(join(dir, "gen.json"), g.out);
    // Sign with openssl using an independent PEM key.
    await openssl([
      "ecparam",
      "-name",
      "prime256v1",
      "-genkey",
      "-noout",
      "-out",
      join(dir, "ext.pem"),
    ]);
    await openssl(["ec", "-in", join(dir, "ext.pem"), "-pubout", "-out", join(dir, "ext.pub")]);
    const sig = await openssl([
      "dgst",
      "-sha256",
      "-sign",
      join(dir, "ext.pem"),
      join(dir, "gen.json"),
    ]);
    assert.equal(sig.code, 0, sig.err);
    let bin = "";
    for (const b of sig.stdout) bin += String.fromCharCode(b);
    await writeFile(join(dir, "gen.sig"), btoa(bin) + "\n");
    const a = await run([
      "attach",
      "signature",
      "--payload",
      join(dir, "gen.json"),
      "--signature",
      join(dir, "gen.sig"),
      `${r}:v1`,
    ]);
    assert.equal(a.code, 0, a.err);
    const v = await run([
      "verify",
      "--key",
      join(dir, "ext.pub"),
      "--insecure-ignore-tlog",
      `${r}:v1`,
    ]);
    assert.equal(v.code, 0, v.err);
    // Bad input to attach: empty, non-base64, missing file.
    await writeFile(join(dir, "empty.sig"), "");
    for (const bad of [join(dir, "empty.sig"), "not base64!", join(dir, "absent.sig")]) {
      const b = await run(["attach", "signature", "--signature", bad, `${r}:v1`]);
      assert.equal(b.code, 1, `${bad}: ${b.err}`);
      assert.match(b.err, /^Error: /m);
    }
  });

  it("clean removes the signatures (and asks first without -f)", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    assert.equal(
      (await run(["sign", "--key", key, "--tlog-upload=false", `${r}@${img.digest}`])).code,
      0,
    );
    const ask = await run(["clean", `${r}:v1`]);
    assert.equal(ask.code, 1, ask.err);
    assert.match(ask.err, /-f/);
    const c = await run(["clean", "-f", "--type", "signature", `${r}:v1`]);
    assert.equal(c.code, 0, c.err);
    assert.match(c.err, /Removed .*\.sig from/);
    const v = await run(["verify", "--key", pub, "--insecure-ignore-tlog", `${r}:v1`]);
    assert.equal(v.code, 10, v.err);
    const tree = await run(["tree", `${r}:v1`]);
    assert.match(tree.out, /No Supply Chain Security Related Artifacts found/);
    // Cleaning again is not an error; a bad type is.
    assert.equal((await run(["clean", "-f", `${r}:v1`])).code, 0);
    assert.equal((await run(["clean", "-f", "--type", "nope", `${r}:v1`])).code, 2);
  });

  it("--output-signature/--output-payload write what was pushed; keys stay usable as files", async () => {
    const r = repo();
    const img = await pushTestImage(client, `${r}:v1`);
    const s = await run([
      "sign",
      "--key",
      key,
      "--tlog-upload=false",
      "--output-signature",
      join(dir, "out.sig"),
      "--output-payload",
      join(dir, "out.json"),
      `${r}@${img.digest}`,
    ]);
    assert.equal(s.code, 0, s.err);
    const d = JSON.parse((await run(["download", "signature", `${r}:v1`])).out.trim());
    assert.equal(await readFile(join(dir, "out.sig"), "utf8"), d.Base64Signature);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "out.json"))), b64decode(d.Payload));
  });
});
