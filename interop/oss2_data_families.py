"""oss2 and the Rust SDK exchange the data-governing bucket configurations through
oss-server: lifecycle, versioning, retention (WORM), default encryption, tags, storage
capacity, statistics and encrypted objects.

Environment (set by crates/osskit-interop/tests/oss2_data_families.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION
  INTEROP_AUTH         v1 or v4: the signature oss2 uses
  INTEROP_RUST_BUCKET  a bucket the Rust SDK configured (see check_rust_bucket)
  INTEROP_OSS2_BUCKET  a bucket this script creates and configures for the Rust SDK to read
  INTEROP_OUT          where this script writes a JSON manifest (the WORM id it created)

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import datetime
import json
import os
import sys
import traceback

import oss2
from oss2.models import (AbortMultipartUpload, BucketLifecycle, BucketUserQos,
                         BucketVersioningConfig, FilterNot, FilterNotTag, LifecycleExpiration,
                         LifecycleFilter, LifecycleRule, NoncurrentVersionExpiration,
                         NoncurrentVersionStorageTransition, ServerSideEncryptionRule,
                         StorageTransition, Tagging, TaggingRule)

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")
LABEL = os.environ["INTEROP_AUTH"]
AUTH = oss2.AuthV4(AK, SK) if LABEL == "v4" else oss2.Auth(AK, SK)
RUST_BUCKET = os.environ["INTEROP_RUST_BUCKET"]
OSS2_BUCKET = os.environ["INTEROP_OSS2_BUCKET"]
OUT = os.environ["INTEROP_OUT"]

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


def pattern(seed, size):
    """Deterministic bytes shared with the Rust side: byte i = (i * 31 + seed) % 251."""
    return bytes(((i * 31 + seed) % 251) for i in range(size))


def check_rust_bucket():
    bucket = oss2.Bucket(AUTH, ENDPOINT, RUST_BUCKET, region=REGION)

    def lifecycle():
        rules = bucket.get_bucket_lifecycle().rules
        assert [r.id for r in rules] == ["logs", "old", "versions"], [r.id for r in rules]
        logs, old, versions = rules
        assert logs.prefix == "logs/" and logs.status == LifecycleRule.ENABLED
        assert logs.expiration.days == 30
        assert [(t.days, t.storage_class) for t in logs.storage_transitions] == [(7, "IA"), (14, "Archive")]
        assert logs.storage_transitions[0].is_access_time is True
        assert logs.storage_transitions[0].return_to_std_when_visit is True
        assert logs.abort_multipart_upload.days == 3
        assert logs.filter.object_size_greater_than == 1
        assert logs.filter.object_size_less_than == 1 << 30
        assert logs.filter.filter_not[0].prefix == "logs/keep/"
        assert logs.filter.filter_not[0].tag.key == "k"
        assert old.expiration.created_before_date == datetime.date(2020, 1, 1)
        assert old.storage_transitions[0].created_before_date == datetime.date(2020, 6, 1)
        assert old.tagging.tag_set.tagging_rule == {"team": "storage"}
        assert versions.status == LifecycleRule.DISABLED
        assert versions.expiration.expired_detete_marker is True
        assert versions.noncurrent_version_expiration.noncurrent_days == 30
        assert [(t.noncurrent_days, t.storage_class) for t in versions.noncurrent_version_sotrage_transitions] == [(10, "IA")]

    check("oss2 reads the lifecycle rules the SDK put", lifecycle)

    def the_rest():
        assert bucket.get_bucket_versioning().status == "Enabled"
        rule = bucket.get_bucket_encryption()
        assert (rule.sse_algorithm, rule.kms_master_keyid, rule.kms_data_encryption) == ("KMS", "rust-key", "SM4")
        info = bucket.get_bucket_info()
        assert info.versioning_status == "Enabled"
        assert info.bucket_encryption_rule.sse_algorithm == "KMS"
        assert info.bucket_encryption_rule.kms_master_keyid == "rust-key"
        tags = bucket.get_bucket_tagging().tag_set.tagging_rule
        assert tags == {"owner": "rust-" + LABEL, "env": "interop"}, tags
        worm = bucket.get_bucket_worm()
        assert (worm.state, worm.retention_period_days) == ("Locked", 3)
        assert bucket.get_bucket_storage_capacity().storage_capacity == 50
        service = oss2.Service(AUTH, ENDPOINT, region=REGION)
        found = service.list_buckets(params={"tag-key": "owner", "tag-value": "rust-" + LABEL}).buckets
        assert [b.name for b in found] == [RUST_BUCKET], [b.name for b in found]

    check("oss2 reads versioning, encryption, tags, WORM and capacity the SDK set", the_rest)

    def stat_and_objects():
        stat = bucket.get_bucket_stat()
        assert stat.object_count == 2 and stat.storage_size_in_bytes == 7 + 1000, vars(stat)
        assert stat.standard_object_count == 1 and stat.standard_storage == 7
        assert stat.infrequent_access_object_count == 1
        assert stat.infrequent_access_real_storage == 1000
        assert stat.multi_part_upload_count == 0 and stat.live_channel_count == 0
        got = bucket.get_object("sealed")
        assert got.read() == pattern(1, 1000)
        assert got.headers["x-oss-server-side-encryption"] == "KMS"
        assert got.headers["x-oss-server-side-encryption-key-id"] == "rust-key"
        head = bucket.head_object("plain")
        assert head.headers["x-oss-server-side-encryption"] == "KMS"
        # Versioning is on: a plain delete writes a delete marker, which retention allows;
        # the protected version itself cannot be deleted, and the marker can.
        version = head.versionid
        deleted = bucket.delete_object("plain")
        assert deleted.delete_marker, vars(deleted)
        try:
            bucket.delete_object("plain", params={"versionId": version})
            raise AssertionError("a protected version was deleted")
        except oss2.exceptions.ServerError as e:
            assert (e.status, e.code) == (409, "FileImmutable"), e
        bucket.delete_object("plain", params={"versionId": deleted.versionid})
        assert bucket.get_object("plain").versionid == version

    check("oss2 reads the statistics and the encrypted, retained objects of the SDK", stat_and_objects)


def configure_oss2_bucket():
    bucket = oss2.Bucket(AUTH, ENDPOINT, OSS2_BUCKET, region=REGION)
    manifest = {}

    def configure():
        bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)
        logs = LifecycleRule("logs", "logs/", status=LifecycleRule.ENABLED,
                             expiration=LifecycleExpiration(days=30),
                             abort_multipart_upload=AbortMultipartUpload(days=3),
                             storage_transitions=[StorageTransition(days=7, storage_class=oss2.BUCKET_STORAGE_CLASS_IA),
                                                  StorageTransition(days=14, storage_class=oss2.BUCKET_STORAGE_CLASS_ARCHIVE)],
                             filter=LifecycleFilter([FilterNot("logs/keep/", FilterNotTag("k", "v"))],
                                                    object_size_greater_than=203, object_size_less_than=311))
        tagging_rule = TaggingRule()
        tagging_rule.add("team", "storage")
        old = LifecycleRule("old", "old/", status=LifecycleRule.ENABLED,
                            expiration=LifecycleExpiration(created_before_date=datetime.date(2020, 1, 1)),
                            tagging=Tagging(tagging_rule))
        versions = LifecycleRule("versions", "versions/", status=LifecycleRule.DISABLED,
                                 expiration=LifecycleExpiration(expired_detete_marker=True),
                                 noncurrent_version_expiration=NoncurrentVersionExpiration(30),
                                 noncurrent_version_sotrage_transitions=[
                                     NoncurrentVersionStorageTransition(12, oss2.BUCKET_STORAGE_CLASS_IA),
                                     NoncurrentVersionStorageTransition(20, oss2.BUCKET_STORAGE_CLASS_ARCHIVE)])
        bucket.put_bucket_lifecycle(BucketLifecycle([logs, old, versions]))
        bucket.put_bucket_versioning(BucketVersioningConfig(oss2.BUCKET_VERSIONING_ENABLE))
        bucket.put_bucket_versioning(BucketVersioningConfig(oss2.BUCKET_VERSIONING_SUSPEND))
        rule = ServerSideEncryptionRule()
        rule.sse_algorithm = oss2.SERVER_SIDE_ENCRYPTION_AES256
        bucket.put_bucket_encryption(rule)
        tags = TaggingRule()
        tags.add("owner", "oss2")
        bucket.put_bucket_tagging(Tagging(tags))
        bucket.set_bucket_storage_capacity(BucketUserQos(7))
        bucket.put_object("sealed", pattern(2, 5000))
        r = bucket.append_object("log", 0, pattern(3, 100), headers={"x-oss-server-side-encryption": "SM4"})
        bucket.append_object("log", r.next_position, pattern(4, 50))
        manifest["bucket"] = OSS2_BUCKET

    check("oss2 configures a bucket for the SDK", configure)

    def worm():
        # Versioning is suspended: OSS refuses a retention policy then.
        try:
            bucket.init_bucket_worm(2)
            raise AssertionError("a retention policy under suspended versioning")
        except oss2.exceptions.ServerError as e:
            assert e.code == "InvalidRequest", e
        bucket.put_bucket_versioning(BucketVersioningConfig(oss2.BUCKET_VERSIONING_ENABLE))
        manifest["worm_id"] = bucket.init_bucket_worm(2).worm_id

    check("oss2 starts a retention policy for the SDK to lock", worm)
    with open(OUT, "w") as f:
        json.dump(manifest, f)


def main():
    check_rust_bucket()
    configure_oss2_bucket()
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
