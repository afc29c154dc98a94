"""oss2 and the Rust SDK exchange object tags, symbolic links, restores of archived objects
and V2-signed requests through the server, under V1, V2 and V4 signing: oss2 reads what the
Rust SDK wrote, and writes what the Rust SDK reads back.

Environment (set by crates/osskit-interop/tests/oss2_objects.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION
  RUST_BUCKET_V1, RUST_BUCKET_V2, RUST_BUCKET_V4   buckets the Rust SDK filled (check_rust_set)
  OSS2_BUCKET_V1, OSS2_BUCKET_V2, OSS2_BUCKET_V4   buckets this script creates (set_for_rust)

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import os
import sys
import traceback

import oss2
from oss2.headers import OSS_OBJECT_TAGGING
from oss2.models import RestoreConfiguration, RestoreJobParameters, Tagging, TaggingRule

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


def expect_error(code, fn):
    try:
        fn()
    except oss2.exceptions.OssError as e:
        assert e.code == code, (e.code, e.message)
        return e
    raise AssertionError("expected " + code)


def check_rust_set(label, bucket):
    """What the Rust SDK wrote (the Rust test's set_by_rust)."""

    def tags():
        t = bucket.get_object_tagging("tagged.txt").tag_set.tagging_rule
        assert t == {"project": "alpha", "中文": "值 +/"}, t
        head = bucket.head_object("tagged.txt")
        assert head.headers["x-oss-tagging-count"] == "2"

    def symlink():
        assert bucket.get_symlink("link").target_key == "dir/target 1.txt"
        assert bucket.get_object("link").read() == b"target bytes"
        assert bucket.head_object("link").headers["x-oss-meta-by"] == "rust"

    def restore():
        head = bucket.head_object("cold.bin")
        assert head.headers["x-oss-storage-class"] == "ColdArchive"
        assert head.headers["x-oss-restore"] == 'ongoing-request="true"', head.headers
        expect_error("InvalidObjectState", lambda: bucket.get_object("cold.bin"))
        expect_error("RestoreAlreadyInProgress", lambda: bucket.restore_object("cold.bin"))
        listed = [o for o in bucket.list_objects().object_list if o.key == "cold.bin"]
        assert listed[0].restore_info == 'ongoing-request="true"', listed[0].restore_info

    def acl():
        assert bucket.get_object_acl("tagged.txt").acl == oss2.OBJECT_ACL_PUBLIC_READ

    check(label + " oss2 reads the Rust SDK's tags", tags)
    check(label + " oss2 reads through the Rust SDK's symlink", symlink)
    check(label + " oss2 sees the Rust SDK's restore under way", restore)
    check(label + " oss2 reads the Rust SDK's object ACL", acl)


def set_for_rust(label, bucket):
    """What the Rust test reads back (its check_oss2_set)."""

    def create():
        bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)

    def tags():
        rule = TaggingRule()
        rule.add("team", "ops")
        rule.add("+-/", ":+:")
        bucket.put_object("tagged.txt", b"x", headers={OSS_OBJECT_TAGGING: rule.to_query_string()})
        extra = TaggingRule()
        extra.add("k", "v")
        bucket.put_object("retagged.txt", b"y")
        bucket.put_object_tagging("retagged.txt", Tagging(extra))

    def symlink():
        bucket.put_object("target.txt", b"from oss2")
        bucket.put_symlink("target.txt", "oss2-link", headers={"x-oss-meta-by": "oss2"})

    def restore():
        bucket.put_object("cold.bin", b"cold", headers={"x-oss-storage-class": "ColdArchive"})
        result = bucket.restore_object(
            "cold.bin", input=RestoreConfiguration(days=3, job_parameters=RestoreJobParameters("Bulk")))
        assert result.status == 202
        assert result.resp.headers["x-oss-object-restore-priority"] == "Bulk"

    check(label + " oss2 creates a bucket", create)
    check(label + " oss2 tags objects", tags)
    check(label + " oss2 makes a symlink", symlink)
    check(label + " oss2 starts a restore", restore)


def main():
    auths = [("v1", oss2.Auth(AK, SK)), ("v2", oss2.AuthV2(AK, SK)), ("v4", oss2.AuthV4(AK, SK))]
    for label, auth in auths:
        upper = label.upper()
        rust = oss2.Bucket(auth, ENDPOINT, os.environ["RUST_BUCKET_" + upper], region=REGION)
        ours = oss2.Bucket(auth, ENDPOINT, os.environ["OSS2_BUCKET_" + upper], region=REGION)
        check_rust_set(label, rust)
        set_for_rust(label, ours)

    def v2_presigned():
        bucket = oss2.Bucket(oss2.AuthV2(AK, SK), ENDPOINT, os.environ["OSS2_BUCKET_V2"])
        url = bucket.sign_url("GET", "target.txt", 60, headers={"custom-header": "a"},
                              additional_headers={"custom-header"})
        assert "x-oss-additional-headers=custom-header" in url
        assert bucket.get_object_with_url(url, headers={"custom-header": "a"}).read() == b"from oss2"

    check("v2 presigned URL with an additional header", v2_presigned)
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
