/**
 * The PKCS#11 binding against SoftHSM2 in this process (Deno.dlopen under deno test, bun:ffi
 * under bun test): keys made by OpenSC's pkcs11-tool sign, openssl verifies; public keys equal
 * what pkcs11-tool reads; token certificates; sessions closed and the module finalized; clear
 * errors for a missing module, token or key and a wrong PIN, with nothing left open.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CosignError } from "../../core/errors.ts";
import { type Context, PluginRegistry } from "../../core/plugin.ts";
import { currentRuntime } from "../../runtime/mod.ts";
import { runProcess } from "../../tests/helpers/cli.ts";
import { openssl } from "../../tests/helpers/openssl.ts";
import {
  setNativeEnv,
  type SoftHsm,
  softHsm,
  SOFTHSM_MODULE,
} from "../../tests/helpers/softhsm.ts";
import { pkcs11KeyProvider } from "./key_provider.ts";
import { FUNCTION_LIST_OFFSET } from "./pkcs11_constants.ts";
import { Pkcs11Module } from "./pkcs11_module.ts";
import { listKeyUris, listTokens } from "./token_list.ts";

const PIN = "1234";

function context(env: Record<string, string> = {}): Context {
  return {
    runtime: currentRuntime(),
    plugins: new PluginRegistry(),
    env: (n) => env[n],
    log: { info() {}, warn() {}, debug() {} },
    password: () => Promise.reject(new CosignError("ABORTED", "no password here")),
    confirm: () => Promise.resolve(false),
  };
}

/** C_Initialize through a fresh binding: CKR_OK (0) only if the module was finalized before. */
async function initializeReturns(): Promise<bigint> {
  const ffi = await currentRuntime().ffi!();
  const lib = ffi.open(SOFTHSM_MODULE, {
    C_GetFunctionList: { parameters: ["pointer"], result: "u64" },
  });
  try {
    const p = new Uint8Array(new ArrayBuffer(8));
    lib.symbols.C_GetFunctionList(ffi.address(p));
    const list = new DataView(p.buffer).getBigUint64(0, true);
    const table = ffi.read(list, FUNCTION_LIST_OFFSET + 16);
    const view = new DataView(table.buffer);
    const init = ffi.function(view.getBigUint64(FUNCTION_LIST_OFFSET, true), {
      parameters: ["pointer"],
      result: "u64",
    });
    const fin = ffi.function(view.getBigUint64(FUNCTION_LIST_OFFSET + 8, true), {
      parameters: ["pointer"],
      result: "u64",
    });
    const rv = init(0n);
    if (rv === 0n) fin(0n);
    return rv;
  } finally {
    lib.close();
  }
}

function rejectsWith(code: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof CosignError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes(PIN + "9"), "the PIN must not appear in messages");
    return true;
  };
}

describe("PKCS#11 keys on SoftHSM2 over the runtime's FFI", () => {
  let hsm: SoftHsm;
  let previousConf: string | undefined;
  let slot: bigint;
  let certPem: string;
  const uri = (path: string, query = "") =>
    `pkcs11:token=cosign-test;${path}?module-path=${SOFTHSM_MODULE}${query}`;

  before(async () => {
    hsm = await softHsm();
    previousConf = process.env.SOFTHSM2_CONF;
    await setNativeEnv("SOFTHSM2_CONF", hsm.env.SOFTHSM2_CONF);
    slot = await hsm.initToken("cosign-test", PIN);
    await hsm.keyPair("cosign-test", PIN, { type: "EC:prime256v1", id: "01", label: "ec" });
    await hsm.keyPair("cosign-test", PIN, { type: "rsa:2048", id: "02", label: "rsa" });
    await hsm.keyPair("cosign-test", PIN, { type: "EC:secp384r1", id: "03", label: "p384" });
    // A key with a certificate and no public-key object (imported with pkcs11-tool).
    certPem = await hsm.importKeyWithCertificate("cosign-test", PIN, {
      id: "05",
      label: "imported",
      subject: "/CN=cosign-ts-test",
    });
  });

  after(async () => {
    await setNativeEnv("SOFTHSM2_CONF", previousConf);
    await hsm?.cleanup();
  });

  async function opensslVerifies(pem: string, message: Uint8Array, sig: Uint8Array) {
    const d = hsm.dir;
    await writeFile(join(d, "v.pub"), pem);
    await writeFile(join(d, "v.msg"), message);
    await writeFile(join(d, "v.sig"), sig);
    const r = await runProcess("openssl", [
      "dgst",
      "-sha256",
      "-verify",
      join(d, "v.pub"),
      "-signature",
      join(d, "v.sig"),
      join(d, "v.msg"),
    ]);
    return r.code === 0 && r.out.includes("Verified OK");
  }

  for (
    const [name, ref, id, algorithm] of [
      ["EC P-256 by label", uri("object=ec"), "01", "ecdsa-p256-sha256"],
      ["RSA 2048 by id", uri("id=%02"), "02", "rsa-pkcs1v15-sha256"],
      ["EC P-384 by id and label (id wins)", uri("id=%03;object=ec"), "03", "ecdsa-p384-sha256"],
    ] as const
  ) {
    it(`${name}: signs what openssl verifies; its public key is the token's`, async () => {
      const ctx = context({ COSIGN_PKCS11_PIN: PIN });
      const signer = await pkcs11KeyProvider.signer(ref, ctx);
      try {
        assert.equal(signer.algorithm, algorithm);
        const { pem } = await signer.publicKey();
        assert.equal(pem, await hsm.publicKeyPem(id));
        const message = new TextEncoder().encode(`signed by ${name}`);
        assert.ok(await opensslVerifies(pem, message, await signer.sign(message)));
        assert.ok(!(await opensslVerifies(pem, message, await signer.sign(message.slice(1)))));
        assert.equal(await signer.certificateChain!(), undefined);
      } finally {
        await signer.close!();
      }
      // The verifier reads the public key without a PIN.
      const verifier = await pkcs11KeyProvider.verifier!(
        ref.replace(/\?.*/, "") + `?module-path=${SOFTHSM_MODULE}`,
        context(),
      );
      assert.equal((await verifier.publicKey()).pem, await hsm.publicKeyPem(id));
      assert.equal(Pkcs11Module.isLoaded(SOFTHSM_MODULE), false);
    });
  }

  it("closes its session and finalizes the module when the signer is closed", async () => {
    const signer = await pkcs11KeyProvider.signer(uri("object=ec", `&pin-value=${PIN}`), context());
    assert.equal(Pkcs11Module.isLoaded(SOFTHSM_MODULE), true);
    await signer.sign(new Uint8Array(3));
    await signer.close!();
    assert.equal(Pkcs11Module.isLoaded(SOFTHSM_MODULE), false);
    // C_Finalize ran: a fresh C_Initialize succeeds instead of CKR_CRYPTOKI_ALREADY_INITIALIZED.
    assert.equal(await initializeReturns(), 0n);
    // Closing twice is harmless.
    await signer.close!();
  });

  it("reads the PIN from pin-source and the certificate stored with the key", async () => {
    const pinFile = join(hsm.dir, "pin.txt");
    await writeFile(pinFile, `${PIN}\n`);
    const ref = uri("object=imported", `&pin-source=file:${pinFile}`);

    const signer = await pkcs11KeyProvider.signer(ref, context());
    try {
      const chain = await signer.certificateChain!();
      const expected = await readFile(certPem, "utf8");
      assert.deepEqual(chain, [expected]);
      // No public-key object: the key comes from the certificate.
      const certKey = (await openssl(["x509", "-in", certPem, "-pubkey", "-noout"])).out;
      assert.equal((await signer.publicKey()).pem, certKey);
      const message = new TextEncoder().encode("with a certificate");
      assert.ok(await opensslVerifies(certKey, message, await signer.sign(message)));
    } finally {
      await signer.close!();
    }
    const ignoring = await pkcs11KeyProvider.signer(
      ref,
      context({ COSIGN_PKCS11_IGNORE_CERTIFICATE: "1" }),
    );
    try {
      assert.equal(await ignoring.certificateChain!(), undefined);
    } finally {
      await ignoring.close!();
    }
  });

  it("gives clear errors and leaves nothing open", async () => {
    const ctx = context({ COSIGN_PKCS11_PIN: PIN });
    const cases: [string, Context, string, RegExp][] = [
      ["wrong PIN", context({ COSIGN_PKCS11_PIN: PIN + "9" }), uri("object=ec"), /wrong PIN/],
      [
        "no key",
        ctx,
        uri("object=nothing"),
        /no private key with label "nothing" on token "cosign-test"/,
      ],
      [
        "no token",
        ctx,
        uri("object=ec").replace("cosign-test", "other"),
        /Cannot find token "other"/,
      ],
      [
        "no module",
        ctx,
        uri("object=ec").replace(SOFTHSM_MODULE, "/nonexistent/p11.so"),
        /no such file/,
      ],
      [
        "relative module",
        ctx,
        uri("object=ec").replace(SOFTHSM_MODULE, "p11.so"),
        /not an absolute path/,
      ],
      [
        "not a module",
        ctx,
        uri("object=ec").replace(SOFTHSM_MODULE, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        /C_GetFunctionList/,
      ],
    ];
    for (const [what, c, ref, pattern] of cases) {
      await assert.rejects(
        pkcs11KeyProvider.signer(ref, c),
        rejectsWith(what === "wrong PIN" ? "AUTH" : "KEY", pattern),
        what,
      );
      assert.equal(Pkcs11Module.isLoaded(SOFTHSM_MODULE), false, what);
    }
    await assert.rejects(
      pkcs11KeyProvider.signer(uri("object=ec"), context()),
      rejectsWith("ABORTED", /a PIN is needed and standard input is not a terminal/),
    );
    await assert.rejects(
      pkcs11KeyProvider.signer(uri("object=rsa"), ctx, { rsaPss: true }),
      rejectsWith("UNSUPPORTED", /RSA-PSS/),
    );
    assert.equal(await initializeReturns(), 0n);
  });

  it("lists tokens and key URIs as cosign's pkcs11-tool does", async () => {
    const ctx = context();
    const tokens = await listTokens(ctx, SOFTHSM_MODULE);
    const t = tokens.find((x) => x.info.label === "cosign-test");
    assert.equal(t?.slot, slot);
    assert.equal(t?.info.manufacturer, "SoftHSM project");
    const keys = await listKeyUris(ctx, SOFTHSM_MODULE, slot, PIN);
    assert.deepEqual(
      keys.map((k) => k.uri).sort(),
      ["01:ec", "02:rsa", "03:p384", "05:imported"].map(([i0, i1, , ...l]) =>
        `pkcs11:token=cosign-test;slot-id=${slot};id=%${i0}${i1};object=${l.join("")}` +
        `?module-path=${SOFTHSM_MODULE}&pin-value=${PIN}`
      ).sort(),
    );
    // Each listed URI opens its key.
    for (const k of keys) {
      const s = await pkcs11KeyProvider.signer(k.uri, ctx);
      await s.close!();
    }
    assert.equal(await initializeReturns(), 0n);
  });
});
