/**
 * The OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/<hex>`), as
 * go-containerregistry writes it and as `cosign save` / `cosign load` use it.
 *
 * Every blob is content-addressed: writes go to a temporary file that is hashed while written and
 * renamed into place only when its digest (and size) match; reads check the digest (and the size
 * named by the descriptor) before the bytes are used. `index.json` is replaced atomically.
 *
 * cosign marks the entries of `index.json` with a `kind` annotation ({@link LAYOUT_KINDS}): the
 * image (or index) itself, its signatures (`.sig`), attestations (`.att`) and SBOMs (`.sbom`).
 *
 * @example
 * ```ts
 * const layout = await OciLayout.create("./out");
 * const d = await layout.writeBlob(new TextEncoder().encode("{}"));
 * await layout.appendDescriptor({ mediaType: "application/vnd.oci.image.manifest.v1+json", ...d });
 * const again = await OciLayout.open("./out");
 * const bytes = await again.readBlob((await again.index()).manifests[0]);
 * ```
 * @module
 */
import { constants as fsConstants, type Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { CosignError, describeError } from "../core/errors.ts";
import { type AtomicFile, openAtomicFile, writeFileAtomic } from "../runtime/atomic_file.ts";
import { sha256Digest, sha256Hasher } from "./digest.ts";
import { OCI_INDEX } from "./media_types.ts";

/** The `imageLayoutVersion` written to and accepted from the `oci-layout` file. */
export const OCI_LAYOUT_VERSION = "1.0.0";

/** The `index.json` annotation key cosign uses to tell entries apart. */
export const KIND_ANNOTATION = "kind";

/**
 * cosign's `kind` annotation values for the entries of a saved layout. `referrers` is a prefix:
 * OCI 1.1 referrers of the image are saved as `dev.cosignproject.cosign/referrers/<hex>` (the
 * spelling hauler's cosign fork uses; cosign's own `load` skips kinds it does not know).
 */
export const LAYOUT_KINDS: Readonly<{
  image: string;
  imageIndex: string;
  sigs: string;
  atts: string;
  sboms: string;
  referrers: string;
}> = {
  image: "dev.cosignproject.cosign/image",
  imageIndex: "dev.cosignproject.cosign/imageIndex",
  sigs: "dev.cosignproject.cosign/sigs",
  atts: "dev.cosignproject.cosign/atts",
  sboms: "dev.cosignproject.cosign/sboms",
  referrers: "dev.cosignproject.cosign/referrers/",
};

/** OCI image index media type (the media type of `index.json`). */
export const OCI_INDEX_MEDIA_TYPE: string = OCI_INDEX;

/** Largest manifest or `index.json` read into memory (distribution's own limit is 4 MiB). */
export const MAX_MANIFEST_BYTES: number = 4 * 1024 * 1024;

/** An OCI content descriptor. Unknown fields are kept as they are. */
export interface LayoutDescriptor {
  /** Media type of the referenced content. */
  mediaType: string;
  /** `sha256:<64 hex>`. */
  digest: string;
  /** Size in bytes. */
  size: number;
  /** Annotations (cosign's `kind` lives here in `index.json`). */
  annotations?: Record<string, string>;
  /** Platform of an index entry. */
  platform?: Record<string, unknown>;
  /** OCI 1.1 artifact type. */
  artifactType?: string;
  /** Anything else the descriptor carries. */
  [field: string]: unknown;
}

/** The content of `index.json`. */
export interface LayoutIndex {
  /** Always 2. */
  schemaVersion: number;
  /** {@link OCI_INDEX_MEDIA_TYPE}. */
  mediaType?: string;
  /** The entries. */
  manifests: LayoutDescriptor[];
  /** Index annotations. */
  annotations?: Record<string, string>;
  /** Anything else. */
  [field: string]: unknown;
}

const DIGEST_RE = /^sha256:([a-f0-9]{64})$/;

/**
 * Checks a descriptor read from untrusted JSON: a string media type, a `sha256:` digest and a
 * non-negative integer size. Throws CosignError("INVALID_INPUT") naming `where`.
 */
export function checkDescriptor(d: unknown, where: string): LayoutDescriptor {
  const o = d as Record<string, unknown> | null;
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new CosignError("INVALID_INPUT", `Cannot read ${where}: a descriptor is not an object`);
  }
  if (typeof o.mediaType !== "string") {
    throw new CosignError("INVALID_INPUT", `Cannot read ${where}: a descriptor has no mediaType`);
  }
  if (typeof o.digest !== "string" || !DIGEST_RE.test(o.digest)) {
    const hint = typeof o.digest === "string" && /^sha(384|512):/.test(o.digest)
      ? "Only sha256 digests are supported."
      : undefined;
    throw new CosignError(
      typeof o.digest === "string" && hint ? "UNSUPPORTED" : "INVALID_INPUT",
      `Cannot read ${where}: bad digest ${JSON.stringify(o.digest)}`,
      { hint },
    );
  }
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) {
    throw new CosignError(
      "INVALID_INPUT",
      `Cannot read ${where}: bad size ${JSON.stringify(o.size)} for ${o.digest}`,
    );
  }
  return o as LayoutDescriptor;
}

function ioError(action: string, e: unknown, hint?: string): CosignError {
  const code = (e as { code?: string })?.code;
  const why = code === "EACCES" || code === "EPERM"
    ? "permission denied"
    : code === "ENOSPC"
    ? "no space left on device"
    : code === "ENOENT"
    ? "no such file or directory"
    : code === "ENOTDIR"
    ? "not a directory"
    : describeError(e);
  return new CosignError("IO", `${action}: ${why}`, { hint, cause: e });
}

/**
 * Writes a file atomically through the one atomic writer (runtime/atomic_file.ts); rethrows the
 * underlying error so {@link ioError} words it for the layout.
 */
async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFileAtomic(path, data, 0o644).catch((e) => {
    throw e instanceof CosignError && e.cause ? e.cause : e;
  });
}

/** O_NOFOLLOW and O_NONBLOCK where the platform has them (a FIFO must not block the open). */
const NOFOLLOW: number = fsConstants.O_NOFOLLOW ?? 0;
const NONBLOCK: number = fsConstants.O_NONBLOCK ?? 0;

function notRegular(where: string, s: Stats | undefined): CosignError {
  const kind = !s || s.isSymbolicLink()
    ? "a symbolic link"
    : s.isFIFO()
    ? "a FIFO"
    : s.isCharacterDevice() || s.isBlockDevice()
    ? "a device"
    : s.isDirectory()
    ? "a directory"
    : "something other than a file";
  return new CosignError(
    "INVALID_INPUT",
    `Cannot read ${where}: it is ${kind}, not a regular file`,
    { hint: "A layout holds blobs as regular files only; save it again." },
  );
}

/**
 * An OCI image layout directory. Create one with {@link OciLayout.create}, open an existing one
 * with {@link OciLayout.open}.
 */
export class OciLayout {
  /** The directory. */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Creates the directory (and parents) if needed and writes `oci-layout`; blobs already present
   * are kept and reused. `index.json` is left alone: write it last with
   * {@link OciLayout.writeIndex}, so a layout never lists content that is not there.
   * Throws CosignError("IO") when the directory cannot be written.
   */
  static async create(dir: string): Promise<OciLayout> {
    const action = `Cannot write OCI layout to "${dir}"`;
    const hint = "Choose a directory you can write to (--dir).";
    try {
      await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
      await writeAtomic(
        join(dir, "oci-layout"),
        JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }),
      );
    } catch (e) {
      throw ioError(action, e, hint);
    }
    return new OciLayout(dir);
  }

  /**
   * Opens an existing layout, checking its `oci-layout` file. Throws CosignError("NOT_FOUND")
   * when the directory or `oci-layout` is missing, CosignError("INVALID_INPUT") when it is not
   * an OCI layout of version 1.0.0.
   */
  static async open(dir: string): Promise<OciLayout> {
    let text: string;
    try {
      const s = await stat(dir);
      if (!s.isDirectory()) {
        throw new CosignError("INVALID_INPUT", `Cannot read OCI layout "${dir}": not a directory`);
      }
      text = await readFile(join(dir, "oci-layout"), "utf8");
    } catch (e) {
      if (e instanceof CosignError) throw e;
      if ((e as { code?: string })?.code === "ENOENT") {
        throw new CosignError(
          "NOT_FOUND",
          `Cannot read OCI layout "${dir}": no oci-layout file there`,
          { hint: 'Point --dir at a directory written by "cosign save".' },
        );
      }
      throw ioError(`Cannot read OCI layout "${dir}"`, e);
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read OCI layout "${dir}": oci-layout is not JSON`,
      );
    }
    const version = (v as { imageLayoutVersion?: unknown })?.imageLayoutVersion;
    if (version !== OCI_LAYOUT_VERSION) {
      throw new CosignError(
        "INVALID_INPUT",
        `Cannot read OCI layout "${dir}": unsupported imageLayoutVersion ${
          JSON.stringify(version)
        }`,
        { hint: `Only version ${OCI_LAYOUT_VERSION} is supported.` },
      );
    }
    return new OciLayout(dir);
  }

  /** Path of a blob: `blobs/sha256/<hex>`. Throws CosignError("INVALID_INPUT") for a bad digest. */
  blobPath(digest: string): string {
    const m = DIGEST_RE.exec(digest);
    if (!m) throw new CosignError("INVALID_INPUT", `Bad blob digest ${JSON.stringify(digest)}`);
    return join(this.dir, "blobs", "sha256", m[1]);
  }

  /**
   * True when the blob is present as a regular file (not a link, FIFO or device) whose size
   * and SHA-256 match: an existing blob is only reused when it is intact (`save` into a
   * directory that holds a corrupted blob rewrites it). Without `size`, any size is accepted.
   */
  async hasBlob(digest: string, size?: number): Promise<boolean> {
    try {
      await this.verifyBlob({ digest, size });
      return true;
    } catch {
      return false;
    }
  }

  /** Writes bytes as a blob (atomically) and returns its digest and size. */
  async writeBlob(bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const digest = sha256Digest(bytes);
    if (!(await this.hasBlob(digest, bytes.length))) {
      try {
        await writeAtomic(this.blobPath(digest), bytes);
      } catch (e) {
        throw ioError(`Cannot write blob ${digest} to "${this.dir}"`, e);
      }
    }
    return { digest, size: bytes.length };
  }

  /**
   * Streams a blob into the layout, hashing as it goes; renames it into place only when digest
   * and size match `expected`. Throws CosignError("VERIFY") on a mismatch (nothing is left
   * behind), CosignError("IO") when writing fails.
   */
  async writeBlobStream(
    stream: ReadableStream<Uint8Array>,
    expected: { digest: string; size: number },
  ): Promise<void> {
    const path = this.blobPath(expected.digest);
    if (await this.hasBlob(expected.digest, expected.size)) {
      await stream.cancel().catch(() => {});
      return;
    }
    const hash = sha256Hasher();
    let size = 0;
    let out: AtomicFile | undefined;
    try {
      out = await openAtomicFile(path, { mode: 0o644 });
      const reader = stream.getReader();
      try {
        while (true) {
          const { value, done: end } = await reader.read();
          if (end) break;
          size += value.length;
          if (size > expected.size) {
            throw new CosignError(
              "VERIFY",
              `Blob ${expected.digest} is larger than its descriptor says (${expected.size} bytes)`,
              { hint: "The source changed or was tampered with; nothing was kept." },
            );
          }
          hash.update(value);
          await out.write(value);
        }
      } catch (e) {
        await reader.cancel().catch(() => {});
        throw e;
      }
      const got = hash.digest();
      if (got !== expected.digest || size !== expected.size) {
        throw new CosignError(
          "VERIFY",
          `Blob ${expected.digest} does not match its content (got ${got}, ${size} bytes)`,
          { hint: "The source changed or was tampered with." },
        );
      }
      await out.commit();
    } catch (e) {
      await out?.abort();
      if (e instanceof CosignError && e.code !== "IO") throw e;
      throw ioError(
        `Cannot write blob ${expected.digest} to "${this.dir}"`,
        e instanceof CosignError && e.cause ? e.cause : e,
      );
    }
  }

  /**
   * Opens a blob for reading, safely: the layout's `blobs/sha256` must be real directories and
   * the blob a regular file (lstat: no symbolic link is followed out of the layout; a FIFO or
   * device is refused before it is opened), opened without following links and without
   * blocking, and checked again on the open handle. A size that differs from `desc.size` is
   * refused before reading (a sparse file larger than its descriptor). Throws NOT_FOUND,
   * INVALID_INPUT (not a regular file), VERIFY (wrong size), TOO_LARGE (over `maxBytes`), IO.
   */
  async #openRegular(
    desc: { digest: string; size?: number },
    maxBytes: number,
  ): Promise<{ fh: FileHandle; size: number }> {
    const path = this.blobPath(desc.digest);
    const where = `blob ${desc.digest} in OCI layout "${this.dir}"`;
    let fh: FileHandle | undefined;
    try {
      for (const d of [join(this.dir, "blobs"), join(this.dir, "blobs", "sha256")]) {
        if (!(await lstat(d)).isDirectory()) {
          throw new CosignError(
            "INVALID_INPUT",
            `Cannot read ${where}: ${d} is not a directory (links are not followed)`,
            { hint: "The layout was modified; save it again." },
          );
        }
      }
      const before = await lstat(path);
      if (!before.isFile()) {
        throw notRegular(where, before);
      }
      fh = await open(path, fsConstants.O_RDONLY | NOFOLLOW | NONBLOCK);
      const s = await fh.stat();
      if (!s.isFile() || s.ino !== before.ino || s.dev !== before.dev) throw notRegular(where, s);
      if (desc.size !== undefined && s.size !== desc.size) {
        throw new CosignError(
          "VERIFY",
          `Cannot read ${where}: it has ${s.size} bytes, its descriptor says ${desc.size}`,
          { hint: "The layout was modified or corrupted; save it again." },
        );
      }
      if (s.size > maxBytes) {
        throw new CosignError(
          "TOO_LARGE",
          `Cannot read blob ${desc.digest} from "${this.dir}": ${s.size} bytes is over the ${maxBytes}-byte limit`,
        );
      }
      return { fh, size: s.size };
    } catch (e) {
      await fh?.close().catch(() => {});
      if (e instanceof CosignError) throw e;
      const code = (e as { code?: string })?.code;
      if (code === "ENOENT") {
        throw new CosignError(
          "NOT_FOUND",
          `Cannot read blob ${desc.digest} from OCI layout "${this.dir}": it is missing`,
          { hint: "The layout is incomplete; save it again." },
        );
      }
      if (code === "ELOOP") throw notRegular(where, undefined);
      throw ioError(`Cannot read blob ${desc.digest} from "${this.dir}"`, e);
    }
  }

  /**
   * Reads a small blob (manifest, config, signature layer) into memory and checks it against the
   * descriptor (digest, and size when given). Throws CosignError("NOT_FOUND") when missing,
   * CosignError("VERIFY") when the content does not match, CosignError("TOO_LARGE") above
   * `maxBytes` (default {@link MAX_MANIFEST_BYTES}), CosignError("INVALID_INPUT") when it is not
   * a regular file inside the layout.
   */
  async readBlob(
    desc: { digest: string; size?: number },
    maxBytes: number = MAX_MANIFEST_BYTES,
  ): Promise<Uint8Array> {
    const { fh, size } = await this.#openRegular(desc, maxBytes);
    const bytes = new Uint8Array(size);
    let got = 0;
    try {
      while (got < size) {
        const { bytesRead } = await fh.read(bytes, got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw ioError(`Cannot read blob ${desc.digest} from "${this.dir}"`, e);
    } finally {
      await fh.close().catch(() => {});
    }
    const digest = sha256Digest(bytes.subarray(0, got));
    if (digest !== desc.digest || got !== size) {
      throw new CosignError(
        "VERIFY",
        `Blob ${desc.digest} in OCI layout "${this.dir}" does not match its digest (content is ${digest}, ${got} bytes)`,
        { hint: "The layout was modified or corrupted; save it again." },
      );
    }
    return bytes;
  }

  /**
   * Checks a (possibly large) blob on disk against its descriptor by streaming it through
   * SHA-256, reading no more than its size. Same errors as {@link OciLayout.readBlob}, without
   * a size limit.
   */
  async verifyBlob(desc: { digest: string; size?: number }): Promise<void> {
    const hash = sha256Hasher();
    let size = 0;
    const reader = (await this.#blobStream(desc)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      hash.update(value);
    }
    const got = hash.digest();
    if (got !== desc.digest || (desc.size !== undefined && desc.size !== size)) {
      throw new CosignError(
        "VERIFY",
        `Blob ${desc.digest} in OCI layout "${this.dir}" does not match its digest (content is ${got}, ${size} bytes)`,
        { hint: "The layout was modified or corrupted; save it again." },
      );
    }
  }

  /**
   * A blob as a web stream (for uploads), opened as {@link OciLayout.readBlob} opens it and
   * ending at the size the file had when opened (a file that grows is not followed). Check it
   * first with {@link OciLayout.verifyBlob}: this stream does not hash.
   */
  openBlob(desc: string | { digest: string; size?: number }): Promise<ReadableStream<Uint8Array>> {
    return this.#blobStream(typeof desc === "string" ? { digest: desc } : desc);
  }

  async #blobStream(desc: { digest: string; size?: number }): Promise<ReadableStream<Uint8Array>> {
    const { fh, size } = await this.#openRegular(desc, Number.MAX_SAFE_INTEGER);
    const dir = this.dir;
    let pos = 0;
    const CHUNK = 1024 * 1024;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          if (pos >= size) {
            await fh.close();
            controller.close();
            return;
          }
          const buf = new Uint8Array(Math.min(CHUNK, size - pos));
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) {
            await fh.close();
            controller.close(); // shrank while reading: the digest check fails
            return;
          }
          pos += bytesRead;
          controller.enqueue(buf.subarray(0, bytesRead));
        } catch (e) {
          await fh.close().catch(() => {});
          controller.error(ioError(`Cannot read blob ${desc.digest} from "${dir}"`, e));
        }
      },
      async cancel() {
        await fh.close().catch(() => {});
      },
    });
  }

  /** Reads and checks `index.json`. Throws CosignError("INVALID_INPUT") when malformed. */
  async index(): Promise<LayoutIndex> {
    const where = `OCI layout "${this.dir}"`;
    let text: string;
    try {
      const path = join(this.dir, "index.json");
      const s = await stat(path);
      if (s.size > MAX_MANIFEST_BYTES) {
        throw new CosignError("TOO_LARGE", `Cannot read ${where}: index.json is too large`);
      }
      text = await readFile(path, "utf8");
    } catch (e) {
      if (e instanceof CosignError) throw e;
      if ((e as { code?: string })?.code === "ENOENT") {
        throw new CosignError("NOT_FOUND", `Cannot read ${where}: index.json is missing`, {
          hint: 'Point --dir at a directory written by "cosign save".',
        });
      }
      throw ioError(`Cannot read ${where}`, e);
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new CosignError("INVALID_INPUT", `Cannot read ${where}: index.json is not JSON`);
    }
    const o = v as Record<string, unknown> | null;
    if (typeof o !== "object" || o === null || !Array.isArray(o.manifests)) {
      throw new CosignError("INVALID_INPUT", `Cannot read ${where}: index.json has no manifests`);
    }
    o.manifests.forEach((d) => checkDescriptor(d, `index.json of ${where}`));
    return o as LayoutIndex;
  }

  /**
   * Replaces `index.json` (atomically) with an index listing `manifests`, indented as
   * go-containerregistry writes it. Throws CosignError("IO") when it cannot be written.
   */
  async writeIndex(manifests: LayoutDescriptor[]): Promise<void> {
    const idx: LayoutIndex = { schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests };
    try {
      await writeAtomic(join(this.dir, "index.json"), JSON.stringify(idx, null, "   "));
    } catch (e) {
      throw ioError(`Cannot write index.json to "${this.dir}"`, e);
    }
  }

  /** Appends a descriptor to `index.json` (atomically rewritten; created when absent). */
  async appendDescriptor(desc: LayoutDescriptor): Promise<void> {
    let manifests: LayoutDescriptor[] = [];
    try {
      manifests = (await this.index()).manifests;
    } catch (e) {
      if (!(e instanceof CosignError && e.code === "NOT_FOUND")) throw e;
    }
    await this.writeIndex([...manifests, desc]);
  }
}
