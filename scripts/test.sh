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

cargo nextest run --workspace --lib --bins --tests --examples --no-fail-fast "$@"
cargo test --workspace --doc
# oss2's own functional tests against the server built above (V1 and V4).
"$venv/bin/python" interop/oss2_suite.py --server target/debug/oss-server --python "$venv/bin/python"
