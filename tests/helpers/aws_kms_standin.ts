/**
 * A stand-in for AWS KMS on 127.0.0.1 (a free port; HTTP, or HTTPS with a test certificate),
 * written from the AWS KMS API reference (JSON protocol: `POST /`,
 * `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: TrentService.<Operation>`) — no
 * AWS KMS or emulator can run here. It checks what AWS checks, and answers AWS's error JSON
 * (`{"__type": "…Exception", "message": "…"}`, HTTP 400):
 *
 * - every request's SigV4 signature, recomputed by an independent implementation: Debian's
 *   python3-botocore (`botocore.auth.SigV4Auth`, tests/helpers/sigv4_check.py, one long-running
 *   process) at the request's own `X-Amz-Date` over the headers the client says it signed;
 *   `host`, `x-amz-date` and `x-amz-target` must be among them. Unknown access keys and wrong
 *   session tokens → UnrecognizedClientException; a wrong scope (region, service, date),
 *   a mismatch → InvalidSignatureException; a date more than 5 minutes off the stand-in's clock
 *   (`clockSkewMs` moves that clock) → InvalidSignatureException "Signature expired";
 * - the operations cosign uses: GetPublicKey, DescribeKey, Sign and Verify (`MessageType`
 *   RAW or DIGEST, the algorithm must be one of the key's, digests of the hash's length),
 *   CreateKey, CreateAlias; keys by id, key ARN, alias name or alias ARN (NotFoundException
 *   otherwise).
 *
 * Keys are real (tests/helpers/kms_standin_keys.ts): ECC_NIST_P256/P384/P521 (ECDSA_SHA_256/384/
 * 512) and RSA_2048/3072/4096 (PKCS#1 v1.5 only, listed first). Faults: `delayMs`, `garbage`,
 * `badSignatures`.
 *
 * @example
 * ```ts
 * const kms = await startAwsKmsStandin({ region: "eu-west-1", credentials: [{ accessKeyId: "AKIA…", secretAccessKey: "…" }] });
 * try {
 *   kms.createKey("ECC_NIST_P256", "alias/release");
 *   // AWS_ENDPOINT_URL=kms.url … cosign-ts sign-blob --key awskms:///alias/release
 * } finally {
 *   await kms.stop();
 * }
 * ```
 * @module
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import { type StandinHash, type StandinKey, standinKey } from "./kms_standin_keys.ts";
import { closeServer } from "./bounded.ts";

/** Credentials the stand-in accepts. */
export interface StandinCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token (temporary credentials), which requests must carry. */
  sessionToken?: string;
}

/** Options of {@link startAwsKmsStandin}. */
export interface AwsKmsStandinOptions {
  /** The region requests must be scoped to. */
  region: string;
  /** Accepted credentials. */
  credentials: StandinCredentials[];
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

/** One request as the stand-in saw it. */
export interface AwsKmsRequest {
  /** The operation (from X-Amz-Target). */
  operation: string;
  /** Parsed JSON body. */
  body: Record<string, unknown>;
  /** The access key id that signed it. */
  accessKeyId?: string;
  /** The error type answered, if any. */
  error?: string;
}

/** A running stand-in. */
export interface AwsKmsStandin {
  /** `http(s)://127.0.0.1:PORT`. */
  url: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Requests seen, in order. */
  requests: AwsKmsRequest[];
  /** Creates a key (and an alias to it); returns its id. */
  createKey(spec: string, alias?: string): string;
  /** The key an id, ARN or alias names. */
  key(ref: string): StandinKey | undefined;
  /** The ARN of a key id. */
  arn(keyId: string): string;
  /** Fault injection; `clockSkewMs` moves the stand-in's clock. */
  faults: { delayMs?: number; garbage?: boolean; badSignatures?: boolean; clockSkewMs?: number };
  /** Stops the server and the botocore checker. */
  stop(): Promise<void>;
}

const ACCOUNT = "111122223333";
const SPECS: Record<string, { type: Parameters<typeof standinKey>[0]; algorithms: string[] }> = {
  ECC_NIST_P256: { type: "ecdsa-p256", algorithms: ["ECDSA_SHA_256"] },
  ECC_NIST_P384: { type: "ecdsa-p384", algorithms: ["ECDSA_SHA_384"] },
  ECC_NIST_P521: { type: "ecdsa-p521", algorithms: ["ECDSA_SHA_512"] },
  RSA_2048: { type: "rsa-2048", algorithms: ["RSASSA_PKCS1_V1_5_SHA_256"] },
  RSA_3072: { type: "rsa-3072", algorithms: ["RSASSA_PKCS1_V1_5_SHA_256"] },
  RSA_4096: { type: "rsa-4096", algorithms: ["RSASSA_PKCS1_V1_5_SHA_256"] },
};
const HASH_OF = (alg: string): StandinHash => `sha${alg.slice(-3)}` as StandinHash;
const HASH_LEN: Record<StandinHash, number> = { sha256: 32, sha384: 48, sha512: 64 };
const CHECKER = join(dirname(fileURLToPath(import.meta.url)), "sigv4_check.py");

class AwsError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

interface StoredKey {
  id: string;
  spec: string;
  key: StandinKey;
  description: string;
  created: number;
}

/** The botocore judge: one python process, requests answered in order. */
function startChecker() {
  const child = spawn("python3", [CHECKER], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout!.on("data", (d: Buffer) => {
    buffered += d.toString("utf8");
    let i;
    while ((i = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    expected(req: Record<string, unknown>): Promise<{ authorization?: string; error?: string }> {
      return new Promise((resolve) => {
        waiting.push((line) => resolve(JSON.parse(line)));
        child.stdin!.write(JSON.stringify(req) + "\n");
      });
    },
    stop() {
      child.stdin!.end();
      child.kill();
    },
  };
}

const amz = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/** Starts the stand-in. */
export async function startAwsKmsStandin(options: AwsKmsStandinOptions): Promise<AwsKmsStandin> {
  const { region } = options;
  const keys = new Map<string, StoredKey>();
  const aliases = new Map<string, string>();
  const requests: AwsKmsRequest[] = [];
  const faults: AwsKmsStandin["faults"] = {};
  const checker = startChecker();
  const arn = (id: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;

  const createKey = (spec: string, alias?: string, description = ""): string => {
    const s = SPECS[spec];
    if (!s) throw new AwsError("ValidationException", `KeySpec ${spec} is not supported`);
    const id = randomUUID();
    keys.set(id, { id, spec, key: standinKey(s.type), description, created: Date.now() / 1000 });
    if (alias) aliases.set(alias, id);
    return id;
  };

  const resolve = (ref: unknown): StoredKey => {
    if (typeof ref !== "string" || !ref) {
      throw new AwsError(
        "ValidationException",
        "1 validation error detected: KeyId must not be null",
      );
    }
    const aliasArn = new RegExp(`^arn:aws:kms:${region}:${ACCOUNT}:(alias/.+)$`).exec(ref);
    const keyArn = new RegExp(`^arn:aws:kms:${region}:${ACCOUNT}:key/(.+)$`).exec(ref);
    const alias = aliasArn?.[1] ?? (ref.startsWith("alias/") ? ref : undefined);
    if (alias) {
      const id = aliases.get(alias);
      if (!id) {
        throw new AwsError(
          "NotFoundException",
          `Alias arn:aws:kms:${region}:${ACCOUNT}:${alias} is not found.`,
        );
      }
      return keys.get(id)!;
    }
    const id = keyArn?.[1] ?? ref;
    const k = keys.get(id);
    if (!k) throw new AwsError("NotFoundException", `Key '${arn(id)}' does not exist`);
    return k;
  };

  const metadata = (k: StoredKey) => ({
    AWSAccountId: ACCOUNT,
    KeyId: k.id,
    Arn: arn(k.id),
    CreationDate: k.created,
    Enabled: true,
    Description: k.description,
    KeyUsage: "SIGN_VERIFY",
    KeyState: "Enabled",
    Origin: "AWS_KMS",
    KeyManager: "CUSTOMER",
    CustomerMasterKeySpec: k.spec,
    KeySpec: k.spec,
    SigningAlgorithms: SPECS[k.spec].algorithms,
    MultiRegion: false,
  });

  const digestOf = (
    k: StoredKey,
    body: Record<string, unknown>,
  ): { digest: Uint8Array; alg: string } => {
    const alg = body.SigningAlgorithm;
    if (typeof alg !== "string" || !SPECS[k.spec].algorithms.includes(alg)) {
      throw new AwsError(
        "InvalidKeyUsageException",
        `You cannot use the signing algorithm ${alg} with the key ${arn(k.id)}.`,
      );
    }
    if (typeof body.Message !== "string") {
      throw new AwsError(
        "ValidationException",
        "1 validation error detected: Message must not be null",
      );
    }
    const message = Buffer.from(body.Message, "base64");
    const hash = HASH_OF(alg);
    const type = body.MessageType ?? "RAW";
    if (type === "DIGEST") {
      if (message.length !== HASH_LEN[hash]) {
        throw new AwsError("ValidationException", `Digest is invalid length for algorithm ${alg}.`);
      }
      return { digest: new Uint8Array(message), alg };
    }
    if (type !== "RAW") throw new AwsError("ValidationException", `Invalid MessageType ${type}`);
    if (message.length > 4096) {
      throw new AwsError("ValidationException", "Message must be at most 4096 bytes; use DIGEST");
    }
    return { digest: new Uint8Array(createHash(hash).update(message).digest()), alg };
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    GetPublicKey(body) {
      const k = resolve(body.KeyId);
      return {
        KeyId: arn(k.id),
        PublicKey: Buffer.from(k.key.spki).toString("base64"),
        CustomerMasterKeySpec: k.spec,
        KeySpec: k.spec,
        KeyUsage: "SIGN_VERIFY",
        SigningAlgorithms: SPECS[k.spec].algorithms,
      };
    },
    DescribeKey(body) {
      return { KeyMetadata: metadata(resolve(body.KeyId)) };
    },
    Sign(body) {
      const k = resolve(body.KeyId);
      const { digest, alg } = digestOf(k, body);
      let sig = k.key.signDigest(digest, HASH_OF(alg));
      if (faults.badSignatures) sig = sig.map((b, i) => (i > 8 ? b ^ 0x5a : b));
      return {
        KeyId: arn(k.id),
        Signature: Buffer.from(sig).toString("base64"),
        SigningAlgorithm: alg,
      };
    },
    Verify(body) {
      const k = resolve(body.KeyId);
      const { digest, alg } = digestOf(k, body);
      const sig = Buffer.from(String(body.Signature ?? ""), "base64");
      if (!k.key.verifyDigest(digest, sig, HASH_OF(alg))) {
        throw new AwsError("KMSInvalidSignatureException", "");
      }
      return { KeyId: arn(k.id), SignatureValid: true, SigningAlgorithm: alg };
    },
    CreateKey(body) {
      if (body.KeyUsage !== "SIGN_VERIFY") {
        throw new AwsError("ValidationException", "this stand-in creates SIGN_VERIFY keys only");
      }
      const spec = String(body.KeySpec ?? body.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT");
      const id = createKey(spec, undefined, String(body.Description ?? ""));
      return { KeyMetadata: metadata(keys.get(id)!) };
    },
    CreateAlias(body) {
      const name = body.AliasName;
      if (
        typeof name !== "string" || !/^alias\/[a-zA-Z0-9/_-]+$/.test(name) ||
        name.startsWith("alias/aws/")
      ) {
        throw new AwsError("ValidationException", `Alias name ${name} is not valid`);
      }
      if (aliases.has(name)) {
        throw new AwsError(
          "AlreadyExistsException",
          `An alias with the name arn:aws:kms:${region}:${ACCOUNT}:${name} already exists`,
        );
      }
      aliases.set(name, resolve(body.TargetKeyId).id);
      return undefined;
    },
  };

  /** Checks the SigV4 signature; returns the access key id or throws AwsError. */
  const authenticate = async (
    req: IncomingMessage,
    raw: Buffer,
    scheme: string,
  ): Promise<string> => {
    const auth = req.headers.authorization;
    if (!auth) {
      throw new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/,]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/
        .exec(String(auth));
    if (!m) {
      throw new AwsError(
        "IncompleteSignatureException",
        `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`,
      );
    }
    const [, akid, scopeDate, scopeRegion, scopeService, signedList] = m;
    const cred = options.credentials.find((c) => c.accessKeyId === akid);
    const token = req.headers["x-amz-security-token"];
    if (!cred || (cred.sessionToken ?? undefined) !== (token ?? undefined)) {
      throw new AwsError(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    const signed = signedList.split(";");
    for (
      const need of [
        "host",
        "x-amz-date",
        "x-amz-target",
        ...(token ? ["x-amz-security-token"] : []),
      ]
    ) {
      if (!signed.includes(need)) {
        throw new AwsError("IncompleteSignatureException", `Signed headers must include ${need}.`);
      }
    }
    const date = String(req.headers["x-amz-date"] ?? "");
    const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
    if (!dm) throw new AwsError("IncompleteSignatureException", "X-Amz-Date is not a valid date");
    if (scopeService !== "kms" || scopeRegion !== region || scopeDate !== date.slice(0, 8)) {
      throw new AwsError(
        "InvalidSignatureException",
        `Credential should be scoped to a valid region, service and date: ${scopeDate}/${scopeRegion}/${scopeService}.`,
      );
    }
    const when = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
    const now = Date.now() + (faults.clockSkewMs ?? 0);
    if (when < now - 5 * 60_000) {
      throw new AwsError(
        "InvalidSignatureException",
        `Signature expired: ${date} is now earlier than ${amz(now - 5 * 60_000)} (${
          amz(now)
        } - 5 min.)`,
      );
    }
    if (when > now + 5 * 60_000) {
      throw new AwsError(
        "InvalidSignatureException",
        `Signature not yet current: ${date} is still later than ${amz(now + 5 * 60_000)} (${
          amz(now)
        } + 5 min.)`,
      );
    }
    const headers: Record<string, string> = {};
    for (const h of signed) headers[h] = String(req.headers[h] ?? "");
    const expected = await checker.expected({
      method: req.method,
      url: `${scheme}://${req.headers.host}${req.url}`,
      headers,
      body_b64: raw.toString("base64"),
      access_key: cred.accessKeyId,
      secret_key: cred.secretAccessKey,
      token: cred.sessionToken ?? null,
      region,
      service: "kms",
      amz_date: date,
    });
    if (expected.authorization !== auth) {
      throw new AwsError(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      );
    }
    return akid;
  };

  const handler = (scheme: string) => (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks);
      const record: AwsKmsRequest = { operation: "", body: {} };
      requests.push(record);
      let status = 200;
      let out: unknown;
      try {
        const target = String(req.headers["x-amz-target"] ?? "");
        record.operation = target.replace(/^TrentService\./, "");
        try {
          record.body = JSON.parse(raw.toString("utf8") || "{}");
        } catch {
          throw new AwsError(
            "SerializationException",
            "Start of structure or map found where not expected",
          );
        }
        record.accessKeyId = await authenticate(req, raw, scheme);
        if (req.method !== "POST" || req.url !== "/") {
          throw new AwsError("UnknownOperationException", "", 404);
        }
        if (String(req.headers["content-type"]) !== "application/x-amz-json-1.1") {
          throw new AwsError(
            "UnknownOperationException",
            "Content-Type must be application/x-amz-json-1.1",
          );
        }
        const op = target.startsWith("TrentService.") ? operations[record.operation] : undefined;
        if (!op) throw new AwsError("UnknownOperationException", "");
        out = op(record.body);
      } catch (e) {
        const err = e instanceof AwsError
          ? e
          : new AwsError("KMSInternalException", String(e), 500);
        record.error = err.type;
        status = err.status;
        out = { __type: err.type, message: err.message };
      }
      const send = () => {
        if (faults.garbage) {
          res.writeHead(200, { "content-type": "text/html" });
          res.end("<html><body>Service Unavailable</body></html>");
          return;
        }
        const text = out === undefined ? "" : JSON.stringify(out);
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": randomUUID(),
          "content-length": Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (faults.delayMs) setTimeout(send, faults.delayMs);
      else send();
    });
  };

  const server = options.tls
    ? createHttpsServer(
      { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) },
      handler("https"),
    )
    : createHttpServer(handler("http"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    url: `${options.tls ? "https" : "http"}://${host}`,
    host,
    requests,
    faults,
    createKey: (spec, alias) => createKey(spec, alias),
    key: (ref) => {
      try {
        return resolve(ref).key;
      } catch {
        return undefined;
      }
    },
    arn,
    async stop() {
      checker.stop();
      await closeServer(server);
    },
  };
}
