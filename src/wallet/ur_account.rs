//! Account export as UR registry CBOR: `crypto-account` (BCR-2020-015) and `crypto-output`
//! (BCR-2020-010) with `crypto-hdkey` keys — what Sparrow, Keystone, SeedSigner and BlueWallet
//! import. Public keys only.
use bitcoin::bip32::{ChildNumber, DerivationPath, Fingerprint, Xpub};

use crate::transport::cbor;

const TAG_HDKEY: u64 = 303;
const TAG_KEYPATH: u64 = 304;
const TAG_COININFO: u64 = 305;
const TAG_OUTPUT: u64 = 308;
const TAG_SH: u64 = 400;
const TAG_WSH: u64 = 401;
const TAG_PKH: u64 = 403;
const TAG_WPKH: u64 = 404;
const TAG_TR: u64 = 409;
const TAG_COSIGNER: u64 = 410;

/// The output forms a `crypto-account` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `pkh(K)` (BIP44).
    Pkh,
    /// `sh(wpkh(K))` (BIP49).
    ShWpkh,
    /// `wpkh(K)` (BIP84).
    Wpkh,
    /// `sh(cosigner(K))` (BIP45).
    ShCosigner,
    /// `sh(wsh(cosigner(K)))` (BIP48 /1').
    ShWshCosigner,
    /// `wsh(cosigner(K))` (BIP48 /2').
    WshCosigner,
    /// `tr(K)` (BIP86).
    Tr,
}

/// One account key with its origin.
#[derive(Debug, Clone)]
pub struct AccountKey {
    /// Output form.
    pub form: Form,
    /// Path from the master.
    pub path: DerivationPath,
    /// The key at that path.
    pub xpub: Xpub,
}

fn fp_u32(f: Fingerprint) -> u64 {
    u64::from(u32::from_be_bytes(f.to_bytes()))
}

fn hdkey(out: &mut Vec<u8>, k: &AccountKey, master: Fingerprint) {
    // BCR-2020-007: without use-info a key is mainnet, so a tpub says so (`{2: 1}`).
    let test = k.xpub.network == bitcoin::NetworkKind::Test;
    cbor::tag(out, TAG_HDKEY);
    cbor::map(out, if test { 5 } else { 4 });
    cbor::uint(out, 3);
    cbor::bytes(out, &k.xpub.public_key.serialize());
    cbor::uint(out, 4);
    cbor::bytes(out, k.xpub.chain_code.as_bytes());
    if test {
        cbor::uint(out, 5);
        cbor::tag(out, TAG_COININFO);
        cbor::map(out, 1);
        cbor::uint(out, 2);
        cbor::uint(out, 1);
    }
    cbor::uint(out, 6);
    cbor::tag(out, TAG_KEYPATH);
    cbor::map(out, 2);
    cbor::uint(out, 1);
    let steps: Vec<ChildNumber> = k.path.into_iter().copied().collect();
    cbor::array(out, steps.len() * 2);
    for c in steps {
        let (i, h) = match c {
            ChildNumber::Normal { index } => (index, false),
            ChildNumber::Hardened { index } => (index, true),
        };
        cbor::uint(out, u64::from(i));
        cbor::boolean(out, h);
    }
    cbor::uint(out, 2);
    cbor::uint(out, fp_u32(master));
    cbor::uint(out, 8);
    cbor::uint(out, fp_u32(k.xpub.parent_fingerprint));
}

fn script(out: &mut Vec<u8>, k: &AccountKey, master: Fingerprint) {
    let tags: &[u64] = match k.form {
        Form::Pkh => &[TAG_PKH],
        Form::ShWpkh => &[TAG_SH, TAG_WPKH],
        Form::Wpkh => &[TAG_WPKH],
        Form::ShCosigner => &[TAG_SH, TAG_COSIGNER],
        Form::ShWshCosigner => &[TAG_SH, TAG_WSH, TAG_COSIGNER],
        Form::WshCosigner => &[TAG_WSH, TAG_COSIGNER],
        Form::Tr => &[TAG_TR],
    };
    for t in tags {
        cbor::tag(out, *t);
    }
    hdkey(out, k, master);
}

/// `crypto-account`: `{1: master fingerprint, 2: [crypto-output …]}`.
pub fn crypto_account(master: Fingerprint, keys: &[AccountKey]) -> Vec<u8> {
    let mut out = Vec::with_capacity(160 * keys.len() + 16);
    cbor::map(&mut out, 2);
    cbor::uint(&mut out, 1);
    cbor::uint(&mut out, fp_u32(master));
    cbor::uint(&mut out, 2);
    cbor::array(&mut out, keys.len());
    for k in keys {
        cbor::tag(&mut out, TAG_OUTPUT);
        script(&mut out, k, master);
    }
    out
}

/// `crypto-output` for one key (top level, so untagged).
pub fn crypto_output(master: Fingerprint, key: &AccountKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(200);
    script(&mut out, key, master);
    out
}
