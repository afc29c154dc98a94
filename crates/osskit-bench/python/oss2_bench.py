#!/usr/bin/env python3
"""The oss2 (2.19.1) side of `oss-bench run`: one workload, one JSON line on stdout.

Arguments and output match `oss-bench client`: the figures are named the same
(`put_ops`, `put_p50_us`, `mb_per_s`, `keys_per_s`, `gb_per_s`, ...) and
`peak_rss_bytes` is this process's VmHWM.
"""

import argparse
import json
import os
import resource
import sys
import threading
import time

import oss2

SMALL_SIZE = 4096
BLOCK = 8 * 1024 * 1024
LIST_PREFIX = "list/"
LIST_PAGE = 1000
PART_SIZE = 8 * 1024 * 1024
PARALLELISM = 4
NAME = "oss2"


def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def percentile(samples, p):
    samples = sorted(samples)
    if not samples:
        return None
    rank = -(-p * len(samples) // 100)  # ceil
    index = min(max(int(rank), 1), len(samples)) - 1
    return samples[index]


def cpu_seconds():
    """CPU time (user + system) of this process so far, all threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def latency_metrics(metrics, prefix, elapsed, latencies, cpu):
    metrics[prefix + "_ops"] = len(latencies) / max(elapsed, 1e-9)
    metrics[prefix + "_cpu_us"] = cpu / max(len(latencies), 1) * 1e6
    for name, p in (("p50", 50), ("p99", 99)):
        metrics["%s_%s_us" % (prefix, name)] = percentile(latencies, p) * 1e6


def throughput(size, elapsed):
    elapsed = max(elapsed, 1e-9)
    return {"mb_per_s": size / elapsed / 1e6, "seconds": elapsed}


class PatternReader:
    """`size` bytes of a repeated block, read without holding the whole object."""

    def __init__(self, block, size):
        self.block = block
        self.size = size
        self.pos = 0

    def __len__(self):
        return self.size

    def read(self, n=-1):
        left = self.size - self.pos
        if n is None or n < 0:
            n = left
        offset = self.pos % len(self.block)
        n = min(n, left, len(self.block) - offset)
        self.pos += n
        return self.block[offset:offset + n]


def phase(concurrency, count, op):
    """Runs op(i) for i < count on `concurrency` threads; returns (elapsed, latencies,
    CPU seconds of the process during the phase)."""
    latencies = [[] for _ in range(concurrency)]
    errors = []

    def worker(w):
        try:
            for i in range(w, count, concurrency):
                t = time.perf_counter()
                op(i)
                latencies[w].append(time.perf_counter() - t)
        except Exception as e:  # reported by the caller
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    cpu = cpu_seconds()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    if errors:
        raise errors[0]
    return elapsed, [x for lat in latencies for x in lat], cpu


def small_key(c, i):
    return "small/%s/c%d/%06d" % (NAME, c, i)


def small(bucket, a):
    c = max(a.concurrency, 1)
    body = os.urandom(SMALL_SIZE)

    def put(prefix):
        return lambda i: bucket.put_object(prefix + small_key(c, i), body)

    phase(c, c, put("warm-"))
    put_time, put_lat, put_cpu = phase(c, a.count, put(""))

    def get(i):
        key = small_key(c, i)
        data = bucket.get_object(key).read()
        if len(data) != SMALL_SIZE:
            raise RuntimeError("%s: read %d bytes, expected %d" % (key, len(data), SMALL_SIZE))

    get_time, get_lat, get_cpu = phase(c, a.count, get)
    metrics = {}
    latency_metrics(metrics, "put", put_time, put_lat, put_cpu)
    latency_metrics(metrics, "get", get_time, get_lat, get_cpu)
    return metrics


def upload(bucket, a):
    key = "bench/%s/upload" % NAME
    reader = PatternReader(os.urandom(BLOCK), a.size)
    start = time.perf_counter()
    bucket.put_object(key, reader)
    elapsed = time.perf_counter() - start
    bucket.delete_object(key)
    return throughput(a.size, elapsed)


def download(bucket, a):
    start = time.perf_counter()
    result = bucket.get_object(a.key)
    read = 0
    while True:
        chunk = result.read(1 << 20)
        if not chunk:
            break
        read += len(chunk)
    elapsed = time.perf_counter() - start
    check_len(a.key, read, a.size)
    return throughput(a.size, elapsed)


def multipart_upload(bucket, a):
    key = "bench/%s/multipart" % NAME
    store = oss2.ResumableStore(root=a.scratch, dir="oss2-upload-checkpoints")
    start = time.perf_counter()
    oss2.resumable_upload(bucket, key, a.source, store=store, multipart_threshold=PART_SIZE,
                          part_size=PART_SIZE, num_threads=PARALLELISM)
    elapsed = time.perf_counter() - start
    bucket.delete_object(key)
    return throughput(os.path.getsize(a.source), elapsed)


def multipart_download(bucket, a):
    target = os.path.join(a.scratch, "%s-download.bin" % NAME)
    store = oss2.ResumableDownloadStore(root=a.scratch, dir="oss2-download-checkpoints")
    start = time.perf_counter()
    oss2.resumable_download(bucket, a.key, target, store=store, multiget_threshold=PART_SIZE,
                            part_size=PART_SIZE, num_threads=PARALLELISM)
    elapsed = time.perf_counter() - start
    read = os.path.getsize(target)
    os.remove(target)
    check_len(a.key, read, a.size)
    return throughput(read, elapsed)


def list_keys(bucket, a):
    total = 0.0
    for _ in range(a.repeat):
        start = time.perf_counter()
        seen = sum(1 for _ in oss2.ObjectIteratorV2(bucket, prefix=LIST_PREFIX, max_keys=LIST_PAGE))
        total += time.perf_counter() - start
        if seen != a.list_keys:
            raise RuntimeError("the listing of %s returned %d keys, expected %d"
                               % (LIST_PREFIX, seen, a.list_keys))
    total = max(total, 1e-9)
    return {"keys_per_s": a.list_keys * a.repeat / total,
            "ms_per_listing": total * 1e3 / max(a.repeat, 1)}


def crc(a):
    block = os.urandom(BLOCK)
    data = block * (a.size // BLOCK) + block[: a.size % BLOCK]
    elapsed = float("inf")
    for _ in range(3):  # best of three, as the Rust clients
        c = oss2.utils.Crc64(0)
        start = time.perf_counter()
        c.update(data)
        elapsed = min(elapsed, max(time.perf_counter() - start, 1e-9))
    return {"gb_per_s": len(data) / elapsed / 1e9, "seconds": elapsed}


def check_len(key, got, expected):
    if got != expected:
        raise RuntimeError("%s: read %d bytes, expected %d" % (key, got, expected))


WORKLOADS = {
    "small": small,
    "upload": upload,
    "download": download,
    "multipart-upload": multipart_upload,
    "multipart-download": multipart_download,
    "list": list_keys,
}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--workload", required=True, choices=sorted(list(WORKLOADS) + ["crc"]))
    p.add_argument("--endpoint", required=True)
    p.add_argument("--bucket", default="oss-bench")
    p.add_argument("--access-key-id", required=True)
    p.add_argument("--access-key-secret", required=True)
    p.add_argument("--size", type=int, default=1 << 30)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--key", default="fixture/large")
    p.add_argument("--source")
    p.add_argument("--scratch", default="/tmp")
    p.add_argument("--list-keys", type=int, default=10000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()

    if a.workload == "crc":
        metrics = crc(a)
    else:
        # One pooled connection per thread, as for the other clients.
        oss2.defaults.connection_pool_size = max(a.concurrency, PARALLELISM, 10)
        bucket = oss2.Bucket(oss2.Auth(a.access_key_id, a.access_key_secret), a.endpoint, a.bucket)
        metrics = WORKLOADS[a.workload](bucket, a)
    print(json.dumps({"client": NAME, "workload": a.workload, "metrics": metrics,
                      "peak_rss_bytes": peak_rss_bytes()}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line on stderr, as the Rust clients do
        print("oss2_bench: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
