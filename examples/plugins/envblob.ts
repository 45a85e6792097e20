/**
 * Example artifact-type plugin: `envblob://NAME` is an artifact whose content is the value of the
 * environment variable NAME. It is signed like a blob (its digest and content), and its
 * signatures live in a sidecar file the plugin chooses, `$ENVBLOB_DIR/NAME.sigs.json`, so
 * `sign`/`verify` (and `sign-blob`/`verify-blob`) attach and list them like an image's.
 *
 * It also adds a command, `envblob list`, that lists the sidecar files of `$ENVBLOB_DIR` with
 * their signature counts.
 *
 * It imports only the library entry point, as "cosign-ts", `node:` built-ins and the helpers in
 * `./lib/`: it runs from any folder with the compiled binary (`cosign-ts --plugin
 * /path/envblob.ts …`, with `lib/` beside it).
 *
 * @example
 * ```sh
 * export ENVBLOB_DIR=$PWD/sigs GREETING="hello"
 * cosign-ts --plugin envblob.ts sign --key cosign.key --tlog-upload=false envblob://GREETING
 * cosign-ts --plugin envblob.ts verify --key cosign.pub --insecure-ignore-tlog envblob://GREETING
 * cosign-ts --plugin envblob.ts envblob list
 * ```
 * @module
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Artifact,
  type ArtifactType,
  type AttachResult,
  type Command,
  type Context,
  CosignError,
  definePlugin,
  type Digest,
  type HashAlgorithm,
  type Plugin,
  type SignatureQuery,
  type StoredSignature,
} from "cosign-ts";
import { b64, hex, unb64 } from "./lib/encoding.ts";
import { withLock, writeAtomic } from "./lib/files.ts";

const SCHEME = "envblob://";
const WEB_HASH: Record<HashAlgorithm, string> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

/** The variable name of an `envblob://NAME` reference. Throws CosignError("INVALID_INPUT"). */
export function envblobName(ref: string): string {
  const name = ref.slice(SCHEME.length);
  if (!ref.startsWith(SCHEME) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot use "${ref}": "${name}" is not a variable name`,
      {
        hint: "Write envblob://NAME, e.g. envblob://RELEASE_NOTES.",
      },
    );
  }
  return name;
}

/** The folder that holds the sidecar files (`$ENVBLOB_DIR`). Throws CosignError("INVALID_INPUT"). */
function sidecarDir(ctx: Context, ref: string): string {
  const dir = ctx.env("ENVBLOB_DIR");
  if (!dir) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot store signatures of "${ref}": ENVBLOB_DIR is not set`,
      { hint: "Export ENVBLOB_DIR with the folder where NAME.sigs.json files are kept." },
    );
  }
  return dir;
}

/** A stored signature as JSON (bytes as base64), one element of the sidecar's array. */
type SidecarRecord = Omit<StoredSignature, "legacy"> & {
  legacy?: Record<string, string | undefined>;
};

function toRecord(sig: StoredSignature): SidecarRecord {
  const { legacy, ...rest } = sig;
  if (!legacy) return { ...rest };
  return {
    ...rest,
    legacy: {
      ...legacy,
      payload: legacy.payload ? b64(legacy.payload) : undefined,
      signature: b64(legacy.signature),
    },
  };
}

function fromRecord(r: SidecarRecord, location: string): StoredSignature {
  const { legacy, ...rest } = r;
  const sig: StoredSignature = { ...rest, location };
  if (legacy) {
    if (typeof legacy.signature !== "string") {
      throw new CosignError("INVALID_INPUT", `Cannot read ${location}: a signature has no bytes`, {
        check: "bundle",
        hint: "Remove the damaged entry from the sidecar file.",
      });
    }
    sig.legacy = {
      ...legacy,
      payload: legacy.payload ? unb64(legacy.payload) : undefined,
      signature: unb64(legacy.signature),
    };
  }
  return sig;
}

async function readSidecar(path: string): Promise<SidecarRecord[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return [];
    throw e;
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list)) {
    throw new CosignError("INVALID_INPUT", `Cannot read "${path}": not a JSON array`, {
      hint: "The sidecar file was damaged: restore it or remove it.",
    });
  }
  return list as SidecarRecord[];
}

/** Resolves `envblob://NAME` into an {@link Artifact}. Throws CosignError("NOT_FOUND") when unset. */
export function resolveEnvblob(ref: string, ctx: Context): Artifact {
  const name = envblobName(ref);
  const value = ctx.env(name);
  if (value === undefined) {
    throw new CosignError("NOT_FOUND", `Cannot resolve "${ref}": ${name} is not set`, {
      hint: `Export ${name} with the content to sign.`,
    });
  }
  const content = new TextEncoder().encode(value);
  const sidecar = (c: Context) => join(sidecarDir(c, ref), `${name}.sigs.json`);
  return {
    kind: "envblob",
    ref,
    async digest(algorithm: HashAlgorithm = "sha256"): Promise<Digest> {
      const d = await crypto.subtle.digest(WEB_HASH[algorithm], content);
      return { algorithm, hex: hex(new Uint8Array(d)) };
    },
    open(): Promise<ReadableStream<Uint8Array>> {
      return Promise.resolve(
        new ReadableStream({
          start(controller) {
            controller.enqueue(content.slice());
            controller.close();
          },
        }),
      );
    },
    describe(): Promise<string[]> {
      return Promise.resolve([`environment variable ${name}, ${content.length} bytes`]);
    },
    async *signatures(c: Context, query?: SignatureQuery): AsyncIterable<StoredSignature> {
      const path = sidecar(c);
      for (const r of await readSidecar(path)) {
        if (query?.kind && r.kind !== query.kind) continue;
        yield fromRecord(r, path);
      }
    },
    async attach(sig: StoredSignature, c: Context): Promise<AttachResult> {
      const path = sidecar(c);
      await mkdir(sidecarDir(c, ref), { recursive: true });
      const record = toRecord({ ...sig, location: path });
      const key = JSON.stringify({ ...record, location: undefined, id: undefined });
      return await withLock(path, async () => {
        const list = await readSidecar(path);
        if (
          list.some((r) => JSON.stringify({ ...r, location: undefined, id: undefined }) === key)
        ) {
          return { location: path, added: false };
        }
        const id = hex(
          new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))),
        );
        list.push({ ...record, id });
        await writeAtomic(path, JSON.stringify(list, null, 2) + "\n");
        c.log.debug(`attached signature ${id} to ${path}`);
        return { location: path, added: true };
      });
    },
  };
}

/** The `envblob` artifact type. */
export const envblobArtifactType: ArtifactType = {
  kind: "envblob",
  description: "the value of an environment variable: envblob://NAME (signatures in " +
    "$ENVBLOB_DIR/NAME.sigs.json)",
  claims: (ref: string) => ref.startsWith(SCHEME),
  resolve: (ref: string, ctx: Context) => Promise.resolve(resolveEnvblob(ref, ctx)),
};

/** `envblob list`: the sidecar files of `$ENVBLOB_DIR` and how many signatures each holds. */
export const envblobListCommand: Command = {
  name: "envblob list",
  summary: "Lists the envblob:// artifacts that have signatures in $ENVBLOB_DIR.",
  usage: "cosign-ts envblob list",
  examples: ["ENVBLOB_DIR=./sigs cosign-ts --plugin envblob.ts envblob list"],
  flags: [],
  args: { max: 0 },
  async run({ ctx, io }) {
    const dir = sidecarDir(ctx, "envblob list");
    let names: string[];
    try {
      names = (await readdir(dir)).filter((f) => f.endsWith(".sigs.json")).sort();
    } catch (e) {
      throw new CosignError("NOT_FOUND", `Cannot list "${dir}": ${(e as Error).message}`, {
        hint: "Point ENVBLOB_DIR at the folder where signatures were attached.",
      });
    }
    for (const f of names) {
      const n = (await readSidecar(join(dir, f))).length;
      await io.out(`${SCHEME}${f.slice(0, -".sigs.json".length)}\t${n} signature(s)\n`);
    }
    return 0;
  },
};

/** The plugin: `--plugin examples/plugins/envblob.ts`. */
const plugin: Plugin = definePlugin({
  name: "example-envblob",
  apiVersion: 1,
  description: "environment variables as signable artifacts (example)",
  artifacts: [envblobArtifactType],
  commands: [envblobListCommand],
});

export default plugin;
