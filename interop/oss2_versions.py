"""oss2 and the Rust SDK exchange object versions through the server, under V1 and V4
signing: oss2 lists, reads and deletes by version what the Rust SDK wrote, and writes
versions, delete markers and batch deletes of versions that the Rust SDK reads back.

Environment (set by crates/osskit-interop/tests/oss2_versions.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION
  RUST_BUCKET_V1, RUST_BUCKET_V4   buckets the Rust SDK filled (check_rust_set)
  OSS2_BUCKET_V1, OSS2_BUCKET_V4   buckets this script creates (set_for_rust)

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import os
import sys
import traceback

import oss2
from oss2.models import BatchDeleteObjectVersion, BatchDeleteObjectVersionList, BucketVersioningConfig

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")

PASSED = 0
FAILED = 0


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


def versions_of(bucket, key):
    result = bucket.list_object_versions(prefix=key)
    return ([v for v in result.versions if v.key == key],
            [m for m in result.delete_marker if m.key == key])


def check_rust_set(label, bucket):
    """What the Rust SDK wrote: k = "one", "two", then a delete marker; "dir/a b+c" once."""

    def listed():
        versions, markers = versions_of(bucket, "k")
        assert len(versions) == 2 and len(markers) == 1, (versions, markers)
        assert markers[0].is_latest and not versions[0].is_latest
        assert all(v.versionid.startswith("CAEQ") for v in versions)
        contents = [bucket.get_object("k", params={"versionId": v.versionid}).read() for v in versions]
        assert contents == [b"two", b"one"], contents
        other = bucket.list_object_versions(prefix="dir/").versions
        assert [v.key for v in other] == ["dir/a b+c"], [v.key for v in other]

    def marker_hides():
        try:
            bucket.get_object("k")
            raise AssertionError("a delete marker hides k")
        except oss2.exceptions.NoSuchKey as e:
            assert e.headers.get("x-oss-delete-marker") == "true"

    def delete_marker_by_version():
        _, markers = versions_of(bucket, "k")
        result = bucket.delete_object("k", params={"versionId": markers[0].versionid})
        assert result.delete_marker and result.versionid == markers[0].versionid
        assert bucket.get_object("k").read() == b"two"
        head = bucket.head_object("k")
        assert head.versionid == versions_of(bucket, "k")[0][0].versionid

    check(label + " oss2 lists and reads the Rust SDK's versions", listed)
    check(label + " oss2 sees the Rust SDK's delete marker", marker_hides)
    check(label + " oss2 deletes the Rust SDK's delete marker by version", delete_marker_by_version)


def set_for_rust(label, bucket):
    """What the Rust test's check_oss2_set reads."""

    def create():
        bucket.create_bucket()
        config = BucketVersioningConfig()
        config.status = oss2.BUCKET_VERSIONING_ENABLE
        bucket.put_bucket_versioning(config)

    def write():
        ids = [bucket.put_object("k", body).versionid for body in (b"a", b"b", b"c")]
        assert len(set(ids)) == 3 and all(ids)
        deleted = bucket.delete_object("k")
        assert deleted.delete_marker and deleted.versionid
        batch = BatchDeleteObjectVersionList()
        batch.append(BatchDeleteObjectVersion("k", ids[0]))
        result = bucket.delete_object_versions(batch)
        assert [d.versionid for d in result.delete_versions] == [ids[0]]
        assert bucket.put_object("x y+z", b"once").versionid

    check(label + " oss2 creates a versioned bucket", create)
    check(label + " oss2 writes versions, a marker and a batch delete", write)


def main():
    auths = [("v1", oss2.Auth(AK, SK)), ("v4", oss2.AuthV4(AK, SK))]
    for label, auth in auths:
        upper = label.upper()
        rust = oss2.Bucket(auth, ENDPOINT, os.environ["RUST_BUCKET_" + upper], region=REGION)
        ours = oss2.Bucket(auth, ENDPOINT, os.environ["OSS2_BUCKET_" + upper], region=REGION)
        check_rust_set(label, rust)
        set_for_rust(label, ours)
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
