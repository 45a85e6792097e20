import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { loadPlugins, parsePinnedPluginUrl, pluginsFromEnv } from "./plugin_loader.ts";
import { isLoopbackHost } from "../core/http_url.ts";
import { PluginRegistry } from "../core/plugin.ts";
import { isCosignError } from "../core/errors.ts";
import { tempDir } from "../tests/helpers/cli.ts";
import { closeServer } from "../tests/helpers/bounded.ts";

describe("loadPlugins", () => {
  it("loads a default-exported plugin from a path", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const f = join(dir, "p.ts");
      await writeFile(
        f,
        `export default { name: "tmp", apiVersion: 1, keys: [{ scheme: "tmpkey", description: "", signer: async () => { throw new Error("x"); } }] };\n`,
      );
      const r = new PluginRegistry();
      await loadPlugins([f], r);
      assert.equal(r.keyProvider("tmpkey://a").provider.scheme, "tmpkey");
    } finally {
      await cleanup();
    }
  });
  it("gives clear errors for a missing file, no export and a wrong apiVersion", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const none = join(dir, "none.ts");
      await writeFile(none, `export const x = 1;\n`);
      const v2 = join(dir, "v2.ts");
      await writeFile(v2, `export default { name: "v2", apiVersion: 2 };\n`);
      const r = new PluginRegistry();
      await assert.rejects(
        loadPlugins([join(dir, "missing.ts")], r),
        (e) => isCosignError(e, "PLUGIN") && /no such file/.test(e.message),
      );
      await assert.rejects(
        loadPlugins([none], r),
        (e) => isCosignError(e, "PLUGIN") && /no default export/.test(e.message),
      );
      await assert.rejects(
        loadPlugins([v2], r),
        (e) => isCosignError(e, "PLUGIN") && /apiVersion 2/.test(e.message),
      );
    } finally {
      await cleanup();
    }
  });
  it("splits COSIGN_TS_PLUGINS", () => {
    assert.deepEqual(pluginsFromEnv(" a.ts, ,b.ts"), ["a.ts", "b.ts"]);
    assert.deepEqual(pluginsFromEnv(undefined), []);
  });
});

/** A loopback HTTP server answering `routes` (path → [status, body, headers]). */
async function serve(
  routes: Record<string, [number, string, Record<string, string>?]>,
): Promise<{ base: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const [status, body, headers] = routes[req.url ?? ""] ?? [404, "not found"];
    res.writeHead(status, { "content-type": "text/javascript", ...headers });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () => closeServer(server),
  };
}

const MODULE = `export default { name: "remote", apiVersion: 1, description: "from a URL", ` +
  `keys: [{ scheme: "remotekey", description: "", signer: async () => { throw new Error("x"); } }] };\n`;
const PIN = createHash("sha256").update(MODULE).digest("hex");

describe("loadPlugins from a URL pinned by digest", () => {
  it("loads a loopback http:// module whose content matches the pin (upper- or lower-case)", async () => {
    const srv = await serve({ "/p.js": [200, MODULE], "/moved": [302, "", { location: "/p.js" }] });
    try {
      for (
        const spec of [
          `${srv.base}/p.js#sha256=${PIN}`,
          `${srv.base}/moved#sha256=${PIN.toUpperCase()}`,
        ]
      ) {
        const r = new PluginRegistry();
        await loadPlugins([spec], r);
        assert.equal(r.keyProvider("remotekey://a").provider.scheme, "remotekey", spec);
      }
    } finally {
      await srv.close();
    }
  });

  it("refuses a wrong pin, a missing pin, a malformed pin, an oversized module, a 404", async () => {
    const srv = await serve({ "/p.js": [200, MODULE] });
    try {
      const wrong = "0".repeat(64);
      const cases: [string, RegExp, RegExp, object?][] = [
        [
          `${srv.base}/p.js#sha256=${wrong}`,
          new RegExp(`its content has sha256 ${PIN}, the URL pins sha256 ${wrong}`),
          /review the module before changing the pin/,
        ],
        [`${srv.base}/p.js`, /must pin its content with #sha256=<64 hex digits>/, /sha256sum/],
        [`${srv.base}/p.js#sha256=abc`, /the pin "#sha256=abc" is not of the form/, /sha256sum/],
        [`${srv.base}/p.js#sha256=${PIN}`, /larger than 10 bytes/, /download the module/, {
          maxBytes: 10,
        }],
        [`${srv.base}/absent.js#sha256=${PIN}`, /the server answered 404/, /Check the URL/],
      ];
      for (const [spec, message, hint, options] of cases) {
        const r = new PluginRegistry();
        await assert.rejects(loadPlugins([spec], r, options), (e) => {
          assert.ok(isCosignError(e, "PLUGIN"), String(e));
          assert.ok(e.message.startsWith(`Cannot load plugin "${spec}": `), e.message);
          assert.match(e.message, message);
          assert.match(e.hint ?? "", hint);
          return true;
        });
        assert.equal(r.plugins.length, 0);
      }
    } finally {
      await srv.close();
    }
  });

  it("refuses plain http:// off loopback, also as a redirect target, without contacting it", async () => {
    const srv = await serve({ "/away": [302, "", { location: "http://192.0.2.1/p.js" }] });
    try {
      for (
        const spec of [
          `http://192.0.2.1/p.js#sha256=${PIN}`,
          `http://example.com/p.js#sha256=${PIN}`,
          `${srv.base}/away#sha256=${PIN}`,
        ]
      ) {
        await assert.rejects(loadPlugins([spec], new PluginRegistry()), (e) => {
          assert.ok(isCosignError(e, "PLUGIN"), String(e));
          assert.match(e.message, /plain http:\/\/ is only accepted on loopback/);
          assert.match(e.hint ?? "", /https:\/\//);
          return true;
        });
      }
      assert.deepEqual(srv.hits, ["/away"]);
    } finally {
      await srv.close();
    }
  });

  it("recognises loopback hosts and checks URLs before fetching", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "[::1]", "localhost", "LOCALHOST"]) {
      assert.ok(isLoopbackHost(h), h);
    }
    for (const h of ["128.0.0.1", "localhost.example.com", "::2", "10.0.0.1"]) {
      assert.ok(!isLoopbackHost(h), h);
    }
    assert.deepEqual(parsePinnedPluginUrl(`https://example.com/a/p.ts#sha256=${PIN}`), {
      url: "https://example.com/a/p.ts",
      sha256: PIN,
    });
  });
});

describe("COSIGN_TS_PLUGINS notice", () => {
  it("announces each plugin named in the environment before it runs, not --plugin ones", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const a = join(dir, "a.ts");
      const b = join(dir, "b.ts");
      await writeFile(a, `export default { name: "a", apiVersion: 1 };\n`);
      await writeFile(b, `export default { name: "b", apiVersion: 1 };\n`);
      const notices: string[] = [];
      await loadPlugins(
        [{ spec: a, from: "COSIGN_TS_PLUGINS" }, { spec: b, from: "--plugin" }],
        new PluginRegistry(),
        { notice: (m) => notices.push(m) },
      );
      assert.deepEqual(notices, [`Notice: loading plugin "${a}" named in COSIGN_TS_PLUGINS`]);
    } finally {
      await cleanup();
    }
  });
});
