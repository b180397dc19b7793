"""Peer signers for the signing benchmarks (docs/benchmarks.md, scripts/bench_sign.sh): sign a
PSBT file once with the public test seed (`abandon` x11 `about`, regtest) and write the signed
PSBT, so the caller can time the whole process (interpreter start-up and imports included, as
airsign's are). Nothing else happens in the timed process; `count` checks the output afterwards.

usage: python scripts/bench_peer_sign.py embit|bdkpython IN.psbt OUT.psbt [wpkh|tr]
       python scripts/bench_peer_sign.py count SIGNED.psbt   (inputs signed / inputs, with embit)
       python scripts/bench_peer_sign.py --loop N embit|bdkpython IN.psbt   (in-process, best of N)
"""
import base64
import sys
import time

MNEMONIC = "abandon " * 11 + "about"


def sign_embit(data):
    from embit import bip39
    from embit.bip32 import HDKey
    from embit.networks import NETWORKS
    from embit.psbt import PSBT

    root = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONIC), version=NETWORKS["regtest"]["xprv"])
    p = PSBT.parse(data)
    n = p.sign_with(root)
    return n, p.serialize()


def sign_bdk(data, script):
    import bdkpython as bdk

    mnemonic = bdk.Mnemonic.from_string(MNEMONIC)
    key = bdk.DescriptorSecretKey(bdk.NetworkKind.TEST, mnemonic, None)
    new = bdk.Descriptor.new_bip86 if script == "tr" else bdk.Descriptor.new_bip84
    wallet = bdk.Wallet(
        new(key, bdk.KeychainKind.EXTERNAL, bdk.NetworkKind.TEST),
        new(key, bdk.KeychainKind.INTERNAL, bdk.NetworkKind.TEST),
        bdk.Network.REGTEST,
        bdk.Persister.new_in_memory(),
    )
    psbt = bdk.Psbt(base64.b64encode(data).decode())
    opts = bdk.SignOptions(
        trust_witness_utxo=False,
        assume_height=None,
        allow_all_sighashes=False,
        try_finalize=False,
        sign_with_tap_internal_key=True,
        allow_grinding=True,
    )
    wallet.sign(psbt, opts)
    return None, base64.b64decode(psbt.serialize())


def count(data):
    """Inputs with a signature (partial sig or taproot key sig), and all inputs, read by embit.
    Accepts binary or base64 (electrum writes base64)."""
    from embit.psbt import PSBT

    if not data.startswith(b"psbt\xff"):
        data = base64.b64decode(data.strip())
    p = PSBT.parse(data)
    signed = sum(1 for i in p.inputs if i.partial_sigs or i.taproot_key_sig is not None)
    return signed, len(p.inputs)


def sign(tool, data, script):
    if tool == "embit":
        return sign_embit(data)
    if tool == "bdkpython":
        return sign_bdk(data, script)
    raise SystemExit("unknown tool %r" % tool)


def main():
    args = sys.argv[1:]
    if args[0] == "count":
        print("%d/%d" % count(open(args[1], "rb").read()))
        return
    if args[0] == "--loop":
        runs, tool, path = int(args[1]), args[2], args[3]
        data = open(path, "rb").read()
        script = "tr" if "-tr-" in path else "wpkh"
        best = min(timed(tool, data, script) for _ in range(runs))
        print("%s: %s best of %d in-process: %.3f s" % (path, tool, runs, best))
        return
    tool, inp, out = args[0], args[1], args[2]
    script = args[3] if len(args) > 3 else "wpkh"
    _, signed = sign(tool, open(inp, "rb").read(), script)
    open(out, "wb").write(signed)


def timed(tool, data, script):
    t = time.perf_counter()
    sign(tool, data, script)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
