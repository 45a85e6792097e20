/**
 * `cosign-ts public-key --key REF [--outfile F]`: prints (or writes) the PEM public key of a
 * key reference: a cosign private key (asks for its password), a PEM private or public key, a
 * certificate, or any key provider's reference (`hashivault://k`, `pkcs11:…`).
 * @module
 */
import { str } from "../args.ts";
import type { Command } from "../command.ts";
import { CosignError } from "../../core/errors.ts";
import { keyReference, SECURITY_KEY_FLAGS } from "../security_key.ts";

/** The public-key command. */
export const command: Command = {
  name: "public-key",
  summary: "Gets a public key from the key-pair.",
  usage: "cosign-ts public-key --key REF [--outfile F]",
  examples: [
    "cosign-ts public-key --key cosign.key",
    "cosign-ts public-key --key cosign.key --outfile cosign.pub",
    "cosign-ts public-key --key hashivault://release-key",
    "cosign-ts public-key --sk --slot signature",
  ],
  flags: [
    {
      name: "key",
      type: "string",
      placeholder: "REF",
      description: "Path to the private key file, KMS URI or other key reference.",
    },
    {
      name: "outfile",
      type: "string",
      placeholder: "FILE",
      description: "Write the public key to FILE instead of standard output.",
    },
    ...SECURITY_KEY_FLAGS,
  ],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const ref = keyReference(flags);
    if (!ref) {
      throw new CosignError("USAGE", "public-key needs --key or --sk", {
        hint: "Usage: cosign-ts public-key --key cosign.key",
      });
    }
    const { provider } = ctx.plugins.keyProvider(ref);
    const holder = provider.verifier
      ? await provider.verifier(ref, ctx)
      : await provider.signer(ref, ctx);
    const { pem } = await holder.publicKey();
    const outfile = str(flags, "outfile");
    if (outfile) {
      const { writeFileAtomic } = await import("../atomic_write.ts");
      await writeFileAtomic(outfile, pem, { mode: 0o644, exactMode: true });
      io.err(`Public key written to ${outfile}\n`);
    } else {
      await io.out(pem);
    }
    return 0;
  },
};
