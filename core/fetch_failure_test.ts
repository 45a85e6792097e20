import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describeFetchFailure, hostAndPort } from "./fetch_failure.ts";

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function fetchError(url: string): Promise<unknown> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    return e;
  }
  throw new Error(`fetch ${url} did not fail`);
}

describe("core/fetch_failure", () => {
  it("names host and port with the scheme's default", () => {
    assert.equal(hostAndPort("http://127.0.0.1:3000/api"), "127.0.0.1:3000");
    assert.equal(hostAndPort("https://rekor.example/api"), "rekor.example:443");
    assert.equal(hostAndPort("http://rekor.example/api"), "rekor.example:80");
    assert.equal(hostAndPort("localhost:5000"), "localhost:5000");
  });

  it("words a real refused connection without the runtime's own text", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/api/v1/log/entries`;
    const f = describeFetchFailure(await fetchError(url), url, "Rekor");
    assert.equal(f.kind, "refused");
    assert.equal(f.why, `connection refused by 127.0.0.1:${port}`);
    assert.match(f.hint, new RegExp(`Nothing listens on 127\\.0\\.0\\.1:${port}: check the Rekor`));
    assert.doesNotMatch(f.why + f.hint, /Is the computer|os error|ECONNREFUSED/);
  });

  it("words a real unresolvable host name", async () => {
    const url = "http://no-such-host.invalid:8080/x";
    const f = describeFetchFailure(await fetchError(url), url, "registry");
    assert.equal(f.kind, "dns");
    assert.equal(f.why, 'the host name "no-such-host.invalid" does not resolve');
  });

  it("words TLS and reset failures as the runtimes report them", () => {
    const bunTls = Object.assign(new Error("unable to verify the first certificate"), {
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
    let f = describeFetchFailure(bunTls, "https://127.0.0.1:8443/v2/", "registry");
    assert.equal(f.kind, "tls");
    assert.equal(
      f.why,
      "TLS with 127.0.0.1:8443 failed: its certificate is not signed by a trusted CA",
    );
    assert.match(f.hint, /--registry-cacert/);
    const denoTls = new TypeError("error sending request", {
      cause: new Error("invalid peer certificate: Expired"),
    });
    f = describeFetchFailure(denoTls, "https://tsa.example/", "timestamp authority");
    assert.equal(f.why, "TLS with tsa.example:443 failed: its certificate has expired");
    const reset = Object.assign(new Error("The socket connection was closed unexpectedly."), {
      code: "ECONNRESET",
    });
    f = describeFetchFailure(reset, "http://127.0.0.1:9/", "Rekor");
    assert.equal(f.kind, "reset");
    assert.equal(f.why, "127.0.0.1:9 dropped the connection");
    f = describeFetchFailure(
      new Error("FailedToOpenSocket: Unable to connect. Is the computer able to access the url?"),
      "http://h:1/",
      "Rekor",
    );
    assert.equal(f.why, "cannot connect to h:1");
    f = describeFetchFailure(new Error("Something: odd happened"), "http://h:1/", "Rekor");
    assert.equal(f.kind, "other");
    assert.equal(f.why, "odd happened (h:1)");
  });
});
