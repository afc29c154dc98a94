#!/usr/bin/env bash
# Packages every publishable crate as `cargo publish` would (without building the packages:
# pass --verify to build each one from its package too), and checks that each carries the
# workspace's LICENSE.
set -euo pipefail
cd "$(dirname "$0")/.."

verify=--no-verify
if [[ "${1:-}" == "--verify" ]]; then
    verify=
fi
for crate in osskit-proto osskit osskit-server osskit-cli osskit-object-store; do
    cmp -s LICENSE "crates/$crate/LICENSE" || {
        echo "crates/$crate/LICENSE differs from LICENSE" >&2
        exit 1
    }
done
cargo package --locked --allow-dirty $verify -p osskit-proto -p osskit -p osskit-server -p osskit-cli -p osskit-object-store
