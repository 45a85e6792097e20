/**
 * The budget for reading one image's signature layers: every layer is held in memory (and
 * fetched with one request), so before anything is fetched the distinct layers' declared sizes
 * must sum to at most `client.maxSignatureBytes` (`COSIGN_TS_MAX_SIGNATURE_BYTES`, default
 * 256 MiB) and their number be at most `client.maxSignatureLayers`
 * (`COSIGN_TS_MAX_SIGNATURE_LAYERS`, default 1000). The client checks each layer against its
 * declared size while reading, so the sum bounds the memory really used.
 *
 * @example
 * ```ts
 * checkSignatureBudget(client, distinctLayers, referenceString(sigRef));
 * ```
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { RegistryClient } from "../../oci/client.ts";

/**
 * Throws CosignError("TOO_LARGE") naming the budget and the variable that raises it when
 * `layers` (distinct by digest) exceed the client's signature budget; `where` names the
 * signature image in the message.
 */
export function checkSignatureBudget(
  client: Pick<RegistryClient, "maxSignatureBytes" | "maxSignatureLayers">,
  layers: readonly { size: number }[],
  where: string,
): void {
  if (layers.length > client.maxSignatureLayers) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot read the signatures at ${where}: ${layers.length} layers is over the limit of ${client.maxSignatureLayers} for one image`,
      {
        hint:
          "If this is expected, raise the limit with COSIGN_TS_MAX_SIGNATURE_LAYERS (e.g. 5000).",
      },
    );
  }
  const total = layers.reduce((n, l) => n + l.size, 0);
  if (total > client.maxSignatureBytes) {
    throw new CosignError(
      "TOO_LARGE",
      `Cannot read the signatures at ${where}: their ${layers.length} layers total ${total} bytes, over the budget of ${client.maxSignatureBytes} bytes for one image`,
      {
        hint:
          "If this is expected, raise the budget with COSIGN_TS_MAX_SIGNATURE_BYTES (bytes, e.g. 536870912 or 512MiB).",
      },
    );
  }
}
