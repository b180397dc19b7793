#!/usr/bin/env bash
# Frame decode time and read rate, airsign vs zxing-cpp vs zbar, on the same frames: straight
# ("clean") and camera-like (scripts/make_robustness_set.py --camera) at 640x480, 1280x720 and
# 1920x1080. airsign is timed inside one process (examples/qr_decode, release build), the peers
# through their Python bindings (zxing-cpp, pyzbar); no process start-up is timed.
#
# usage: scripts/bench_decode.sh OUTDIR
#   PY=python with PIL, numpy, zxingcpp, pyzbar (default: .venv/bin/python of the repository)
#   COUNT=frames per resolution and set (default 24); REPEAT=timed decodes per frame (default 1:
#   a frame airsign fails to read costs 0.1-0.5 s, and the run should stay within minutes)
#   AIRSIGN=airsign binary that renders the codes (default: target/release/airsign, built if absent)
# writes OUTDIR/frames/, OUTDIR/airsign-*.jsonl and OUTDIR/decode.json; prints a table.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/bench_decode.sh OUTDIR}"
PY="${PY:-$root/.venv/bin/python}"
COUNT="${COUNT:-24}"
REPEAT="${REPEAT:-1}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
if [ -z "${AIRSIGN:-}" ]; then
  AIRSIGN="$root/target/release/airsign"
  [ -x "$AIRSIGN" ] || cargo build --release --locked --bin airsign
fi
cargo build --release --locked --example qr_decode
export AIRSIGN
for set in clean camera; do
  flag=""; [ "$set" = clean ] && flag="--clean"
  "$PY" scripts/make_robustness_set.py --camera "$out/frames/$set" $flag --count "$COUNT"
  target/release/examples/qr_decode "$out/frames/$set" --repeat "$REPEAT" > "$out/airsign-$set.jsonl"
done
"$PY" scripts/bench_decode_peers.py "$out" "$REPEAT"
