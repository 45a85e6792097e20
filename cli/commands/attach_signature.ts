/**
 * `cosign-ts attach signature`: stores a signature made elsewhere (e.g. over the payload from
 * `cosign-ts generate`) in the image's signature image, as `cosign attach signature` does.
 * @module
 */
import { readFile } from "node:fs/promises";
import { CosignError } from "../../core/errors.ts";
import { str } from "../args.ts";
import type { Command, IO } from "../command.ts";
import { REGISTRY_FLAGS } from "../registry_flags.ts";
import { registryClientFor } from "../../oci/registry_options.ts";
import { parseReference, repositoryString, withDigest } from "../../oci/reference.ts";
import { appendSignatures } from "../../plugins/artifact-oci/append_signatures.ts";
import { newSignatureLayer, useDockerMediaTypes } from "../../plugins/artifact-oci/layout.ts";
import { signatureReference } from "../../plugins/artifact-oci/signature_location.ts";
import { simpleSigningPayload } from "../../plugins/artifact-oci/simple_signing.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream) parts.push(p);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

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
  if (ref === "-") text = new TextDecoder().decode(await readAll(io.stdin()));
  else {
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
    const ref = parseReference(args[0]);
    const client = registryClientFor(ctx);
    const digest = await client.resolveDigest(ref);
    const payloadPath = str(flags, "payload");
    const payload = payloadPath
      ? await readFileOrFail(payloadPath, "payload")
      : simpleSigningPayload(repositoryString(ref), digest, null);
    const certPath = str(flags, "certificate");
    const chainPath = str(flags, "certificate-chain");
    const dec = new TextDecoder();
    const certificate = certPath
      ? dec.decode(await readFileOrFail(certPath, "certificate"))
      : undefined;
    const chainText = chainPath
      ? dec.decode(await readFileOrFail(chainPath, "certificate-chain"))
      : undefined;
    const layer = newSignatureLayer(payload, b64, {
      certificate,
      chain: chainText ? [chainText.trimEnd()] : undefined,
    });
    const at = signatureReference(withDigest(ref, digest), digest, "sig", (n) => ctx.env(n));
    await appendSignatures(client, at, [layer], {
      docker: useDockerMediaTypes((n) => ctx.env(n)),
      log: ctx.log,
    });
    return 0;
  },
};
