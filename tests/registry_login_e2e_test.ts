/**
 * `cosign-ts login` end to end on the compiled binary against real registries (TLS + htpasswd,
 * and bearer tokens); skopeo reads the config.json it writes.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { RegistryClient } from "../oci/client.ts";
import { cosign, tempDir } from "./helpers/cli.ts";
import {
  freePort,
  pushTestImage,
  skopeoCertDir,
  skopeoInspectDigest,
  startRegistry,
  type TestRegistry,
} from "./helpers/registry.ts";

describe("cosign-ts login", () => {
  let tls: TestRegistry;
  let token: TestRegistry;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    [tls, token] = await Promise.all([startRegistry("tls-basic"), startRegistry("token")]);
    tmp = await tempDir();
  });
  after(async () => {
    await tls?.stop();
    await token?.stop();
    await tmp?.cleanup();
  });

  it("logs in to a TLS + htpasswd registry with --password-stdin; skopeo uses the result", async () => {
    const cfgDir = join(tmp.dir, "d1");
    const r = await cosign(["login", tls.host, "-u", tls.username!, "--password-stdin"], {
      stdin: tls.password + "\n",
      env: { DOCKER_CONFIG: cfgDir, ...tls.env() },
    });
    assert.equal(r.code, 0, r.err);
    const path = join(cfgDir, "config.json");
    assert.match(r.err, new RegExp(`logged in via ${path.replace(/[/.]/g, "\\$&")}`));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const cfg = JSON.parse(await readFile(path, "utf8"));
    assert.equal(atob(cfg.auths[tls.host].auth), `${tls.username}:${tls.password}`);

    const client = new RegistryClient({
      caCerts: [tls.caPem!],
      credentials: { username: tls.username, password: tls.password },
    });
    const img = await pushTestImage(client, `${tls.host}/login/app:v1`, { layers: 1 });
    const certDir = await skopeoCertDir(tls, tmp.dir);
    const peer = await skopeoInspectDigest(`${tls.host}/login/app:v1`, path, certDir);
    assert.equal(peer.code, 0, peer.err);
    assert.equal(peer.out.trim(), img.digest);
  });

  it("--registry-cacert trusts the registry's CA without NODE_EXTRA_CA_CERTS; -p works", async () => {
    const cfgDir = join(tmp.dir, "d2");
    const r = await cosign([
      "login",
      `https://${tls.host}`,
      "-u",
      tls.username!,
      "-p",
      tls.password!,
      "--registry-cacert",
      tls.caFile!,
    ], { env: { DOCKER_CONFIG: cfgDir } });
    assert.equal(r.code, 0, r.err);
    const cfg = JSON.parse(await readFile(join(cfgDir, "config.json"), "utf8"));
    assert.ok(cfg.auths[tls.host].auth);
  });

  it("without the CA: exit 1 with a TLS hint, nothing written", async () => {
    const cfgDir = join(tmp.dir, "d3");
    const r = await cosign(["login", tls.host, "-u", tls.username!, "-p", tls.password!], {
      env: { DOCKER_CONFIG: cfgDir },
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /Error: .*TLS/);
    assert.match(r.err, /Hint: .*--registry-cacert/);
    await assert.rejects(stat(join(cfgDir, "config.json")));
  });

  it("--allow-insecure-registry skips certificate verification (as cosign)", async () => {
    const cfgDir = join(tmp.dir, "d3b");
    const r = await cosign([
      "login",
      tls.host,
      "-u",
      tls.username!,
      "-p",
      tls.password!,
      "--allow-insecure-registry",
    ], { env: { DOCKER_CONFIG: cfgDir } });
    assert.equal(r.code, 0, r.err);
    const cfg = JSON.parse(await readFile(join(cfgDir, "config.json"), "utf8"));
    assert.ok(cfg.auths[tls.host].auth);
  });

  it("a wrong password is refused and leaves the existing config untouched", async () => {
    const cfgDir = join(tmp.dir, "d4");
    await mkdir(cfgDir, { recursive: true });
    const before = JSON.stringify({ auths: { "other.example.com": { auth: btoa("a:b") } } });
    await writeFile(join(cfgDir, "config.json"), before);
    const r = await cosign(["login", tls.host, "-u", tls.username!, "--password-stdin"], {
      stdin: "not-the-password",
      env: { DOCKER_CONFIG: cfgDir, ...tls.env() },
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /Error: Cannot log in to 127\.0\.0\.1:\d+: the registry rejected/);
    assert.equal(await readFile(join(cfgDir, "config.json"), "utf8"), before);
    assert.ok(!r.err.includes("    at "), "no stack trace");
  });

  it("logs in to a token registry (credentials checked at the token server)", async () => {
    const cfgDir = join(tmp.dir, "d5");
    const ok = await cosign(["login", token.host, "-u", token.username!, "--password-stdin"], {
      stdin: token.password!,
      env: { DOCKER_CONFIG: cfgDir },
    });
    assert.equal(ok.code, 0, ok.err);
    // The saved login works for the client reading DOCKER_CONFIG.
    const client = new RegistryClient({ env: (n) => (n === "DOCKER_CONFIG" ? cfgDir : undefined) });
    const img = await pushTestImage(client, `${token.host}/login/tok:v1`, { layers: 1 });
    assert.equal(await client.resolveDigest(`${token.host}/login/tok:v1`), img.digest);
    const bad = await cosign(["login", token.host, "-u", token.username!, "-p", "nope"], {
      env: { DOCKER_CONFIG: join(tmp.dir, "d6") },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /token server refused the credentials/);
  });

  it("the binary gets credentials from a docker-credential helper (credHelpers, credsStore)", async () => {
    const bin = join(tmp.dir, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, "docker-credential-e2e"),
      `#!/bin/sh\n[ "$1" = get ] || exit 2\nserver=$(cat)\n` +
        `if [ "$server" = "${tls.host}" ]; then echo '{"Username":"${tls.username}","Secret":"${tls.password}"}'; ` +
        `else echo 'credentials not found in native keychain'; exit 1; fi\n`,
      { mode: 0o755 },
    );
    await writeFile(
      join(bin, "docker-credential-broken"),
      "#!/bin/sh\necho 'keychain locked' >&2\nexit 3\n",
      {
        mode: 0o755,
      },
    );
    const client = new RegistryClient({
      caCerts: [tls.caPem!],
      credentials: { username: tls.username, password: tls.password },
    });
    const img = await pushTestImage(client, `${tls.host}/login/helper:v1`, { layers: 1 });
    const env = (cfg: object, name: string) => {
      const dir = join(tmp.dir, name);
      return mkdir(dir, { recursive: true })
        .then(() => writeFile(join(dir, "config.json"), JSON.stringify(cfg)))
        .then(() => ({ DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}`, ...tls.env() }));
    };
    for (const cfg of [{ credHelpers: { [tls.host]: "e2e" } }, { credsStore: "e2e" }]) {
      const r = await cosign(["triangulate", `${tls.host}/login/helper:v1`], {
        env: await env(cfg, `h-${Object.keys(cfg)[0]}`),
      });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.trim(), `${tls.host}/login/helper:sha256-${img.digest.slice(7)}.sig`);
    }
    const broken = await cosign(["triangulate", `${tls.host}/login/helper:v1`], {
      env: await env({ credsStore: "broken" }, "h-broken"),
    });
    assert.equal(broken.code, 1);
    assert.match(broken.err, /docker-credential-broken.*keychain locked/);
  });

  it("usage errors and bad input", async () => {
    const env = { DOCKER_CONFIG: join(tmp.dir, "d7") };
    const noUser = await cosign(["login", tls.host, "-p", "x"], { env });
    assert.equal(noUser.code, 2);
    assert.match(noUser.err, /username and password required/);
    const noArg = await cosign(["login", "-u", "a", "-p", "b"], { env });
    assert.equal(noArg.code, 2);
    const badName = await cosign(["login", "bad host!", "-u", "a", "-p", "b"], { env });
    assert.equal(badName.code, 1);
    assert.match(badName.err, /not a valid registry host|Cannot parse/);
    const port = await freePort();
    const refused = await cosign(["login", `127.0.0.1:${port}`, "-u", "a", "-p", "b"], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /connection refused/);
    await assert.rejects(stat(join(tmp.dir, "d7", "config.json")));
  });
});
