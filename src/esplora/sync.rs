//! `wallet sync`: scan a watch-only wallet on an Esplora server, write what `bundle create` and
//! `log reconcile` already read, and move the wallet file's next indexes forward.
//!
//! Nothing is written until the whole scan has passed its checks. Then, each atomically:
//! `prev-txs.hex` (one raw transaction per line, by txid), `history.json` (the wallet's
//! transactions as Esplora describes them, for `log reconcile --txs`), `utxos.json` (Esplora's
//! `/address/:addr/utxo` shape, plus the address, branch and index of each), and last the wallet
//! file, under its lock: each next index becomes at least the last used index + 1, never less
//! than it was.
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::scan::{self, BranchScan, FoundUtxo, Progress, Source};
use crate::fsutil::{check_output, write_atomic};
use crate::wallet::file::{self, NextIndex, WalletFile};
use crate::wallet::WalletError;
use crate::Error;

/// The files `wallet sync` writes into its folder.
#[derive(Debug, Clone, Serialize)]
pub struct Files {
    /// `utxos.json`: for `bundle create --utxos`.
    pub utxos: PathBuf,
    /// `prev-txs.hex`: for `bundle create --prev-txs`.
    pub prev_txs: PathBuf,
    /// `history.json`: for `log reconcile --txs`.
    pub history: PathBuf,
}

impl Files {
    /// The three files in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Files {
            utxos: dir.join("utxos.json"),
            prev_txs: dir.join("prev-txs.hex"),
            history: dir.join("history.json"),
        }
    }
}

/// One branch: what the scan found and how the next index moved.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BranchReport {
    /// Scan results.
    #[serde(flatten)]
    pub scan: BranchScan,
    /// The wallet file's next index before the sync.
    pub next_index_before: u32,
    /// The wallet file's next index now.
    pub next_index: u32,
}

/// What `wallet sync` did.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The wallet's name (untrusted text: escape it when printing).
    pub wallet: String,
    /// The wallet id.
    pub wallet_id: String,
    /// The wallet's network.
    pub network: bitcoin::Network,
    /// The API base that answered.
    pub server: String,
    /// Receive branch.
    pub receive: BranchReport,
    /// Change branch.
    pub change: BranchReport,
    /// Unspent outputs found.
    pub utxos: Vec<FoundUtxo>,
    /// Their total in sats.
    pub total_sats: u64,
    /// The part of it in transactions the server says are unconfirmed.
    pub unconfirmed_sats: u64,
    /// Previous transactions written.
    pub prev_txs: usize,
    /// Transactions in the history written.
    pub history_txs: usize,
    /// Addresses whose history was cut short (too long).
    pub history_truncated: Vec<String>,
    /// Files written.
    pub files: Files,
}

/// Scan the wallet file at `wallet` on `src`, write the files into `out_dir` (which must
/// exist), and move the wallet's next indexes forward.
pub fn sync_wallet(
    wallet: &Path,
    src: &dyn Source,
    server: &str,
    out_dir: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, Error> {
    let before = WalletFile::load(wallet)?;
    let w = before.watch_only()?;
    let files = Files::in_dir(out_dir);
    // Refuse a missing folder, a FIFO or a seed file before scanning.
    check_out_dir(out_dir)?;
    for f in [&files.utxos, &files.prev_txs, &files.history] {
        check_output(f, true)?;
    }
    let found = scan::scan(src, &w, before.gap_limit, progress)?;

    let mut prev = String::new();
    for tx in found.prev_txs.values() {
        prev.push_str(&bitcoin::consensus::encode::serialize_hex(tx));
        prev.push('\n');
    }
    write_atomic(&files.prev_txs, prev.as_bytes())?;
    write_atomic(&files.history, &json_lines_array(&found.history))?;
    write_atomic(&files.utxos, &utxos_json(&found.utxos))?;

    let next = file::update(wallet, |f| {
        if f.wallet_id != before.wallet_id {
            return Err(WalletError::BadWalletFile(format!(
                "it now holds wallet {} instead of {}, which was scanned; the next indexes were not changed",
                crate::sanitize::escape(&f.wallet_id),
                before.wallet_id
            ))
            .into());
        }
        let forward = |now: u32, last_used: Option<u32>| match last_used {
            Some(i) => now.max(i.saturating_add(1)),
            None => now,
        };
        f.next_index = NextIndex {
            receive: forward(f.next_index.receive, found.receive.last_used),
            change: forward(f.next_index.change, found.change.last_used),
        };
        Ok(f.next_index)
    })?;

    let total_sats = found.utxos.iter().map(|u| u.value).sum();
    let unconfirmed_sats = found
        .utxos
        .iter()
        .filter(|u| !u.confirmed)
        .map(|u| u.value)
        .sum();
    Ok(Report {
        wallet: before.name.clone(),
        wallet_id: before.wallet_id.clone(),
        network: before.network,
        server: server.to_owned(),
        receive: BranchReport {
            scan: found.receive,
            next_index_before: before.next_index.receive,
            next_index: next.receive,
        },
        change: BranchReport {
            scan: found.change,
            next_index_before: before.next_index.change,
            next_index: next.change,
        },
        total_sats,
        unconfirmed_sats,
        prev_txs: found.prev_txs.len(),
        history_txs: found.history.len(),
        history_truncated: found.history_truncated,
        utxos: found.utxos,
        files,
    })
}

/// `DIR` must be an existing folder (airsign does not create folders): checked before the server
/// is asked anything, so a typo costs no scan.
pub fn check_out_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::io(
            "write into",
            dir,
            std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        )),
        Err(e) => Err(Error::io("write into", dir, e)),
    }
}

/// `utxos.json`: Esplora's `/address/:addr/utxo` entries (`txid`, `vout`, `value`, `status`),
/// with the wallet `address`, `branch` and `index` of each added.
pub fn utxos_json(utxos: &[FoundUtxo]) -> Vec<u8> {
    let list: Vec<serde_json::Value> = utxos
        .iter()
        .map(|u| {
            let mut status = serde_json::json!({ "confirmed": u.confirmed });
            if let Some(h) = u.block_height {
                status["block_height"] = h.into();
            }
            serde_json::json!({
                "txid": u.txid.to_string(),
                "vout": u.vout,
                "value": u.value,
                "status": status,
                "address": u.address,
                "branch": u.branch.name(),
                "index": u.index,
            })
        })
        .collect();
    // Plain values into a Vec: serde_json cannot fail here.
    let mut out = serde_json::to_vec_pretty(&list).expect("plain JSON values serialize");
    out.push(b'\n');
    out
}

/// A JSON array with one element per line (history can be long; this keeps it diffable).
fn json_lines_array(items: &[serde_json::Value]) -> Vec<u8> {
    let mut out = b"[".to_vec();
    for (n, v) in items.iter().enumerate() {
        out.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
        // A `Value` always serializes.
        out.extend_from_slice(&serde_json::to_vec(v).expect("JSON values serialize"));
    }
    out.extend_from_slice(b"\n]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_utxos_are_what_bundle_create_reads() {
        let txid = "75ddabb27b8845f5247975c8a5ba7c6f336c4570708ebe230caf6db5217ae858";
        let u = FoundUtxo {
            txid: txid.parse().unwrap(),
            vout: 3,
            value: 12_345,
            confirmed: true,
            block_height: Some(101),
            address: "bcrt1q…".into(),
            branch: scan::Branch::Change,
            index: 7,
        };
        let bytes = utxos_json(&[u]);
        let back = crate::bundle::utxo::parse_snapshot(&bytes).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].outpoint.to_string(), format!("{txid}:3"));
        assert_eq!(back[0].claimed_sats, Some(12_345));
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v[0]["status"]["block_height"], 101);
        assert_eq!(v[0]["branch"], "change");
    }

    #[test]
    fn history_file_is_a_json_array() {
        let items = vec![
            serde_json::json!({"txid": "a"}),
            serde_json::json!({"txid": "b"}),
        ];
        let v: serde_json::Value = serde_json::from_slice(&json_lines_array(&items)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        let empty: serde_json::Value = serde_json::from_slice(&json_lines_array(&[])).unwrap();
        assert_eq!(empty, serde_json::json!([]));
    }
}
