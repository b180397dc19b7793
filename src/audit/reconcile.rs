//! The log against the chain (online side, no seed): wallet spends the chain shows that no
//! `signed` entry accounts for (a key may be compromised, or another signer or wallet spent), and
//! signed transactions the chain does not show.
//!
//! The chain's view comes from a file the online machine exported, in one of three forms,
//! detected from the content:
//! - **Bitcoin Core** `listtransactions` / `listsinceblock` JSON (also inside a JSON-RPC reply):
//!   entries with `txid`, `category` and `confirmations`; a txid with a `send` entry is a wallet
//!   spend, confirmed at one confirmation or more (negative: conflicted).
//! - **Esplora** (mempool.space, blockstream.info) `/address/:addr/txs` JSON: transactions with
//!   `txid`, `vin[].prevout.scriptpubkey`, `vout[]` and `status.confirmed`; a wallet spend is one
//!   with an input paying the wallet, found by deriving the wallet file's scripts (both branches,
//!   up to the next index plus the gap limit). Whole transactions also give each its payment key.
//! - **A list of txids**, one per line or as a JSON array of strings: taken as confirmed wallet
//!   spends.
//!
//! Matching: a chain transaction is accounted for when a `signed` entry has its txid, or (Esplora,
//! and entries written since payment keys were recorded) its payment key. The log records the
//! unsigned txid, which is the final txid only when every input is native segwit: signing legacy
//! and P2SH-wrapped inputs fills their scriptSig and changes the txid. With Core JSON or a txid
//! list such a spend cannot be matched and is reported (the report says so); Esplora JSON matches
//! it by payment key.
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use bitcoin::{OutPoint, ScriptBuf, Txid};
use serde::Serialize;

use super::{Entry, Event};
use crate::bundle::review::payment::payment_key;
use crate::sanitize::escape;
use crate::wallet::file::WalletFile;
use crate::wallet::WalletError;

/// Largest transactions file read. For a long history, export a window (`listsinceblock` from a
/// block after the last reconciliation) rather than everything.
pub const MAX_TXS_BYTES: u64 = 32 * 1024 * 1024;
/// Most scripts derived per wallet branch for the ownership search.
pub const MAX_LOOKAHEAD: u32 = 200_000;

/// Why the chain's view could not be used, or what it shows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// The input is none of the accepted forms, or an entry of it is malformed.
    #[error("the transactions file is not Bitcoin Core listtransactions/listsinceblock JSON, Esplora address-transactions JSON or a list of txids: {0}")]
    Format(String),
    /// Esplora JSON lists an address's transactions; which inputs are the wallet's needs its file.
    #[error("the transactions file is Esplora JSON, which does not say which inputs are the wallet's: give --wallet W.json")]
    NeedsWallet,
    /// The wallet file's next indexes plus its gap limit are too many scripts to derive.
    #[error("the wallet file's next index plus gap limit is {0} addresses per branch, more than {MAX_LOOKAHEAD}")]
    TooManyScripts(u64),
    /// The wallet file's addresses could not be derived.
    #[error("cannot derive the wallet's addresses")]
    Wallet(#[source] WalletError),
    /// The alarm: wallet spends no `signed` entry accounts for.
    #[error("{count} wallet spend(s) on chain that this log never signed: a key may be compromised, or another signer or wallet spent from it")]
    UnloggedSpends {
        /// How many.
        count: usize,
    },
}

impl ReconcileError {
    /// What the user can do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ReconcileError::Format(_) => Some("export `bitcoin-cli listtransactions \"*\" 1000` or `listsinceblock`, an Esplora server's /api/address/ADDR/txs, or write one txid per line"),
            ReconcileError::NeedsWallet => Some("the watch-only wallet file from `airsign wallet create` (the same one `bundle create --wallet` uses)"),
            ReconcileError::TooManyScripts(_) | ReconcileError::Wallet(_) => None,
            ReconcileError::UnloggedSpends { .. } => Some("check each listed txid: was it signed with another copy of this seed, another log (--log), or another wallet holding the same keys? In a multisig wallet the other cosigners can spend without this signer: ask them. If none of these, move the remaining funds with a new seed"),
        }
    }
}

/// The form the transactions file was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    /// Bitcoin Core `listtransactions` / `listsinceblock`.
    BitcoinCore,
    /// Esplora `/address/:addr/txs`.
    Esplora,
    /// Txids, one per line or a JSON array of strings.
    TxidList,
    /// `[]`: no transactions at all.
    Empty,
}

impl InputFormat {
    /// In words, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            InputFormat::BitcoinCore => "Bitcoin Core listtransactions/listsinceblock JSON",
            InputFormat::Esplora => "Esplora address-transactions JSON",
            InputFormat::TxidList => "a list of txids (taken as confirmed wallet spends)",
            InputFormat::Empty => "an empty JSON array (no transactions)",
        }
    }
}

/// Where a transaction stands on chain, as the input says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Replaced or double-spent (Core: negative confirmations).
    Conflicted,
    /// In the mempool.
    Unconfirmed,
    /// In a block.
    Confirmed,
}

/// One transaction of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainTx {
    /// Its txid.
    pub txid: Txid,
    /// Where it stands.
    pub status: Status,
    /// Core's count, when given.
    pub confirmations: Option<i64>,
    /// Whether it spends the wallet's coins.
    pub wallet_spend: bool,
    /// Its payment key, when the input has the whole transaction (Esplora).
    pub payment_key: Option<String>,
}

/// The input, parsed.
#[derive(Debug, Clone)]
pub struct ChainView {
    /// The detected form.
    pub format: InputFormat,
    /// Distinct transactions, by txid.
    pub txs: Vec<ChainTx>,
}

/// The scripts of a watch-only wallet file, both branches, from index 0 to its next index plus
/// its gap limit.
pub fn wallet_scripts(f: &WalletFile) -> Result<HashSet<ScriptBuf>, ReconcileError> {
    let next = f.next_index.receive.max(f.next_index.change);
    let lookahead = u64::from(next) + u64::from(f.gap_limit);
    if lookahead > u64::from(MAX_LOOKAHEAD) {
        return Err(ReconcileError::TooManyScripts(lookahead));
    }
    let index = f
        .watch_only()
        .and_then(|w| w.script_index(lookahead as u32))
        .map_err(ReconcileError::Wallet)?;
    Ok(index.into_keys().collect())
}

fn bad(msg: String) -> ReconcileError {
    ReconcileError::Format(msg)
}

fn txid(v: Option<&serde_json::Value>, at: &str) -> Result<Txid, ReconcileError> {
    let s = v
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| bad(format!("{at}: no \"txid\" string")))?;
    let not_hex = || {
        let shown: String = s.chars().take(70).collect();
        let more = if shown.len() < s.len() { "…" } else { "" };
        bad(format!(
            "{at}: txid {}{more} is not 64 hex digits",
            escape(&shown)
        ))
    };
    if s.len() != 64 {
        return Err(not_hex());
    }
    Txid::from_str(s).map_err(|_| not_hex())
}

/// Parse the transactions file; `wallet` (the wallet's scripts) is needed for Esplora JSON.
pub fn parse(
    bytes: &[u8],
    wallet: Option<&HashSet<ScriptBuf>>,
) -> Result<ChainView, ReconcileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return txid_lines(text);
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let list = unwrap_list(&v)?;
    let Some(first) = list.first() else {
        return Ok(ChainView {
            format: InputFormat::Empty,
            txs: Vec::new(),
        });
    };
    let (format, txs) = if first.is_string() {
        let txs = list
            .iter()
            .enumerate()
            .map(|(n, t)| {
                let id = txid(Some(t), &format!("entry {n}"))?;
                Ok(listed(id))
            })
            .collect::<Result<Vec<_>, ReconcileError>>()?;
        (InputFormat::TxidList, txs)
    } else if first.get("category").is_some() {
        (InputFormat::BitcoinCore, core(list)?)
    } else if first.get("vin").is_some() {
        let wallet = wallet.ok_or(ReconcileError::NeedsWallet)?;
        (InputFormat::Esplora, esplora(list, wallet)?)
    } else {
        return Err(bad(
            "its first entry has neither \"category\" (Core) nor \"vin\" (Esplora)".into(),
        ));
    };
    Ok(ChainView {
        format,
        txs: merge(txs),
    })
}

/// The array of entries: the top level, a JSON-RPC reply's `result`, or `listsinceblock`'s
/// `transactions`.
fn unwrap_list(v: &serde_json::Value) -> Result<&Vec<serde_json::Value>, ReconcileError> {
    let mut v = v;
    if let Some(o) = v.as_object().filter(|o| o.contains_key("result")) {
        if let Some(err) = o.get("error").filter(|e| !e.is_null()) {
            let msg = err["message"]
                .as_str()
                .map_or_else(|| err.to_string(), str::to_owned);
            return Err(bad(format!(
                "the JSON-RPC reply is an error: {}",
                escape(&msg)
            )));
        }
        v = &o["result"];
    }
    if let Some(t) = v.as_object().and_then(|o| o.get("transactions")) {
        v = t;
    }
    v.as_array().ok_or_else(|| {
        bad(
            "expected a JSON array (or a JSON-RPC reply or listsinceblock object holding one)"
                .into(),
        )
    })
}

fn listed(txid: Txid) -> ChainTx {
    ChainTx {
        txid,
        status: Status::Confirmed,
        confirmations: None,
        wallet_spend: true,
        payment_key: None,
    }
}

fn txid_lines(text: &str) -> Result<ChainView, ReconcileError> {
    let mut txs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        txs.push(listed(txid(
            Some(&serde_json::Value::String(line.to_owned())),
            &format!("line {}", n + 1),
        )?));
    }
    if txs.is_empty() {
        return Err(bad("no txid in it".into()));
    }
    Ok(ChainView {
        format: InputFormat::TxidList,
        txs: merge(txs),
    })
}

fn core(list: &[serde_json::Value]) -> Result<Vec<ChainTx>, ReconcileError> {
    list.iter()
        .enumerate()
        .map(|(n, e)| {
            let at = format!("entry {n}");
            let id = txid(e.get("txid"), &at)?;
            let category = e["category"]
                .as_str()
                .ok_or_else(|| bad(format!("{at}: no \"category\" string")))?;
            let confirmations = e["confirmations"]
                .as_i64()
                .ok_or_else(|| bad(format!("{at}: no \"confirmations\" number")))?;
            Ok(ChainTx {
                txid: id,
                status: match confirmations {
                    c if c >= 1 => Status::Confirmed,
                    0 => Status::Unconfirmed,
                    _ => Status::Conflicted,
                },
                confirmations: Some(confirmations),
                wallet_spend: category == "send",
                payment_key: None,
            })
        })
        .collect()
}

fn hex_script(v: &serde_json::Value, at: &str) -> Result<ScriptBuf, ReconcileError> {
    let s = v
        .as_str()
        .ok_or_else(|| bad(format!("{at}: no \"scriptpubkey\" hex string")))?;
    ScriptBuf::from_hex(s).map_err(|_| bad(format!("{at}: scriptpubkey is not hex")))
}

fn esplora(
    list: &[serde_json::Value],
    wallet: &HashSet<ScriptBuf>,
) -> Result<Vec<ChainTx>, ReconcileError> {
    list.iter()
        .enumerate()
        .map(|(n, t)| {
            let at = format!("entry {n}");
            let id = txid(t.get("txid"), &at)?;
            let vin = t["vin"]
                .as_array()
                .ok_or_else(|| bad(format!("{at}: no \"vin\" array")))?;
            let vout = t["vout"]
                .as_array()
                .ok_or_else(|| bad(format!("{at}: no \"vout\" array")))?;
            let confirmed = t["status"]["confirmed"]
                .as_bool()
                .ok_or_else(|| bad(format!("{at}: no \"status\": {{\"confirmed\": …}}")))?;
            let mut outpoints = Vec::with_capacity(vin.len());
            let mut wallet_spend = false;
            for (i, input) in vin.iter().enumerate() {
                let at = format!("{at} vin {i}");
                let prev = txid(input.get("txid"), &at)?;
                let index = input["vout"]
                    .as_u64()
                    .and_then(|x| u32::try_from(x).ok())
                    .ok_or_else(|| bad(format!("{at}: no \"vout\" number")))?;
                outpoints.push(OutPoint::new(prev, index));
                // A coinbase input has no previous output.
                if let Some(p) = input.get("prevout").filter(|p| !p.is_null()) {
                    if wallet.contains(&hex_script(&p["scriptpubkey"], &at)?) {
                        wallet_spend = true;
                    }
                }
            }
            let mut outputs = Vec::with_capacity(vout.len());
            for (i, o) in vout.iter().enumerate() {
                let at = format!("{at} vout {i}");
                let value = o["value"]
                    .as_u64()
                    .ok_or_else(|| bad(format!("{at}: no \"value\" in sats")))?;
                outputs.push((value, hex_script(&o["scriptpubkey"], &at)?));
            }
            let key = payment_key(outpoints, outputs.iter().map(|(v, s)| (*v, s.as_script())));
            Ok(ChainTx {
                txid: id,
                status: if confirmed {
                    Status::Confirmed
                } else {
                    Status::Unconfirmed
                },
                confirmations: None,
                wallet_spend,
                payment_key: Some(key.to_string()),
            })
        })
        .collect()
}

/// One transaction per txid: Core lists a self-transfer as a send and a receive, and Esplora
/// files of several addresses repeat a transaction that touches more than one.
fn merge(txs: Vec<ChainTx>) -> Vec<ChainTx> {
    let mut by_id: BTreeMap<Txid, ChainTx> = BTreeMap::new();
    for t in txs {
        match by_id.get_mut(&t.txid) {
            Some(have) => {
                have.wallet_spend |= t.wallet_spend;
                have.status = have.status.max(t.status);
                have.confirmations = have.confirmations.max(t.confirmations);
                if have.payment_key.is_none() {
                    have.payment_key = t.payment_key;
                }
            }
            None => {
                by_id.insert(t.txid, t);
            }
        }
    }
    by_id.into_values().collect()
}

/// A wallet spend no `signed` entry accounts for.
#[derive(Debug, Clone, Serialize)]
pub struct Unlogged {
    /// `unlogged-spend`.
    pub code: &'static str,
    /// Its txid.
    pub txid: String,
    /// Where it stands.
    pub status: Status,
    /// Core's count, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmations: Option<i64>,
}

/// A `signed` entry the input does not show confirmed.
#[derive(Debug, Clone, Serialize)]
pub struct SignedNotConfirmed {
    /// `signed-unseen` or `signed-unconfirmed`.
    pub code: &'static str,
    /// The entry's position.
    pub seq: u64,
    /// When it was signed (the signer's clock; escaped).
    pub time: String,
    /// Bundle id (escaped).
    pub bundle_id: String,
    /// The unsigned txid (escaped).
    pub txid: String,
}

/// What reconciling found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The input's form.
    pub format: InputFormat,
    /// Distinct transactions in the input.
    pub transactions: usize,
    /// Of which wallet spends.
    pub wallet_spends: usize,
    /// Distinct transactions signed in the log.
    pub signed: usize,
    /// Signed entries the input shows confirmed.
    pub signed_confirmed: usize,
    /// Of the matches, how many only by payment key (the txid changed when signing).
    pub matched_by_payment_key: usize,
    /// Wallet spends no signed entry accounts for: the alarm.
    pub unlogged: Vec<Unlogged>,
    /// Signed entries the input does not show confirmed.
    pub signed_not_confirmed: Vec<SignedNotConfirmed>,
}

/// Compare the log's entries with the chain's view.
pub fn reconcile(entries: &[Entry], chain: &ChainView) -> Report {
    let signed: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.event == Event::Signed)
        .collect();
    let signed_txids: HashSet<&str> = signed.iter().map(|e| e.txid.as_str()).collect();
    let signed_keys: HashSet<&str> = signed
        .iter()
        .filter_map(|e| e.payment_key.as_deref())
        .collect();
    let mut matched_by_payment_key = 0;
    let mut unlogged = Vec::new();
    for t in chain.txs.iter().filter(|t| t.wallet_spend) {
        let id = t.txid.to_string();
        if signed_txids.contains(id.as_str()) {
            continue;
        }
        if t.payment_key
            .as_deref()
            .is_some_and(|k| signed_keys.contains(k))
        {
            matched_by_payment_key += 1;
            continue;
        }
        unlogged.push(Unlogged {
            code: "unlogged-spend",
            txid: id,
            status: t.status,
            confirmations: t.confirmations,
        });
    }
    let mut by_txid: BTreeMap<String, Status> = BTreeMap::new();
    let mut by_key: BTreeMap<&str, Status> = BTreeMap::new();
    for t in &chain.txs {
        by_txid.insert(t.txid.to_string(), t.status);
        if let Some(k) = &t.payment_key {
            let s = by_key.entry(k).or_insert(t.status);
            *s = (*s).max(t.status);
        }
    }
    let mut signed_confirmed = 0;
    let mut signed_not_confirmed = Vec::new();
    // One line per transaction: a transaction signed twice (say, once per input) is one.
    let mut seen = HashSet::new();
    for e in signed {
        if !seen.insert(e.txid.as_str()) {
            continue;
        }
        let by_id = by_txid.get(&e.txid).copied();
        let by_pk = e
            .payment_key
            .as_deref()
            .and_then(|k| by_key.get(k).copied());
        let status = by_id.max(by_pk);
        if status == Some(Status::Confirmed) {
            signed_confirmed += 1;
            continue;
        }
        signed_not_confirmed.push(SignedNotConfirmed {
            code: if status == Some(Status::Unconfirmed) {
                "signed-unconfirmed"
            } else {
                "signed-unseen"
            },
            seq: e.seq,
            time: escape(&e.time),
            bundle_id: escape(&e.bundle_id),
            txid: escape(&e.txid),
        });
    }
    Report {
        format: chain.format,
        transactions: chain.txs.len(),
        wallet_spends: chain.txs.iter().filter(|t| t.wallet_spend).count(),
        signed: seen.len(),
        signed_confirmed,
        matched_by_payment_key,
        unlogged,
        signed_not_confirmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "75ddabb27b8845f5247975c8a5ba7c6f336c4570708ebe230caf6db5217ae858";
    const B: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn each_form_is_detected_and_garbage_is_an_error_not_a_panic() {
        let lines = format!("# spends\n{A}\n\n{B}\n");
        let v = parse(lines.as_bytes(), None).unwrap();
        assert_eq!(v.format, InputFormat::TxidList);
        assert_eq!(v.txs.len(), 2);
        let v = parse(format!(r#"["{A}"]"#).as_bytes(), None).unwrap();
        assert_eq!(v.format, InputFormat::TxidList);
        let core = format!(
            r#"{{"result":{{"transactions":[{{"txid":"{A}","category":"send","confirmations":0}},{{"txid":"{A}","category":"receive","confirmations":0}}],"lastblock":"00"}},"error":null,"id":1}}"#
        );
        let v = parse(core.as_bytes(), None).unwrap();
        assert_eq!(v.format, InputFormat::BitcoinCore);
        assert_eq!(v.txs.len(), 1);
        assert!(v.txs[0].wallet_spend);
        assert_eq!(v.txs[0].status, Status::Unconfirmed);
        assert_eq!(parse(b"[]", None).unwrap().format, InputFormat::Empty);
        let esplora =
            format!(r#"[{{"txid":"{A}","vin":[],"vout":[],"status":{{"confirmed":true}}}}]"#);
        assert!(matches!(
            parse(esplora.as_bytes(), None),
            Err(ReconcileError::NeedsWallet)
        ));
        assert_eq!(
            parse(esplora.as_bytes(), Some(&HashSet::new()))
                .unwrap()
                .format,
            InputFormat::Esplora
        );
        for garbage in [
            &b"hello world"[..],
            b"{\"a\":1}",
            b"[1,2]",
            b"[{\"x\":1}]",
            b"\xff\xfe",
            b"[\"zz\"]",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]",
            b"",
            b"{\"result\":null,\"error\":{\"message\":\"\x1b[2Jno wallet\"},\"id\":1}",
        ] {
            let e = parse(garbage, None).unwrap_err();
            assert!(matches!(e, ReconcileError::Format(_)), "{e}");
            assert!(!e.to_string().contains('\x1b'), "{e}");
        }
        let bad_core = format!(r#"[{{"txid":"{A}","category":"send"}}]"#);
        assert!(parse(bad_core.as_bytes(), None)
            .unwrap_err()
            .to_string()
            .contains("confirmations"));
    }
}
