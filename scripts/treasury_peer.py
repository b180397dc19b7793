"""The independent cosigner and the regtest fixture for scripts/treasury-2of3.sh: embit plays
a third cosigner (as a hardware wallet would: its own BIP48 key, its own signatures), and builds
the regtest funding transaction the ceremony spends (no node: a fixture, as in `airsign demo`).

usage:
  treasury_peer.py key MNEMONIC_FILE [TYPE]     prints the BIP48 key origin [fp/48'/1'/0'/TYPE']tpub…
                                                (TYPE 2: P2WSH, the default; 1: P2SH-P2WSH)
  treasury_peer.py fund OUT_DIR ADDRESS…        writes OUT_DIR/prev.hex and OUT_DIR/utxos.json
  treasury_peer.py sign MNEMONIC_FILE IN OUT    signs the PSBT IN with the mnemonic's keys into OUT
"""
import hashlib
import json
import sys

from embit import bip32, bip39
from embit.networks import NETWORKS
from embit.psbt import PSBT
from embit.script import address_to_scriptpubkey
from embit.transaction import Transaction, TransactionInput, TransactionOutput

NET = NETWORKS["regtest"]
AMOUNTS = [300_000, 200_000, 150_000, 100_000]


def root(mnemonic_file):
    words = open(mnemonic_file).read().strip()
    return bip32.HDKey.from_seed(bip39.mnemonic_to_seed(words), version=NET["xprv"])


def key(mnemonic_file, script_type="2"):
    r = root(mnemonic_file)
    xpub = r.derive("m/48h/1h/0h/%sh" % script_type).to_public()
    print("[%s/48'/1'/0'/%s']%s" % (r.my_fingerprint.hex(), script_type,
                                    xpub.to_string(version=NET["xpub"])))


def fund(out_dir, addresses):
    # A made-up coin to spend from: the fixture's funding transaction only has to hash right.
    fake = hashlib.sha256(" ".join(addresses).encode()).digest()
    vout = [TransactionOutput(AMOUNTS[i % len(AMOUNTS)], address_to_scriptpubkey(a))
            for i, a in enumerate(addresses)]
    tx = Transaction(version=2, vin=[TransactionInput(fake, 0)], vout=vout)
    txid = tx.txid().hex()
    open("%s/prev.hex" % out_dir, "w").write(tx.serialize().hex() + "\n")
    utxos = [{"txid": txid, "vout": i, "amount": o.value / 1e8} for i, o in enumerate(vout)]
    json.dump(utxos, open("%s/utxos.json" % out_dir, "w"))


def sign(mnemonic_file, src, dst):
    psbt = PSBT.parse(open(src, "rb").read())
    n = psbt.sign_with(root(mnemonic_file))
    if n == 0:
        raise SystemExit("embit: nothing signed")
    open(dst, "wb").write(psbt.serialize())
    print("embit signed %d input(s)" % n, file=sys.stderr)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"key": lambda: key(*args), "fund": lambda: fund(args[0], args[1:]),
     "sign": lambda: sign(*args)}[cmd]()
