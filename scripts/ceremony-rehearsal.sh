#!/usr/bin/env bash
# Rehearse the checklists in fixtures/ceremonies/ end to end on regtest fixtures (issue 10;
# docs/ceremony.md). Prepares each ceremony's folder the way the online coordinator would (seed
# files from PUBLIC test mnemonics, the 2-of-3 treasury wallet, a funded unsigned bundle shown as
# QR text frames), then runs every checklist with the operator's answers and the seed passphrase
# on file descriptors, and verifies every transcript. tests/ceremony.rs runs it.
#
# The air gap is read from the recorded layout fixtures/airgap/offline-laptop (this machine is
# online); every transcript says so in its start line.
#
# usage: scripts/ceremony-rehearsal.sh OUT_DIR
# env:   AIRSIGN (default target/release/airsign), AIRSIGN_PYTHON (a python with embit, for the
#        fixture funding transaction and carol's key; scripts/test.sh makes one in .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
out="${1:?usage: scripts/ceremony-rehearsal.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
airsign="$(cd "$(dirname "${AIRSIGN:-target/release/airsign}")" && pwd)/$(basename "${AIRSIGN:-target/release/airsign}")"
python="${AIRSIGN_PYTHON:-$repo/.venv/bin/python}"
peer() { "$python" "$repo/scripts/treasury_peer.py" "$@"; }
step() { printf '\n== %s\n' "$*" >&2; }
offline="$repo/fixtures/airgap/offline-laptop"

printf 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n' >"$out/single.words"
printf 'legal winner thank year wave sausage worth useful legal winner thank yellow\n' >"$out/alice.words"
printf 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above\n' >"$out/bob.words"
printf 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n' >"$out/carol.words"
printf 'ceremony rehearsal passphrase (public test seeds)\n' >"$out/pass"
seed() { # seed WORDS OUT
  "$airsign" seed import --network regtest --mnemonic-fd 3 --passphrase-fd 4 --force \
    -o "$2" 3<"$out/$1.words" 4<"$out/pass" >/dev/null
}
# ceremony NAME DIR ANSWERS: run fixtures/ceremonies/NAME.json in DIR, answers one per line.
ceremony() {
  local name="$1" dir="$2" answers="$3"
  printf '%s' "$answers" >"$dir/answers"
  step "ceremony $name (in $dir)"
  rm -f "$dir/$name.transcript.jsonl"
  "$airsign" ceremony run "$repo/fixtures/ceremonies/$name.json" --dir "$dir" \
    --transcript "$dir/$name.transcript.jsonl" --airgap-root "$offline" \
    --answers-fd 3 --passphrase-fd 4 --json 3<"$dir/answers" 4<"$out/pass" >"$dir/$name.outcome.json"
  "$airsign" ceremony verify "$dir/$name.transcript.jsonl" --rehearsal \
    --checklist "$repo/fixtures/ceremonies/$name.json"
}

# bundle DIR WALLET: the online side funds WALLET's first two addresses (a fixture transaction)
# and shows an unsigned bundle paying a stranger as QR text frames in DIR/bundle.frames.
bundle() {
  local dir="$1" wallet="$1/$2" addrs
  addrs="$("$airsign" wallet addresses "$wallet" --count 2 --json \
    | "$python" -c 'import json,sys; print(" ".join(a["address"] for a in json.load(sys.stdin)["addresses"]))')"
  # shellcheck disable=SC2086
  peer fund "$dir" $addrs
  "$airsign" bundle create --wallet "$wallet" --utxos "$dir/utxos.json" \
    --prev-txs "$dir/prev.hex" --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:400000 \
    --fee-rate 2 -o "$dir/online-unsigned.psbt" --force --qr "text:$dir/bundle.frames"
}

step "cold signing: the holder's seed, and the online side's bundle as QR text frames"
cold="$out/cold"; mkdir -p "$cold"
seed single "$cold/seed.age"
"$airsign" account export --seed "$cold/seed.age" --passphrase-fd 4 --script wpkh --json \
  4<"$out/pass" >"$cold/account.json"
"$airsign" wallet create --from "$cold/account.json" --force -o "$cold/wallet.json" >/dev/null
bundle "$cold" wallet.json
rm -f "$cold/unsigned.psbt" "$cold/signed.psbt" "$cold/signed.html"
# room, compare-bundle, the sign command's own question, handed-back
ceremony cold-signing "$cold" $'yes\nyes\nyes\nyes\n'

step "treasury: three signers' keys (carol's from embit), the coordinator's 2-of-3 wallet"
tre="$out/treasury"; mkdir -p "$tre"
seed alice "$tre/alice.age"; seed bob "$tre/bob.age"
key() { "$airsign" account export --seed "$tre/$1.age" --passphrase-fd 4 --script wsh-multi --json \
  4<"$out/pass" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["key_origin"])'; }
A="$(key alice)"; B="$(key bob)"; C="$(peer key "$out/carol.words" 2)"
"$airsign" wallet create --name treasury --network regtest --force \
  --descriptor "wsh(sortedmulti(2,$A/<0;1>/*,$B/<0;1>/*,$C/<0;1>/*))" -o "$tre/coordinator.json" >/dev/null
"$airsign" qr show "$tre/coordinator.json" --text >"$tre/wallet.frames"
rm -f "$tre/treasury.json" "$tre"/alice.age.wallets.json
# room, key-in-setup, the register command's own question, compare
ceremony treasury-setup "$tre" $'yes\nyes\nyes\nyes\n'

step "treasury spend: the coordinator's bundle, alice signs under the agreed policy"
cp "$repo/fixtures/ceremonies/policy.json" "$tre/policy.json"
bundle "$tre" coordinator.json
rm -f "$tre/unsigned.psbt" "$tre/signed.psbt" "$tre/signed.html"
# room, compare-bundle, the sign command's own question (the policy requires a person), handed-back
ceremony treasury-spend "$tre" $'yes\nyes\nyes\nyes\n'

step "key health check: the coordinator's challenge; alice answers in the ceremony, bob by hand"
rm -f "$tre/challenge.json" "$tre/answer.json" "$tre/answer.html" "$tre/coordinator.keychecks.json"
"$airsign" keycheck challenge "$tre/coordinator.json" -o "$tre/online-challenge.json" --force \
  --qr "text:$tre/challenge.frames"
# room, the answer's own question, handed-back
ceremony key-health-check "$tre" $'yes\nyes\nyes\n'
"$airsign" keycheck answer --seed "$tre/bob.age" --passphrase-fd 4 --yes \
  "$tre/online-challenge.json" -o "$tre/bob.answer.json" --force 4<"$out/pass" >/dev/null
# The coordinator: alice's answer came back by QR (the page's frames are the answer file).
"$airsign" keycheck verify "$tre/coordinator.json" "$tre/online-challenge.json" \
  "$tre/answer.json" "$tre/bob.answer.json" --json >"$tre/keycheck-verify.json"

step "done: transcripts in $cold and $tre"
