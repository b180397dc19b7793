#!/usr/bin/env bash
# Signing as whole processes, side by side on the same files: `airsign sign` against embit,
# bdkpython and `electrum --offline signtransaction`, on 100- and 1,000-input P2WPKH PSBTs owned
# by the public test seed (abandon x11 about, regtest). Prints a table with ratios and writes
# OUTDIR/sign.json with one row per (inputs, tool) plus the raw per-input floor (libsecp256k1
# low-R sign + k256 verify, one thread, same run).
#
#   usage: scripts/bench_sign.sh OUTDIR        (PY=python with embit and bdkpython, RUNS=N,
#          BASELINE=another airsign binary to time beside this one, e.g. a build of main)
#
# airsign-1cpu is the same binary pinned to one CPU (taskset), i.e. without worker threads.
# Seed decryption: airsign's seed file is made here with the cheapest scrypt work factor the seed
# format allows (--kdf-work-factor 1: N = 2, microseconds), so there is nothing left to subtract;
# `airsign seed info` on the same file is timed too and printed as the start-up + unlock floor.
# The peers derive their keys from the mnemonic in-process (BIP39 PBKDF2 included, as airsign's).
# Each tool's figure is the median of RUNS whole-process runs (default 5), the tools interleaved
# run by run so a loaded machine weighs on all of them alike. Every output is checked afterwards
# (outside the timing): each tool must have signed every input.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: scripts/bench_sign.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
PY=${PY:-$root/.venv/bin/python}
RUNS=${RUNS:-5}
cd "$root"

bin=target/release/airsign
helper=target/release/examples/sign_bench
if [ ! -x "$bin" ] || [ ! -x "$helper" ]; then
  cargo build --release --locked --bin airsign --example sign_bench
fi
bin=$root/$bin
helper=$root/$helper

# The PSBTs: the bench's 1,000-input file when `cargo bench --bench sign` wrote it, else made here.
for n in 100 1000; do
  if [ -f "target/bench-wpkh-$n.psbt" ]; then
    cp "target/bench-wpkh-$n.psbt" "$out/wpkh-$n.psbt"
  elif [ ! -f "$out/wpkh-$n.psbt" ]; then
    "$helper" psbt wpkh "$n" "$out/wpkh-$n.psbt"
  fi
done

# airsign's seed file (cheapest scrypt) and electrum's wallet, both from the test mnemonic.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about" >"$work/words"
echo "bench" >"$work/pass"
"$bin" seed import --network regtest --out "$work/seed.age" --mnemonic-fd 3 --passphrase-fd 4 \
  --kdf-work-factor 1 3<"$work/words" 4<"$work/pass" >/dev/null 2>&1
have_electrum=0
if command -v electrum >/dev/null 2>&1; then
  # Electrum restores BIP39 words only in its GUI wizard: restore the BIP84 account key instead
  # and give it the seed's origin (fingerprint, m/84'/1'/0'), which is how it finds its keys in
  # a PSBT's derivation paths.
  vprv=$("$PY" -c "
from embit import bip39
from embit.bip32 import HDKey
from embit.networks import NETWORKS
root = HDKey.from_seed(bip39.mnemonic_to_seed(open('$work/words').read().strip()), version=NETWORKS['regtest']['xprv'])
print(root.derive(\"m/84h/1h/0h\").to_string(version=NETWORKS['regtest']['zprv']))")
  if electrum --regtest --offline -D "$work/electrum" restore "$vprv" -w "$work/electrum.wallet" >/dev/null 2>&1; then
    "$PY" -c "
import json, sys
p = sys.argv[1]
w = json.load(open(p))
w['keystore']['root_fingerprint'] = '73c5da0a'
w['keystore']['derivation'] = \"m/84'/1'/0'\"
json.dump(w, open(p, 'w'))" "$work/electrum.wallet"
    have_electrum=1
  fi
fi

now() { date +%s%N; }

# run TOOL N RUN: one whole-process signing of wpkh-N.psbt, prints seconds.
run() {
  local tool=$1 n=$2 i=$3 in="$out/wpkh-$2.psbt" o="$work/$1-$2-$3.out" t0 t1
  case $tool in
    airsign | airsign-1cpu | baseline)
      local b=$bin pin=""
      [ "$tool" = baseline ] && b=$BASELINE
      # One CPU in the affinity mask: available_parallelism() says 1, so no worker threads.
      [ "$tool" = airsign-1cpu ] && pin="taskset -c 0"
      rm -f "$work/audit.log"
      t0=$(now)
      $pin "$b" sign --seed "$work/seed.age" --passphrase-fd 4 --yes --log "$work/audit.log" \
        "$in" -o "$o" 4<"$work/pass" >/dev/null 2>"$work/err"
      t1=$(now) ;;
    seed-info)
      t0=$(now)
      "$bin" seed info --seed "$work/seed.age" --passphrase-fd 4 4<"$work/pass" >/dev/null 2>"$work/err"
      t1=$(now) ;;
    embit | bdkpython)
      t0=$(now)
      "$PY" scripts/bench_peer_sign.py "$tool" "$in" "$o" wpkh 2>"$work/err"
      t1=$(now) ;;
    electrum)
      base64 -w0 "$in" >"$work/in.b64"
      t0=$(now)
      electrum --regtest --offline -D "$work/electrum" -w "$work/electrum.wallet" \
        signtransaction - <"$work/in.b64" >"$o" 2>"$work/err"
      t1=$(now) ;;
  esac
  printf '%.4f\n' "$(echo "scale=6; ($t1 - $t0) / 1000000000" | bc)"
}

# check TOOL N OUT: every input signed (electrum finalizes a complete transaction: raw hex).
check() {
  local tool=$1 n=$2 o=$3 got
  [ "$tool" = seed-info ] && return 0
  if [ "$tool" = electrum ]; then
    got=$("$PY" -c "
import json, sys
from embit.transaction import Transaction
s = open(sys.argv[1]).read().strip()
try:
    s = json.loads(s)
except ValueError:
    pass
if isinstance(s, dict):
    s = s.get('hex') or s.get('result')
if s.startswith('cHNid'):
    import base64; open(sys.argv[1] + '.psbt', 'wb').write(base64.b64decode(s)); print('psbt')
else:
    tx = Transaction.from_string(s)
    print('%d/%d' % (sum(1 for i in tx.vin if i.witness.items), len(tx.vin)))" "$o")
    [ "$got" = psbt ] && got=$("$PY" scripts/bench_peer_sign.py count "$o.psbt")
  else
    got=$("$PY" scripts/bench_peer_sign.py count "$o")
  fi
  [ "$got" = "$n/$n" ] || { echo "bench_sign.sh: $tool signed $got inputs of $n" >&2; exit 1; }
}

tools="airsign"
command -v taskset >/dev/null 2>&1 && tools="$tools airsign-1cpu"
[ -n "${BASELINE:-}" ] && tools="$tools baseline"
tools="$tools embit bdkpython"
[ $have_electrum = 1 ] && tools="$tools electrum"
tools="$tools seed-info"
floor_us=$("$helper" floor 1000)
declare -A times
for n in 100 1000; do
  for i in $(seq 1 "$RUNS"); do
    for tool in $tools; do
      s=$(run "$tool" "$n" "$i") || { echo "bench_sign.sh: $tool failed:" >&2; cat "$work/err" >&2; exit 1; }
      [ "$i" = 1 ] && check "$tool" "$n" "$work/$tool-$n-$i.out"
      times[$tool-$n]="${times[$tool-$n]:-} $s"
    done
  done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

{
  echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS whole-process runs"
  echo "# floor: libsecp256k1 low-R sign + k256 verify = $floor_us us per input (one thread)"
  printf '%-7s %-12s %9s %14s %20s\n' inputs tool seconds "tool/airsign" "s per input / floor"
} >"$out/sign.txt"
rows=""
for n in 100 1000; do
  a=$(echo "${times[airsign-$n]}" | median)
  for tool in $tools; do
    s=$(echo "${times[$tool-$n]}" | median)
    ratio=$(printf '%.2f' "$(echo "scale=4; $s / $a" | bc)")
    per=$(printf '%.2f' "$(echo "scale=4; $s * 1000000 / $n / $floor_us" | bc)")
    printf '%-7s %-12s %9s %14s %20s\n' "$n" "$tool" "$s" "$ratio" "$per" >>"$out/sign.txt"
    rows="$rows{\"inputs\":$n,\"type\":\"p2wpkh\",\"tool\":\"$tool\",\"seconds\":$s,\"runs\":[$(echo ${times[$tool-$n]} | tr ' ' ',')]},"
  done
done
cat "$out/sign.txt"
cat >"$out/sign.json" <<JSON
{"date":"$(date -u +%FT%TZ)","cores":$(nproc),"loadavg":"$(cut -d' ' -f1-3 /proc/loadavg)","runs":$RUNS,
 "floor":{"what":"libsecp256k1 sign_ecdsa_low_r + k256 verify_prehash, one thread, best of 5 x 1000","us_per_input":$floor_us},
 "rows":[${rows%,}]}
JSON
