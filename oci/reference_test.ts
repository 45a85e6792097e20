import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isCosignError } from "../core/errors.ts";
import {
  isLocalRegistry,
  parseReference,
  parseRepository,
  referenceString,
  withDigest,
  withTag,
} from "./reference.ts";

const D = "sha256:" + "0123456789abcdef".repeat(4);

describe("parseReference: docker's examples", () => {
  const cases: [string, string, string, string | undefined, string | undefined][] = [
    // input, registry, repository, tag, digest
    ["ubuntu", "index.docker.io", "library/ubuntu", "latest", undefined],
    ["ubuntu:22.04", "index.docker.io", "library/ubuntu", "22.04", undefined],
    ["docker.io/ubuntu", "index.docker.io", "library/ubuntu", "latest", undefined],
    ["docker.io/library/ubuntu:tag", "index.docker.io", "library/ubuntu", "tag", undefined],
    ["index.docker.io/foo/bar", "index.docker.io", "foo/bar", "latest", undefined],
    ["foo/bar", "index.docker.io", "foo/bar", "latest", undefined],
    ["gcr.io/project/image:v1.2_3-x", "gcr.io", "project/image", "v1.2_3-x", undefined],
    ["localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", undefined],
    ["localhost/foo", "localhost", "foo", "latest", undefined],
    ["127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest", undefined],
    ["[::1]:5000/repo:t", "[::1]:5000", "repo", "t", undefined],
    ["[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", undefined],
    [`ghcr.io/org/app@${D}`, "ghcr.io", "org/app", undefined, D],
    [`ghcr.io/org/app:v1@${D}`, "ghcr.io", "org/app", "v1", D],
    ["foo:5000", "index.docker.io", "library/foo", "5000", undefined],
    ["Registry.Example.COM/a__b/c-d.e", "registry.example.com", "a__b/c-d.e", "latest", undefined],
    ["my-registry.local:443/a---b/c", "my-registry.local:443", "a---b/c", "latest", undefined],
  ];
  for (const [input, registry, repository, tag, digest] of cases) {
    it(input, () => {
      const r = parseReference(input);
      assert.equal(r.registry, registry);
      assert.equal(r.repository, repository);
      assert.equal(r.tag, tag);
      assert.equal(r.digest, digest);
      assert.equal(r.original, input);
    });
  }
});

describe("parseReference: rejects malformed references with INVALID_INPUT", () => {
  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["   ", /empty/],
    ["Ubuntu", /lower case/],
    ["ghcr.io/Org/app", /lower case/],
    ["repo:", /not a valid tag/],
    ["repo:.hidden", /not a valid tag/],
    ["repo:" + "t".repeat(129), /not a valid tag/],
    ["repo@sha256:abc", /not a digest/],
    [`repo@md5:${"0".repeat(32)}`, /not a digest/],
    [`repo@sha256:${"A".repeat(64)}`, /not a digest/],
    ["a//b", /empty path component/],
    ["-repo", /not a valid repository path component/],
    ["repo/", /empty path component/],
    ["/repo", /starts with a slash/],
    ["host:99999/repo", /out of range/],
    ["host:5000/", /repository name is empty/],
    ["repo:tag with space", /white space/],
    ["a/" + "b".repeat(256), /longer than 255/],
    ["x".repeat(5000), /longer than 4096/],
    ["re$po", /not a valid repository path component/],
    ["bad_host!:5000/repo", /not a valid repository path component|registry host/],
  ];
  for (const [input, why] of bad) {
    it(JSON.stringify(input.slice(0, 40)), () => {
      assert.throws(() => parseReference(input), (e: unknown) => {
        assert.ok(isCosignError(e, "INVALID_INPUT"), String(e));
        assert.match((e as Error).message, why);
        assert.ok((e as Error).message.includes("Cannot parse image reference"));
        return true;
      });
    });
  }
  it("requireDigest", () => {
    assert.throws(() => parseReference("a/b:v1", { requireDigest: true }), /has no digest/);
    assert.equal(parseReference(`a/b@${D}`, { requireDigest: true }).digest, D);
  });
});

describe("reference helpers", () => {
  it("referenceString prefers the digest", () => {
    assert.equal(
      referenceString(parseReference("ubuntu")),
      "index.docker.io/library/ubuntu:latest",
    );
    assert.equal(
      referenceString(parseReference(`localhost:5000/a:v1@${D}`)),
      `localhost:5000/a@${D}`,
    );
  });
  it("withDigest / withTag", () => {
    const r = parseReference("localhost:5000/a/b:v1");
    assert.equal(withDigest(r, D).original, `localhost:5000/a/b@${D}`);
    assert.equal(withDigest(r, D).tag, undefined);
    assert.equal(withTag(r, "sha256-abc.sig").original, "localhost:5000/a/b:sha256-abc.sig");
    assert.throws(() => withTag(r, "bad tag"), /not a valid tag/);
    assert.throws(() => withDigest(r, "sha256:zz"), /not a digest/);
  });
  it("parseRepository rejects tags and digests", () => {
    assert.deepEqual(parseRepository("localhost:5000/sigs"), {
      registry: "localhost:5000",
      repository: "sigs",
    });
    assert.throws(() => parseRepository("localhost:5000/sigs:v1"), /must not have a tag/);
  });
  it("isLocalRegistry follows go-containerregistry's plain-HTTP rule", () => {
    for (const h of ["localhost:5000", "localhost", "127.0.0.1:5000", "[::1]:5000", "10.1.2.3"]) {
      assert.equal(isLocalRegistry(h), true, h);
    }
    for (const h of ["192.168.1.1:80", "172.16.0.1", "172.31.255.255:5000"]) {
      assert.equal(isLocalRegistry(h), true, h);
    }
    for (const h of ["ghcr.io", "172.32.0.1", "8.8.8.8:5000", "index.docker.io", "[2001:db8::1]"]) {
      assert.equal(isLocalRegistry(h), false, h);
    }
  });
});
