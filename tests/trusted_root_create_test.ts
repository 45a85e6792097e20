/**
 * `trusted-root create` (in process): a trusted root rebuilt from the test Sigstore instance's
 * PEM material, with cosign's spec flags and with its older per-item flags, names the same log
 * IDs as the instance's own trusted root (Rekor v1: SHA-256 of the key; Rekor v2 with its
 * origin: the signed-note key ID) and verifies the instance's bundles.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { bundleFromJSONValue } from "../core/bundle.ts";
import { isCosignError } from "../core/errors.ts";
import { parseTrustedRoot } from "../core/trust/mod.ts";
import { verifyBundle } from "../core/verify/mod.ts";
import { command } from "../cli/commands/trusted_root_create.ts";
import { witnessContext } from "./helpers/witnesses.ts";
import { publicKeyPem, runCommand } from "./helpers/run_command.ts";
import {
  certPem,
  createKeyless,
  dsseBundle,
  type Keyless,
  messageBundle,
} from "./fixtures/keyless/factory.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const art = new TextEncoder().encode("trusted root create\n");
const POLICY = {
  identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
  issuer: "https://token.actions.githubusercontent.com",
};
let k: Keyless;
let dir: string;

before(async () => {
  k = await createKeyless();
  dir = mkdtempSync(join(tmpdir(), "cosign-ts-trc-"));
  const tr = k.trustedRoot;
  const pem = (b64: string) => certPem(Buffer.from(b64, "base64"));
  writeFileSync(
    join(dir, "fulcio.pem"),
    pem(tr.certificateAuthorities[0].certChain.certificates[0].rawBytes),
  );
  // The TSA chain root-first on purpose: it is stored leaf-first.
  writeFileSync(
    join(dir, "tsa.pem"),
    [...tr.timestampAuthorities[0].certChain.certificates].reverse().map((c: Json) =>
      pem(c.rawBytes)
    ).join(""),
  );
  writeFileSync(join(dir, "rekor.pub"), publicKeyPem(tr.tlogs[0].publicKey.rawBytes));
  writeFileSync(join(dir, "rekor2.pub"), publicKeyPem(tr.tlogs[1].publicKey.rawBytes));
  writeFileSync(join(dir, "ctfe.pub"), publicKeyPem(tr.ctlogs[0].publicKey.rawBytes));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function create(flags: Record<string, unknown>): Promise<Json> {
  const out = await runCommand(command, flags);
  return flags.out ? JSON.parse(readFileSync(flags.out as string, "utf8")) : JSON.parse(out);
}

async function verifyWith(root: Json, b: Json) {
  const trust = await parseTrustedRoot(JSON.stringify(root), "created");
  const { bundle } = await bundleFromJSONValue(b);
  return await verifyBundle(bundle, { bytes: art }, POLICY, trust, witnessContext().ctx);
}

describe("trusted-root create", () => {
  const start = "2000-01-01T00:00:00Z";
  it("with spec flags: same log IDs as the instance, and its bundles verify", async () => {
    const root = await create({
      fulcio: [`url=https://fulcio.local,certificate-chain=${join(dir, "fulcio.pem")}`],
      rekor: [
        `url=https://rekor.local,public-key=${join(dir, "rekor.pub")},start-time=${start}`,
        `url=https://rekor2.local,public-key=${
          join(dir, "rekor2.pub")
        },start-time=${start},origin=rekor2.local`,
      ],
      ctfe: [`url=https://ctfe.local,public-key=${join(dir, "ctfe.pub")},start-time=${start}`],
      tsa: [`url=https://tsa.local,certificate-chain=${join(dir, "tsa.pem")}`],
      out: join(dir, "root.json"),
    });
    assert.equal(root.mediaType, "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    assert.deepEqual(
      root.tlogs.map((t: Json) => t.logId.keyId),
      k.trustedRoot.tlogs.map((t: Json) => t.logId.keyId),
    );
    assert.deepEqual(root.tlogs.map((t: Json) => t.publicKey.keyDetails), [
      "PKIX_ECDSA_P256_SHA_256",
      "PKIX_ED25519",
    ]);
    assert.equal(root.ctlogs[0].logId.keyId, k.trustedRoot.ctlogs[0].logId.keyId);
    assert.deepEqual(
      root.timestampAuthorities[0].certChain,
      k.trustedRoot.timestampAuthorities[0].certChain,
    );
    await verifyWith(root, await messageBundle(k, art));
    await verifyWith(root, await messageBundle(k, art, { tlog: "v2", tsa: true }));
    await verifyWith(root, await dsseBundle(k, art));
  });
  it("with cosign's older flags (Rekor v2 origin after a comma; epoch start)", async () => {
    const root = await create({
      "certificate-chain": [join(dir, "fulcio.pem")],
      "fulcio-uri": ["https://fulcio.local"],
      "rekor-key": [join(dir, "rekor.pub"), `${join(dir, "rekor2.pub")},rekor2.local`],
      "rekor-url": ["https://rekor.local", "https://rekor2.local"],
      "ctfe-key": [join(dir, "ctfe.pub")],
      "timestamp-certificate-chain": [join(dir, "tsa.pem")],
    });
    assert.equal(root.tlogs[0].publicKey.validFor.start, "1970-01-01T00:00:00Z");
    assert.equal(root.tlogs[1].logId.keyId, k.trustedRoot.tlogs[1].logId.keyId);
    await verifyWith(root, await messageBundle(k, art, { tlog: "v2", tsa: true }));
  });
  it("bad input: a spec without a key, a bad time, mixed flag styles, a CA first in a TSA chain", async () => {
    const bad = async (flags: Record<string, unknown>, re: RegExp) =>
      await assert.rejects(
        create(flags),
        (e: unknown) => isCosignError(e) && re.test((e as Error).message),
      );
    await bad({ rekor: ["url=https://r"] }, /--rekor "url=https:\/\/r": "public-key" is missing/);
    await bad(
      { rekor: [`url=https://r,public-key=${join(dir, "rekor.pub")},start-time=yesterday`] },
      /not an RFC 3339 time/,
    );
    await bad(
      {
        fulcio: [`url=u,certificate-chain=${join(dir, "fulcio.pem")}`],
        "certificate-chain": ["x"],
      },
      /Cannot use --fulcio and --certificate-chain at the same time/,
    );
    await bad(
      { tsa: [`url=u,certificate-chain=${join(dir, "fulcio.pem")}`] },
      /must be the TSA's leaf/,
    );
    await bad({ "rekor-key": [join(dir, "absent.pub")] }, /absent\.pub/);
  });
});
