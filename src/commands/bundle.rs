//! `airsign bundle create|import|inspect|finalize` (online side).
use std::path::Path;

use bitcoin::Network;
use serde::Serialize;

use super::carry::{read_psbt, show_outputs};
use super::{print_json, println_out};
use crate::bundle::{self, create, finalize, utxo, BundleId, Review, Version};
use crate::cli::bundle::{CreateArgs, FinalizeArgs, ImportArgs, InspectArgs, WalletArgs};
use crate::cli::{BundleCmd, PsbtVersionArg};
use crate::fsutil::{check_output, read_limited, write_output};
use crate::screen::review_text;
use crate::transport::frames::Kind;
use crate::wallet::file as wallet_file;
use crate::wallet::payment::{parse_address, parse_payment};
use crate::wallet::WatchOnly;
use crate::Error;

pub fn run(cmd: BundleCmd) -> Result<(), Error> {
    match cmd {
        BundleCmd::Create(a) => create_cmd(a),
        BundleCmd::Import(a) => import(a),
        BundleCmd::Inspect(a) => inspect(a),
        BundleCmd::Finalize(a) => finalize_cmd(a),
        BundleCmd::Combine(a) => combine_cmd(a),
        BundleCmd::Broadcast(a) => super::online::broadcast(a),
    }
}

/// The watch-only wallet from --descriptor or --wallet, if given.
fn wallet(a: &WalletArgs) -> Result<Option<WatchOnly>, Error> {
    if let Some(d) = &a.descriptor {
        let (d, rewritten) = crate::wallet::slip132::normalize(d);
        for prefix in rewritten {
            let standard = if prefix.starts_with(['u', 'U', 'v', 'V']) {
                "tpub"
            } else {
                "xpub"
            };
            eprintln!("note: read the SLIP-132 {prefix} key as the {standard} it encodes");
        }
        let net = a.network.unwrap_or(Network::Bitcoin);
        return Ok(Some(WatchOnly::from_descriptor(&d, net)?));
    }
    if let Some(p) = &a.wallet {
        return Ok(Some(wallet_file::WalletFile::load(p)?.watch_only()?));
    }
    Ok(None)
}

#[derive(Serialize)]
struct CreateOut<'a> {
    out: String,
    fee: u64,
    vsize: u64,
    /// Change branch index used, if the bundle has change.
    change_index: Option<u32>,
    /// With --wallet: the next change index now recorded in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_change_index: Option<u32>,
    review: &'a Review,
    /// With --policy: what the signer's policy would decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_verdict: Option<&'a crate::policy::Verdict>,
}

fn create_cmd(a: CreateArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    // Held from reading the next change index until recording the one used: two bundles made at
    // the same moment never share a change address.
    let lock = a
        .wallet
        .wallet
        .as_deref()
        .map(wallet_file::lock)
        .transpose()?;
    let w =
        wallet(&a.wallet)?.ok_or_else(|| Error::Usage("give --descriptor or --wallet".into()))?;
    let utxos = utxo::parse_snapshot(&read_limited(&a.utxos, 64 * 1024 * 1024)?)?;
    let prev = utxo::load_prev_txs(&a.prev_txs)?;
    let recipients =
        a.to.iter()
            .map(|t| parse_payment(t, w.network).map_err(Error::from))
            .collect::<Result<Vec<_>, _>>()?;
    let send_all = a
        .send_all
        .as_deref()
        .map(|s| parse_address(s, w.network))
        .transpose()?;
    let mut entropy = [0u8; 2];
    getrandom::getrandom(&mut entropy).map_err(|e| Error::Output(std::io::Error::other(e)))?;
    let created = create::create(&create::Request {
        wallet: &w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients: &recipients,
        send_all: send_all.as_ref(),
        fee_rate: a.fee_rate,
        change_index: a.change_index,
        height: a.height,
        locktime: a.locktime,
        sequence: recovery_sequence(&a, &w)?,
        entropy,
    })?;
    let review = bundle::review::watch_only(&created.psbt, Some(&w), w.network);
    // The signer's policy, run here first, so a bundle it would refuse is not carried over.
    let verdict = match &a.policy {
        Some(p) => {
            let f = crate::policy::PolicyFile::parse(&read_limited(
                p,
                crate::policy::file::MAX_POLICY_BYTES,
            )?)?;
            let v = f.compile(w.network)?.evaluate(&review);
            for r in &v.refuse {
                eprintln!(
                    "airsign: warning: the signer's policy would refuse this bundle: {} [{}]",
                    crate::sanitize::escape(&r.message),
                    r.code
                );
            }
            Some(v)
        }
        None => None,
    };
    if let Some(out) = &a.out {
        write_output(
            out,
            &bundle::encode(&created.psbt, Version::V0, a.encoding)?,
            a.force,
        )?;
    }
    show_outputs(&created.psbt.serialize(), Kind::Psbt, &a.qr, a.force)?;
    let change_index = created.change.map(|(_, i)| i);
    // The PSBT exists now: record its change index so the next bundle takes a fresh one.
    let next_change = match (&a.wallet.wallet, change_index) {
        (Some(_), Some(i)) => match &lock {
            Some(lock) => Some(wallet_file::record_change(lock, i)?),
            None => None,
        },
        _ => None,
    };
    if let (Some(_), Some(i)) = (&a.wallet.descriptor, change_index) {
        eprintln!(
            "airsign: warning: change went to index {i} of the change branch, and nothing records that with --descriptor: a later run may reuse this change address. Use a wallet file (airsign wallet create, then bundle create --wallet W.json)."
        );
    }
    if a.json {
        return print_json(&CreateOut {
            out: a
                .out
                .as_ref()
                .map(|o| o.display().to_string())
                .unwrap_or_default(),
            fee: created.fee,
            vsize: created.vsize,
            change_index,
            next_change_index: next_change,
            review: &review,
            policy_verdict: verdict.as_ref(),
        });
    }
    if let (Some(path), Some(n)) = (&a.wallet.wallet, next_change) {
        eprintln!(
            "next change index {n} recorded in {}",
            crate::sanitize::escape(&path.display().to_string())
        );
    }
    eprint!(
        "{}",
        crate::screen::for_stream(review_text(&review, None), true)
    );
    eprintln!(
        "{} — carry it to the offline signer; compare the bundle id there: {}",
        a.out
            .as_ref()
            .map(|o| format!("wrote {}", o.display()))
            .unwrap_or_else(|| "shown as QR".into()),
        review.bundle_id
    );
    Ok(())
}

fn inspect(a: InspectArgs) -> Result<(), Error> {
    let (psbt, version, enc) = read_psbt(a.file.as_deref(), &a.scan)?;
    let w = wallet(&a.wallet)?;
    let (net, net_source) = bundle::review::network_for(a.wallet.network, w.as_ref(), &psbt);
    let review = bundle::review::watch_only(&psbt, w.as_ref(), net);
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            psbt_version: Version,
            encoding: bundle::Encoding,
            network_source: &'a str,
            review: &'a Review,
        }
        return print_json(&Out {
            psbt_version: version,
            encoding: enc,
            network_source: &net_source,
            review: &review,
        });
    }
    println_out(&format!("PSBT version {:?}, {:?}", version, enc))?;
    println_out(&format!("network {net}: {net_source}"))?;
    println_out(super::paint_stdout(review_text(&review, None)).trim_end())
}

/// `bundle import`: another wallet's PSBT, checked, reviewed and written the way airsign's
/// signer reads it.
fn import(a: ImportArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let (psbt, version, enc) = read_psbt(a.file.as_deref(), &a.scan)?;
    let w = wallet(&a.wallet)?;
    let (net, net_source) = bundle::review::network_for(a.wallet.network, w.as_ref(), &psbt);
    let review = bundle::review::watch_only(&psbt, w.as_ref(), net);
    if !a.json {
        eprintln!("network {net}: {net_source}");
        eprint!(
            "{}",
            crate::screen::for_stream(review_text(&review, None), true)
        );
    }
    // Integrity failures make the PSBT useless to any signer; facts are for the signer's policy.
    if !review.integrity.is_empty() {
        let reasons: Vec<String> = review
            .integrity
            .iter()
            .map(|p| format!("{} ({})", p.message, p.code))
            .collect();
        return Err(bundle::BundleError::Invalid(format!(
            "the review found problems, nothing was written: {}",
            reasons.join("; ")
        ))
        .into());
    }
    let out_version = match a.psbt_version {
        PsbtVersionArg::Same => version,
        PsbtVersionArg::V0 => Version::V0,
        PsbtVersionArg::V2 => Version::V2,
    };
    let out_enc = a.encoding;
    if let Some(out) = &a.out {
        write_output(out, &bundle::encode(&psbt, out_version, out_enc)?, a.force)?;
    }
    show_outputs(
        &bundle::encode(&psbt, out_version, bundle::Encoding::Binary)?,
        Kind::Psbt,
        &a.qr,
        a.force,
    )?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            input_psbt_version: Version,
            input_encoding: bundle::Encoding,
            out: String,
            psbt_version: Version,
            encoding: bundle::Encoding,
            review: &'a Review,
        }
        return print_json(&Out {
            input_psbt_version: version,
            input_encoding: enc,
            out: a
                .out
                .as_ref()
                .map(|o| o.display().to_string())
                .unwrap_or_default(),
            psbt_version: out_version,
            encoding: out_enc,
            review: &review,
        });
    }
    eprintln!(
        "imported a PSBT {version:?} ({enc:?}); {} as PSBT {out_version:?} ({out_enc:?}) — carry it to the offline signer; compare the bundle id there: {}",
        a.out
            .as_ref()
            .map(|o| format!("wrote {}", crate::sanitize::escape(&o.display().to_string())))
            .unwrap_or_else(|| "shown as QR".into()),
        review.bundle_id
    );
    Ok(())
}

fn finalize_cmd(a: FinalizeArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let (mut psbt, version, enc) = read_psbt(a.file.as_deref(), &a.scan)?;
    let bundle_id = BundleId::of(&psbt.unsigned_tx.compute_txid());
    let warnings = finalize::weak_sighashes(&psbt);
    let tx = finalize::finalize(&mut psbt)?;
    let hex = bitcoin::consensus::encode::serialize_hex(&tx);
    let txid = tx.compute_txid();
    let out_version = match a.psbt_version {
        PsbtVersionArg::Same => version,
        PsbtVersionArg::V0 => Version::V0,
        PsbtVersionArg::V2 => Version::V2,
    };
    show_outputs(
        &bitcoin::consensus::encode::serialize(&tx),
        Kind::Transaction,
        &a.qr,
        a.force,
    )?;
    // Where the hex goes: the -o file with --extract, else stdout (unless -o - holds the PSBT).
    let hex_file = a.out.as_deref().filter(|_| a.extract);
    match (&a.out, hex_file) {
        (Some(out), Some(_)) => write_output(out, format!("{hex}\n").as_bytes(), a.force)?,
        (Some(out), None) => {
            write_output(out, &bundle::encode(&psbt, out_version, enc)?, a.force)?;
        }
        (None, _) => {}
    }
    if a.json {
        #[derive(Serialize)]
        struct Out {
            bundle_id: BundleId,
            txid: String,
            vsize: usize,
            weight: u64,
            hex: String,
            warnings: Vec<String>,
        }
        return print_json(&Out {
            bundle_id,
            warnings,
            txid: txid.to_string(),
            vsize: tx.vsize(),
            weight: tx.weight().to_wu(),
            hex,
        });
    }
    let stdout_taken = a.out.as_deref() == Some(Path::new("-"));
    if hex_file.is_none() && !stdout_taken {
        println_out(&hex)?;
    }
    eprintln!(
        "finalized bundle {bundle_id}\ntxid {txid} ({} vB); every input passed the script interpreter.",
        tx.vsize()
    );
    for w in &warnings {
        eprintln!("WARNING  {w}");
    }
    if let Some(out) = &a.out {
        eprintln!(
            "wrote the {} to {}",
            if hex_file.is_some() {
                "raw transaction hex"
            } else {
                "finalized PSBT"
            },
            crate::sanitize::escape(&out.display().to_string())
        );
    }
    eprint!(
        "{}",
        broadcast_help(hex_file.filter(|p| *p != Path::new("-")))
    );
    Ok(())
}

/// How to broadcast the raw transaction (`finalize` never goes online; `bundle broadcast` does,
/// when asked).
fn broadcast_help(hex_file: Option<&Path>) -> String {
    let (core, curl, file) = match hex_file {
        Some(f) => {
            let f = crate::sanitize::escape(&f.display().to_string());
            (
                format!("\"$(cat '{f}')\""),
                format!("@'{f}'"),
                format!("'{f}'"),
            )
        }
        None => (
            "<hex printed above>".to_owned(),
            "@tx.hex".to_owned(),
            "tx.hex".to_owned(),
        ),
    };
    let save = if hex_file.is_none() {
        "  (save the hex first: airsign bundle finalize FILE --extract -o tx.hex)\n"
    } else {
        ""
    };
    format!(
        "Broadcasting is your choice, from an online machine:\n  \
         airsign bundle broadcast {file} --esplora <your-esplora>/api\n  \
         bitcoin-cli sendrawtransaction {core}\n  \
         curl -X POST --data {curl} <your-esplora>/api/tx\n{save}"
    )
}

fn combine_cmd(a: crate::cli::bundle::CombineArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, Some(&a.out))?;
    check_output(&a.out, a.force)?;
    let mut psbts = Vec::with_capacity(a.files.len());
    let mut version = Version::V0;
    for f in &a.files {
        let (p, v, _) = read_psbt(Some(f), &crate::cli::qr::ScanIn { scan: None })?;
        if psbts.is_empty() {
            version = v;
        }
        psbts.push(p);
    }
    let combined = finalize::combine(psbts)?;
    write_output(
        &a.out,
        &bundle::encode(&combined, version, a.encoding)?,
        a.force,
    )?;
    let bundle_id = BundleId::of(&combined.unsigned_tx.compute_txid());
    let signatures: Vec<usize> = combined
        .inputs
        .iter()
        .map(|i| {
            i.partial_sigs.len() + usize::from(i.tap_key_sig.is_some()) + i.tap_script_sigs.len()
        })
        .collect();
    if a.json {
        #[derive(Serialize)]
        struct Out {
            bundle_id: BundleId,
            combined: usize,
            signatures: Vec<usize>,
        }
        return print_json(&Out {
            bundle_id,
            combined: a.files.len(),
            signatures,
        });
    }
    eprintln!(
        "combined {} PSBTs of bundle {bundle_id}; signatures per input: {:?}. Next: airsign bundle finalize",
        a.files.len(),
        signatures
    );
    Ok(())
}

/// `--path recovery`: the nSequence that opens the wallet's longest relative timelock.
fn recovery_sequence(
    a: &crate::cli::bundle::CreateArgs,
    w: &crate::wallet::WatchOnly,
) -> Result<Option<bitcoin::Sequence>, Error> {
    use miniscript::policy::Liftable;
    if a.path == crate::cli::bundle::SpendPath::Primary {
        return Ok(None);
    }
    let locks = w
        .external
        .lift()
        .map(|p| p.relative_timelocks())
        .unwrap_or_default();
    match locks.into_iter().max() {
        Some(n) => Ok(Some(bitcoin::Sequence(n))),
        None => Err(Error::Usage(
            "--path recovery: this wallet has no timelocked path (no older(N) in its descriptor)"
                .into(),
        )),
    }
}
