"""Runs oss2's own functional test suite (shipped in the oss2 2.19.1 source distribution on
PyPI, `tests/`) against a local oss-server, under V1 and V4 signatures.

    python interop/oss2_suite.py --server target/debug/oss-server [--auth v1,v4] [FILE...]

* The source distribution is downloaded once with pip into target/oss2-suite/ and unpacked.
* The files run are those of interop/oss2-suite/files.txt (or the FILEs given); the tests
  listed in interop/oss2-suite/deselected.txt are left out, each with the reason written
  there (only tests that need a service that cannot exist locally).
* `tests/common.py`'s `wait_meta_sync()` (a pause for the cloud's metadata replication) is
  made a no-op: the local server is consistent at once.
* Some tests address OSS by its public endpoint names (`oss-cn-hangzhou.aliyuncs.com`, a
  replica bucket at `oss-ap-south-1.aliyuncs.com`). The server plays OSS in the regions of
  REGIONS (`--base-domain oss-<region>.aliyuncs.com`), and those names and their bucket
  subdomains resolve to it, as a hosts file would (with the server's port): oss2's
  connections to them go to the server, with the Host header and signatures unchanged; the
  server's own requests (async fetch tasks) reach its hosts the same way. Other names
  resolve as usual.
* The Alibaba Cloud API clients the tests make (aliyunsdkcore's `AcsClient`: oss2's
  `AliKMSProvider`, the tests' STS calls) are pointed at the server, which answers KMS and
  STS at its root, instead of kms.<region>.aliyuncs.com and sts.aliyuncs.com.
* `tests/example.jpg`, which the source distribution lacks, is made (any bytes serve the
  tests that only upload it). Nothing else of the tests changes.
* One in-memory server per signature version; a second access key is registered for the
  tests that need another user (request payment).

Prints one line per file and signature version with its pass count, then the totals; exits
1 if any test that was not deselected failed or errored.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITE_DIR = os.path.join(ROOT, "interop", "oss2-suite")
VERSION = "2.19.1"
WORK = os.path.join(ROOT, "target", "oss2-suite")

AK, SK = "LTAI-oss2-suite", "oss2-suite-secret"
UID = "1000000000000000"  # the server's default --account-id
PAYER_AK, PAYER_SK, PAYER_UID = "LTAI-oss2-payer", "oss2-payer-secret", "2000000000000002"

# The regions whose public endpoints the server plays (the first is its own region).
REGIONS = ["cn-hangzhou", "ap-south-1"]

CONFTEST = '''\
# Written by interop/oss2_suite.py: the local server needs no wait for metadata replication,
# the names of the OSS endpoints it plays resolve to it (a hosts file with a port), and it
# answers the KMS and STS calls the tests make.
import os
from urllib.parse import urlsplit

import urllib3.util.connection
from aliyunsdkcore import client as _acs
from tests import common

common.wait_meta_sync = lambda: None

SERVED = %r
_server = urlsplit(os.environ["OSS_TEST_ENDPOINT"])
_address = (_server.hostname, _server.port or 80)
_connect = urllib3.util.connection.create_connection


def _served(host):
    host = host.rstrip(".").lower()
    return any(host == d or host.endswith("." + d) for d in SERVED)


def create_connection(address, *args, **kwargs):
    host, port = address
    if port == 80 and _served(host):
        address = _address
    return _connect(address, *args, **kwargs)


urllib3.util.connection.create_connection = create_connection

_acs_init = _acs.AcsClient.__init__


def _local_services(self, *args, **kwargs):
    _acs_init(self, *args, **kwargs)
    region = self.get_region_id()
    if region:
        for product in ("kms", "sts"):
            self.add_endpoint(region, product, os.environ["OSS_TEST_ENDPOINT"])


_acs.AcsClient.__init__ = _local_services
''' % (["oss-%s.aliyuncs.com" % r for r in REGIONS]
        + ["oss-%s-internal.aliyuncs.com" % r for r in REGIONS])


def read_list(path):
    """Non-empty lines without comments; for deselected.txt, the test id before the '#'."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            item = line.split("#", 1)[0].strip()
            if item:
                out.append(item)
    return out


def deselected_for(entries, auth):
    """The test ids of deselected.txt that apply under `auth`: an entry may be limited to
    some signature versions by a prefix (`v4: tests/...`)."""
    out = []
    for item in entries:
        scope, sep, test = item.partition(": ")
        if sep and re.fullmatch(r"v\d(,v\d)*", scope):
            if auth in scope.split(","):
                out.append(test.strip())
        else:
            out.append(item)
    return out


def unpack(python):
    src = os.path.join(WORK, "oss2-%s" % VERSION)
    if os.path.isdir(os.path.join(src, "tests")):
        return src
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(
        [python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-binary", ":all:", "--no-deps", "--dest", WORK, "oss2==%s" % VERSION],
        check=True,
    )
    archive = os.path.join(WORK, "oss2-%s.tar.gz" % VERSION)
    with tarfile.open(archive) as t:
        t.extractall(WORK, filter="data")
    return src


def start_server(binary, extra):
    args = [binary, "--memory", "--listen", "127.0.0.1:0",
            "--access-key-id", AK, "--access-key-secret", SK] + extra
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on (http://\S+)", line)
    if not m:
        proc.kill()
        raise SystemExit("oss-server did not start: %r" % line)
    return proc, m.group(1)


def server_supports(binary, flag):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    return flag in out


def run(python, src, files, deselected, auth, binary, jobs):
    extra = ["--region", REGIONS[0]]
    for region in REGIONS[1:]:
        for domain in ("oss-%s.aliyuncs.com", "oss-%s-internal.aliyuncs.com"):
            extra += ["--base-domain", domain % region]
    if server_supports(binary, "--user"):
        extra += ["--user", "%s:%s:%s" % (PAYER_AK, PAYER_SK, PAYER_UID)]
    proc, endpoint = start_server(binary, extra)
    try:
        env = dict(os.environ)
        env.update({
            "OSS_TEST_ACCESS_KEY_ID": AK,
            "OSS_TEST_ACCESS_KEY_SECRET": SK,
            "OSS_TEST_ENDPOINT": endpoint,
            "OSS_TEST_REGION": REGIONS[0],
            "OSS_TEST_AUTH_VERSION": auth,
            "OSS_TEST_UID": UID,
            "OSS_TEST_RAM_UID": UID,
            "OSS_TEST_RAM_ROLE_ARN": "acs:ram::%s:role/AliyunOSSRole" % UID,
            "OSS_TEST_PAYER_UID": PAYER_UID,
            "OSS_TEST_PAYER_ACCESS_KEY_ID": PAYER_AK,
            "OSS_TEST_PAYER_ACCESS_KEY_SECRET": PAYER_SK,
            # The server's STS issues temporary keys for any of its keys.
            "OSS_TEST_STS_ID": AK,
            "OSS_TEST_STS_KEY": SK,
            "OSS_TEST_STS_ARN": "acs:ram::%s:role/oss2-suite" % UID,
            "NO_PROXY": "127.0.0.1,localhost",
        })
        report = os.path.join(WORK, "results-%s.xml" % auth)
        cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
               "--junitxml", report, "-o", "junit_family=xunit1"]
        if jobs > 1:
            # A file's tests stay on one worker: some share local file names.
            cmd += ["-n", str(jobs), "--dist", "loadfile"]
        for test in deselected_for(deselected, auth):
            cmd += ["--deselect", test]
        cmd += files
        out = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
        return parse(report), out
    finally:
        proc.kill()
        proc.wait()


def parse(report):
    """{file: [passed, failed, skipped, [failed test names]]} from a JUnit report."""
    results = {}
    if not os.path.exists(report):
        return results
    for case in ET.parse(report).getroot().iter("testcase"):
        parts = case.get("classname", "").split(".")
        file = case.get("file") or (parts[1] + ".py" if len(parts) > 1 else "(pytest)")
        if not file.startswith("tests/") and file != "(pytest)":
            file = "tests/" + os.path.basename(file)
        r = results.setdefault(file, [0, 0, 0, []])
        if case.find("failure") is not None or case.find("error") is not None:
            r[1] += 1
            r[3].append(case.get("name"))
        elif case.find("skipped") is not None:
            r[2] += 1
        else:
            r[0] += 1
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True, help="path of the oss-server binary")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--auth", default="v1,v4", help="signature versions, comma separated")
    ap.add_argument("--jobs", type=int, default=1, help="pytest-xdist workers (1: none)")
    ap.add_argument("files", nargs="*", help="test files (default: files.txt)")
    args = ap.parse_args()
    args.python = os.path.abspath(args.python)
    args.server = os.path.abspath(args.server)

    src = unpack(args.python)
    with open(os.path.join(src, "tests", "conftest.py"), "w", encoding="utf-8") as f:
        f.write(CONFTEST)
    # A stand-in for the picture the source distribution lacks: the tests that do not need
    # image processing only upload it.
    picture = os.path.join(src, "tests", "example.jpg")
    if not os.path.exists(picture):
        with open(picture, "wb") as f:
            f.write(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64 + b"\xff\xd9")
    files = args.files or read_list(os.path.join(SUITE_DIR, "files.txt"))
    deselected = read_list(os.path.join(SUITE_DIR, "deselected.txt"))
    total = [0, 0, 0]
    failures = []
    for auth in args.auth.split(","):
        results, out = run(args.python, src, files, deselected, auth, args.server, args.jobs)
        if not results:
            print(out.stdout[-4000:], out.stderr[-4000:])
            raise SystemExit("oss2 suite (%s): pytest produced no results" % auth)
        for file in sorted(results):
            p, f, s, names = results[file]
            total[0] += p
            total[1] += f
            total[2] += s
            status = "ok" if f == 0 else "FAILED %s" % ", ".join(names)
            print("oss2 %s %-48s %3d passed %3d failed %3d skipped  %s" % (auth, file, p, f, s, status))
            failures += ["%s %s::%s" % (auth, file, n) for n in names]
        if any(r[1] for r in results.values()):
            tail = out.stdout.splitlines()[-60:]
            print("\n".join(tail))
        if "(pytest)" in results:
            # pytest's own failure (an INTERNALERROR, a collection error): show its traceback,
            # which the tail above may have cut.
            internal = [l for l in (out.stdout + out.stderr).splitlines() if "INTERNALERROR" in l]
            print("\n".join(internal[:80]))
    print("oss2 functional suite (%s): %d passed, %d failed, %d skipped; %d tests deselected"
          % (args.auth, total[0], total[1], total[2], len(deselected)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
