"""Independent peer for tests/roundtrip.rs: embit (pure-Python) finalizes airsign's signed PSBT,
and signs the same unsigned PSBT itself with the same (public test) root key.

usage: peer_embit.py UNSIGNED_B64_FILE SIGNED_B64_FILE ROOT_KEY_FILE
prints JSON: {"finalized_ours": hex, "embit_signed_finalized": hex}
"""
import json
import sys

from embit import ec
from embit.bip32 import HDKey
from embit.finalizer import finalize_psbt
from embit.psbt import PSBT
from embit.script import Witness
from embit.transaction import Transaction


def finalize_taproot_key_path(psbt):
    """embit's finalizer skips taproot key-path signatures (PSBT key 0x13, kept as unknown):
    verify each with embit's own BIP341 sighash and BIP340 check against the output key, then
    build the witness. Returns None if any input is not such a taproot input."""
    tx = Transaction.parse(psbt.tx.serialize())
    spks = [psbt.utxo(i).script_pubkey for i in range(len(tx.vin))]
    values = [psbt.utxo(i).value for i in range(len(tx.vin))]
    for i, inp in enumerate(psbt.inputs):
        sig = inp.unknown.get(b"\x13")
        spk = spks[i].data
        if sig is None or len(spk) != 34 or spk[0] != 0x51:
            return None
        msg = tx.sighash_taproot(i, script_pubkeys=spks, values=values)
        if not ec.PublicKey.from_xonly(spk[2:34]).schnorr_verify(ec.SchnorrSig.parse(sig[:64]), msg):
            raise SystemExit("embit: taproot signature on input %d does not verify" % i)
        tx.vin[i].witness = Witness([sig])
    return tx


def main():
    unsigned = PSBT.from_string(open(sys.argv[1]).read().strip())
    signed = PSBT.from_string(open(sys.argv[2]).read().strip())
    root = HDKey.from_string(open(sys.argv[3]).read().strip())
    ours = finalize_psbt(signed) or finalize_taproot_key_path(signed)
    n = unsigned.sign_with(root)
    theirs = finalize_psbt(unsigned) or finalize_taproot_key_path(unsigned)
    print(json.dumps({
        "finalized_ours": ours.serialize().hex() if ours else None,
        "embit_signed_count": n,
        "embit_signed_finalized": theirs.serialize().hex() if theirs else None,
    }))


if __name__ == "__main__":
    main()
