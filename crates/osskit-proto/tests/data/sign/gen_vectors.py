#!/usr/bin/env python3
"""Regenerates the signing and encoding vectors checked by `tests/oss2_vectors.rs`.

Runs oss2 2.19.1's own signers with the clock frozen at 1700000000 and writes
`vectors.json` and `encoding.json` next to this script:

    python3 -m venv /tmp/oss2venv && /tmp/oss2venv/bin/pip install oss2==2.19.1
    /tmp/oss2venv/bin/python crates/osskit-proto/tests/data/sign/gen_vectors.py
"""
import datetime as _dt
import json
import os
import time
import urllib.parse

import oss2
import oss2.auth
import requests
from oss2.compat import urlquote
from oss2.http import Request

NOW = 1700000000
HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "cn-hangzhou"
HOST = "examplebucket.oss-cn-hangzhou.aliyuncs.com"

assert oss2.__version__ == "2.19.1", oss2.__version__

# Freeze the clock: V1 reads time.time() (http_date, sign_url), V4 datetime.utcnow().
time.time = lambda: float(NOW)


class FrozenDatetime(_dt.datetime):
    @classmethod
    def utcnow(cls):
        return _dt.datetime(2023, 11, 14, 22, 13, 20)


oss2.auth.datetime = FrozenDatetime

KEYS = [
    "exampleobject.txt",
    "a b.txt",
    "a+b=c&d.txt",
    "100%.txt",
    "中文/文件 名.txt",
    "dir/sub/",
    "q?x=1#frag",
    "emoji 😀.bin",
    "tilde~star*paren().txt",
    "semi;colon,comma:colon@at",
    "/leading-slash",
]

PARAM_SETS = [
    [],
    [("acl", "")],
    [("uploads", ""), ("prefix", "a b")],
    [("uploadId", "0004B9894A22E5B1888A1E29F823****"), ("partNumber", "3")],
    [("response-content-disposition", 'attachment; filename="中 文.txt"'), ("response-content-type", "text/plain")],
    [("x-oss-process", "image/resize,w_100/quality,q_90"), ("versionId", "CAEQ+/=")],
    [("prefix", "dir/"), ("delimiter", "/"), ("marker", ""), ("max-keys", "10"), ("encoding-type", "url")],
    [("tagging", ""), ("custom", "v a l"), ("empty", "")],
    [("continuation-token", "tok en+/"), ("list-type", "2"), ("start-after", "é")],
]

HEADER_SETS = [
    [],
    [("Content-Type", "text/plain"), ("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg==")],
    [("x-oss-meta-Author", "alice"), ("X-OSS-Object-Acl", "private"), ("x-oss-meta-Empty", "")],
    [("X-Oss-Meta-Mixed", "Value With Spaces"), ("Content-Type", "application/octet-stream"), ("Range", "bytes=0-9")],
    [("x-oss-meta-b", "2"), ("x-oss-meta-a", "1"), ("Cache-Control", "no-cache"), ("x-oss-date", "Wed, 15 Nov 2023 00:00:00 GMT")],
]


def cases():
    """(method, bucket, key, params, headers) combinations, small but varied."""
    out = []
    for i, key in enumerate(KEYS):
        params = PARAM_SETS[i % len(PARAM_SETS)]
        headers = HEADER_SETS[i % len(HEADER_SETS)]
        method = ["GET", "PUT", "HEAD", "POST", "DELETE"][i % 5]
        out.append((method, "examplebucket", key, params, headers))
    for j, params in enumerate(PARAM_SETS):
        out.append(("GET", "examplebucket", "", params, HEADER_SETS[(j + 1) % len(HEADER_SETS)]))
    out.append(("GET", None, None, [("prefix", ""), ("marker", ""), ("max-keys", "100")], []))
    out.append(("GET", None, None, [("regions", "")], [("x-oss-meta-x", "y")]))
    return out


def make_auth(version, token):
    if token:
        return oss2.StsAuth("STS.ak", "sk", token, auth_version=version)
    return oss2.make_auth("ak", "sk", version)


def new_request(method, bucket, key, params, headers):
    if bucket:
        url = "http://" + HOST + "/" + urlquote(key or "", "")
    else:
        url = "http://oss-cn-hangzhou.aliyuncs.com"
    return Request(method, url, params=dict(params), headers=dict(headers), region=REGION, product="oss")


def provider(auth):
    """The provider object doing the signing (StsAuth wraps one)."""
    inner = getattr(auth, "_StsAuth__auth", None)
    return inner if inner is not None else auth


def string_to_sign(auth, version, req, bucket, key, additional):
    p = provider(auth)
    if version == "v1":
        return p._ProviderAuth__get_bytes_to_sign(req, bucket, key or "").decode("utf-8")
    cr = p._ProviderAuthV4__get_canonical_request_bytes(req, bucket, key or "", additional)
    return cr.decode("utf-8")


def header_vector(version, token, method, bucket, key, params, headers, additional=None):
    auth = make_auth(version, token)
    req = new_request(method, bucket, key, params, headers)
    if version == "v4":
        provider(auth)._sign_request(req, bucket, key or "", additional)
        signed_additional = provider(auth)._ProviderAuthV4__get_additional_signed_headers(additional)
    else:
        auth._sign_request(req, bucket, key or "")
        signed_additional = None
    sts = string_to_sign(auth, version, req, bucket, key, signed_additional)
    names = ["x-oss-security-token", "date", "x-oss-date", "x-oss-content-sha256", "authorization"]
    final = {n: req.headers[n] for n in names if req.headers.get(n) is not None}
    return {
        "kind": "header",
        "version": version,
        "token": token,
        "method": method,
        "bucket": bucket,
        "key": key,
        "params": [list(p) for p in params],
        "headers": [list(h) for h in headers],
        "additional_headers": list(additional or []),
        "canonical": sts,
        "authorization": req.headers["authorization"],
        "final_headers": final,
    }


def presign_vector(version, token, method, bucket, key, params, headers, expires, additional=None):
    auth = make_auth(version, token)
    req = new_request(method, bucket, key, params, headers)
    if version == "v4":
        url = provider(auth)._sign_url(req, bucket, key or "", expires, additional)
    else:
        url = auth._sign_url(req, bucket, key or "", expires)
    base, _, query = url.partition("?")
    # Recompute the canonical form from the final request, without the signature itself.
    signed_params = dict(req.params)
    if version == "v4":
        signed_params.pop("x-oss-signature")
        req.params = signed_params
        extra = signed_params.get("x-oss-additional-headers")
        sts = string_to_sign(auth, version, req, bucket, key, extra.split(";") if extra else None)
    else:
        for name in ("OSSAccessKeyId", "Expires", "Signature"):
            signed_params.pop(name)
        req.params = signed_params
        sts = string_to_sign(auth, version, req, bucket, key, None)
    return {
        "kind": "presign",
        "version": version,
        "token": token,
        "method": method,
        "bucket": bucket,
        "key": key,
        "params": [list(p) for p in params],
        "headers": [list(h) for h in headers],
        "additional_headers": list(additional or []),
        "expires": expires,
        "canonical": sts,
        "query": query,
    }


def signing_vectors():
    out = []
    for n, (method, bucket, key, params, headers) in enumerate(cases()):
        token = "token-xyz/+=" if n % 3 == 2 else None
        for version in ("v1", "v4"):
            if version == "v4" and any(k.lower() == "x-oss-date" for k, _ in headers):
                continue  # the V4 signer overwrites x-oss-date
            additional = ["Range", "Cache-Control", "x-oss-meta-a", "content-type"] if version == "v4" and n % 2 else None
            out.append(header_vector(version, token, method, bucket, key, params, headers, additional))
            if bucket:
                expires = [60, 3600, 86400][n % 3]
                presign_additional = ["range", "cache-control", "absent"] if version == "v4" and n % 2 else None
                out.append(presign_vector(version, token, method, bucket, key, params, headers, expires, presign_additional))
    return out


STRINGS = [
    "", "abc", "a b", "a+b", "a/b", "~_.-", "*!'()", "%", "%2F", "%zz", "a%2", "中文", "é", "😀",
    "q?x=1&y=2#z", "tab\tnew\nline", "semi;colon,comma:colon@at$", "\u00a0nbsp", "a=b=c",
]

ENCODED = ["a%20b", "a+b", "%E4%B8%AD%E6%96%87", "%e4%b8%ad", "%", "%2", "%zz", "100%", "%FF%FE", "a%2Fb%2f", "%C3%A9+%C3"]


def encoding_vectors():
    quote = [[s, urllib.parse.quote(s, safe=""), urllib.parse.quote(s, safe="/"), urllib.parse.quote_plus(s, safe="")] for s in STRINGS]
    unquote = [[s, urllib.parse.unquote(s), urllib.parse.unquote_plus(s)] for s in ENCODED]
    pairs = [[s, STRINGS[-1 - i]] for i, s in enumerate(STRINGS) if s]
    wire = requests.Request("GET", "http://h/", params=dict(pairs)).prepare().url.partition("?")[2]
    presigned = "&".join(oss2.auth._param_to_quoted_query(k, v) for k, v in pairs)
    raw_queries = ["a=1&b=&c", "a+b=c+d&%2B=%2B", "x=%E4%B8%AD&&y==z", "", "only", "k=v=w&k=2"]
    parsed = [[q, [list(p) for p in urllib.parse.parse_qsl(q, keep_blank_values=True)]] for q in raw_queries]
    return {"quote": quote, "unquote": unquote, "pairs": pairs, "form_query": wire, "presign_query": presigned, "parse_query": parsed}


def main():
    with open(os.path.join(HERE, "vectors.json"), "w", encoding="utf-8") as f:
        json.dump(signing_vectors(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(HERE, "encoding.json"), "w", encoding="utf-8") as f:
        json.dump(encoding_vectors(), f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
