//! Untrusted bytes never reach the terminal raw (issue 7 §4.21): hostile frames, PSBT fields,
//! addresses, amounts and file names go through every message path — progress lines, errors,
//! causes, hints, the review — and what comes out holds no control byte but newline and tab.
mod common;

use std::process::Output;

use common::{bin, sh};

/// `ESC c` resets a terminal; `ESC ]0;` sets its title; BEL, backspace and CR rewrite lines.
const HOSTILE: &str = "\x1bc\x1b]0;pwned\x07\x08\r";

fn raw_controls(o: &Output) -> Vec<u8> {
    o.stdout
        .iter()
        .chain(&o.stderr)
        .copied()
        .filter(|b| (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f)
        .collect()
}

fn assert_clean(name: &str, o: &Output) {
    let bad = raw_controls(o);
    assert!(
        bad.is_empty(),
        "{name}: raw control bytes {bad:?} reached the terminal:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn escape_bytes_in_hostile_frames_files_and_arguments_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).display().to_string();
    let b = q(&bin().display().to_string());

    // A frame whose body is not bytewords, and a BBQr-looking header with escapes.
    let frames = d("frames.txt");
    std::fs::write(
        &frames,
        format!("ur:crypto-psbt/1-3/lpad{HOSTILE}axdsaaaa\nB$2P0100{HOSTILE}\n{HOSTILE}\n"),
    )
    .unwrap();
    // A hostile file name, a hostile address and amount, a hostile descriptor, a PSBT of text.
    let evil_name = d(&format!("x{HOSTILE}.psbt"));
    std::fs::write(&evil_name, format!("cHNidP8{HOSTILE}")).unwrap();
    let not_psbt = d("junk.psbt");
    std::fs::write(&not_psbt, format!("not a psbt {HOSTILE}")).unwrap();
    let utxos = d("utxos.json");
    std::fs::write(
        &utxos,
        format!("[{{\"txid\": \"{HOSTILE}\", \"vout\": 0}}]"),
    )
    .unwrap();
    let desc = "wpkh([73c5da0a/84h/1h/0h]tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M/<0;1>/*)";
    let cases: Vec<(&str, String)> = vec![
        ("qr scan text", format!("{b} qr scan --text-file {} -o {}", q(&frames), q(&d("out")))),
        ("inspect hostile name", format!("{b} bundle inspect {}", q(&evil_name))),
        ("inspect junk", format!("{b} bundle inspect {}", q(&not_psbt))),
        ("inspect missing", format!("{b} bundle inspect {}", q(&d(&format!("missing{HOSTILE}"))))),
        (
            "create hostile address",
            format!(
                "{b} bundle create --network regtest --descriptor {} --utxos {} --prev-txs {} --to {} --fee-rate 2 -o {}",
                q(desc),
                q(&utxos),
                q(&utxos),
                q(&format!("bcrt1q{HOSTILE}:1000")),
                q(&d("o.psbt"))
            ),
        ),
        (
            "create hostile amount",
            format!(
                "{b} bundle create --network regtest --descriptor {} --utxos {} --prev-txs {} --to {} --fee-rate 2 -o {}",
                q(desc),
                q(&utxos),
                q(&utxos),
                q(&format!("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:{HOSTILE}")),
                q(&d("o.psbt"))
            ),
        ),
        (
            "create hostile descriptor",
            format!(
                "{b} bundle create --network regtest --descriptor {} --utxos {} --prev-txs {} --fee-rate 2 --send-all bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 -o {}",
                q(&format!("wpkh({HOSTILE})")),
                q(&utxos),
                q(&utxos),
                q(&d("o.psbt"))
            ),
        ),
        (
            "create hostile utxos",
            format!(
                "{b} bundle create --network regtest --descriptor {} --utxos {} --prev-txs {} --fee-rate 2 --send-all bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 -o {}",
                q(desc),
                q(&utxos),
                q(&utxos),
                q(&d("o.psbt"))
            ),
        ),
    ];
    for (name, cmd) in cases {
        let o = sh(&cmd);
        assert!(!o.status.success(), "{name} should fail");
        assert_clean(name, &o);
    }
}

#[test]
fn escape_bytes_in_psbt_fields_never_reach_the_review() {
    use bitcoin::{Amount, ScriptBuf, TxOut};
    // OP_RETURN data and an unknown-script output carrying escape bytes.
    let tx = bitcoin::Transaction {
        version: bitcoin::transaction::Version::TWO,
        lock_time: bitcoin::absolute::LockTime::ZERO,
        input: vec![bitcoin::TxIn::default()],
        output: vec![
            TxOut {
                value: Amount::ZERO,
                script_pubkey: ScriptBuf::new_op_return(*b"\x1bc\x1b]0;x\x07"),
            },
            TxOut {
                value: Amount::from_sat(5),
                script_pubkey: ScriptBuf::from_bytes(HOSTILE.as_bytes().to_vec()),
            },
        ],
    };
    let psbt = bitcoin::Psbt::from_unsigned_tx(tx).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.psbt");
    std::fs::write(&f, psbt.serialize()).unwrap();
    for json in ["", " --json"] {
        let o = sh(&format!(
            "{} bundle inspect{json} {}",
            q(&bin().display().to_string()),
            q(&f.display().to_string())
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_clean("inspect", &o);
    }
}
