//! The gap-limit scan of a watch-only wallet over an Esplora API, with every answer that matters
//! checked.
//!
//! For each branch (receive, then change), addresses are asked for in order from index 0
//! (`GET /address/:addr/txs`, then `…/txs/chain/:last_seen_txid` for older pages) until
//! `gap_limit` addresses in a row have no history, and never before the wallet file's next index
//! (addresses already handed out may have been paid). A used address's unspent outputs come from
//! `GET /address/:addr/utxo`, and each one's previous transaction from `GET /tx/:txid/hex`.
//!
//! Checks (a failed one is an integrity failure: the server contradicts itself):
//! - the previous transaction hashes to the txid asked for;
//! - its output at the listed `vout` exists, pays the address it was listed under, and holds the
//!   listed value — so an output listed under a wallet address that pays anyone else (an address
//!   not in the wallet) is refused, not ignored: a server that lies about one output is not
//!   believed about the others;
//! - no output is listed twice;
//! - every transaction in an address's history pays or spends that address.
//!
//! What cannot be checked here: that the transactions are confirmed, or that the server listed
//! everything (it can hide coins and history). The signer proves the amounts from the previous
//! transactions; the chain decides whether they exist.
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use bitcoin::{OutPoint, ScriptBuf, Transaction, Txid};
use serde::Serialize;

use super::{EsploraError, Server};
use crate::wallet::WatchOnly;
use crate::Error;

/// Most indexes scanned per branch: a server claiming history on every address must not keep
/// the scan (and the wallet's next index) going forever.
pub const MAX_INDEX_PER_BRANCH: u32 = 10_000;
/// Confirmed transactions per page of `/address/:addr/txs` and `…/txs/chain` (API.md).
pub const CHAIN_PAGE: usize = 25;
/// Most pages of confirmed history read per address (5,000 transactions).
pub const MAX_HISTORY_PAGES: u32 = 200;

/// Where answers come from: the HTTP server, or a table in tests.
pub trait Source {
    /// GET `path` (starting with `/`) under the API base; the body of a 200 answer.
    fn get(&self, path: &str) -> Result<Vec<u8>, EsploraError>;
    /// The full URL of `path`, for error messages.
    fn url(&self, path: &str) -> String;
}

impl Source for Server {
    fn get(&self, path: &str) -> Result<Vec<u8>, EsploraError> {
        Server::get(self, path)
    }
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A wallet branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Branch {
    /// `/0/*`.
    Receive,
    /// `/1/*`.
    Change,
}

impl Branch {
    /// "receive" or "change".
    pub fn name(self) -> &'static str {
        match self {
            Branch::Receive => "receive",
            Branch::Change => "change",
        }
    }
}

/// Where the scan is, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The branch being scanned.
    pub branch: Branch,
    /// The index just asked for.
    pub index: u32,
    /// Used addresses found on this branch so far.
    pub used: u32,
    /// Unspent outputs found so far (both branches).
    pub utxos: usize,
}

/// What one branch's scan found.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct BranchScan {
    /// Addresses asked for (indexes 0 to `scanned - 1`).
    pub scanned: u32,
    /// Addresses with any history.
    pub used: u32,
    /// The highest used index.
    pub last_used: Option<u32>,
}

/// An unspent output of the wallet, checked against its previous transaction.
#[derive(Debug, Clone, Serialize)]
pub struct FoundUtxo {
    /// Funding transaction.
    pub txid: Txid,
    /// Output index.
    pub vout: u32,
    /// Amount in sats (the previous transaction's, equal to the listed one).
    pub value: u64,
    /// Whether the server says the funding transaction is in a block.
    pub confirmed: bool,
    /// The block height the server gives, when confirmed.
    pub block_height: Option<u64>,
    /// The wallet address paid.
    pub address: String,
    /// Its branch.
    pub branch: Branch,
    /// Its index on the branch.
    pub index: u32,
}

/// Everything the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// The receive branch.
    pub receive: BranchScan,
    /// The change branch.
    pub change: BranchScan,
    /// Unspent outputs, in scan order.
    pub utxos: Vec<FoundUtxo>,
    /// The previous transaction of every unspent output, by txid.
    pub prev_txs: BTreeMap<Txid, Transaction>,
    /// The wallet's transactions as the server describes them (Esplora transaction objects),
    /// each once.
    pub history: Vec<serde_json::Value>,
    /// Addresses whose confirmed history was longer than [`MAX_HISTORY_PAGES`] pages (cut short).
    pub history_truncated: Vec<String>,
}

/// Scan both branches of `w` from index 0 with `gap_limit`, never stopping before the wallet's
/// next indexes (`w.next_receive`, `w.next_change`).
pub fn scan(
    src: &dyn Source,
    w: &WatchOnly,
    gap_limit: u32,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Scan, Error> {
    let mut s = Scanner {
        src,
        w,
        out: Scan::default(),
        seen_txs: HashSet::new(),
        seen_outpoints: HashSet::new(),
    };
    for (branch, floor) in [
        (Branch::Receive, w.next_receive),
        (Branch::Change, w.next_change),
    ] {
        let found = s.branch(branch, floor, gap_limit, progress)?;
        match branch {
            Branch::Receive => s.out.receive = found,
            Branch::Change => s.out.change = found,
        }
    }
    Ok(s.out)
}

struct Scanner<'a> {
    src: &'a dyn Source,
    w: &'a WatchOnly,
    out: Scan,
    seen_txs: HashSet<Txid>,
    seen_outpoints: HashSet<OutPoint>,
}

impl Scanner<'_> {
    fn branch(
        &mut self,
        branch: Branch,
        floor: u32,
        gap_limit: u32,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<BranchScan, Error> {
        let change = branch == Branch::Change;
        let mut found = BranchScan::default();
        let mut unused_run = 0u32;
        let mut index = 0u32;
        while index < floor || unused_run < gap_limit {
            if index >= MAX_INDEX_PER_BRANCH {
                return Err(EsploraError::TooManyAddresses {
                    branch: branch.name(),
                    limit: MAX_INDEX_PER_BRANCH,
                }
                .into());
            }
            let address = self.w.address(change, index)?;
            let script = address.script_pubkey();
            let address = address.to_string();
            let used = self.history(&address, &script)?;
            if used {
                found.used += 1;
                found.last_used = Some(index);
                unused_run = 0;
                self.utxos(&address, &script, branch, index)?;
            } else {
                unused_run += 1;
            }
            progress(&Progress {
                branch,
                index,
                used: found.used,
                utxos: self.out.utxos.len(),
            });
            index += 1;
        }
        found.scanned = index;
        Ok(found)
    }

    /// Read an address's history into `out.history`; whether it has any.
    fn history(&mut self, address: &str, script: &ScriptBuf) -> Result<bool, Error> {
        let script_hex = crate::hex::encode(script.as_bytes());
        let first = format!("/address/{address}/txs");
        let page = self.page(&first, address, &script_hex)?;
        let used = !page.is_empty();
        let mut confirmed: Vec<Txid> = Vec::new();
        let mut full = self.keep(page, &mut confirmed) >= CHAIN_PAGE;
        let mut pages = 1;
        while full {
            let Some(last) = confirmed.last() else { break };
            if pages >= MAX_HISTORY_PAGES {
                self.out.history_truncated.push(address.to_owned());
                break;
            }
            let path = format!("/address/{address}/txs/chain/{last}");
            let page = self.page(&path, address, &script_hex)?;
            let before = confirmed.len();
            let n = self.keep(page, &mut confirmed);
            // A page that brings nothing new ends the history, whatever its length.
            full = n >= CHAIN_PAGE && confirmed.len() > before;
            pages += 1;
        }
        Ok(used)
    }

    /// Keep a page's transactions not seen before; pushes confirmed txids in order and returns
    /// how many confirmed transactions the page had.
    fn keep(&mut self, page: Vec<HistoryTx>, confirmed: &mut Vec<Txid>) -> usize {
        let mut n = 0;
        for t in page {
            if t.confirmed {
                n += 1;
                if !confirmed.contains(&t.txid) {
                    confirmed.push(t.txid);
                }
            }
            if self.seen_txs.insert(t.txid) {
                self.out.history.push(t.json);
            }
        }
        n
    }

    fn page(
        &self,
        path: &str,
        address: &str,
        script_hex: &str,
    ) -> Result<Vec<HistoryTx>, EsploraError> {
        let body = self.src.get(path)?;
        parse_history(&body, address, script_hex).map_err(|e| e.at(self.src.url(path)))
    }

    /// An address's unspent outputs, each checked against its previous transaction.
    fn utxos(
        &mut self,
        address: &str,
        script: &ScriptBuf,
        branch: Branch,
        index: u32,
    ) -> Result<(), Error> {
        let path = format!("/address/{address}/utxo");
        let body = self.src.get(&path)?;
        let listed = parse_utxos(&body).map_err(|e| e.at(self.src.url(&path)))?;
        for u in listed {
            let outpoint = OutPoint {
                txid: u.txid,
                vout: u.vout,
            };
            if !self.seen_outpoints.insert(outpoint) {
                return Err(EsploraError::DuplicateUtxo(outpoint).into());
            }
            if !self.out.prev_txs.contains_key(&u.txid) {
                let tx = self.prev_tx(&u.txid)?;
                self.out.prev_txs.insert(u.txid, tx);
            }
            let tx = &self.out.prev_txs[&u.txid];
            check_output(tx, outpoint, u.value, script, address, self.w.network)?;
            self.out.utxos.push(FoundUtxo {
                txid: u.txid,
                vout: u.vout,
                value: u.value,
                confirmed: u.confirmed,
                block_height: u.block_height,
                address: address.to_owned(),
                branch,
                index,
            });
        }
        Ok(())
    }

    fn prev_tx(&self, txid: &Txid) -> Result<Transaction, EsploraError> {
        let path = format!("/tx/{txid}/hex");
        let body = self.src.get(&path)?;
        prev_tx(txid, &body).map_err(|e| e.at(self.src.url(&path)))
    }
}

/// A parse failure before the URL is known.
#[derive(Debug)]
pub enum Bad {
    /// Not the documented shape.
    Shape(String),
    /// A checked fact does not hold.
    Integrity(EsploraError),
}

impl Bad {
    fn at(self, url: String) -> EsploraError {
        match self {
            Bad::Shape(what) => EsploraError::Malformed { url, what },
            Bad::Integrity(e) => e,
        }
    }
}

/// One transaction of an address's history.
#[derive(Debug)]
pub struct HistoryTx {
    /// Its txid.
    pub txid: Txid,
    /// Whether the server says it is in a block.
    pub confirmed: bool,
    /// The server's description, kept for `history.json`.
    pub json: serde_json::Value,
}

fn txid_of(v: &serde_json::Value, at: &str) -> Result<Txid, Bad> {
    let s = v
        .as_str()
        .ok_or_else(|| Bad::Shape(format!("{at}: no txid string")))?;
    if s.len() != 64 {
        return Err(Bad::Shape(format!("{at}: the txid is not 64 hex digits")));
    }
    Txid::from_str(s).map_err(|_| Bad::Shape(format!("{at}: the txid is not 64 hex digits")))
}

fn json_array(body: &[u8]) -> Result<Vec<serde_json::Value>, Bad> {
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Array(a)) => Ok(a),
        Ok(_) => Err(Bad::Shape("expected a JSON array".into())),
        Err(e) => Err(Bad::Shape(format!("not JSON ({e})"))),
    }
}

/// Parse `/address/:addr/txs` (or a `/txs/chain` page): transactions with `txid`,
/// `status.confirmed`, `vin[].prevout.scriptpubkey` and `vout[].scriptpubkey`; each must pay or
/// spend `script_hex`.
pub fn parse_history(body: &[u8], address: &str, script_hex: &str) -> Result<Vec<HistoryTx>, Bad> {
    json_array(body)?
        .into_iter()
        .enumerate()
        .map(|(n, t)| {
            let at = format!("transaction {n}");
            let txid = txid_of(&t["txid"], &at)?;
            let confirmed = t["status"]["confirmed"]
                .as_bool()
                .ok_or_else(|| Bad::Shape(format!("{at}: no status.confirmed")))?;
            let is_ours = |v: &serde_json::Value| {
                v.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(script_hex))
            };
            let pays = t["vout"]
                .as_array()
                .is_some_and(|o| o.iter().any(|o| is_ours(&o["scriptpubkey"])));
            let spends = t["vin"]
                .as_array()
                .is_some_and(|i| i.iter().any(|i| is_ours(&i["prevout"]["scriptpubkey"])));
            if !(pays || spends) {
                return Err(Bad::Integrity(EsploraError::UnrelatedHistory {
                    txid,
                    address: address.to_owned(),
                }));
            }
            Ok(HistoryTx {
                txid,
                confirmed,
                json: t,
            })
        })
        .collect()
}

/// One entry of `/address/:addr/utxo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedUtxo {
    /// Funding transaction.
    pub txid: Txid,
    /// Output index.
    pub vout: u32,
    /// Claimed amount in sats.
    pub value: u64,
    /// `status.confirmed`.
    pub confirmed: bool,
    /// `status.block_height`, when given.
    pub block_height: Option<u64>,
}

/// Parse `/address/:addr/utxo`: `[{"txid", "vout", "value", "status": {"confirmed", …}}]`.
pub fn parse_utxos(body: &[u8]) -> Result<Vec<ListedUtxo>, Bad> {
    json_array(body)?
        .into_iter()
        .enumerate()
        .map(|(n, u)| {
            let at = format!("entry {n}");
            let field = |what: &str| Bad::Shape(format!("{at}: no {what}"));
            Ok(ListedUtxo {
                txid: txid_of(&u["txid"], &at)?,
                vout: u["vout"]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| field("vout (a whole number)"))?,
                value: u["value"]
                    .as_u64()
                    .filter(|v| *v <= bitcoin::Amount::MAX_MONEY.to_sat())
                    .ok_or_else(|| field("value (whole sats)"))?,
                confirmed: u["status"]["confirmed"]
                    .as_bool()
                    .ok_or_else(|| field("status.confirmed"))?,
                block_height: u["status"]["block_height"].as_u64(),
            })
        })
        .collect()
}

/// Parse `/tx/:txid/hex` and check that it is the transaction `txid` names.
pub fn prev_tx(txid: &Txid, body: &[u8]) -> Result<Transaction, Bad> {
    let text = std::str::from_utf8(body).map_err(|_| Bad::Shape("not text".into()))?;
    let bytes = crate::hex::decode(text.trim()).ok_or_else(|| Bad::Shape("not hex".into()))?;
    let tx: Transaction = bitcoin::consensus::encode::deserialize(&bytes)
        .map_err(|e| Bad::Shape(format!("not a transaction ({e})")))?;
    let got = tx.compute_txid();
    if got != *txid {
        return Err(Bad::Integrity(EsploraError::TxidMismatch {
            asked: *txid,
            got,
        }));
    }
    Ok(tx)
}

/// The output `outpoint` of `tx` must pay `script` exactly `value` sats.
pub fn check_output(
    tx: &Transaction,
    outpoint: OutPoint,
    value: u64,
    script: &ScriptBuf,
    address: &str,
    network: bitcoin::Network,
) -> Result<(), EsploraError> {
    let not_paying = |reason: String| EsploraError::NotPaying {
        outpoint,
        address: address.to_owned(),
        reason,
    };
    let Some(out) = tx.output.get(outpoint.vout as usize) else {
        return Err(not_paying(format!(
            "transaction {} has only {} output(s)",
            outpoint.txid,
            tx.output.len()
        )));
    };
    if out.script_pubkey != *script {
        let other = bitcoin::Address::from_script(&out.script_pubkey, network).map_or_else(
            |_| {
                format!(
                    "script {}",
                    crate::hex::encode(out.script_pubkey.as_bytes())
                )
            },
            |a| a.to_string(),
        );
        return Err(not_paying(format!(
            "that output pays {other}, which is not this address"
        )));
    }
    if out.value.to_sat() != value {
        return Err(not_paying(format!(
            "that output holds {} sat, not the {value} sat listed",
            out.value.to_sat()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    use crate::wallet::fixture::funding_tx;

    const TPUB: &str = "[73c5da0a/84'/1'/0']tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";

    fn wallet() -> WatchOnly {
        WatchOnly::from_descriptor(&format!("wpkh({TPUB}/<0;1>/*)"), bitcoin::Network::Regtest)
            .unwrap()
    }

    /// Answers from a table; unknown paths are a 404, and every path asked is recorded.
    struct Table {
        answers: HashMap<String, Vec<u8>>,
        asked: RefCell<Vec<String>>,
    }

    impl Source for Table {
        fn get(&self, path: &str) -> Result<Vec<u8>, EsploraError> {
            self.asked.borrow_mut().push(path.to_owned());
            self.answers
                .get(path)
                .cloned()
                .ok_or_else(|| EsploraError::Status {
                    url: path.to_owned(),
                    status: 404,
                    message: String::new(),
                })
        }
        fn url(&self, path: &str) -> String {
            path.to_owned()
        }
    }

    /// Esplora's shape for a transaction paying `script_hex` (only the fields the scan reads,
    /// plus a few others).
    fn tx_json(tx: &Transaction, confirmed: bool) -> serde_json::Value {
        serde_json::json!({
            "txid": tx.compute_txid().to_string(),
            "version": 2,
            "locktime": 0,
            "vin": [{"txid": "00".repeat(32), "vout": 0, "prevout": null, "is_coinbase": false}],
            "vout": tx.output.iter().map(|o| serde_json::json!({
                "scriptpubkey": crate::hex::encode(o.script_pubkey.as_bytes()),
                "value": o.value.to_sat(),
            })).collect::<Vec<_>>(),
            "status": if confirmed {
                serde_json::json!({"confirmed": true, "block_height": 101})
            } else {
                serde_json::json!({"confirmed": false})
            },
        })
    }

    /// A wallet paid 5,000 sat at receive 2; every other address of the first 40 unused.
    fn table(w: &WatchOnly) -> (Table, Transaction) {
        let a2 = w.address(false, 2).unwrap();
        let tx = funding_tx(&[(a2.script_pubkey(), 5_000)], 7);
        let mut answers = HashMap::new();
        for change in [false, true] {
            for i in 0..40 {
                let a = w.address(change, i).unwrap();
                answers.insert(format!("/address/{a}/txs"), b"[]".to_vec());
            }
        }
        answers.insert(
            format!("/address/{a2}/txs"),
            serde_json::to_vec(&[tx_json(&tx, true)]).unwrap(),
        );
        let txid = tx.compute_txid();
        answers.insert(
            format!("/address/{a2}/utxo"),
            format!(r#"[{{"txid":"{txid}","vout":0,"value":5000,"status":{{"confirmed":true,"block_height":101}}}}]"#)
                .into_bytes(),
        );
        answers.insert(
            format!("/tx/{txid}/hex"),
            bitcoin::consensus::encode::serialize_hex(&tx).into_bytes(),
        );
        (
            Table {
                answers,
                asked: RefCell::new(Vec::new()),
            },
            tx,
        )
    }

    #[test]
    fn gap_scan_finds_the_coin_and_stops_after_the_gap() {
        let w = wallet();
        let (t, tx) = table(&w);
        let mut seen = 0;
        let s = scan(&t, &w, 5, &mut |_| seen += 1).unwrap();
        // Receive: 0..=2, then 5 unused (3..=7); change: 5 unused.
        assert_eq!(
            (s.receive.scanned, s.receive.used, s.receive.last_used),
            (8, 1, Some(2))
        );
        assert_eq!(
            (s.change.scanned, s.change.used, s.change.last_used),
            (5, 0, None)
        );
        assert_eq!(seen, 13, "one progress call per address");
        assert_eq!(s.utxos.len(), 1);
        assert_eq!(s.utxos[0].value, 5_000);
        assert_eq!((s.utxos[0].branch, s.utxos[0].index), (Branch::Receive, 2));
        assert_eq!(s.prev_txs[&tx.compute_txid()], tx);
        assert_eq!(s.history.len(), 1);
        // Only used addresses are asked for their UTXOs.
        let utxo_asks = t
            .asked
            .borrow()
            .iter()
            .filter(|p| p.ends_with("/utxo"))
            .count();
        assert_eq!(utxo_asks, 1);
    }

    #[test]
    fn handed_out_addresses_are_scanned_past_the_gap() {
        let mut w = wallet();
        w.next_receive = 12;
        let (t, _) = table(&w);
        let s = scan(&t, &w, 5, &mut |_| {}).unwrap();
        // Never before the next index (12), and then until 5 unused in a row.
        assert_eq!(s.receive.scanned, 12);
        w.next_receive = 30;
        let s = scan(&t, &w, 5, &mut |_| {}).unwrap();
        assert_eq!(s.receive.scanned, 30);
    }

    #[test]
    fn a_previous_transaction_that_is_not_the_txid_is_an_integrity_failure() {
        let w = wallet();
        let (mut t, tx) = table(&w);
        let other = funding_tx(&[(w.address(false, 2).unwrap().script_pubkey(), 5_000)], 8);
        t.answers.insert(
            format!("/tx/{}/hex", tx.compute_txid()),
            bitcoin::consensus::encode::serialize_hex(&other).into_bytes(),
        );
        let e = scan(&t, &w, 5, &mut |_| {}).unwrap_err();
        assert!(
            matches!(e, Error::Esplora(EsploraError::TxidMismatch { .. })),
            "{e:?}"
        );
    }

    #[test]
    fn listed_outputs_must_pay_the_address_the_listed_amount() {
        let w = wallet();
        let a2 = w.address(false, 2).unwrap();
        let tx = funding_tx(
            &[
                (a2.script_pubkey(), 5_000),
                (w.address(false, 9).unwrap().script_pubkey(), 1),
            ],
            7,
        );
        let op = |vout| OutPoint {
            txid: tx.compute_txid(),
            vout,
        };
        let s = a2.script_pubkey();
        let net = bitcoin::Network::Regtest;
        assert!(check_output(&tx, op(0), 5_000, &s, "a", net).is_ok());
        let e = check_output(&tx, op(0), 6_000, &s, "a", net).unwrap_err();
        assert!(
            e.to_string().contains("holds 5000 sat, not the 6000"),
            "{e}"
        );
        let e = check_output(&tx, op(1), 1, &s, "a", net).unwrap_err();
        assert!(e.to_string().contains("which is not this address"), "{e}");
        let e = check_output(&tx, op(2), 1, &s, "a", net).unwrap_err();
        assert!(e.to_string().contains("only 2 output(s)"), "{e}");
    }

    #[test]
    fn shapes_are_checked() {
        assert!(parse_utxos(b"{}").is_err());
        assert!(parse_utxos(b"not json").is_err());
        assert!(
            parse_utxos(br#"[{"txid":"ab","vout":0,"value":1,"status":{"confirmed":true}}]"#)
                .is_err()
        );
        let t = "75ddabb27b8845f5247975c8a5ba7c6f336c4570708ebe230caf6db5217ae858";
        let ok =
            format!(r#"[{{"txid":"{t}","vout":1,"value":12345,"status":{{"confirmed":false}}}}]"#);
        let u = parse_utxos(ok.as_bytes()).unwrap();
        assert_eq!((u[0].vout, u[0].value, u[0].confirmed), (1, 12345, false));
        let neg = ok.replace("12345", "-1");
        assert!(parse_utxos(neg.as_bytes()).is_err());
        let too_much = ok.replace("12345", "2100000000000001");
        assert!(parse_utxos(too_much.as_bytes()).is_err());
        let no_status = format!(r#"[{{"txid":"{t}","vout":1,"value":1}}]"#);
        assert!(parse_utxos(no_status.as_bytes()).is_err());
    }

    #[test]
    fn history_must_touch_the_address() {
        let w = wallet();
        let a = w.address(false, 0).unwrap();
        let hex = crate::hex::encode(a.script_pubkey().as_bytes());
        let paying = funding_tx(&[(a.script_pubkey(), 1)], 1);
        let body = serde_json::to_vec(&[tx_json(&paying, true)]).unwrap();
        assert_eq!(parse_history(&body, "a", &hex).unwrap().len(), 1);
        let other = funding_tx(&[(w.address(false, 1).unwrap().script_pubkey(), 1)], 1);
        let body = serde_json::to_vec(&[tx_json(&other, true)]).unwrap();
        assert!(matches!(
            parse_history(&body, "a", &hex),
            Err(Bad::Integrity(EsploraError::UnrelatedHistory { .. }))
        ));
    }

    #[test]
    fn long_history_is_read_page_by_page() {
        let w = wallet();
        let a0 = w.address(false, 0).unwrap();
        let txs: Vec<Transaction> = (0..30)
            .map(|n| funding_tx(&[(a0.script_pubkey(), 1_000 + n)], n as u32 + 100))
            .collect();
        let mut answers = HashMap::new();
        for change in [false, true] {
            for i in 0..10 {
                let a = w.address(change, i).unwrap();
                answers.insert(format!("/address/{a}/txs"), b"[]".to_vec());
            }
        }
        let page = |from: usize, to: usize| {
            serde_json::to_vec(
                &txs[from..to]
                    .iter()
                    .map(|t| tx_json(t, true))
                    .collect::<Vec<_>>(),
            )
            .unwrap()
        };
        answers.insert(format!("/address/{a0}/txs"), page(0, 25));
        answers.insert(
            format!("/address/{a0}/txs/chain/{}", txs[24].compute_txid()),
            page(25, 30),
        );
        answers.insert(format!("/address/{a0}/utxo"), b"[]".to_vec());
        let t = Table {
            answers,
            asked: RefCell::new(Vec::new()),
        };
        let s = scan(&t, &w, 3, &mut |_| {}).unwrap();
        assert_eq!(s.history.len(), 30);
        assert!(s.history_truncated.is_empty());
    }
}
