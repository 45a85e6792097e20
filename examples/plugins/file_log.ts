/**
 * Example transparency-log plugin: an append-only log in a local file, `file:///path/log.jsonl`.
 *
 * - **submit** appends one JSON line per entry (under an exclusive lock file, so concurrent
 *   signers never lose each other's entries). Each line is signed by the log's own ECDSA P-256
 *   key (`log.jsonl.key`, created on first use, mode 0600) and chained to the previous line by
 *   its SHA-256, so editing, removing or reordering any line is detected. The entry it returns is
 *   a Sigstore `TransparencyLogEntry` with a Rekor-style hashedrekord/dsse body, a signed entry
 *   timestamp (the log's signature over `{body, integratedTime, logID, logIndex}`, what cosign's
 *   legacy bundles keep) and a checkpoint over the chain head (what v0.3 bundles need).
 * - **recognizes/verify**: an entry is this log's when its log ID is that of a `file://` log in
 *   the trusted root (`--trusted-root`; `cosign-ts file-log trusted-root URL` writes one). Verify
 *   checks that the body describes exactly the signature, digest and key being verified, the
 *   signed entry timestamp and checkpoint with the trusted key, that the key was valid at the
 *   entry's time, and the whole chain of the log file (every line's signature and link, and
 *   that the line at the entry's index is this entry). Failures are CosignError("VERIFY") with
 *   check "tlog-entry" (exit 12).
 *
 * It imports only "cosign-ts", `node:` built-ins and the helpers in `./lib/`.
 *
 * @example
 * ```sh
 * P="--plugin file_log.ts"
 * cosign-ts $P file-log trusted-root file:///tmp/tlog/log.jsonl > tlog_root.json
 * cosign-ts $P sign-blob --key cosign.key -y --rekor-url file:///tmp/tlog/log.jsonl \
 *     --bundle f.bundle f.txt
 * cosign-ts $P verify-blob --key cosign.pub --bundle f.bundle --trusted-root tlog_root.json f.txt
 * ```
 * @module
 */
import { chmod, mkdir, open, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Command,
  CosignError,
  definePlugin,
  generateEcdsaP256,
  type LogAuthority,
  pemDecode,
  pemEncode,
  type Plugin,
  type Signer,
  signerFromPrivateKeyPem,
  type TlogEntry,
  type TlogExpectation,
  type TlogSubmission,
  type TlogVerification,
  type TransparencyLog,
  verifierFromSpki,
  withinValidity,
} from "cosign-ts";
import { b64, hex, sha256, unb64 } from "./lib/encoding.ts";
import { withLock } from "./lib/files.ts";

const enc = new TextEncoder();
const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const GENESIS = "0".repeat(64);

/** One line of the log file, in this key order. */
interface LogLine {
  logIndex: number;
  integratedTime: number;
  logID: string;
  kind: "hashedrekord" | "dsse";
  body: string;
  set: string;
  prev: string;
  sig?: string;
}

/** The local path of a `file://` log URL. Throws CosignError("INVALID_INPUT"). */
export function logPath(url: string): string {
  try {
    if (!url.startsWith("file://")) throw new Error("not a file:// URL");
    return fileURLToPath(url);
  } catch (e) {
    throw new CosignError("INVALID_INPUT", `Cannot use log "${url}": ${(e as Error).message}`, {
      hint: "Write the log as an absolute file URL, e.g. file:///var/lib/tlog/log.jsonl.",
    });
  }
}

function tlogError(message: string, hint?: string): CosignError {
  return new CosignError("VERIFY", message, { check: "tlog-entry", hint });
}

/** The log's signer, creating its key (`<log>.key`, mode 0600) on first use. */
async function logKey(path: string): Promise<{ signer: Signer; created: Date }> {
  const keyPath = `${path}.key`;
  await mkdir(dirname(path), { recursive: true });
  try {
    const fh = await open(keyPath, "wx", 0o600);
    try {
      await fh.writeFile(pemEncode("PRIVATE KEY", generateEcdsaP256().pkcs8));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(keyPath, 0o600);
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  }
  const pem = await readFile(keyPath, "utf8");
  return {
    signer: signerFromPrivateKeyPem(pem, { name: keyPath }),
    created: (await stat(keyPath)).mtime,
  };
}

async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return [];
    throw e;
  }
}

/** What the signed entry timestamp covers (Rekor's SET payload: canonical JSON, sorted keys). */
const setPayload = (l: Pick<LogLine, "body" | "integratedTime" | "logID" | "logIndex">): string =>
  JSON.stringify({
    body: l.body,
    integratedTime: l.integratedTime,
    logID: l.logID,
    logIndex: l.logIndex,
  });

/** The checkpoint (signed note) over the chain head after line `index`. */
const checkpointBody = (url: string, size: number, head: Uint8Array): string =>
  `${url}\n${size}\n${b64(head)}\n`;

/** The Rekor-style canonical body of a submission. */
async function entryBody(s: TlogSubmission): Promise<string> {
  const key = b64(enc.encode(s.verificationMaterial));
  if (s.kind === "hashedrekord") {
    if (!s.signature || !s.digest) {
      throw new CosignError(
        "INVALID_INPUT",
        "Cannot log a hashedrekord without signature and digest",
      );
    }
    return JSON.stringify({
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: "sha256", value: hex(s.digest) } },
        signature: { content: b64(s.signature), publicKey: { content: key } },
      },
    });
  }
  const env = JSON.parse(s.envelope ?? "null") as
    | { payload?: string; signatures?: { sig?: string }[] }
    | null;
  if (!env?.payload || !env.signatures?.length) {
    throw new CosignError("INVALID_INPUT", "Cannot log a dsse entry without a signed envelope");
  }
  return JSON.stringify({
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: hex(await sha256(s.envelope!)) },
      payloadHash: { algorithm: "sha256", value: hex(await sha256(unb64(env.payload))) },
      signatures: env.signatures.map((x) => ({ signature: x.sig, verifier: key })),
    },
  });
}

/** Appends an entry to the log at `url` and returns it as a TransparencyLogEntry. */
export async function submitToFileLog(url: string, s: TlogSubmission): Promise<TlogEntry> {
  if (s.kind === "intoto") {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot log an intoto entry in "${url}": the file log records dsse entries`,
      {
        hint: "Use --rekor-entry-type dsse (the default).",
      },
    );
  }
  const kind = s.kind;
  const path = logPath(url);
  const { signer } = await logKey(path);
  const logId = await sha256((await signer.publicKey()).spki);
  const body = b64(enc.encode(await entryBody(s)));
  return await withLock(path, async () => {
    const lines = await readLines(path);
    const prev = lines.length ? hex(await sha256(lines[lines.length - 1])) : GENESIS;
    const line: LogLine = {
      logIndex: lines.length,
      integratedTime: Math.floor(Date.now() / 1000),
      logID: hex(logId),
      kind,
      body,
      set: "",
      prev,
    };
    line.set = b64(await signer.sign(enc.encode(setPayload(line))));
    line.sig = b64(await signer.sign(enc.encode(JSON.stringify({ ...line, sig: undefined }))));
    const text = JSON.stringify(line);
    const fh = await open(path, "a", 0o644);
    try {
      await fh.appendFile(text + "\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
    const head = await sha256(text);
    const note = checkpointBody(url, line.logIndex + 1, head);
    const noteSig = await signer.sign(enc.encode(note));
    return {
      logIndex: String(line.logIndex),
      logId: { keyId: b64(logId) },
      kindVersion: { kind: s.kind, version: "0.0.1" },
      integratedTime: String(line.integratedTime),
      inclusionPromise: { signedEntryTimestamp: line.set },
      inclusionProof: {
        logIndex: String(line.logIndex),
        rootHash: b64(head),
        treeSize: String(line.logIndex + 1),
        hashes: [],
        checkpoint: { envelope: `${note}\n\u2014 file-log ${b64(noteSig)}\n` },
      },
      canonicalizedBody: body,
    };
  });
}

/** The trusted `file://` log whose ID is the entry's, if any. */
function trustedLog(entry: TlogEntry, trust: unknown): LogAuthority | undefined {
  const id = (entry as { logId?: { keyId?: string } }).logId?.keyId;
  const tlogs = (trust as { tlogs?: LogAuthority[] } | undefined)?.tlogs;
  if (typeof id !== "string" || !Array.isArray(tlogs)) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = unb64(id);
  } catch {
    return undefined;
  }
  return tlogs.find((l) => l.baseUrl.startsWith("file://") && equal(l.logId, bytes));
}

/** Checks that the entry's body names exactly the expected signature, digest and key. */
function checkBody(body: string, expected: TlogExpectation): void {
  let b: {
    kind?: string;
    spec?: {
      data?: { hash?: { algorithm?: string; value?: string } };
      signature?: { content?: string; publicKey?: { content?: string } };
      payloadHash?: { algorithm?: string; value?: string };
      signatures?: { signature?: string; verifier?: string }[];
    };
  };
  try {
    b = JSON.parse(new TextDecoder().decode(unb64(body)));
  } catch {
    throw tlogError("The file-log entry body is not base64 JSON");
  }
  const keyOf = (pemB64?: string): Uint8Array | undefined => {
    try {
      return pemDecode(new TextDecoder().decode(unb64(pemB64 ?? "")), "log entry key")[0].bytes;
    } catch {
      return undefined;
    }
  };
  const alg = expected.digestAlgorithm ?? "sha256";
  const wantKind = expected.kind === "message" ? "hashedrekord" : "dsse";
  if (b.kind !== wantKind) {
    throw tlogError(`The file-log entry is a ${b.kind} entry, not ${wantKind}`);
  }
  const hash = wantKind === "hashedrekord" ? b.spec?.data?.hash : b.spec?.payloadHash;
  if (hash?.algorithm !== alg || hash.value !== hex(expected.digest)) {
    throw tlogError("The file-log entry names another digest than the artifact's");
  }
  const pairs = wantKind === "hashedrekord"
    ? [{ sig: b.spec?.signature?.content, key: b.spec?.signature?.publicKey?.content }]
    : (b.spec?.signatures ?? []).map((s) => ({ sig: s.signature, key: s.verifier }));
  const sig = b64(expected.signature);
  const ok = pairs.some((p) => {
    const k = keyOf(p.key);
    return p.sig === sig && k !== undefined && equal(k, expected.keyDer);
  });
  if (!ok) throw tlogError("The file-log entry names another signature or key");
}

/** Verifies an entry against its trusted log and the log file's whole chain. */
export async function verifyFileLogEntry(
  entry: TlogEntry,
  expected: TlogExpectation,
  trust: unknown,
): Promise<TlogVerification> {
  const log = trustedLog(entry, trust);
  if (!log) {
    throw tlogError(
      "The log entry is not from a trusted file log",
      "Pass --trusted-root with " +
        "the log (cosign-ts --plugin file_log.ts file-log trusted-root file:///…/log.jsonl).",
    );
  }
  const e = entry as {
    logIndex?: string | number;
    integratedTime?: string | number;
    canonicalizedBody?: string;
    inclusionPromise?: { signedEntryTimestamp?: string };
    inclusionProof?: { rootHash?: string; checkpoint?: { envelope?: string } };
  };
  const index = Number(e.logIndex ?? 0); // protobuf JSON omits a zero index
  const time = Number(e.integratedTime);
  const body = e.canonicalizedBody ?? "";
  if (!Number.isSafeInteger(index) || index < 0 || !Number.isSafeInteger(time) || !body) {
    throw tlogError("The file-log entry lacks its index, time or body");
  }
  checkBody(body, expected);
  const verifier = verifierFromSpki(log.spki);
  const check = async (what: string, msg: string, sig?: string) => {
    let ok = false;
    try {
      ok = sig !== undefined && await verifier.verify(enc.encode(msg), unb64(sig));
    } catch {
      ok = false;
    }
    if (!ok) throw tlogError(`The ${what} does not verify with the log's key (${log.baseUrl})`);
  };
  const logID = hex(log.logId);
  await check(
    "file-log signed entry timestamp",
    setPayload({ body, integratedTime: time, logID, logIndex: index }),
    e.inclusionPromise?.signedEntryTimestamp,
  );
  const at = new Date(time * 1000);
  if (!withinValidity(log.validFor, at)) {
    throw tlogError(`The file log's key was not valid at the entry's time ${at.toISOString()}`);
  }
  // The chain: every line signed by the log and linked to the one before it.
  const path = logPath(log.baseUrl);
  const lines = await readLines(path);
  let prev = GENESIS;
  let head: Uint8Array | undefined;
  for (const [i, text] of lines.entries()) {
    let line: LogLine;
    try {
      line = JSON.parse(text);
    } catch {
      throw tlogError(`Line ${i + 1} of the file log ${path} is not JSON`);
    }
    if (line.logIndex !== i || line.prev !== prev || line.logID !== logID) {
      throw tlogError(`The file log ${path} is broken at line ${i + 1} (index or chain link)`);
    }
    await check(
      `line ${i + 1} of the file log`,
      JSON.stringify({ ...line, sig: undefined }),
      line.sig,
    );
    if (i === index) {
      if (line.body !== body || line.integratedTime !== time) {
        throw tlogError(`Line ${i + 1} of the file log ${path} is not this entry`);
      }
      head = await sha256(text);
    }
    prev = hex(await sha256(text));
  }
  if (!head) throw tlogError(`The file log ${path} has no entry ${index}`);
  const proof = e.inclusionProof;
  if (proof) {
    const [note, sigLine] = (proof.checkpoint?.envelope ?? "").split("\n\n");
    const sig = /^\u2014 file-log (\S+)\n?$/.exec(sigLine ?? "")?.[1];
    await check("file-log checkpoint", note + "\n", sig);
    if (
      proof.rootHash !== b64(head) || note + "\n" !== checkpointBody(log.baseUrl, index + 1, head)
    ) {
      throw tlogError("The file-log checkpoint does not name this entry's chain head");
    }
  }
  return { integratedTime: at, log: log.baseUrl };
}

/** The file log. */
export const fileLog: TransparencyLog = {
  name: "file-log",
  description: "append-only, hash-chained log in a local file, signed by its own key: " +
    "file:///path/log.jsonl",
  handles: (url: string) => url.startsWith("file://"),
  async submit(submission, ctx, options) {
    const url = options?.url;
    if (!url) {
      throw new CosignError("INVALID_INPUT", "Cannot use the file log without a file:// URL", {
        hint: "Pass --rekor-url file:///path/log.jsonl.",
      });
    }
    ctx.log.debug(`appending a ${submission.kind} entry to ${url}`);
    return await submitToFileLog(url, submission);
  },
  recognizes: (entry, trust) => trustedLog(entry, trust) !== undefined,
  verify: (entry, expected, trust) => verifyFileLogEntry(entry, expected, trust),
};

/** `file-log trusted-root URL`: prints a trusted_root.json naming the log and its key. */
export const trustedRootCommand: Command = {
  name: "file-log trusted-root",
  summary: "Prints a trusted root (trusted_root.json) that trusts a file:// log's key.",
  usage: "cosign-ts file-log trusted-root file:///path/log.jsonl > trusted_root.json",
  examples: [
    "cosign-ts --plugin file_log.ts file-log trusted-root file:///tmp/tlog/log.jsonl > root.json",
  ],
  flags: [],
  args: { min: 1, max: 1 },
  async run({ args, io }) {
    const url = args[0];
    const { signer, created } = await logKey(logPath(url));
    const spki = (await signer.publicKey()).spki;
    const root = {
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [{
        baseUrl: url,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: b64(spki),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: { start: new Date(created.getTime() - 1000).toISOString() },
        },
        logId: { keyId: b64(await sha256(spki)) },
      }],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
    await io.out(JSON.stringify(root, null, 2) + "\n");
    return 0;
  },
};

/** The plugin: `--plugin examples/plugins/file_log.ts`, then `--rekor-url file:///…`. */
const plugin: Plugin = definePlugin({
  name: "example-file-log",
  apiVersion: 1,
  description: "a transparency log in a local file (example)",
  tlogs: [fileLog],
  commands: [trustedRootCommand],
});

export default plugin;
