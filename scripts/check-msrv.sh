#!/usr/bin/env bash
# Checks the declared minimum Rust version (`rust-version` of the publishable crates) against
# the dependency graph: fails when a dependency they build with (any feature, dev-dependencies
# excluded) declares a newer `rust-version`. When a toolchain of exactly that version is
# installed (`rustup toolchain list`), also builds the publishable crates with it.
#
# Crates with `publish = false` (the interop tests, the benchmark harness, whose OpenDAL needs a
# newer compiler) are left out.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo metadata --format-version 1 --all-features --locked >target/msrv-metadata.json
python3 - target/msrv-metadata.json <<'EOF'
import json
import sys

meta = json.load(open(sys.argv[1]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
members = set(meta["workspace_members"])


def version(text):
    return tuple(int(part) for part in text.split("."))


def shown(v):
    return ".".join(str(x) for x in v)


publishable = [i for i in members if packages[i].get("publish") != []]
failed = False
for root in sorted(publishable, key=lambda i: packages[i]["name"]):
    package = packages[root]
    declared = package.get("rust_version")
    if not declared:
        print(f"{package['name']}: no rust-version declared")
        failed = True
        continue
    declared = version(declared)
    # Everything a user of this crate compiles: normal and build dependencies, transitively.
    seen, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for dep in nodes[current]["deps"]:
            kinds = {k["kind"] or "normal" for k in dep["dep_kinds"]}
            if kinds & {"normal", "build"}:
                stack.append(dep["pkg"])
    needs = []
    # Workspace crates share the declared version; the outside ones decide it.
    for i in seen - members:
        v = packages[i].get("rust_version")
        if v:
            needs.append((version(v), packages[i]["name"], packages[i]["version"]))
    needs.sort(reverse=True)
    highest = needs[0] if needs else ((0,), "-", "-")
    too_new = [n for n in needs if n[0] > declared]
    if too_new:
        failed = True
        print(f"{package['name']}: declares rust-version {shown(declared)}, but these dependencies need more:")
        for v, name, ver in too_new:
            print(f"  {name} {ver} needs Rust {shown(v)}")
    else:
        note = "" if highest[0] == declared else f" (its dependencies need only {shown(highest[0])})"
        print(f"{package['name']}: rust-version {shown(declared)}{note}; highest dependency: "
              f"{highest[1]} {highest[2]} ({shown(highest[0])})")
sys.exit(1 if failed else 0)
EOF

msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if command -v rustup >/dev/null && rustup toolchain list | grep -q "^${msrv}[.-]"; then
    echo "building the publishable crates with Rust $msrv"
    cargo "+$msrv" check --locked -p osskit-proto -p osskit -p osskit-server -p osskit-cli -p osskit-object-store
else
    echo "no Rust $msrv toolchain installed: checked the dependency graph only"
fi
