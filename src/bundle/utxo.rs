//! The online side's inputs: a UTXO snapshot (Bitcoin Core `listunspent` or Esplora
//! `/address/…/utxo` JSON, auto-detected) and the full previous transactions as raw hex.
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use bitcoin::consensus::encode;
use bitcoin::{OutPoint, Transaction, Txid};

use super::parse::hex_decode;
use super::BundleError;
use crate::fsutil::read_limited;

/// Limit for a snapshot or previous-transaction file.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// One unspent output as listed by the node or indexer. The amount is a claim; the previous
/// transaction is what counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utxo {
    /// The output.
    pub outpoint: OutPoint,
    /// Amount the snapshot claims, in sats.
    pub claimed_sats: Option<u64>,
}

fn btc_to_sats(v: &serde_json::Value) -> Option<u64> {
    let f = v.as_f64()?;
    if !(0.0..=21e6).contains(&f) {
        return None;
    }
    Some((f * 1e8).round() as u64)
}

/// Parse a snapshot: a JSON array of objects with `txid`, `vout`, and `amount` (BTC, Core) or
/// `value` (sats, Esplora).
pub fn parse_snapshot(bytes: &[u8]) -> Result<Vec<Utxo>, BundleError> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| BundleError::Utxo(format!("not JSON: {e}")))?;
    let arr = v
        .as_array()
        .ok_or_else(|| BundleError::Utxo("expected a JSON array of UTXOs".into()))?;
    arr.iter()
        .enumerate()
        .map(|(n, u)| {
            let bad = |what: &str| BundleError::Utxo(format!("entry {n}: {what}"));
            let txid = u["txid"].as_str().ok_or_else(|| bad("missing txid"))?;
            let txid = Txid::from_str(txid).map_err(|_| bad("txid is not 64 hex digits"))?;
            let vout = u["vout"]
                .as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| bad("missing vout"))?;
            let claimed_sats = if u.get("value").is_some() {
                Some(
                    u["value"]
                        .as_u64()
                        .ok_or_else(|| bad("value must be whole sats"))?,
                )
            } else if u.get("amount").is_some() {
                Some(btc_to_sats(&u["amount"]).ok_or_else(|| bad("amount must be a BTC number"))?)
            } else {
                None
            };
            Ok(Utxo {
                outpoint: OutPoint { txid, vout },
                claimed_sats,
            })
        })
        .collect()
}

fn parse_tx_hex(text: &str, origin: &str) -> Result<Transaction, BundleError> {
    let bytes =
        hex_decode(text.trim()).ok_or_else(|| BundleError::PrevTx(format!("{origin}: not hex")))?;
    encode::deserialize(&bytes)
        .map_err(|e| BundleError::PrevTx(format!("{origin}: not a transaction: {e}")))
}

/// Previous transactions from a file (one raw hex transaction per line) or a folder of files
/// (each one raw hex transaction, typically named by txid).
pub fn load_prev_txs(path: &Path) -> Result<HashMap<Txid, Transaction>, BundleError> {
    let mut map = HashMap::new();
    let mut add = |text: &str, origin: String| -> Result<(), BundleError> {
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let tx = parse_tx_hex(line, &format!("{origin} line {}", n + 1))?;
            map.insert(tx.compute_txid(), tx);
        }
        Ok(())
    };
    let io = |e: crate::Error| BundleError::PrevTx(e.to_string());
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| BundleError::PrevTx(format!("{}: {e}", path.display())))?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let bytes = read_limited(&f, MAX_FILE).map_err(io)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| BundleError::PrevTx(format!("{}: not text", f.display())))?;
            add(&text, f.display().to_string())?;
        }
    } else {
        let bytes = read_limited(path, MAX_FILE).map_err(io)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| BundleError::PrevTx(format!("{}: not text", path.display())))?;
        add(&text, path.display().to_string())?;
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_and_esplora_forms() {
        let core = br#"[{"txid":"75ddabb27b8845f5247975c8a5ba7c6f336c4570708ebe230caf6db5217ae858","vout":0,"amount":0.00012345,"confirmations":3}]"#;
        let esplora = br#"[{"txid":"75ddabb27b8845f5247975c8a5ba7c6f336c4570708ebe230caf6db5217ae858","vout":0,"status":{"confirmed":true},"value":12345}]"#;
        assert_eq!(
            parse_snapshot(core).unwrap(),
            parse_snapshot(esplora).unwrap()
        );
        assert_eq!(parse_snapshot(core).unwrap()[0].claimed_sats, Some(12345));
        assert!(parse_snapshot(b"{}").is_err());
        assert!(parse_snapshot(br#"[{"txid":"zz","vout":0}]"#).is_err());
    }
}
