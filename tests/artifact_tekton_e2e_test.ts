/**
 * End-to-end: `upload tekton` on dist/cosign-ts against a real registry (Debian docker-registry),
 * with the pushed bundle read back by independent code (tests/helpers/tekton_bundle_check.py:
 * Python's urllib, gzip, tarfile and PyYAML applying Tekton's bundle-resolver checks), then signed,
 * verified (verify lists the resources), copied and verified again like any image. Bad input
 * (not YAML, not Tekton, a Run, invalid names, duplicates, more than 10 resources, a huge file, a
 * missing file) is refused with nothing pushed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cosign, ROOT, runProcess, tempDir } from "./helpers/cli.ts";
import { startRegistry, type TestRegistry } from "./helpers/registry.ts";
import { attestRoundTrip } from "./helpers/attest_roundtrip.ts";
import { copyVerifies, saveLoadVerifies } from "./helpers/transfer_verify.ts";

const CHECK = join(ROOT, "tests", "helpers", "tekton_bundle_check.py");

const TASK = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: hello
  labels:
    app.kubernetes.io/version: "0.1"
spec:
  params:
  - name: who
    type: string
    default: world
  steps:
  - name: echo
    image: alpine:3.20
    script: |
      #!/bin/sh
      echo "hello $(params.who)"
`;

const PIPELINES = `apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: greet
spec:
  tasks:
  - name: say
    taskRef:
      name: hello
---
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: hello
spec:
  steps:
  - name: echo
    image: alpine
    command: [echo, "hi"]
`;

const JSON_TASK =
  `{"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "from-json"}, "spec": {"steps": [{"name": "s", "image": "busybox"}]}}\n`;

interface Checked {
  mediaType: string;
  configMediaType: string;
  config: {
    created: string;
    rootfs: { diff_ids: string[] };
    history: unknown[];
    config: { Labels?: Record<string, string> };
  };
  layers: {
    mediaType: string;
    annotations: Record<string, string>;
    diffId: string;
    tarName: string;
    tarMode: number;
    tarUid: number;
    tarMtime: number;
    tarMembers: number;
    json: string;
    doc: Record<string, unknown>;
  }[];
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("upload tekton (e2e, real registry, read back by Python)", () => {
  let reg: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  const run = (args: string[]) => cosign(args, { env, cwd: dir });

  const check = async (repo: string, ref: string): Promise<Checked> => {
    const r = await runProcess("/usr/bin/python3", [CHECK, reg.url, repo, ref, "10"]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as Checked;
  };
  /** The repository's tags through the registry API (independent of cosign-ts). */
  const tags = async (repo: string): Promise<string[]> => {
    const res = await fetch(`${reg.url}/v2/${repo}/tags/list`);
    if (res.status === 404) {
      await res.body?.cancel();
      return [];
    }
    return ((await res.json()) as { tags?: string[] }).tags ?? [];
  };

  before(async () => {
    reg = await startRegistry("plain");
    ({ dir, cleanup } = await tempDir("cosign-ts-tekton-"));
    env = { COSIGN_PASSWORD: "", DOCKER_CONFIG: dir, HOME: dir };
    const g = await cosign(["generate-key-pair", "--output-key-prefix", "k"], { env, cwd: dir });
    assert.equal(g.code, 0, g.err);
    await writeFile(join(dir, "task.yaml"), TASK);
    await writeFile(join(dir, "pipelines.yaml"), PIPELINES);
    await writeFile(join(dir, "task.json"), JSON_TASK);
  });
  after(async () => {
    await reg?.stop();
    await cleanup?.();
  });

  it("pushes the layout tkn bundle push writes, which Tekton's resolver checks accept", async () => {
    const up = await run([
      "upload",
      "tekton",
      "-f",
      "task.yaml",
      "-f",
      "pipelines.yaml",
      "-f",
      "task.json",
      "--ctime",
      "2026-01-02T03:04:05Z",
      "--label",
      "team=ci",
      `${reg.host}/tekton/bundle:v1`,
    ]);
    assert.equal(up.code, 0, up.err);
    assert.match(up.err, /Creating Tekton Bundle:\n\t- Added /);
    const at = up.out.trim();
    assert.match(at, new RegExp(`^${reg.host}/tekton/bundle@sha256:[0-9a-f]{64}$`));

    const b = await check("tekton/bundle", "v1");
    assert.equal(b.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal(b.configMediaType, "application/vnd.docker.container.image.v1+json");
    assert.equal(b.config.created, "2026-01-02T03:04:05Z");
    assert.deepEqual(b.config.config.Labels, { team: "ci" });
    assert.deepEqual(b.config.rootfs.diff_ids, b.layers.map((l) => l.diffId));
    assert.equal(b.config.history.length, 4);
    // Files in the order of the SHA-256 of their text; documents in file order.
    const files = [
      { text: TASK, names: ["task/hello/v1"] },
      { text: PIPELINES, names: ["pipeline/greet/v1", "task/hello/v1beta1"] },
      { text: JSON_TASK, names: ["task/from-json/v1"] },
    ];
    const keyed = await Promise.all(
      files.map(async (f) => ({ ...f, key: await sha256Hex(f.text) })),
    );
    keyed.sort((x, y) => (x.key < y.key ? -1 : 1));
    const expected = keyed.flatMap((f) => f.names);
    assert.deepEqual(
      b.layers.map((l) =>
        `${l.annotations["dev.tekton.image.kind"]}/${l.annotations["dev.tekton.image.name"]}/${
          l.annotations["dev.tekton.image.apiVersion"]
        }`
      ),
      expected,
    );
    for (const l of b.layers) {
      assert.equal(l.mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip");
      assert.equal(l.tarMembers, 1);
      assert.equal(l.tarName, l.annotations["dev.tekton.image.name"]);
      assert.equal(l.tarMode, 0o600);
      assert.equal(l.tarUid, 0);
      assert.equal(l.tarMtime, 0);
      assert.equal((l.doc.metadata as { name: string }).name, l.tarName);
      assert.equal(String(l.doc.kind).toLowerCase(), l.annotations["dev.tekton.image.kind"]);
    }
    // YAML documents become JSON with sorted keys (as sigs.k8s.io/yaml converts them): compare
    // with PyYAML's reading of the same document, re-encoded with sorted keys.
    const hello = b.layers.find((l) =>
      l.annotations["dev.tekton.image.name"] === "hello" &&
      l.annotations["dev.tekton.image.apiVersion"] === "v1"
    )!;
    const py = await runProcess("/usr/bin/python3", [
      "-c",
      "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read()), sort_keys=True, separators=(',', ':')), end='')",
    ], { stdin: TASK });
    assert.equal(py.code, 0, py.err);
    assert.equal(hello.json, py.out);
    // A JSON document is kept as written.
    const fromJson = b.layers.find((l) => l.annotations["dev.tekton.image.name"] === "from-json")!;
    assert.equal(fromJson.json, JSON_TASK.trim());

    // The same files again (in another order) make the same bundle: the layout is deterministic.
    const again = await run([
      "upload",
      "tekton",
      "-f",
      "task.json",
      "-f",
      "pipelines.yaml",
      "-f",
      "task.yaml",
      "--ctime",
      "2026-01-02T03:04:05Z",
      "--label",
      "team=ci",
      `${reg.host}/tekton/bundle:v1-again`,
    ]);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out.trim().split("@")[1], at.split("@")[1]);
  });

  it("signs and verifies the bundle like an image; verify lists the resources; copy keeps it", async () => {
    const up = await run(["upload", "tekton", "-f", "task.yaml", `${reg.host}/tekton/signed:v1`]);
    assert.equal(up.code, 0, up.err);
    const at = up.out.trim();
    const s = await run(["sign", "--key", "k.key", "--tlog-upload=false", at]);
    assert.equal(s.code, 0, s.err);
    const v = await run(["verify", "--key", "k.pub", "--insecure-ignore-tlog", at]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Tekton bundle with 1 resource, each matching its layer annotations:/);
    assert.match(v.err, / {2}- task hello \(tekton\.dev\/v1\)/);
    const payload = JSON.parse(v.out);
    assert.equal(payload[0].critical.image["docker-manifest-digest"], at.split("@")[1]);

    assert.match(
      await copyVerifies(run, { ref: at, to: `${reg.host}/tekton/copied:v1`, pub: "k.pub" }),
      /task hello \(tekton\.dev\/v1\)/,
    );
    // An attestation about the bundle (legacy layout), verified with verify-attestation.
    await attestRoundTrip(run, { key: join(dir, "k.key"), pub: join(dir, "k.pub"), ref: at, dir });
    // tree shows the signature; save/load carries the bundle and its signature.
    const tree = await run(["tree", at]);
    assert.equal(tree.code, 0, tree.err);
    assert.match(tree.out, /Signatures for an image tag: .*sha256-[0-9a-f]{64}\.sig/);
    assert.match(
      await saveLoadVerifies(run, {
        ref: at,
        layout: "layout",
        to: `${reg.host}/tekton/loaded:v1`,
        pub: "k.pub",
      }),
      /task hello \(tekton\.dev\/v1\)/,
    );
    const copied = await check("tekton/copied", "v1");
    assert.equal(copied.layers[0].json, (await check("tekton/signed", "v1")).layers[0].json);

    // An image that is not a bundle gets no Tekton lines.
    const plain = join(dir, "plain.txt");
    await writeFile(plain, "not tekton\n");
    const ub = await run(["upload", "blob", "-f", plain, `${reg.host}/tekton/plain:v1`]);
    assert.equal(ub.code, 0, ub.err);
    const pat = ub.out.trim().split("\n").pop()!;
    assert.equal((await run(["sign", "--key", "k.key", "--tlog-upload=false", pat])).code, 0);
    const vp = await run(["verify", "--key", "k.pub", "--insecure-ignore-tlog", pat]);
    assert.equal(vp.code, 0, vp.err);
    assert.doesNotMatch(vp.err, /Tekton/);
  });

  it("tekton sign/verify: Tekton's canonical checksum, checked by openssl; tkn's own signatures verify", async () => {
    // The Task of Tekton's TestTask_Checksum (tektoncd/pipeline v1): its checksum is known.
    const task = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: task\n" +
      "  namespace: task-ns\n  labels:\n    label: foo\n  annotations:\n    foo: bar\n" +
      "spec:\n  steps:\n  - image: ubuntu\n    name: echo\n";
    await writeFile(join(dir, "checksum-task.yaml"), task);
    const s = await run([
      "tekton",
      "sign",
      "--key",
      "k.key",
      "-o",
      "signed.yaml",
      "checksum-task.yaml",
    ]);
    assert.equal(s.code, 0, s.err);
    const signed = await readFile(join(dir, "signed.yaml"), "utf8");
    const sig = /^ {4}tekton\.dev\/signature: (\S+)$/m.exec(signed)?.[1];
    assert.ok(sig, signed);
    assert.equal(signed.replace(/^ {4}tekton\.dev\/signature: \S+\n/m, ""), task);
    await writeFile(join(dir, "sig.der"), Buffer.from(sig, "base64"));
    await writeFile(
      join(dir, "checksum.bin"),
      Buffer.from("0cf41a775529eaaa55ff115eebe5db01a3b6bf2f4b924606888736274ceb267a", "hex"),
    );
    const ossl = await runProcess("openssl", [
      "dgst",
      "-sha256",
      "-verify",
      join(dir, "k.pub"),
      "-signature",
      join(dir, "sig.der"),
      join(dir, "checksum.bin"),
    ]);
    assert.equal(ossl.code, 0, ossl.out + ossl.err);
    const v = await run(["tekton", "verify", "--key", "k.pub", "signed.yaml"]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.err, /Verified OK: Task "task" \(tekton\.dev\/v1\) in signed\.yaml/);

    // Standard output without -o; the files tkn task sign signed verify with tkn's key.
    const out = await run(["tekton", "sign", "--key", "k.key", "checksum-task.yaml"]);
    assert.equal(out.code, 0, out.err);
    assert.match(out.out, /tekton\.dev\/signature: /);
    for (const f of ["tkn-signed.yaml", "tkn-signed-v1.yaml"]) {
      const t = await run([
        "tekton",
        "verify",
        "--key",
        join(ROOT, "tests", "fixtures", "tekton", "tkn-testdata.pub"),
        join(ROOT, "tests", "fixtures", "tekton", f),
      ]);
      assert.equal(t.code, 0, `${f}: ${t.err}`);
    }

    // Tampered, unsigned, wrong key: exit 12. Not a Task: a clear error, no output file.
    await writeFile(join(dir, "tampered.yaml"), signed.replace("image: ubuntu", "image: evil"));
    const bad = await run(["tekton", "verify", "--key", "k.pub", "tampered.yaml"]);
    assert.equal(bad.code, 12, bad.err);
    assert.match(bad.err, /fails verification/);
    const unsigned = await run(["tekton", "verify", "--key", "k.pub", "checksum-task.yaml"]);
    assert.equal(unsigned.code, 12, unsigned.err);
    assert.match(unsigned.err, /has no tekton\.dev\/signature annotation/);
    const g = await cosign(["generate-key-pair", "--output-key-prefix", "other"], {
      env,
      cwd: dir,
    });
    assert.equal(g.code, 0, g.err);
    const wrong = await run(["tekton", "verify", "--key", "other.pub", "signed.yaml"]);
    assert.equal(wrong.code, 12, wrong.err);
    await writeFile(
      join(dir, "run.yaml"),
      "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\n",
    );
    const notTask = await run([
      "tekton",
      "sign",
      "--key",
      "k.key",
      "-o",
      "run.signed.yaml",
      "run.yaml",
    ]);
    assert.notEqual(notTask.code, 0);
    assert.match(notTask.err, /Trusted resources are Tasks and Pipelines/);
    assert.equal(existsSync(join(dir, "run.signed.yaml")), false);
    const nokey = await run(["tekton", "sign", "checksum-task.yaml"]);
    assert.notEqual(nokey.code, 0);
    assert.match(nokey.err, /needs a key: --key KEY/);
  });

  it("refuses bad resources with a clear error and pushes nothing", async () => {
    const cases: { name: string; text: string | Uint8Array; message: RegExp }[] = [
      { name: "notyaml.yaml", text: "apiVersion: [\n", message: /not valid YAML/ },
      {
        name: "configmap.yaml",
        text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        message: /apiVersion "v1", not a Tekton one/,
      },
      {
        name: "run.yaml",
        text: "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: x}\n",
        message: /is a TaskRun; a Tekton bundle holds only Task, Pipeline, StepAction/,
      },
      {
        name: "noname.yaml",
        text: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {}\n",
        message: /has no metadata.name/,
      },
      {
        name: "badname.yaml",
        text: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: ../etc}\n",
        message: /not a valid Kubernetes name/,
      },
      {
        name: "dup.yaml",
        text: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: a}\n---\n" +
          "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: a}\n",
        message: /two Tasks named "a"/,
      },
      {
        name: "eleven.yaml",
        text: Array.from(
          { length: 11 },
          (_, i) => `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t${i}}\n`,
        ).join("---\n"),
        message: /Cannot bundle 11 resources: a Tekton bundle holds at most 10/,
      },
      { name: "empty.yaml", text: "# nothing\n", message: /holds no Tekton resource/ },
      {
        name: "huge.yaml",
        text: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: h}\n# " +
          "x".repeat(2 * 1024 * 1024) + "\n",
        message: /more than a Kubernetes object may be/,
      },
      {
        name: "binary.yaml",
        text: new Uint8Array([0xff, 0xfe, 0x00, 0x41]),
        message: /not UTF-8 text/,
      },
      {
        name: "truncated.json",
        text: '{"apiVersion": "tekton.dev/v1", "kind": ',
        message: /truncated/,
      },
    ];
    for (const c of cases) {
      await writeFile(join(dir, c.name), c.text);
      const repo = `tekton/bad-${c.name.replace(/\W/g, "-")}`;
      const r = await run(["upload", "tekton", "-f", c.name, `${reg.host}/${repo}:v1`]);
      assert.notEqual(r.code, 0, `${c.name}: ${r.err}`);
      assert.match(r.err, c.message, c.name);
      assert.deepEqual(await tags(repo), [], `${c.name}: nothing pushed`);
    }
    const missing = await run([
      "upload",
      "tekton",
      "-f",
      "nope.yaml",
      `${reg.host}/tekton/none:v1`,
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /Cannot read "nope.yaml": no such file/);
    const none = await run(["upload", "tekton", `${reg.host}/tekton/none:v1`]);
    assert.notEqual(none.code, 0);
    assert.match(none.err, /needs a resource file: -f FILE/);
    const ctime = await run([
      "upload",
      "tekton",
      "-f",
      "task.yaml",
      "--ctime",
      "yesterday",
      `${reg.host}/tekton/none:v1`,
    ]);
    assert.notEqual(ctime.code, 0);
    assert.match(ctime.err, /Bad --ctime "yesterday"/);
    assert.deepEqual(await tags("tekton/none"), []);
  });
});
