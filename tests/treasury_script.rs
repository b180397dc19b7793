//! scripts/treasury-2of3.sh, the scripted ceremony of docs/treasury.md, runs end to end, and
//! every transaction it makes passes Bitcoin Core's script interpreter: a 2-of-3 per wallet kind
//! (P2WSH, P2SH-P2WSH, taproot sortedmulti_a) signed by airsign over QR frames and by embit as
//! the third cosigner (bob for taproot), and a time-locked recovery spend. embit is installed by
//! scripts/test.sh; under CI=true a missing peer fails the test.
mod common;

use std::process::Command;

use bitcoin::consensus::encode::deserialize_hex;
use bitcoin::{Transaction, TxOut};

use common::python;

fn read_tx(path: &std::path::Path) -> Transaction {
    deserialize_hex(std::fs::read_to_string(path).unwrap().trim()).unwrap()
}

fn check(dir: &std::path::Path, name: &str) -> Transaction {
    let tx = read_tx(&dir.join(format!("{name}.hex")));
    let funding = read_tx(&dir.join(format!("{name}.prev.hex")));
    let prevouts: Vec<TxOut> = tx
        .input
        .iter()
        .map(|i| {
            assert_eq!(i.previous_output.txid, funding.compute_txid());
            funding.output[i.previous_output.vout as usize].clone()
        })
        .collect();
    common::consensus_check(&tx, &prevouts);
    tx
}

#[test]
fn the_scripted_two_of_three_and_recovery_ceremony_passes_bitcoin_cores_interpreter() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/treasury-2of3.sh"
        ))
        .arg(dir.path())
        .env("AIRSIGN", common::bin())
        .env("AIRSIGN_PYTHON", python)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // Alice's signature crossed the gap as QR frames, and embit signed as carol (P2WSH and
    // P2SH-P2WSH); bob signed the taproot one.
    assert_eq!(err.matches("embit signed 2 input(s)").count(), 2, "{err}");
    for kind in ["wsh", "sh-wsh"] {
        let tx = check(dir.path(), kind);
        assert!(
            tx.input.iter().all(|i| i.witness.len() == 4),
            "{kind}: two signatures each"
        );
    }
    let tx = check(dir.path(), "tr");
    assert!(
        tx.input.iter().all(|i| i.witness.len() == 5),
        "tr: three signature slots (one empty), the leaf and its control block"
    );
    for kind in ["recovery-wsh", "recovery-tr"] {
        let tx = check(dir.path(), kind);
        assert!(tx.input.iter().all(|i| i.sequence.0 == 144), "{kind}");
    }
    assert!(err.contains("TIMELOCKED PATH OPEN"), "{err}");
}
