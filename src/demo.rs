//! The demo scenario: the whole round trip on the regtest fixture wallet, through the same library
//! calls and files the real commands use: seed file → account export → bundle create → (carry the
//! file as QR frames) → review, strict policy, the one signing session, verify-after-sign →
//! finalize, interpreter check. It narrates through a callback and prints nothing itself.
use std::path::Path;

use secrecy::SecretString;
use serde::Serialize;

use crate::bundle::classify;
use crate::bundle::{self, create, finalize, utxo, Encoding, Version};
use crate::bundle::{Review, Reviewed};
use crate::fsutil::{read_limited, write_atomic};
use crate::policy::{PolicySet, Verdict};
use crate::secrets::seedfile::{self, Protection, Unlock};
use crate::secrets::Mnemonic;
use crate::session;
use crate::signer::{KeyChain, SignOptions};
use crate::transport::frames::{frames, Kind, RenderOptions};
use crate::transport::receive::{receive, ScanSource};
use crate::transport::show::{emit, Output};
use crate::wallet::fixture::{funding_tx, TEST_MNEMONIC};
use crate::wallet::{ScriptType, WatchOnly};
use crate::Error;

/// Not a secret: the demo's seed file protects the public test mnemonic.
const DEMO_PASSPHRASE: &str = "demo passphrase (public test seed)";

/// One round trip's results.
#[derive(Debug, Serialize)]
pub struct Trip {
    /// Script type of the wallet.
    pub script: ScriptType,
    /// Bundle id both sides showed.
    pub bundle_id: String,
    /// The unsigned PSBT file.
    pub unsigned_psbt: String,
    /// The signed PSBT file.
    pub signed_psbt: String,
    /// Txid of the final transaction.
    pub txid: String,
    /// Its virtual size.
    pub vsize: usize,
    /// The size `bundle create` estimated.
    pub estimated_vsize: u64,
    /// The fee paid.
    pub fee: u64,
    /// The raw transaction.
    pub tx_hex: String,
}

/// The whole demo's results.
#[derive(Debug, Serialize)]
pub struct Demo {
    /// Always regtest.
    pub network: bitcoin::Network,
    /// The test seed's fingerprint.
    pub fingerprint: String,
    /// Where the files are.
    pub dir: String,
    /// One per script type.
    pub round_trips: Vec<Trip>,
}

/// How the demo tells what it does: a line per step, and the offline review with its verdict.
pub struct Narration<'a> {
    /// One line per step.
    pub step: &'a mut dyn FnMut(&str),
    /// The signer's review screen.
    pub review: &'a mut dyn FnMut(&Review, &Verdict),
}

fn trip(
    dir: &Path,
    script: ScriptType,
    seed_file: &Path,
    n: &mut Narration,
    salt: u32,
    qr: bool,
) -> Result<Trip, Error> {
    let tag = script.to_string();
    // ONLINE: the watch-only side knows the exported descriptor only.
    let descriptor = {
        let keys = open_keys(seed_file)?;
        keys.account_export(script, 0)?
            .multipath
            .unwrap_or_default()
    };
    (n.step)(&format!("[online]  {tag}: watch-only wallet {descriptor}"));
    let w = WatchOnly::from_descriptor(&descriptor, bitcoin::Network::Regtest)?;
    let pays: Vec<_> = [(0, 50_000u64), (1, 120_000), (2, 300_000)]
        .iter()
        .map(|(i, v)| Ok((w.address(false, *i)?.script_pubkey(), *v)))
        .collect::<Result<_, crate::wallet::WalletError>>()?;
    let fund = funding_tx(&pays, salt);
    let txid = fund.compute_txid();
    let utxos_json = serde_json::json!((0..3).map(|v| serde_json::json!({"txid": txid.to_string(), "vout": v, "amount": pays[v].1 as f64 / 1e8})).collect::<Vec<_>>());
    let utxos_path = dir.join(format!("{tag}-utxos.json"));
    let prev_path = dir.join(format!("{tag}-prev-txs.hex"));
    write_atomic(
        &utxos_path,
        serde_json::to_string_pretty(&utxos_json)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write_atomic(
        &prev_path,
        format!("{}\n", bitcoin::consensus::encode::serialize_hex(&fund)).as_bytes(),
    )?;
    (n.step)(&format!(
        "[online]  fixture UTXOs: {} and {}",
        utxos_path.display(),
        prev_path.display()
    ));

    // The payee: a P2WPKH address of the secp256k1 generator point (nobody's wallet, regtest only).
    let g: bitcoin::CompressedPublicKey =
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            .parse()
            .map_err(|_| Error::Usage("bad demo key".into()))?;
    let dest = bitcoin::Address::p2wpkh(&g, bitcoin::Network::Regtest);
    let utxos = utxo::parse_snapshot(&read_limited(&utxos_path, 1 << 20)?)?;
    let prev = utxo::load_prev_txs(&prev_path)?;
    let created = create::create(&create::Request {
        wallet: &w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients: &[(dest, bitcoin::Amount::from_sat(150_000))],
        send_all: None,
        fee_rate: 5.0,
        change_index: None,
        height: Some(200),
        locktime: None,
        sequence: None,
        entropy: [7, 3],
    })?;
    let unsigned = dir.join(format!("{tag}-unsigned.psbt"));
    write_atomic(
        &unsigned,
        &bundle::encode(&created.psbt, Version::V0, Encoding::Binary)?,
    )?;
    let online_review = bundle::review::watch_only(&created.psbt, Some(&w), w.network);
    (n.step)(&format!(
        "[online]  bundle create → {} — bundle id {}",
        unsigned.display(),
        online_review.bundle_id
    ));

    // Across the gap: PNG frames of animated QR, read back with rqrr (or the file with --no-qr).
    let unsigned_bytes = carry(
        &unsigned,
        &dir.join(format!("{tag}-unsigned-qr")),
        qr,
        n,
        "[offline]",
    )?;
    // OFFLINE: the signer trusts nothing in what crossed.
    let (psbt, version, enc) = bundle::decode(&unsigned_bytes)?;
    let keys = open_keys(seed_file)?;
    let policy = PolicySet::default();
    let reviewed = Reviewed::new(psbt, &keys, &policy.review_options());
    let outcome = session::decide(
        &reviewed,
        &policy,
        &keys,
        &mut |r, verdict| {
            (n.review)(r.review(), verdict);
            (n.step)(&format!(
                "[offline] policy: approved (strict default); bundle id {}",
                r.review().bundle_id
            ));
            Ok(true)
        },
        SignOptions::default(),
    )?;
    drop(keys);
    if let session::Decision::Refused(_) = &outcome.decision {
        (n.review)(reviewed.review(), &outcome.verdict);
    }
    let review = reviewed.review();
    let (mut psbt, report) = outcome.into_signed()?;
    // The trip back only needs the signatures (sign --minimal).
    bundle::minimal::strip_for_return(&mut psbt);
    let signed = dir.join(format!("{tag}-signed.psbt"));
    write_atomic(&signed, &bundle::encode(&psbt, version, enc)?)?;
    (n.step)(&format!(
        "[offline] signed {} input(s), verified with k256 → {}",
        report.inputs_signed(),
        signed.display()
    ));

    let signed_bytes = carry(
        &signed,
        &dir.join(format!("{tag}-signed-qr")),
        qr,
        n,
        "[online] ",
    )?;
    // ONLINE: finalize and extract.
    let (mut back, _, _) = bundle::decode(&signed_bytes)?;
    let tx = finalize::finalize(&mut back)?;
    (n.step)(&format!(
        "[online]  finalized: txid {} ({} vB, estimated {} vB); interpreter check passed",
        tx.compute_txid(),
        tx.vsize(),
        created.vsize
    ));
    Ok(Trip {
        script,
        bundle_id: review.bundle_id.to_string(),
        unsigned_psbt: unsigned.display().to_string(),
        signed_psbt: signed.display().to_string(),
        txid: tx.compute_txid().to_string(),
        vsize: tx.vsize(),
        estimated_vsize: created.vsize,
        fee: created.fee,
        tx_hex: bitcoin::consensus::encode::serialize_hex(&tx),
    })
}

/// Carry `file` across the gap: as PNG frames of animated QR read back with rqrr, or (with
/// --no-qr) as the file itself. Returns the bytes the other side received.
fn carry(
    file: &Path,
    frames_dir: &Path,
    qr: bool,
    n: &mut Narration,
    side: &str,
) -> Result<Vec<u8>, Error> {
    let bytes = read_limited(file, 1 << 24)?;
    if !qr {
        return Ok(bytes);
    }
    let frames = cross_by_qr(&bytes, frames_dir)?;
    (n.step)(&format!(
        "[gap]     {frames} QR frame(s) in {}",
        frames_dir.display()
    ));
    let s = receive(&[ScanSource::Dir(frames_dir.to_path_buf())], true)?;
    (n.step)(&format!(
        "{side} scanned {} bytes from {} frame(s) with rqrr",
        s.bytes, s.counters.frames
    ));
    Ok(s.data)
}

/// Render `psbt` as PNG frames with the default settings; returns the frame count.
fn cross_by_qr(psbt: &[u8], frames_dir: &Path) -> Result<usize, Error> {
    let render = RenderOptions {
        module_px: 4,
        ..RenderOptions::default()
    };
    let caption = classify::caption(psbt, Kind::Psbt);
    let f = frames(psbt, Kind::Psbt, caption, &render)?;
    emit(
        &f,
        &Output::PngDir(frames_dir.to_path_buf()),
        &render,
        false,
    )?;
    Ok(f.parts.len())
}

fn open_keys(seed_file: &Path) -> Result<KeyChain, Error> {
    let bytes = read_limited(seed_file, seedfile::MAX_SEED_FILE_BYTES)?;
    let u = seedfile::open(
        &bytes,
        &Unlock::Passphrase(SecretString::from(DEMO_PASSPHRASE)),
    )?;
    let seed = u.mnemonic.to_seed("", u.info.network);
    Ok(KeyChain::from_seed(&seed)?)
}

/// Run the demo in `dir` (crossing the gap as QR frames unless `qr` is false).
pub fn run(dir: &Path, qr: bool, n: &mut Narration) -> Result<Demo, Error> {
    (n.step)("airsign demo — regtest, with the PUBLIC test mnemonic `abandon … about` (never use it for real funds)");
    let m = Mnemonic::parse(TEST_MNEMONIC)?;
    let prot = Protection::Passphrase {
        passphrase: SecretString::from(DEMO_PASSPHRASE),
        work_factor: Some(10),
    };
    let (bytes, info) = seedfile::seal(
        &m,
        bitcoin::Network::Regtest,
        &seedfile::now_rfc3339(),
        &prot,
    )?;
    let seed_file = dir.join("demo-seed.age");
    write_atomic(&seed_file, &bytes)?;
    (n.step)(&format!(
        "[offline] seed file {} (age, scrypt) — fingerprint {}",
        seed_file.display(),
        info.fingerprint
    ));
    let round_trips = vec![
        trip(dir, ScriptType::Wpkh, &seed_file, n, 1, qr)?,
        trip(dir, ScriptType::Tr, &seed_file, n, 2, qr)?,
    ];
    Ok(Demo {
        network: bitcoin::Network::Regtest,
        fingerprint: info.fingerprint.to_string(),
        dir: dir.display().to_string(),
        round_trips,
    })
}
