//! The edges a user meets: outputs that must not clobber files (or the seed), the inputs other
//! tools give (Electrum, Bitcoin Core's JSON-RPC reply, SLIP-132 keys, fractional fee rates),
//! what `bundle finalize` tells the user, the bundle id on every QR surface, `bundle import` and
//! the man pages. Regression tests are named after what they prevent.
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use common::{bin, sh};

const DEMO_PW: &str = "demo passphrase (public test seed)\n";

/// One `airsign demo --no-qr` folder shared by the tests (read-only: tests write in their own
/// temp folders). Holds demo-seed.age, {wpkh,tr}-{unsigned,signed}.psbt, -utxos.json, -prev-txs.hex
/// and `pw`, the demo seed file's (public) passphrase.
fn demo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let o = sh(&format!(
            "'{}' demo --no-qr --dir '{}' >/dev/null 2>&1",
            bin().display(),
            dir.display()
        ));
        assert!(o.status.success());
        std::fs::write(dir.join("pw"), DEMO_PW).unwrap();
        dir
    })
}

fn b() -> String {
    bin().display().to_string()
}

fn d(name: &str) -> String {
    demo().join(name).display().to_string()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap()
}

fn bundle_id(psbt: &str) -> String {
    let v = json(&ok(sh(&format!(
        "'{}' bundle inspect --json '{psbt}'",
        b()
    ))));
    v["review"]["bundle_id"].as_str().unwrap().to_owned()
}

fn wpkh_descriptor() -> String {
    let v = json(&ok(sh(&format!(
        "'{}' account export --json --seed '{}' --passphrase-fd 3 --script wpkh 3<'{}'",
        b(),
        d("demo-seed.age"),
        d("pw")
    ))));
    v["multipath"].as_str().unwrap().to_owned()
}

fn sign_cmd(out: &str, extra: &str) -> String {
    format!(
        "'{}' sign --yes --seed '{}' --passphrase-fd 3 '{}' -o '{out}' {extra} 3<'{}'",
        b(),
        d("demo-seed.age"),
        d("wpkh-unsigned.psbt"),
        d("pw")
    )
}

const PAYEE: &str = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

// ---- A. output files -------------------------------------------------------------------------

#[test]
fn existing_output_file_is_kept_without_force() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("precious");
    let out_s = out.display().to_string();
    let desc = wpkh_descriptor();
    for cmd in [
        sign_cmd(&out_s, ""),
        format!("'{}' bundle finalize '{}' -o '{out_s}'", b(), d("wpkh-signed.psbt")),
        format!("'{}' bundle finalize '{}' --extract -o '{out_s}'", b(), d("wpkh-signed.psbt")),
        format!(
            "'{}' bundle create --descriptor \"{desc}\" --network regtest --utxos '{}' --prev-txs '{}' --to {PAYEE}:10000 --fee-rate 2 -o '{out_s}'",
            b(),
            d("wpkh-utxos.json"),
            d("wpkh-prev-txs.hex")
        ),
    ] {
        std::fs::write(&out, b"do not lose me").unwrap();
        let o = sh(&cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", err(&o));
        let e = err(&o);
        assert!(e.contains("already exists") && e.contains("--force"), "{e}");
        assert_eq!(std::fs::read(&out).unwrap(), b"do not lose me", "{cmd}");
    }
    // With --force the same commands replace it.
    ok(sh(&sign_cmd(&out_s, "--force")));
    assert!(std::fs::read(&out).unwrap().starts_with(b"psbt\xff"));
}

#[test]
fn sign_output_onto_seed_file_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let seed = t.path().join("seed.age");
    std::fs::copy(d("demo-seed.age"), &seed).unwrap();
    let alias = t.path().join("alias.psbt");
    std::os::unix::fs::symlink(&seed, &alias).unwrap();
    let before = std::fs::read(&seed).unwrap();
    for target in [&seed, &alias] {
        let cmd = format!(
            "'{}' sign --yes --force --seed '{}' --passphrase-fd 3 '{}' -o '{}' 3<'{}'",
            b(),
            seed.display(),
            d("wpkh-unsigned.psbt"),
            target.display(),
            d("pw")
        );
        let o = sh(&cmd);
        assert_eq!(o.status.code(), Some(3), "{}", err(&o));
        assert!(err(&o).contains("seed file"), "{}", err(&o));
        assert_eq!(
            std::fs::read(&seed).unwrap(),
            before,
            "the seed was touched"
        );
    }
    // A --qr file output onto the seed is refused too (after signing, before anything is written).
    let o = sh(&format!(
        "'{}' sign --yes --seed '{}' --passphrase-fd 3 '{}' --qr 'html:{}' 3<'{}'",
        b(),
        seed.display(),
        d("wpkh-unsigned.psbt"),
        seed.display(),
        d("pw")
    ));
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert_eq!(std::fs::read(&seed).unwrap(), before);
}

#[test]
fn output_onto_fifo_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for cmd in [
        format!(
            "timeout 20 '{}' bundle finalize '{}' --extract --force -o '{}'",
            b(),
            d("wpkh-signed.psbt"),
            fifo.display()
        ),
        format!(
            "timeout 20 {}",
            sign_cmd(&fifo.display().to_string(), "--force")
        ),
    ] {
        let o = sh(&cmd);
        assert_eq!(o.status.code(), Some(3), "{cmd}: {}", err(&o));
        assert!(err(&o).contains("FIFO"), "{}", err(&o));
    }
    // `-` is still stdout.
    let o = ok(sh(&format!(
        "'{}' bundle finalize '{}' --extract -o -",
        b(),
        d("wpkh-signed.psbt")
    )));
    assert!(String::from_utf8_lossy(&o.stdout)
        .trim()
        .starts_with("02000000"));
}

// ---- C. finalize and QR captions -------------------------------------------------------------

#[test]
fn finalize_prints_bundle_id_txid_hex_and_how_to_broadcast() {
    let id = bundle_id(&d("wpkh-unsigned.psbt"));
    let o = ok(sh(&format!(
        "'{}' bundle finalize '{}'",
        b(),
        d("wpkh-signed.psbt")
    )));
    let hex = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    let tx: bitcoin::Transaction = bitcoin::consensus::encode::deserialize_hex(&hex).unwrap();
    let e = err(&o);
    assert!(e.contains(&id), "{e}");
    assert!(e.contains(&tx.compute_txid().to_string()), "{e}");
    assert!(e.contains("bitcoin-cli sendrawtransaction"), "{e}");
    assert!(
        e.contains("airsign bundle broadcast tx.hex --esplora"),
        "{e}"
    );
    assert!(
        e.contains("curl -X POST --data @") && e.contains("/api/tx"),
        "{e}"
    );

    let v = json(&ok(sh(&format!(
        "'{}' bundle finalize --json '{}'",
        b(),
        d("wpkh-signed.psbt")
    ))));
    assert_eq!(v["bundle_id"], id.as_str());
    assert_eq!(v["txid"], tx.compute_txid().to_string().as_str());

    // --extract -o FILE: the hex goes to the file (as the help says), not to stdout.
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("tx.hex");
    let o = ok(sh(&format!(
        "'{}' bundle finalize '{}' --extract -o '{}'",
        b(),
        d("wpkh-signed.psbt"),
        f.display()
    )));
    assert!(o.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&f).unwrap().trim(), hex);
    assert!(
        err(&o).contains(&format!("$(cat '{}')", f.display())),
        "{}",
        err(&o)
    );
    // -o FILE without --extract: the finalized PSBT in the file, the hex still on stdout.
    let p = t.path().join("final.psbt");
    let o = ok(sh(&format!(
        "'{}' bundle finalize '{}' -o '{}'",
        b(),
        d("wpkh-signed.psbt"),
        p.display()
    )));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), hex);
    assert!(std::fs::read(&p).unwrap().starts_with(b"psbt\xff"));
}

#[test]
fn every_qr_surface_names_the_bundle() {
    let id = bundle_id(&d("tr-unsigned.psbt"));
    let hex_id = id
        .split('(')
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    let t = tempfile::tempdir().unwrap();
    let html = t.path().join("q.html");
    let gif = t.path().join("q.gif");
    let o = ok(sh(&format!(
        "'{}' qr show '{}' --fragment 100 --html '{}' --gif '{}'",
        b(),
        d("tr-unsigned.psbt"),
        html.display(),
        gif.display()
    )));
    assert!(
        err(&o).contains(&format!("airsign bundle {id}")),
        "{}",
        err(&o)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!("<title>airsign bundle {id}")),
        "title"
    );
    assert!(
        page.contains(&format!("<span id=\"cap\">airsign bundle {id}")),
        "caption"
    );
    let g = std::fs::read(&gif).unwrap();
    assert!(
        g.windows(hex_id.len()).any(|w| w == hex_id.as_bytes()),
        "GIF comment without the bundle id"
    );
    // The GIF still scans back.
    ok(sh(&format!(
        "'{}' qr scan --gif '{}' -o '{}/back.psbt'",
        b(),
        gif.display(),
        t.path().display()
    )));
    // The signed PSBT and the finalized transaction carry the same id as the unsigned one.
    let o = ok(sh(&format!(
        "'{}' bundle finalize '{}' --qr 'html:{}/tx.html'",
        b(),
        d("tr-signed.psbt"),
        t.path().display()
    )));
    assert!(err(&o).contains(&id));
    let page = std::fs::read_to_string(t.path().join("tx.html")).unwrap();
    assert!(page.contains(&format!("airsign bundle {id}")));
    // --caption overrides, escaped.
    let o = ok(sh(&format!(
        "'{}' qr show '{}' --caption 'shelf 3' --html '{}/c.html' --json",
        b(),
        d("tr-unsigned.psbt"),
        t.path().display()
    )));
    assert_eq!(json(&o)["caption"], "shelf 3");
}

#[test]
fn terminal_qr_shows_the_bundle_id() {
    if !std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "tmux is required in CI (scripts/test.sh installs it)"
        );
        return;
    }
    let id = bundle_id(&d("wpkh-unsigned.psbt"));
    let session = format!("airsign-qrterm-{}", std::process::id());
    // A server of its own (`-L`), so no other test's tmux server can stop under it.
    let tmux = |args: &[&str]| {
        let o = std::process::Command::new("tmux")
            .args(["-L", &session])
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success() || args[0] != "new-session",
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "250",
        "-y",
        "120",
        &format!(
            "'{}' qr show --terminal --fragment 60 '{}'; sleep 30",
            b(),
            d("wpkh-unsigned.psbt")
        ),
    ]);
    let t = std::time::Instant::now();
    let screen = loop {
        let s = tmux(&["capture-pane", "-p", "-t", &session]);
        if s.contains("q to stop") || t.elapsed() > std::time::Duration::from_secs(20) {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    tmux(&["send-keys", "-t", &session, "q"]);
    tmux(&["kill-session", "-t", &session]);
    assert!(
        screen.contains(&format!("airsign bundle {id}")),
        "terminal caption without the bundle id:\n{screen}"
    );
}

// ---- D. inputs users have --------------------------------------------------------------------

/// The demo's Core-style snapshot rewritten as `electrum listunspent` prints it.
fn electrum_snapshot() -> String {
    let core: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d("wpkh-utxos.json")).unwrap()).unwrap();
    let e: Vec<serde_json::Value> = core
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let sats = (u["amount"].as_f64().unwrap() * 1e8).round() as u64;
            serde_json::json!({
                "address": "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk",
                "coinbase": false,
                "height": 101,
                "nsequence": 4294967293u32,
                "prevout_hash": u["txid"],
                "prevout_n": u["vout"],
                "value": format!("{}.{:08}", sats / 100_000_000, sats % 100_000_000),
            })
        })
        .collect();
    serde_json::to_string_pretty(&e).unwrap()
}

#[test]
fn create_reads_electrum_and_json_rpc_snapshots_at_fractional_fee_rates() {
    let t = tempfile::tempdir().unwrap();
    let desc = wpkh_descriptor();
    let electrum = t.path().join("electrum.json");
    std::fs::write(&electrum, electrum_snapshot()).unwrap();
    let rpc = t.path().join("rpc.json");
    std::fs::write(
        &rpc,
        format!(
            r#"{{"result": {}, "error": null, "id": "curltext"}}"#,
            std::fs::read_to_string(d("wpkh-utxos.json")).unwrap()
        ),
    )
    .unwrap();
    for (snap, rate) in [(&electrum, "0.1"), (&rpc, "1.5"), (&electrum, "2.37")] {
        let v = json(&ok(sh(&format!(
            "'{}' bundle create --json --descriptor \"{desc}\" --network regtest --utxos '{}' --prev-txs '{}' --to {PAYEE}:10000 --fee-rate {rate} -o '{}/x-{rate}.psbt'",
            b(), snap.display(), d("wpkh-prev-txs.hex"), t.path().display()
        ))));
        let fee = v["fee"].as_u64().unwrap() as f64;
        let vsize = v["vsize"].as_u64().unwrap() as f64;
        let asked: f64 = rate.parse().unwrap();
        assert!(
            fee >= vsize * asked,
            "{rate}: fee {fee} for {vsize} vB is below the asked rate"
        );
        assert!(
            fee < vsize * asked + 2.0,
            "{rate}: fee {fee} for {vsize} vB overshoots"
        );
    }
    for bad in ["0.09", "0", "-1", "nan", "20000"] {
        let o = sh(&format!(
            "'{}' bundle create --descriptor \"{desc}\" --network regtest --utxos '{}' --prev-txs '{}' --to {PAYEE}:10000 --fee-rate={bad} -o '{}/bad.psbt'",
            b(), electrum.display(), d("wpkh-prev-txs.hex"), t.path().display()
        ));
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", err(&o));
        assert!(err(&o).contains("0.1"), "{}", err(&o));
    }
}

#[test]
fn missing_previous_transaction_hint_names_core_and_esplora() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("empty.hex"), "").unwrap();
    let o = sh(&format!(
        "'{}' bundle create --descriptor \"{}\" --network regtest --utxos '{}' --prev-txs '{}/empty.hex' --to {PAYEE}:10000 --fee-rate 1 -o '{}/x.psbt'",
        b(), wpkh_descriptor(), d("wpkh-utxos.json"), t.path().display(), t.path().display()
    ));
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("bitcoin-cli getrawtransaction") && e.contains("/tx/TXID/hex"),
        "{e}"
    );
}

#[test]
fn test_network_keys_on_mainnet_suggest_the_network_option() {
    let t = tempfile::tempdir().unwrap();
    let tpub = "tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";
    let mut raw = bitcoin::base58::decode_check(tpub).unwrap();
    raw[..4].copy_from_slice(&[0x04, 0x5f, 0x1c, 0xf6]);
    let vpub = bitcoin::base58::encode_check(&raw);
    assert!(vpub.starts_with("vpub"));
    for key in [tpub, vpub.as_str()] {
        let o = sh(&format!(
            "'{}' bundle create --descriptor \"wpkh([73c5da0a/84'/1'/0']{key}/<0;1>/*)\" --utxos '{}' --prev-txs '{}' --to bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu:10000 --fee-rate 1 -o '{}/x.psbt'",
            b(), d("wpkh-utxos.json"), d("wpkh-prev-txs.hex"), t.path().display()
        ));
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        let e = err(&o);
        assert!(
            e.contains("--network testnet, signet or regtest"),
            "{key}: {e}"
        );
    }
    // With the right network the vpub descriptor works like the tpub one.
    let v = json(&ok(sh(&format!(
        "'{}' bundle create --json --descriptor \"wpkh([73c5da0a/84'/1'/0']{vpub}/<0;1>/*)\" --network regtest --utxos '{}' --prev-txs '{}' --to {PAYEE}:10000 --fee-rate 1 -o '{}/v.psbt'",
        b(), d("wpkh-utxos.json"), d("wpkh-prev-txs.hex"), t.path().display()
    ))));
    assert!(v["fee"].as_u64().unwrap() > 0);
}

// ---- E. bundle import and man pages ----------------------------------------------------------

#[test]
fn bundle_import_normalises_another_wallets_psbt() {
    use airsign::bundle::{decode, encode, Encoding, Version};
    let t = tempfile::tempdir().unwrap();
    let id = bundle_id(&d("wpkh-unsigned.psbt"));
    let (psbt, _, _) = decode(&std::fs::read(d("wpkh-unsigned.psbt")).unwrap()).unwrap();
    // As another wallet might hand it over: PSBT v2 in base64, on stdin.
    let v2 = t.path().join("from-wallet.txt");
    std::fs::write(&v2, encode(&psbt, Version::V2, Encoding::Base64).unwrap()).unwrap();
    let out = t.path().join("imported.psbt");
    let o = ok(sh(&format!(
        "'{}' bundle import --json --network regtest - -o '{}' < '{}'",
        b(),
        out.display(),
        v2.display()
    )));
    let v = json(&o);
    assert_eq!(v["input_psbt_version"], "V2", "{v}");
    assert_eq!(v["review"]["bundle_id"], id.as_str());
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"psbt\xff"), "not binary");
    let (back, version, enc) = decode(&bytes).unwrap();
    assert_eq!((version, enc), (Version::V0, Encoding::Binary));
    assert_eq!(back.unsigned_tx, psbt.unsigned_tx);
    // --encoding / --psbt-version choose the output form.
    let out2 = t.path().join("imported.b64");
    ok(sh(&format!(
        "'{}' bundle import '{}' --encoding base64 --psbt-version v2 -o '{}'",
        b(),
        d("wpkh-unsigned.psbt"),
        out2.display()
    )));
    let (_, version, enc) = decode(&std::fs::read(&out2).unwrap()).unwrap();
    assert_eq!((version, enc), (Version::V2, Encoding::Base64));
    // Without -o it is shown as QR, and the QR names the bundle.
    let html = t.path().join("q.html");
    ok(sh(&format!(
        "'{}' bundle import '{}' --qr 'html:{}'",
        b(),
        v2.display(),
        html.display()
    )));
    assert!(std::fs::read_to_string(&html).unwrap().contains(&id));
    // Neither -o nor --qr: usage error.
    let o = sh(&format!("'{}' bundle import '{}'", b(), v2.display()));
    assert_eq!(o.status.code(), Some(2));
    // A PSBT the signer would refuse (no previous output for an input) is not written.
    let mut broken = psbt.clone();
    broken.inputs[0].witness_utxo = None;
    broken.inputs[0].non_witness_utxo = None;
    let bad = t.path().join("bad.psbt");
    std::fs::write(&bad, encode(&broken, Version::V0, Encoding::Hex).unwrap()).unwrap();
    let out3 = t.path().join("never.psbt");
    let o = sh(&format!(
        "'{}' bundle import '{}' -o '{}'",
        b(),
        bad.display(),
        out3.display()
    ));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("nothing was written"), "{}", err(&o));
    assert!(!out3.exists());
}

/// Every visible subcommand path, as `airsign-a-b` names.
fn page_names(cmd: &clap::Command, name: &str, out: &mut Vec<String>) {
    out.push(name.to_owned());
    for s in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page_names(s, &format!("{name}-{}", s.get_name()), out);
    }
}

#[test]
fn man_dir_has_a_page_for_every_subcommand() {
    use clap::CommandFactory;
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("man1");
    ok(sh(&format!("'{}' man --dir '{}'", b(), dir.display())));
    let mut names = Vec::new();
    page_names(&airsign::cli::Cli::command(), "airsign", &mut names);
    assert!(names.contains(&"airsign-bundle-create".to_owned()));
    assert!(names.len() > 10);
    for n in &names {
        let page = std::fs::read_to_string(dir.join(format!("{n}.1")))
            .unwrap_or_else(|e| panic!("{n}.1: {e}"));
        let unescaped = page.replace("\\-", "-");
        assert!(
            unescaped.contains(&format!(".TH {n} 1")),
            "{n}.1 does not name itself"
        );
    }
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, names.len(), "unexpected extra pages");
    // Without --dir: the top page on stdout.
    let o = ok(sh(&format!("'{}' man", b())));
    assert!(String::from_utf8_lossy(&o.stdout).contains(".TH airsign 1"));
}
