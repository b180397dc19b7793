//! Writing `crypto-output` CBOR.
use bitcoin::bip32::{ChildNumber, DerivationPath, Fingerprint, Xpub};
use bitcoin::NetworkKind;
use miniscript::descriptor::{
    Descriptor, DescriptorPublicKey, ShInner, SinglePubKey, Wildcard, WshInner,
};
use miniscript::miniscript::decode::Terminal;

use super::*;
use crate::transport::cbor;

fn fp_u32(f: Fingerprint) -> u64 {
    u64::from(u32::from_be_bytes(f.to_bytes()))
}

fn path_components(out: &mut Vec<u8>, steps: &[ChildNumber]) {
    cbor::array(out, steps.len() * 2);
    for c in steps {
        let (i, h) = match *c {
            ChildNumber::Normal { index } => (index, false),
            ChildNumber::Hardened { index } => (index, true),
        };
        cbor::uint(out, u64::from(i));
        cbor::boolean(out, h);
    }
}

/// The children components after the xpub: plain steps, one `<a;b>` pair, then the wildcard.
fn children(paths: &[DerivationPath], wildcard: Wildcard) -> Result<Vec<u8>, Error> {
    let steps: Vec<Vec<ChildNumber>> = paths
        .iter()
        .map(|p| p.into_iter().copied().collect())
        .collect();
    let len = steps[0].len();
    if steps.iter().any(|s| s.len() != len) {
        return e("multipath keys of different lengths");
    }
    let mut out = Vec::new();
    let pair_at = (0..len).find(|&i| steps.iter().any(|s| s[i] != steps[0][i]));
    let items =
        len * 2 + usize::from(wildcard != Wildcard::None) * 2 - usize::from(pair_at.is_some());
    cbor::array(&mut out, items);
    for i in 0..len {
        if Some(i) == pair_at {
            if steps.len() != 2 {
                return e("crypto-output carries <a;b> pairs, not longer multipath lists");
            }
            cbor::array(&mut out, 4);
            for s in &steps {
                cbor::uint(&mut out, u64::from(u32::from(s[i]) & 0x7fff_ffff));
                cbor::boolean(&mut out, s[i].is_hardened());
            }
        } else {
            cbor::uint(&mut out, u64::from(u32::from(steps[0][i]) & 0x7fff_ffff));
            cbor::boolean(&mut out, steps[0][i].is_hardened());
        }
    }
    if wildcard != Wildcard::None {
        cbor::array(&mut out, 0);
        cbor::boolean(&mut out, wildcard == Wildcard::Hardened);
    }
    Ok(out)
}

/// Whether `paths`/`wildcard` are the standard receive and change branches `<0;1>/*`.
fn is_receive_change(paths: &[DerivationPath], wildcard: Wildcard) -> bool {
    wildcard == Wildcard::Unhardened
        && paths.len() == 2
        && paths[0].to_string() == "0"
        && paths[1].to_string() == "1"
}

/// An hdkey as Sparrow writes a multisig wallet's keys ("Show descriptor QR"): key, chain code,
/// use-info `{1: 0 (bitcoin), 2: 0 main | 1 test}`, origin `{1: steps, 2: master fingerprint,
/// 3: depth}`, parent fingerprint — and no children for the standard `<0;1>/*` (readers derive
/// receive and change under an account key; SeedSigner's and Krux's `urtypes` cannot read the
/// child-pair component). Other children are written, a `<a;b>` as a child pair.
fn hdkey(
    out: &mut Vec<u8>,
    origin: &Option<(Fingerprint, DerivationPath)>,
    xpub: &Xpub,
    paths: &[DerivationPath],
    wildcard: Wildcard,
) -> Result<(), Error> {
    let plain = paths.iter().all(|p| p.is_empty()) && wildcard == Wildcard::None;
    let kids = if plain || is_receive_change(paths, wildcard) {
        None
    } else {
        Some(children(paths, wildcard)?)
    };
    let parent = xpub.parent_fingerprint != Fingerprint::default();
    let fields =
        3 + usize::from(origin.is_some()) + usize::from(kids.is_some()) + usize::from(parent);
    cbor::tag(out, TAG_HDKEY);
    cbor::map(out, fields);
    cbor::uint(out, 3);
    cbor::bytes(out, &xpub.public_key.serialize());
    cbor::uint(out, 4);
    cbor::bytes(out, xpub.chain_code.as_bytes());
    cbor::uint(out, 5);
    cbor::tag(out, TAG_COININFO);
    cbor::map(out, 2);
    cbor::uint(out, 1);
    cbor::uint(out, 0);
    cbor::uint(out, 2);
    cbor::uint(out, u64::from(xpub.network == NetworkKind::Test));
    if let Some((fp, path)) = origin {
        let steps: Vec<ChildNumber> = path.into_iter().copied().collect();
        if steps.len() != usize::from(xpub.depth) {
            return e("the key origin's length is not the xpub's depth");
        }
        cbor::uint(out, 6);
        cbor::tag(out, TAG_KEYPATH);
        cbor::map(out, 3);
        cbor::uint(out, 1);
        path_components(out, &steps);
        cbor::uint(out, 2);
        cbor::uint(out, fp_u32(*fp));
        cbor::uint(out, 3);
        cbor::uint(out, u64::from(xpub.depth));
    }
    if let Some(k) = kids {
        cbor::uint(out, 7);
        cbor::tag(out, TAG_KEYPATH);
        cbor::map(out, 1);
        cbor::uint(out, 1);
        out.extend_from_slice(&k);
    }
    if parent {
        cbor::uint(out, 8);
        cbor::uint(out, fp_u32(xpub.parent_fingerprint));
    }
    Ok(())
}

fn key(out: &mut Vec<u8>, k: &DescriptorPublicKey) -> Result<(), Error> {
    match k {
        DescriptorPublicKey::XPub(x) => hdkey(
            out,
            &x.origin,
            &x.xkey,
            std::slice::from_ref(&x.derivation_path),
            x.wildcard,
        ),
        DescriptorPublicKey::MultiXPub(x) => hdkey(
            out,
            &x.origin,
            &x.xkey,
            x.derivation_paths.paths(),
            x.wildcard,
        ),
        DescriptorPublicKey::Single(s) => {
            let SinglePubKey::FullKey(pk) = s.key else {
                return e("x-only keys have no crypto-eckey form");
            };
            if !pk.compressed {
                return e("uncompressed keys are not written");
            }
            cbor::tag(out, TAG_ECKEY);
            cbor::map(out, 1);
            cbor::uint(out, 3);
            cbor::bytes(out, &pk.inner.serialize());
            Ok(())
        }
    }
}

fn multi(
    out: &mut Vec<u8>,
    sorted: bool,
    k: usize,
    keys: &[DescriptorPublicKey],
) -> Result<(), Error> {
    cbor::tag(out, if sorted { TAG_SORTEDMULTI } else { TAG_MULTI });
    cbor::map(out, 2);
    cbor::uint(out, 1);
    cbor::uint(out, k as u64);
    cbor::uint(out, 2);
    cbor::array(out, keys.len());
    for x in keys {
        key(out, x)?;
    }
    Ok(())
}

fn miniscript_multi<Ctx: miniscript::ScriptContext>(
    out: &mut Vec<u8>,
    ms: &miniscript::Miniscript<DescriptorPublicKey, Ctx>,
) -> Result<(), Error> {
    match &ms.node {
        Terminal::Multi(t) => multi(out, false, t.k(), t.data()),
        _ => e("crypto-output (version 1) has no form for miniscript beyond multi"),
    }
}

fn wsh_inner(
    out: &mut Vec<u8>,
    w: &miniscript::descriptor::Wsh<DescriptorPublicKey>,
) -> Result<(), Error> {
    cbor::tag(out, TAG_WSH);
    match w.as_inner() {
        WshInner::SortedMulti(s) => multi(out, true, s.k(), s.pks()),
        WshInner::Ms(ms) => miniscript_multi(out, ms),
    }
}

/// The `crypto-output` CBOR (untagged top level) of a descriptor: pkh, wpkh, sh(wpkh), tr with
/// a key only, and multi/sortedmulti in sh, wsh and sh(wsh).
pub fn encode(d: &Descriptor<DescriptorPublicKey>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(512);
    match d {
        Descriptor::Pkh(p) => {
            cbor::tag(&mut out, TAG_PKH);
            key(&mut out, p.as_inner())?;
        }
        Descriptor::Wpkh(p) => {
            cbor::tag(&mut out, TAG_WPKH);
            key(&mut out, p.as_inner())?;
        }
        Descriptor::Sh(sh) => {
            cbor::tag(&mut out, TAG_SH);
            match sh.as_inner() {
                ShInner::Wpkh(p) => {
                    cbor::tag(&mut out, TAG_WPKH);
                    key(&mut out, p.as_inner())?;
                }
                ShInner::Wsh(w) => wsh_inner(&mut out, w)?,
                ShInner::SortedMulti(s) => multi(&mut out, true, s.k(), s.pks())?,
                ShInner::Ms(ms) => miniscript_multi(&mut out, ms)?,
            }
        }
        Descriptor::Wsh(w) => wsh_inner(&mut out, w)?,
        Descriptor::Tr(tr) if tr.tap_tree().is_none() => {
            cbor::tag(&mut out, TAG_TR);
            key(&mut out, tr.internal_key())?;
        }
        Descriptor::Tr(_) => {
            return e("crypto-output (version 1) has no form for taproot script trees")
        }
        Descriptor::Bare(_) => return e("bare scripts have no crypto-output form"),
    }
    Ok(out)
}
