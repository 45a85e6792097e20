"""Independent AWS SigV4 judge for the AWS KMS stand-in (tests/helpers/aws_kms_standin.ts).

Reads one JSON request per line on stdin:
  {"method", "url", "headers": {name: value} (the headers the client says it signed, minus
   authorization), "body_b64", "access_key", "secret_key", "token" (or null), "region",
   "service", "amz_date"}
and writes one JSON line: {"authorization": "<what botocore's SigV4Auth computes>"} or
{"error": "..."}. The signature is recomputed by Debian's python3-botocore
(botocore.auth.SigV4Auth.add_auth) at the request's own X-Amz-Date, so the stand-in can compare
it with the Authorization header the client sent.
"""
import base64
import datetime
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def expected_authorization(req):
    when = datetime.datetime.strptime(req["amz_date"], "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda *a, **k: when
    headers = {
        k: v
        for k, v in req["headers"].items()
        if k.lower() not in ("x-amz-date", "x-amz-security-token", "authorization")
    }
    request = AWSRequest(
        method=req["method"],
        url=req["url"],
        headers=headers,
        data=base64.b64decode(req["body_b64"]),
    )
    creds = Credentials(req["access_key"], req["secret_key"], req.get("token"))
    botocore.auth.SigV4Auth(creds, req["service"], req["region"]).add_auth(request)
    return request.headers["Authorization"]


for line in sys.stdin:
    try:
        out = {"authorization": expected_authorization(json.loads(line))}
    except Exception as e:  # report, keep serving
        out = {"error": "%s: %s" % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
