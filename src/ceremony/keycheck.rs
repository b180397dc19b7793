//! Key health checks: periodic proof that each key holder of a multisig wallet still holds the
//! key, without moving funds (format in `docs/keycheck.md`).
//!
//! 1. Online, [`Challenge::new`]: a fresh 32-byte nonce from the OS RNG, the time, the wallet id,
//!    its network and descriptors, and its cosigner keys `[fp/path]xpub`.
//! 2. Offline, [`answer`]: for every key of the wallet this seed holds (the xpub re-derived from
//!    the seed at its origin path first), a BIP322 simple signature of [`statement`] by the key
//!    itself: the xpub's own public key as a P2WPKH address on the wallet's network.
//! 3. Online, [`verify`]: each proof is checked against the wallet file (never against keys or
//!    addresses the answer names), the statement rebuilt from the challenge; [`History`] records
//!    the newest proof per key.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bitcoin::bip32::Xpub;
use bitcoin::{Address, CompressedPublicKey, Network};
use serde::{Deserialize, Serialize};

use crate::wallet::file::WalletFile;
use crate::wallet::registry::{cosigners, Cosigner};
use crate::wallet::WatchOnly;

/// The format version of challenges, answers and histories.
pub const VERSION: u64 = 1;
/// The largest challenge, answer or history file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// A proof older than this many days is reported as overdue.
pub const OVERDUE_DAYS: u64 = 90;
/// A challenge older than this many days is not accepted by `verify`: answers must be fresh.
pub const CHALLENGE_MAX_AGE_DAYS: u64 = 30;

/// Why a challenge or answer cannot be made, read, or is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeycheckError {
    /// A file is not a challenge, answer or history of this version.
    #[error("{what} is not a key check {kind}: {reason}")]
    Format {
        /// The file, as shown.
        what: String,
        /// challenge, answer or history.
        kind: &'static str,
        /// The parser's words.
        reason: String,
    },
    /// The challenge does not describe the wallet file given.
    #[error("the challenge is for another wallet: {0}")]
    WrongWallet(String),
    /// This seed holds no key of the challenge's wallet.
    #[error("this seed ({fingerprint}) holds no key of wallet {wallet_id}")]
    NoKeyHere {
        /// Our fingerprint.
        fingerprint: String,
        /// The wallet.
        wallet_id: String,
    },
    /// The seed is for another network than the wallet.
    #[error("the seed is for {seed}, the wallet for {wallet}")]
    Network {
        /// The seed's network.
        seed: Network,
        /// The wallet's.
        wallet: Network,
    },
    /// The challenge is older than [`CHALLENGE_MAX_AGE_DAYS`] (or dated in the future).
    #[error("the challenge was made {created}: {reason}")]
    StaleChallenge {
        /// When.
        created: String,
        /// Why that is refused.
        reason: &'static str,
    },
    /// One or more answers were refused (each with its reason).
    #[error("{} answer(s) refused: {}", .0.len(), .0.join("; "))]
    Refused(Vec<String>),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] crate::signer::SignError),
    /// The wallet in the challenge does not parse.
    #[error(transparent)]
    Wallet(#[from] crate::wallet::WalletError),
}

impl KeycheckError {
    /// Whether this is a safety check's "no" (exit 3) rather than unreadable input (exit 1).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            KeycheckError::WrongWallet(_)
                | KeycheckError::NoKeyHere { .. }
                | KeycheckError::Network { .. }
                | KeycheckError::StaleChallenge { .. }
                | KeycheckError::Refused(_)
        )
    }
}

/// A challenge (online → each key holder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Always `airsign-keycheck-challenge`.
    #[serde(rename = "type")]
    pub kind: String,
    /// [`VERSION`].
    pub version: u64,
    /// The wallet's short id (bytewords), as `wallet create` printed it.
    pub wallet_id: String,
    /// The wallet's name (a label; untrusted).
    pub wallet_name: String,
    /// The wallet's network.
    pub network: Network,
    /// Receive descriptor (the signer recomputes the wallet id from the two descriptors).
    pub receive: String,
    /// Change descriptor.
    pub change: String,
    /// 32 random bytes, hex.
    pub nonce: String,
    /// When the challenge was made, RFC 3339 UTC (the online machine's clock).
    pub created: String,
    /// The wallet's cosigner keys, `[fingerprint/path]xpub`, in descriptor order.
    pub keys: Vec<String>,
}

/// One key's proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The key, `[fingerprint/path]xpub`, as in the challenge.
    pub key: String,
    /// The P2WPKH address of the xpub's own key (informative: the verifier derives it).
    pub address: String,
    /// BIP322 simple signature of the key's statement by that address.
    pub signature: String,
}

/// An answer (a key holder → online).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Always `airsign-keycheck-answer`.
    #[serde(rename = "type")]
    pub kind: String,
    /// [`VERSION`].
    pub version: u64,
    /// The challenge's wallet id.
    pub wallet_id: String,
    /// The challenge's nonce.
    pub nonce: String,
    /// The challenge's time.
    pub created: String,
    /// The answering seed's fingerprint.
    pub fingerprint: String,
    /// One proof per key of the wallet this seed holds.
    pub proofs: Vec<Proof>,
}

/// The text a key signs. Binds the purpose, the wallet id, network, nonce, the challenge's time
/// and the key itself, one per line.
pub fn statement(c: &Challenge, key: &str) -> String {
    format!(
        "airsign keycheck v1\nwallet: {}\nnetwork: {}\nnonce: {}\ncreated: {}\nkey: {}",
        c.wallet_id, c.network, c.nonce, c.created, key
    )
}

/// `[fingerprint/path]xpub` of a cosigner.
pub fn key_text(c: &Cosigner) -> String {
    let path = c.origin.to_string();
    if path.is_empty() {
        format!("[{}]{}", c.fingerprint, c.xpub)
    } else {
        format!("[{}/{}]{}", c.fingerprint, path, c.xpub)
    }
}

/// The address whose BIP322 signature proves `xpub`: P2WPKH of its own public key.
pub fn proof_address(xpub: &Xpub, network: Network) -> Address {
    Address::p2wpkh(&CompressedPublicKey(xpub.public_key), network)
}

/// The wallet's distinct cosigners (receive descriptor; the change one has the same keys).
fn wallet_keys(w: &WatchOnly) -> Vec<Cosigner> {
    let mut v: Vec<Cosigner> = Vec::new();
    for c in cosigners(&w.external) {
        if !v.iter().any(|x| x.xpub == c.xpub && x.origin == c.origin) {
            v.push(c);
        }
    }
    v
}

fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
    kind: &'static str,
) -> Result<T, KeycheckError> {
    let err = |reason: String| KeycheckError::Format {
        what: crate::sanitize::escape(what),
        kind,
        reason,
    };
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?;
    let want = format!("airsign-keycheck-{kind}");
    if v.get("type").and_then(|t| t.as_str()) != Some(want.as_str()) {
        return Err(err(format!("no \"type\": \"{want}\"")));
    }
    if v.get("version").and_then(|t| t.as_u64()) != Some(VERSION) {
        return Err(err(format!("not version {VERSION}")));
    }
    serde_json::from_value(v).map_err(|e| err(e.to_string()))
}

fn pretty<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

impl Challenge {
    /// A new challenge for the wallet file `w`, with `nonce` (32 random bytes) made at `created`.
    pub fn new(w: &WalletFile, nonce: [u8; 32], created: String) -> Result<Self, KeycheckError> {
        let wallet = w.watch_only()?;
        Ok(Challenge {
            kind: "airsign-keycheck-challenge".into(),
            version: VERSION,
            wallet_id: w.wallet_id.clone(),
            wallet_name: w.name.clone(),
            network: w.network,
            receive: w.receive.clone(),
            change: w.change.clone(),
            nonce: crate::hex::encode(&nonce),
            created,
            keys: wallet_keys(&wallet).iter().map(key_text).collect(),
        })
    }

    /// A fresh nonce from the OS RNG.
    pub fn fresh_nonce() -> Result<[u8; 32], std::io::Error> {
        let mut n = [0u8; 32];
        getrandom::getrandom(&mut n).map_err(std::io::Error::other)?;
        Ok(n)
    }

    /// Parse a challenge file (`what` names it in errors).
    pub fn parse(bytes: &[u8], what: &str) -> Result<Self, KeycheckError> {
        parse_json(bytes, what, "challenge")
    }

    /// Pretty JSON with a newline.
    pub fn to_json(&self) -> Vec<u8> {
        pretty(self)
    }

    /// The wallet the challenge describes, checked: its descriptors parse on its network, give
    /// its wallet id, and have exactly its keys; the nonce is 32 bytes of hex.
    pub fn wallet(&self) -> Result<WatchOnly, KeycheckError> {
        let w = WatchOnly::from_descriptors(&self.receive, &self.change, self.network)?;
        let id = crate::wallet::file::wallet_id(&w);
        if id != self.wallet_id {
            return Err(KeycheckError::WrongWallet(format!(
                "its descriptors have wallet id {id}, it says {}",
                crate::sanitize::escape(&self.wallet_id)
            )));
        }
        let keys: Vec<String> = wallet_keys(&w).iter().map(key_text).collect();
        if keys != self.keys {
            return Err(KeycheckError::WrongWallet(
                "its key list is not its descriptors' keys".into(),
            ));
        }
        if self.nonce.len() != 64 || crate::hex::decode(&self.nonce).is_none() {
            return Err(KeycheckError::Format {
                what: "the challenge".into(),
                kind: "challenge",
                reason: "the nonce is not 32 bytes of hex".into(),
            });
        }
        // The time goes into the signed statement: only the exact form airsign writes, so no
        // other line can ride along in it (adversarial pass 6, F9).
        let canonical = crate::time::parse_rfc3339(&self.created).map(crate::time::rfc3339);
        if canonical.as_deref() != Some(self.created.as_str()) {
            return Err(KeycheckError::Format {
                what: "the challenge".into(),
                kind: "challenge",
                reason: "its time is not an RFC 3339 UTC time as airsign writes it".into(),
            });
        }
        Ok(w)
    }

    /// Check that this challenge is for the wallet file `w` (same id, descriptors and keys).
    pub fn check_for(&self, w: &WalletFile) -> Result<WatchOnly, KeycheckError> {
        let wallet = self.wallet()?;
        if self.wallet_id != w.wallet_id || self.network != w.network {
            return Err(KeycheckError::WrongWallet(format!(
                "it names wallet {} on {}, the wallet file is {} on {}",
                crate::sanitize::escape(&self.wallet_id),
                self.network,
                w.wallet_id,
                w.network
            )));
        }
        Ok(wallet)
    }
}

impl Answer {
    /// Parse an answer file.
    pub fn parse(bytes: &[u8], what: &str) -> Result<Self, KeycheckError> {
        parse_json(bytes, what, "answer")
    }

    /// Pretty JSON with a newline.
    pub fn to_json(&self) -> Vec<u8> {
        pretty(self)
    }
}

/// The keys of the challenge's wallet that `keys` holds, each re-derived from the seed and
/// compared with the wallet's xpub (a wallet naming our fingerprint with another xpub is refused:
/// the xpub-swap check).
pub fn our_keys(
    c: &Challenge,
    keys: &crate::signer::KeyChain,
) -> Result<Vec<Cosigner>, KeycheckError> {
    use crate::bundle::KeySource;
    let w = c.wallet()?;
    if keys.network() != c.network {
        return Err(KeycheckError::Network {
            seed: keys.network(),
            wallet: c.network,
        });
    }
    keys.check_cosigner(&c.wallet_name, &w)
        .map_err(|e| match e {
            crate::wallet::WalletError::NotACosigner { .. } => KeycheckError::NoKeyHere {
                fingerprint: keys.fingerprint().to_string(),
                wallet_id: c.wallet_id.clone(),
            },
            e => e.into(),
        })?;
    Ok(wallet_keys(&w)
        .into_iter()
        .filter(|k| k.fingerprint == keys.fingerprint())
        .collect())
}

/// Answer the challenge with every key in `ours` (from [`our_keys`]): a BIP322 simple signature
/// of each key's [`statement`] by the key at its origin path, as P2WPKH.
pub fn answer(
    c: &Challenge,
    keys: &crate::signer::KeyChain,
    ours: &[Cosigner],
) -> Result<Answer, KeycheckError> {
    use crate::bundle::KeySource;
    let mut proofs = Vec::with_capacity(ours.len());
    for k in ours {
        let text = key_text(k);
        let (address, signature) = keys.sign_message(
            &k.origin,
            crate::wallet::ScriptType::Wpkh,
            statement(c, &text).as_bytes(),
        )?;
        proofs.push(Proof {
            key: text,
            address: address.to_string(),
            signature,
        });
    }
    Ok(Answer {
        kind: "airsign-keycheck-answer".into(),
        version: VERSION,
        wallet_id: c.wallet_id.clone(),
        nonce: c.nonce.clone(),
        created: c.created.clone(),
        fingerprint: keys.fingerprint().to_string(),
        proofs,
    })
}

/// Whether `c` may still be answered at `now` (unix seconds): not older than
/// [`CHALLENGE_MAX_AGE_DAYS`], not more than a day in the future.
pub fn check_fresh(c: &Challenge, now: u64) -> Result<(), KeycheckError> {
    let stale = |reason| KeycheckError::StaleChallenge {
        created: crate::sanitize::escape(&c.created),
        reason,
    };
    let t = crate::time::parse_rfc3339(&c.created).ok_or(stale("the time does not parse"))?;
    if t > now + 86_400 {
        return Err(stale("that is in the future"));
    }
    if now.saturating_sub(t) > CHALLENGE_MAX_AGE_DAYS * 86_400 {
        return Err(stale(
            "more than 30 days ago: make a new challenge (keycheck challenge)",
        ));
    }
    Ok(())
}

/// One key proved by an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proved {
    /// `[fingerprint/path]xpub`.
    pub key: String,
    /// The key's master fingerprint.
    pub fingerprint: String,
}

/// Check `answer` against the challenge `c` (already checked against the wallet with
/// [`Challenge::check_for`]). Every proof must be for a key of the wallet, by that key's
/// P2WPKH address, over the statement rebuilt from `c`. Returns the keys proved, or why the
/// answer is refused (the first reason found).
pub fn verify(c: &Challenge, answer: &Answer) -> Result<Vec<Proved>, String> {
    let w = c.wallet().map_err(|e| e.to_string())?;
    if answer.wallet_id != c.wallet_id {
        return Err(format!(
            "it answers a challenge for wallet {}, not {}",
            crate::sanitize::escape(&answer.wallet_id),
            c.wallet_id
        ));
    }
    if answer.nonce != c.nonce || answer.created != c.created {
        return Err(format!(
            "it answers another challenge (nonce {}…, made {}), not this one (nonce {}…, made {}): an old or replayed answer",
            crate::sanitize::escape(answer.nonce.get(..16).unwrap_or(&answer.nonce)),
            crate::sanitize::escape(&answer.created),
            &c.nonce[..16],
            c.created
        ));
    }
    if answer.proofs.is_empty() {
        return Err("it holds no proof".into());
    }
    let keys = wallet_keys(&w);
    let mut proved = Vec::new();
    for p in &answer.proofs {
        let shown = crate::sanitize::escape(&p.key);
        let Some(k) = keys.iter().find(|k| key_text(k) == p.key) else {
            return Err(format!("key {shown} is not a key of this wallet"));
        };
        let address = proof_address(&k.xpub, c.network);
        crate::message::verify(
            &address.script_pubkey(),
            statement(c, &p.key).as_bytes(),
            &p.signature,
        )
        .map_err(|e| format!("the proof for key {shown} does not verify: {e}"))?;
        if proved.iter().any(|x: &Proved| x.key == p.key) {
            return Err(format!("key {shown} is proved twice"));
        }
        proved.push(Proved {
            key: p.key.clone(),
            fingerprint: k.fingerprint.to_string(),
        });
    }
    Ok(proved)
}

/// The last proof of one key, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastProof {
    /// When the answered challenge was made (possession is proved at or after this time).
    pub proved: String,
    /// That challenge's nonce.
    pub nonce: String,
    /// When the answer was verified.
    pub verified: String,
}

/// `W.keychecks.json`: the newest proof per key of one wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Always `airsign-keycheck-history`.
    #[serde(rename = "type")]
    pub kind: String,
    /// [`VERSION`].
    pub version: u64,
    /// The wallet id.
    pub wallet_id: String,
    /// Per key `[fingerprint/path]xpub`.
    pub keys: BTreeMap<String, LastProof>,
}

/// Where a wallet file's history lives: beside it, `W.keychecks.json`.
pub fn history_path(wallet: &Path) -> PathBuf {
    let mut name = wallet.as_os_str().to_owned();
    name.push(".keychecks.json");
    PathBuf::from(name)
}

impl History {
    /// An empty history for `wallet_id`.
    pub fn new(wallet_id: &str) -> Self {
        History {
            kind: "airsign-keycheck-history".into(),
            version: VERSION,
            wallet_id: wallet_id.to_owned(),
            keys: BTreeMap::new(),
        }
    }

    /// Parse a history file; it must be `wallet_id`'s.
    pub fn parse(bytes: &[u8], what: &str, wallet_id: &str) -> Result<Self, KeycheckError> {
        let h: History = parse_json(bytes, what, "history")?;
        if h.wallet_id != wallet_id {
            return Err(KeycheckError::WrongWallet(format!(
                "the history {} is for wallet {}",
                crate::sanitize::escape(what),
                crate::sanitize::escape(&h.wallet_id)
            )));
        }
        Ok(h)
    }

    /// Record `key` proved by challenge `c`, verified at `now`; a proof is replaced only by a
    /// newer one (a replayed or older answer never moves the date).
    pub fn record(&mut self, key: &str, c: &Challenge, now: &str) {
        let newer = match self.keys.get(key) {
            Some(old) => {
                crate::time::parse_rfc3339(&c.created) > crate::time::parse_rfc3339(&old.proved)
            }
            None => true,
        };
        if newer {
            self.keys.insert(
                key.to_owned(),
                LastProof {
                    proved: c.created.clone(),
                    nonce: c.nonce.clone(),
                    verified: now.to_owned(),
                },
            );
        }
    }

    /// Pretty JSON with a newline.
    pub fn to_json(&self) -> Vec<u8> {
        pretty(self)
    }
}

/// One cosigner's standing, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// `[fingerprint/path]xpub`.
    pub key: String,
    /// The key's master fingerprint.
    pub fingerprint: String,
    /// Proved by an answer given now.
    pub proved_now: bool,
    /// When the key last proved possession (the challenge's time), or `None`: never.
    pub last_proved: Option<String>,
    /// Days since then.
    pub days_ago: Option<u64>,
    /// Never, or more than [`OVERDUE_DAYS`] ago.
    pub overdue: bool,
}

/// Every key of the wallet with its last proof, at `now` (unix seconds).
pub fn standings(c: &Challenge, h: &History, proved_now: &[Proved], now: u64) -> Vec<Standing> {
    let w = match c.wallet() {
        Ok(w) => w,
        Err(_) => return Vec::new(),
    };
    wallet_keys(&w)
        .iter()
        .map(|k| {
            let key = key_text(k);
            let last = h.keys.get(&key);
            let days = last
                .and_then(|l| crate::time::parse_rfc3339(&l.proved))
                .map(|t| now.saturating_sub(t) / 86_400);
            Standing {
                proved_now: proved_now.iter().any(|p| p.key == key),
                fingerprint: k.fingerprint.to_string(),
                last_proved: last.map(|l| l.proved.clone()),
                overdue: days.is_none_or(|d| d > OVERDUE_DAYS),
                days_ago: days,
                key,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(created: &str, nonce: u8) -> Challenge {
        Challenge {
            kind: "airsign-keycheck-challenge".into(),
            version: VERSION,
            wallet_id: "loud game eyes cats".into(),
            wallet_name: "t".into(),
            network: Network::Regtest,
            receive: String::new(),
            change: String::new(),
            nonce: crate::hex::encode(&[nonce; 32]),
            created: created.into(),
            keys: vec![],
        }
    }

    /// The statement names every field that must bind: purpose, wallet, network, nonce, time, key.
    #[test]
    fn statement_binds_wallet_nonce_time_and_key() {
        let c = challenge("2026-12-01T10:00:00Z", 7);
        let s = statement(&c, "[00000000/48'/1'/0'/2']tpubX");
        assert_eq!(
            s,
            format!(
                "airsign keycheck v1\nwallet: loud game eyes cats\nnetwork: regtest\nnonce: {}\ncreated: 2026-12-01T10:00:00Z\nkey: [00000000/48'/1'/0'/2']tpubX",
                "07".repeat(32)
            )
        );
        assert_ne!(
            s,
            statement(
                &challenge("2026-12-01T10:00:00Z", 8),
                "[00000000/48'/1'/0'/2']tpubX"
            )
        );
    }

    /// A proof moves the date only forward: an older challenge's answer verified later does not.
    #[test]
    fn history_keeps_the_newest_proof() {
        let mut h = History::new("loud game eyes cats");
        let new = challenge("2026-12-01T10:00:00Z", 1);
        let old = challenge("2026-11-20T10:00:00Z", 2);
        h.record("k", &new, "2026-12-01T11:00:00Z");
        h.record("k", &old, "2026-12-02T11:00:00Z");
        assert_eq!(h.keys["k"].proved, "2026-12-01T10:00:00Z");
        assert_eq!(h.keys["k"].nonce, new.nonce);
        let back = History::parse(&h.to_json(), "h", "loud game eyes cats").unwrap();
        assert_eq!(back, h);
        assert!(History::parse(&h.to_json(), "h", "other wallet").is_err());
    }

    #[test]
    fn stale_and_future_challenges_are_refused() {
        let now = crate::time::parse_rfc3339("2026-12-03T00:00:00Z").unwrap();
        assert!(check_fresh(&challenge("2026-12-01T00:00:00Z", 1), now).is_ok());
        assert!(check_fresh(&challenge("2026-10-01T00:00:00Z", 1), now).is_err());
        assert!(check_fresh(&challenge("2026-12-05T00:00:00Z", 1), now).is_err());
        assert!(check_fresh(&challenge("yesterday", 1), now).is_err());
    }

    #[test]
    fn files_of_another_kind_or_version_are_refused() {
        let c = challenge("2026-12-01T10:00:00Z", 1);
        let json = c.to_json();
        assert_eq!(Challenge::parse(&json, "c").unwrap(), c);
        assert!(Answer::parse(&json, "c").is_err());
        let v2 = String::from_utf8(json)
            .unwrap()
            .replace("\"version\": 1", "\"version\": 2");
        assert!(Challenge::parse(v2.as_bytes(), "c").is_err());
        assert!(Challenge::parse(b"{", "c").is_err());
    }
}
