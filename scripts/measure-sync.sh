#!/usr/bin/env bash
# Measures `oss sync` of many small files and `oss cp` of one large file against the
# memory-backed local server (so that the figures are the client's and the protocol's, not
# the disk's): files per second of the first sync, the time of a second sync of the
# unchanged tree (which sends no object data), and MB/s up and down for the large file.
#
#   scripts/measure-sync.sh [FILES] [FILE_KIB] [LARGE_MIB]   # default 10000 4 1024; release
#   PROFILE=debug scripts/measure-sync.sh 300 4 16           # a quick check that it works
#
# The tree and the large file are written under $WORK_DIR (default: a new directory in
# /var/tmp); the server keeps everything in memory, so it needs RAM for the large file.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-10000}
file_kib=${2:-4}
large_mib=${3:-1024}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
    cargo build --release -q -p osskit-server -p osskit-cli
else
    cargo build -q -p osskit-server -p osskit-cli
fi
bin=target/$profile
work=$(mktemp -d -p "${WORK_DIR:-/var/tmp}" oss-sync-measure.XXXXXX)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.3f}')"; }

# The tree: FILES files of FILE_KIB KiB, 100 to a directory.
python3 - "$work/tree" "$files" "$file_kib" <<'PY'
import os, sys
root, n, kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(kib * 1024)
for i in range(n):
    d = os.path.join(root, f"d{i // 100:04d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        f.write(i.to_bytes(8, "little") + block[8:])
PY
head -c "${large_mib}M" /dev/urandom > "$work/large.bin"
sync

"$bin/oss-server" --listen 127.0.0.1:0 --memory \
    --access-key-id ak --access-key-secret sk > "$work/server.out" 2>/dev/null &
server=$!
for _ in $(seq 100); do grep -q http "$work/server.out" && break; sleep 0.1; done
endpoint=$(grep -o 'http://[^ ]*' "$work/server.out")
export OSS_ENDPOINT=$endpoint OSS_ACCESS_KEY_ID=ak OSS_ACCESS_KEY_SECRET=sk OSS_REGION=cn-hangzhou
export HOME=$work/home
"$bin/oss" mb oss://measure > /dev/null

t0=$(now); "$bin/oss" sync -q "$work/tree" oss://measure/tree/; t1=$(now)
first=$(secs "$t0" "$t1")
t0=$(now); out=$("$bin/oss" sync "$work/tree" oss://measure/tree/); t1=$(now)
second=$(secs "$t0" "$t1")
case "$out" in *"synced 0 files"*) ;; *) echo "the second sync moved files: $out" >&2; exit 1 ;; esac

t0=$(now); "$bin/oss" cp -q "$work/large.bin" oss://measure/large.bin; t1=$(now)
up=$(secs "$t0" "$t1")
t0=$(now); "$bin/oss" cp -q oss://measure/large.bin "$work/large.down"; t1=$(now)
down=$(secs "$t0" "$t1")
cmp -s "$work/large.bin" "$work/large.down" || { echo "the download differs" >&2; exit 1; }

echo "$profile build, $(nproc) cores, memory-backed server"
python3 - "$files" "$file_kib" "$first" "$second" "$large_mib" "$up" "$down" <<'PY'
import sys
files, kib, first, second = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
mib, up, down = int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
print(f"sync of {files} files of {kib} KiB:   {first:.2f} s, {files / first:.0f} files/s")
print(f"second sync (nothing sent):   {second:.2f} s, {files / second:.0f} files/s compared")
print(f"cp of {mib} MiB up:            {up:.2f} s, {mib * 1.048576 / up:.0f} MB/s")
print(f"cp of {mib} MiB down:          {down:.2f} s, {mib * 1.048576 / down:.0f} MB/s")
PY
