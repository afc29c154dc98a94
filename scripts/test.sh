#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration (SDK and CLI against the local server
# over real HTTP), crash tests, doc tests, and the interop suite driven by the official Python
# SDK oss2 (installed from PyPI into target/oss2-venv on first use), then oss2's own functional
# test suite against the server (interop/oss2_suite.py).
set -euo pipefail
cd "$(dirname "$0")/.."

OSS2_VERSION=2.19.1
# What oss2's functional tests import besides oss2 (pinned for repeatable runs).
SUITE_PACKAGES="pytest==9.2.0 pytest-xdist==3.8.0 mock==5.2.0 aliyun-python-sdk-sts==3.1.3"
venv=target/oss2-venv
if ! "$venv/bin/python" -c "import oss2, sys; sys.exit(oss2.__version__ != '$OSS2_VERSION')" 2>/dev/null; then
    echo "creating $venv with oss2==$OSS2_VERSION"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "oss2==$OSS2_VERSION"
fi
if ! "$venv/bin/python" -c "import pytest, xdist, mock, aliyunsdksts" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check $SUITE_PACKAGES
fi
export OSS2_PYTHON="$PWD/$venv/bin/python"
# The SDK and oss2 honour proxy variables: the local servers of the tests are never behind one.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# The benchmark harness needs a newer compiler than the other crates (it is outside the
# default members); it is tested when the installed compiler can build it.
scope=()
bench_msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' crates/osskit-bench/Cargo.toml)
rustc_version=$(rustc --version | awk '{print $2}')
if [[ "$(printf '%s\n%s\n' "$bench_msrv" "$rustc_version" | sort -V | head -1)" == "$bench_msrv" ]]; then
    scope=(--workspace)
else
    echo "Rust $rustc_version is older than osskit-bench's $bench_msrv: leaving the benchmark harness out"
fi

cargo nextest run "${scope[@]}" --lib --bins --tests --examples --no-fail-fast "$@"
cargo test "${scope[@]}" --doc
# oss2's own functional tests against the server built above (V1 and V4), two files at a
# time (pytest-xdist; a file's tests stay on one worker): the traffic-limit tests wait on
# purpose, and the suite would otherwise take twice as long.
"$venv/bin/python" interop/oss2_suite.py --server target/debug/oss-server --python "$venv/bin/python" --jobs 2
