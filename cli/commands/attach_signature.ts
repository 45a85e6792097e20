/**
 * `cosign-ts attach signature`: stores a signature made elsewhere (e.g. over the payload from
 * `cosign-ts generate`) in the image's signature image, as `cosign attach signature` does.
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import { readAll } from "../../core/read_all.ts";
import { str } from "../args.ts";
import type { Command, IO } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { attachSignature, checkImageReference } from "../../plugins/artifact-oci/mod.ts";

/** Largest signature read from standard input (base64 signatures are a few hundred bytes). */
const MAX_SIGNATURE_INPUT = 16 * 1024 * 1024;

async function readFileOrFail(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CosignError("IO", `Cannot read ${what} "${path}": ${(e as Error).message}`, {
      hint: `Check the path given to --${what}.`,
    });
  }
}

/** The signature: "-" (stdin), a file, or the base64 text itself. */
async function signatureText(ref: string, io: IO): Promise<string> {
  let text: string;
  if (ref === "-") {
    text = new TextDecoder().decode(
      await readAll(io.stdin(), MAX_SIGNATURE_INPUT, "the signature from standard input"),
    );
  } else {
    try {
      text = new TextDecoder().decode(await readFile(ref));
    } catch (e) {
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(ref) && ref.length % 4 === 0) text = ref;
      else {
        throw new CosignError(
          "IO",
          `Cannot read signature "${ref}": ${(e as Error).message}`,
          {
            hint:
              "Give --signature a file holding the base64 signature, - for stdin, or the base64 text.",
          },
        );
      }
    }
  }
  const clean = text.trim();
  if (clean === "") throw new CosignError("INVALID_INPUT", "empty signature");
  if (!/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(clean)) {
    throw new CosignError("INVALID_INPUT", `The signature from "${ref}" is not base64`, {
      hint: "cosign stores signatures base64-encoded: encode raw signatures with `base64 -w0`.",
    });
  }
  return clean.replace(/[\r\n]/g, "");
}

/** The attach signature command. */
export const command: Command = {
  name: "attach signature",
  summary: "Attach signatures to the supplied container image.",
  usage:
    "cosign-ts attach signature --payload FILE --signature FILE|BASE64|- [--certificate FILE] IMAGE",
  examples: [
    "cosign-ts generate localhost:5000/app:v1 > payload.json",
    "openssl dgst -sha256 -sign key.pem payload.json | base64 -w0 > payload.sig",
    "cosign-ts attach signature --payload payload.json --signature payload.sig localhost:5000/app:v1",
  ],
  flags: [
    {
      name: "payload",
      type: "string",
      placeholder: "FILE",
      description: "The signed payload (default: the payload cosign-ts generate prints).",
    },
    {
      name: "signature",
      type: "string",
      placeholder: "FILE|BASE64|-",
      description: "The base64 signature: a file, the text itself, or - for standard input.",
    },
    {
      name: "certificate",
      type: "string",
      placeholder: "FILE",
      description: "PEM certificate of the signing key, stored with the signature.",
    },
    {
      name: "certificate-chain",
      type: "string",
      placeholder: "FILE",
      description: "PEM certificate chain, stored with the signature.",
    },
    ...REGISTRY_FLAGS,
  ],
  args: { min: 1, max: 1 },
  async run({ flags, args, ctx, io }) {
    const sigRef = str(flags, "signature");
    if (!sigRef) {
      throw new CosignError("USAGE", "attach signature needs --signature", {
        hint: "Pass --signature FILE (base64), or - to read it from standard input.",
      });
    }
    const b64 = await signatureText(sigRef, io);
    checkImageReference(args[0]);
    const payloadPath = str(flags, "payload");
    const certPath = str(flags, "certificate");
    const chainPath = str(flags, "certificate-chain");
    const dec = new TextDecoder();
    await attachSignature(ctx, {
      image: args[0],
      signature: b64,
      payload: payloadPath ? await readFileOrFail(payloadPath, "payload") : undefined,
      certificate: certPath ? dec.decode(await readFileOrFail(certPath, "certificate")) : undefined,
      chain: chainPath
        ? dec.decode(await readFileOrFail(chainPath, "certificate-chain"))
        : undefined,
    });
    return 0;
  },
};
