#!/usr/bin/env bash
# airsign beside its peers, on the same inputs, in one go (issue 12; docs/benchmarks.md):
#   - QR frame decode, ms and frames read, at 640×480, 1280×720, 1920×1080, clean and camera-like:
#     airsign vs zxing-cpp and zbar (scripts/bench_decode.sh);
#   - signing 100 and 1,000 inputs as whole processes on the same file: airsign vs embit,
#     bdkpython and `electrum --offline signtransaction` (scripts/bench_sign.sh);
#   - fountain frames needed at 0/10/25/50 % loss: airsign's decoder vs the peeling decoders of
#     ur-rs and @ngraveio/bc-ur;
#   - seconds to move 1, 5 and 20 KB at airsign's, Sparrow's and SeedSigner's defaults;
# then two charts (PNG): frames needed vs loss, decode ms vs resolution, and a Markdown report.
#
# usage: scripts/bench-peers.sh [OUTDIR]   (default target/bench-peers)
# Installs what it needs: a Python venv (.venv) with zxing-cpp, pyzbar, embit, bdkpython,
# matplotlib; Debian electrum and zbar-tools (as root); npm @ngraveio/bc-ur (scripts/peers).
# A peer that cannot be installed stops the script: a comparison without its peer is not one.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-peers}"
mkdir -p "$out"
start=$(date +%s)
say() { printf '\n== %s (%ds)\n' "$*" $(($(date +%s) - start)); }

say "peers"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c "import zxingcpp, pyzbar.pyzbar, embit, bdkpython, matplotlib, PIL, numpy" 2>/dev/null \
  || .venv/bin/pip install --quiet --disable-pip-version-check "zxing-cpp==3.1.1" "pyzbar==0.1.9" \
    "embit==0.8.0" "bdkpython==3.1.1" "matplotlib==3.11.2" pillow numpy
missing=""
command -v electrum >/dev/null 2>&1 || missing="$missing electrum"
command -v zbarimg >/dev/null 2>&1 || missing="$missing zbar-tools"
ldconfig -p | grep -q libzbar.so || missing="$missing libzbar0"
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench-peers: missing$missing; run as root or apt-get install$missing" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
[ -d scripts/peers/node_modules/@ngraveio/bc-ur ] \
  || (cd scripts/peers && npm ci --no-audit --no-fund --silent)
export PY="$PWD/.venv/bin/python"

say "build (release)"
cargo build --release --locked --quiet
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rustc: $(rustc --version)"
} > "$out/machine.txt"
cat "$out/machine.txt"

say "QR frame decode"
bash scripts/bench_decode.sh "$out"

say "signing"
bash scripts/bench_sign.sh "$out"

say "fountain frames and transfer seconds"
cargo bench --locked --quiet --bench fountain -- peers "$out" 2>/dev/null | grep -v '^$' || true
[ -s "$out/fountain.json" ] || { echo "bench-peers: the fountain run wrote nothing" >&2; exit 1; }
node scripts/peers/bcur_count.js "$out/fountain-streams.txt" > "$out/bcur.jsonl"

say "charts and report"
"$PY" scripts/bench_report.py "$out"
echo "report: $out/report.md (charts: $out/frames-vs-loss.png, $out/decode-ms.png)"
say "done"
