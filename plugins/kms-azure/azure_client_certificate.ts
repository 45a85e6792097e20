/**
 * The client assertion of a service principal's certificate, as azidentity's
 * ClientCertificateCredential sends it (`AZURE_CLIENT_CERTIFICATE_PATH`, the second option of
 * cosign's environment credentials): a JWT signed RS256 with the certificate's private key, with
 * `x5t` the certificate's SHA-1 thumbprint, `aud` the token endpoint, `iss` = `sub` = the client
 * id, a `jti` and ten minutes of validity (RFC 7523 client authentication, Entra ID's
 * "certificate credentials"). The file is PEM with the certificate and its RSA private key
 * (PKCS#8 or PKCS#1, unencrypted); PKCS#12 files are refused by name.
 *
 * @example
 * ```ts
 * const assertion = await clientAssertion("/etc/sp.pem", "CLIENT_ID", tokenUrl);
 * // form: client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=…
 * ```
 * @module
 */
import { importPKCS8, SignJWT } from "jose";
import { sha1 } from "@noble/hashes/legacy.js";
import { CosignError, describeError } from "../../core/errors.ts";
import { base64urlEncode } from "../../core/encoding.ts";
import { pemDecode, pemEncode } from "../../core/keys/pem.ts";
import { parsePrivateKeyPem, privateKeyToPkcs8 } from "../../core/keys/private_key.ts";

/** The client_assertion_type of a JWT client assertion. */
export const JWT_CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * A signed client assertion for `clientId` at `tokenUrl` from the PEM certificate file `path`.
 * Throws CosignError("IO") for an unreadable file, CosignError("KEY"/"UNSUPPORTED") for a file
 * without a certificate and an RSA private key.
 */
export async function clientAssertion(
  path: string,
  clientId: string,
  tokenUrl: string,
): Promise<string> {
  const what = `the client certificate "${path}" (AZURE_CLIENT_CERTIFICATE_PATH)`;
  let text: string;
  try {
    const { readFile } = await import("node:fs/promises");
    text = await readFile(path, "latin1");
  } catch (e) {
    throw new CosignError("IO", `Cannot read ${what}: ${describeError(e)}`, {
      hint:
        "Set AZURE_CLIENT_CERTIFICATE_PATH to a PEM file with the certificate and its private key.",
    });
  }
  const blocks = text.includes("-----BEGIN ") ? pemDecode(text, path) : [];
  const cert = blocks.find((b) => b.label === "CERTIFICATE");
  if (!cert) {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use ${what}: it holds no PEM certificate (PKCS#12/PFX files are not supported)`,
      {
        hint:
          "Convert it to PEM: openssl pkcs12 -in cert.pfx -out cert.pem -nodes (the certificate and its private key in one file).",
      },
    );
  }
  const key = parsePrivateKeyPem(text, path);
  if (key.type !== "rsa") {
    throw new CosignError(
      "UNSUPPORTED",
      `Cannot use ${what}: its key is ${key.type}, Entra ID takes RSA`,
      {
        hint: "Upload an RSA certificate to the app registration and use its key.",
      },
    );
  }
  const signingKey = await importPKCS8(pemEncode("PRIVATE KEY", privateKeyToPkcs8(key)), "RS256");
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT", x5t: base64urlEncode(sha1(cert.bytes)) })
    .setAudience(tokenUrl)
    .setIssuer(clientId)
    .setSubject(clientId)
    .setJti(crypto.randomUUID())
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(signingKey);
}
