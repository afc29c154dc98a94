#!/usr/bin/env python3
"""Times the server's metadata-only operations on a disk-backed oss-server with oss2: the
complete of a 100-part upload (10 MiB parts), a server-side copy of a 4.9 GiB object made of
five part copies (no data is written for either), and a 1-byte PUT for comparison.

    target/release/oss-server --listen 127.0.0.1:9000 --data-dir /var/tmp/oss-meta \
        --access-key-id ak --access-key-secret sk &
    target/oss2-venv/bin/python scripts/measure-meta-ops.py http://127.0.0.1:9000
"""
import os, sys, time, oss2
ep = sys.argv[1]
auth = oss2.Auth('ak', 'sk')
svc = oss2.Bucket(auth, ep, 'timing')
svc.create_bucket()
part = os.urandom(10 * 1024 * 1024)
up = svc.init_multipart_upload('hundred').upload_id
parts = []
for n in range(1, 101):
    r = svc.upload_part('hundred', up, n, part)
    parts.append(oss2.models.PartInfo(n, r.etag))
times = []
t = time.perf_counter(); svc.complete_multipart_upload('hundred', up, parts); times.append(time.perf_counter() - t)
print('complete of 100 parts of 10 MiB (1000 MiB): %.1f ms' % (times[0] * 1000))
# A 5 GiB object made of part copies of the 1000 MiB one (5 parts).
up = svc.init_multipart_upload('five').upload_id
parts = []
size = svc.head_object('hundred').content_length
for n in range(1, 6):
    r = svc.upload_part_copy('timing', 'hundred', (0, size - 1), 'five', up, n)
    parts.append(oss2.models.PartInfo(n, r.etag))
svc.complete_multipart_upload('five', up, parts)
print('object "five": %d bytes' % svc.head_object('five').content_length)
ts = []
for i in range(5):
    t = time.perf_counter(); svc.copy_object('timing', 'five', 'five-copy-%d' % i); ts.append(time.perf_counter() - t)
ts.sort()
print('server-side copy of the 4.9 GiB object: median %.1f ms (min %.1f, max %.1f)' % (ts[2] * 1000, ts[0] * 1000, ts[-1] * 1000))
ts = []
for i in range(5):
    t = time.perf_counter(); svc.put_object('small-%d' % i, b'x'); ts.append(time.perf_counter() - t)
ts.sort()
print('PUT of 1 byte (a metadata write and a tiny blob): median %.1f ms' % (ts[2] * 1000))
