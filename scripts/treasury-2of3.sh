#!/usr/bin/env bash
# A scripted 2-of-3 treasury ceremony on regtest fixtures (issue 9; docs/treasury.md walks
# through it on three laptops). Every step is the command a person would run; the comments say
# on which machine. It ends with two final transactions, which tests/treasury_script.rs checks
# with Bitcoin Core's script interpreter:
#
#   1. A 2-of-3 P2WSH wallet of alice, bob (airsign seed files) and carol (embit, standing in for
#      a hardware wallet). Registered on alice's and bob's signers. The unsigned bundle travels
#      to alice as QR frames, her signature comes back as QR frames; carol signs with embit;
#      the online side combines and finalizes.
#   2. A time-locked vault: 2 of alice, bob, carol now, or rita alone after 144 blocks (Liana's
#      shape). Rita signs a recovery spend (`bundle create --path recovery`).
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

step "each signer (offline): export the BIP48 cosigner key; carol's comes from embit"
key() { as "$1" account export --script wsh-multi --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["key_origin"])'; }
A="$(key alice)"; B="$(key bob)"; R="$(key rita)"
C="$(peer key "$out/carol.words")"

step "online: the wallet, from the three keys"
"$airsign" wallet create --name treasury --network regtest --force \
  --descriptor "wsh(sortedmulti(2,$A/<0;1>/*,$B/<0;1>/*,$C/<0;1>/*))" -o "$out/treasury.json"

step "each airsign signer (offline): register it, after comparing the wallet id and first address"
as alice wallet register --yes "$out/treasury.json"
as bob wallet register --yes "$out/treasury.json"

step "online: the coins (a regtest fixture) and the unsigned bundle, shown as QR frames"
"$airsign" wallet addresses "$out/treasury.json" --count 2 --json \
  | "$python" -c 'import json,sys; print(" ".join(a["address"] for a in json.load(sys.stdin)["addresses"]))' >"$out/addrs"
# shellcheck disable=SC2046
peer fund "$out" $(cat "$out/addrs")
"$airsign" bundle create --wallet "$out/treasury.json" --utxos "$out/utxos.json" \
  --prev-txs "$out/prev.hex" --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:400000 \
  --fee-rate 2 -o "$out/unsigned.psbt" --force --qr "text:$out/bundle.frames"
cp "$out/prev.hex" "$out/2of3.prev.hex"

step "alice (offline): scan the frames, review, sign, answer with frames"
as alice sign --yes --scan "text:$out/bundle.frames" --qr "text:$out/alice.frames" \
  --log "$out/alice.audit.jsonl"

step "carol (embit): sign the same bundle"
peer sign "$out/carol.words" "$out/unsigned.psbt" "$out/carol.psbt"

step "online: scan alice's frames, combine with carol's, finalize"
"$airsign" qr scan --text-file "$out/alice.frames" -o "$out/alice.psbt" --force
"$airsign" bundle combine "$out/alice.psbt" "$out/carol.psbt" -o "$out/combined.psbt" --force
"$airsign" bundle finalize "$out/combined.psbt" --extract -o "$out/2of3.hex" --force

step "the vault: 2 of alice, bob, carol, or rita alone after 144 blocks"
"$airsign" wallet create --name vault --network regtest --force \
  --descriptor "wsh(or_d(multi(2,$A/<0;1>/*,$B/<0;1>/*,$C/<0;1>/*),and_v(v:pkh($R/<0;1>/*),older(144))))" \
  -o "$out/vault.json"
as rita wallet register --yes "$out/vault.json"
"$airsign" wallet addresses "$out/vault.json" --count 2 --json \
  | "$python" -c 'import json,sys; print(" ".join(a["address"] for a in json.load(sys.stdin)["addresses"]))' >"$out/addrs"
# shellcheck disable=SC2046
peer fund "$out" $(cat "$out/addrs")
cp "$out/prev.hex" "$out/recovery.prev.hex"
"$airsign" bundle create --wallet "$out/vault.json" --utxos "$out/utxos.json" \
  --prev-txs "$out/prev.hex" --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:400000 \
  --fee-rate 2 --path recovery -o "$out/recovery-unsigned.psbt" --force

step "rita (offline): the recovery spend, named as one on her review"
as rita sign --yes "$out/recovery-unsigned.psbt" -o "$out/recovery-signed.psbt" --force \
  --log "$out/rita.audit.jsonl"
"$airsign" bundle finalize "$out/recovery-signed.psbt" --extract -o "$out/recovery.hex" --force

step "done: $out/2of3.hex and $out/recovery.hex"
