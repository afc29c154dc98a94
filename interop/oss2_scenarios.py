"""Drives oss-server with the official Python SDK oss2 and checks objects across SDKs.

Environment (set by crates/osskit/tests/interop_oss2.rs):
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
    "rust/resumable.bin": (7, 3 * 1024 * 1024 + 5, {}),
}
RUST_OPEN_UPLOAD_KEY = "rust/open-upload.bin"
# Parts of the upload the Rust SDK started and left open: (part number, seed, size).
RUST_OPEN_UPLOAD_PARTS = [(1, 30, 200 * 1024), (2, 31, 150 * 1024), (4, 32, 1000)]


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
        # Created again by its owner: 200, and the request's ACL is applied.
        assert bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ).status == 200
        assert bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PUBLIC_READ
        assert bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE).status == 200

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

    multipart_scenarios(label, auth)

    def cleanup():
        for o in oss2.ObjectIterator(bucket):
            bucket.delete_object(o.key)
        bucket.delete_bucket()
        expect_error(oss2.exceptions.NoSuchBucket, lambda: bucket.get_bucket_info(), status=404)

    check(p + "delete bucket", cleanup)


def multipart_scenarios(label, auth):
    """Multipart uploads through oss2: the low-level calls, the iterators, and the
    resumable upload and download helpers (which run parts on several threads)."""
    name = ("interop-%s-%s" % (label, RUN_ID)).lower()
    bucket = oss2.Bucket(auth, ENDPOINT, name, region=REGION)
    p = label + ": multipart: "
    min_part = 100 * 1024
    key = "mp/a b+c%41é.bin"
    parts_data = [pattern(31, min_part), pattern(32, 150000), pattern(33, 1000)]
    whole = b"".join(parts_data)

    def md5_etag(b):
        return hashlib.md5(b).hexdigest().upper()

    def crc64(b):
        c = oss2.utils.Crc64()
        c.update(b)
        return c.crc

    def multipart_etag(chunks):
        digests = b"".join(hashlib.md5(c).digest() for c in chunks)
        return "%s-%d" % (hashlib.md5(digests).hexdigest().upper(), len(chunks))

    def upload_list_complete():
        init = bucket.init_multipart_upload(key, headers={"Content-Type": "application/x-multi", "x-oss-meta-kind": "multi"})
        upload_id = init.upload_id
        assert len(upload_id) == 32, upload_id
        infos = []
        for n, chunk in enumerate(parts_data, start=1):
            r = bucket.upload_part(key, upload_id, n, chunk)
            assert r.etag == md5_etag(chunk), (n, r.etag)
            assert r.crc == crc64(chunk), (n, r.crc)
            infos.append(oss2.models.PartInfo(n, r.etag, size=len(chunk), part_crc=r.crc))
        listed = bucket.list_parts(key, upload_id, max_parts=2)
        assert listed.is_truncated and str(listed.next_marker) == "2", (listed.is_truncated, listed.next_marker)
        assert [x.part_number for x in listed.parts] == [1, 2]
        all_parts = list(oss2.PartIterator(bucket, key, upload_id, max_parts=1))
        assert [(x.part_number, x.etag, x.size) for x in all_parts] == [(i.part_number, i.etag, i.size) for i in infos]
        uploads = [u for u in oss2.MultipartUploadIterator(bucket, prefix="mp/")]
        assert [(u.key, u.upload_id) for u in uploads] == [(key, upload_id)], [(u.key, u.upload_id) for u in uploads]
        # complete checks the object CRC against the part CRCs
        r = bucket.complete_multipart_upload(key, upload_id, infos)
        assert r.etag == multipart_etag(parts_data), r.etag
        assert r.crc == crc64(whole)
        g = bucket.get_object(key)
        assert g.read() == whole
        assert g.client_crc == g.server_crc
        assert g.object_type == "Multipart" and g.content_type == "application/x-multi"
        assert g.headers["x-oss-meta-kind"] == "multi"
        expect_error(oss2.exceptions.NoSuchUpload, lambda: bucket.list_parts(key, upload_id), status=404)
        expect_error(oss2.exceptions.NoSuchUpload, lambda: bucket.upload_part(key, upload_id, 4, b"late"), status=404)

    check(p + "init, upload_part, list_parts, PartIterator, complete (CRC)", upload_list_complete)

    def copy_and_complete_all():
        target = "mp/copied.bin"
        upload_id = bucket.init_multipart_upload(target).upload_id
        r1 = bucket.upload_part_copy(name, key, (0, min_part - 1), target, upload_id, 1)
        assert r1.etag == md5_etag(whole[:min_part]), r1.etag
        r2 = bucket.upload_part_copy(name, key, (150000, len(whole) - 1), target, upload_id, 2)
        assert r2.etag == md5_etag(whole[150000:])
        r3 = bucket.upload_part(target, upload_id, 3, b"tail")
        expect_error(oss2.exceptions.ServerError, lambda: bucket.complete_multipart_upload(target, upload_id, [oss2.models.PartInfo(1, r1.etag), oss2.models.PartInfo(2, r2.etag)], headers={"x-oss-complete-all": "yes"}), code="InvalidArgument", status=400)
        r = bucket.complete_multipart_upload(target, upload_id, None, headers={"x-oss-complete-all": "yes"})
        expected = whole[:min_part] + whole[150000:] + b"tail"
        assert r.crc == crc64(expected)
        assert r3.etag and r.etag == multipart_etag([whole[:min_part], whole[150000:], b"tail"]), r.etag
        assert bucket.get_object(target).read() == expected

    check(p + "upload_part_copy with ranges, complete-all", copy_and_complete_all)

    def errors_and_abort():
        k = "mp/errors"
        upload_id = bucket.init_multipart_upload(k).upload_id
        small = bucket.upload_part(k, upload_id, 1, b"small")
        big = bucket.upload_part(k, upload_id, 2, pattern(34, min_part))
        # oss2 sorts the parts it sends, so only a repeated number is out of order
        expect_error(oss2.exceptions.ServerError, lambda: bucket.complete_multipart_upload(k, upload_id, [oss2.models.PartInfo(2, big.etag), oss2.models.PartInfo(2, big.etag)]), code="InvalidPartOrder", status=400)
        expect_error(oss2.exceptions.ServerError, lambda: bucket.complete_multipart_upload(k, upload_id, [oss2.models.PartInfo(2, small.etag)]), code="InvalidPart", status=400)
        expect_error(oss2.exceptions.ServerError, lambda: bucket.complete_multipart_upload(k, upload_id, [oss2.models.PartInfo(1, small.etag), oss2.models.PartInfo(2, big.etag)]), code="EntityTooSmall", status=400)
        expect_error(oss2.exceptions.InvalidArgument, lambda: bucket.upload_part(k, upload_id, 10001, b"x"), status=400)
        expect_error(oss2.exceptions.InvalidDigest, lambda: bucket.upload_part(k, upload_id, 3, b"abc", headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}), status=400)
        assert bucket.abort_multipart_upload(k, upload_id).status == 204
        expect_error(oss2.exceptions.NoSuchUpload, lambda: bucket.abort_multipart_upload(k, upload_id), status=404)
        expect_error(oss2.exceptions.NoSuchUpload, lambda: bucket.list_parts(k, upload_id), status=404)
        assert not bucket.object_exists(k)

    check(p + "errors, abort, NoSuchUpload", errors_and_abort)

    def upload_iterator():
        keys = ["mpu/b", "mpu/a", "mpu/b", "mpu/sub/x", "mpu/c d+é"]
        made = [(k, bucket.init_multipart_upload(k).upload_id) for k in keys]
        expected = sorted(made, key=lambda x: (x[0].encode(), x[1]))
        got = [(u.key, u.upload_id) for u in oss2.MultipartUploadIterator(bucket, prefix="mpu/", max_uploads=2)]
        assert got == expected, got
        folded = list(oss2.MultipartUploadIterator(bucket, prefix="mpu/", delimiter="/"))
        assert [u.key for u in folded if u.is_prefix()] == ["mpu/sub/"], [u.key for u in folded]
        assert [u.key for u in folded if not u.is_prefix()] == ["mpu/a", "mpu/b", "mpu/b", "mpu/c d+é"]
        r = bucket.list_multipart_uploads(prefix="mpu/", max_uploads=3)
        assert r.is_truncated and r.next_key_marker == "mpu/b", (r.is_truncated, r.next_key_marker)
        for k, upload_id in made:
            bucket.abort_multipart_upload(k, upload_id)
        assert list(oss2.MultipartUploadIterator(bucket, prefix="mpu/")) == []

    check(p + "list_multipart_uploads, MultipartUploadIterator", upload_iterator)

    def resumable():
        data = pattern(35, 350 * 1024 + 7)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "src.bin")
            with open(src, "wb") as f:
                f.write(data)
            store = oss2.ResumableStore(root=d, dir="upload-records")
            oss2.resumable_upload(bucket, "mp/resumable.bin", src, store=store, multipart_threshold=200 * 1024, part_size=min_part, num_threads=3)
            h = bucket.head_object("mp/resumable.bin")
            assert h.object_type == "Multipart" and h.content_length == len(data), (h.object_type, h.content_length)
            assert h.etag.endswith("-4"), h.etag
            assert int(h.headers["x-oss-hash-crc64ecma"]) == crc64(data)
            dst = os.path.join(d, "dst.bin")
            dstore = oss2.ResumableDownloadStore(root=d, dir="download-records")
            oss2.resumable_download(bucket, "mp/resumable.bin", dst, store=dstore, multiget_threshold=100 * 1024, part_size=64 * 1024, num_threads=3)
            with open(dst, "rb") as f:
                assert f.read() == data
            # a small file goes through a single put
            small = os.path.join(d, "small.bin")
            with open(small, "wb") as f:
                f.write(data[:1000])
            oss2.resumable_upload(bucket, "mp/small.bin", small, store=store, multipart_threshold=200 * 1024)
            assert bucket.head_object("mp/small.bin").object_type == "Normal"
        assert list(oss2.MultipartUploadIterator(bucket)) == []

    check(p + "resumable_upload (3 threads), resumable_download", resumable)


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

    def resumable_download_of_rust_upload():
        # rust/resumable.bin was written by the SDK's resumable_upload (multipart).
        h = shared.head_object("rust/resumable.bin")
        assert h.object_type == "Multipart", h.object_type
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "resumable")
            oss2.resumable_download(shared, "rust/resumable.bin", f, multiget_threshold=200 * 1024,
                                    part_size=256 * 1024, num_threads=3,
                                    store=oss2.ResumableDownloadStore(root=d))
            assert open(f, "rb").read() == pattern(7, 3 * 1024 * 1024 + 5)

    check("cross: oss2 resumable_download of an object from the SDK's resumable_upload", resumable_download_of_rust_upload)

    def list_parts_of_rust_upload():
        upload_id = os.environ["INTEROP_UPLOAD_ID"]
        ups = [u.upload_id for u in oss2.ObjectUploadIterator(shared, RUST_OPEN_UPLOAD_KEY)]
        assert upload_id in ups, ups
        parts = list(oss2.PartIterator(shared, RUST_OPEN_UPLOAD_KEY, upload_id, max_parts=2))
        assert [p.part_number for p in parts] == [n for n, _, _ in RUST_OPEN_UPLOAD_PARTS], parts
        for p, (n, seed, size) in zip(parts, RUST_OPEN_UPLOAD_PARTS):
            assert p.size == size, (n, p.size)
            assert p.etag == hashlib.md5(pattern(seed, size)).hexdigest().upper(), (n, p.etag)
        # oss2 completes the upload the SDK started; the SDK reads the result back.
        shared.complete_multipart_upload(RUST_OPEN_UPLOAD_KEY, upload_id,
                                         [oss2.models.PartInfo(p.part_number, p.etag) for p in parts])

    check("cross: oss2 lists (and completes) an upload made by the SDK", list_parts_of_rust_upload)

    def write_for_rust():
        manifest = {}
        for i, (key, size) in enumerate([("oss2/small.txt", 13), ("oss2/dir/sp ace+%2B.bin", 70000), ("oss2/empty", 0), ("oss2/large.bin", 2 * 1024 * 1024 + 5)]):
            body = pattern(100 + i, size)
            shared.put_object(key, body, headers={"x-oss-meta-origin": "oss2"})
            manifest[key] = {"seed": 100 + i, "size": size}
        r = shared.append_object("oss2/appended", 0, pattern(120, 1000))
        shared.append_object("oss2/appended", r.next_position, pattern(121, 500), init_crc=r.crc)
        manifest["oss2/appended"] = {"parts": [[120, 1000], [121, 500]]}
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "src")
            open(src, "wb").write(pattern(130, 2 * 1024 * 1024 + 333))
            oss2.resumable_upload(shared, "oss2/resumable.bin", src, multipart_threshold=200 * 1024,
                                  part_size=256 * 1024, num_threads=3,
                                  headers={"x-oss-meta-origin": "oss2"},
                                  store=oss2.ResumableStore(root=d))
            assert shared.head_object("oss2/resumable.bin").object_type == "Multipart"
        manifest["oss2/resumable.bin"] = {"seed": 130, "size": 2 * 1024 * 1024 + 333}
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
