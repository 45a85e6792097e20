/**
 * Example timestamp-authority plugin: a local signing clock, `localclock:///path/clock.key`.
 *
 * - **timestamp** signs `{imprint: SHA-256 of the signature, time, keyId}` with the clock's own
 *   ECDSA P-256 key (`clock.key`, created on first use with mode 0600, its public half written
 *   to `clock.key.pub`) and returns that JSON as the token. Bundles keep it where RFC 3161
 *   tokens go (`timestampVerificationData.rfc3161Timestamps`).
 * - **recognizes** takes tokens that are this clock's JSON (RFC 3161 tokens are DER and go to the
 *   built-in `rfc3161` authority); **verify** checks the token's signature with the clock key the
 *   verifier trusts (`LOCAL_CLOCK_PUBLIC_KEY`: the path of a PEM public key, e.g. a copy of
 *   `clock.key.pub`), that it covers this signature, and that its time is not in the future.
 *   Failures are CosignError("VERIFY") with check "timestamp" (exit 12).
 *
 * It imports only "cosign-ts", `node:` built-ins and the helpers in `./lib/`.
 *
 * @example
 * ```sh
 * P="--plugin local_clock.ts" CLOCK=localclock:///var/lib/clock/clock.key
 * cosign-ts $P sign-blob --key cosign.key --tlog-upload=false --timestamp-server-url $CLOCK \
 *     --new-bundle-format --bundle f.sigstore.json f.txt
 * LOCAL_CLOCK_PUBLIC_KEY=/var/lib/clock/clock.key.pub cosign-ts $P verify-blob --key cosign.pub \
 *     --bundle f.sigstore.json --insecure-ignore-tlog f.txt
 * ```
 * @module
 */
import { chmod, mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Context,
  CosignError,
  definePlugin,
  generateEcdsaP256,
  pemDecode,
  pemEncode,
  type Plugin,
  signerFromPkcs8,
  type TimestampAuthority,
  verifierFromPem,
} from "cosign-ts";
import { b64, sha256, unb64 } from "./lib/encoding.ts";
import { writeAtomic } from "./lib/files.ts";

const enc = new TextEncoder();
const MARK = '{"localClock":1,';

/** The token: what the clock signs, and the signature. Key order is fixed (see {@link signed}). */
interface ClockToken {
  localClock: 1;
  time: string;
  imprint: string;
  keyId: string;
  signature?: string;
}

/** The exact bytes the clock signs: the token without its signature. */
const signed = (t: ClockToken): Uint8Array =>
  enc.encode(JSON.stringify({ ...t, signature: undefined }));

function clockPath(url: string): string {
  try {
    return fileURLToPath(url.replace(/^localclock:/, "file:"));
  } catch (e) {
    throw new CosignError("INVALID_INPUT", `Cannot use clock "${url}": ${(e as Error).message}`, {
      hint: "Write the clock as localclock:///absolute/path/clock.key.",
    });
  }
}

/** The clock's key, created (with its `.pub`) on first use. */
async function clockKey(path: string) {
  await mkdir(dirname(path), { recursive: true });
  try {
    const fh = await open(path, "wx", 0o600);
    const { pkcs8, signer } = generateEcdsaP256();
    try {
      await fh.writeFile(pemEncode("PRIVATE KEY", pkcs8));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(path, 0o600);
    // The public half, for verifiers to pin.
    await writeAtomic(`${path}.pub`, (await signer.publicKey()).pem);
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  }
  const der = pemDecode(await readFile(path, "utf8"), path)[0].bytes;
  return signerFromPkcs8(der, { name: path });
}

function timestampError(message: string, hint?: string): CosignError {
  return new CosignError("VERIFY", message, { check: "timestamp", hint });
}

/** Verifies a clock token over `signature` with the trusted key; returns its time. */
async function verifyToken(
  token: Uint8Array,
  signature: Uint8Array,
  ctx: Context,
): Promise<{ time: Date; authority: string }> {
  const pubPath = ctx.env("LOCAL_CLOCK_PUBLIC_KEY");
  if (!pubPath) {
    throw timestampError(
      "Cannot verify a local-clock timestamp: no clock key is trusted",
      "Set LOCAL_CLOCK_PUBLIC_KEY to the path of the clock's public key (clock.key.pub).",
    );
  }
  const pem = await readFile(pubPath, "utf8");
  const verifier = verifierFromPem(pem, { name: pubPath });
  const spki = (await verifier.publicKey()).spki;
  let t: ClockToken;
  try {
    t = JSON.parse(new TextDecoder().decode(token));
  } catch {
    throw timestampError("The local-clock timestamp is not JSON");
  }
  if (t.keyId !== b64(await sha256(spki))) {
    throw timestampError("The local-clock timestamp was made by another clock");
  }
  let ok = false;
  try {
    ok = typeof t.signature === "string" &&
      await verifier.verify(signed(t), unb64(t.signature));
  } catch {
    ok = false;
  }
  if (!ok) throw timestampError("The local-clock timestamp's signature does not verify");
  if (t.imprint !== b64(await sha256(signature))) {
    throw timestampError("The local-clock timestamp covers another signature");
  }
  const time = new Date(t.time);
  if (Number.isNaN(time.getTime()) || time.getTime() > Date.now() + 60_000) {
    throw timestampError(`The local-clock timestamp's time ${JSON.stringify(t.time)} is invalid`);
  }
  return { time, authority: `local-clock ${t.keyId}` };
}

/** The local clock. */
export const localClock: TimestampAuthority = {
  name: "local-clock",
  description: "a local signing clock with its own key: localclock:///path/clock.key",
  handles: (url: string) => url.startsWith("localclock://"),
  async timestamp(signature, ctx, target) {
    const signer = await clockKey(clockPath(target.url));
    const t: ClockToken = {
      localClock: 1,
      time: new Date().toISOString(),
      imprint: b64(await sha256(signature)),
      keyId: b64(await sha256((await signer.publicKey()).spki)),
    };
    t.signature = b64(await signer.sign(signed(t)));
    ctx.log.debug(`local clock ${target.url} stamped ${t.time}`);
    return enc.encode(JSON.stringify(t));
  },
  recognizes: (token: Uint8Array) => new TextDecoder().decode(token.subarray(0, 16)) === MARK,
  verify: (token, signature, _trust, ctx) => verifyToken(token, signature, ctx),
};

/** The plugin: `--plugin examples/plugins/local_clock.ts`, then `--timestamp-server-url localclock:///…`. */
const plugin: Plugin = definePlugin({
  name: "example-local-clock",
  apiVersion: 1,
  description: "a local signing clock as timestamp authority (example)",
  timestamps: [localClock],
});

export default plugin;
