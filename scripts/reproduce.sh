#!/usr/bin/env bash
# Reproducible build check (docs/hardening.md): build the release binary twice, from two copies
# of the committed source in two different folders with separate target folders, and compare
# their SHA-256. Paths are remapped (the source folder, cargo's registry) and SOURCE_DATE_EPOCH
# is the last commit's time, so neither the folder nor the clock reaches the binary. Exits 1 on a
# difference; prints the hash a user compares with (README, "Verifying a binary").
#
# usage: scripts/reproduce.sh [WORK_DIR]     (default: a fresh temporary folder, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="${1:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
work="$(cd "$work" && pwd)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
registry="${CARGO_HOME:-$HOME/.cargo}/registry"

build() { # build DIR: a copy of HEAD's tree in DIR, built there
  local dir="$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  git archive --format=tar HEAD | tar -x -C "$dir"
  (
    cd "$dir"
    # One prefix map for Rust, one for the C and C++ code of -sys crates (bitcoinconsensus, ring).
    export RUSTFLAGS="--remap-path-prefix=$dir=/airsign --remap-path-prefix=$registry=/cargo-registry"
    export CFLAGS="-ffile-prefix-map=$dir=/airsign -ffile-prefix-map=$registry=/cargo-registry"
    export CXXFLAGS="$CFLAGS"
    export CARGO_TARGET_DIR="$dir/target"
    cargo build --release --locked --quiet
  )
  sha256sum "$dir/target/release/airsign" | cut -d' ' -f1
}

echo "building twice from HEAD ($(git rev-parse --short HEAD)), SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" >&2
a="$(build "$work/first/airsign")"
b="$(build "$work/second-copy/elsewhere")"
echo "first:  $a" >&2
echo "second: $b" >&2
if [ "$a" != "$b" ]; then
  echo "scripts/reproduce.sh: the two builds differ" >&2
  exit 1
fi
echo "reproducible: $a"
