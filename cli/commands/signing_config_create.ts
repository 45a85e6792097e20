/**
 * `cosign-ts signing-config create`: writes a Sigstore signing config (v0.2) as
 * `cosign signing-config create` does. Each service is a repeatable flag taking cosign's
 * comma-separated key=value list (`url`, `api-version`, `start-time`, `operator` required,
 * `end-time` optional); `--rekor-config`/`--tsa-config` (ANY, ALL or EXACT:<count>) are required
 * with `--rekor`/`--tsa`. The result is read back with the same parser signing uses before it is
 * printed or written to `--out`.
 *
 * @example
 * ```sh
 * cosign-ts signing-config create \
 *   --fulcio="url=https://fulcio.sigstore.dev,api-version=1,start-time=2024-01-01T00:00:00Z,operator=sigstore.dev" \
 *   --rekor="url=https://rekor.sigstore.dev,api-version=1,start-time=2024-01-01T00:00:00Z,operator=sigstore.dev" \
 *   --rekor-config=ANY --out signing-config.json
 * ```
 * @module
 */
import { list, str } from "../args.ts";
import type { Command } from "../command.ts";
import { CosignError } from "../../core/errors.ts";
import { writeFileAtomic } from "../atomic_write.ts";
import { parseSpec, parseTime } from "./trusted_root_create.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const SPEC_HELP = "as a comma-separated key-value list. Required keys: url, api-version " +
  "(integer), start-time, operator. Optional keys: end-time.";

function service(flag: string, spec: string): Json {
  const kv = parseSpec(flag, spec, ["url", "api-version", "start-time", "operator"]);
  const version = Number(kv["api-version"]);
  if (!Number.isInteger(version) || version < 1) {
    throw new CosignError(
      "USAGE",
      `Cannot parse --${flag} "${spec}": api-version "${
        kv["api-version"]
      }" is not a positive integer`,
    );
  }
  const start = parseTime(`${flag} start-time`, kv["start-time"])!;
  const end = parseTime(`${flag} end-time`, kv["end-time"]);
  const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");
  return {
    url: kv.url,
    majorApiVersion: version,
    validFor: end ? { start: iso(start), end: iso(end) } : { start: iso(start) },
    operator: kv.operator,
  };
}

function selection(flag: string, value: string | undefined, needed: boolean): Json {
  if (value === undefined) {
    if (needed) {
      throw new CosignError(
        "USAGE",
        `--${flag} is required with --${flag.replace(/-config$/, "")}`,
        {
          hint: "One of: ANY, ALL, EXACT:<count>.",
        },
      );
    }
    return undefined;
  }
  if (value === "ANY" || value === "ALL") return { selector: value };
  const m = /^EXACT:(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1) {
    throw new CosignError("USAGE", `Cannot parse --${flag} "${value}"`, {
      hint: "One of: ANY, ALL, EXACT:<count> (count at least 1).",
    });
  }
  return { selector: "EXACT", count: Number(m[1]) };
}

/** The signing-config create command. */
export const command: Command = {
  name: "signing-config create",
  summary: "Create a Sigstore protobuf signing config.",
  usage: "cosign-ts signing-config create [--fulcio SPEC] [--rekor SPEC --rekor-config SEL] " +
    "[--oidc-provider SPEC] [--tsa SPEC --tsa-config SEL] [--out FILE]",
  examples: [
    'cosign-ts signing-config create --fulcio="url=https://fulcio.sigstore.dev,api-version=1,' +
    'start-time=2024-01-01T00:00:00Z,operator=sigstore.dev" --rekor="url=https://rekor.sigstore.dev,' +
    'api-version=1,start-time=2024-01-01T00:00:00Z,operator=sigstore.dev" --rekor-config=ANY ' +
    "--out signing-config.json",
  ],
  flags: [
    {
      name: "fulcio",
      type: "strings",
      placeholder: "SPEC",
      description: `fulcio service specification, ${SPEC_HELP}`,
    },
    {
      name: "rekor",
      type: "strings",
      placeholder: "SPEC",
      description: `rekor service specification, ${SPEC_HELP}`,
    },
    {
      name: "rekor-config",
      type: "string",
      placeholder: "SEL",
      description:
        "rekor configuration. Required if --rekor is provided. One of: ANY, ALL, EXACT:<count>",
    },
    {
      name: "oidc-provider",
      type: "strings",
      placeholder: "SPEC",
      description: `oidc provider specification, ${SPEC_HELP}`,
    },
    {
      name: "tsa",
      type: "strings",
      placeholder: "SPEC",
      description: `timestamping authority specification, ${SPEC_HELP}`,
    },
    {
      name: "tsa-config",
      type: "string",
      placeholder: "SEL",
      description:
        "timestamping authority configuration. Required if --tsa is provided. One of: ANY, ALL, EXACT:<count>",
    },
    {
      name: "out",
      type: "string",
      placeholder: "FILE",
      description: "path to output signing config",
    },
  ],
  args: { max: 0 },
  async run({ flags, io }) {
    const { SIGNING_CONFIG_MEDIA_TYPE, parseSigningConfig } = await import(
      "../../core/signing_config.ts"
    );
    const config: Json = { mediaType: SIGNING_CONFIG_MEDIA_TYPE };
    const add = (field: string, flag: string) => {
      const specs = list(flags, flag);
      if (specs.length) config[field] = specs.map((s) => service(flag, s));
    };
    add("caUrls", "fulcio");
    add("oidcUrls", "oidc-provider");
    add("rekorTlogUrls", "rekor");
    const rekorConfig = selection(
      "rekor-config",
      str(flags, "rekor-config"),
      !!config.rekorTlogUrls,
    );
    if (rekorConfig) config.rekorTlogConfig = rekorConfig;
    add("tsaUrls", "tsa");
    const tsaConfig = selection("tsa-config", str(flags, "tsa-config"), !!config.tsaUrls);
    if (tsaConfig) config.tsaConfig = tsaConfig;
    const text = JSON.stringify(config);
    parseSigningConfig(text, "(created)"); // what signing will read must parse
    const out = str(flags, "out");
    if (out) await writeFileAtomic(out, text, 0o600);
    else await io.out(text + "\n");
  },
};
