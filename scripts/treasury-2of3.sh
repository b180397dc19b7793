#!/usr/bin/env bash
# A scripted 2-of-3 treasury ceremony on regtest fixtures (issue 9; docs/treasury.md walks
# through it on three laptops). Every step is the command a person would run; the comments say
# on which machine. It ends with two final transactions, which tests/treasury_script.rs checks
# with Bitcoin Core's script interpreter:
#
#   1. A 2-of-3 wallet of alice, bob (airsign seed files) and carol (embit, standing in for a
#      hardware wallet), once per kind: P2WSH, P2SH-P2WSH and taproot (sortedmulti_a under the
#      NUMS key). Registered on alice's and bob's signers. The unsigned bundle travels to alice
#      as QR frames, her signature comes back as QR frames; carol signs with embit (bob, for
#      taproot); the online side combines and finalizes. KINDS="wsh" runs one kind.
#   2. A time-locked vault, as P2WSH and as taproot: 2 of alice, bob, carol now, or rita alone
#      after 144 blocks (Liana's shape). Rita signs a recovery spend (`bundle create --path
#      recovery`, `sign --recovery`).
#
# usage: scripts/treasury-2of3.sh OUT_DIR
# env:   AIRSIGN (the binary; default target/release/airsign), AIRSIGN_PYTHON (a python with
#        embit; scripts/test.sh makes one in .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/treasury-2of3.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
airsign="${AIRSIGN:-target/release/airsign}"
python="${AIRSIGN_PYTHON:-.venv/bin/python}"
peer() { "$python" scripts/treasury_peer.py "$@"; }
step() { printf '\n== %s\n' "$*" >&2; }

# Public BIP39 test mnemonics (never for real funds) and one file passphrase for the demo.
printf 'legal winner thank year wave sausage worth useful legal winner thank yellow\n' >"$out/alice.words"
printf 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above\n' >"$out/bob.words"
printf 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n' >"$out/carol.words"
printf 'all all all all all all all all all all all all\n' >"$out/rita.words"
printf 'treasury ceremony demo passphrase\n' >"$out/pass"

step "each signer (offline): a seed file"
for who in alice bob rita; do
  "$airsign" seed import --network regtest --mnemonic-fd 3 --passphrase-fd 4 --force \
    -o "$out/$who.age" 3<"$out/$who.words" 4<"$out/pass" >/dev/null
done
as() { # as WHO airsign-args… : run airsign with WHO's seed file unlocked from the passphrase file
  local who="$1"; shift
  "$airsign" "$@" --seed "$out/$who.age" --passphrase-fd 4 4<"$out/pass"
}

key() { as "$1" account export --script "$2" --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["key_origin"])'; }
addresses() { "$airsign" wallet addresses "$1" --count 2 --json \
  | "$python" -c 'import json,sys; print(" ".join(a["address"] for a in json.load(sys.stdin)["addresses"]))'; }
nums=50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0

# One 2-of-3 per wallet kind: P2WSH, nested P2SH-P2WSH, and taproot (BIP387 sortedmulti_a under
# the unspendable NUMS key). embit signs as carol for the first two; for taproot, bob signs (an
# airsign signer), since embit does not sign taproot script paths.
for kind in ${KINDS:-wsh sh-wsh tr}; do
  case "$kind" in
    wsh) export_as=wsh-multi; bip48=2; second=carol ;;
    sh-wsh) export_as=sh-wsh-multi; bip48=1; second=carol ;;
    tr) export_as=wsh-multi; bip48=2; second=bob ;;
    *) echo "unknown wallet kind $kind" >&2; exit 2 ;;
  esac

  step "$kind: each signer (offline) exports a BIP48 cosigner key; carol's comes from embit"
  A="$(key alice "$export_as")"; B="$(key bob "$export_as")"
  C="$(peer key "$out/carol.words" "$bip48")"
  keys="$A/<0;1>/*,$B/<0;1>/*,$C/<0;1>/*"
  case "$kind" in
    wsh) desc="wsh(sortedmulti(2,$keys))" ;;
    sh-wsh) desc="sh(wsh(sortedmulti(2,$keys)))" ;;
    tr) desc="tr($nums,sortedmulti_a(2,$keys))" ;;
  esac

  step "$kind: online, the wallet from the three keys"
  "$airsign" wallet create --name "treasury-$kind" --network regtest --force \
    --descriptor "$desc" -o "$out/$kind.json"

  step "$kind: each airsign signer (offline) registers it, after comparing the wallet id and first address"
  as alice wallet register --yes "$out/$kind.json"
  as bob wallet register --yes "$out/$kind.json"

  step "$kind: online, the coins (a regtest fixture) and the unsigned bundle, shown as QR frames"
  # shellcheck disable=SC2046
  peer fund "$out" $(addresses "$out/$kind.json")
  cp "$out/prev.hex" "$out/$kind.prev.hex"
  "$airsign" bundle create --wallet "$out/$kind.json" --utxos "$out/utxos.json" \
    --prev-txs "$out/prev.hex" --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:400000 \
    --fee-rate 2 -o "$out/$kind-unsigned.psbt" --force --qr "text:$out/$kind-bundle.frames"

  step "$kind: alice (offline) scans the frames, reviews, signs, answers with frames"
  as alice sign --yes --scan "text:$out/$kind-bundle.frames" --qr "text:$out/$kind-alice.frames" \
    --log "$out/alice.audit.jsonl"

  step "$kind: $second signs the same bundle"
  if [ "$second" = carol ]; then
    peer sign "$out/carol.words" "$out/$kind-unsigned.psbt" "$out/$kind-second.psbt"
  else
    as bob sign --yes "$out/$kind-unsigned.psbt" -o "$out/$kind-second.psbt" --force \
      --log "$out/bob.audit.jsonl"
  fi

  step "$kind: online, scan alice's frames, combine, finalize"
  "$airsign" qr scan --text-file "$out/$kind-alice.frames" -o "$out/$kind-alice.psbt" --force
  "$airsign" bundle combine "$out/$kind-alice.psbt" "$out/$kind-second.psbt" \
    -o "$out/$kind-combined.psbt" --force
  "$airsign" bundle finalize "$out/$kind-combined.psbt" --extract -o "$out/$kind.hex" --force
done
A="$(key alice wsh-multi)"; B="$(key bob wsh-multi)"; R="$(key rita wsh-multi)"
C="$(peer key "$out/carol.words" 2)"

# The vault, once per kind: 2 of alice, bob, carol now, or rita alone after 144 blocks.
for kind in ${VAULTS:-wsh tr}; do
  case "$kind" in
    wsh) desc="wsh(or_d(multi(2,$A/<0;1>/*,$B/<0;1>/*,$C/<0;1>/*),and_v(v:pkh($R/<0;1>/*),older(144))))" ;;
    tr) desc="tr($nums,{multi_a(2,$A/<0;1>/*,$B/<0;1>/*,$C/<0;1>/*),and_v(v:pk($R/<0;1>/*),older(144))})" ;;
    *) echo "unknown vault kind $kind" >&2; exit 2 ;;
  esac
  step "$kind vault: 2 of alice, bob, carol, or rita alone after 144 blocks"
  "$airsign" wallet create --name "vault-$kind" --network regtest --force --descriptor "$desc" \
    -o "$out/vault-$kind.json"
  as rita wallet register --yes "$out/vault-$kind.json"
  # shellcheck disable=SC2046
  peer fund "$out" $(addresses "$out/vault-$kind.json")
  cp "$out/prev.hex" "$out/recovery-$kind.prev.hex"
  "$airsign" bundle create --wallet "$out/vault-$kind.json" --utxos "$out/utxos.json" \
    --prev-txs "$out/prev.hex" --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:400000 \
    --fee-rate 2 --path recovery -o "$out/recovery-$kind-unsigned.psbt" --force

  step "$kind vault: rita (offline) signs the recovery spend, which she must call one (--recovery)"
  as rita sign --yes --recovery "$out/recovery-$kind-unsigned.psbt" \
    -o "$out/recovery-$kind-signed.psbt" --force --log "$out/rita.audit.jsonl"
  "$airsign" bundle finalize "$out/recovery-$kind-signed.psbt" --extract \
    -o "$out/recovery-$kind.hex" --force
done

step "done: $out/{wsh,sh-wsh,tr}.hex and $out/recovery-{wsh,tr}.hex"
