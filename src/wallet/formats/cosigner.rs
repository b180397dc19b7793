//! Cosigner keys for `wallet create --multisig`, from whatever each cosigner brought: the JSON or
//! text `airsign account export --script wsh-multi|sh-wsh-multi` prints, a key origin string
//! `[fp/48'/1'/0'/2']tpub…`, a `ur:crypto-account` (or a cosigner `ur:crypto-output`), or a BSMS
//! round 1 key record (plain or encrypted, its signature checked) — and the checks before they
//! become one `sortedmulti` descriptor: BIP48 script type, one network and coin type, no key or
//! seed twice, 1 ≤ M ≤ N ≤ 15.
use std::str::FromStr;

use bitcoin::bip32::{ChildNumber, DerivationPath, Fingerprint, Xpub};
use bitcoin::{Network, NetworkKind};
use miniscript::descriptor::{DescriptorPublicKey, Wildcard};

use super::bsms::{KeyRecord, Signed, Token};
use super::{crypto_output, SetupError};
use crate::sanitize::escape;
use crate::transport::assemble::{Assembler, Source};
use crate::wallet::account::AccountExport;
use crate::wallet::script_type::coin_type;

/// Most cosigners in a `sortedmulti` airsign builds (Coldcard's `MAX_SIGNERS`; most hardware
/// signers stop there too).
pub const MAX_COSIGNERS: usize = 15;
/// Most cosigners in a taproot `sortedmulti_a` wallet.
pub const MAX_TR_COSIGNERS: usize = 20;

/// The multisig script `wallet create --multisig` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MultisigScript {
    /// `wsh(sortedmulti(M,…))`, P2WSH; cosigner keys from BIP48 …/2'.
    Wsh,
    /// `sh(wsh(sortedmulti(M,…)))`, P2SH-P2WSH; cosigner keys from BIP48 …/1'.
    ShWsh,
    /// `tr(NUMS,sortedmulti_a(M,…))` (BIP387), spent by script path only: the internal key is
    /// BIP341's unspendable NUMS point. Cosigner keys from any BIP48 script type.
    Tr,
}

impl MultisigScript {
    /// The BIP48 script type index (the fourth, hardened, path step).
    pub fn bip48(self) -> Option<u32> {
        match self {
            MultisigScript::Wsh => Some(2),
            MultisigScript::ShWsh => Some(1),
            MultisigScript::Tr => None,
        }
    }

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            MultisigScript::Wsh => "wsh",
            MultisigScript::ShWsh => "sh-wsh",
            MultisigScript::Tr => "tr",
        }
    }

    fn crypto_account_shape(self) -> &'static [u64] {
        match self {
            MultisigScript::Wsh => &[401, 410],
            MultisigScript::ShWsh => &[400, 401, 410],
            MultisigScript::Tr => &[409],
        }
    }
}

/// One cosigner's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigner {
    /// Master fingerprint.
    pub fingerprint: Fingerprint,
    /// Path from the master to the xpub.
    pub path: DerivationPath,
    /// The account xpub.
    pub xpub: Xpub,
    /// What the key came in: `account export`, `key origin`, `crypto-account`, `crypto-output`,
    /// `BSMS key record`.
    pub source: &'static str,
    /// The network the input names, when it names one (an account export does).
    pub network: Option<Network>,
    /// For a BSMS key record: whether it was signed (and the signature checked).
    pub bsms: Option<Signed>,
}

impl Cosigner {
    /// `[fingerprint/path]xpub`.
    pub fn key_origin(&self) -> String {
        format!("[{}/{}]{}", self.fingerprint, self.path, self.xpub)
    }
}

fn bad(reason: impl Into<String>) -> SetupError {
    SetupError::BadCosigner(reason.into())
}

/// `[fp/path]xpub` with nothing after the key (SLIP-132 forms accepted).
fn key_origin(text: &str, source: &'static str) -> Result<Cosigner, SetupError> {
    let (text, _) = crate::wallet::slip132::normalize(text.trim());
    match DescriptorPublicKey::from_str(&text) {
        Ok(DescriptorPublicKey::XPub(x))
            if x.derivation_path.is_empty() && x.wildcard == Wildcard::None =>
        {
            let (fingerprint, path) = x
                .origin
                .ok_or_else(|| bad("the key has no origin [fingerprint/path]"))?;
            if path.len() != usize::from(x.xkey.depth) {
                return Err(bad(format!(
                    "the origin m/{path} has {} steps but the xpub's depth is {}",
                    path.len(),
                    x.xkey.depth
                )));
            }
            Ok(Cosigner {
                fingerprint,
                path,
                xpub: x.xkey,
                source,
                network: None,
                bsms: None,
            })
        }
        Ok(_) => Err(bad(
            "give the account key as [fingerprint/path]xpub, with nothing after the xpub",
        )),
        Err(e) => Err(bad(format!("not a key origin: {}", escape(&e.to_string())))),
    }
}

/// The complete UR in `text` (one part per line), with its type.
fn assemble_ur(text: &str) -> Result<(String, Vec<u8>), SetupError> {
    let mut a = Assembler::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        a.add(line)
            .map_err(|e| bad(format!("not a readable UR: {}", escape(&e.to_string()))))?;
    }
    match a.payload() {
        Some(p) => match &p.source {
            Source::Ur { ur_type } => Ok((ur_type.clone(), p.data.clone())),
            _ => Err(bad("not a UR")),
        },
        None => Err(bad("the UR parts do not complete the message")),
    }
}

fn from_script_key(k: &crypto_output::Key, source: &'static str) -> Result<Cosigner, SetupError> {
    let (fingerprint, path, xpub) = k
        .account
        .clone()
        .ok_or_else(|| bad("the key has no origin (master fingerprint and path)"))?;
    if !k.expr.ends_with(&xpub.to_string()) {
        return Err(bad(
            "a cosigner key has no derivation after the account xpub",
        ));
    }
    Ok(Cosigner {
        fingerprint,
        path,
        xpub,
        source,
        network: None,
        bsms: None,
    })
}

/// Read one cosigner from the text of a `--cosigner` (a file's contents or the argument itself).
/// `tokens` decrypt encrypted BSMS key records; `script` picks the key of a crypto-account.
pub fn parse(text: &str, tokens: &[Token], script: MultisigScript) -> Result<Cosigner, SetupError> {
    parse_depth(text, tokens, script, 0)
}

fn parse_depth(
    text: &str,
    tokens: &[Token],
    script: MultisigScript,
    depth: u8,
) -> Result<Cosigner, SetupError> {
    let t = text.trim();
    if t.starts_with('{') {
        let e = AccountExport::parse(t.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let mut c = key_origin(&e.key_origin, "account export")?;
        c.network = Some(e.network);
        return Ok(c);
    }
    if t.starts_with('[') {
        return key_origin(t, "key origin");
    }
    if t.as_bytes()
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"ur:"))
    {
        let (ur_type, data) = assemble_ur(t)?;
        return match ur_type.as_str() {
            "crypto-account" => {
                let (_, outputs) = crypto_output::decode_account(&data)
                    .map_err(|e| bad(format!("crypto-account: {e}")))?;
                // The form the script asks for; else any multisig key, for the BIP48 check
                // to name what it is.
                let pick = outputs
                    .iter()
                    .find(|o| o.shape() == script.crypto_account_shape())
                    .or_else(|| outputs.iter().find(|o| o.shape().last() == Some(&410)))
                    .ok_or_else(|| {
                        bad("the crypto-account lists no multisig (cosigner) key: export the BIP48 key")
                    })?;
                from_script_key(pick.keys()[0], "crypto-account")
            }
            "crypto-output" => {
                let s =
                    crypto_output::decode(&data).map_err(|e| bad(format!("crypto-output: {e}")))?;
                match s.keys()[..] {
                    [k] if s.shape().last() == Some(&410) => from_script_key(k, "crypto-output"),
                    _ => Err(bad("this crypto-output is a wallet, not one cosigner's key (use wallet import)")),
                }
            }
            "bytes" if depth == 0 => {
                let inner =
                    String::from_utf8(data).map_err(|_| bad("ur:bytes that is not text"))?;
                parse_depth(&inner, tokens, script, 1)
            }
            other => Err(bad(format!("a ur:{} is not a cosigner key", escape(other)))),
        };
    }
    if super::bsms::is_record(t) || super::bsms::looks_encrypted(t) {
        let r = KeyRecord::parse_any(t, tokens)?;
        let signed = r.verify()?;
        let (fingerprint, path, xpub) = r.cosigner()?;
        return Ok(Cosigner {
            fingerprint,
            path,
            xpub,
            source: "BSMS key record",
            network: None,
            bsms: Some(signed),
        });
    }
    // `airsign account export` text: "key         [fp/path]xpub", "network     regtest".
    let field = |name: &str| {
        t.lines()
            .filter_map(|l| l.trim().split_once(char::is_whitespace))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
    };
    if let Some(k) = field("key") {
        let mut c = key_origin(k, "account export")?;
        c.network = field("network").and_then(|n| n.parse().ok());
        return Ok(c);
    }
    Err(bad(
        "not an account export, a key origin [fp/path]xpub, a ur:crypto-account or a BSMS key record",
    ))
}

/// The network for the wallet: `--network`, else what an input names, else mainnet for xpubs;
/// test-network keys (tpub) alone do not say which test network.
fn resolve_network(cosigners: &[Cosigner], given: Option<Network>) -> Result<Network, SetupError> {
    if let Some(n) = given.or_else(|| cosigners.iter().find_map(|c| c.network)) {
        return Ok(n);
    }
    if cosigners
        .iter()
        .all(|c| c.xpub.network == NetworkKind::Main)
    {
        return Ok(Network::Bitcoin);
    }
    Err(SetupError::NetworkUnknown)
}

fn describe_path(path: &DerivationPath) -> String {
    let steps: Vec<ChildNumber> = path.into_iter().copied().collect();
    match steps.first() {
        Some(ChildNumber::Hardened { index: 48 }) => match steps.get(3) {
            Some(ChildNumber::Hardened { index: 2 }) => "a BIP48 wsh (…/2') key".into(),
            Some(ChildNumber::Hardened { index: 1 }) => "a BIP48 sh-wsh (…/1') key".into(),
            _ => "a BIP48 key of another script type".into(),
        },
        Some(ChildNumber::Hardened { index }) if [44, 49, 84, 86].contains(index) => {
            format!("a single-sig BIP{index} key")
        }
        _ => "not a BIP48 multisig key".into(),
    }
}

/// Check the cosigners and build the wallet's multipath descriptor (no checksum):
/// `wsh(sortedmulti(M,K1/<0;1>/*,…))` or `sh(wsh(…))`, keys in the order given.
pub fn build(
    m: usize,
    cosigners: &[Cosigner],
    script: MultisigScript,
    network: Option<Network>,
) -> Result<(String, Network), SetupError> {
    let n = cosigners.len();
    // P2WSH's standardness allows 15 keys in a CHECKMULTISIG; a tapscript multi_a is bounded
    // by what signers can review: 20.
    let max = if script == MultisigScript::Tr {
        MAX_TR_COSIGNERS
    } else {
        MAX_COSIGNERS
    };
    if !(1 <= m && m <= n && n <= max) {
        return Err(SetupError::Threshold { m, n, max });
    }
    let net = resolve_network(cosigners, network)?;
    for (i, c) in cosigners.iter().enumerate() {
        let coin = c.path.into_iter().nth(1).copied();
        let wrong_kind = c.xpub.network != NetworkKind::from(net);
        let wrong_named = c.network.is_some_and(|x| x != net);
        let wrong_coin = coin.is_some_and(|x| {
            x != ChildNumber::Hardened {
                index: coin_type(net),
            }
        }) && c.path.into_iter().next()
            == Some(&ChildNumber::Hardened { index: 48 });
        if wrong_kind || wrong_named || wrong_coin {
            let found = if wrong_kind {
                match c.xpub.network {
                    NetworkKind::Main => "a mainnet key (xpub)".to_string(),
                    NetworkKind::Test => "a test-network key (tpub)".to_string(),
                }
            } else if let Some(x) = c.network.filter(|_| wrong_named) {
                format!("a {x} key (its account export says so)")
            } else {
                format!(
                    "a key of coin type {} (m/{})",
                    coin.map(|c| c.to_string()).unwrap_or_default(),
                    c.path
                )
            };
            return Err(SetupError::NetworkMismatch {
                index: i + 1,
                fingerprint: c.fingerprint.to_string(),
                found,
                wanted: net,
            });
        }
        let Some(want) = script.bip48() else {
            continue;
        };
        let steps: Vec<ChildNumber> = c.path.into_iter().copied().collect();
        let bip48 = steps.len() == 4
            && steps.iter().all(ChildNumber::is_hardened)
            && steps[0] == ChildNumber::Hardened { index: 48 }
            && steps[3] == ChildNumber::Hardened { index: want };
        if !bip48 {
            return Err(SetupError::ScriptMismatch {
                index: i + 1,
                fingerprint: c.fingerprint.to_string(),
                path: c.path.to_string(),
                found: describe_path(&c.path),
                wanted: script.name(),
            });
        }
    }
    for (j, c) in cosigners.iter().enumerate() {
        if let Some(i) = cosigners[..j]
            .iter()
            .position(|b| b.xpub.public_key == c.xpub.public_key || b.fingerprint == c.fingerprint)
        {
            let what = if cosigners[i].xpub.public_key == c.xpub.public_key {
                "key"
            } else {
                "seed (master fingerprint)"
            };
            return Err(SetupError::DuplicateCosigner {
                first: i + 1,
                second: j + 1,
                what,
                fingerprint: c.fingerprint.to_string(),
            });
        }
    }
    let keys: Vec<String> = cosigners
        .iter()
        .map(|c| format!("{}/<0;1>/*", c.key_origin()))
        .collect();
    let inner = format!("sortedmulti({m},{})", keys.join(","));
    let d = match script {
        MultisigScript::Wsh => format!("wsh({inner})"),
        MultisigScript::ShWsh => format!("sh(wsh({inner}))"),
        MultisigScript::Tr => format!(
            "tr({},sortedmulti_a({m},{}))",
            crate::wallet::registry::NUMS,
            keys.join(",")
        ),
    };
    Ok((d, net))
}
