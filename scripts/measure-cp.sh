#!/usr/bin/env bash
# Uploads one large file to the disk-backed local server with `oss cp` and with oss2's
# resumable_upload (4 threads) in the same run, and measures the disk's fsync write speed
# with dd, so that the three figures compare (docs/server-performance.md).
#
#   scripts/measure-cp.sh [SIZE_MIB]      # default 1024; release builds
#   PROFILE=debug scripts/measure-cp.sh 64  # a quick check that the script works
#
# The file and the store live under $WORK_DIR (default: a new directory in /var/tmp, on
# the disk, not a RAM file system). Needs target/oss2-venv (scripts/test.sh creates it).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
    cargo build --release -q -p osskit-server -p osskit-cli
else
    cargo build -q -p osskit-server -p osskit-cli
fi
bin=target/$profile
python=target/oss2-venv/bin/python
work=$(mktemp -d -p "${WORK_DIR:-/var/tmp}" oss-cp-measure.XXXXXX)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

file=$work/source.bin
head -c "${size}M" /dev/urandom > "$file"
sync

rate() { python3 -c "print(f'{($1) / ($2):.0f}')"; }
now() { date +%s.%N; }

# The disk's write speed with an fsync at the end, as the server's uploads are.
t0=$(now); dd if="$file" of="$work/dd.bin" bs=4M conv=fsync status=none; t1=$(now)
dd_mbs=$(rate "$size * 1.048576" "$t1 - $t0")
rm -f "$work/dd.bin"

"$bin/oss-server" --listen 127.0.0.1:0 --data-dir "$work/data" \
    --access-key-id ak --access-key-secret sk > "$work/server.out" 2>/dev/null &
server=$!
for _ in $(seq 100); do grep -q http "$work/server.out" && break; sleep 0.1; done
endpoint=$(grep -o 'http://[^ ]*' "$work/server.out")
export OSS_ENDPOINT=$endpoint OSS_ACCESS_KEY_ID=ak OSS_ACCESS_KEY_SECRET=sk OSS_REGION=cn-hangzhou
# Checkpoints and configuration in the work directory, not the user's.
export HOME=$work/home
"$bin/oss" mb oss://measure > /dev/null

t0=$(now); "$bin/oss" cp "$file" oss://measure/oss-cp.bin > /dev/null; t1=$(now)
oss_s=$(python3 -c "print($t1 - $t0)")

oss2_s=$("$python" - "$endpoint" "$file" "$work/oss2-checkpoints" <<'PY'
import sys, time, oss2
endpoint, path, store = sys.argv[1:4]
bucket = oss2.Bucket(oss2.Auth("ak", "sk"), endpoint, "measure")
start = time.time()
oss2.resumable_upload(bucket, "oss2.bin", path, store=oss2.ResumableStore(root=store), num_threads=4)
print(time.time() - start)
PY
)

oss_mbs=$(rate "$size * 1.048576" "$oss_s")
oss2_mbs=$(rate "$size * 1.048576" "$oss2_s")
echo "size ${size} MiB, $profile build, $(nproc) cores"
echo "dd with fsync:              ${dd_mbs} MB/s"
echo "oss cp:                     ${oss_mbs} MB/s ($(printf %.2f "$oss_s") s)"
echo "oss2 resumable_upload (4):  ${oss2_mbs} MB/s ($(printf %.2f "$oss2_s") s)"
python3 -c "print(f'oss cp / oss2: {$oss2_s / $oss_s:.2f}x;  oss cp / dd: {$oss_mbs / $dd_mbs * 100:.0f}%')"
