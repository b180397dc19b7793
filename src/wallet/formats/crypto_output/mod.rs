//! `ur:crypto-output` (BCR-2020-010, version 1 tags) for whole wallets, and reading
//! `ur:crypto-account` (BCR-2020-015) for one cosigner's key.
//!
//! A script expression is a chain of tags around keys: 400 `sh`, 401 `wsh`, 403 `pkh`, 404
//! `wpkh`, 409 `tr`, 406 `multi` / 407 `sortedmulti` (`{1: threshold, 2: [keys]}`), 410
//! `cosigner` (a crypto-account's multisig key). Keys are 303 `crypto-hdkey` (BCR-2020-007: `{3:
//! key, 4: chain code, 5: 305 {2: 1 on test networks}, 6: 304 origin {1: [index, hardened, …], 2:
//! master fingerprint, 3: depth}, 7: 304 children, 8: parent fingerprint}`) or 306
//! `crypto-eckey` (`{3: key}`). Written as Sparrow writes a wallet: keys ending `/<0;1>/*` carry
//! no children; other children are written, a `<a;b>` as the child-pair component `[a, false,
//! b, false]`. Read: children absent on every key of a wallet mean `/<0;1>/*`. The top level of
//! a `crypto-output` UR is untagged.
//!
//! Public keys only: a private hdkey or eckey is refused.
mod read;
mod write;

pub use read::{decode, decode_account, to_descriptor, Key, Script};
pub use write::encode;

use crate::transport::cbor;

const TAG_HDKEY: u64 = 303;
const TAG_KEYPATH: u64 = 304;
const TAG_COININFO: u64 = 305;
const TAG_ECKEY: u64 = 306;
const TAG_OUTPUT: u64 = 308;
const TAG_SH: u64 = 400;
const TAG_WSH: u64 = 401;
const TAG_PKH: u64 = 403;
const TAG_WPKH: u64 = 404;
const TAG_MULTI: u64 = 406;
const TAG_SORTEDMULTI: u64 = 407;
const TAG_TR: u64 = 409;
const TAG_COSIGNER: u64 = 410;
/// Deepest nesting read (a `sh(wsh(sortedmulti))` is 3).
const MAX_DEPTH: u32 = 8;
/// Most keys in one multisig read.
const MAX_KEYS: u64 = 100;

/// Why a crypto-output or crypto-account was not usable.
pub type Error = String;

fn e<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(msg.into())
}

fn cb(x: cbor::CborError) -> Error {
    x.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniscript::descriptor::{Descriptor, DescriptorPublicKey};
    use std::str::FromStr;

    #[test]
    fn a_multipath_wallet_round_trips() {
        let keys = crate::signer::KeyChain::from_seed(
            &crate::secrets::Mnemonic::parse(crate::wallet::fixture::TEST_MNEMONIC)
                .unwrap()
                .to_seed("", bitcoin::Network::Regtest),
        )
        .unwrap();
        let e = keys
            .account_export(crate::wallet::ScriptType::WshMulti, 0)
            .unwrap();
        let text = format!("sh(wsh(sortedmulti(1,{}/<0;1>/*)))", e.key_origin);
        let d = Descriptor::<DescriptorPublicKey>::from_str(&text).unwrap();
        let cbor = encode(&d).unwrap();
        let back = to_descriptor(&decode(&cbor).unwrap()).unwrap();
        assert_eq!(back, d);
        assert_eq!(
            decode(&cbor).unwrap().shape(),
            [TAG_SH, TAG_WSH, TAG_SORTEDMULTI]
        );
    }

    #[test]
    fn truncated_and_hostile_input_is_an_error() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[0xd9, 0x01, 0x91]).is_err());
        // 401(401(401(…))) past the depth bound.
        let deep: Vec<u8> = std::iter::repeat_n([0xd9, 0x01, 0x91], 50)
            .flatten()
            .collect();
        assert!(decode(&deep).is_err());
    }
}
