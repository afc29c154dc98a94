#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration (SDK and CLI against the local server
# over real HTTP), crash tests, doc tests, and the interop suite driven by the official Python
# SDK oss2 (installed from PyPI into target/oss2-venv on first use).
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
export OSS2_PYTHON="$PWD/$venv/bin/python"

cargo nextest run --workspace --lib --bins --tests --examples --no-fail-fast "$@"
cargo test --workspace --doc
