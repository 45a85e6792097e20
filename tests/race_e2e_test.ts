/**
 * Race-free signing: 8 signers, each a separate dist/cosign-ts process, sign one image at the
 * same moment, several rounds on fresh images; every signature must be in the signature image
 * afterwards (cosign's read-append-write loses some in this situation). Also 8 concurrent
 * in-process appenders with separate registry clients.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { cosign, tempDir } from "./helpers/cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { RegistryClient } from "../oci/client.ts";
import { openssl } from "./helpers/openssl.ts";
import { parseReference, withDigest } from "../oci/reference.ts";
import { generateEcdsaP256 } from "../core/keys/generate.ts";
import { signImageDigest } from "../plugins/artifact-oci/sign_image.ts";
import { readSignatures } from "../plugins/artifact-oci/read_signatures.ts";
import { signatureReference } from "../plugins/artifact-oci/signature_location.ts";

const SIGNERS = 8;
const ROUNDS = 3;

describe("concurrent signers lose no signature", () => {
  let reg: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;

  before(async () => {
    reg = await startRegistry("plain");
    ({ dir, cleanup } = await tempDir("cosign-ts-race-"));
    env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: dir, HOME: dir };
    // An unencrypted key (openssl) so the signers start together instead of queuing on scrypt.
    const k = await openssl([
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-out",
      join(dir, "race.key"),
    ]);
    assert.equal(k.code, 0, k.err);
    const p = await openssl([
      "pkey",
      "-in",
      join(dir, "race.key"),
      "-pubout",
      "-out",
      join(dir, "race.pub"),
    ]);
    assert.equal(p.code, 0, p.err);
  });

  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  it(`${SIGNERS} dist/cosign-ts processes at once, ${ROUNDS} rounds: all signatures present`, async () => {
    const client = new RegistryClient(reg.clientOptions());
    let retries = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const repo = `${reg.host}/race${round}`;
      const img = await pushTestImage(client, `${repo}:v1`, { layers: 1 });
      const ref = `${repo}@${img.digest}`;
      const results = await Promise.all(
        Array.from({ length: SIGNERS }, (_, i) =>
          cosign([
            "sign",
            "--key",
            join(dir, "race.key"),
            "--tlog-upload=false",
            "-d",
            "-a",
            `signer=${i}`,
            ref,
          ], { env, cwd: dir })),
      );
      for (const [i, r] of results.entries()) {
        assert.equal(r.code, 0, `signer ${i}: ${r.err}`);
        retries += (r.err.match(/overwritten by a concurrent writer/g) ?? []).length;
      }
      const d = await cosign(["download", "signature", ref], { env, cwd: dir });
      assert.equal(d.code, 0, d.err);
      const signers = d.out.trim().split("\n").map((l) => {
        const payload = JSON.parse(atob(JSON.parse(l).Payload));
        return payload.optional.signer as string;
      }).sort();
      assert.deepEqual(signers, Array.from({ length: SIGNERS }, (_, i) => `${i}`).sort());
      // And each one verifies, with its own annotation required.
      const v = await cosign([
        "verify",
        "--key",
        join(dir, "race.pub"),
        "--insecure-ignore-tlog",
        "-a",
        `signer=${round % SIGNERS}`,
        ref,
      ], { env, cwd: dir });
      assert.equal(v.code, 0, v.err);
    }
    // Informational: how often a write was lost and repaired.
    console.log(`race: ${retries} lost writes detected and repaired over ${ROUNDS} rounds`);
  });

  it(`${SIGNERS} in-process signers with separate clients: all layers present`, async () => {
    const setup = new RegistryClient(reg.clientOptions());
    const repo = `${reg.host}/race-inproc`;
    const img = await pushTestImage(setup, `${repo}:v1`, { layers: 1 });
    const image = withDigest(parseReference(repo), img.digest);
    const envFn = () => undefined;
    await Promise.all(Array.from({ length: SIGNERS }, () => {
      const client = new RegistryClient(reg.clientOptions());
      return signImageDigest({ client, signer: generateEcdsaP256().signer, image, env: envFn });
    }));
    const sigs = await readSignatures(setup, signatureReference(image, img.digest, "sig", envFn));
    assert.equal(sigs.length, SIGNERS);
    assert.equal(new Set(sigs.map((s) => s.base64Signature)).size, SIGNERS);
  });
});
