//! Reading a wallet set up elsewhere: whichever of the formats airsign exports (descriptor text,
//! BIP388 policy JSON, BSMS descriptor record — plain or encrypted, its first address checked —,
//! Coldcard multisig file, `ur:crypto-output`, `ur:bytes` of any of these) plus Sparrow's
//! descriptor file (comment lines and paragraphs), Caravan's wallet JSON and this tool's own
//! wallet file, detected from the content.
//!
//! Formats that do not carry the wallet's name or exact network (a `tpub` fits four test
//! networks) take them from the caller (`--name`, `--network`); a wallet exported by airsign
//! and imported with the same name and network is the same file byte for byte.
use bitcoin::{Network, NetworkKind};
use miniscript::descriptor::XKeyNetwork;
use serde::Deserialize;

use super::bip388::PolicyFile;
use super::bsms::{self, DescriptorRecord, Token};
use super::coldcard::{self, ColdcardFile};
use super::{crypto_output, SetupError};
use crate::sanitize::escape;
use crate::transport::assemble::{Assembler, Source};
use crate::wallet::file::{WalletFile, DEFAULT_GAP_LIMIT};
use crate::wallet::{WalletError, WatchOnly};

/// What a file says about the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Networks {
    /// Exactly this one.
    Exact(Network),
    /// Any of these (a BSMS first address `tb1…` fits three test networks).
    OneOf(Vec<Network>),
    /// Only what the keys say.
    Keys,
}

/// A wallet read from a set-up file, before it becomes a wallet file.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The format it was in (`descriptor`, `bsms`, `coldcard`, …).
    pub format: &'static str,
    /// The descriptor (multipath, or a receive descriptor ending in /0/*).
    pub descriptor: String,
    /// The wallet's name, when the format carries one.
    pub name: Option<String>,
    /// What the file says about the network.
    pub networks: Networks,
    /// This tool's wallet file, taken whole (indexes and gap limit kept).
    pub file: Option<WalletFile>,
    /// Checks made and things to know, for people.
    pub notes: Vec<String>,
}

impl Imported {
    fn new(format: &'static str, descriptor: String) -> Self {
        Imported {
            format,
            descriptor,
            name: None,
            networks: Networks::Keys,
            file: None,
            notes: Vec::new(),
        }
    }
}

fn unknown(why: impl Into<String>) -> WalletError {
    SetupError::UnknownFormat(why.into()).into()
}

/// Caravan's wallet configuration (the fields airsign uses).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Caravan {
    name: Option<String>,
    address_type: String,
    network: Option<String>,
    quorum: CaravanQuorum,
    extended_public_keys: Vec<CaravanKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaravanQuorum {
    required_signers: usize,
    total_signers: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaravanKey {
    bip32_path: String,
    xpub: String,
    xfp: String,
}

fn caravan(c: Caravan) -> Result<Imported, WalletError> {
    if c.quorum.total_signers != c.extended_public_keys.len() {
        return Err(unknown(format!(
            "Caravan: totalSigners is {} but {} keys are listed",
            c.quorum.total_signers,
            c.extended_public_keys.len()
        )));
    }
    let keys = c
        .extended_public_keys
        .iter()
        .map(|k| {
            let path = k
                .bip32_path
                .trim()
                .trim_start_matches("m/")
                .replace('h', "'");
            let (xpub, _) = crate::wallet::slip132::normalize(k.xpub.trim());
            format!(
                "[{}/{path}]{xpub}/<0;1>/*",
                k.xfp.trim().to_ascii_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let inner = format!("sortedmulti({},{keys})", c.quorum.required_signers);
    let d = match c
        .address_type
        .to_ascii_uppercase()
        .replace('_', "-")
        .as_str()
    {
        "P2WSH" => format!("wsh({inner})"),
        "P2SH-P2WSH" | "P2WSH-P2SH" => format!("sh(wsh({inner}))"),
        "P2SH" => format!("sh({inner})"),
        t => return Err(unknown(format!("Caravan: address type {}", escape(t)))),
    };
    let mut imp = Imported::new("caravan", d);
    imp.name = c.name;
    imp.networks = match c.network.as_deref() {
        Some("mainnet") => Networks::Exact(Network::Bitcoin),
        Some("testnet") => Networks::Exact(Network::Testnet),
        Some("regtest") => Networks::Exact(Network::Regtest),
        Some("signet") => Networks::Exact(Network::Signet),
        _ => Networks::Keys,
    };
    Ok(imp)
}

fn json(text: &str) -> Result<Imported, WalletError> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| unknown(format!("JSON that does not parse: {e}")))?;
    if v.get("wallet_id").is_some() || v.get("external").is_some() {
        let f = WalletFile::parse(text.as_bytes())?;
        let mut imp = Imported::new("airsign wallet file", f.receive.clone());
        imp.name = Some(f.name.clone());
        imp.networks = Networks::Exact(f.network);
        imp.file = Some(f);
        return Ok(imp);
    }
    if v.get("descriptor_template").is_some() {
        let p = PolicyFile::parse(text.as_bytes())?;
        let d = p.descriptor()?;
        let mut imp = Imported::new("BIP388 wallet policy", d.to_string());
        imp.name = p.name;
        return Ok(imp);
    }
    if v.get("extendedPublicKeys").is_some() {
        let c: Caravan =
            serde_json::from_value(v).map_err(|e| unknown(format!("Caravan JSON: {e}")))?;
        return caravan(c);
    }
    Err(unknown(
        "JSON that is neither an airsign wallet file, a BIP388 policy nor a Caravan configuration",
    ))
}

/// UR or BBQr parts, one per line.
fn ur_text(text: &str, tokens: &[Token], depth: u8) -> Result<Imported, WalletError> {
    let mut a = Assembler::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        a.add(line).map_err(|e| {
            unknown(format!(
                "a UR that does not read: {}",
                escape(&e.to_string())
            ))
        })?;
    }
    let p = a
        .payload()
        .ok_or_else(|| unknown("QR parts that do not complete the message"))?;
    match &p.source {
        Source::Ur { ur_type } => payload(ur_type, &p.data, tokens, depth),
        // BBQr (Coldcard Q): the file inside, once.
        Source::Bbqr { .. } if depth == 0 => read_depth(&p.data, tokens, 1),
        _ => Err(unknown("QR parts of nothing airsign reads as a wallet")),
    }
}

/// A payload that arrived as a UR of `ur_type` (the CBOR, or the bytes of `ur:bytes`), e.g.
/// from `--scan`.
pub fn payload(
    ur_type: &str,
    data: &[u8],
    tokens: &[Token],
    depth: u8,
) -> Result<Imported, WalletError> {
    match ur_type {
        "crypto-output" => crypto(data),
        "bytes" if depth == 0 => read_depth(data, tokens, 1),
        "crypto-account" | "account-descriptor" => Err(unknown(
            "a ur:crypto-account is one cosigner's keys: give it to `wallet create --multisig M --cosigner …`",
        )),
        "output-descriptor" => Err(SetupError::Unsupported(
            "ur:output-descriptor (the 2023 registry form) is not read yet; export ur:crypto-output".into(),
        )
        .into()),
        t => Err(unknown(format!("a ur:{} is not a wallet", escape(t)))),
    }
}

fn crypto(cbor: &[u8]) -> Result<Imported, WalletError> {
    let s = crypto_output::decode(cbor).map_err(SetupError::CryptoOutput)?;
    if s.shape().last() == Some(&410) {
        return Err(unknown(
            "this crypto-output is one cosigner's key: give it to `wallet create --multisig M --cosigner …`",
        ));
    }
    let mut imp = Imported::new(
        "crypto-output",
        s.wallet_descriptor().map_err(SetupError::CryptoOutput)?,
    );
    if s.keys().iter().any(|k| k.network.is_some() && !k.children) {
        imp.notes
            .push("keys without children are account keys: /<0;1>/* derived under each".into());
    }
    Ok(imp)
}

/// Read a set-up file of any supported format.
pub fn read(bytes: &[u8], tokens: &[Token]) -> Result<Imported, WalletError> {
    read_depth(bytes, tokens, 0)
}

fn read_depth(bytes: &[u8], tokens: &[Token], depth: u8) -> Result<Imported, WalletError> {
    // CBOR of a crypto-output as `qr scan -o` writes it: a tag first.
    if bytes.first() == Some(&0xd9) {
        return crypto(bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| unknown("binary data"))?;
    let t = text.trim();
    if t.starts_with('{') {
        return json(t);
    }
    if t.as_bytes()
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"ur:"))
        || t.starts_with("B$")
    {
        return ur_text(t, tokens, depth);
    }
    if bsms::is_record(t) || bsms::looks_encrypted(t) {
        return bsms_record(t, tokens);
    }
    if coldcard::looks_like(t) {
        let c = ColdcardFile::parse(t)?;
        let mut imp = Imported::new("Coldcard multisig file", c.descriptor());
        imp.name = Some(c.name);
        return Ok(imp);
    }
    // Descriptor text; Sparrow's export has `#` comment lines and the multipath descriptor as
    // its first paragraph.
    let first = t
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| unknown("an empty file"))?;
    match crate::wallet::descriptor::parse_any(first) {
        // sortedmulti_a is kept as written (its checksum was checked): miniscript's form of it
        // would be another wallet.
        Ok(_) if first.contains("sortedmulti_a(") => {
            Ok(Imported::new("descriptor", first.to_owned()))
        }
        Ok(d) => Ok(Imported::new("descriptor", d.to_string())),
        Err(WalletError::PrivateDescriptor) => Err(WalletError::PrivateDescriptor),
        Err(e) => Err(unknown(format!(
            "not a descriptor ({e}), BSMS record, Coldcard file, UR or JSON"
        ))),
    }
}

fn bsms_record(t: &str, tokens: &[Token]) -> Result<Imported, WalletError> {
    let encrypted = bsms::looks_encrypted(t);
    let r = match DescriptorRecord::parse_any(t, tokens) {
        Ok(r) => r,
        Err(bsms::BsmsError::Malformed(_)) if bsms::KeyRecord::parse_any(t, tokens).is_ok() => {
            return Err(unknown(
                "a BSMS key record is round 1: give it to `wallet create --multisig M --cosigner FILE`",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let nets = r.check_first_address()?;
    let mut imp = Imported::new("BSMS descriptor record", r.expand()?);
    imp.notes.push(format!(
        "first address {} checked against the descriptor{}",
        r.first_address,
        if encrypted {
            " (decrypted and authenticated with the token)"
        } else {
            ""
        }
    ));
    imp.networks = match nets[..] {
        [n] => Networks::Exact(n),
        _ => Networks::OneOf(nets),
    };
    Ok(imp)
}

/// The network for an imported wallet: `--network` if given (it must fit the file), else the
/// file's, else mainnet for xpubs; test-network keys alone do not say which.
pub fn network(imp: &Imported, given: Option<Network>) -> Result<Network, WalletError> {
    let d = crate::wallet::descriptor::parse_any(&imp.descriptor)?;
    let kind = match d.xkey_network() {
        XKeyNetwork::Single(k) => Some(k),
        XKeyNetwork::Mixed => {
            return Err(WalletError::WrongNetwork(given.unwrap_or(Network::Bitcoin)))
        }
        XKeyNetwork::NoXKeys => None,
    };
    let fits = |n: Network| {
        kind.is_none_or(|k| k == NetworkKind::from(n))
            && match &imp.networks {
                Networks::Exact(x) => *x == n,
                Networks::OneOf(v) => v.contains(&n),
                Networks::Keys => true,
            }
    };
    if let Some(n) = given {
        return if fits(n) {
            Ok(n)
        } else {
            Err(WalletError::WrongNetwork(n))
        };
    }
    match (&imp.networks, kind) {
        (Networks::Exact(n), _) => Ok(*n),
        (Networks::OneOf(v), _) if v.len() == 1 => Ok(v[0]),
        (Networks::Keys, Some(NetworkKind::Main)) => Ok(Network::Bitcoin),
        _ => Err(SetupError::NetworkUnknown.into()),
    }
}

/// The wallet file for an imported wallet. This tool's own file is kept as it is (a new name
/// or gap limit only if given); others start at index 0.
pub fn wallet_file(
    imp: &Imported,
    name: &str,
    network: Network,
    gap_limit: Option<u32>,
) -> Result<WalletFile, WalletError> {
    if let Some(f) = &imp.file {
        crate::wallet::registry::check_distinct_signers(&f.watch_only()?)?;
        let mut f = f.clone();
        if f.name != name {
            crate::wallet::file::check_name(name)?;
            f.name = name.to_owned();
        }
        if let Some(g) = gap_limit {
            f = WalletFile::new(&f.watch_only()?, &f.name, g)?;
        }
        return Ok(f);
    }
    let w = WatchOnly::from_descriptor(&imp.descriptor, network)?;
    crate::wallet::registry::check_distinct_signers(&w)?;
    WalletFile::new(&w, name, gap_limit.unwrap_or(DEFAULT_GAP_LIMIT))
}
