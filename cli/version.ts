/** The cosign-ts version, printed by `cosign-ts version`. */
export const VERSION = "0.1.0";
