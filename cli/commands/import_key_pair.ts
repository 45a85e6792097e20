/**
 * `cosign-ts import-key-pair --key PEM`: converts an unencrypted PEM private key (EC as SEC1 or
 * PKCS#8, RSA of 2048/3072/4096 bits as PKCS#1 or PKCS#8, Ed25519 as PKCS#8) into cosign's
 * encrypted key format,
 * writing `P.key` (mode 0600) and `P.pub`.
 * @module
 */
import { bool, str } from "../args.ts";
import type { Command } from "../command.ts";
import { YES_OVERWRITE_FLAG } from "../common_flags.ts";
import { CosignError } from "../../core/errors.ts";

/** RSA modulus sizes cosign imports. */
const RSA_SIZES = [2048, 3072, 4096];

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
    YES_OVERWRITE_FLAG,
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
    // cosign (sigstore's algorithm registry) takes RSA keys of 2048, 3072 and 4096 bits only.
    const bits = key.type === "rsa" ? key.n.toString(2).length : 0;
    if (key.type === "rsa" && !RSA_SIZES.includes(bits)) {
      throw new CosignError(
        "KEY",
        `Cannot import "${ref}": a ${bits}-bit RSA key is ` +
          (bits < 2048 ? "too small" : "not a size cosign supports"),
        { hint: "Use an RSA key of 2048, 3072 or 4096 bits, or an ECDSA or Ed25519 key." },
      );
    }
    const written = await writeKeyPair(prefix, key, ctx, { force: bool(flags, "yes") });
    io.err(`Private key written to ${written.keyPath}\n`);
    io.err(`Public key written to ${written.pubPath}\n`);
    return 0;
  },
};
