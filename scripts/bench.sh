#!/usr/bin/env bash
# Benchmarks the SDK (async and blocking), OpenDAL's OSS service and oss2 2.19.1 side by side
# on the local OSS server (on disk, then in memory), with the physical limits of the machine
# measured in the same run. Arguments go to `oss-bench run` (see `oss-bench run --help`),
# e.g. `scripts/bench.sh --large-size 256M --small-count 500 --servers memory`.
# Criterion micro-benchmarks: `cargo bench -p osskit-proto --bench hot_paths`.
set -euo pipefail
cd "$(dirname "$0")/.."

OSS2_VERSION=2.19.1
venv=target/oss2-venv
if ! "$venv/bin/python" -c "import oss2, sys; sys.exit(oss2.__version__ != '$OSS2_VERSION')" 2>/dev/null; then
    echo "creating $venv with oss2==$OSS2_VERSION"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "oss2==$OSS2_VERSION"
fi

cargo build --release -p osskit-bench -p osskit-server
exec target/release/oss-bench run --python "$venv/bin/python" "$@"
