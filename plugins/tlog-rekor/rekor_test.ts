import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import { Buffer } from "node:buffer";
import { isCosignError } from "../../core/errors.ts";
import { entryFromRekorV1, submitRekorV1 } from "./rekor_v1.ts";
import { submitRekorV2 } from "./rekor_v2.ts";
import { legacyRekorBundleOf } from "../../core/legacy_signature.ts";
import { verificationKey } from "./verification_key.ts";
import {
  PATHS,
  type SigstoreServices,
  startSigstoreServices,
} from "../../tests/helpers/sigstore_services.ts";

let svc: SigstoreServices;
before(async () => {
  svc = await startSigstoreServices();
});
after(async () => {
  await svc?.stop();
});

const data = new TextEncoder().encode("artifact");
const digest = new Uint8Array(createHash("sha256").update(data).digest());
const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const pubPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
const signature = new Uint8Array(sign("sha256", data, keys.privateKey));
// deno-lint-ignore no-explicit-any
type Json = any;

function lastBody(path: string): Json {
  return JSON.parse(
    new TextDecoder().decode(svc.requests.filter((r) => r.path === path).at(-1)!.body),
  );
}

describe("Rekor v1", () => {
  it("uploads a hashedrekord and returns a TransparencyLogEntry whose SET verifies", async () => {
    const e: Json = await submitRekorV1(svc.rekorUrl, {
      kind: "hashedrekord",
      signature,
      digest,
      verificationMaterial: pubPem,
    });
    const sent = lastBody(PATHS.rekorV1);
    assert.deepEqual(sent, {
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: "sha256", value: Buffer.from(digest).toString("hex") } },
        signature: {
          content: Buffer.from(signature).toString("base64"),
          publicKey: { content: Buffer.from(pubPem).toString("base64") },
        },
      },
    });
    assert.deepEqual(e.kindVersion, { kind: "hashedrekord", version: "0.0.1" });
    assert.equal(
      Buffer.from(e.logId.keyId, "base64").toString("hex"),
      createHash("sha256").update(svc.rekorPublicKey).digest("hex"),
    );
    assert.ok(e.inclusionProof.checkpoint.envelope.includes("\n1\n"));
    // The SET signs the canonical JSON of the legacy payload, checked with node:crypto.
    const legacy = legacyRekorBundleOf(e)!;
    const p = legacy.Payload;
    const canonical = `{"body":"${p.body}","integratedTime":${p.integratedTime},` +
      `"logID":"${p.logID}","logIndex":${p.logIndex}}`;
    const rekorKey = { key: Buffer.from(svc.rekorPublicKey), format: "der", type: "spki" } as const;
    assert.ok(
      verify(
        "sha256",
        Buffer.from(canonical),
        rekorKey,
        Buffer.from(legacy.SignedEntryTimestamp, "base64"),
      ),
    );
    assert.equal(String(p.logIndex), e.logIndex);
  });

  it("uploads a dsse entry with the envelope and verifier", async () => {
    const envelope = JSON.stringify({
      payloadType: "application/vnd.in-toto+json",
      payload: Buffer.from("{}").toString("base64"),
      signatures: [{ keyid: "", sig: Buffer.from(signature).toString("base64") }],
    });
    const e: Json = await submitRekorV1(svc.rekorUrl, {
      kind: "dsse",
      envelope,
      verificationMaterial: pubPem,
    });
    assert.deepEqual(lastBody(PATHS.rekorV1).spec.proposedContent, {
      envelope,
      verifiers: [Buffer.from(pubPem).toString("base64")],
    });
    assert.deepEqual(e.kindVersion, { kind: "dsse", version: "0.0.1" });
  });

  it("returns the existing entry when Rekor answers 409 Conflict", async () => {
    const ed = generateKeyPairSync("ed25519");
    const edPem = ed.publicKey.export({ type: "spki", format: "pem" }).toString();
    const edSig = new Uint8Array(sign(null, data, ed.privateKey)); // deterministic
    const sub = {
      kind: "hashedrekord" as const,
      signature: edSig,
      digest,
      verificationMaterial: edPem,
    };
    const first: Json = await submitRekorV1(svc.rekorUrl, sub);
    const since = svc.requests.length;
    const again: Json = await submitRekorV1(svc.rekorUrl, sub);
    assert.deepEqual(again, first);
    const paths = svc.requests.slice(since).map((r) => r.path);
    assert.equal(paths.length, 2);
    assert.equal(paths[0], PATHS.rekorV1);
    assert.match(paths[1], new RegExp(`^${PATHS.rekorV1}/[0-9a-f]{64}$`));
  });

  it("refuses an answer that describes another signature (replayed entry)", async () => {
    const first: Json = await submitRekorV1(svc.rekorUrl, {
      kind: "hashedrekord",
      signature,
      digest,
      verificationMaterial: pubPem,
    });
    const replay = JSON.stringify({
      ["a".repeat(64)]: {
        body: first.canonicalizedBody,
        integratedTime: Number(first.integratedTime),
        logID: Buffer.from(first.logId.keyId, "base64").toString("hex"),
        logIndex: Number(first.logIndex),
        verification: { signedEntryTimestamp: first.inclusionPromise.signedEntryTimestamp },
      },
    });
    svc.fail(PATHS.rekorV1, { status: 201, body: replay });
    try {
      const other = new Uint8Array(sign("sha256", new TextEncoder().encode("x"), keys.privateKey));
      await assert.rejects(
        submitRekorV1(svc.rekorUrl, {
          kind: "hashedrekord",
          signature: other,
          digest,
          verificationMaterial: pubPem,
        }),
        (e) =>
          isCosignError(e, "NETWORK") && /returned an entry for another signature/.test(e.message),
      );
      await assert.rejects(
        submitRekorV1(svc.rekorUrl, {
          kind: "dsse",
          envelope: "{}",
          verificationMaterial: pubPem,
        }),
        (e) =>
          isCosignError(e, "NETWORK") && /another kind \(hashedrekord, not dsse\)/.test(e.message),
      );
    } finally {
      svc.fail(PATHS.rekorV1, undefined);
    }
  });

  it("reports HTTP failures and malformed answers", async () => {
    svc.fail(PATHS.rekorV1, { status: 500, body: "oops" });
    try {
      await assert.rejects(
        submitRekorV1(svc.rekorUrl, {
          kind: "hashedrekord",
          signature,
          digest,
          verificationMaterial: pubPem,
        }),
        (e) => isCosignError(e, "NETWORK") && /HTTP 500: oops/.test(e.message),
      );
    } finally {
      svc.fail(PATHS.rekorV1, undefined);
    }
    const good = {
      body: Buffer.from('{"kind":"hashedrekord","apiVersion":"0.0.1"}').toString("base64"),
      integratedTime: 1,
      logIndex: 2,
      logID: "ab",
      verification: { signedEntryTimestamp: "AA==" },
    };
    assert.equal(entryFromRekorV1({ u: good }).logIndex, "2");
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [{}, /expected one entry, got 0/],
      [{ u: { ...good, logIndex: "2" } }, /"logIndex"/],
      [{ u: { ...good, verification: {} } }, /signedEntryTimestamp/],
      [{ u: { ...good, body: "!!!" } }, /body is not base64 JSON/],
      [{ u: { ...good, logID: "xyz" } }, /not hex/],
      [
        {
          u: {
            ...good,
            verification: {
              signedEntryTimestamp: "AA==",
              inclusionProof: {
                logIndex: 0,
                treeSize: 1,
                rootHash: "zz",
                hashes: [],
                checkpoint: "c",
              },
            },
          },
        },
        /inclusionProof: .*not hex/,
      ],
    ];
    for (const [resp, re] of bad) {
      assert.throws(
        () => entryFromRekorV1(resp, "R"),
        (e) => isCosignError(e, "NETWORK") && re.test(e.message),
        String(re),
      );
    }
  });
});

describe("Rekor v2", () => {
  it("uploads hashedrekord and dsse CreateEntryRequests", async () => {
    const e: Json = await submitRekorV2(svc.rekorV2Url, {
      kind: "hashedrekord",
      signature,
      digest,
      verificationMaterial: pubPem,
    });
    const der = keys.publicKey.export({ type: "spki", format: "der" }).toString("base64");
    assert.deepEqual(lastBody(PATHS.rekorV2), {
      hashedRekordRequestV002: {
        digest: Buffer.from(digest).toString("base64"),
        signature: {
          content: Buffer.from(signature).toString("base64"),
          verifier: { publicKey: { rawBytes: der }, keyDetails: "PKIX_ECDSA_P256_SHA_256" },
        },
      },
    });
    assert.deepEqual(e.kindVersion, { kind: "hashedrekord", version: "0.0.2" });
    assert.ok(e.inclusionProof.checkpoint.envelope);
    const logged = JSON.parse(Buffer.from(e.canonicalizedBody, "base64").toString());
    assert.equal(
      logged.spec.hashedRekordV002.data.digest,
      Buffer.from(digest).toString("base64"),
    );
    assert.equal(legacyRekorBundleOf(e), undefined, "no SET in Rekor v2");
    const envelope = { payloadType: "t", payload: "e30=", signatures: [{ sig: "AA==" }] };
    const d: Json = await submitRekorV2(svc.rekorV2Url, {
      kind: "dsse",
      envelope: JSON.stringify(envelope),
      verificationMaterial: pubPem,
    });
    assert.deepEqual(lastBody(PATHS.rekorV2).dsseRequestV002.envelope, envelope);
    assert.deepEqual(d.kindVersion, { kind: "dsse", version: "0.0.2" });
  });

  it("refuses a v2 answer for another digest", async () => {
    const e: Json = await submitRekorV2(svc.rekorV2Url, {
      kind: "hashedrekord",
      signature,
      digest,
      verificationMaterial: pubPem,
    });
    svc.fail(PATHS.rekorV2, { status: 201, body: JSON.stringify(e) });
    try {
      await assert.rejects(
        submitRekorV2(svc.rekorV2Url, {
          kind: "hashedrekord",
          signature,
          digest: new Uint8Array(32),
          verificationMaterial: pubPem,
        }),
        (err) => isCosignError(err, "NETWORK") && /another digest/.test(err.message),
      );
    } finally {
      svc.fail(PATHS.rekorV2, undefined);
    }
  });

  it("names key details for each key type and rejects non-PEM material", async () => {
    const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" });
    assert.equal((await verificationKey(String(ed))).keyDetails, "PKIX_ED25519");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    assert.equal((await verificationKey(String(rsa))).keyDetails, "PKIX_RSA_PKCS1V15_2048_SHA256");
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    assert.equal((await verificationKey(String(p384))).keyDetails, "PKIX_ECDSA_P384_SHA_384");
    await assert.rejects(verificationKey("hello"), (e) => isCosignError(e, "KEY"));
    await assert.rejects(
      verificationKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
      (e) => isCosignError(e, "KEY") && /does not parse/.test(e.message),
    );
  });
});
