/**
 * `cosign-ts trusted-root create`: writes a Sigstore trusted root from verification material, as
 * `cosign trusted-root create` does. Services are given either as cosign's key=value specs
 * (`--fulcio url=…,certificate-chain=FILE[,start-time=…,end-time=…]`,
 * `--rekor url=…,public-key=FILE,start-time=…[,end-time=…,origin=NAME]`, `--ctfe …`,
 * `--tsa url=…,certificate-chain=FILE`) or with cosign's older per-item flags
 * (`--certificate-chain`, `--rekor-key FILE[,ORIGIN]`, `--ctfe-key`, `--timestamp-certificate-chain`
 * and their `-url`/`-uri`/`-start-time`/`-end-time` companions; a log without a start time starts
 * at the Unix epoch, as cosign writes it). `--with-default-services` starts from the embedded
 * public-good trusted root. Prints the JSON, or writes it to `--out` (mode 0600).
 *
 * @example
 * ```sh
 * cosign-ts trusted-root create --certificate-chain ca.pem --rekor-key rekor.pub --out trusted_root.json
 * ```
 * @module
 */
import { bool, list, str } from "../args.ts";
import type { Command } from "../command.ts";
import { CosignError } from "../../core/errors.ts";
import type { AuthoritySpec, LogSpec } from "../../core/trust/create_trusted_root.ts";
import { readSmallFile } from "../blob_input.ts";
import { writeFileAtomic } from "../atomic_write.ts";

const dec = new TextDecoder();

/** Reads a PEM file given on the command line (at most 1 MiB). */
export async function readPemFile(path: string, what: string): Promise<string> {
  return dec.decode(await readSmallFile(path, 1024 * 1024, what));
}

/**
 * Parses cosign's comma-separated `key=value` service spec. Throws CosignError("USAGE") for a
 * pair without "=" or a missing required key.
 */
export function parseSpec(flag: string, spec: string, required: string[]): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const pair of spec.split(",")) {
    const eq = pair.indexOf("=");
    if (eq < 0) {
      throw new CosignError(
        "USAGE",
        `Cannot parse --${flag} "${spec}": "${pair}" is not key=value`,
        {
          hint: `Example: --${flag} "url=https://…,${
            required.slice(1).map((k) => `${k}=…`).join(",")
          }"`,
        },
      );
    }
    kv[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  for (const k of required) {
    if (!kv[k]) {
      throw new CosignError("USAGE", `Cannot parse --${flag} "${spec}": "${k}" is missing`, {
        hint: `--${flag} needs ${required.join(", ")}.`,
      });
    }
  }
  return kv;
}

/** Parses an RFC 3339 time flag. Throws CosignError("USAGE"). */
export function parseTime(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined || value === "") return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || isNaN(d.getTime())) {
    throw new CosignError("USAGE", `Cannot parse --${flag} "${value}": not an RFC 3339 time`, {
      hint: "Example: 2025-01-01T00:00:00Z",
    });
  }
  return d;
}

const strings = (name: string, description: string, placeholder = "SPEC") => ({
  name,
  type: "strings" as const,
  placeholder,
  description,
});

/** The trusted-root create command. */
export const command: Command = {
  name: "trusted-root create",
  summary: "Create a Sigstore protobuf trusted root.",
  usage:
    "cosign-ts trusted-root create [--fulcio SPEC] [--rekor SPEC] [--ctfe SPEC] [--tsa SPEC] " +
    "[--with-default-services] [--out FILE]",
  examples: [
    "cosign-ts trusted-root create --fulcio url=https://fulcio.example,certificate-chain=ca.pem " +
    "--rekor url=https://rekor.example,public-key=rekor.pub,start-time=2024-01-01T00:00:00Z --out trusted_root.json",
    "cosign-ts trusted-root create --certificate-chain ca.pem --rekor-key rekor.pub,log.example --out trusted_root.json",
  ],
  flags: [
    strings("fulcio", "Fulcio CA: url=URL,certificate-chain=FILE[,start-time=T,end-time=T]"),
    strings(
      "rekor",
      "transparency log: url=URL,public-key=FILE,start-time=T[,end-time=T,origin=NAME]",
    ),
    strings("ctfe", "CT log: url=URL,public-key=FILE,start-time=T[,end-time=T]"),
    strings("tsa", "timestamp authority: url=URL,certificate-chain=FILE[,start-time=T,end-time=T]"),
    {
      name: "with-default-services",
      type: "boolean",
      description: "start from the embedded public-good trusted root",
    },
    {
      name: "no-default-fulcio",
      type: "boolean",
      description: "with --with-default-services: leave out its Fulcio CAs",
    },
    {
      name: "no-default-ctfe",
      type: "boolean",
      description: "with --with-default-services: leave out its CT logs",
    },
    {
      name: "no-default-rekor",
      type: "boolean",
      description: "with --with-default-services: leave out its Rekor logs",
    },
    {
      name: "no-default-tsa",
      type: "boolean",
      description: "with --with-default-services: leave out its TSAs",
    },
    strings(
      "certificate-chain",
      "path to a PEM CA chain for the signing certificate (intermediate first, root last)",
      "FILE",
    ),
    strings("fulcio-uri", "URI of the Fulcio server issuing certificates", "URI"),
    strings("ctfe-key", "path to a PEM public key of a certificate transparency log", "FILE"),
    strings("ctfe-start-time", "RFC 3339 validity start of the CT log key", "TIME"),
    strings("ctfe-end-time", "RFC 3339 validity end of the CT log key", "TIME"),
    strings("ctfe-url", "URL of the certificate transparency log", "URL"),
    strings(
      "rekor-key",
      "path to a PEM public key of a transparency log (Rekor v2: FILE,ORIGIN)",
      "FILE",
    ),
    strings("rekor-start-time", "RFC 3339 validity start of the transparency log key", "TIME"),
    strings("rekor-end-time", "RFC 3339 validity end of the transparency log key", "TIME"),
    strings("rekor-url", "URL of the transparency log", "URL"),
    strings(
      "timestamp-certificate-chain",
      "path to the PEM chain of an RFC 3161 TSA (leaf first)",
      "FILE",
    ),
    strings("timestamp-uri", "URI of the timestamp authority server", "URI"),
    {
      name: "out",
      type: "string",
      placeholder: "FILE",
      description: "path to output trusted root",
    },
  ],
  args: { max: 0 },
  async run({ flags, io }) {
    const { createTrustedRoot } = await import("../../core/trust/create_trusted_root.ts");
    const pairs = (a: string, b: string[]) => {
      if (list(flags, a).length && b.some((n) => list(flags, n).length)) {
        throw new CosignError("USAGE", `Cannot use --${a} and --${b[0]} at the same time`, {
          hint: `Give each service either as --${a} specs or with the older per-item flags.`,
        });
      }
    };
    pairs("fulcio", ["certificate-chain", "fulcio-uri"]);
    pairs("rekor", ["rekor-key", "rekor-url", "rekor-start-time", "rekor-end-time"]);
    pairs("ctfe", ["ctfe-key", "ctfe-url", "ctfe-start-time", "ctfe-end-time"]);
    pairs("tsa", ["timestamp-certificate-chain", "timestamp-uri"]);

    const authorities = async (flag: string, chainFlag: string, uriFlag: string) => {
      const out: AuthoritySpec[] = [];
      for (const spec of list(flags, flag)) {
        const kv = parseSpec(flag, spec, ["url", "certificate-chain"]);
        out.push({
          url: kv.url,
          chainPem: await readPemFile(kv["certificate-chain"], "certificate chain"),
          start: parseTime(`${flag} start-time`, kv["start-time"]),
          end: parseTime(`${flag} end-time`, kv["end-time"]),
          source: kv["certificate-chain"],
        });
      }
      const uris = list(flags, uriFlag);
      for (const [i, path] of list(flags, chainFlag).entries()) {
        out.push({
          url: uris[i] ?? "",
          chainPem: await readPemFile(path, "certificate chain"),
          source: path,
        });
      }
      return out;
    };
    const logs = async (flag: string, old: string) => {
      const out: LogSpec[] = [];
      for (const spec of list(flags, flag)) {
        const kv = parseSpec(flag, spec, ["url", "public-key", "start-time"]);
        out.push({
          url: kv.url,
          keyPem: await readPemFile(kv["public-key"], "public key"),
          start: parseTime(`${flag} start-time`, kv["start-time"])!,
          end: parseTime(`${flag} end-time`, kv["end-time"]),
          origin: flag === "rekor" ? kv.origin : undefined,
          source: kv["public-key"],
        });
      }
      const urls = list(flags, `${old}-url`);
      const starts = list(flags, `${old}-start-time`);
      const ends = list(flags, `${old}-end-time`);
      for (const [i, value] of list(flags, `${old}-key`).entries()) {
        const [path, origin] = old === "rekor" ? value.split(/,(.*)/s) : [value];
        out.push({
          url: urls[i] ?? "",
          keyPem: await readPemFile(path, "public key"),
          start: parseTime(`${old}-start-time`, starts[i]) ?? new Date(0),
          end: parseTime(`${old}-end-time`, ends[i]),
          origin: origin || undefined,
          source: path,
        });
      }
      return out;
    };
    const created = JSON.parse(
      await createTrustedRoot({
        fulcio: await authorities("fulcio", "certificate-chain", "fulcio-uri"),
        tsa: await authorities("tsa", "timestamp-certificate-chain", "timestamp-uri"),
        rekor: await logs("rekor", "rekor"),
        ctfe: await logs("ctfe", "ctfe"),
      }),
    );
    if (bool(flags, "with-default-services")) {
      const { PUBLIC_GOOD_TRUSTED_ROOT } = await import("../../core/trust/public_good.ts");
      const pg = JSON.parse(PUBLIC_GOOD_TRUSTED_ROOT);
      const keep: [string, string][] = [
        ["certificateAuthorities", "no-default-fulcio"],
        ["ctlogs", "no-default-ctfe"],
        ["tlogs", "no-default-rekor"],
        ["timestampAuthorities", "no-default-tsa"],
      ];
      for (const [k, off] of keep) {
        if (!bool(flags, off)) created[k] = [...(pg[k] ?? []), ...(created[k] ?? [])];
      }
    }
    const text = JSON.stringify(created);
    const out = str(flags, "out");
    if (out) await writeFileAtomic(out, text, 0o600);
    else await io.out(text + "\n");
  },
};
