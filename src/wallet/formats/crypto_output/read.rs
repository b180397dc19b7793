//! Reading `crypto-output` and `crypto-account` CBOR.
use std::str::FromStr;

use bitcoin::bip32::{ChainCode, ChildNumber, DerivationPath, Fingerprint, Xpub};
use bitcoin::secp256k1::PublicKey;
use bitcoin::NetworkKind;
use miniscript::descriptor::{Descriptor, DescriptorPublicKey};

use super::*;
use crate::transport::cbor::Reader;

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
