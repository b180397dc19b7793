#!/usr/bin/env bash
# Build airsign and run the full round trip on the regtest fixture wallet.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --release
exec ./target/release/airsign demo "$@"
