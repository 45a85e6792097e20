#!/usr/bin/env python3
"""An in-repo stand-in for the Azure CLI's `az account get-access-token` (the only command
cosign-ts runs), written from its documentation: `--resource R` (or `--scope S`), `--tenant T`,
`--output json`; the login lives in $AZURE_CONFIG_DIR (default ~/.azure), here the file
`standin_login.json` that a test writes in place of `az login --service-principal`
({"authority", "tenant", "client_id", "client_secret"}). Without it: az's "Please run 'az login'"
error. With it, the token comes from the Entra ID stand-in (client-credentials flow) for
`R/.default`, printed as az prints it (accessToken, expiresOn, expires_on, subscription, tenant,
tokenType). Each run is appended to `standin_calls.log` in the config directory."""
import json
import os
import sys
import urllib.parse
import urllib.request


def fail(message, code=1):
    sys.stderr.write(message + "\n")
    sys.exit(code)


def main(argv):
    if argv[:2] != ["account", "get-access-token"]:
        fail("ERROR: 'az %s' is not supported by this stand-in" % " ".join(argv[:2]), 2)
    opts, rest = {}, argv[2:]
    while rest:
        flag = rest.pop(0)
        if flag not in ("--resource", "--scope", "--tenant", "--output", "-o") or not rest:
            fail("ERROR: unrecognized arguments: %s" % flag, 2)
        opts[flag] = rest.pop(0)
    if opts.get("--output", opts.get("-o", "json")) != "json":
        fail("ERROR: this stand-in prints json only", 2)
    if "--resource" in opts and "--scope" in opts:
        fail("ERROR: usage error: --resource/--resource-type/--scope are mutually exclusive", 2)
    scope = opts.get("--scope") or (opts.get("--resource", "https://management.core.windows.net/") .rstrip("/") + "/.default")
    config = os.environ.get("AZURE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".azure")
    with open(os.path.join(config, "standin_calls.log"), "a") as log:
        log.write(json.dumps(argv) + "\n")
    try:
        with open(os.path.join(config, "standin_login.json")) as f:
            login = json.load(f)
    except OSError:
        fail("ERROR: Please run 'az login' to setup account.")
    tenant = opts.get("--tenant", login["tenant"])
    if tenant != login["tenant"]:
        fail("ERROR: AADSTS90002: Tenant '%s' not found. Run 'az login --tenant %s'." % (tenant, tenant))
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": login["client_id"],
        "client_secret": login["client_secret"],
        "scope": scope,
    }).encode()
    url = "%s%s/oauth2/v2.0/token" % (login["authority"], tenant)
    try:
        with urllib.request.urlopen(url, body, timeout=20) as res:
            token = json.load(res)
    except urllib.error.HTTPError as e:
        answer = json.load(e)
        fail("ERROR: %s" % answer.get("error_description", "").split("\r\n")[0])
    print(json.dumps({
        "accessToken": token["access_token"],
        "expiresOn": "2026-12-02 10:00:00.000000",
        "expires_on": 1764669600,
        "subscription": "00000000-0000-4000-8000-000000000000",
        "tenant": tenant,
        "tokenType": "Bearer",
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
