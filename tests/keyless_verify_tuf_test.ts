/**
 * `initialize` against a TUF repository this test builds and serves from node:http on
 * 127.0.0.1 (metadata signed with node:crypto, Ed25519 and ECDSA keys, consistent snapshots,
 * a root rotation), then `verify-blob` using the cached trusted root OFFLINE (server stopped).
 * Tampered targets, bad signatures, expired metadata and broken rotations are refused and leave
 * no trusted root in the cache.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { cosign, tempDir } from "./helpers/cli.ts";
import { createKeyless, type Keyless, messageBundle } from "./fixtures/keyless/factory.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";

/** OLPC canonical JSON as securesystemslib writes it: only `"` and `\\` escaped in strings. */
function canonical(v: Json): string {
  if (typeof v === "string") return `"${v.replace(/(["\\])/g, "\\$1")}"`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${
      Object.keys(v).sort().map((key) => `${canonical(key)}:${canonical(v[key])}`).join(",")
    }}`;
  }
  return String(v);
}

interface TufKey {
  id: string;
  pub: Json;
  priv: KeyObject;
  ecdsa: boolean;
}
function edKey(): TufKey {
  const k = generateKeyPairSync("ed25519");
  const raw = k.publicKey.export({ format: "der", type: "spki" }).subarray(12);
  const pub = { keytype: "ed25519", scheme: "ed25519", keyval: { public: raw.toString("hex") } };
  return {
    id: createHash("sha256").update(canonical(pub)).digest("hex"),
    pub,
    priv: k.privateKey,
    ecdsa: false,
  };
}
function ecKey(): TufKey {
  const k = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pem = k.publicKey.export({ format: "pem", type: "spki" }).toString();
  const pub = { keytype: "ecdsa", scheme: "ecdsa-sha2-nistp256", keyval: { public: pem } };
  return {
    id: createHash("sha256").update(canonical(pub)).digest("hex"),
    pub,
    priv: k.privateKey,
    ecdsa: true,
  };
}
function signMeta(signed: Json, keys: TufKey[]): Uint8Array {
  const data = Buffer.from(canonical(signed));
  const signatures = keys.map((k) => ({
    keyid: k.id,
    sig: sign(k.ecdsa ? "sha256" : null, data, k.priv).toString("hex"),
  }));
  return new TextEncoder().encode(JSON.stringify({ signed, signatures }, null, 1));
}
const future = (days: number) =>
  new Date(Date.now() + days * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
const hashes = (b: Uint8Array) => ({
  sha256: createHash("sha256").update(b).digest("hex"),
  sha512: createHash("sha512").update(b).digest("hex"),
});

/** Builds a repository: root v1 → v2 rotation, timestamp/snapshot/targets, one target. */
function buildRepo(target: Uint8Array, o: {
  tamperTarget?: boolean;
  wrongTargetsKey?: boolean;
  expiredTimestamp?: boolean;
  rotationSignedByNewOnly?: boolean;
} = {}) {
  const [r1, r2, ts, sn, tg] = [edKey(), edKey(), ecKey(), edKey(), edKey()];
  const rootSigned = (version: number, rootKey: TufKey) => ({
    _type: "root",
    spec_version: "1.0",
    version,
    expires: future(365),
    consistent_snapshot: true,
    keys: Object.fromEntries([rootKey, ts, sn, tg].map((k) => [k.id, k.pub])),
    roles: {
      root: { keyids: [rootKey.id], threshold: 1 },
      timestamp: { keyids: [ts.id], threshold: 1 },
      snapshot: { keyids: [sn.id], threshold: 1 },
      targets: { keyids: [tg.id], threshold: 1 },
    },
  });
  const root1 = signMeta(rootSigned(1, r1), [r1]);
  const root2 = signMeta(rootSigned(2, r2), o.rotationSignedByNewOnly ? [r2] : [r1, r2]);
  const served = o.tamperTarget
    ? new TextEncoder().encode(new TextDecoder().decode(target).replace("rekor", "rekoR"))
    : target;
  const targets = signMeta({
    _type: "targets",
    spec_version: "1.0",
    version: 3,
    expires: future(30),
    targets: { "trusted_root.json": { length: target.length, hashes: hashes(target) } },
  }, [o.wrongTargetsKey ? sn : tg]);
  const snapshot = signMeta({
    _type: "snapshot",
    spec_version: "1.0",
    version: 5,
    expires: future(30),
    meta: { "targets.json": { version: 3, length: targets.length, hashes: hashes(targets) } },
  }, [sn]);
  const timestamp = signMeta({
    _type: "timestamp",
    spec_version: "1.0",
    version: 7,
    expires: o.expiredTimestamp
      ? new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, "Z")
      : future(1),
    meta: { "snapshot.json": { version: 5, length: snapshot.length, hashes: hashes(snapshot) } },
  }, [ts]);
  const files = new Map<string, Uint8Array>([
    ["/2.root.json", root2],
    ["/timestamp.json", timestamp],
    ["/5.snapshot.json", snapshot],
    ["/3.targets.json", targets],
    [`/targets/${hashes(target).sha256}.trusted_root.json`, served],
  ]);
  return { root1, files };
}

async function serve(
  files: Map<string, Uint8Array>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const body = files.get(req.url ?? "");
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections?.();
      }),
  };
}

let k: Keyless;
let tmp: { dir: string; cleanup: () => Promise<void> };
let trustedRoot: Uint8Array;
before(async () => {
  k = await createKeyless();
  tmp = await tempDir("cosign-ts-tuf-");
  trustedRoot = new TextEncoder().encode(JSON.stringify(k.trustedRoot, null, 2));
  await writeFile(join(tmp.dir, "artifact.txt"), "tuf-delivered trust\n");
  await writeFile(
    join(tmp.dir, "artifact.sigstore.json"),
    JSON.stringify(await messageBundle(k, new TextEncoder().encode("tuf-delivered trust\n"))),
  );
});
after(async () => await tmp?.cleanup());

async function initialize(name: string, o: Parameters<typeof buildRepo>[1] = {}) {
  const repo = buildRepo(trustedRoot, o);
  const cache = join(tmp.dir, `cache-${name}`);
  const rootFile = join(tmp.dir, `root-${name}.json`);
  await writeFile(rootFile, repo.root1);
  const srv = await serve(repo.files);
  try {
    const r = await cosign(["initialize", "--mirror", srv.url, "--root", rootFile], {
      env: { COSIGN_TS_CACHE: cache },
    });
    return { r, cache };
  } finally {
    await srv.close();
  }
}

describe("initialize (TUF) and offline use of the cached trusted root", () => {
  it("refreshes through a root rotation, caches trusted_root.json, and verify-blob uses it offline", async () => {
    const { r, cache } = await initialize("good");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(new Uint8Array(await readFile(join(cache, "trusted_root.json"))), trustedRoot);
    assert.equal(JSON.parse(r.out).trustedRoot, join(cache, "trusted_root.json"));
    // the mirror is stopped now: verification reads only the cache
    const verify = (env: Record<string, string>) =>
      cosign([
        "verify-blob",
        "--bundle",
        join(tmp.dir, "artifact.sigstore.json"),
        "--certificate-identity",
        ID,
        "--certificate-oidc-issuer",
        ISSUER,
        join(tmp.dir, "artifact.txt"),
      ], { env });
    const ok = await verify({ COSIGN_TS_CACHE: cache });
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /Verified OK/);
    // without the cache, the embedded public-good root does not know this test instance
    const no = await verify({ COSIGN_TS_CACHE: join(tmp.dir, "empty-cache") });
    assert.equal(no.code, 12);
    assert.match(no.err, /tlog entry: log .* is not a transparency log of the trusted root/);
  });
  it("rejects a tampered target file", async () => {
    const { r, cache } = await initialize("tampered", { tamperTarget: true });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /target "trusted_root.json" does not match its sha256 hash/);
    assert.ok(!existsSync(join(cache, "trusted_root.json")));
  });
  it("rejects targets metadata signed by the wrong key", async () => {
    const { r, cache } = await initialize("wrongkey", { wrongTargetsKey: true });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /targets.json has 0 valid "targets" signatures, 1 required/);
    assert.ok(!existsSync(join(cache, "trusted_root.json")));
  });
  it("rejects expired timestamp metadata", async () => {
    const { r } = await initialize("expired", { expiredTimestamp: true });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /timestamp.json expired/);
  });
  it("rejects a root rotation not signed by the previous root", async () => {
    const { r } = await initialize("rotation", { rotationSignedByNewOnly: true });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /2.root.json \(by the previous root\) has 0 valid "root" signatures/);
  });
  it("TUF_MIRROR + TUF_ROOT_JSON: verify-blob refreshes the trusted root through TUF first (cosign's variables)", async () => {
    const repo = buildRepo(trustedRoot);
    const rootFile = join(tmp.dir, "root-env.json");
    await writeFile(rootFile, repo.root1);
    const cache = join(tmp.dir, "cache-env");
    const srv = await serve(repo.files);
    const args = [
      "verify-blob",
      "--bundle",
      join(tmp.dir, "artifact.sigstore.json"),
      "--certificate-identity",
      ID,
      "--certificate-oidc-issuer",
      ISSUER,
      join(tmp.dir, "artifact.txt"),
    ];
    try {
      const r = await cosign(args, {
        env: { COSIGN_TS_CACHE: cache, TUF_MIRROR: srv.url, TUF_ROOT_JSON: rootFile },
      });
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(
        new Uint8Array(await readFile(join(cache, "trusted_root.json"))),
        trustedRoot,
      );
      const none = await cosign(args, {
        env: { COSIGN_TS_CACHE: join(tmp.dir, "cache-env2"), TUF_MIRROR: srv.url },
      });
      assert.equal(none.code, 2);
      assert.match(
        none.err,
        /TUF_MIRROR http:\/\/127\.0\.0\.1:\d+ needs the repository's initial root/,
      );
    } finally {
      await srv.close();
    }
  });
  it("fails clearly when the mirror is unreachable or --root is missing", async () => {
    const srv = await serve(new Map());
    await srv.close();
    const rootFile = join(tmp.dir, "root-any.json");
    await writeFile(rootFile, buildRepo(trustedRoot).root1);
    let r = await cosign(["initialize", "--mirror", srv.url, "--root", rootFile], {
      env: { COSIGN_TS_CACHE: join(tmp.dir, "cache-net") },
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot fetch http:\/\/127\.0\.0\.1/);
    r = await cosign(["initialize", "--mirror", srv.url], {
      env: { COSIGN_TS_CACHE: join(tmp.dir, "cache-x") },
    });
    assert.equal(r.code, 2);
    assert.match(r.err, /needs --root FILE/);
    r = await cosign(["initialize", "--mirror", srv.url, "--root", join(tmp.dir, "nope.json")]);
    assert.equal(r.code, 1);
    assert.match(r.err, /Cannot read --root/);
  });
});
