"""Independent peers for tests/wallet_setup.rs: urtypes (the Python UR-type library Krux and
SeedSigner build on) decodes airsign's ur:crypto-output CBOR and ur:crypto-account CBOR, and
embit derives the first receive address of the BSMS record's receive descriptor.

usage: peer_setup.py REQUEST_JSON_FILE
request: {"crypto_output": hex, "crypto_account": hex, "receive": descriptor, "network": name}
prints JSON: {"descriptor": urtypes' descriptor text (no checksum),
              "account_keys": [urtypes' descriptor of each account output],
              "first_address": embit's address at receive index 0}
"""
import json
import sys

from embit.descriptor import Descriptor
from embit.networks import NETWORKS
from urtypes.crypto import Account, Output


def main():
    req = json.load(open(sys.argv[1]))
    out = Output.from_cbor(bytes.fromhex(req["crypto_output"]))
    account = Account.from_cbor(bytes.fromhex(req["crypto_account"]))
    receive = Descriptor.from_string(req["receive"].split("#")[0])
    print(
        json.dumps(
            {
                "descriptor": out.descriptor(include_checksum=False),
                "account_keys": [
                    o.hd_key().descriptor_key() for o in account.output_descriptors
                ],
                "first_address": receive.derive(0).address(NETWORKS[req["network"]]),
            }
        )
    )


main()
