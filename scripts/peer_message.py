"""Independent peers for tests/message_signing.rs: legacy (BIP137) message signatures.

- bitcoin-message-tool (pure Python ECDSA with its own RFC6979, BIP137 headers for P2PKH,
  P2SH-P2WPKH and P2WPKH) signs and verifies every address type;
- python-bitcoinlib (`bitcoin.signmessage`, ECDSA key recovery through OpenSSL) signs and verifies
  P2PKH, the only type it knows.

usage:
  peer_message.py verify ADDRESS MESSAGE_FILE SIGNATURE
      prints {"bmt": bool, "bitcoinlib": bool or null (not P2PKH)}
  peer_message.py sign WIF TYPE MESSAGE_FILE      TYPE: p2pkh | p2wpkh-p2sh | p2wpkh
      prints {"address": str, "bmt": signature, "bitcoinlib": signature or null}
Messages are read from files as UTF-8 text (both libraries sign text).
"""
import json
import sys

from bitcoin_message_tool import bmt
from bitcoin.signmessage import BitcoinMessage, SignMessage, VerifyMessage
from bitcoin.wallet import CBitcoinSecret


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def main():
    cmd = sys.argv[1]
    if cmd == "verify":
        address, message, signature = sys.argv[2], read(sys.argv[3]), sys.argv[4]
        try:
            ok_bmt = bmt.verify_message(address, message, signature)[0]
        except Exception:  # a malformed signature is a "no"
            ok_bmt = False
        ok_lib = None
        if address.startswith("1"):
            try:
                ok_lib = VerifyMessage(address, BitcoinMessage(message), signature)
            except Exception:
                ok_lib = False
        print(json.dumps({"bmt": ok_bmt, "bitcoinlib": ok_lib}))
    elif cmd == "sign":
        wif, kind, message = sys.argv[2], sys.argv[3], read(sys.argv[4])
        address, _, sig = bmt.sign_message(wif, kind, message, deterministic=True)
        lib = None
        if kind == "p2pkh":
            lib = SignMessage(CBitcoinSecret(wif), BitcoinMessage(message)).decode()
        print(json.dumps({"address": address, "bmt": sig, "bitcoinlib": lib}))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
