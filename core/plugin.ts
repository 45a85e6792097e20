/**
 * The three plugin contracts (artifact, key provider, transparency log), the {@link Context}
 * every plugin receives, and the {@link PluginRegistry} that dispatches references to plugins.
 *
 * Built-in plugins are listed in `main.ts`; third-party plugins are ES modules whose default
 * export is `definePlugin({...})`, loaded at run time with `--plugin` or `COSIGN_TS_PLUGINS`.
 *
 * @example
 * ```ts
 * import { definePlugin } from "cosign-ts/mod.ts";
 * export default definePlugin({
 *   name: "example",
 *   apiVersion: 1,
 *   keys: [{ scheme: "env", description: "PEM key in an environment variable", signer: ... }],
 * });
 * ```
 * @module
 */

import { CosignError } from "./errors.ts";
import type { Runtime } from "./runtime.ts";

/** The plugin API version this build implements. */
export const PLUGIN_API_VERSION = 1 as const;

/** Hash functions used for pre-hashed signing and verification. */
export type HashAlgorithm = "sha256" | "sha384" | "sha512";

/** A public key: DER SubjectPublicKeyInfo plus its PEM (`-----BEGIN PUBLIC KEY-----`). */
export interface PublicKeyMaterial {
  /** DER-encoded SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** PEM text of the same key, ending in a newline. */
  pem: string;
}

/**
 * Something that signs. Signatures are in cosign's wire form: ASN.1 DER for ECDSA, PKCS#1 v1.5
 * or PSS for RSA, 64 raw bytes for Ed25519.
 */
export interface Signer {
  /** Algorithm name, e.g. "ecdsa-p256-sha256", "rsa-pkcs1v15-sha256", "ed25519". */
  readonly algorithm: string;
  /** The hash {@link Signer.signDigest} expects; absent for pure Ed25519. */
  readonly hash?: HashAlgorithm;
  /** The public half. */
  publicKey(): Promise<PublicKeyMaterial>;
  /** PEM certificates that come with the key (leaf first), if any (hardware tokens, KMS). */
  certificateChain?(): Promise<string[] | undefined>;
  /** Signs a whole message (hashing it as the algorithm requires). */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Signs a digest computed with {@link Signer.hash}; lets large inputs be streamed. */
  signDigest?(digest: Uint8Array): Promise<Uint8Array>;
  /** Releases sessions or handles. */
  close?(): Promise<void>;
}

/** Something that verifies signatures made by a {@link Signer}. */
export interface Verifier {
  /** Algorithm name, as in {@link Signer.algorithm}. */
  readonly algorithm: string;
  /** The hash {@link Verifier.verifyDigest} expects; absent for pure Ed25519. */
  readonly hash?: HashAlgorithm;
  /** The key verified against. */
  publicKey(): Promise<PublicKeyMaterial>;
  /** True when `signature` is valid over `message`. Never throws for a bad signature. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** True when `signature` is valid over a digest computed with {@link Verifier.hash}. */
  verifyDigest?(digest: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** Options a command passes when asking for a signer. */
export interface SignerOptions {
  /** RSA only: use RSASSA-PSS instead of PKCS#1 v1.5. */
  rsaPss?: boolean;
}

/** Options for generating a key in a provider (KMS, hardware token, file). */
export interface GenerateOptions {
  /** Overwrite without asking. */
  force?: boolean;
}

/**
 * A key provider: turns a key reference into a signer or verifier. Dispatch is on the scheme of
 * the reference (`hashivault://k` → "hashivault", `pkcs11:token=…` → "pkcs11"); references
 * without a registered scheme go to the "file" provider.
 */
export interface KeyProvider {
  /** The scheme without "://" or ":", e.g. "file", "hashivault", "awskms", "k8s", "pkcs11". */
  readonly scheme: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** A signer for the reference. */
  signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer>;
  /** A verifier for the reference (a public key, or the public half of a private key). */
  verifier?(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier>;
  /** Creates a new key at the reference and returns its public half. */
  generate?(ref: string, ctx: Context, options?: GenerateOptions): Promise<PublicKeyMaterial>;
}

/** A content digest. */
export interface Digest {
  /** Only "sha256" is produced by cosign; others may be read. */
  algorithm: "sha256" | "sha384" | "sha512";
  /** Lower-case hex. */
  hex: string;
}

/** A resolved artifact: something that can be digested and read. */
export interface Artifact {
  /** The artifact type's kind, e.g. "oci", "blob", "wasm". */
  readonly kind: string;
  /** The reference as the user wrote it. */
  readonly ref: string;
  /**
   * The digest that gets signed. `algorithm` (optional, default "sha256") asks for another
   * hash, e.g. for keys whose signature scheme uses SHA-384; artifact types that cannot compute
   * it throw CosignError("UNSUPPORTED").
   */
  digest(algorithm?: HashAlgorithm): Promise<Digest>;
  /** The content, streamed. */
  open?(): Promise<ReadableStream<Uint8Array>>;
}

/** An artifact plugin: claims references and resolves them. */
export interface ArtifactType {
  /** "oci", "blob", "wasm", "tekton", "ebpf", … */
  readonly kind: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** True when this plugin handles the reference. The first registered claimant wins. */
  claims(ref: string): boolean;
  /** Resolves the reference. */
  resolve(ref: string, ctx: Context): Promise<Artifact>;
}

/** A transparency log entry in the Sigstore protobuf JSON form (`TransparencyLogEntry`). */
export type TlogEntry = Record<string, unknown>;

/** What to submit to a transparency log. */
export interface TlogSubmission {
  /** "hashedrekord" (message signature) or "dsse" (envelope). */
  kind: "hashedrekord" | "dsse";
  /** The signature (hashedrekord) or the envelope JSON (dsse). */
  signature?: Uint8Array;
  /** SHA-256 of the artifact (hashedrekord). */
  digest?: Uint8Array;
  /** DSSE envelope JSON text (dsse). */
  envelope?: string;
  /** PEM public key or certificate of the signer. */
  verificationMaterial: string;
}

/** A transparency log plugin (Rekor v1, Rekor v2, …). */
export interface TransparencyLog {
  /** e.g. "rekor". */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /**
   * Submits an entry and returns it with its inclusion promise/proof. `majorApiVersion` picks
   * the log's API (Rekor: 1 or 2, as a signing config names it); default 1.
   */
  submit(
    submission: TlogSubmission,
    ctx: Context,
    options?: { url?: string; majorApiVersion?: number },
  ): Promise<TlogEntry>;
}

/** A plugin: any mix of artifact types, key providers and transparency logs. */
export interface Plugin {
  /** Unique name. */
  name: string;
  /** Must be {@link PLUGIN_API_VERSION}. */
  apiVersion: 1;
  /** Artifact types this plugin adds. */
  artifacts?: ArtifactType[];
  /** Key providers this plugin adds. */
  keys?: KeyProvider[];
  /** Transparency logs this plugin adds. */
  tlogs?: TransparencyLog[];
}

/** Diagnostics sink. Messages go to stderr; debug only with `--verbose`. */
export interface Logger {
  /** Progress and checks performed, as cosign prints them. */
  info(message: string): void;
  /** Something the user should know but that does not stop the command. */
  warn(message: string): void;
  /** Only shown with `--verbose` / `COSIGN_TS_DEBUG=1`. */
  debug(message: string): void;
}

/** A request for a password. */
export interface PasswordRequest {
  /** What the password is for, shown in the prompt: e.g. `private key "cosign.key"`. */
  purpose: string;
  /** Ask twice and compare (when creating a key). */
  confirm?: boolean;
}

/** Everything a plugin may use from its host. Built-in and third-party plugins get the same. */
export interface Context {
  /** The runtime adapter. */
  runtime: Runtime;
  /** The registry, to reach other plugins. */
  plugins: PluginRegistry;
  /** Environment lookup (tests may substitute it). */
  env(name: string): string | undefined;
  /** Diagnostics to stderr. */
  log: Logger;
  /** Password from COSIGN_PASSWORD, else the terminal; CosignError("ABORTED") when neither. */
  password(request: PasswordRequest): Promise<string>;
  /** Asks a yes/no question; true when `--yes` was given. */
  confirm(question: string): Promise<boolean>;
  /** Cancels long operations. */
  signal?: AbortSignal;
}

function assertPluginShape(p: unknown, origin: string): asserts p is Plugin {
  const fail = (what: string): never => {
    throw new CosignError("PLUGIN", `Cannot load plugin ${origin}: ${what}`, {
      hint: "A plugin module's default export must be definePlugin({ name, apiVersion: 1, ... }).",
    });
  };
  if (typeof p !== "object" || p === null) fail("it is not an object");
  const o = p as Record<string, unknown>;
  if (typeof o.name !== "string" || o.name === "") fail("it has no name");
  if (o.apiVersion !== PLUGIN_API_VERSION) {
    fail(
      `it declares apiVersion ${
        JSON.stringify(o.apiVersion)
      }, this build supports ${PLUGIN_API_VERSION}`,
    );
  }
  for (const field of ["artifacts", "keys", "tlogs"] as const) {
    if (o[field] !== undefined && !Array.isArray(o[field])) fail(`"${field}" is not an array`);
  }
  for (const k of (o.keys as unknown[] | undefined) ?? []) {
    const kp = k as Record<string, unknown>;
    if (typeof kp?.scheme !== "string" || typeof kp.signer !== "function") {
      fail("a key provider lacks a scheme or a signer() function");
    }
  }
  for (const a of (o.artifacts as unknown[] | undefined) ?? []) {
    const at = a as Record<string, unknown>;
    if (
      typeof at?.kind !== "string" || typeof at.claims !== "function" ||
      typeof at.resolve !== "function"
    ) fail("an artifact type lacks kind, claims() or resolve()");
  }
  for (const t of (o.tlogs as unknown[] | undefined) ?? []) {
    const tl = t as Record<string, unknown>;
    if (typeof tl?.name !== "string" || typeof tl.submit !== "function") {
      fail("a transparency log lacks a name or submit()");
    }
  }
}

/**
 * Declares a plugin, checking its shape. Use it as the default export of a plugin module.
 * Throws CosignError("PLUGIN") for a malformed plugin or another apiVersion.
 */
export function definePlugin(plugin: Plugin): Plugin {
  assertPluginShape(plugin, JSON.stringify((plugin as { name?: unknown })?.name ?? "?"));
  return plugin;
}

/** The result of looking up a key reference. */
export interface KeyResolution {
  /** The provider that handles it. */
  provider: KeyProvider;
  /** The reference, unchanged. */
  ref: string;
}

/**
 * Holds the loaded plugins and dispatches references: key references by scheme, artifact
 * references by the first plugin whose `claims()` is true.
 */
export class PluginRegistry {
  readonly #plugins: Plugin[] = [];
  readonly #keys = new Map<string, KeyProvider>();

  /** Adds a plugin (after checking its shape). A scheme registered twice is an error. */
  register(plugin: unknown, origin = "(built-in)"): void {
    assertPluginShape(plugin, origin);
    for (const k of plugin.keys ?? []) {
      const existing = this.#keys.get(k.scheme);
      if (existing) {
        throw new CosignError(
          "PLUGIN",
          `Cannot load plugin "${plugin.name}" from ${origin}: key scheme "${k.scheme}" is already provided`,
          { hint: "Remove one of the plugins that handle this scheme." },
        );
      }
      this.#keys.set(k.scheme, k);
    }
    this.#plugins.push(plugin);
  }

  /** All registered plugins, built-ins first. */
  get plugins(): readonly Plugin[] {
    return this.#plugins;
  }

  /** All key providers. */
  keyProviders(): KeyProvider[] {
    return [...this.#keys.values()];
  }

  /** All artifact types, in registration order. */
  artifactTypes(): ArtifactType[] {
    return this.#plugins.flatMap((p) => p.artifacts ?? []);
  }

  /** All transparency logs. */
  tlogs(): TransparencyLog[] {
    return this.#plugins.flatMap((p) => p.tlogs ?? []);
  }

  /**
   * The provider for a key reference: `scheme://…` or `scheme:…` when that scheme is
   * registered, else "file". Throws CosignError("UNSUPPORTED") for an unknown `scheme://`.
   */
  keyProvider(ref: string): KeyResolution {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/)?/.exec(ref);
    if (m) {
      const p = this.#keys.get(m[1].toLowerCase());
      if (p) return { provider: p, ref };
      if (m[2]) {
        throw new CosignError(
          "UNSUPPORTED",
          `Cannot use key "${ref}": no plugin handles "${m[1]}://" keys`,
          {
            hint: `Known key schemes: ${
              [...this.#keys.keys()].join(", ")
            }. Load a plugin with --plugin.`,
          },
        );
      }
    }
    const file = this.#keys.get("file");
    if (!file) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot use key "${ref}": no file key provider is loaded`,
      );
    }
    return { provider: file, ref };
  }

  /** A signer for a key reference. */
  async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
    const { provider } = this.keyProvider(ref);
    return await provider.signer(ref, ctx, options);
  }

  /** A verifier for a key reference. */
  async verifier(ref: string, ctx: Context, options?: SignerOptions): Promise<Verifier> {
    const { provider } = this.keyProvider(ref);
    if (!provider.verifier) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot verify with key "${ref}": the "${provider.scheme}" provider cannot verify`,
      );
    }
    return await provider.verifier(ref, ctx, options);
  }

  /** The artifact type that claims a reference, or undefined. */
  artifactType(ref: string): ArtifactType | undefined {
    return this.artifactTypes().find((a) => a.claims(ref));
  }

  /** Resolves an artifact reference; CosignError("UNSUPPORTED") when no plugin claims it. */
  async resolve(ref: string, ctx: Context): Promise<Artifact> {
    const t = this.artifactType(ref);
    if (!t) {
      throw new CosignError(
        "UNSUPPORTED",
        `Cannot resolve "${ref}": no artifact plugin claims it`,
        {
          hint: `Known artifact types: ${
            this.artifactTypes().map((a) => a.kind).join(", ") || "none"
          }.`,
        },
      );
    }
    return await t.resolve(ref, ctx);
  }

  /** The transparency log with this name; CosignError("UNSUPPORTED") when none. */
  tlog(name: string): TransparencyLog {
    const t = this.tlogs().find((l) => l.name === name);
    if (!t) {
      throw new CosignError("UNSUPPORTED", `No transparency log plugin named "${name}" is loaded`);
    }
    return t;
  }
}
