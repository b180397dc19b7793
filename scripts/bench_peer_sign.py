"""Peer timing for docs/benchmarks.md: embit parses, signs and serialises the same 1,000-input
PSBT that `cargo bench --bench sign` signs (written to target/bench-*.psbt by that bench), with
the same public test key. usage: .venv/bin/python scripts/bench_peer_sign.py target/bench-wpkh-1000.psbt
"""
import sys
import time

from embit import bip39
from embit.bip32 import HDKey
from embit.networks import NETWORKS
from embit.psbt import PSBT

MNEMONIC = "abandon " * 11 + "about"


def main():
    data = open(sys.argv[1], "rb").read()
    root = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONIC), version=NETWORKS["regtest"]["xprv"])
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        p = PSBT.parse(data)
        n = p.sign_with(root)
        p.serialize()
        runs.append(time.perf_counter() - t)
    print("%s: embit signed %d inputs; best of 3: %.3f s" % (sys.argv[1], n, min(runs)))


if __name__ == "__main__":
    main()
