"""oss2 reads the Referer, website and logging configurations the Rust SDK set, and sets its
own for the Rust SDK to read, under V1 and V4 signing.

Environment (set by crates/osskit-interop/tests/oss2_web_configs.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION
  RUST_BUCKET_V1, RUST_BUCKET_V4   buckets configured by the Rust SDK (see check_rust_set)
  OSS2_BUCKET_V1, OSS2_BUCKET_V4   buckets this script creates and configures (see set_for_rust)
  LOG_TARGET                       an existing bucket to log into

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import os
import sys
import traceback

import oss2
from oss2.models import (BucketLogging, BucketReferer, BucketWebsite, Condition,
                         ConditionInlcudeHeader, Redirect, RedirectMirrorHeaders,
                         MirrorHeadersSet, RoutingRule)

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")
LOG_TARGET = os.environ["LOG_TARGET"]

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


def check_rust_set(label, bucket):
    """What the Rust SDK set (mirrored in the Rust test's set_by_rust)."""

    def referer():
        r = bucket.get_bucket_referer()
        assert r.allow_empty_referer is False
        assert r.allow_truncate_query_string is False
        assert r.referers == ["http://*.example.com", "https://app.?.org"], r.referers
        assert r.black_referers == ["http://evil.example.com"], r.black_referers

    def website():
        w = bucket.get_bucket_website()
        assert (w.index_file, w.error_file) == ("index.html", "404.html")
        assert len(w.rules) == 2
        first, second = sorted(w.rules, key=lambda r: r.rule_num)
        assert first.rule_num == 1
        assert first.condition.key_prefix_equals == "old/"
        assert first.condition.http_err_code_return_equals == 404
        assert first.redirect.redirect_type == "External"
        assert first.redirect.replace_key_prefix_with == "new/"
        assert first.redirect.http_redirect_code == 301
        assert first.redirect.host_name == "docs.example.com"
        assert first.redirect.proto == "https"
        assert first.redirect.pass_query_string is True
        assert second.redirect.redirect_type == "Mirror"
        assert second.redirect.mirror_url == "http://127.0.0.1:1/"
        assert second.redirect.mirror_pass_query_string is True
        assert second.redirect.pass_query_string is True
        assert second.redirect.mirror_headers.pass_list == ["x-pass"]
        assert second.redirect.mirror_headers.set_list[0].key == "x-set"

    def logging():
        g = bucket.get_bucket_logging()
        assert (g.target_bucket, g.target_prefix) == (LOG_TARGET, "rust-logs/")

    check(label + " oss2 reads the Rust SDK's referer lists", referer)
    check(label + " oss2 reads the Rust SDK's website configuration", website)
    check(label + " oss2 reads the Rust SDK's logging target", logging)


def set_for_rust(label, bucket):
    """Configurations the Rust test reads back (its check_oss2_set)."""

    def create():
        bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE)

    def referer():
        bucket.put_bucket_referer(BucketReferer(True, ["http://hello.com", "中文+referer"], False,
                                                ["http://bad.com"]))

    def website():
        header = ConditionInlcudeHeader("host", "www.example.com")
        rules = [
            RoutingRule(1, Condition("a/", 404, [header]),
                        Redirect(redirect_type="Internal", pass_query_string=False,
                                 replace_key_with="${key}.html")),
            RoutingRule(2, Condition("m/", 404),
                        Redirect(redirect_type="Mirror", mirror_url="http://127.0.0.1:1/",
                                 mirror_pass_query_string=False, mirror_follow_redirect=True,
                                 mirror_check_md5=True,
                                 mirror_headers=RedirectMirrorHeaders(
                                     pass_all=True, remove_list=["x-remove"],
                                     set_list=[MirrorHeadersSet("x-k", "v")]))),
        ]
        bucket.put_bucket_website(BucketWebsite("home.html", "oops.html", rules))

    def logging():
        bucket.put_bucket_logging(BucketLogging(LOG_TARGET, "oss2-logs/"))

    check(label + " oss2 creates a bucket", create)
    check(label + " oss2 sets referer lists", referer)
    check(label + " oss2 sets a website configuration", website)
    check(label + " oss2 sets a logging target", logging)


def main():
    for label, auth in [("v1", oss2.Auth(AK, SK)), ("v4", oss2.AuthV4(AK, SK))]:
        upper = label.upper()
        rust = oss2.Bucket(auth, ENDPOINT, os.environ["RUST_BUCKET_" + upper], region=REGION)
        ours = oss2.Bucket(auth, ENDPOINT, os.environ["OSS2_BUCKET_" + upper], region=REGION)
        check_rust_set(label, rust)
        set_for_rust(label, ours)
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
