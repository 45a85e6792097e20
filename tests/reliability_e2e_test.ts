/**
 * End-to-end reliability and security checks on dist/cosign-ts (issue 13), against a real
 * registry (Debian docker-registry on loopback):
 * - output files are written through one atomic writer: symlinks planted at the temporary names
 *   earlier versions used (predictable from pid and clock) and at the target itself are never
 *   followed; after `kill -9` of `sget -o` mid-download the next run removes the leftover.
 * - under a pseudo-terminal (python3's pty module), `sign-blob --key` asks for the key's password
 *   before the transparency-log [y/N] question, and the password is never echoed.
 * - a private key readable by others is used with ssh's warning; a key with a 40,001-bit RSA
 *   exponent (made with python3) is refused in a short message, without the tlog-skipping warning
 *   first; plugins registering an artifact kind or log name that exists are refused.
 * - errors in our words: a refused Rekor connection names host and port (no runtime wording);
 *   `sget` by tag of a signature made with --tlog-upload=false hints at --insecure-ignore-tlog;
 *   `tree` and `verify` tell two signatures over one payload apart.
 * - long transfers (upload blob, sget -o, copy, save, load) show progress on a terminal (a pty),
 *   never on a pipe or with CI set.
 * - signed JSON with a repeated key (a legacy bundle, a simple-signing payload signed by openssl)
 *   is refused with an error naming the key, although the last value would verify.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, Socket } from "node:net";
import { chmod, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BIN, cleanEnv, cosign, ROOT, runProcess, type RunResult, tempDir } from "./helpers/cli.ts";
import { pushTestImage, startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { genKey, opensslSign } from "./helpers/openssl.ts";
import { RegistryClient } from "../oci/client.ts";
import {
  buildSignatureImage,
  layerDescriptor,
  newSignatureLayer,
  signatureTag,
} from "../plugins/artifact-oci/layout.ts";
import { closeServer, within } from "./helpers/bounded.ts";
import { closedPortUrl } from "./helpers/sigstore_services.ts";

/**
 * Runs `BIN args` after `delayMs`, calling `plant(pid)` before the binary starts (the shell
 * `exec`s it, so the pid is the binary's). Bounded: killed after `timeoutMs`.
 */
function runWithKnownPid(
  args: string[],
  plant: (pid: number) => Promise<void>,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const go = join(tempDirPath, `go-${randomBytes(4).toString("hex")}`);
    const child = spawn(
      "sh",
      ["-c", `while [ ! -e "$0" ]; do sleep 0.02; done; exec "$@"`, go, BIN, ...args],
      { env: cleanEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] },
    );
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    child.stdout!.on("data", (d: Uint8Array) => out.push(d));
    child.stderr!.on("data", (d: Uint8Array) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({
        code: code ?? 128,
        stdout: new Uint8Array(stdout),
        out: stdout.toString("utf8"),
        err: Buffer.concat(err).toString("utf8"),
      });
    });
    plant(child.pid!).then(() => writeFile(go, "")).catch((e) => {
      child.kill("SIGKILL");
      reject(e);
    });
  });
}

let tempDirPath = "";

/** Symlinks at every name `nameAt(ms)` for the next `spanMs` milliseconds, all to `target`. */
async function plantLinks(
  dir: string,
  target: string,
  nameAt: (ms: number) => string[],
  spanMs = 6000,
) {
  const now = Date.now();
  const names = new Set<string>();
  for (let ms = now; ms < now + spanMs; ms++) for (const n of nameAt(ms)) names.add(n);
  await Promise.all([...names].map((n) => symlink(target, join(dir, n))));
  return names.size;
}

/**
 * A TCP relay to the registry that forwards at most `bytesPerTick` every 20 ms from the registry
 * to the client: a slow network, so a download can be interrupted mid-way.
 */
async function slowRelay(
  to: { host: string; port: number },
  bytesPerTick: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<() => void>();
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(to.port, to.host);
    client.pipe(upstream);
    const queue: Buffer[] = [];
    const timer = setInterval(() => {
      let budget = bytesPerTick;
      while (budget > 0 && queue.length) {
        const head = queue[0];
        const part = head.subarray(0, budget);
        client.write(part);
        budget -= part.length;
        if (part.length === head.length) queue.shift();
        else queue[0] = head.subarray(part.length);
      }
    }, 20);
    upstream.on("data", (d: Buffer) => queue.push(d));
    const end = () => {
      clearInterval(timer);
      client.destroy();
      upstream.destroy();
      open.delete(end);
    };
    open.add(end);
    client.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const end of [...open]) end();
      return closeServer(server);
    },
  };
}

describe("reliability (e2e, dist/cosign-ts)", () => {
  let reg: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    tempDirPath = dir;
    reg = await startRegistry("plain");
  });
  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  /** Generates a cosign key pair `<dir>/<name>.key|.pub` with `password`; returns the prefix. */
  async function newKeyPair(name: string, password = "pw"): Promise<string> {
    const prefix = join(dir, name);
    const g = await cosign(["generate-key-pair", "--output-key-prefix", prefix], {
      env: { COSIGN_PASSWORD: password },
    });
    assert.equal(g.code, 0, g.err);
    return prefix;
  }

  /** A new folder `<dir>/<name>`. */
  async function subdir(name: string): Promise<string> {
    const p = join(dir, name);
    await mkdir(p);
    return p;
  }

  /** Uploads `size` random bytes as `<dir>/<name>` to `<registry>/<repoTag>`; digest reference. */
  async function uploadRandom(name: string, size: number, repoTag: string) {
    const data = randomBytes(size);
    const file = join(dir, name);
    await writeFile(file, data);
    return { data, ref: await upload(file, `${reg.host}/${repoTag}`) };
  }

  async function upload(file: string, ref: string): Promise<string> {
    const r = await cosign(["upload", "blob", "-f", file, ref]);
    assert.equal(r.code, 0, r.err);
    return r.out.trim();
  }

  it("sget -o never follows a symlink at an old temporary name or at the target", async () => {
    const work = await subdir("sget-links");
    const { data, ref } = await uploadRandom("payload.bin", 3 * 1024 * 1024, "rel/blob:v1");
    const precious = join(dir, "precious.txt");
    await writeFile(precious, "do not touch");
    const out = join(work, "out.bin");
    // The output path itself is a link to a file outside: it is replaced, not written through.
    await symlink(precious, out);
    const r = await runWithKnownPid(["sget", "-o", out, ref], async (pid) => {
      // Names used before: `.download.tmp-<pid>-<ms base 36>-<n>` (staging) and
      // `.out.bin.tmp-<pid>-<ms base 36>-<n>` (small content commit).
      const n = await plantLinks(
        work,
        precious,
        (
          ms,
        ) => [
          `.download.tmp-${pid}-${ms.toString(36)}-0`,
          `.out.bin.tmp-${pid}-${ms.toString(36)}-0`,
        ],
      );
      assert.ok(n > 1000);
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(await readFile(precious, "utf8"), "do not touch");
    assert.ok((await lstat(out)).isFile(), "the output is a regular file, not the planted link");
    assert.deepEqual(new Uint8Array(await readFile(out)), new Uint8Array(data));
    // Nothing but the output and the planted links remain.
    for (const name of await readdir(work)) {
      if (name === "out.bin") continue;
      assert.ok((await lstat(join(work, name))).isSymbolicLink(), name);
    }
  });

  it("sign --output-signature/--output-payload never follow a symlink at an old temporary name", async () => {
    const work = await subdir("sign-links");
    const env = { COSIGN_PASSWORD: "pw" };
    const prefix = await newKeyPair("signer");
    const file = join(dir, "small.txt");
    await writeFile(file, "hello\n");
    const ref = await upload(file, `${reg.host}/rel/signed:v1`);
    const precious = join(dir, "precious-sign.txt");
    await writeFile(precious, "do not touch");
    const sig = join(work, "img.sig");
    const payload = join(work, "img.payload");
    const r = await runWithKnownPid([
      "sign",
      "--key",
      `${prefix}.key`,
      "--tlog-upload=false",
      "--output-signature",
      sig,
      "--output-payload",
      payload,
      ref,
    ], async (pid) => {
      // Names used before: `<out>.tmp-<pid>-<ms>`.
      await plantLinks(
        work,
        precious,
        (ms) => [`img.sig.tmp-${pid}-${ms}`, `img.payload.tmp-${pid}-${ms}`],
        15_000,
      );
    }, { env });
    assert.equal(r.code, 0, r.err);
    assert.equal(await readFile(precious, "utf8"), "do not touch");
    assert.ok((await lstat(sig)).isFile());
    assert.ok((await lstat(payload)).isFile());
    assert.match(await readFile(sig, "utf8"), /^[A-Za-z0-9+/]+=*$/);
    assert.match(await readFile(payload, "utf8"), /"docker-manifest-digest"/);
  });

  it("after kill -9 of sget -o mid-download, the next run removes the temporary file", async () => {
    const work = await subdir("killed");
    const { data, ref } = await uploadRandom("big.bin", 8 * 1024 * 1024, "rel/big:v1");
    const [regHost, regPort] = reg.host.split(":");
    const relay = await slowRelay({ host: regHost, port: Number(regPort) }, 16 * 1024);
    try {
      const slowRef = ref.replace(reg.host, `127.0.0.1:${relay.port}`);
      const out = join(work, "big.out");
      const child = spawn(BIN, ["sget", "-o", out, slowRef], {
        env: cleanEnv(),
        stdio: ["ignore", "ignore", "pipe"],
      });
      const exited = new Promise<void>((r) => child.on("close", () => r()));
      // Wait (bounded) until the temporary file has some bytes, then kill -9.
      let temp = "";
      const deadline = Date.now() + 30_000;
      while (!temp && Date.now() < deadline) {
        for (const n of await readdir(work)) {
          if (n.startsWith(".big.out.") && (await stat(join(work, n))).size > 64 * 1024) temp = n;
        }
        if (!temp) await new Promise((r) => setTimeout(r, 50));
      }
      child.kill("SIGKILL");
      await within(exited, 10_000, "sget to exit after SIGKILL");
      assert.ok(temp, "sget staged next to the output");
      assert.match(temp, new RegExp(`^\\.big\\.out\\.cosign-ts-${child.pid}-[0-9a-f]+\\.tmp$`));
      assert.deepEqual(await readdir(work), [temp], "kill -9 cannot clean up: the temp file stays");
      // The next run for the same output removes it (its process is gone) and writes the file.
      const again = await cosign(["sget", "-o", out, ref]);
      assert.equal(again.code, 0, again.err);
      assert.deepEqual(await readdir(work), ["big.out"]);
      assert.deepEqual(new Uint8Array(await readFile(out)), new Uint8Array(data));
    } finally {
      await relay.close();
    }
  });

  it("Ctrl-C during sget -o unwinds: temporary file removed, no output, then ends by SIGINT", async () => {
    const work = await subdir("interrupted");
    const { ref } = await uploadRandom("int.bin", 8 * 1024 * 1024, "rel/int:v1");
    const [regHost, regPort] = reg.host.split(":");
    const relay = await slowRelay({ host: regHost, port: Number(regPort) }, 16 * 1024);
    try {
      const slowRef = ref.replace(reg.host, `127.0.0.1:${relay.port}`);
      const out = join(work, "int.out");
      const child = spawn(BIN, ["sget", "-o", out, slowRef], {
        env: cleanEnv(),
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr!.on("data", (d: Uint8Array) => err += new TextDecoder().decode(d));
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
        child.on("close", (code, signal) => r({ code, signal }))
      );
      let staged = false;
      const deadline = Date.now() + 30_000;
      while (!staged && Date.now() < deadline) {
        for (const n of await readdir(work)) {
          if (n.startsWith(".int.out.") && (await stat(join(work, n))).size > 64 * 1024) {
            staged = true;
          }
        }
        if (!staged) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(staged, "sget staged next to the output");
      const sent = Date.now();
      child.kill("SIGINT");
      const status = await within(exited, 10_000, "sget to exit after SIGINT");
      // Killed by SIGINT after cleaning up, as Unix tools end after Ctrl-C (shells say 130).
      assert.deepEqual(status, { code: null, signal: "SIGINT" }, err);
      assert.ok(Date.now() - sent < 5000, "unwinds within the grace period");
      assert.match(err, /interrupted \(Ctrl-C\)/);
      assert.deepEqual(await readdir(work), [], "the temporary file is removed, no output");
    } finally {
      await relay.close();
    }
  });

  it("refuses a legacy bundle that repeats a key, naming it (the last value would verify)", async () => {
    const env = { COSIGN_PASSWORD: "pw" };
    const prefix = await newKeyPair("dupkey");
    const file = join(dir, "dup-blob.txt");
    await writeFile(file, "blob with a bundle\n");
    const bundle = join(dir, "dup-blob.bundle");
    const s = await cosign([
      "sign-blob",
      "--key",
      `${prefix}.key`,
      "--tlog-upload=false",
      "--bundle",
      bundle,
      "--yes",
      file,
    ], { env });
    assert.equal(s.code, 0, s.err);
    const verify = (b: string) =>
      cosign([
        "verify-blob",
        "--key",
        `${prefix}.pub`,
        "--bundle",
        b,
        "--insecure-ignore-tlog",
        file,
      ]);
    const ok = await verify(bundle);
    assert.equal(ok.code, 0, ok.err);
    const text = await readFile(bundle, "utf8");
    const good = (JSON.parse(text) as { base64Signature: string }).base64Signature;
    const forged = text.replace(
      /^\{/,
      `{"base64Signature":${JSON.stringify("A" + good.slice(1))},`,
    );
    assert.notEqual(forged, text);
    const dup = join(dir, "dup-blob-dup.bundle");
    await writeFile(dup, forged);
    const r = await verify(dup);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /the key "base64Signature" appears twice in \$/);
    assert.doesNotMatch(r.err, /Verified OK/);
  });

  it("refuses an image signature whose simple-signing payload repeats a key", async () => {
    const client = new RegistryClient(reg.clientOptions());
    const repo = `${reg.host}/rel/dup-payload`;
    const img = await pushTestImage(client, `${repo}:v1`);
    const key = await genKey(dir, "dup-img", "p256");
    const digest = img.digest;
    // Go and JSON.parse both keep the last value: this payload "is" for the right digest, and
    // a reader that keeps the first sees another one.
    const payload = new TextEncoder().encode(
      `{"critical":{"identity":{"docker-reference":"${repo}"},"image":{"docker-manifest-digest":` +
        `"sha256:${"0".repeat(64)}","docker-manifest-digest":"${digest}"},` +
        `"type":"cosign container image signature"},"optional":null}`,
    );
    const payloadFile = join(dir, "dup-payload.json");
    await writeFile(payloadFile, payload);
    await opensslSign("p256", key.key, payloadFile, `${payloadFile}.sig`);
    const sig = new Uint8Array(await readFile(`${payloadFile}.sig`));
    const layer = newSignatureLayer(payload, sig);
    const sigImg = buildSignatureImage([layerDescriptor(layer)]);
    await client.putBlob(repo, payload, { mediaType: layer.mediaType });
    await client.putBlob(repo, sigImg.config);
    await client.putManifest(`${repo}:${signatureTag(digest)}`, sigImg.manifest, sigImg.mediaType);
    const r = await cosign([
      "verify",
      "--key",
      key.pub,
      "--insecure-ignore-tlog",
      `${repo}@${digest}`,
    ]);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.err, /the key "docker-manifest-digest" appears twice in \$\.critical\.image/);
  });

  it("asks for the key's password before the log confirmation, and never echoes it", async () => {
    const password = "pw-" + randomBytes(6).toString("hex");
    const prefix = await newKeyPair("pty", password);
    const file = join(dir, "pty.txt");
    await writeFile(file, "signed at a terminal\n");
    const steps = [["Enter password", password + "\r"], ["Are you sure", "n\r"]];
    const r = await runProcess("python3", [
      join(ROOT, "tests", "helpers", "pty_drive.py"),
      JSON.stringify(steps),
      BIN,
      "sign-blob",
      "--key",
      `${prefix}.key`,
      file,
    ], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.err);
    const run = JSON.parse(r.out) as { transcript: string; code: number; failed: unknown };
    assert.equal(run.failed, null, run.transcript);
    const t = run.transcript;
    const pw = t.indexOf("Enter password");
    const notice = t.indexOf("transparency logs");
    const ask = t.indexOf("Are you sure");
    assert.ok(pw >= 0 && notice > pw && ask > notice, t);
    assert.ok(!t.includes(password), "the password was echoed:\n" + t);
    assert.match(t, /\[y\/N\]: n\r?\n/);
    assert.match(t, /was cancelled: publishing to the transparency log was not confirmed/);
    assert.equal(run.code, 1);
  });

  it("warns as ssh does about a private key readable by others, and still signs", async () => {
    const prefix = await newKeyPair("loose");
    const env = { COSIGN_PASSWORD: "pw" };
    const file = join(dir, "loose.txt");
    await writeFile(file, "x\n");
    const sign = () =>
      cosign(["sign-blob", "--key", `${prefix}.key`, "--tlog-upload=false", file], { env });
    const tight = await sign();
    assert.equal(tight.code, 0, tight.err);
    assert.doesNotMatch(tight.err, /UNPROTECTED/);
    for (const mode of [0o640, 0o604]) {
      await chmod(`${prefix}.key`, mode);
      const loose = await sign();
      assert.equal(loose.code, 0, loose.err);
      assert.match(
        loose.err,
        new RegExp(`WARNING: UNPROTECTED PRIVATE KEY FILE! Permissions 0${mode.toString(8)} for`),
      );
      assert.match(loose.err, /chmod 600/);
      assert.ok(loose.out.trim().length > 0, "still signed");
    }
  });

  it("reports a huge RSA exponent briefly, and warns about skipping the tlog only after the key loaded", async () => {
    const huge = join(dir, "huge.pub");
    const py = await runProcess("python3", [
      "-c",
      `
import base64
def length(n):
    if n < 128: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big"); return bytes([0x80 | len(b)]) + b
def tlv(tag, body): return bytes([tag]) + length(len(body)) + body
def integer(v): return tlv(2, v.to_bytes((v.bit_length() + 8) // 8, "big"))
n = (1 << 2047) | 0xabcdef12345 | 1
e = (1 << 40000) + 1
rsa = tlv(0x30, integer(n) + integer(e))
alg = tlv(0x30, tlv(6, bytes.fromhex("2a864886f70d010101")) + b"\\x05\\x00")
spki = tlv(0x30, alg + tlv(3, b"\\x00" + rsa))
b = base64.b64encode(spki).decode()
print("-----BEGIN PUBLIC KEY-----\\n" + "\\n".join(b[i:i+64] for i in range(0, len(b), 64)) + "\\n-----END PUBLIC KEY-----")
`,
    ]);
    assert.equal(py.code, 0, py.err);
    await writeFile(huge, py.out);
    const file = join(dir, "huge.txt");
    await writeFile(file, "x\n");
    const r = await cosign([
      "verify-blob",
      "--key",
      huge,
      "--signature",
      "MEUCIQ==",
      "--insecure-ignore-tlog",
      file,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.err, /the RSA public exponent a 40001-bit number \(0x1000…0001\) is invalid/);
    assert.ok(r.err.length < 400, r.err.slice(0, 400));
    assert.doesNotMatch(r.err, /\d{30}/);
    assert.doesNotMatch(r.err, /Skipping tlog verification/);
  });

  it("refuses a plugin that registers an artifact kind or a log name that exists", async () => {
    const mod = JSON.stringify(join(ROOT, "mod.ts"));
    const cases: [string, string, RegExp][] = [
      [
        "dup_kind.ts",
        `export default definePlugin({ name: "dup-kind", apiVersion: 1, artifacts: [{
  kind: "blob", description: "again", claims: () => false,
  resolve: () => { throw new Error("unused"); } }] });`,
        /Cannot load plugin "dup-kind" from .*dup_kind\.ts"?: artifact kind "blob" is already provided by plugin "[a-z-]+"/,
      ],
      [
        "dup_log.ts",
        `export default definePlugin({ name: "dup-log", apiVersion: 1, tlogs: [{
  name: "rekor", description: "again",
  submit: () => { throw new Error("unused"); }, verify: () => { throw new Error("unused"); } }] });`,
        /Cannot load plugin "dup-log" from .*dup_log\.ts"?: (transparency )?log "rekor" is already provided by plugin "[a-z-]+"/,
      ],
    ];
    for (const [name, body, want] of cases) {
      const path = join(dir, name);
      await writeFile(path, `import { definePlugin } from ${mod};\n${body}\n`);
      const r = await cosign(["--plugin", path, "version"]);
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.err, want);
    }
  });

  it("words a refused Rekor connection itself, naming host and port", async () => {
    const env = { COSIGN_PASSWORD: "pw" };
    const prefix = await newKeyPair("rekor-down");
    const file = join(dir, "rekor-down.txt");
    await writeFile(file, "x\n");
    const down = await closedPortUrl();
    const hp = new URL(down).host;
    const r = await cosign(
      ["sign-blob", "--key", `${prefix}.key`, "--rekor-url", down, "-y", file],
      { env },
    );
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, new RegExp(`Cannot reach Rekor at .*: connection refused by ${hp}`));
    assert.match(r.err, new RegExp(`Hint: Nothing listens on ${hp}`));
    assert.doesNotMatch(r.err, /Is the computer able|os error|ECONNREFUSED/);
  });

  it("sget by tag of a --tlog-upload=false signature hints at --insecure-ignore-tlog; tree and verify tell signatures over one payload apart", async () => {
    const env = { COSIGN_PASSWORD: "pw" };
    const keys: string[] = [];
    for (const n of ["two-a", "two-b", "two-c"]) keys.push(await newKeyPair(n));
    const file = join(dir, "two.txt");
    await writeFile(file, "two signers\n");
    const tag = `${reg.host}/rel/two:v1`;
    const ref = await upload(file, tag);
    for (const k of keys.slice(0, 2)) {
      const s = await cosign(["sign", "--key", `${k}.key`, "--tlog-upload=false", ref], { env });
      assert.equal(s.code, 0, s.err);
    }
    const noTlog = await cosign(["sget", "--key", `${keys[0]}.pub`, tag]);
    assert.notEqual(noTlog.code, 0);
    assert.equal(noTlog.stdout.length, 0);
    assert.match(noTlog.err, /Hint: .*--insecure-ignore-tlog/);
    assert.doesNotMatch(noTlog.err, /Hint: .*annotations/);

    const tree = await cosign(["tree", tag]);
    assert.equal(tree.code, 0, tree.err);
    const cherries = tree.out.split("\n").filter((l) => l.includes("🍒"));
    assert.equal(cherries.length, 2, tree.out);
    const own = cherries.map((l) => /\(signature (sha256:[0-9a-f]{64})\)/.exec(l)?.[1]);
    assert.ok(own[0] && own[1] && own[0] !== own[1], tree.out);

    const wrong = await cosign([
      "verify",
      "--key",
      `${keys[2]}.pub`,
      "--insecure-ignore-tlog",
      tag,
    ]);
    assert.notEqual(wrong.code, 0);
    const listed = [...wrong.err.matchAll(/\(signature (sha256:[0-9a-f]{64})\)/g)].map((m) => m[1]);
    assert.equal(listed.length, 2, wrong.err);
    assert.deepEqual(new Set(listed), new Set(own), wrong.err);
  });

  it("shows progress for long transfers on a terminal only, never on a pipe or in CI", async () => {
    const work = await subdir("progress");
    const file = join(work, "big.bin");
    await writeFile(file, randomBytes(6 * 1024 * 1024));
    const tag = `${reg.host}/rel/progress:v1`;
    /** Runs the binary under a pseudo-terminal; returns the terminal transcript. */
    // The test's own environment may have CI set (CI runners do): the terminal runs clear it unless
    // a run sets it on purpose.
    const underPty = async (args: string[], env: Record<string, string> = {}) => {
      const r = await runProcess(
        "python3",
        [join(ROOT, "tests", "helpers", "pty_drive.py"), "[]", BIN, ...args],
        { env: { CI: undefined, ...env }, timeoutMs: 90_000 },
      );
      assert.equal(r.code, 0, r.err);
      const run = JSON.parse(r.out) as { transcript: string; code: number; failed: unknown };
      assert.equal(run.failed, null, run.transcript);
      assert.equal(run.code, 0, run.transcript);
      return run.transcript;
    };
    const up = await underPty(["upload", "blob", "-f", file, tag]);
    assert.match(up, /\rUploading .*big\.bin {2}[\d.]+ (KiB|MiB) \/ 6\.0 MiB {2}\d+%/);
    assert.match(up, /6\.0 MiB \/ 6\.0 MiB {2}100% *\r?\n/);
    const ref = /(127\.0\.0\.1:\d+\/rel\/progress@sha256:[0-9a-f]{64})/.exec(up)![1];
    const got = await underPty(["sget", "-o", join(work, "got.bin"), ref]);
    assert.match(got, /\rDownloading .*@sha256:[0-9a-f]{64} {2}6\.0 MiB *\r?\n/);
    const saved = await underPty(["save", "--dir", join(work, "layout"), ref]);
    assert.match(saved, /\rSaving .* {2}6\.0 MiB/);
    const loaded = await underPty([
      "load",
      "--dir",
      join(work, "layout"),
      `${reg.host}/rel/loaded:v1`,
    ]);
    assert.match(loaded, /\rLoading .*layout {2}\d/);
    // In CI (even on a terminal) and on a pipe: no progress at all.
    const ci = await underPty(["sget", "-o", join(work, "ci.bin"), ref], { CI: "true" });
    assert.doesNotMatch(ci, /Downloading|\r(?!\n)/);
    const piped = await cosign(["sget", "-o", join(work, "pipe.bin"), ref]);
    assert.equal(piped.code, 0, piped.err);
    assert.doesNotMatch(piped.err, /Downloading|\r/);
    const upPiped = await cosign(["upload", "blob", "-f", file, `${reg.host}/rel/progress:v2`]);
    assert.equal(upPiped.code, 0, upPiped.err);
    assert.doesNotMatch(upPiped.err, /\rUploading|%/);
  });
});
