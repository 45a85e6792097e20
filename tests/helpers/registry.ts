/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) started on a
 * free 127.0.0.1 port with a config in a temporary directory, in one of three modes:
 *
 * - "plain": plain HTTP, anonymous;
 * - "tls-basic": HTTPS with a test CA and a separate leaf certificate (SAN IP:127.0.0.1,
 *   DNS:localhost) made by openssl, and htpasswd Basic auth (`htpasswd -Bbn`);
 * - "token": plain HTTP with bearer tokens from a token server this helper runs on another
 *   loopback port, issuing ES256 JWTs (jose) with the `access` claim, checked by the registry
 *   against the signer's certificate (`auth.token.rootcertbundle`).
 *
 * Also pushes small test images and indexes with our own client.
 *
 * @example
 * ```ts
 * const reg = await startRegistry("plain");
 * try {
 *   const client = new RegistryClient(reg.clientOptions());
 *   const img = await pushTestImage(client, `${reg.host}/demo:v1`);
 * } finally {
 *   await reg.stop();
 * }
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, createServer as createNetServer } from "node:net";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import process from "node:process";
import { runProcess, type RunResult, tempDir } from "./cli.ts";
import type { Credential } from "../../oci/auth.ts";
import type { Descriptor, RegistryClient, RegistryClientOptions } from "../../oci/client.ts";
import { sha256Digest } from "../../oci/digest.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from "../../oci/media_types.ts";

/** Registry modes. */
export type RegistryMode = "plain" | "tls-basic" | "token";

/** A running test registry. */
export interface TestRegistry {
  /** The mode it runs in. */
  mode: RegistryMode;
  /** "127.0.0.1:PORT" (or "[::1]:PORT"), to put in references. */
  host: string;
  /** "http(s)://127.0.0.1:PORT". */
  url: string;
  /** Temporary directory holding config, storage, certificates. */
  dir: string;
  /** tls-basic: path of the CA certificate (PEM) that signed the server certificate. */
  caFile?: string;
  /** tls-basic: the CA certificate PEM text. */
  caPem?: string;
  /** tls-basic and token: a user name the registry accepts. */
  username?: string;
  /** tls-basic and token: its password. */
  password?: string;
  /** token: an identity (refresh) token the token server accepts for `username`. */
  identityToken?: string;
  /** token: the token server's URL (realm is `${tokenUrl}/token`). */
  tokenUrl?: string;
  /** token: number of requests the token server received. */
  tokenRequests(): number;
  /** Access-log request lines seen so far ("GET /v2/… HTTP/1.1" …). */
  accessLog(): string[];
  /**
   * Waits until the registry's log has been quiet for 100 ms (at most 2 s): the access-log line
   * of a request arrives through a pipe shortly after its response, so call this before counting.
   */
  settle(): Promise<void>;
  /** Options for a {@link RegistryClient} that can use this registry (CA and credentials). */
  clientOptions(extra?: Partial<RegistryClientOptions>): RegistryClientOptions;
  /** Environment for dist/cosign-ts to trust the CA (NODE_EXTRA_CA_CERTS). */
  env(): Record<string, string>;
  /** Kills the registry immediately (SIGKILL), e.g. to simulate a crash. Storage stays. */
  kill(): void;
  /** Stops the registry and token server and removes the temporary directory. */
  stop(): Promise<void>;
}

/** Options for {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Extra `http` config lines? No: extra YAML appended at top level. */
  extraConfig?: string;
  /** Token lifetime in seconds (token mode). Default 300. */
  tokenTtl?: number;
  /** Listen on the IPv6 loopback [::1] instead of 127.0.0.1 (plain and token modes). */
  ipv6?: boolean;
}

// Registries still running when the test process exits (a test that forgot stop()) are killed.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(proc: ChildProcess): void {
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const p of running) p.kill("SIGKILL");
    });
  }
}

/** A free TCP port on 127.0.0.1 or `address` (bound then released). */
export function freePort(address = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, address, () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number, address = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

async function sh(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await runProcess(cmd, args, { cwd, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.err}`);
  return r.out;
}

/**
 * Issues a P-256 leaf certificate from a test CA with openssl: a new key at `files.keyFile`, the
 * certificate (2 days, the given subject and extension lines) at `files.certFile`.
 */
export async function issueTestCertificate(
  ca: { caFile: string; caKey: string },
  files: { keyFile: string; csr: string; certFile: string; ext: string },
  subject: string,
  extensions: string,
): Promise<void> {
  await sh("openssl", [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    files.keyFile,
    "-out",
    files.csr,
    "-subj",
    subject,
  ]);
  await writeFile(files.ext, extensions);
  await sh("openssl", [
    "x509",
    "-req",
    "-in",
    files.csr,
    "-CA",
    ca.caFile,
    "-CAkey",
    ca.caKey,
    "-CAcreateserial",
    "-out",
    files.certFile,
    "-days",
    "2",
    "-extfile",
    files.ext,
  ]);
}

/** Makes a CA and a leaf for 127.0.0.1/localhost with openssl; returns the file paths. */
export async function makeTestCertificates(
  dir: string,
): Promise<{ caFile: string; caKey: string; certFile: string; keyFile: string }> {
  const caKey = join(dir, "ca.key");
  const caFile = join(dir, "ca.pem");
  const keyFile = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const certFile = join(dir, "server.pem");
  const ext = join(dir, "server.ext");
  await sh("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    caKey,
    "-out",
    caFile,
    "-days",
    "2",
    "-subj",
    "/CN=cosign-ts test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await issueTestCertificate(
    { caFile, caKey },
    { keyFile, csr, certFile, ext },
    "/CN=localhost",
    "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n" +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  return { caFile, caKey, certFile, keyFile };
}

interface TokenServer {
  url: string;
  certFile: string;
  requests: () => number;
  close: () => Promise<void>;
}

async function startTokenServer(
  dir: string,
  users: Record<string, string>,
  identityTokens: Record<string, string>,
  service: string,
  issuer: string,
  ttl: number,
): Promise<TokenServer> {
  const { importPKCS8, SignJWT } = await import("jose");
  const keyFile = join(dir, "token-signer.key");
  const certFile = join(dir, "token-signer.pem");
  await sh("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=cosign-ts token signer",
  ]);
  const key = await importPKCS8(await readFile(keyFile, "utf8"), "ES256");
  const certPem = await readFile(certFile, "utf8");
  const certDer = certPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  let count = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    count++;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/token") {
      res.writeHead(404).end();
      return;
    }
    let user: string | undefined;
    let params = url.searchParams;
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      if (params.get("grant_type") !== "refresh_token") {
        res.writeHead(400).end('{"error":"unsupported_grant_type"}');
        return;
      }
      user = identityTokens[params.get("refresh_token") ?? ""];
      if (!user) {
        res.writeHead(401, { "content-type": "application/json" })
          .end('{"error":"invalid_grant"}');
        return;
      }
    } else {
      const auth = req.headers.authorization;
      if (auth) {
        const m = /^Basic (.+)$/i.exec(auth);
        const decoded = m ? Buffer.from(m[1], "base64").toString("utf8") : "";
        const i = decoded.indexOf(":");
        const [u, p] = [decoded.slice(0, i), decoded.slice(i + 1)];
        if (i < 0 || users[u] === undefined || users[u] !== p) {
          res.writeHead(401, { "content-type": "application/json" })
            .end('{"details":"invalid credentials"}');
          return;
        }
        user = u;
      }
    }
    // Grant what was asked to known users; anonymous users get no access at all.
    const access: { type: string; name: string; actions: string[] }[] = [];
    for (const scope of params.getAll("scope").flatMap((s) => s.split(" "))) {
      const parts = scope.split(":");
      if (parts.length < 3 || !user) continue;
      const actions = parts.pop()!.split(",").filter(Boolean);
      const [type, ...name] = parts;
      access.push({ type, name: name.join(":"), actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", x5c: [certDer] })
      .setIssuer(issuer)
      .setSubject(user ?? "")
      .setAudience(params.get("service") ?? service)
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + ttl)
      .setJti(randomBytes(8).toString("hex"))
      .sign(key);
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: ttl,
        issued_at: new Date().toISOString(),
      }),
    );
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    certFile,
    requests: () => count,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/**
 * Starts Debian's docker-registry in `mode` on a free loopback port and waits until it accepts
 * connections. Always call `stop()` (in `after`/`finally`).
 */
export async function startRegistry(
  mode: RegistryMode = "plain",
  options: StartRegistryOptions = {},
): Promise<TestRegistry> {
  const { dir, cleanup } = await tempDir("cosign-ts-registry-");
  let child: ChildProcess | undefined;
  let token: TokenServer | undefined;
  const log: string[] = [];
  try {
    const username = mode === "plain" ? undefined : "tester";
    const password = mode === "plain" ? undefined : randomBytes(9).toString("base64url");
    const identityToken = mode === "token" ? randomBytes(16).toString("hex") : undefined;
    let caFile: string | undefined;
    let tlsLines = "";
    let authLines = "";
    if (mode === "tls-basic") {
      const certs = await makeTestCertificates(dir);
      caFile = certs.caFile;
      tlsLines = `  tls:\n    certificate: ${certs.certFile}\n    key: ${certs.keyFile}\n`;
      const htpasswd = await sh("htpasswd", ["-Bbn", username!, password!]);
      await writeFile(join(dir, "htpasswd"), htpasswd);
      authLines = `auth:\n  htpasswd:\n    realm: cosign-ts-test\n    path: ${
        join(dir, "htpasswd")
      }\n`;
    } else if (mode === "token") {
      token = await startTokenServer(
        dir,
        { [username!]: password! },
        { [identityToken!]: username! },
        "cosign-ts-test-registry",
        "cosign-ts-test-issuer",
        options.tokenTtl ?? 300,
      );
      authLines =
        `auth:\n  token:\n    realm: ${token.url}/token\n    service: cosign-ts-test-registry\n` +
        `    issuer: cosign-ts-test-issuer\n    rootcertbundle: ${token.certFile}\n`;
    }
    const address = options.ipv6 ? "::1" : "127.0.0.1";
    const hostOf = (p: number) => (options.ipv6 ? `[::1]:${p}` : `127.0.0.1:${p}`);
    let port = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      port = await freePort(address);
      const config = `version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: "${hostOf(port)}"
  secret: ${randomBytes(16).toString("hex")}
${tlsLines}${authLines}${options.extraConfig ?? ""}`;
      await writeFile(join(dir, "config.yml"), config);
      const proc = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      track(proc);
      const lineReader = () => {
        let rest = "";
        return (d: Buffer) => {
          const parts = (rest + d.toString("utf8")).split("\n");
          rest = parts.pop() ?? "";
          for (const line of parts) if (line.trim()) log.push(line);
        };
      };
      proc.stdout!.on("data", lineReader());
      proc.stderr!.on("data", lineReader());
      let exited = false;
      proc.once("exit", () => (exited = true));
      // "listening on ADDR" is logged once the socket is bound (so a port taken meanwhile by
      // another process is never mistaken for our registry).
      const ready = () => log.some((l) => l.includes(`listening on ${hostOf(port)}`));
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline && !ready()) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (!exited && ready() && await canConnect(port, address)) break;
      proc.kill("SIGKILL");
      child = undefined;
      if (attempt === 4) {
        throw new Error(`docker-registry did not start: ${log.slice(-5).join("\n")}`);
      }
    }
    const host = hostOf(port);
    const proc = child!;
    const caPem = caFile ? await readFile(caFile, "utf8") : undefined;
    const credential: Credential | undefined = username ? { username, password } : undefined;
    let stopped = false;
    return {
      mode,
      host,
      url: `${mode === "tls-basic" ? "https" : "http"}://${host}`,
      dir,
      caFile,
      caPem,
      username,
      password,
      identityToken,
      tokenUrl: token?.url,
      tokenRequests: () => token?.requests() ?? 0,
      accessLog: () => log.filter((l) => /"(GET|HEAD|POST|PUT|PATCH|DELETE) \//.test(l)),
      settle: async () => {
        let n = log.length;
        let quietSince = Date.now();
        const end = Date.now() + 2000;
        while (Date.now() < end && Date.now() - quietSince < 100) {
          await new Promise((r) => setTimeout(r, 20));
          if (log.length !== n) {
            n = log.length;
            quietSince = Date.now();
          }
        }
      },
      clientOptions: (extra = {}) => ({
        credentials: credential ?? (() => Promise.resolve(undefined)),
        caCerts: caPem ? [caPem] : undefined,
        retry: { retries: 1, baseMs: 20, maxMs: 100 },
        ...extra,
      }),
      env: (): Record<string, string> =>
        caFile ? { NODE_EXTRA_CA_CERTS: caFile, DENO_CERT: caFile } : {},
      kill: () => {
        if (proc.exitCode === null) proc.kill("SIGKILL");
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        if (proc.exitCode === null && proc.signalCode === null) {
          const gone = new Promise((r) => proc.once("exit", r));
          proc.kill("SIGTERM");
          const t = setTimeout(() => proc.kill("SIGKILL"), 3000);
          await gone;
          clearTimeout(t);
        }
        await token?.close();
        await cleanup();
      },
    };
  } catch (e) {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await token?.close();
    await cleanup();
    throw e;
  }
}

/** What {@link pushTestImage} pushed. */
export interface TestImage {
  /** Digest of the manifest. */
  digest: string;
  /** The manifest bytes. */
  manifest: Uint8Array;
  /** Its descriptor (OCI manifest media type). */
  descriptor: Descriptor;
  /** The config blob descriptor. */
  config: Descriptor;
  /** The layer descriptors. */
  layers: Descriptor[];
  /** The layer contents. */
  layerBytes: Uint8Array[];
}

/**
 * Pushes a small OCI image (a config and `layers` random layers of `layerSize` bytes) to `ref`
 * (a tag or repository reference) with our client, and returns what it pushed.
 */
export async function pushTestImage(
  client: RegistryClient,
  ref: string,
  options: {
    layers?: number;
    layerSize?: number;
    platform?: { os: string; architecture: string };
    /** Push the manifest by its digest (no tag); `ref` then only names the repository. */
    byDigest?: boolean;
  } = {},
): Promise<TestImage> {
  const repo = ref.replace(/[:@][^/]*$/, "");
  const layerBytes: Uint8Array[] = [];
  const layers: Descriptor[] = [];
  for (let i = 0; i < (options.layers ?? 2); i++) {
    const b = new Uint8Array(randomBytes(options.layerSize ?? 512));
    layerBytes.push(b);
    const d = await client.putBlob(repo, b, { mediaType: OCI_LAYER_GZIP });
    layers.push(d);
  }
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  const configBytes = new TextEncoder().encode(JSON.stringify({
    ...platform,
    created: new Date().toISOString(),
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    config: {},
  }));
  const config = await client.putBlob(repo, configBytes, { mediaType: OCI_CONFIG });
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers,
  }));
  const target = options.byDigest ? `${repo}@${sha256Digest(manifest)}` : ref;
  const digest = await client.putManifest(target, manifest, OCI_MANIFEST);
  return {
    digest,
    manifest,
    descriptor: { mediaType: OCI_MANIFEST, digest, size: manifest.length },
    config,
    layers,
    layerBytes,
  };
}

/**
 * Pushes two images (linux/amd64 and linux/arm64) by digest and an OCI index of both at `ref`.
 * Returns the index digest and bytes and the two images.
 */
export async function pushTestIndex(
  client: RegistryClient,
  ref: string,
): Promise<{ digest: string; index: Uint8Array; images: TestImage[] }> {
  const repo = ref.replace(/[:@][^/]*$/, "");
  const images: TestImage[] = [];
  for (const architecture of ["amd64", "arm64"]) {
    const img = await pushTestImage(client, repo, {
      byDigest: true,
      layers: 1,
      platform: { os: "linux", architecture },
    });
    images.push(img);
  }
  const index = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((img, i) => ({
      ...img.descriptor,
      platform: { os: "linux", architecture: i === 0 ? "amd64" : "arm64" },
    })),
  }));
  const digest = await client.putManifest(ref, index, OCI_INDEX);
  if (digest !== sha256Digest(index)) throw new Error("index digest mismatch");
  return { digest, index, images };
}

/** True when this machine has an IPv6 loopback address to listen on. */
export function hasIpv6Loopback(): Promise<boolean> {
  return freePort("::1").then(() => true, () => false);
}

/** A skopeo `--cert-dir` under `dir` holding the registry's CA certificate (tls-basic mode). */
export async function skopeoCertDir(reg: TestRegistry, dir: string): Promise<string> {
  const certDir = join(dir, "certs");
  await mkdir(certDir, { recursive: true });
  await writeFile(join(certDir, "ca.crt"), reg.caPem!);
  return certDir;
}

/** skopeo (an independent registry client) inspecting `ref` with `authfile`; stdout is the digest. */
export function skopeoInspectDigest(
  ref: string,
  authfile: string,
  certDir: string,
): Promise<RunResult> {
  return runProcess("skopeo", [
    "inspect",
    "--authfile",
    authfile,
    "--cert-dir",
    certDir,
    "--format",
    "{{.Digest}}",
    `docker://${ref}`,
  ]);
}
