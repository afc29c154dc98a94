"""Drives oss-server with the official Python SDK oss2 and checks objects across SDKs.

Environment (set by crates/oss/tests/interop_oss2.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION,
  OSS_STS_ACCESS_KEY_ID, OSS_STS_ACCESS_KEY_SECRET, OSS_STS_TOKEN,
  INTEROP_BUCKET   a bucket the Rust SDK filled with objects under rust/ (see EXPECTED_FROM_RUST)
  INTEROP_OUT      a file where this script writes the JSON manifest of objects it wrote under oss2/

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import hashlib
import io
import json
import os
import sys
import tempfile
import time
import traceback

import oss2
import requests

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")
STS_AK = os.environ["OSS_STS_ACCESS_KEY_ID"]
STS_SK = os.environ["OSS_STS_ACCESS_KEY_SECRET"]
STS_TOKEN = os.environ["OSS_STS_TOKEN"]
SHARED = os.environ["INTEROP_BUCKET"]
OUT = os.environ["INTEROP_OUT"]

PASSED = 0
FAILED = 0
RUN_ID = "%x" % (int(time.time() * 1000) % 0xFFFFFFF)


def pattern(seed, size):
    """Deterministic bytes shared with the Rust side: byte i = (i * 31 + seed) % 251."""
    return bytes(((i * 31 + seed) % 251) for i in range(size))


# Objects the Rust SDK wrote before this script runs: key -> (seed, size, metadata)
EXPECTED_FROM_RUST = {
    "rust/small.txt": (1, 11, {"origin": "rust"}),
    "rust/dir/with space+plus%41.bin": (2, 4096, {}),
    "rust/empty": (3, 0, {}),
    "rust/large.bin": (4, 3 * 1024 * 1024 + 17, {}),
    "rust/appendable.log": (5, 300, {}),
    "rust/中文/文件.txt": (6, 1000, {}),
}


def check(name, fn):
    global PASSED, FAILED
    try:
        fn()
        PASSED += 1
        print("ok   " + name)
    except Exception:  # noqa: BLE001 - report every failure and continue
        FAILED += 1
        print("FAIL " + name)
        traceback.print_exc(file=sys.stdout)


def expect_error(exc_class, fn, code=None, status=None):
    try:
        fn()
    except exc_class as e:
        if code is not None:
            assert e.code == code, "expected code %r, got %r (%s)" % (code, e.code, e)
        if status is not None:
            assert e.status == status, "expected status %r, got %r" % (status, e.status)
        assert e.request_id, "error without request id: %s" % e
        return e
    raise AssertionError("expected %s" % exc_class.__name__)


def auths():
    return [
        ("v1", oss2.Auth(AK, SK)),
        ("v4", oss2.AuthV4(AK, SK)),
        ("sts-v1", oss2.StsAuth(STS_AK, STS_SK, STS_TOKEN)),
        ("sts-v4", oss2.StsAuth(STS_AK, STS_SK, STS_TOKEN, auth_version="v4")),
    ]


def scenarios(label, auth):
    service = oss2.Service(auth, ENDPOINT, region=REGION)
    name = ("interop-%s-%s" % (label, RUN_ID)).lower()
    bucket = oss2.Bucket(auth, ENDPOINT, name, region=REGION)
    p = label + ": "

    def create():
        r = bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)
        assert r.status == 200 and r.request_id
        expect_error(oss2.exceptions.ServerError, lambda: bucket.create_bucket(), code="BucketAlreadyExists", status=409)

    check(p + "create bucket", create)

    def list_buckets():
        names = [b.name for b in oss2.BucketIterator(service, prefix="interop-%s-" % label)]
        assert name in names, names
        r = service.list_buckets(prefix=name)
        assert [b.name for b in r.buckets] == [name]
        b = r.buckets[0]
        assert b.location and b.creation_date > 0 and b.storage_class, vars(b)

    check(p + "list buckets", list_buckets)

    def info():
        i = bucket.get_bucket_info()
        assert i.name == name and i.acl.grant == "private", vars(i)
        assert bucket.get_bucket_location().location.startswith("oss-")
        bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
        assert bucket.get_bucket_acl().acl == "public-read"
        bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
        assert bucket.get_bucket_acl().acl == "private"

    check(p + "bucket info, location, acl", info)

    data = pattern(7, 100000)

    def put_get():
        r = bucket.put_object("a/b c+d%41.bin", data, headers={"x-oss-meta-Author": "alice", "Content-Type": "application/x-test"})
        assert r.etag == hashlib.md5(data).hexdigest().upper(), r.etag
        assert r.crc is not None
        g = bucket.get_object("a/b c+d%41.bin")
        body = g.read()
        assert body == data
        assert g.client_crc == g.server_crc
        assert g.headers["x-oss-meta-author"] == "alice"
        assert g.content_type == "application/x-test"
        assert g.object_type == "Normal"
        bucket.put_object("str.txt", "héllo wörld")
        assert bucket.get_object("str.txt").read() == "héllo wörld".encode()
        bucket.put_object("filelike.bin", io.BytesIO(data))
        assert bucket.get_object("filelike.bin").read() == data

        def gen():
            for i in range(0, len(data), 7777):
                yield data[i:i + 7777]

        bucket.put_object("chunked.bin", gen())
        assert bucket.get_object("chunked.bin").read() == data
        bucket.put_object("empty", b"")
        assert bucket.get_object("empty").read() == b""

    check(p + "put/get (bytes, str, file, chunked, empty, metadata)", put_get)

    def ranges():
        assert bucket.get_object("filelike.bin", byte_range=(0, 99)).read() == data[0:100]
        assert bucket.get_object("filelike.bin", byte_range=(None, 99)).read() == data[-99:]
        assert bucket.get_object("filelike.bin", byte_range=(100, None)).read() == data[100:]
        r = bucket.get_object("filelike.bin", byte_range=(5, 5))
        assert r.status == 206 and r.read() == data[5:6]
        # an unsatisfiable range gives the whole object with 200 (OSS default behaviour)
        r = bucket.get_object("filelike.bin", byte_range=(len(data), len(data) + 10))
        assert r.status == 200 and r.read() == data
        expect_error(oss2.exceptions.ServerError, lambda: bucket.get_object("filelike.bin", byte_range=(len(data), None), headers={"x-oss-range-behavior": "standard"}), code="InvalidRange", status=416)

    check(p + "ranged gets", ranges)

    def to_file():
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "out.bin")
            bucket.get_object_to_file("filelike.bin", f)
            assert open(f, "rb").read() == data
            src = os.path.join(d, "src.txt")
            open(src, "wb").write(b"from file")
            bucket.put_object_from_file("fromfile.txt", src)
            assert bucket.get_object("fromfile.txt").read() == b"from file"

    check(p + "files", to_file)

    def head_meta():
        h = bucket.head_object("filelike.bin")
        assert h.content_length == len(data) and h.etag
        m = bucket.get_object_meta("filelike.bin")
        assert m.content_length == len(data) and m.etag == h.etag
        assert bucket.object_exists("filelike.bin")
        assert not bucket.object_exists("missing")
        e = expect_error(oss2.exceptions.NotFound, lambda: bucket.head_object("missing"), status=404)
        assert e.code == "NoSuchKey", e.code  # decoded from x-oss-err

    check(p + "head, meta, exists", head_meta)

    def conditional():
        etag = bucket.head_object("filelike.bin").etag
        expect_error(oss2.exceptions.NotModified, lambda: bucket.get_object("filelike.bin", headers={"If-None-Match": '"%s"' % etag}), status=304)
        expect_error(oss2.exceptions.PreconditionFailed, lambda: bucket.get_object("filelike.bin", headers={"If-Match": '"0000"'}), status=412)
        assert bucket.get_object("filelike.bin", headers={"If-Match": '"%s"' % etag}).read() == data

    check(p + "conditional gets", conditional)

    def copy():
        bucket.copy_object(name, "a/b c+d%41.bin", "copy/of it.bin")
        g = bucket.get_object("copy/of it.bin")
        assert g.read() == data and g.headers["x-oss-meta-author"] == "alice"
        bucket.update_object_meta("copy/of it.bin", {"x-oss-meta-author": "bob", "Content-Type": "text/plain"})
        h = bucket.head_object("copy/of it.bin")
        assert h.headers["x-oss-meta-author"] == "bob" and h.content_type == "text/plain"
        expect_error(oss2.exceptions.NoSuchKey, lambda: bucket.copy_object(name, "missing", "x"), status=404)

    check(p + "copy, update meta", copy)

    def append():
        r1 = bucket.append_object("log", 0, b"hello ")
        assert r1.next_position == 6
        r2 = bucket.append_object("log", r1.next_position, b"world", init_crc=r1.crc)
        assert r2.next_position == 11
        assert bucket.get_object("log").read() == b"hello world"
        assert bucket.head_object("log").object_type == "Appendable"
        e = expect_error(oss2.exceptions.PositionNotEqualToLength, lambda: bucket.append_object("log", 3, b"x"), status=409)
        assert e.next_position == 11
        expect_error(oss2.exceptions.ObjectNotAppendable, lambda: bucket.append_object("str.txt", 0, b"x"), status=409)

    check(p + "append", append)

    def listing():
        keys = ["list/%03d" % i for i in range(250)] + ["list/sub/x", "list/sub/y", "list/sp ace+plus%41/é.txt"]
        for k in keys:
            bucket.put_object(k, k.encode())
        got = [o.key for o in oss2.ObjectIterator(bucket, prefix="list/", max_keys=37)]
        assert got == sorted(keys, key=lambda s: s.encode()), got[:5]
        got2 = [o.key for o in oss2.ObjectIteratorV2(bucket, prefix="list/", max_keys=41)]
        assert got2 == got
        r = bucket.list_objects(prefix="list/", delimiter="/", max_keys=1000)
        assert r.prefix_list == ["list/sp ace+plus%41/", "list/sub/"], r.prefix_list
        assert len(r.object_list) == 250
        o = r.object_list[0]
        assert o.key == "list/000" and o.size == 8 and o.etag and o.type == "Normal" and o.last_modified > 0
        v2 = bucket.list_objects_v2(prefix="list/", delimiter="/", max_keys=100, fetch_owner=True)
        assert v2.is_truncated and v2.next_continuation_token
        both = [x.key for x in oss2.ObjectIteratorV2(bucket, prefix="list/", delimiter="/", max_keys=7)]
        assert both[-2:] == ["list/sp ace+plus%41/", "list/sub/"], both[-3:]

    check(p + "list objects v1/v2, iterators, delimiter, url encoding", listing)

    def deletes():
        keys = ["list/%03d" % i for i in range(250)]
        r = bucket.batch_delete_objects(keys[:200])
        assert sorted(r.deleted_keys) == keys[:200]
        r = bucket.batch_delete_objects(["list/sp ace+plus%41/é.txt", "never-existed"])
        assert "list/sp ace+plus%41/é.txt" in r.deleted_keys
        assert bucket.delete_object("never-existed").status == 204
        assert not bucket.object_exists("list/000")
        assert bucket.object_exists("list/200")

    check(p + "delete, batch delete", deletes)

    def errors():
        expect_error(oss2.exceptions.ServerError, lambda: bucket.put_object("bad-md5", b"abc", headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}), code="InvalidDigest", status=400)
        assert not bucket.object_exists("bad-md5")
        missing = oss2.Bucket(auth, ENDPOINT, "no-such-bucket-" + RUN_ID, region=REGION)
        expect_error(oss2.exceptions.NoSuchBucket, lambda: missing.get_object("k"), status=404)
        expect_error(oss2.exceptions.NoSuchKey, lambda: bucket.get_object("nope"), status=404)
        expect_error(oss2.exceptions.BucketNotEmpty, lambda: bucket.delete_bucket(), status=409)
        wrong = oss2.Bucket(oss2.Auth(AK, SK + "x") if "v1" in label else oss2.AuthV4(AK, SK + "x"), ENDPOINT, name, region=REGION)
        expect_error(oss2.exceptions.SignatureDoesNotMatch, lambda: wrong.get_object("str.txt"), status=403)
        unknown = oss2.Bucket(oss2.Auth("NoSuchKeyId", SK), ENDPOINT, name, region=REGION)
        expect_error(oss2.exceptions.ServerError, lambda: unknown.get_object("str.txt"), code="InvalidAccessKeyId", status=403)
        anon = oss2.Bucket(oss2.AnonymousAuth(), ENDPOINT, name, region=REGION)
        expect_error(oss2.exceptions.AccessDenied, lambda: anon.get_object("str.txt"), status=403)
        bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
        assert anon.get_object("str.txt").read() == "héllo wörld".encode()
        expect_error(oss2.exceptions.AccessDenied, lambda: anon.put_object("anon", b"x"), status=403)
        bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)

    check(p + "errors (digest, missing, not empty, signature, key id, anonymous)", errors)

    def presigned():
        url = bucket.sign_url("GET", "a/b c+d%41.bin", 60)
        r = requests.get(url)
        assert r.status_code == 200 and r.content == data, (r.status_code, r.text[:300])
        put_url = bucket.sign_url("PUT", "presigned/put.txt", 60, headers={"Content-Type": "text/plain"})
        r = requests.put(put_url, data=b"via url", headers={"Content-Type": "text/plain"})
        assert r.status_code == 200, r.text
        assert bucket.get_object("presigned/put.txt").read() == b"via url"
        r = requests.put(put_url, data=b"via url", headers={"Content-Type": "text/html"})
        assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content, r.text
        expired = bucket.sign_url("GET", "a/b c+d%41.bin", -10) if "v1" in label else None
        if expired:
            r = requests.get(expired)
            assert r.status_code == 403 and b"AccessDenied" in r.content, r.text

    check(p + "presigned urls", presigned)

    def cleanup():
        for o in oss2.ObjectIterator(bucket):
            bucket.delete_object(o.key)
        bucket.delete_bucket()
        expect_error(oss2.exceptions.NoSuchBucket, lambda: bucket.get_bucket_info(), status=404)

    check(p + "delete bucket", cleanup)


def cross_sdk():
    shared = oss2.Bucket(oss2.Auth(AK, SK), ENDPOINT, SHARED, region=REGION)

    def read_rust():
        for key, (seed, size, meta) in EXPECTED_FROM_RUST.items():
            g = shared.get_object(key)
            body = g.read()
            assert body == pattern(seed, size), "%s: %d bytes" % (key, len(body))
            assert g.client_crc == g.server_crc, key
            for k, v in meta.items():
                assert g.headers["x-oss-meta-" + k] == v, (key, k)
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "large")
            shared.get_object_to_file("rust/large.bin", f)
            assert open(f, "rb").read() == pattern(4, 3 * 1024 * 1024 + 17)

    check("cross: oss2 reads objects written by the Rust SDK", read_rust)

    def write_for_rust():
        manifest = {}
        for i, (key, size) in enumerate([("oss2/small.txt", 13), ("oss2/dir/sp ace+%2B.bin", 70000), ("oss2/empty", 0), ("oss2/large.bin", 2 * 1024 * 1024 + 5)]):
            body = pattern(100 + i, size)
            shared.put_object(key, body, headers={"x-oss-meta-origin": "oss2"})
            manifest[key] = {"seed": 100 + i, "size": size}
        r = shared.append_object("oss2/appended", 0, pattern(120, 1000))
        shared.append_object("oss2/appended", r.next_position, pattern(121, 500), init_crc=r.crc)
        manifest["oss2/appended"] = {"parts": [[120, 1000], [121, 500]]}
        with open(OUT, "w") as f:
            json.dump(manifest, f)

    check("cross: oss2 writes objects for the Rust SDK", write_for_rust)


def main():
    for label, auth in auths():
        scenarios(label, auth)
    cross_sdk()
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
