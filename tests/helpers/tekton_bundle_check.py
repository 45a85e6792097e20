#!/usr/bin/python3
"""Reads a Tekton bundle from a registry the way Tekton's bundle resolver does, independently of
cosign-ts: fetch the manifest, apply checkImageCompliance (at most MAX layers, the three
dev.tekton.image.* annotations on every layer, kind lower case and singular), then for each layer
fetch the blob, check its digest, gunzip it, take the first tar entry and decode it as YAML/JSON.

usage: tekton_bundle_check.py http://HOST:PORT REPO REF [MAX]
Prints JSON: {"mediaType", "configMediaType", "config", "layers": [{"mediaType", "annotations",
"tarName", "tarMode", "tarMembers", "json" (the entry's text), "doc" (decoded)}]}; exit 1 with the
reason on stderr when the bundle is not compliant.
"""
import gzip, hashlib, io, json, sys, tarfile, urllib.request
import yaml

base, repo, ref = sys.argv[1], sys.argv[2], sys.argv[3]
limit = int(sys.argv[4]) if len(sys.argv) > 4 else 20
ACCEPT = ",".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])

def get(path, accept=None):
    req = urllib.request.Request(base + path, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req) as r:
        return r.read()

def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)

manifest = json.loads(get(f"/v2/{repo}/manifests/{ref}", ACCEPT))
layers = manifest.get("layers", [])
if len(layers) > limit:
    fail(f"contained more than the maximum {limit} allow objects")
for i, l in enumerate(layers):
    a = l.get("annotations") or {}
    for key in ("dev.tekton.image.apiVersion", "dev.tekton.image.name", "dev.tekton.image.kind"):
        if key not in a:
            fail(f"the layer {i} does not contain a {key} annotation")
    kind = a["dev.tekton.image.kind"]
    if kind.lower().rstrip("s") != kind:
        fail(f"the layer {i} the annotation dev.tekton.image.kind must be lowercased and singular")

config_bytes = get(f"/v2/{repo}/blobs/{manifest['config']['digest']}")
if "sha256:" + hashlib.sha256(config_bytes).hexdigest() != manifest["config"]["digest"]:
    fail("config digest mismatch")
out = {
    "mediaType": manifest.get("mediaType"),
    "configMediaType": manifest["config"]["mediaType"],
    "config": json.loads(config_bytes),
    "annotations": manifest.get("annotations"),
    "layers": [],
}
for l in layers:
    blob = get(f"/v2/{repo}/blobs/{l['digest']}")
    if "sha256:" + hashlib.sha256(blob).hexdigest() != l["digest"]:
        fail(f"layer digest mismatch for {l['digest']}")
    raw = gzip.decompress(blob)
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tf:
        members = tf.getmembers()
        first = members[0]
        text = tf.extractfile(first).read().decode()
    out["layers"].append({
        "mediaType": l["mediaType"],
        "annotations": l["annotations"],
        "diffId": "sha256:" + hashlib.sha256(raw).hexdigest(),
        "tarName": first.name,
        "tarMode": first.mode,
        "tarUid": first.uid,
        "tarMtime": first.mtime,
        "tarMembers": len(members),
        "json": text,
        "doc": yaml.safe_load(text),
    })
print(json.dumps(out))
