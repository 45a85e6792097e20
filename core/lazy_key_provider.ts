/**
 * A {@link KeyProvider} whose implementation loads on first use: what a plugin's light entry
 * (`plugins/<name>/plugin.ts`, listed in main.ts) registers, so the scheme and description load
 * with every command while the client code (HTTP, crypto, FFI) loads only when a key of that
 * scheme is used. One helper instead of the same delegating object in every key plugin.
 *
 * @example
 * ```ts
 * const entry = lazyKeyProvider(
 *   { scheme: "hashivault", description: "HashiCorp Vault transit keys" },
 *   async () => (await import("./vault_provider.ts")).vaultKeyProvider,
 * );
 * export default definePlugin({ name: "kms-vault", apiVersion: 1, keys: [entry] });
 * ```
 * @module
 */
import type {
  Context,
  GenerateOptions,
  KeyProvider,
  PublicKeyMaterial,
  Signer,
  SignerOptions,
  Verifier,
} from "./plugin.ts";

/** What the light entry declares without loading the implementation. */
export interface LazyKeyProviderEntry {
  /** The scheme, as {@link KeyProvider.scheme}. */
  scheme: string;
  /** One line for `--help`, as {@link KeyProvider.description}. */
  description: string;
  /** URL schemes, as {@link KeyProvider.urlSchemes}. */
  urlSchemes?: readonly string[];
  /** The implementation has `verifier` (default true). */
  verifier?: boolean;
  /** The implementation has `generate` (default true). */
  generate?: boolean;
}

/**
 * A provider that calls `load()` (once) on the first `signer`, `verifier` or `generate` and
 * delegates to what it returns. `verifier` and `generate` exist only when the entry says so
 * (commands check their presence). Errors of `load()` and of the implementation pass through.
 */
export function lazyKeyProvider(
  entry: LazyKeyProviderEntry,
  load: () => Promise<KeyProvider>,
): KeyProvider {
  let loaded: Promise<KeyProvider> | undefined;
  const impl = () => loaded ??= load();
  const provider: KeyProvider = {
    scheme: entry.scheme,
    description: entry.description,
    ...(entry.urlSchemes ? { urlSchemes: entry.urlSchemes } : {}),
    async signer(ref: string, ctx: Context, options?: SignerOptions): Promise<Signer> {
      return await (await impl()).signer(ref, ctx, options);
    },
  };
  if (entry.verifier !== false) {
    provider.verifier = async (
      ref: string,
      ctx: Context,
      options?: SignerOptions,
    ): Promise<Verifier> => await (await impl()).verifier!(ref, ctx, options);
  }
  if (entry.generate !== false) {
    provider.generate = async (
      ref: string,
      ctx: Context,
      options?: GenerateOptions,
    ): Promise<PublicKeyMaterial> => await (await impl()).generate!(ref, ctx, options);
  }
  return provider;
}
