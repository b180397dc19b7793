//! `wallet sync` and `bundle broadcast` against a local replay of an Esplora server: a std
//! `TcpListener` on 127.0.0.1 answering canned responses keyed by method and path, built in the
//! shapes Esplora's API documents (fixtures/esplora/README.md,
//! https://github.com/Blockstream/esplora/blob/master/API.md). Not a live server: what is proved
//! is airsign's side of the protocol and its checks, against the documented shapes.
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airsign::wallet::fixture::funding_tx;
use airsign::wallet::{ScriptType, WatchOnly};
use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Address, Amount, Network, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut};
use common::{bin, payee, q, sh, test_keys, wallet_of};

// ---------------------------------------------------------------------------------------------
// The replay server.

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// Canned answers: (method, path) → (status, body). Anything else is a 404.
type Routes = HashMap<(String, String), (u16, Vec<u8>)>;

/// A replay server on 127.0.0.1 (an ephemeral port) that stops when dropped, or by itself after
/// two minutes.
struct Replay {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Replay {
    fn start(routes: Routes) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, halt) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !halt.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &routes, &log),
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Replay {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Read one HTTP/1.1 request, answer it from `routes`, close the connection.
fn serve(stream: std::net::TcpStream, routes: &Routes, log: &Mutex<Vec<Request>>) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    let _ = reader.read_exact(&mut body);
    log.lock().unwrap().push(Request {
        method: method.clone(),
        path: path.clone(),
        body,
    });
    let (status, answer) = routes
        .get(&(method, path))
        .cloned()
        .unwrap_or((404, b"Not Found".to_vec()));
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Error",
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(&answer);
}

// ---------------------------------------------------------------------------------------------
// Esplora's shapes (API.md "Transaction format", /address/:addr/utxo, /tx/:txid/hex).

const REGTEST_GENESIS: &str = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
const MAINNET_GENESIS: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

fn status_json(height: Option<u64>) -> serde_json::Value {
    match height {
        Some(h) => serde_json::json!({
            "confirmed": true,
            "block_height": h,
            "block_hash": format!("{h:064x}"),
            "block_time": 1_700_000_000 + h,
        }),
        None => serde_json::json!({"confirmed": false}),
    }
}

fn output_json(o: &TxOut) -> serde_json::Value {
    serde_json::json!({
        "scriptpubkey": o.script_pubkey.to_hex_string(),
        "scriptpubkey_asm": o.script_pubkey.to_asm_string(),
        "scriptpubkey_type": if o.script_pubkey.is_p2wpkh() { "v0_p2wpkh" } else { "unknown" },
        "scriptpubkey_address": Address::from_script(&o.script_pubkey, Network::Regtest)
            .map(|a| a.to_string())
            .ok(),
        "value": o.value.to_sat(),
    })
}

/// A transaction as `/address/:addr/txs` lists it; `prevouts` are the outputs its inputs spend
/// (None: an input from outside the fixture, described without a prevout script we know).
fn tx_json(tx: &Transaction, prevouts: &[Option<TxOut>], height: Option<u64>) -> serde_json::Value {
    let vin: Vec<serde_json::Value> = tx
        .input
        .iter()
        .zip(prevouts)
        .map(|(i, p)| {
            serde_json::json!({
                "txid": i.previous_output.txid.to_string(),
                "vout": i.previous_output.vout,
                "prevout": p.as_ref().map(output_json),
                "scriptsig": i.script_sig.to_hex_string(),
                "scriptsig_asm": i.script_sig.to_asm_string(),
                "witness": i.witness.iter().map(|w| w.iter().map(|b| format!("{b:02x}")).collect::<String>()).collect::<Vec<_>>(),
                "is_coinbase": false,
                "sequence": i.sequence.0,
            })
        })
        .collect();
    serde_json::json!({
        "txid": tx.compute_txid().to_string(),
        "version": tx.version.0,
        "locktime": tx.lock_time.to_consensus_u32(),
        "vin": vin,
        "vout": tx.output.iter().map(output_json).collect::<Vec<_>>(),
        "size": tx.total_size(),
        "weight": tx.weight().to_wu(),
        "fee": 1000,
        "status": status_json(height),
    })
}

fn utxo_json(tx: &Transaction, vout: u32, height: Option<u64>) -> serde_json::Value {
    serde_json::json!({
        "txid": tx.compute_txid().to_string(),
        "vout": vout,
        "value": tx.output[vout as usize].value.to_sat(),
        "status": status_json(height),
    })
}

// ---------------------------------------------------------------------------------------------
// The fixture wallet and its history.

/// The test seed's regtest P2WPKH wallet, with a history:
/// - receive 0 was paid 40,000 sat (`a`), spent by `b` (10,000 to a payee, 29,000 change to
///   change 1), then paid 50,000 sat again (`c`, unspent);
/// - receive 3 was paid 70,000 sat (`d`, still in the mempool);
/// - every other address is unused.
///
/// Unspent: c:0 (50,000), d:0 (70,000, unconfirmed), b:1 (29,000). Next indexes: 4 and 2.
struct Chain {
    w: WatchOnly,
    multipath: String,
    a: Transaction,
    b: Transaction,
    c: Transaction,
    d: Transaction,
}

fn chain() -> Chain {
    let k = test_keys();
    let multipath = k
        .account_export(ScriptType::Wpkh, 0)
        .unwrap()
        .multipath
        .unwrap();
    let w = wallet_of(&k, ScriptType::Wpkh);
    let r0 = w.address(false, 0).unwrap().script_pubkey();
    let r3 = w.address(false, 3).unwrap().script_pubkey();
    let c1 = w.address(true, 1).unwrap().script_pubkey();
    let a = funding_tx(&[(r0.clone(), 40_000)], 1);
    let b = Transaction {
        version: bitcoin::transaction::Version::TWO,
        lock_time: bitcoin::absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint {
                txid: a.compute_txid(),
                vout: 0,
            },
            script_sig: ScriptBuf::new(),
            sequence: Sequence::ENABLE_RBF_NO_LOCKTIME,
            witness: bitcoin::Witness::from_slice(&[vec![0x30; 71], vec![0x02; 33]]),
        }],
        output: vec![
            TxOut {
                value: Amount::from_sat(10_000),
                script_pubkey: payee().script_pubkey(),
            },
            TxOut {
                value: Amount::from_sat(29_000),
                script_pubkey: c1.clone(),
            },
        ],
    };
    let c = funding_tx(&[(r0, 50_000)], 2);
    let d = funding_tx(&[(r3, 70_000)], 3);
    Chain {
        w,
        multipath,
        a,
        b,
        c,
        d,
    }
}

fn get(path: &str) -> (String, String) {
    ("GET".to_owned(), format!("/api{path}"))
}

fn json(v: &serde_json::Value) -> (u16, Vec<u8>) {
    (200, serde_json::to_vec(v).unwrap())
}

/// The server's answers for `chain`, under `/api` as mempool.space serves them.
fn routes(ch: &Chain) -> Routes {
    let mut r = Routes::new();
    r.insert(get("/block-height/0"), (200, REGTEST_GENESIS.into()));
    for change in [false, true] {
        for i in 0..60 {
            let addr = ch.w.address(change, i).unwrap();
            r.insert(
                get(&format!("/address/{addr}/txs")),
                json(&serde_json::json!([])),
            );
        }
    }
    let addr = |change, i| ch.w.address(change, i).unwrap().to_string();
    let out = |tx: &Transaction, n: usize| Some(tx.output[n].clone());
    let (a, b, c, d) = (&ch.a, &ch.b, &ch.c, &ch.d);
    // Newest first, as Esplora sorts history.
    r.insert(
        get(&format!("/address/{}/txs", addr(false, 0))),
        json(&serde_json::json!([
            tx_json(c, &[None], Some(110)),
            tx_json(b, &[out(a, 0)], Some(105)),
            tx_json(a, &[None], Some(101)),
        ])),
    );
    r.insert(
        get(&format!("/address/{}/txs", addr(false, 3))),
        json(&serde_json::json!([tx_json(d, &[None], None)])),
    );
    r.insert(
        get(&format!("/address/{}/txs", addr(true, 1))),
        json(&serde_json::json!([tx_json(b, &[out(a, 0)], Some(105))])),
    );
    r.insert(
        get(&format!("/address/{}/utxo", addr(false, 0))),
        json(&serde_json::json!([utxo_json(c, 0, Some(110))])),
    );
    r.insert(
        get(&format!("/address/{}/utxo", addr(false, 3))),
        json(&serde_json::json!([utxo_json(d, 0, None)])),
    );
    r.insert(
        get(&format!("/address/{}/utxo", addr(true, 1))),
        json(&serde_json::json!([utxo_json(b, 1, Some(105))])),
    );
    for tx in [a, b, c, d] {
        r.insert(
            get(&format!("/tx/{}/hex", tx.compute_txid())),
            (200, serialize_hex(tx).into_bytes()),
        );
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn run(args: &str) -> Output {
    sh(&format!("{} {args}", q(&bin())))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok_json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(o)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A wallet file for `ch` in `d`, and an empty output folder.
fn wallet_file(d: &Path, ch: &Chain) -> (PathBuf, PathBuf) {
    let w = d.join("w.json");
    ok_json(&run(&format!(
        "wallet create --descriptor \"{}\" --network regtest -o {} --json",
        ch.multipath,
        q(&w)
    )));
    let out = d.join("synced");
    std::fs::create_dir(&out).unwrap();
    (w, out)
}

fn sync(w: &Path, out: &Path, url: &str) -> Output {
    run(&format!(
        "wallet sync {} --esplora {} --out-dir {} --json",
        q(w),
        q(Path::new(url)),
        q(out)
    ))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// wallet sync

#[test]
fn sync_finds_the_coins_moves_the_indexes_and_bundle_create_reads_the_files() {
    let ch = chain();
    let server = Replay::start(routes(&ch));
    let dir = tempfile::tempdir().unwrap();
    let (w, out) = wallet_file(dir.path(), &ch);

    // Without /api: the client finds it.
    let r = ok_json(&sync(&w, &out, &server.url()));
    assert_eq!(r["server"], format!("{}/api", server.url()));
    assert_eq!(r["network"], "regtest");
    // Receive: used 0 and 3, then 20 unused (4..=23); change: used 1, then 20 unused (2..=21).
    assert_eq!(r["receive"]["scanned"], 24);
    assert_eq!(r["receive"]["used"], 2);
    assert_eq!(r["receive"]["last_used"], 3);
    assert_eq!(r["change"]["scanned"], 22);
    assert_eq!(r["change"]["last_used"], 1);
    assert_eq!(r["receive"]["next_index_before"], 0);
    assert_eq!(r["receive"]["next_index"], 4);
    assert_eq!(r["change"]["next_index"], 2);
    assert_eq!(r["total_sats"], 50_000 + 70_000 + 29_000);
    assert_eq!(r["unconfirmed_sats"], 70_000);
    assert_eq!(r["prev_txs"], 3);
    assert_eq!(r["history_txs"], 4);

    // The wallet file moved forward.
    let f: serde_json::Value = serde_json::from_slice(&std::fs::read(&w).unwrap()).unwrap();
    assert_eq!(f["next_index"]["receive"], 4);
    assert_eq!(f["next_index"]["change"], 2);
    assert!(!dir.path().join("w.json.lock").exists());

    // The files: utxos in Esplora's shape, the three previous transactions, the history.
    assert_eq!(
        files_in(&out),
        ["history.json", "prev-txs.hex", "utxos.json"]
    );
    let utxos: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("utxos.json")).unwrap()).unwrap();
    let listed: Vec<(String, u64, u64)> = utxos
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                format!("{}:{}", u["txid"].as_str().unwrap(), u["vout"]),
                u["value"].as_u64().unwrap(),
                u["index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (format!("{}:0", ch.c.compute_txid()), 50_000, 0),
            (format!("{}:0", ch.d.compute_txid()), 70_000, 3),
            (format!("{}:1", ch.b.compute_txid()), 29_000, 1),
        ]
    );
    assert_eq!(utxos[1]["status"]["confirmed"], false);
    assert_eq!(utxos[2]["branch"], "change");
    let prev = std::fs::read_to_string(out.join("prev-txs.hex")).unwrap();
    let mut want: Vec<String> = [&ch.b, &ch.c, &ch.d]
        .iter()
        .map(|t| serialize_hex(*t))
        .collect();
    want.sort_by_key(|h| {
        bitcoin::consensus::encode::deserialize::<Transaction>(&airsign::hex::decode(h).unwrap())
            .unwrap()
            .compute_txid()
    });
    assert_eq!(prev.lines().collect::<Vec<_>>(), want);
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("history.json")).unwrap()).unwrap();
    let mut txids: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["txid"].as_str().unwrap())
        .collect();
    txids.sort_unstable();
    let mut expected: Vec<String> = [&ch.a, &ch.b, &ch.c, &ch.d]
        .iter()
        .map(|t| t.compute_txid().to_string())
        .collect();
    expected.sort_unstable();
    assert_eq!(txids, expected, "each transaction once");

    // Only used addresses were asked for their UTXOs, and nothing was posted.
    let reqs = server.requests();
    assert_eq!(reqs.iter().filter(|r| r.path.ends_with("/utxo")).count(), 3);
    assert!(reqs.iter().all(|r| r.method == "GET"));

    // bundle create reads the written files unchanged, and takes the next change index (2).
    let psbt = dir.path().join("unsigned.psbt");
    let created = ok_json(&run(&format!(
        "bundle create --wallet {} --utxos {} --prev-txs {} --to {}:100000 --fee-rate 2 -o {} --json",
        q(&w),
        q(&out.join("utxos.json")),
        q(&out.join("prev-txs.hex")),
        payee(),
        q(&psbt)
    )));
    assert_eq!(created["change_index"], 2);
    assert_eq!(created["next_change_index"], 3);
    assert!(psbt.exists());

    // A second sync, as a person runs it: replaces the files, prints a summary, and never moves
    // an index back (change is 3 now, past the 2 the chain shows used).
    let o = run(&format!(
        "wallet sync {} --esplora {} --out-dir {}",
        q(&w),
        q(Path::new(&format!("{}/api", server.url()))),
        q(&out)
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "receive  24 addresses scanned, 2 used (last used 3); next index 4 (unchanged)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "change   22 addresses scanned, 1 used (last used 1); next index 3 (unchanged)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "3 unspent output(s), 0.00149 BTC (149000 sat), of which 1 unconfirmed (70000 sat)"
        ),
        "{text}"
    );
    assert!(stderr(&o).contains("next: airsign bundle create --wallet"));
    let f: serde_json::Value = serde_json::from_slice(&std::fs::read(&w).unwrap()).unwrap();
    assert_eq!(f["next_index"]["change"], 3);
}

#[test]
fn handed_out_addresses_are_scanned_and_indexes_never_move_back() {
    let ch = chain();
    let mut r = routes(&ch);
    // Receive 27 was handed out and paid later: 23 unused addresses (4..=26) lie before it, more
    // than the gap limit, so a scan that ignored the wallet's next index would miss it.
    let r27 = ch.w.address(false, 27).unwrap();
    let e = funding_tx(&[(r27.script_pubkey(), 45_000)], 4);
    r.insert(
        get(&format!("/address/{r27}/txs")),
        json(&serde_json::json!([tx_json(&e, &[None], Some(120))])),
    );
    r.insert(
        get(&format!("/address/{r27}/utxo")),
        json(&serde_json::json!([utxo_json(&e, 0, Some(120))])),
    );
    r.insert(
        get(&format!("/tx/{}/hex", e.compute_txid())),
        (200, serialize_hex(&e).into_bytes()),
    );
    let server = Replay::start(r);
    let dir = tempfile::tempdir().unwrap();
    let (w, out) = wallet_file(dir.path(), &ch);
    // 30 receive addresses handed out.
    let mut f: serde_json::Value = serde_json::from_slice(&std::fs::read(&w).unwrap()).unwrap();
    f["next_index"]["receive"] = 30.into();
    std::fs::write(&w, serde_json::to_vec_pretty(&f).unwrap()).unwrap();
    let r = ok_json(&sync(&w, &out, &server.url()));
    // Every handed-out address (0..=29) was asked; 27 was used; then 20 unused (28..=47).
    assert_eq!(r["receive"]["scanned"], 48);
    assert_eq!(r["receive"]["last_used"], 27);
    assert_eq!(r["total_sats"], 50_000 + 70_000 + 29_000 + 45_000);
    // The next index stays at 30: past the last used (28) would be a step back.
    assert_eq!(r["receive"]["next_index_before"], 30);
    assert_eq!(r["receive"]["next_index"], 30);
    let f: serde_json::Value = serde_json::from_slice(&std::fs::read(&w).unwrap()).unwrap();
    assert_eq!(f["next_index"]["receive"], 30);
    assert_eq!(f["next_index"]["change"], 2);
}

/// Runs a sync against `routes` and checks it fails with `code`, a message containing `says`,
/// and leaves the folder's old file and the wallet file as they were.
fn refused(routes: Routes, code: i32, says: &str) {
    let ch = chain();
    let server = Replay::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let (w, out) = wallet_file(dir.path(), &ch);
    std::fs::write(out.join("utxos.json"), "old").unwrap();
    let before = std::fs::read(&w).unwrap();
    let o = sync(&w, &out, &server.url());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(says), "{err}");
    assert!(err.starts_with("airsign: error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "no JSON on a failure");
    assert_eq!(files_in(&out), ["utxos.json"], "nothing written");
    assert_eq!(std::fs::read(out.join("utxos.json")).unwrap(), b"old");
    assert_eq!(std::fs::read(&w).unwrap(), before, "wallet file untouched");
}

#[test]
fn a_previous_transaction_that_does_not_hash_to_its_txid_is_refused() {
    let ch = chain();
    let mut r = routes(&ch);
    // The server answers c's txid with d's bytes.
    r.insert(
        get(&format!("/tx/{}/hex", ch.c.compute_txid())),
        (200, serialize_hex(&ch.d).into_bytes()),
    );
    refused(
        r,
        4,
        &format!("sent a different transaction for {}", ch.c.compute_txid()),
    );
}

/// Decided: an output listed under a wallet address that pays an address outside the wallet is
/// refused (exit 4), not skipped — the server contradicts the transaction it sent, and is not
/// believed about the rest (docs/online.md).
#[test]
fn an_extra_utxo_paying_an_address_outside_the_wallet_is_refused() {
    let ch = chain();
    let mut r = routes(&ch);
    let r3 = ch.w.address(false, 3).unwrap();
    // b:0 pays the payee, not receive 3.
    r.insert(
        get(&format!("/address/{r3}/utxo")),
        json(&serde_json::json!([
            utxo_json(&ch.d, 0, None),
            utxo_json(&ch.b, 0, Some(105))
        ])),
    );
    refused(
        r,
        4,
        &format!("that output pays {}, which is not this address", payee()),
    );
}

#[test]
fn a_listed_amount_that_the_transaction_does_not_hold_is_refused() {
    let ch = chain();
    let mut r = routes(&ch);
    let r0 = ch.w.address(false, 0).unwrap();
    let mut u = utxo_json(&ch.c, 0, Some(110));
    u["value"] = 5_000_000.into();
    r.insert(
        get(&format!("/address/{r0}/utxo")),
        json(&serde_json::json!([u])),
    );
    refused(r, 4, "holds 50000 sat, not the 5000000 sat listed");
}

#[test]
fn http_errors_and_malformed_answers_are_clear_errors_and_write_nothing() {
    let ch = chain();
    let r3 = ch.w.address(false, 3).unwrap();
    let c1 = ch.w.address(true, 1).unwrap();

    let mut r = routes(&ch);
    r.insert(
        get(&format!("/address/{r3}/txs")),
        (500, b"Internal Server Error".to_vec()),
    );
    refused(r, 1, "answered HTTP 500: Internal Server Error");

    let mut r = routes(&ch);
    r.insert(
        get(&format!("/address/{c1}/utxo")),
        (200, br#"[{"txid": "#.to_vec()),
    );
    refused(r, 1, "did not answer in the Esplora API shape: not JSON");

    let mut r = routes(&ch);
    r.insert(
        get(&format!("/address/{c1}/utxo")),
        (200, br#"{"error": "not an array"}"#.to_vec()),
    );
    refused(r, 1, "expected a JSON array");

    let mut r = routes(&ch);
    r.insert(
        get(&format!("/tx/{}/hex", ch.d.compute_txid())),
        (200, b"<html>rate limited</html>".to_vec()),
    );
    refused(r, 1, "not hex");

    // An answer past the 32 MiB cap is not read to the end.
    let mut r = routes(&ch);
    r.insert(
        get(&format!("/tx/{}/hex", ch.d.compute_txid())),
        (200, vec![b'0'; 32 * 1024 * 1024 + 2]),
    );
    refused(
        r,
        1,
        "sent more than 33554432 bytes; refusing to read further",
    );
}

#[test]
fn a_server_on_another_chain_or_no_api_is_refused_before_scanning() {
    let ch = chain();
    let mut r = routes(&ch);
    r.insert(get("/block-height/0"), (200, MAINNET_GENESIS.into()));
    refused(
        r,
        2,
        "the server is on bitcoin, but the wallet is on regtest",
    );

    let mut r = routes(&ch);
    r.remove(&get("/block-height/0"));
    refused(
        r,
        1,
        "/api/block-height/0 for the genesis block hash; the last answer: HTTP 404)",
    );
}

#[test]
fn plain_http_to_another_machine_and_unreachable_servers_are_refused() {
    let ch = chain();
    let dir = tempfile::tempdir().unwrap();
    let (w, out) = wallet_file(dir.path(), &ch);
    // Refused before any connection is tried.
    let o = sync(&w, &out, "http://example.com/api");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing plain http:// to example.com"));
    assert!(stderr(&o).contains("hint: use https://"));
    let o = sync(&w, &out, "mempool.space/api");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = sync(&w, &out, &format!("http://127.0.0.1:{port}"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot reach http://127.0.0.1"),
        "{}",
        stderr(&o)
    );
    assert!(files_in(&out).is_empty());
}

#[test]
fn a_missing_out_dir_is_refused_before_the_server_is_asked() {
    let ch = chain();
    let server = Replay::start(routes(&ch));
    let dir = tempfile::tempdir().unwrap();
    let (w, _) = wallet_file(dir.path(), &ch);
    let before = std::fs::read(&w).unwrap();
    let o = sync(&w, &dir.path().join("nowhere"), &server.url());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write into"), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not create missing folders"));
    assert!(
        server.requests().is_empty(),
        "no request before the folder is checked"
    );
    assert_eq!(std::fs::read(&w).unwrap(), before);
}

// ---------------------------------------------------------------------------------------------
// bundle broadcast

/// A replay server whose POST /api/tx answers `answer`.
fn broadcast_server(answer: &str) -> Replay {
    let mut r = Routes::new();
    r.insert(get("/block-height/0"), (200, REGTEST_GENESIS.into()));
    r.insert(("POST".into(), "/api/tx".into()), (200, answer.into()));
    Replay::start(r)
}

/// `airsign demo --json` in a fresh folder: the folder and the signed (not finalized) PSBT of its
/// first round trip.
fn demo() -> (tempfile::TempDir, PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&format!("demo --no-qr --json --dir {}", q(dir.path())));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let trip = v["round_trips"][0].clone();
    let signed = PathBuf::from(trip["signed_psbt"].as_str().unwrap());
    let signed = if signed.is_absolute() {
        signed
    } else {
        dir.path().join(signed)
    };
    assert!(signed.exists(), "{}", signed.display());
    (dir, signed, trip)
}

fn broadcast(file: &Path, url: &str) -> Output {
    run(&format!(
        "bundle broadcast {} --esplora {}",
        q(file),
        q(Path::new(url))
    ))
}

#[test]
fn broadcast_posts_exactly_the_hex_and_checks_the_txid() {
    let (dir, signed, trip) = demo();
    let d = dir.path();
    let hex_file = d.join("tx.hex");
    let o = run(&format!(
        "bundle finalize {} --extract -o {}",
        q(&signed),
        q(&hex_file)
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let hex = std::fs::read_to_string(&hex_file)
        .unwrap()
        .trim()
        .to_owned();
    let tx: Transaction =
        bitcoin::consensus::encode::deserialize(&airsign::hex::decode(&hex).unwrap()).unwrap();
    let txid = tx.compute_txid().to_string();
    assert_eq!(trip["txid"], txid.as_str());

    // The raw hex file: posted as is, the answered txid printed.
    let server = broadcast_server(&txid);
    let o = broadcast(&hex_file, &server.url());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), txid);
    let posts: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path, "/api/tx");
    assert_eq!(
        posts[0].body,
        hex.as_bytes(),
        "exactly the hex, nothing else"
    );

    // A finalized PSBT: the same transaction is posted.
    let final_psbt = d.join("final.psbt");
    let o = run(&format!(
        "bundle finalize {} -o {}",
        q(&signed),
        q(&final_psbt)
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let server = broadcast_server(&format!("{txid}\n"));
    let o = run(&format!(
        "bundle broadcast {} --esplora {} --json",
        q(&final_psbt),
        q(Path::new(&format!("{}/api", server.url())))
    ));
    let out = ok_json(&o);
    assert_eq!(out["txid"], txid.as_str());
    assert_eq!(out["network"], "regtest");
    let posts: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body, hex.as_bytes());

    // A server that answers another txid: exit 4.
    let other = "11".repeat(32);
    let server = broadcast_server(&other);
    let o = broadcast(&hex_file, &server.url());
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("answered txid {other} for transaction {txid}")),
        "{}",
        stderr(&o)
    );

    // The node refuses it: the server's reason, exit 1.
    let mut r = Routes::new();
    r.insert(get("/block-height/0"), (200, REGTEST_GENESIS.into()));
    r.insert(
        ("POST".into(), "/api/tx".into()),
        (
            400,
            b"sendrawtransaction RPC error: {\"code\":-25,\"message\":\"bad-txns-inputs-missingorspent\"}".to_vec(),
        ),
    );
    let server = Replay::start(r);
    let o = broadcast(&hex_file, &server.url());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refused the transaction (HTTP 400)")
            && stderr(&o).contains("bad-txns-inputs-missingorspent"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unfinalized_psbt_is_refused_before_anything_is_sent() {
    let (dir, signed, _) = demo();
    let d = dir.path();
    let server = broadcast_server(&"00".repeat(32));
    // Signed, but not finalized.
    let o = broadcast(&signed, &server.url());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("the PSBT is not ready to broadcast: input(s) 0"),
        "{err}"
    );
    assert!(err.contains("airsign bundle finalize"), "{err}");
    assert!(server.requests().is_empty(), "nothing may be sent");

    // Not a transaction at all.
    let junk = d.join("junk.txt");
    std::fs::write(&junk, "hello\n").unwrap();
    let o = broadcast(&junk, &server.url());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("neither a raw transaction"));
    assert!(server.requests().is_empty());
}

/// history.json is what `log reconcile --txs` reads: the spend `b` from receive 0 is a wallet
/// spend that an empty audit log never signed, so reconcile raises its alarm (exit 3) for it
/// alone (`a`, `c` and `d` only pay the wallet).
#[test]
fn the_written_history_is_what_log_reconcile_reads() {
    let ch = chain();
    let server = Replay::start(routes(&ch));
    let dir = tempfile::tempdir().unwrap();
    let (w, out) = wallet_file(dir.path(), &ch);
    ok_json(&sync(&w, &out, &server.url()));
    let log = dir.path().join("audit.jsonl");
    drop(airsign::audit::Log::open(&log).unwrap());
    let o = run(&format!(
        "log reconcile {} --txs {} --wallet {} --json",
        q(&log),
        q(&out.join("history.json")),
        q(&w)
    ));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "esplora", "{v}");
    let unlogged: Vec<&str> = v["unlogged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["txid"].as_str().unwrap())
        .collect();
    assert_eq!(unlogged, [ch.b.compute_txid().to_string()]);
}
