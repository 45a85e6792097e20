/**
 * Which transparency log and timestamp authority plugin signing uses, and which verifies: chosen
 * by URL (the first plugin that handles it, third-party before built-in) or by name (`--tlog`,
 * `--tsa`), never hard-coded. The third-party log is the repository's example file log
 * (examples/plugins/file_log.ts, a real append-only signed log), observed through a wrapper that
 * records its calls; the built-ins run against the loopback Sigstore services.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TransparencyLogEntry } from "@sigstore/protobuf-specs";
import {
  buildMessageSignatureBundle,
  parseBundle,
  serializeBundle,
  type TransparencyLogEntry as BundleTlogEntry,
} from "../core/bundle.ts";
import { isCosignError } from "../core/errors.ts";
import { type Context, definePlugin, type IO, type TransparencyLog } from "../core/plugin.ts";
import { collectWitnesses } from "../core/signature_witnesses.ts";
import { SIGNING_CONFIG_MEDIA_TYPE } from "../core/signing_config.ts";
import { parseTrustedRoot, type TrustedRoot } from "../core/trust/trusted_root.ts";
import { verifyBundle } from "../core/verify/verify_bundle.ts";
import { verifyRekorBundle } from "../core/verify/witnesses.ts";
import { legacyRekorBundleOf } from "../core/legacy_signature.ts";
import { signingPlan } from "../cli/sigstore_options.ts";
import { fileLog, trustedRootCommand } from "../examples/plugins/file_log.ts";
import { tempDir } from "./helpers/cli.ts";
import { type SigstoreServices, startSigstoreServices } from "./helpers/sigstore_services.ts";
import { failedCheck, signedArtifact, witnessContext } from "./helpers/witnesses.ts";

let svc: SigstoreServices;
let tmp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  svc = await startSigstoreServices();
  tmp = await tempDir("cosign-ts-witnesses-");
});
after(async () => {
  await svc?.stop();
  await tmp?.cleanup();
});

const { data, digest, spki, signature, submission } = signedArtifact(
  "witness selection artifact\n",
);

/** The example file log, recording which of its halves ran. */
function recordedFileLog(calls: string[], overrides: Partial<TransparencyLog> = {}) {
  const log: TransparencyLog = {
    ...fileLog,
    submit(s, ctx, options) {
      calls.push(`submit ${options?.url}`);
      return fileLog.submit(s, ctx, options);
    },
    verify(entry, expected, trust, ctx) {
      calls.push("verify");
      return fileLog.verify!(entry, expected, trust, ctx);
    },
    ...overrides,
  };
  return definePlugin({ name: "example-file-log", apiVersion: 1, tlogs: [log] });
}

/** The trusted root the file log's own command prints for `url`. */
async function fileLogTrustedRoot(url: string, ctx: Context): Promise<TrustedRoot> {
  let out = "";
  const io: IO = {
    out: (d) => {
      out += typeof d === "string" ? d : new TextDecoder().decode(d);
      return Promise.resolve();
    },
    err: () => {},
    stdin: () => new ReadableStream(),
  };
  await trustedRootCommand.run({ flags: {}, args: [url], ctx, io });
  return await parseTrustedRoot(out, "file-log trusted root");
}

async function bundleWith(entry: Record<string, unknown>) {
  const bundle = buildMessageSignatureBundle({
    digest: { algorithm: "sha256", value: digest },
    signature,
    publicKeyHint: "",
    tlogEntries: [TransparencyLogEntry.fromJSON(entry) as BundleTlogEntry],
  });
  // Through the bundle's JSON form, as sign-blob writes it and verify-blob reads it.
  return (await parseBundle(await serializeBundle(bundle))).bundle;
}

const tlogEntryCheck = failedCheck("tlog-entry");

describe("witness plugins are chosen by URL or name", () => {
  it("a third-party log handling file:// gets a file:// --rekor-url, and verifies its own entries", async () => {
    const calls: string[] = [];
    const { ctx, debug } = witnessContext([recordedFileLog(calls)]);
    // Third-party logs come before the built-in Rekor in dispatch order.
    assert.deepEqual(ctx.plugins.tlogs().map((l) => l.name), ["file-log", "rekor"]);
    const url = pathToFileURL(join(tmp.dir, "log.jsonl")).href;
    const plan = await signingPlan({ "rekor-url": url }, { keyless: false, tlogUpload: true });
    assert.deepEqual(plan.witnesses, { rekor: [{ url, majorApiVersion: 1 }], tsaUrls: [] });

    const w = await collectWitnesses(ctx, submission, signature, plan.witnesses);
    assert.deepEqual(calls, [`submit ${url}`]);
    assert.equal(w.tlogEntries.length, 1);
    assert.equal((await readFile(new URL(url), "utf8")).trim().split("\n").length, 1);

    // A bundle carrying the entry is verified by the file log's own verify(), not Rekor's.
    const trust = await fileLogTrustedRoot(url, ctx);
    const bundle = await bundleWith(w.tlogEntries[0]);
    const r = await verifyBundle(bundle, { bytes: data }, { publicKey: spki }, trust, ctx);
    assert.equal(r.tlogEntries, 1);
    assert.deepEqual(calls, [`submit ${url}`, "verify"]);
    assert.ok(debug.some((m) => /"file-log" log plugin/.test(m)), debug.join("\n"));
    assert.deepEqual(r.timestamps, [{
      source: "tlog",
      time: new Date(Number(w.tlogEntries[0].integratedTime) * 1000),
    }]);

    // cosign's legacy form of the entry (rekorBundle / bundle annotation) goes the same way.
    const legacy = legacyRekorBundleOf(w.tlogEntries[0]);
    assert.ok(legacy);
    const when = await verifyRekorBundle(
      JSON.stringify(legacy),
      {
        kind: "message",
        signature,
        digest,
        keyDer: spki,
      },
      trust,
      ctx,
    );
    assert.equal(when?.getTime(), r.timestamps[0].time.getTime());
    assert.equal(calls.at(-1), "verify");

    // The file log's own checks decide: a rewritten log file fails verification.
    const path = new URL(url);
    const line = JSON.parse(await readFile(path, "utf8"));
    await writeFile(
      path,
      JSON.stringify({ ...line, integratedTime: line.integratedTime + 1 }) + "\n",
    );
    await assert.rejects(
      verifyBundle(bundle, { bytes: data }, { publicKey: spki }, trust, ctx),
      (e) => tlogEntryCheck(e) && /file log/.test(e.message),
    );
  });

  it("a signing config may name a file:// log: the plugin that handles it is used", async () => {
    const calls: string[] = [];
    const { ctx } = witnessContext([recordedFileLog(calls)]);
    const url = pathToFileURL(join(tmp.dir, "config-log.jsonl")).href;
    const config = join(tmp.dir, "signing_config.json");
    await writeFile(
      config,
      JSON.stringify({
        mediaType: SIGNING_CONFIG_MEDIA_TYPE,
        rekorTlogUrls: [{ url, majorApiVersion: 1, validFor: { start: "2020-01-01T00:00:00Z" } }],
        rekorTlogConfig: { selector: "ANY" },
      }),
    );
    const plan = await signingPlan(
      { "signing-config": config },
      { keyless: false, tlogUpload: true },
    );
    assert.deepEqual(plan.witnesses, { rekor: [{ url, majorApiVersion: 1 }], tsaUrls: [] });
    const w = await collectWitnesses(ctx, submission, signature, plan.witnesses);
    assert.deepEqual(calls, [`submit ${url}`]);
    assert.equal(w.tlogEntries[0].logIndex, "0");
  });

  it("without a log plugin for file://, signing fails before anything is written", async () => {
    const { ctx } = witnessContext();
    const url = pathToFileURL(join(tmp.dir, "nobody.jsonl")).href;
    const plan = await signingPlan({ "rekor-url": url }, { keyless: false, tlogUpload: true });
    await assert.rejects(
      collectWitnesses(ctx, submission, signature, plan.witnesses),
      (e) =>
        isCosignError(e, "UNSUPPORTED") && e.message.includes(url) && /--tlog/.test(e.hint ?? ""),
    );
  });

  it("an entry no loaded log recognizes fails as a tlog-entry check", async () => {
    const calls: string[] = [];
    const url = pathToFileURL(join(tmp.dir, "unloaded.jsonl")).href;
    const withLog = witnessContext([recordedFileLog(calls)]).ctx;
    const w = await collectWitnesses(withLog, submission, signature, {
      rekor: [{ url, majorApiVersion: 1 }],
      tsaUrls: [],
    });
    const entry = { ...w.tlogEntries[0], kindVersion: { kind: "file-record", version: "1" } };
    const { ctx } = witnessContext(); // the file log is not loaded here
    await assert.rejects(
      verifyBundle(await bundleWith(entry), { bytes: data }, { publicKey: spki }, {
        ...(await fileLogTrustedRoot(url, withLog)),
        tlogs: [],
      }, ctx),
      (e) => tlogEntryCheck(e) && /no transparency log plugin recognizes it/.test(e.message),
    );
  });

  it("--tlog NAME picks the log by name over a third-party log that handles every URL", async () => {
    const calls: string[] = [];
    const greedy = recordedFileLog(calls, { handles: () => true });
    const { ctx } = witnessContext([greedy]);
    // By URL alone, the third-party log would take even an https:// Rekor URL.
    assert.equal(ctx.plugins.tlogFor(svc.rekorUrl).name, "file-log");

    const plan = await signingPlan(
      { "rekor-url": svc.rekorUrl, tlog: "rekor" },
      { keyless: false, tlogUpload: true },
    );
    assert.deepEqual(plan.witnesses, {
      rekor: [{ url: svc.rekorUrl, majorApiVersion: 1 }],
      tsaUrls: [],
      tlogName: "rekor",
    });
    const before = svc.requests.length;
    const w = await collectWitnesses(ctx, submission, signature, plan.witnesses);
    assert.deepEqual(calls, []);
    assert.equal(svc.requests.slice(before).filter((r) => r.path.includes("/log/")).length, 1);
    const trust = await parseTrustedRoot(JSON.stringify(svc.trustedRoot), "services");
    const r = await verifyBundle(
      await bundleWith(w.tlogEntries[0]),
      { bytes: data },
      { publicKey: spki },
      trust,
      ctx,
    );
    assert.equal(r.tlogEntries, 1);
    assert.deepEqual(calls, [], "the file log does not recognize Rekor's entries");

    // --tlog NAME without --rekor-url: the named log's own default URL (none given here).
    const named = await signingPlan({ tlog: "file-log" }, { keyless: false, tlogUpload: true });
    assert.deepEqual(named.witnesses.rekor, [{ majorApiVersion: 1 }]);
  });

  it("--tlog and --tsa with unknown names fail before any service is asked", async () => {
    const { ctx } = witnessContext();
    const before = svc.requests.length;
    for (
      const [flags, re] of [
        [{ "rekor-url": svc.rekorUrl, tlog: "nope" }, /No transparency log plugin named "nope"/],
        [
          { "rekor-url": svc.rekorUrl, "timestamp-server-url": svc.tsaUrl, tsa: "nope" },
          /No timestamp authority plugin named "nope"/,
        ],
      ] as const
    ) {
      const plan = await signingPlan(flags, { keyless: false, tlogUpload: true });
      await assert.rejects(
        collectWitnesses(ctx, submission, signature, plan.witnesses),
        (e) => isCosignError(e, "UNSUPPORTED") && re.test(e.message),
      );
    }
    assert.equal(svc.requests.length, before);
  });

  it("--tsa rfc3161 picks the RFC 3161 plugin by name, and its timestamp verifies", async () => {
    const { ctx } = witnessContext();
    const plan = await signingPlan(
      { "timestamp-server-url": svc.tsaUrl, tsa: "rfc3161" },
      { keyless: false, tlogUpload: false },
    );
    assert.deepEqual(plan.witnesses, { rekor: [], tsaUrls: [svc.tsaUrl], tsaName: "rfc3161" });
    const w = await collectWitnesses(ctx, submission, signature, plan.witnesses);
    assert.equal(w.timestamps.length, 1);
    const trust = await parseTrustedRoot(JSON.stringify(svc.trustedRoot), "services");
    const bundle = buildMessageSignatureBundle({
      digest: { algorithm: "sha256", value: digest },
      signature,
      publicKeyHint: "",
      rfc3161Timestamps: w.timestamps,
    });
    const r = await verifyBundle(
      (await parseBundle(await serializeBundle(bundle))).bundle,
      { bytes: data },
      { publicKey: spki, tlogThreshold: 0 },
      trust,
      ctx,
    );
    assert.deepEqual(r.timestamps, [{ source: "tsa", time: svc.clock }]);
  });
});
