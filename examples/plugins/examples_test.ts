/**
 * The example plugins against their contracts, in process (the same checks the e2e tests make
 * through dist/cosign-ts, without the commands): the file log's submit/recognizes/verify with a
 * trusted root its own command writes, tampering detected as check "tlog-entry"; envblob's
 * digest (against node:crypto), concurrent race-free attaches, duplicate detection and listing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Context,
  CosignError,
  generateEcdsaP256,
  parseTrustedRoot,
  PluginRegistry,
  type StoredSignature,
  type TlogExpectation,
} from "cosign-ts";
import fileLogPlugin, { fileLog, trustedRootCommand } from "./file_log.ts";
import envblobPlugin, { envblobListCommand } from "./envblob.ts";
import { localClock } from "./local_clock.ts";

function context(env: Record<string, string>): Context {
  const plugins = new PluginRegistry();
  plugins.register(fileLogPlugin, '"file_log.ts"');
  plugins.register(envblobPlugin, '"envblob.ts"');
  return {
    runtime: undefined as never, // the examples never reach for the runtime adapter
    plugins,
    env: (name) => env[name],
    log: { info() {}, warn() {}, debug() {} },
    password: () => Promise.reject(new Error("no password here")),
    confirm: () => Promise.resolve(true),
  };
}

async function capture(
  run: (io: { out(s: string | Uint8Array): Promise<void> }) => Promise<unknown>,
) {
  let text = "";
  await run({
    out: (s) => {
      text += typeof s === "string" ? s : new TextDecoder().decode(s);
      return Promise.resolve();
    },
  });
  return text;
}

describe("example file log", () => {
  it("submits chained entries that verify, and detects a tampered line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "file-log-"));
    try {
      const url = pathToFileURL(join(dir, "log", "log.jsonl")).href;
      const ctx = context({});
      const rootJson = await capture((io) =>
        trustedRootCommand.run({
          flags: {},
          args: [url],
          ctx,
          io: { ...io, err() {}, stdin: () => new ReadableStream() },
        })
      );
      const trust = await parseTrustedRoot(rootJson, "file-log root");
      assert.equal(ctx.plugins.tlogFor(url), fileLog);

      const { signer } = generateEcdsaP256();
      const pub = await signer.publicKey();
      const expectations: TlogExpectation[] = [];
      const entries = [];
      for (const text of ["first", "second"]) {
        const digest = createHash("sha256").update(text).digest();
        const signature = await signer.sign(new TextEncoder().encode(text));
        entries.push(
          await fileLog.submit(
            { kind: "hashedrekord", signature, digest, verificationMaterial: pub.pem },
            ctx,
            { url },
          ),
        );
        expectations.push({ kind: "message", signature, digest, keyDer: pub.spki });
      }
      assert.equal(ctx.plugins.tlogForEntry(entries[1], trust), fileLog);
      const v = await fileLog.verify!(entries[1], expectations[1], trust, ctx);
      assert.equal(v.log, url);
      assert.ok(Math.abs(v.integratedTime!.getTime() - Date.now()) < 60_000);

      // The entry of another signature, or not in the trusted root: refused.
      await assert.rejects(
        fileLog.verify!(entries[0], expectations[1], trust, ctx),
        (e: unknown) => e instanceof CosignError && e.check === "tlog-entry",
      );
      assert.equal(fileLog.recognizes!(entries[1], { tlogs: [] }), false);

      // Tamper with line 1: entry 2's chain no longer verifies.
      const path = join(dir, "log", "log.jsonl");
      const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
      const first = JSON.parse(lines[0]);
      first.body = entries[1].canonicalizedBody;
      await writeFile(path, [JSON.stringify(first), lines[1]].join("\n") + "\n");
      await assert.rejects(
        fileLog.verify!(entries[1], expectations[1], trust, ctx),
        (e: unknown) => e instanceof CosignError && e.code === "VERIFY" && e.check === "tlog-entry",
      );
      // Dropping line 1 breaks the chain too.
      await writeFile(path, lines[1] + "\n");
      await assert.rejects(
        fileLog.verify!(entries[1], expectations[1], trust, ctx),
        (e: unknown) => e instanceof CosignError && e.check === "tlog-entry",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("example envblob artifact type", () => {
  it("digests the variable, attaches race-free, refuses duplicates and lists", async () => {
    const dir = await mkdtemp(join(tmpdir(), "envblob-"));
    try {
      const ctx = context({ ENVBLOB_DIR: dir, NOTES: "hello from the environment" });
      const artifact = await ctx.plugins.resolve("envblob://NOTES", ctx);
      assert.equal(artifact.kind, "envblob");
      assert.equal(
        (await artifact.digest()).hex,
        createHash("sha256").update("hello from the environment").digest("hex"),
      );
      assert.equal(
        (await artifact.digest("sha512")).hex,
        createHash("sha512").update("hello from the environment").digest("hex"),
      );
      const sig = (i: number): StoredSignature => ({
        kind: "signature",
        location: "",
        legacy: { signature: new Uint8Array([i, 1, 2, 3]) },
      });
      const results = await Promise.all(
        [...Array(8).keys()].map((i) => artifact.attach!(sig(i), ctx)),
      );
      assert.ok(results.every((r) => r.added));
      assert.deepEqual((await artifact.attach!(sig(3), ctx)).added, false);
      const stored: StoredSignature[] = [];
      for await (const s of artifact.signatures!(ctx)) stored.push(s);
      assert.deepEqual(
        stored.map((s) => s.legacy!.signature[0]).sort(),
        [0, 1, 2, 3, 4, 5, 6, 7],
      );
      const listing = await capture((io) =>
        envblobListCommand.run({
          flags: {},
          args: [],
          ctx,
          io: { ...io, err() {}, stdin: () => new ReadableStream() },
        })
      );
      assert.equal(listing, "envblob://NOTES\t8 signature(s)\n");
      await assert.rejects(
        ctx.plugins.resolve("envblob://UNSET", ctx),
        (e: unknown) => e instanceof CosignError && e.code === "NOT_FOUND",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("example local clock", () => {
  it("stamps a signature; the pinned clock key verifies it; tampering fails as timestamp", async () => {
    const dir = await mkdtemp(join(tmpdir(), "local-clock-"));
    try {
      const url = `localclock://${join(dir, "clock", "clock.key")}`;
      const signature = new Uint8Array([1, 2, 3, 4]);
      const before = Date.now();
      const token = await localClock.timestamp(signature, context({}), { url });
      assert.equal(localClock.handles!(url), true);
      assert.equal(localClock.recognizes!(token, undefined), true);
      assert.equal(localClock.recognizes!(new Uint8Array([0x30, 0x82]), undefined), false);
      const ctx = context({ LOCAL_CLOCK_PUBLIC_KEY: join(dir, "clock", "clock.key.pub") });
      const { time } = await localClock.verify(token, signature, undefined, ctx);
      assert.ok(time.getTime() >= before - 1000 && time.getTime() <= Date.now() + 1000);
      const isTimestampError = (e: unknown) =>
        e instanceof CosignError && e.code === "VERIFY" && e.check === "timestamp";
      // Another signature, a moved time, no pinned key, another clock's key: refused.
      await assert.rejects(
        localClock.verify(token, new Uint8Array([9]), undefined, ctx),
        isTimestampError,
      );
      const t = JSON.parse(new TextDecoder().decode(token));
      t.time = new Date(0).toISOString();
      await assert.rejects(
        localClock.verify(new TextEncoder().encode(JSON.stringify(t)), signature, undefined, ctx),
        isTimestampError,
      );
      await assert.rejects(
        localClock.verify(token, signature, undefined, context({})),
        isTimestampError,
      );
      const other = `localclock://${join(dir, "other", "clock.key")}`;
      await localClock.timestamp(signature, context({}), { url: other });
      const otherCtx = context({ LOCAL_CLOCK_PUBLIC_KEY: join(dir, "other", "clock.key.pub") });
      await assert.rejects(
        localClock.verify(token, signature, undefined, otherCtx),
        isTimestampError,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
