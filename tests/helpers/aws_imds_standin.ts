/**
 * A stand-in for the AWS credential endpoints a machine offers, on 127.0.0.1 (a free port),
 * written from AWS's documentation ("Use IMDSv2", "Retrieve security credentials from instance
 * metadata", "Amazon ECS task IAM role" / container credentials provider):
 *
 * - IMDSv2: `PUT /latest/api/token` needs `X-aws-ec2-metadata-token-ttl-seconds` (1..21600,
 *   else 400) and returns a token; `GET /latest/meta-data/iam/security-credentials/[ROLE]` needs
 *   that token in `X-aws-ec2-metadata-token` (else 401) and lists the role, then answers
 *   `{"Code":"Success","Type":"AWS-HMAC","AccessKeyId",…,"Token","Expiration"}`;
 * - container credentials: `GET /creds` needs `Authorization` equal to the configured token
 *   (else 401) and answers `{"AccessKeyId","SecretAccessKey","Token","Expiration"}`.
 *
 * @example
 * ```ts
 * const md = await startImdsStandin({ role: "builder", credentials, containerToken: "tok" });
 * // AWS_EC2_METADATA_SERVICE_ENDPOINT=md.url …   or   AWS_CONTAINER_CREDENTIALS_FULL_URI=md.url + "/creds"
 * await md.stop();
 * ```
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { closeServer } from "./bounded.ts";
import type { StandinCredentials } from "./aws_kms_standin.ts";

/** Options of {@link startImdsStandin}. */
export interface ImdsStandinOptions {
  /** The instance role's name. */
  role: string;
  /** The credentials handed out (IMDS and container). */
  credentials: StandinCredentials;
  /** The container endpoint's authorization token. */
  containerToken: string;
}

/** A running stand-in. */
export interface ImdsStandin {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Paths requested, in order. */
  paths: string[];
  /** Stops it. */
  stop(): Promise<void>;
}

/** Starts the stand-in. */
export async function startImdsStandin(o: ImdsStandinOptions): Promise<ImdsStandin> {
  const tokens = new Set<string>();
  const paths: string[] = [];
  const creds = {
    AccessKeyId: o.credentials.accessKeyId,
    SecretAccessKey: o.credentials.secretAccessKey,
    Token: o.credentials.sessionToken,
    Expiration: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}/, ""),
  };
  const server = createServer((req, res) => {
    const path = req.url ?? "";
    paths.push(`${req.method} ${path}`);
    const send = (status: number, body: string, type = "text/plain") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (path === "/latest/api/token") {
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (req.method !== "PUT") return send(405, "");
      if (!(ttl >= 1 && ttl <= 21600)) return send(400, "");
      const t = randomUUID();
      tokens.add(t);
      return send(200, t);
    }
    const base = "/latest/meta-data/iam/security-credentials/";
    if (path.startsWith(base)) {
      if (!tokens.has(String(req.headers["x-aws-ec2-metadata-token"] ?? ""))) {
        return send(401, "");
      }
      if (path === base) return send(200, o.role);
      if (path === `${base}${o.role}`) {
        return send(
          200,
          JSON.stringify({
            Code: "Success",
            LastUpdated: creds.Expiration,
            Type: "AWS-HMAC",
            ...creds,
          }),
          "application/json",
        );
      }
      return send(404, "");
    }
    if (path === "/creds") {
      if (req.headers.authorization !== o.containerToken) return send(401, "");
      return send(200, JSON.stringify(creds), "application/json");
    }
    send(404, "");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, paths, stop: () => closeServer(server) };
}
