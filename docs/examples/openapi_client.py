#!/usr/bin/env python3
"""A bank and an exchange platform calling the Five-Color Code API with nothing but its OpenAPI
document and the Python 3 standard library (no generated code, no pip).

    FIVECOLOR_URL=http://localhost:8787 BANK_KEY=fck_... EXCHANGE_KEY=fck_... \
    REPORT_NO=浙02-2026-000001 REPORT_CODE=K7Q2M9XD python3 docs/examples/openapi_client.py

It reads /openapi.json, finds each operation by its operationId, and calls it as the document says:
a query (GET) with its input as the URL-encoded JSON `input` parameter, a mutation (POST) with the
JSON body, the result under `result.data`. It prints what it found as one JSON line.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("FIVECOLOR_URL", "http://localhost:8787").rstrip("/")


def http(method, url, key=None, body=None):
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


status, document = http("GET", BASE + "/openapi.json")
if status != 200:
    sys.exit("GET /openapi.json: HTTP %d" % status)
operations = {}
for path, item in document["paths"].items():
    for method, operation in item.items():
        operations[operation["operationId"]] = (method.upper(), path, operation)


def call(operation_id, key=None, input=None, path_params=None, query=None):
    method, path, operation = operations[operation_id]
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    params = dict(query or {})
    body = None
    names = [p["name"] for p in operation.get("parameters", [])]
    if method == "GET" and input is not None and "input" in names:
        params["input"] = json.dumps(input)
    elif method == "POST":
        body = input
    url = BASE + path + ("?" + urllib.parse.urlencode(params) if params else "")
    status, payload = http(method, url, key, body)
    if status >= 400:
        sys.exit("%s: HTTP %d %s" % (operation_id, status, json.dumps(payload, ensure_ascii=False)))
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    # tRPC procedures wrap their result as { result: { data } }; plain routes answer the data itself.
    return payload["result"]["data"] if "result" in schema.get("properties", {}) else payload


bank = os.environ["BANK_KEY"]
consents = call("consentList", bank, {})
if not consents:
    sys.exit("consentList: no party has consented to this bank yet (a party grants it with consent.grant)")
party_id = consents[0]["partyId"]
party = call("partyGet", bank, {"partyId": party_id})
report_no, code = os.environ["REPORT_NO"], os.environ["REPORT_CODE"]
verified = call("reportVerify", bank, {"reportNo": report_no, "code": code})
public = call("verifyReportPublic", path_params={"reportNo": report_no}, query={"code": code})
feed = call("exchangeChanges", os.environ["EXCHANGE_KEY"], {"limit": 100})

print(
    json.dumps(
        {
            "partyId": party_id,
            "color": party["classification"]["color"],
            "name": party["party"]["name"],
            "reportValid": verified["valid"],
            "publicReportValid": public["valid"],
            "colorNow": verified["colorNow"]["color"],
            "feedTypes": sorted({item["type"] for item in feed["items"]}),
            "feedSources": sorted({item["record"]["source"] for item in feed["items"] if "record" in item}),
        },
        ensure_ascii=False,
    )
)
