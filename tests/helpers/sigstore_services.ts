/**
 * Real Sigstore test services on loopback: Fulcio (v2 `signingCert`), Rekor v1
 * (`/api/v1/log/entries`), Rekor v2 (`/api/v2/log/entries`) and an RFC 3161 timestamp authority
 * (`/api/v1/timestamp`), all built from `@sigstore/mock`'s handlers and initialisers and served
 * by one `node:http` server on 127.0.0.1 (free port). Works under `deno test`, `bun test` and
 * Node.
 *
 * The services' clock is pinned to one Date with non-zero milliseconds (see FIELD-NOTES:
 * generalized-time parsing in the mock fails intermittently otherwise). Certificates are valid
 * for 10 minutes from that instant; log entries and timestamps carry that instant.
 *
 * Rekor v2 answers are rebuilt as a real one-entry v2 log returns them (see {@link realisticV2}).
 *
 * The TSA accepts both sigstore's JSON request (`{artifactHash, hashAlgorithm, nonce,
 * certificates}`) and the RFC 3161 DER `TimeStampReq` (`Content-Type:
 * application/timestamp-query`, as cosign sends): DER requests are decoded with pkijs and handed
 * to the mock. Nonces above 2^53 lose precision in the mock: send nonces below that.
 *
 * @example
 * ```ts
 * const svc = await startSigstoreServices();
 * try {
 *   await writeFile("root.json", JSON.stringify(svc.trustedRoot));
 *   // cosign-ts sign-blob --fulcio-url svc.fulcioUrl --rekor-url svc.rekorUrl ...
 * } finally {
 *   await svc.stop();
 * }
 * ```
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { Buffer } from "node:buffer";

/** Trusted-root JSON (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`). */
export type TrustedRootJson = Record<string, unknown>;
/** Signing-config JSON (`application/vnd.dev.sigstore.signingconfig.v0.2+json`). */
export type SigningConfigJson = Record<string, unknown>;

/** A forced failure for one path (see {@link SigstoreServices.fail}). */
export interface Fault {
  /** HTTP status to answer with. */
  status: number;
  /** Response body. */
  body?: string;
  /** How many requests to fail; default: all until cleared. */
  times?: number;
}

/** One recorded request. */
export interface RecordedRequest {
  /** Request path, e.g. "/api/v1/log/entries". */
  path: string;
  /** Content-Type header. */
  contentType: string;
  /** Raw body. */
  body: Uint8Array;
}

/** The running services. */
export interface SigstoreServices {
  /** Base URL of the server (`http://127.0.0.1:PORT`). */
  url: string;
  /** Fulcio base URL (the client appends `/api/v2/signingCert`). */
  fulcioUrl: string;
  /** Rekor v1 base URL (the client appends `/api/v1/log/entries`). */
  rekorUrl: string;
  /** Rekor v2 base URL (the client appends `/api/v2/log/entries`). */
  rekorV2Url: string;
  /** Full TSA endpoint URL (`…/api/v1/timestamp`), as `--timestamp-server-url` takes it. */
  tsaUrl: string;
  /** The instant all services use as "now". */
  clock: Date;
  /** Trusted root for this instance: Fulcio CA, CT log, Rekor v1 + v2 logs, TSA chain. */
  trustedRoot: TrustedRootJson;
  /** Signing config v0.2 naming Fulcio, Rekor v1 and the TSA of this instance. */
  signingConfig: SigningConfigJson;
  /** Signing config v0.2 naming Rekor v2 (majorApiVersion 2) instead of v1. */
  signingConfigV2: SigningConfigJson;
  /** DER SPKI of the Rekor v1 log key. */
  rekorPublicKey: Uint8Array;
  /** DER SPKI of the Rekor v2 log key. */
  rekorV2PublicKey: Uint8Array;
  /** DER SPKI of the CT log key. */
  ctlogPublicKey: Uint8Array;
  /** DER of the Fulcio root certificate. */
  fulcioRoot: Uint8Array;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Makes requests to `path` fail with a status (e.g. 500); `undefined` clears it. */
  fail(path: string, fault: Fault | undefined): void;
  /** Stops the server (idempotent). */
  stop(): Promise<void>;
}

/** Options for {@link startSigstoreServices}. */
export interface ServicesOptions {
  /** The pinned clock; default: the start-up second plus 321 ms (not before the mock roots). */
  clock?: Date;
  /** Token claim Fulcio puts into the certificate's SAN (mock default "sub"). */
  subjectClaim?: string;
}

/** Paths of the endpoints. */
export const PATHS = {
  fulcio: "/api/v2/signingCert",
  rekorV1: "/api/v1/log/entries",
  rekorV2: "/api/v2/log/entries",
  tsa: "/api/v1/timestamp",
} as const;

type MockHandler = {
  path: string;
  fn: (
    body: string,
  ) => Promise<
    {
      statusCode: number;
      response: string | ArrayBufferView;
      contentType?: string;
      headers?: Record<string, string>;
    }
  >;
};

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

function p256(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
}

function spki(k: KeyObject): Uint8Array {
  return new Uint8Array(k.export({ format: "der", type: "spki" }));
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of req) parts.push(chunk as Uint8Array);
  return new Uint8Array(Buffer.concat(parts));
}

/** Turns a DER TimeStampReq into the mock TSA's JSON request. */
async function timeStampReqToJson(der: Uint8Array): Promise<string> {
  const pkijs = await import("pkijs");
  const req = pkijs.TimeStampReq.fromBER(
    der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer,
  );
  const algo = req.messageImprint.hashAlgorithm.algorithmId;
  const hashAlgorithm = algo === "2.16.840.1.101.3.4.2.3"
    ? "sha512"
    : algo === "2.16.840.1.101.3.4.2.2"
    ? "sha384"
    : "sha256";
  const nonce = req.nonce ? Number(req.nonce.toBigInt()) : undefined;
  return JSON.stringify({
    artifactHash: b64(new Uint8Array(req.messageImprint.hashedMessage.valueBlock.valueHexView)),
    hashAlgorithm,
    nonce,
    certificates: req.certReq ?? false,
    ...(req.reqPolicy ? { tsaPolicyOID: req.reqPolicy } : {}),
  });
}

/** RFC 8785-style canonical JSON for the objects we build (sorted keys, no spaces). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) =>
        `${JSON.stringify(k)}:${canonical(o[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v);
}

/**
 * The mock's Rekor v2 answers are not what a Rekor v2 log returns: the canonicalized body is the
 * request (not an `Entry` with kind/apiVersion/spec), the entry carries a random index in a tree
 * of size 1, and the root hash is garbled. Rebuild them as a real one-entry v2 log would: the
 * `Entry` body, index 0, root = leaf hash, and a checkpoint signed with the log's key.
 */
function realisticV2(
  h: MockHandler,
  host: string,
  privateKey: KeyObject,
  logId: Uint8Array,
): MockHandler {
  return {
    path: h.path,
    fn: async (body) => {
      const r = await h.fn(body);
      if (r.statusCode !== 201 || typeof r.response !== "string") return r;
      const e = JSON.parse(r.response);
      const req = JSON.parse(body);
      let entry: Record<string, unknown>;
      if (req.hashedRekordRequestV002) {
        const q = req.hashedRekordRequestV002;
        entry = {
          apiVersion: "0.0.2",
          kind: "hashedrekord",
          spec: {
            hashedRekordV002: {
              data: { algorithm: "SHA2_256", digest: q.digest },
              signature: q.signature,
            },
          },
        };
      } else {
        const q = req.dsseRequestV002;
        const payload = Buffer.from(q.envelope.payload, "base64");
        entry = {
          apiVersion: "0.0.2",
          kind: "dsse",
          spec: {
            dsseV002: {
              payloadHash: {
                algorithm: "SHA2_256",
                digest: createHash("sha256").update(payload).digest("base64"),
              },
              signatures: q.envelope.signatures.map((s: { sig: string }, i: number) => ({
                content: s.sig,
                verifier: q.verifiers[i] ?? q.verifiers[0],
              })),
            },
          },
        };
      }
      const canon = Buffer.from(canonical(entry));
      const root = createHash("sha256").update(Buffer.from([0])).update(canon).digest();
      const note = `${host}\n1\n${root.toString("base64")}\n`;
      const sig = sign("sha256", Buffer.from(note), privateKey);
      const hintAndSig = Buffer.concat([Buffer.from(logId.subarray(0, 4)), sig]);
      e.logIndex = "0";
      e.canonicalizedBody = canon.toString("base64");
      e.inclusionProof = {
        logIndex: "0",
        rootHash: root.toString("base64"),
        treeSize: "1",
        hashes: [],
        checkpoint: { envelope: `${note}\n\u2014 ${host} ${hintAndSig.toString("base64")}\n` },
      };
      return { ...r, response: JSON.stringify(e) };
    },
  };
}

/**
 * The mock's Rekor v1 logs a proposed entry as it came; a real Rekor v1 stores dsse v0.0.1 and
 * intoto v0.0.2 entries in their canonical form (Rekor's `Canonicalize`: the envelope itself is
 * not kept, only its hashes and signatures). Give the mock that form, so the body, SET and proof
 * are what Rekor returns.
 */
function canonicalV1(h: MockHandler): MockHandler {
  const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
  return {
    path: h.path,
    fn: async (body) => {
      // deno-lint-ignore no-explicit-any
      let e: Record<string, any>;
      try {
        e = JSON.parse(body);
      } catch {
        return await h.fn(body);
      }
      if (e?.kind === "dsse" && e.apiVersion === "0.0.1") {
        const text: string = e.spec.proposedContent.envelope;
        const env = JSON.parse(text);
        e = {
          apiVersion: "0.0.1",
          kind: "dsse",
          spec: {
            envelopeHash: { algorithm: "sha256", value: sha(text) },
            payloadHash: { algorithm: "sha256", value: sha(Buffer.from(env.payload, "base64")) },
            signatures: env.signatures.map((s: { sig: string }) => ({
              signature: s.sig,
              verifier: e.spec.proposedContent.verifiers[0],
            })),
          },
        };
      } else if (e?.kind === "intoto" && e.apiVersion === "0.0.2") {
        const env = e.spec.content.envelope;
        const payloadB64 = Buffer.from(env.payload, "base64").toString();
        const envelopeJson = JSON.stringify({
          payloadType: env.payloadType,
          payload: payloadB64,
          signatures: env.signatures.map((s: { sig: string; keyid?: string }) => ({
            keyid: s.keyid ?? "",
            sig: Buffer.from(s.sig, "base64").toString(),
          })),
        });
        e = {
          apiVersion: "0.0.2",
          kind: "intoto",
          spec: {
            content: {
              envelope: { payloadType: env.payloadType, signatures: env.signatures },
              hash: { algorithm: "sha256", value: sha(envelopeJson) },
              payloadHash: { algorithm: "sha256", value: sha(Buffer.from(payloadB64, "base64")) },
            },
          },
        };
      }
      return await h.fn(JSON.stringify(e));
    },
  };
}

/**
 * Rekor v1 refuses an entry it already holds with 409 Conflict and a `Location` header naming
 * the existing entry (deterministic signatures, e.g. Ed25519, hit this); the mock does not.
 * Keep the entries by UUID (served at `GET /api/v1/log/entries/<uuid>`) and answer repeats so.
 */
function dedupedV1(h: MockHandler, entries: Map<string, string>): MockHandler {
  const byBody = new Map<string, string>();
  return {
    path: h.path,
    fn: async (body) => {
      let key: string;
      try {
        key = canonical(JSON.parse(body));
      } catch {
        return await h.fn(body);
      }
      const uuid = byBody.get(key);
      if (uuid) {
        return {
          statusCode: 409,
          contentType: "application/json",
          headers: { location: `${PATHS.rekorV1}/${uuid}` },
          response: JSON.stringify({
            code: 409,
            message: `an equivalent entry already exists in the transparency log with UUID ${uuid}`,
          }),
        };
      }
      const r = await h.fn(body);
      if (r.statusCode === 201 && typeof r.response === "string") {
        const id = Object.keys(JSON.parse(r.response))[0];
        byBody.set(key, id);
        entries.set(id, r.response);
      }
      return r;
    },
  };
}

/** Starts Fulcio, Rekor v1/v2 and a TSA on 127.0.0.1. Always call `stop()` (in a finally). */
export async function startSigstoreServices(
  opts: ServicesOptions = {},
): Promise<SigstoreServices> {
  const mock = await import("@sigstore/mock");
  // The mock reads this Date object whenever it needs "now"; it is set after the mock's root
  // certificates exist (their notBefore is the real time of creation).
  const clock = opts.clock ?? new Date(Date.now());
  const validStart = new Date(clock.getTime() - 24 * 3600 * 1000).toISOString();

  // Listen first: the Rekor mock puts the host into its checkpoint origin.
  const handlers = new Map<string, MockHandler>();
  const faults = new Map<string, Fault>();
  const requests: RecordedRequest[] = [];
  const v1Entries = new Map<string, string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0];
      const body = await readBody(req);
      const contentType = String(req.headers["content-type"] ?? "");
      requests.push({ path, contentType, body });
      const fault = faults.get(path);
      if (fault) {
        if (fault.times !== undefined && --fault.times <= 0) faults.delete(path);
        res.writeHead(fault.status, { "content-type": "text/plain" });
        res.end(fault.body ?? `forced failure ${fault.status}`);
        return;
      }
      if (req.method === "POST" && path === "/api/v1/index/retrieve") {
        // Rekor's index search by artifact hash, over the entries this instance logged.
        let hash = "";
        try {
          hash = String(JSON.parse(new TextDecoder().decode(body)).hash ?? "");
        } catch { /* an empty search */ }
        const found = [...v1Entries].filter(([uuid, text]) => {
          const e = JSON.parse(text)[uuid];
          const spec = JSON.parse(Buffer.from(e.body, "base64").toString()).spec ?? {};
          const h = spec.data?.hash ?? spec.payloadHash;
          return h && `${h.algorithm}:${h.value}` === hash;
        }).map(([uuid]) => uuid);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(found));
        return;
      }
      if (req.method === "GET" && path.startsWith(`${PATHS.rekorV1}/`)) {
        const stored = v1Entries.get(path.slice(PATHS.rekorV1.length + 1));
        res.writeHead(stored ? 200 : 404, { "content-type": "application/json" });
        res.end(stored ?? JSON.stringify({ code: 404, message: "entry not found" }));
        return;
      }
      const h = handlers.get(path);
      if (!h || req.method !== "POST") {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end(`no handler for ${req.method} ${path}`);
        return;
      }
      let text: string;
      if (path === PATHS.tsa && /timestamp-query/.test(contentType)) {
        try {
          text = await timeStampReqToJson(body);
        } catch (e) {
          res.writeHead(400, { "content-type": "text/plain" });
          res.end(`bad TimeStampReq: ${(e as Error).message}`);
          return;
        }
      } else {
        text = new TextDecoder().decode(body);
      }
      const r = await h.fn(text);
      const payload = typeof r.response === "string"
        ? r.response
        : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength);
      res.writeHead(r.statusCode, {
        "content-type": r.contentType ?? "text/plain",
        ...r.headers,
      });
      res.end(payload);
    })().catch((e) => {
      try {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(e));
      } catch { /* response already sent */ }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  let stopped = false;
  const stop = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    stopped = true;
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  };

  try {
    const caKeys = p256();
    const ctKeys = p256();
    const tlogKeys = p256();
    const tlogV2Keys = p256();
    const tsaKeys = p256();
    // deno-lint-ignore no-explicit-any
    const m = mock as any;
    const ctlog = await m.initializeCTLog(ctKeys, clock);
    const ca = await m.initializeCA(caKeys, ctlog, clock);
    const tlog = await m.initializeTLog(url, tlogKeys, clock);
    const tlogV2 = await m.initializeTLog(url, tlogV2Keys, clock);
    const tsa = await m.initializeTSA(tsaKeys, clock);
    if (!opts.clock) clock.setTime(Math.floor(Date.now() / 1000) * 1000 + 321);
    for (
      const h of [
        m.fulcioHandler(ca, opts.subjectClaim ? { subjectClaim: opts.subjectClaim } : {}),
        dedupedV1(canonicalV1(m.rekorHandler(tlog)), v1Entries),
        realisticV2(
          m.rekorV2Handler(tlogV2),
          new URL(url).host,
          tlogV2Keys.privateKey,
          createHash("sha256").update(spki(tlogV2Keys.publicKey)).digest(),
        ),
        m.tsaHandler(tsa),
      ] as MockHandler[]
    ) handlers.set(h.path, h);

    const rekorPublicKey = spki(tlogKeys.publicKey);
    const rekorV2PublicKey = spki(tlogV2Keys.publicKey);
    const ctlogPublicKey = new Uint8Array(ctlog.publicKey);
    const fulcioRoot = new Uint8Array(ca.rootCertificate);
    const tsaInt = new Uint8Array(tsa.intCertificate);
    const tsaRoot = new Uint8Array(tsa.rootCertificate);
    const logId = (k: Uint8Array) => b64(createHash("sha256").update(k).digest());
    const keyEntry = (baseUrl: string, key: Uint8Array) => ({
      baseUrl,
      hashAlgorithm: "SHA2_256",
      publicKey: {
        rawBytes: b64(key),
        keyDetails: "PKIX_ECDSA_P256_SHA_256",
        validFor: { start: validStart },
      },
      logId: { keyId: logId(key) },
    });
    const trustedRoot: TrustedRootJson = {
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [keyEntry(url, rekorPublicKey), keyEntry(url, rekorV2PublicKey)],
      certificateAuthorities: [{
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(fulcioRoot) }] },
        validFor: { start: validStart },
      }],
      ctlogs: [keyEntry(url, ctlogPublicKey)],
      timestampAuthorities: [{
        subject: { organization: "sigstore.mock", commonName: "tsa" },
        uri: `${url}${PATHS.tsa}`,
        certChain: { certificates: [{ rawBytes: b64(tsaInt) }, { rawBytes: b64(tsaRoot) }] },
        validFor: { start: validStart },
      }],
    };
    const service = (u: string, v: number) => ({
      url: u,
      majorApiVersion: v,
      validFor: { start: validStart },
      operator: "sigstore.mock",
    });
    const config = (rekorVersion: number): SigningConfigJson => ({
      mediaType: "application/vnd.dev.sigstore.signingconfig.v0.2+json",
      caUrls: [service(url, 1)],
      oidcUrls: [service(`${url}/oauth2`, 1)],
      rekorTlogUrls: [service(url, rekorVersion)],
      tsaUrls: [service(`${url}${PATHS.tsa}`, 1)],
      rekorTlogConfig: { selector: "ANY" },
      tsaConfig: { selector: "ANY" },
    });

    return {
      url,
      fulcioUrl: url,
      rekorUrl: url,
      rekorV2Url: url,
      tsaUrl: `${url}${PATHS.tsa}`,
      clock,
      trustedRoot,
      signingConfig: config(1),
      signingConfigV2: config(2),
      rekorPublicKey,
      rekorV2PublicKey,
      ctlogPublicKey,
      fulcioRoot,
      requests,
      fail(path: string, fault: Fault | undefined) {
        if (fault) faults.set(path, { ...fault });
        else faults.delete(path);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A loopback URL on which nothing listens (for "connection refused" tests). */
export async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

// Demo / manual testing: `deno run -A tests/helpers/sigstore_services.ts [DIR]` starts the services,
// writes trusted_root.json, signing_config.json (Rekor v1), signing_config_v2.json and a test
// identity token into DIR (default: a new temporary directory), prints how to sign against them,
// and runs until interrupted.
if (import.meta.main) {
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const process = (await import("node:process")).default;
  const { makeIdentityToken } = await import("./oidc.ts");
  const dir = process.argv[2] ?? await mkdtemp(join(tmpdir(), "sigstore-services-"));
  const svc = await startSigstoreServices();
  await writeFile(join(dir, "trusted_root.json"), JSON.stringify(svc.trustedRoot, null, 2));
  await writeFile(join(dir, "signing_config.json"), JSON.stringify(svc.signingConfig, null, 2));
  await writeFile(
    join(dir, "signing_config_v2.json"),
    JSON.stringify(svc.signingConfigV2, null, 2),
  );
  await writeFile(
    join(dir, "token"),
    await makeIdentityToken({ sub: "demo@example.com", ttlSeconds: 86400 }),
  );
  console.log(`Sigstore test services at ${svc.url} (files in ${dir}); Ctrl-C stops them.
  cosign-ts sign-blob -y --signing-config ${dir}/signing_config.json \\
    --trusted-root ${dir}/trusted_root.json --identity-token ${dir}/token --bundle F.sigstore.json F
  cosign-ts verify-blob --trusted-root ${dir}/trusted_root.json --bundle F.sigstore.json \\
    --certificate-identity demo@example.com --certificate-oidc-issuer https://oidc.example.test F`);
  const stop = () => void svc.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
