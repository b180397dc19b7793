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
use std::str::FromStr;

use bitcoin::bip32::{ChainCode, ChildNumber, DerivationPath, Fingerprint, Xpub};
use bitcoin::secp256k1::PublicKey;
use bitcoin::NetworkKind;
use miniscript::descriptor::{
    Descriptor, DescriptorPublicKey, ShInner, SinglePubKey, Wildcard, WshInner,
};
use miniscript::miniscript::decode::Terminal;

use crate::transport::cbor::{self, Reader};

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

// ----- writing -------------------------------------------------------------------------------

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

// ----- reading -------------------------------------------------------------------------------

/// Skip one data item of any type (bounded depth).
fn skip(r: &mut Reader, depth: u32) -> Result<(), Error> {
    if depth > MAX_DEPTH * 2 {
        return e("nested too deeply");
    }
    match r.peek_major() {
        Some(2) => return r.bytes().map(|_| ()).map_err(cb),
        Some(3) => return r.text().map(|_| ()).map_err(cb),
        _ => {}
    }
    let (major, n) = r.head().map_err(cb)?;
    match major {
        0 | 1 | 7 => Ok(()),
        4 | 5 if n > 10_000 => e("a longer array or map than any key carries"),
        4 => (0..n).try_for_each(|_| skip(r, depth + 1)),
        5 => (0..n).try_for_each(|_| {
            skip(r, depth + 1)?;
            skip(r, depth + 1)
        }),
        6 => skip(r, depth + 1),
        _ => e("unknown CBOR item"),
    }
}

fn boolean(r: &mut Reader) -> Result<bool, Error> {
    match r.head().map_err(cb)? {
        (7, 20) => Ok(false),
        (7, 21) => Ok(true),
        _ => e("expected a boolean"),
    }
}

fn u32_of(v: u64) -> Result<u32, Error> {
    u32::try_from(v).map_err(|_| "a number above 2^32".to_string())
}

fn child(index: u64, hardened: bool) -> Result<ChildNumber, Error> {
    let i = u32_of(index)?;
    if hardened {
        ChildNumber::from_hardened_idx(i)
    } else {
        ChildNumber::from_normal_idx(i)
    }
    .map_err(|_| "a child index of 2^31 or more".to_string())
}

/// One path component.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Comp {
    Step(ChildNumber),
    Wildcard(bool),
    Pair(ChildNumber, ChildNumber),
}

/// A `crypto-keypath`: components, source fingerprint, depth.
#[derive(Debug, Clone, Default)]
struct KeyPath {
    comps: Vec<Comp>,
    source: Option<Fingerprint>,
    depth: Option<u8>,
}

fn keypath(r: &mut Reader) -> Result<KeyPath, Error> {
    if r.tag().map_err(cb)? != TAG_KEYPATH {
        return e("expected a crypto-keypath (tag 304)");
    }
    let mut kp = KeyPath::default();
    for _ in 0..r.map().map_err(cb)? {
        match r.uint().map_err(cb)? {
            1 => {
                let n = r.array().map_err(cb)?;
                let mut i = 0;
                while i < n {
                    if r.peek_major() == Some(4) {
                        let m = r.array().map_err(cb)?;
                        i += 1;
                        match m {
                            0 => {
                                kp.comps.push(Comp::Wildcard(boolean(r)?));
                                i += 1;
                            }
                            4 => {
                                let a = child(r.uint().map_err(cb)?, boolean(r)?)?;
                                let b = child(r.uint().map_err(cb)?, boolean(r)?)?;
                                kp.comps.push(Comp::Pair(a, b));
                            }
                            _ => return e("child ranges [low, high] are not supported"),
                        }
                    } else {
                        let idx = r.uint().map_err(cb)?;
                        kp.comps.push(Comp::Step(child(idx, boolean(r)?)?));
                        i += 2;
                    }
                }
            }
            2 => {
                kp.source = Some(Fingerprint::from(
                    u32_of(r.uint().map_err(cb)?)?.to_be_bytes(),
                ))
            }
            3 => {
                kp.depth = Some(
                    u8::try_from(r.uint().map_err(cb)?)
                        .map_err(|_| "a depth above 255".to_string())?,
                )
            }
            _ => skip(r, 0)?,
        }
    }
    Ok(kp)
}

/// A key as read: its descriptor key expression and its network (for hdkeys).
#[derive(Debug, Clone)]
pub struct Key {
    /// `[fp/path]xpub/children` or a public key in hex.
    pub expr: String,
    /// Test or main network, from the hdkey's use-info (`None` for an eckey).
    pub network: Option<NetworkKind>,
    /// The origin and account xpub (hdkeys with an origin).
    pub account: Option<(Fingerprint, DerivationPath, Xpub)>,
    /// Whether the hdkey named its children (an xpub without them is an account key).
    pub children: bool,
}

impl Key {
    /// The key in a wallet descriptor: an xpub without children gets `/<0;1>/*`.
    fn wallet_expr(&self) -> String {
        if self.network.is_some() && !self.children {
            format!("{}/<0;1>/*", self.expr)
        } else {
            self.expr.clone()
        }
    }
}

fn read_hdkey(r: &mut Reader) -> Result<Key, Error> {
    let mut key = None;
    let mut chain = None;
    let mut test = false;
    let mut use_info = false;
    let mut origin = None;
    let mut kids = None;
    let mut parent = None;
    for _ in 0..r.map().map_err(cb)? {
        match r.uint().map_err(cb)? {
            1 | 2 => {
                if boolean(r)? {
                    return e("a private key: airsign reads public keys only");
                }
            }
            3 => key = Some(r.bytes().map_err(cb)?.to_vec()),
            4 => {
                let c: [u8; 32] = r
                    .bytes()
                    .map_err(cb)?
                    .try_into()
                    .map_err(|_| "a chain code is 32 bytes".to_string())?;
                chain = Some(ChainCode::from(c));
            }
            5 => {
                use_info = true;
                if r.tag().map_err(cb)? != TAG_COININFO {
                    return e("expected crypto-coininfo (tag 305)");
                }
                for _ in 0..r.map().map_err(cb)? {
                    match r.uint().map_err(cb)? {
                        1 => {
                            if r.uint().map_err(cb)? != 0 {
                                return e("not a bitcoin key (coin type)");
                            }
                        }
                        2 => test = r.uint().map_err(cb)? == 1,
                        _ => skip(r, 0)?,
                    }
                }
            }
            6 => origin = Some(keypath(r)?),
            7 => kids = Some(keypath(r)?),
            8 => parent = Some(u32_of(r.uint().map_err(cb)?)?),
            _ => skip(r, 0)?,
        }
    }
    let key = key.ok_or("an hdkey without key data")?;
    let public_key = PublicKey::from_slice(&key).map_err(|_| "not a public key".to_string())?;
    let Some(chain_code) = chain else {
        if kids.is_some() {
            return e("an hdkey with children needs a chain code");
        }
        return Ok(Key {
            expr: crate::hex::encode(&key),
            network: None,
            account: None,
            children: false,
        });
    };
    let origin = origin.unwrap_or_default();
    let mut steps = Vec::new();
    for c in &origin.comps {
        match c {
            Comp::Step(s) => steps.push(*s),
            _ => return e("a key origin holds only fixed steps"),
        }
    }
    let depth = origin
        .depth
        .unwrap_or(u8::try_from(steps.len()).map_err(|_| "origin too long".to_string())?);
    let parent_fingerprint = match (parent, origin.source) {
        (Some(p), _) => Fingerprint::from(p.to_be_bytes()),
        (None, Some(s)) if depth == 1 => s,
        _ => Fingerprint::default(),
    };
    // Without use-info BCR-2020-007 says mainnet; wallets (airsign before this change among
    // them) left it out for test keys too, so a standard path's coin type 1' decides then.
    let coin_is_test = steps.len() >= 2
        && matches!(
            steps[0],
            ChildNumber::Hardened {
                index: 44 | 45 | 48 | 49 | 84 | 86
            }
        )
        && steps[1] == ChildNumber::Hardened { index: 1 };
    let network = if test || (!use_info && coin_is_test) {
        NetworkKind::Test
    } else {
        NetworkKind::Main
    };
    let xpub = Xpub {
        network,
        depth,
        parent_fingerprint,
        child_number: steps
            .last()
            .copied()
            .unwrap_or(ChildNumber::Normal { index: 0 }),
        public_key,
        chain_code,
    };
    let path = DerivationPath::from(steps);
    let mut expr = match origin.source {
        Some(fp) if !path.is_empty() => format!("[{fp}/{path}]{xpub}"),
        Some(fp) => format!("[{fp}]{xpub}"),
        None => xpub.to_string(),
    };
    let children = kids.is_some();
    for c in kids.map(|k| k.comps).unwrap_or_default() {
        match c {
            Comp::Step(s) => expr.push_str(&format!("/{s}")),
            Comp::Pair(a, b) => expr.push_str(&format!("/<{a};{b}>")),
            Comp::Wildcard(false) => expr.push_str("/*"),
            Comp::Wildcard(true) => expr.push_str("/*'"),
        }
    }
    Ok(Key {
        expr,
        network: Some(network),
        account: origin.source.map(|fp| (fp, path, xpub)),
        children,
    })
}

fn read_key(r: &mut Reader) -> Result<Key, Error> {
    match r.tag().map_err(cb)? {
        TAG_HDKEY => read_hdkey(r),
        TAG_ECKEY => {
            let mut data = None;
            for _ in 0..r.map().map_err(cb)? {
                match r.uint().map_err(cb)? {
                    2 if boolean(r)? => return e("a private key: airsign reads public keys only"),
                    3 => data = Some(r.bytes().map_err(cb)?.to_vec()),
                    _ => skip(r, 0)?,
                }
            }
            let d = data.ok_or("an eckey without key data")?;
            PublicKey::from_slice(&d).map_err(|_| "not a public key".to_string())?;
            Ok(Key {
                expr: crate::hex::encode(&d),
                network: None,
                account: None,
                children: false,
            })
        }
        t => e(format!("expected a key (tag 303 or 306), not tag {t}")),
    }
}

/// A script expression as read.
#[derive(Debug, Clone)]
pub enum Script {
    /// `sh(…)`.
    Sh(Box<Script>),
    /// `wsh(…)`.
    Wsh(Box<Script>),
    /// `pkh(K)`.
    Pkh(Key),
    /// `wpkh(K)`.
    Wpkh(Key),
    /// `tr(K)`.
    Tr(Key),
    /// `multi` / `sortedmulti`.
    Multi {
        /// Threshold.
        k: u64,
        /// Keys in order.
        keys: Vec<Key>,
        /// `sortedmulti`.
        sorted: bool,
    },
    /// `cosigner(K)`: one key of a multisig (crypto-account).
    Cosigner(Key),
}

impl Script {
    /// Descriptor text (without checksum), keys as written; `cosigner(…)` has none.
    pub fn descriptor(&self) -> Result<String, Error> {
        self.render(&|k: &Key| k.expr.clone())
    }

    /// The wallet's descriptor: as [`Script::descriptor`], with `/<0;1>/*` under every xpub
    /// that names no children (how Sparrow writes a wallet's account keys).
    pub fn wallet_descriptor(&self) -> Result<String, Error> {
        self.render(&Key::wallet_expr)
    }

    fn render(&self, key: &dyn Fn(&Key) -> String) -> Result<String, Error> {
        Ok(match self {
            Script::Sh(s) => format!("sh({})", s.render(key)?),
            Script::Wsh(s) => format!("wsh({})", s.render(key)?),
            Script::Pkh(k) => format!("pkh({})", key(k)),
            Script::Wpkh(k) => format!("wpkh({})", key(k)),
            Script::Tr(k) => format!("tr({})", key(k)),
            Script::Multi { k, keys, sorted } => format!(
                "{}({k},{})",
                if *sorted { "sortedmulti" } else { "multi" },
                keys.iter().map(key).collect::<Vec<_>>().join(",")
            ),
            Script::Cosigner(_) => {
                return e("a cosigner key is one key of a multisig, not a wallet")
            }
        })
    }

    /// Every key, in order.
    pub fn keys(&self) -> Vec<&Key> {
        match self {
            Script::Sh(s) | Script::Wsh(s) => s.keys(),
            Script::Pkh(k) | Script::Wpkh(k) | Script::Tr(k) | Script::Cosigner(k) => vec![k],
            Script::Multi { keys, .. } => keys.iter().collect(),
        }
    }

    /// The tag chain, e.g. `[401, 410]` for `wsh(cosigner(K))`.
    pub fn shape(&self) -> Vec<u64> {
        match self {
            Script::Sh(s) => [vec![TAG_SH], s.shape()].concat(),
            Script::Wsh(s) => [vec![TAG_WSH], s.shape()].concat(),
            Script::Pkh(_) => vec![TAG_PKH],
            Script::Wpkh(_) => vec![TAG_WPKH],
            Script::Tr(_) => vec![TAG_TR],
            Script::Multi { sorted, .. } => vec![if *sorted { TAG_SORTEDMULTI } else { TAG_MULTI }],
            Script::Cosigner(_) => vec![TAG_COSIGNER],
        }
    }
}

fn script(r: &mut Reader, depth: u32) -> Result<Script, Error> {
    if depth > MAX_DEPTH {
        return e("nested too deeply");
    }
    Ok(match r.tag().map_err(cb)? {
        TAG_SH => Script::Sh(Box::new(script(r, depth + 1)?)),
        TAG_WSH => Script::Wsh(Box::new(script(r, depth + 1)?)),
        TAG_PKH => Script::Pkh(read_key(r)?),
        TAG_WPKH => Script::Wpkh(read_key(r)?),
        TAG_TR => Script::Tr(read_key(r)?),
        TAG_COSIGNER => Script::Cosigner(read_key(r)?),
        t @ (TAG_MULTI | TAG_SORTEDMULTI) => {
            let mut k = None;
            let mut keys = Vec::new();
            for _ in 0..r.map().map_err(cb)? {
                match r.uint().map_err(cb)? {
                    1 => k = Some(r.uint().map_err(cb)?),
                    2 => {
                        let n = r.array().map_err(cb)? as u64;
                        if n > MAX_KEYS {
                            return e("more keys than any multisig holds");
                        }
                        for _ in 0..n {
                            keys.push(read_key(r)?);
                        }
                    }
                    _ => skip(r, 0)?,
                }
            }
            Script::Multi {
                k: k.ok_or("a multisig without a threshold")?,
                keys,
                sorted: t == TAG_SORTEDMULTI,
            }
        }
        t => return e(format!("tag {t} is not a script expression airsign reads")),
    })
}

/// Read a `crypto-output` (untagged top level; a 308-tagged one is accepted too).
pub fn decode(data: &[u8]) -> Result<Script, Error> {
    let mut r = Reader::new(data);
    let mut probe = Reader::new(data);
    if probe.tag().ok() == Some(TAG_OUTPUT) {
        r.tag().map_err(cb)?;
    }
    let s = script(&mut r, 0)?;
    if !r.at_end() {
        return e("data after the output descriptor");
    }
    Ok(s)
}

/// Read a `crypto-account`: the master fingerprint and its output descriptors.
pub fn decode_account(data: &[u8]) -> Result<(Fingerprint, Vec<Script>), Error> {
    let mut r = Reader::new(data);
    let mut master = None;
    let mut outputs = Vec::new();
    for _ in 0..r.map().map_err(cb)? {
        match r.uint().map_err(cb)? {
            1 => {
                master = Some(Fingerprint::from(
                    u32_of(r.uint().map_err(cb)?)?.to_be_bytes(),
                ))
            }
            2 => {
                let n = r.array().map_err(cb)?;
                if n > 64 {
                    return e("more output descriptors than any account lists");
                }
                for _ in 0..n {
                    if r.tag().map_err(cb)? != TAG_OUTPUT {
                        return e("expected crypto-output (tag 308) in the account");
                    }
                    outputs.push(script(&mut r, 0)?);
                }
            }
            _ => skip(&mut r, 0)?,
        }
    }
    if !r.at_end() {
        return e("data after the account");
    }
    Ok((
        master.ok_or("an account without a master fingerprint")?,
        outputs,
    ))
}

/// The wallet descriptor of a crypto-output ([`Script::wallet_descriptor`]), parsed.
pub fn to_descriptor(s: &Script) -> Result<Descriptor<DescriptorPublicKey>, Error> {
    Descriptor::from_str(&s.wallet_descriptor()?).map_err(|x| x.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
