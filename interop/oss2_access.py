"""Access control and data movement configurations exchanged between oss2 and the Rust SDK.

Run by crates/osskit-interop/tests/oss2_access.rs in two modes:

  put    oss2 sets every family on OSS2_BUCKET_V1 (signed V1) and OSS2_BUCKET_V4 (signed V4):
         bucket policy, request payment, bucket public access block, access point with its
         policy and block, replication rule, inventory; the Rust SDK reads them back.
  check  oss2 reads what the Rust SDK set on RUST_BUCKET_V1 and RUST_BUCKET_V4, and checks
         the requester-pays enforcement as another account (OTHER_ACCESS_KEY_*).

Environment: OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION, OSS_UID,
OTHER_ACCESS_KEY_ID, OTHER_ACCESS_KEY_SECRET, OTHER_UID, DEST_BUCKET, and the bucket names.
Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import json
import os
import sys
import traceback

import oss2
from oss2.models import (
    CreateAccessPointRequest,
    InventoryBucketDestination,
    InventoryConfiguration,
    InventoryDestination,
    InventoryFilter,
    InventorySchedule,
    ReplicationRule,
)

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")
UID = os.environ["OSS_UID"]
OTHER_AK = os.environ["OTHER_ACCESS_KEY_ID"]
OTHER_SK = os.environ["OTHER_ACCESS_KEY_SECRET"]
OTHER_UID = os.environ["OTHER_UID"]
DEST = os.environ["DEST_BUCKET"]
ROLE = "acs:ram::%s:role/AliyunOSSRole" % UID

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


def bucket(name, version):
    auth = oss2.make_auth(AK, SK, version)
    return oss2.Bucket(auth, ENDPOINT, name, region=REGION)


def policy_text(name):
    return json.dumps({
        "Version": "1",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["oss:GetObject", "oss:PutObject"],
            "Principal": [OTHER_UID],
            "Resource": ["acs:oss:*:*:%s/*" % name],
        }],
    })


def put(label, b):
    name = b.bucket_name
    check(label + " put_bucket_policy", lambda: b.put_bucket_policy(policy_text(name)))
    check(label + " put_bucket_request_payment",
          lambda: b.put_bucket_request_payment(oss2.models.PAYER_REQUESTER))
    check(label + " put_bucket_public_access_block",
          lambda: b.put_bucket_public_access_block(True))

    def access_point():
        r = b.create_access_point(CreateAccessPointRequest("ap-" + label.lower(), "internet"))
        assert r.alias.endswith("-ossalias"), r.alias
        b.put_access_point_policy("ap-" + label.lower(), json.dumps({
            "Version": "1",
            "Statement": [{
                "Effect": "Deny", "Action": ["oss:GetObject"], "Principal": [UID],
                "Resource": ["acs:oss:%s:%s:accesspoint/ap-%s/object/*" % (REGION, UID, label.lower())],
            }],
        }))
        b.put_access_point_public_access_block("ap-" + label.lower(), True)
    check(label + " create_access_point with policy and block", access_point)

    rule = ReplicationRule(rule_id="rule-" + label, prefix_list=["logs/"],
                           action_list=[ReplicationRule.PUT],
                           target_bucket_name=DEST, target_bucket_location="oss-cn-beijing",
                           is_enable_historical_object_replication=False)
    check(label + " put_bucket_replication", lambda: b.put_bucket_replication(rule))

    def inventory():
        dest = InventoryBucketDestination(account_id=UID, role_arn=ROLE, bucket=DEST,
                                          inventory_format="CSV", prefix="inv")
        config = InventoryConfiguration(
            inventory_id="inv-" + label, is_enabled=True,
            inventory_schedule=InventorySchedule(frequency="Weekly"),
            included_object_versions="Current",
            inventory_filter=InventoryFilter(prefix="photos/", storage_class="Standard,IA"),
            optional_fields=["Size", "ETag"],
            inventory_destination=InventoryDestination(bucket_destination=dest))
        b.put_bucket_inventory_configuration(config)
    check(label + " put_bucket_inventory_configuration", inventory)


def read(label, b):
    name = b.bucket_name

    def policy():
        p = json.loads(b.get_bucket_policy().policy)
        s = p["Statement"][0]
        assert p["Version"] == "1", p
        assert s["Principal"] == [OTHER_UID], s
        assert s["Resource"] == ["acs:oss:*:*:%s/*" % name], s
    check(label + " get_bucket_policy", policy)

    def payment():
        assert b.get_bucket_request_payment().payer == oss2.models.PAYER_REQUESTER
    check(label + " get_bucket_request_payment", payment)

    def block():
        assert b.get_bucket_public_access_block().block_public_access is True
    check(label + " get_bucket_public_access_block", block)

    def access_point():
        ap = "ap-rust-" + label.lower()
        r = b.get_access_point(ap)
        assert r.access_point_name == ap and r.bucket == name, (r.access_point_name, r.bucket)
        assert r.network_origin == "vpc" and r.vpc.vpc_id == "vpc-rust", r.network_origin
        assert r.access_point_status == "enable"
        assert r.public_access_block_configuration.block_public_access is True
        listed = b.list_bucket_access_points()
        assert [a.access_point_name for a in listed.access_points] == [ap]
        policy = json.loads(b.get_access_point_policy(ap).policy)
        assert policy["Statement"][0]["Effect"] == "Deny", policy
    check(label + " get_access_point", access_point)

    def replication():
        rules = b.get_bucket_replication().rule_list
        assert len(rules) == 1, rules
        r = rules[0]
        assert r.rule_id == "rust-rule" and r.target_bucket_name == DEST, r.rule_id
        assert r.prefix_list == ["images/"] and r.action_list == ["ALL"], r.prefix_list
        assert r.is_enable_historical_object_replication is True
        assert r.status == ReplicationRule.STARTING, r.status
        progress = b.get_bucket_replication_progress("rust-rule").progress
        assert progress.rule_id == "rust-rule" and progress.status == "starting"
    check(label + " get_bucket_replication", replication)

    def inventory():
        r = b.get_bucket_inventory_configuration("rust-inv")
        assert r.is_enabled is True and r.inventory_schedule.frequency == "Daily"
        assert r.inventory_filter.prefix == "docs/"
        assert r.optional_fields == ["Size", "StorageClass"], r.optional_fields
        d = r.inventory_destination.bucket_destination
        assert d.bucket == DEST and d.role_arn == ROLE and d.account_id == UID
        listed = b.list_bucket_inventory_configurations()
        assert [c.inventory_id for c in listed.inventory_configurations] == ["rust-inv"]
    check(label + " get_bucket_inventory_configuration", inventory)

    def requester_pays():
        other = oss2.Bucket(oss2.Auth(OTHER_AK, OTHER_SK), ENDPOINT, name)
        try:
            other.get_object("paid.txt")
            raise AssertionError("expected AccessDenied")
        except oss2.exceptions.AccessDenied:
            pass
        got = other.get_object("paid.txt", headers={"x-oss-request-payer": "requester"}).read()
        assert got == b"paid by the requester", got
    check(label + " requester pays, as another account", requester_pays)


def main():
    mode = sys.argv[1]
    if mode == "put":
        put("V1", bucket(os.environ["OSS2_BUCKET_V1"], None))
        put("V4", bucket(os.environ["OSS2_BUCKET_V4"], "v4"))
    else:
        read("V1", bucket(os.environ["RUST_BUCKET_V1"], None))
        read("V4", bucket(os.environ["RUST_BUCKET_V4"], "v4"))
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
