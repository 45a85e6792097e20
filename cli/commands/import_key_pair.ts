/**
 * `cosign-ts import-key-pair --key PEM`: converts an unencrypted PEM private key (EC as SEC1 or
 * PKCS#8, RSA as PKCS#1 or PKCS#8, Ed25519 as PKCS#8) into cosign's encrypted key format,
 * writing `P.key` (mode 0600) and `P.pub`.
 * @module
 */
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { CosignError } from "../../core/errors.ts";

/** The import-key-pair command. */
export const command: Command = {
  name: "import-key-pair",
  summary: "Imports a PEM-encoded RSA, EC or Ed25519 private key.",
  usage: "cosign-ts import-key-pair --key PEM [--output-key-prefix P] [-y]",
  examples: [
    "cosign-ts import-key-pair --key openssl.key",
    "cosign-ts import-key-pair --key openssl.key --output-key-prefix my-key",
  ],
  flags: [
    {
      name: "key",
      short: "k",
      type: "string",
      placeholder: "FILE",
      description: "The PEM private key to import.",
    },
    {
      name: "output-key-prefix",
      short: "o",
      type: "string",
      default: "import-cosign",
      placeholder: "PREFIX",
      description: "Write the keys to PREFIX.key and PREFIX.pub.",
    },
    {
      name: "yes",
      short: "y",
      type: "boolean",
      description: "Skip confirmation prompts (overwrite existing files).",
    },
  ],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const ref = str(flags, "key");
    if (!ref) {
      throw new CosignError("USAGE", "import-key-pair needs --key", {
        hint: "Usage: cosign-ts import-key-pair --key openssl.key",
      });
    }
    const prefix = str(flags, "output-key-prefix") || "import-cosign";
    const { readKeyFile, writeKeyPair } = await import("../../plugins/key-file/mod.ts");
    const { isEncryptedPrivateKeyPem, parsePrivateKeyPem } = await import(
      "../../core/keys/mod.ts"
    );
    const text = await readKeyFile(ref);
    if (isEncryptedPrivateKeyPem(text)) {
      throw new CosignError("KEY", `Cannot import "${ref}": it is already a cosign key`, {
        hint: "Use it directly with --key; import-key-pair converts plain PEM keys.",
      });
    }
    const key = parsePrivateKeyPem(text, ref);
    if (key.type === "rsa" && key.n.toString(2).length < 2048) {
      throw new CosignError(
        "KEY",
        `Cannot import "${ref}": a ${key.n.toString(2).length}-bit RSA key is too small`,
        { hint: "Use an RSA key of at least 2048 bits, or an ECDSA or Ed25519 key." },
      );
    }
    const written = await writeKeyPair(prefix, key, ctx, { force: bool(flags, "yes") });
    io.err(`Private key written to ${written.keyPath}\n`);
    io.err(`Public key written to ${written.pubPath}\n`);
    return 0;
  },
};
