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

/// Electrum's `value`: a BTC amount as a decimal string (Electrum 4) or whole sats (older).
fn electrum_value(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::String(s) => {
            bitcoin::Amount::from_str_in(s.trim(), bitcoin::Denomination::Bitcoin)
                .ok()
                .map(bitcoin::Amount::to_sat)
        }
        other => other.as_u64(),
    }
}

/// Parse a snapshot, auto-detecting the form:
/// - Bitcoin Core `listunspent`: `txid`, `vout`, `amount` (BTC number); also wrapped in a
///   JSON-RPC reply `{"result": [...], "error": null, "id": …}`;
/// - Esplora `/address/:addr/utxo`: `txid`, `vout`, `value` (sats);
/// - Electrum `listunspent`: `prevout_hash`, `prevout_n`, `value` (BTC string), `address`, `height`.
pub fn parse_snapshot(bytes: &[u8]) -> Result<Vec<Utxo>, BundleError> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| BundleError::Utxo(format!("not JSON: {e}")))?;
    let v = match v.as_object() {
        Some(o) if o.contains_key("result") => {
            if let Some(err) = o.get("error").filter(|e| !e.is_null()) {
                let msg = err["message"]
                    .as_str()
                    .map_or_else(|| err.to_string(), str::to_owned);
                return Err(BundleError::Utxo(format!(
                    "the JSON-RPC reply is an error: {}",
                    crate::sanitize::escape(&msg)
                )));
            }
            &o["result"]
        }
        _ => &v,
    };
    let arr = v.as_array().ok_or_else(|| {
        BundleError::Utxo(
            "expected a JSON array of UTXOs (or a JSON-RPC reply whose result is one)".into(),
        )
    })?;
    arr.iter()
        .enumerate()
        .map(|(n, u)| {
            let bad = |what: &str| BundleError::Utxo(format!("entry {n}: {what}"));
            let electrum = u.get("prevout_hash").is_some();
            let (txid_key, vout_key) = if electrum {
                ("prevout_hash", "prevout_n")
            } else {
                ("txid", "vout")
            };
            let txid = u[txid_key]
                .as_str()
                .ok_or_else(|| bad(&format!("missing {txid_key}")))?;
            let txid = Txid::from_str(txid)
                .map_err(|_| bad(&format!("{txid_key} is not 64 hex digits")))?;
            let vout = u[vout_key]
                .as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| bad(&format!("missing {vout_key}")))?;
            let claimed_sats = match (u.get("value"), u.get("amount")) {
                (Some(serde_json::Value::Null), _) if electrum => None,
                (Some(v), _) if electrum => Some(
                    electrum_value(v)
                        .ok_or_else(|| bad("value must be a BTC string such as \"0.0008\""))?,
                ),
                (Some(v), _) => Some(v.as_u64().ok_or_else(|| bad("value must be whole sats"))?),
                (None, Some(a)) => {
                    Some(btc_to_sats(a).ok_or_else(|| bad("amount must be a BTC number"))?)
                }
                (None, None) => None,
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
    let io = BundleError::PrevTxFile;
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
        assert!(parse_snapshot(br#"{"result": null, "error": {"code": -18, "message": "Requested wallet does not exist"}, "id": 1}"#)
            .unwrap_err()
            .to_string()
            .contains("Requested wallet does not exist"));
        assert!(parse_snapshot(br#"[{"txid":"zz","vout":0}]"#).is_err());
    }

    const TXID: &str = "75ddabb27b8845f5247975c8a5ba7c6f336c4570708ebe230caf6db5217ae858";

    #[test]
    fn electrum_listunspent_is_read() {
        // As `electrum listunspent` prints it (Electrum 4: value is a BTC decimal string).
        let electrum = format!(
            r#"[{{"address":"bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu","coinbase":false,"height":840000,"nsequence":4294967293,"prevout_hash":"{TXID}","prevout_n":1,"value":"0.00012345"}},
               {{"prevout_hash":"{TXID}","prevout_n":2,"value":12345,"height":0}}]"#
        );
        let u = parse_snapshot(electrum.as_bytes()).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].outpoint.to_string(), format!("{TXID}:1"));
        assert_eq!(u[0].claimed_sats, Some(12345));
        // Older Electrum printed whole sats.
        assert_eq!(u[1].claimed_sats, Some(12345));
        let bad = format!(r#"[{{"prevout_hash":"{TXID}","prevout_n":0,"value":"1.2.3"}}]"#);
        assert!(parse_snapshot(bad.as_bytes()).is_err());
        let no_n = format!(r#"[{{"prevout_hash":"{TXID}","value":"0.1"}}]"#);
        assert!(parse_snapshot(no_n.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("prevout_n"));
    }

    #[test]
    fn core_json_rpc_reply_is_unwrapped() {
        let plain = format!(r#"[{{"txid":"{TXID}","vout":0,"amount":0.00012345}}]"#);
        let wrapped = format!(r#"{{"result":{plain},"error":null,"id":"curltest"}}"#);
        assert_eq!(
            parse_snapshot(wrapped.as_bytes()).unwrap(),
            parse_snapshot(plain.as_bytes()).unwrap()
        );
        assert!(parse_snapshot(br#"{"result":{},"error":null,"id":1}"#).is_err());
    }
}
