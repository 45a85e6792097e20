import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { isCosignError } from "../core/errors.ts";
import {
  credentialFromConfig,
  credentialFromEntry,
  DOCKER_HUB_AUTH_KEY,
  dockerConfigPath,
  findAuthEntry,
  normalizeRegistryKey,
  parseDockerConfig,
  resolveCredential,
  saveLogin,
} from "./docker_config.ts";

const b64 = (s: string) => btoa(s);

describe("docker config parsing", () => {
  it("decodes auth, username/password, identitytoken and registrytoken entries", () => {
    assert.deepEqual(credentialFromEntry({ auth: b64("alice:pa:ss") }), {
      username: "alice",
      password: "pa:ss",
    });
    assert.deepEqual(credentialFromEntry({ username: "bob", password: "pw" }), {
      username: "bob",
      password: "pw",
    });
    assert.deepEqual(credentialFromEntry({ identitytoken: "refresh" }), {
      identityToken: "refresh",
      username: undefined,
    });
    assert.deepEqual(credentialFromEntry({ registrytoken: "bearer" }), { registryToken: "bearer" });
    assert.equal(credentialFromEntry({}), undefined);
    // docker writes auth without padding sometimes
    assert.deepEqual(credentialFromEntry({ auth: b64("ab:c").replace(/=+$/, "") }), {
      username: "ab",
      password: "c",
    });
  });
  it("rejects auth values that are not base64 user:password", () => {
    assert.throws(() => credentialFromEntry({ auth: "!!!" }, "r"), /not base64/);
    assert.throws(() => credentialFromEntry({ auth: b64("nocolon") }, "r"), /not "user:password"/);
  });
  it("rejects malformed files with INVALID_INPUT", () => {
    for (const t of ["{", "[]", '"x"', '{"auths": []}', '{"credsStore": 1}']) {
      assert.throws(() => parseDockerConfig(t, "/x/config.json"), (e: unknown) => {
        assert.ok(isCosignError(e, "INVALID_INPUT"));
        assert.match((e as Error).message, /\/x\/config\.json/);
        return true;
      });
    }
    assert.deepEqual(parseDockerConfig(""), {});
  });
  it("matches keys the way docker does (scheme and path ignored, Docker Hub aliases)", () => {
    assert.equal(normalizeRegistryKey("https://index.docker.io/v1/"), "index.docker.io");
    assert.equal(normalizeRegistryKey("docker.io"), "index.docker.io");
    assert.equal(normalizeRegistryKey("http://LOCALHOST:5000/v2/"), "localhost:5000");
    const cfg = parseDockerConfig(JSON.stringify({
      auths: {
        [DOCKER_HUB_AUTH_KEY]: { auth: b64("hub:1") },
        "http://127.0.0.1:5000/v2/": { auth: b64("local:2") },
        "ghcr.io": { username: "gh", password: "3" },
      },
    }));
    assert.equal(findAuthEntry(cfg, "index.docker.io")?.[0], DOCKER_HUB_AUTH_KEY);
    assert.equal(findAuthEntry(cfg, "127.0.0.1:5000")?.[0], "http://127.0.0.1:5000/v2/");
    assert.equal(findAuthEntry(cfg, "ghcr.io")?.[0], "ghcr.io");
    assert.equal(findAuthEntry(cfg, "quay.io"), undefined);
  });
  it("config path: DOCKER_CONFIG, else HOME/.docker", () => {
    assert.equal(
      dockerConfigPath((n) => ({ DOCKER_CONFIG: "/d" } as Record<string, string>)[n]),
      "/d/config.json",
    );
    assert.equal(
      dockerConfigPath((n) => ({ HOME: "/home/u" } as Record<string, string>)[n]),
      "/home/u/.docker/config.json",
    );
  });
});

describe("credential helpers (real child processes)", () => {
  let dir = "";
  let env: (n: string) => string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cosign-ts-credhelper-"));
    // A docker-credential helper as docker specifies it: `get` reads the server URL on stdin.
    const script = `#!/bin/sh
set -e
case "$1" in
  get)
    server=$(cat)
    case "$server" in
      helped.example.com) echo '{"ServerURL":"helped.example.com","Username":"helper-user","Secret":"helper-pass"}' ;;
      token.example.com) echo '{"ServerURL":"token.example.com","Username":"<token>","Secret":"refresh-123"}' ;;
      garbage.example.com) echo 'this is not json' ;;
      broken.example.com) echo 'the keychain is locked' >&2; exit 3 ;;
      *) echo 'credentials not found in native keychain'; exit 1 ;;
    esac ;;
  store) cat > "${dir}/stored.json" ;;
  *) exit 2 ;;
esac
`;
    await writeFile(join(dir, "docker-credential-test"), script);
    await chmod(join(dir, "docker-credential-test"), 0o755);
    const vars: Record<string, string> = {
      PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: dir,
      DOCKER_CONFIG: join(dir, "docker"),
    };
    env = (n) => vars[n];
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("credHelpers answer for their registry; <token> means an identity token", async () => {
    const cfg = parseDockerConfig(JSON.stringify({
      credHelpers: { "helped.example.com": "test", "token.example.com": "test" },
      auths: { "helped.example.com": { auth: b64("file-user:file-pass") } },
    }));
    assert.deepEqual(await credentialFromConfig(cfg, "helped.example.com", env), {
      username: "helper-user",
      password: "helper-pass",
    });
    assert.deepEqual(await credentialFromConfig(cfg, "token.example.com", env), {
      identityToken: "refresh-123",
    });
  });
  it("credsStore is used for every registry; not found falls back to auths, then anonymous", async () => {
    const cfg = parseDockerConfig(JSON.stringify({
      credsStore: "test",
      auths: { "other.example.com": { auth: b64("o:p") } },
    }));
    assert.equal(
      (await credentialFromConfig(cfg, "helped.example.com", env))?.username,
      "helper-user",
    );
    assert.deepEqual(await credentialFromConfig(cfg, "other.example.com", env), {
      username: "o",
      password: "p",
    });
    assert.equal(await credentialFromConfig(cfg, "nothing.example.com", env), undefined);
  });
  it("a failing, garbled or missing helper is a clear AUTH error", async () => {
    const cfg = parseDockerConfig(JSON.stringify({ credsStore: "test" }));
    await assert.rejects(credentialFromConfig(cfg, "broken.example.com", env), (e: unknown) => {
      assert.ok(isCosignError(e, "AUTH"));
      assert.match((e as Error).message, /docker-credential-test.*keychain is locked/);
      return true;
    });
    await assert.rejects(credentialFromConfig(cfg, "garbage.example.com", env), /not JSON/);
    const missing = parseDockerConfig(JSON.stringify({ credsStore: "does-not-exist-xyz" }));
    await assert.rejects(credentialFromConfig(missing, "a.example.com", env), (e: unknown) => {
      assert.ok(isCosignError(e, "AUTH"));
      assert.match((e as { hint?: string }).hint ?? "", /docker-credential-does-not-exist-xyz/);
      return true;
    });
  });
  it("saveLogin writes docker's format atomically with mode 0600, keeping other fields", async () => {
    const path = join(dir, "docker", "config.json");
    await rm(join(dir, "docker"), { recursive: true, force: true });
    const written = await saveLogin("127.0.0.1:5000", "alice", "s3:cret", env);
    assert.equal(written, path);
    const st = await stat(path);
    assert.equal(st.mode & 0o777, 0o600);
    const cfg = JSON.parse(await readFile(path, "utf8"));
    assert.equal(atob(cfg.auths["127.0.0.1:5000"].auth), "alice:s3:cret");
    // keep unrelated fields, replace other spellings of the same registry
    cfg.psFormat = "table";
    cfg.auths["http://127.0.0.1:5000/v2/"] = { auth: b64("old:old") };
    await writeFile(path, JSON.stringify(cfg));
    await saveLogin("127.0.0.1:5000", "bob", "pw", env);
    const again = JSON.parse(await readFile(path, "utf8"));
    assert.equal(again.psFormat, "table");
    assert.deepEqual(Object.keys(again.auths), ["127.0.0.1:5000"]);
    assert.deepEqual(await resolveCredential("127.0.0.1:5000", env), {
      username: "bob",
      password: "pw",
    });
    await saveLogin("docker.io", "hubuser", "hubpw", env);
    const hub = JSON.parse(await readFile(path, "utf8"));
    assert.equal(atob(hub.auths[DOCKER_HUB_AUTH_KEY].auth), "hubuser:hubpw");
  });
  it("saveLogin stores through the credential helper when credsStore is set", async () => {
    const path = join(dir, "docker", "config.json");
    await writeFile(path, JSON.stringify({ credsStore: "test" }));
    await saveLogin("reg.example.com", "carol", "pw2", env);
    const stored = JSON.parse(await readFile(join(dir, "stored.json"), "utf8"));
    assert.deepEqual(stored, { ServerURL: "reg.example.com", Username: "carol", Secret: "pw2" });
    const cfg = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(cfg.auths["reg.example.com"], {});
    assert.equal(cfg.credsStore, "test");
  });
});
