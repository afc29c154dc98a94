"""oss2 and the Rust SDK exchange bucket settings, tasks and queries through oss-server.

Usage: oss2_settings.py put BUCKET | check BUCKET

  put    oss2 writes every typed family into BUCKET (the Rust SDK then reads them back)
  check  oss2 reads what the Rust SDK wrote into BUCKET and checks every field

Environment (set by crates/osskit-interop/tests/oss2_settings.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION,
  OSS_AUTH_VERSION   v1 or v4
  INTEROP_OUT        (put) a JSON file where the task ids oss2 created are written
  INTEROP_IN         (check) a JSON file with the task ids the Rust SDK created

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import base64
import json
import os
import sys
import time
import traceback

import oss2
from oss2.models import (
    AggregationsRequest,
    AsyncFetchTaskConfiguration,
    BucketQosInfo,
    BucketTlsVersion,
    CallbackPolicyInfo,
    CertInfo,
    MetaQuery,
    PutBucketCnameRequest,
    QoSConfiguration,
)

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")
VERSION = os.environ.get("OSS_AUTH_VERSION", "v1")

PASSED = 0
FAILED = 0

# Values both sides agree on.
DOMAIN = "interop.example.com"
CALLBACK = base64.b64encode(b'{"callbackUrl":"www.abc.com/callback","callbackBody":"${etag}"}').decode()
CALLBACK_VAR = base64.b64encode(b'{"x:var1":"value1"}').decode()
REQUESTER = "2000000000000001"


def check(name, fn):
    global PASSED, FAILED
    try:
        fn()
        PASSED += 1
        print("ok   %s %s" % (VERSION, name))
    except Exception:  # noqa: BLE001 - report every failure and continue
        FAILED += 1
        print("FAIL %s %s" % (VERSION, name))
        traceback.print_exc(file=sys.stdout)


def auth():
    return oss2.make_auth(AK, SK, VERSION if VERSION == "v4" else None)


def put(bucket_name, out):
    bucket = oss2.Bucket(auth(), ENDPOINT, bucket_name, region=REGION)
    ids = {}

    check("put transfer acceleration", lambda: bucket.put_bucket_transfer_acceleration("true"))
    check("put access monitor", lambda: bucket.put_bucket_access_monitor("Enabled"))
    check("put resource group", lambda: bucket.put_bucket_resource_group("rg-interop"))
    check(
        "put https config",
        lambda: bucket.put_bucket_https_config(BucketTlsVersion(True, ["TLSv1.2", "TLSv1.3"])),
    )
    check("put archive direct read", lambda: bucket.put_bucket_archive_direct_read(True))
    check(
        "put callback policy",
        lambda: bucket.put_bucket_callback_policy(
            [CallbackPolicyInfo("first", CALLBACK), CallbackPolicyInfo("second", CALLBACK, CALLBACK_VAR)]
        ),
    )
    check(
        "put bucket qos",
        lambda: bucket.put_bucket_qos_info(BucketQosInfo(total_upload_bw=5, intranet_upload_bw=2, total_qps=100)),
    )
    check(
        "put requester qos",
        lambda: bucket.put_bucket_requester_qos_info(
            REQUESTER, QoSConfiguration(total_upload_bw=100, intranet_upload_bw=6, total_qps=300, extranet_qps=170)
        ),
    )
    check("put styles", lambda: (bucket.put_bucket_style("small", "image/resize,w_100"),
                                 bucket.put_bucket_style("large", "image/resize,w_800")))

    def cname():
        token = bucket.create_bucket_cname_token(DOMAIN)
        assert token.cname == DOMAIN and len(token.token) == 32, vars(token)
        ids["cname_token"] = token.token
        bucket.put_bucket_cname(
            PutBucketCnameRequest(DOMAIN, CertInfo(cert_id="493-cn-hangzhou", force=True))
        )

    check("cname token and domain", cname)

    def fetch():
        bucket.put_object("source.txt", "fetched by oss2")
        url = bucket.sign_url("GET", "source.txt", 600)
        r = bucket.put_async_fetch_task(AsyncFetchTaskConfiguration(url, "fetched.txt", ignore_same_key=False))
        ids["fetch_task"] = r.task_id
        ids["fetch_url"] = url
        for _ in range(200):
            if bucket.get_async_fetch_task(r.task_id).task_state != "Running":
                break
            time.sleep(0.05)

    check("async fetch task", fetch)

    def transition():
        r = bucket.create_bucket_data_redundancy_transition("ZRS")
        ids["transition_task"] = r.task_id

    check("redundancy transition", transition)

    def meta_query():
        bucket.put_object("meta/a.txt", "a" * 10)
        bucket.put_object("meta/b.txt", "b" * 20, headers={"x-oss-meta-team": "blue"})
        bucket.open_bucket_meta_query()

    check("meta query opened", meta_query)

    with open(out, "w") as f:
        json.dump(ids, f)


def check_rust(bucket_name, ids_path):
    bucket = oss2.Bucket(auth(), ENDPOINT, bucket_name, region=REGION)
    with open(ids_path) as f:
        ids = json.load(f)

    def acceleration():
        assert bucket.get_bucket_transfer_acceleration().enabled == "true"

    check("read transfer acceleration", acceleration)

    def monitor():
        assert bucket.get_bucket_access_monitor().access_monitor.status == "Enabled"
        assert bucket.get_bucket_info().access_monitor == "Enabled"

    check("read access monitor", monitor)

    def group():
        assert bucket.get_bucket_resource_group().resource_group_id == "rg-interop"
        assert bucket.get_bucket_info().resource_group_id == "rg-interop"

    check("read resource group", group)

    def https():
        r = bucket.get_bucket_https_config()
        assert r.tls_enabled is True and r.tls_version == ["TLSv1.3"], vars(r)

    check("read https config", https)

    def archive():
        assert bucket.get_bucket_archive_direct_read().enabled is True

    check("read archive direct read", archive)

    def callback():
        r = bucket.get_bucket_callback_policy()
        got = [(p.policy_name, p.callback, p.callback_var) for p in r.callback_policies]
        assert got == [("rust", CALLBACK, CALLBACK_VAR)], got

    check("read callback policy", callback)

    def qos():
        r = bucket.get_bucket_qos_info()
        assert (r.total_upload_bw, r.intranet_upload_bw, r.extranet_upload_bw, r.total_qps) == (8, 3, -1, 50), vars(r)

    check("read bucket qos", qos)

    def requester():
        r = bucket.get_bucket_requester_qos_info(REQUESTER)
        assert r.requester == REQUESTER
        q = r.qos_configuration
        assert (q.total_download_bw, q.intranet_qps, q.total_qps) == (110, 160, 300), vars(q)
        listed = bucket.list_bucket_requester_qos_infos()
        assert [i.requester for i in listed.requester_qos_info] == [REQUESTER]

    check("read requester qos", requester)

    def styles():
        r = bucket.list_bucket_style()
        assert [(s.name, s.content) for s in r.styles] == [("rust-style", "image/resize,w_300")]
        s = bucket.get_bucket_style("rust-style")
        assert s.content == "image/resize,w_300" and s.create_time

    check("read styles", styles)

    def cname():
        t = bucket.get_bucket_cname_token(DOMAIN)
        assert t.token == ids["cname_token"] and t.bucket == bucket_name
        listed = bucket.list_bucket_cname()
        assert [c.domain for c in listed.cname] == [DOMAIN]
        assert listed.cname[0].certificate.cert_id == "777-cn-hangzhou"

    check("read cname", cname)

    def through_the_domain():
        # The attached domain resolves to the server; oss2 addresses the bucket by it.
        import socket
        from urllib.parse import urlparse

        port = urlparse(ENDPOINT).port
        real = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            return real("127.0.0.1" if host == DOMAIN else host, *args, **kwargs)

        socket.getaddrinfo = resolve
        try:
            by_domain = oss2.Bucket(auth(), "http://%s:%d" % (DOMAIN, port), bucket_name, is_cname=True, region=REGION)
            by_domain.put_object("via-domain.txt", b"written through the domain")
            assert by_domain.get_object("via-domain.txt").read() == b"written through the domain"
            assert bucket.get_object("via-domain.txt").read() == b"written through the domain"
        finally:
            socket.getaddrinfo = real

    check("signed requests through the attached domain", through_the_domain)

    def fetch():
        r = bucket.get_async_fetch_task(ids["fetch_task"])
        assert r.task_state == "Success" and r.error_msg == "", vars(r)
        assert r.task_config.object_name == "fetched-by-rust.txt"
        assert r.task_config.url == ids["fetch_url"]
        assert r.task_config.ignore_same_key is False
        assert bucket.get_object("fetched-by-rust.txt").read() == b"fetched by rust"

    check("read async fetch task", fetch)

    def transition():
        r = bucket.get_bucket_data_redundancy_transition(ids["transition_task"])
        assert r.task_id == ids["transition_task"] and r.transition_status in ("Queueing", "Processing", "Finished")
        listed = bucket.list_bucket_data_redundancy_transition()
        assert [t.task_id for t in listed.data_redundancy_transitions] == [ids["transition_task"]]

    check("read redundancy transition", transition)

    def meta_query():
        status = bucket.get_bucket_meta_query_status()
        assert status.state == "Running", vars(status)
        q = MetaQuery(
            next_token="",
            max_results=10,
            query='{"Field": "Filename","Value": "rust-meta/","Operation": "prefix"}',
            sort="Size",
            order="desc",
            aggregations=[AggregationsRequest(field="Size", operation="sum")],
        )
        r = bucket.do_bucket_meta_query(q)
        assert [f.file_name for f in r.files] == ["rust-meta/big.bin", "rust-meta/small.txt"]
        assert r.files[0].size == 300 and r.files[0].oss_storage_class == "Standard"
        assert r.files[1].oss_user_meta[0].key == "x-oss-meta-owner"
        assert r.files[1].oss_user_meta[0].value == "rust"
        assert r.aggregations[0].field == "Size" and r.aggregations[0].value == 303.0

    check("meta query over what rust wrote", meta_query)

    def rtmp():
        real_time = time.time
        time.time = lambda: 1700000000.0
        try:
            url = bucket.sign_rtmp_url("cam1", "cam1.m3u8", 3600)
        finally:
            time.time = real_time
        assert url == ids["rtmp_url"], (url, ids["rtmp_url"])

    check("sign_rtmp_url signs as oss2", rtmp)


def main():
    mode, bucket_name = sys.argv[1], sys.argv[2]
    if mode == "put":
        put(bucket_name, os.environ["INTEROP_OUT"])
    else:
        check_rust(bucket_name, os.environ["INTEROP_IN"])
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
