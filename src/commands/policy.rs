//! `airsign policy show|hash|check`.
use serde::Serialize;

use super::carry::read_psbt;
use super::{print_json, println_out};
use crate::bundle::{self, Review};
use crate::cli::policy::{PolicyCheckArgs, PolicyCmd, PolicyPinArgs, PolicyShowArgs};
use crate::fsutil::read_limited;
use crate::policy::{PolicyFile, Refusal, Verdict};
use crate::screen::review_text;
use crate::wallet::WatchOnly;
use crate::Error;

pub fn run(cmd: PolicyCmd) -> Result<(), Error> {
    match cmd {
        PolicyCmd::Show(a) => show(a),
        PolicyCmd::Hash(a) => hash(a),
        PolicyCmd::Check(a) => check(a),
        PolicyCmd::Pin(a) => pin(a),
    }
}

fn load(p: &std::path::Path) -> Result<PolicyFile, Error> {
    Ok(PolicyFile::parse(&read_limited(
        p,
        crate::policy::file::MAX_POLICY_BYTES,
    )?)?)
}

fn show(a: PolicyShowArgs) -> Result<(), Error> {
    let f = match &a.policy {
        Some(p) => load(p)?,
        None => PolicyFile::builtin(),
    };
    let text =
        serde_json::to_string_pretty(&f).map_err(|e| Error::Output(std::io::Error::other(e)))?;
    println_out(&text)
}

fn pin(a: PolicyPinArgs) -> Result<(), Error> {
    let file = load(&a.policy)?;
    let path = crate::policy::pin::pin_path(&a.unlock.seed);
    crate::fsutil::check_output(&path, a.force)?;
    let u = super::unlock::open(&a.unlock)?;
    let key = crate::signer::seed_file_mac_key(&u, "policy-pin")?;
    let log_key = crate::signer::audit_mac_key(&u)?;
    // Re-pinning (--force) never moves the log mark back: the log given must continue the one
    // the current pin marked, or velocity and delays would start over with a fresh log.
    let existing = crate::policy::pinned::Pinned::open(&a.unlock.seed, &u)?;
    drop(u);
    // Mark the log as it stands (verified with the seed's MAC key): from now on `sign` only
    // accepts a log that continues it.
    let log_path = a
        .log
        .clone()
        .unwrap_or_else(|| crate::audit::default_path(&a.unlock.seed));
    if let Some(p) = &existing {
        p.check_log(&log_path)?;
    }
    let mark = if log_path.exists() {
        let s = crate::audit::verify(&log_path, Some(&log_key))?;
        crate::policy::pin::LogMark {
            entries: s.entries,
            tail: s.tail_hash,
        }
    } else {
        crate::policy::pin::LogMark {
            entries: 0,
            tail: crate::audit::ZERO_HASH.to_owned(),
        }
    };
    let pin = crate::policy::pin::Pin::new(&file.hash(), Some(mark), &key);
    crate::fsutil::write_output(&path, &crate::policy::pin::to_file(&pin), a.force)?;
    println_out(&format!(
        "pinned policy {} to {}",
        file.hash(),
        crate::sanitize::escape(&a.unlock.seed.display().to_string())
    ))
}

fn hash(a: crate::cli::policy::PolicyHashArgs) -> Result<(), Error> {
    let hash = load(&a.policy)?.hash();
    if a.json {
        return super::print_json(&serde_json::json!({ "policy_hash": hash }));
    }
    println_out(&hash)
}

fn check(a: PolicyCheckArgs) -> Result<(), Error> {
    let file = load(&a.policy)?;
    let (psbt, _, _) = read_psbt(a.file.as_deref(), &a.scan)?;
    let w = match (&a.wallet.descriptor, &a.wallet.wallet) {
        (Some(d), _) => Some(WatchOnly::from_descriptor(
            d,
            a.wallet.network.unwrap_or(bitcoin::Network::Bitcoin),
        )?),
        (None, Some(p)) => Some(crate::wallet::file::WalletFile::load(p)?.watch_only()?),
        (None, None) => {
            return Err(Error::Usage(
                "policy check needs the watch-only wallet (--wallet W.json or --descriptor D) to tell change from spending".into(),
            ))
        }
    };
    let given = a.wallet.network.or(file.network);
    let (net, _) = bundle::review::network_for(given, w.as_ref(), &psbt);
    let mut set = file.compile(net)?;
    if let Some(log) = &a.log {
        set.evidence.history = Some(crate::policy::History {
            spends: crate::audit::signed_spends(log, None)?,
            now: crate::time::parse_rfc3339(&crate::time::now_rfc3339()).unwrap_or(0),
        });
    }
    let review = bundle::review::watch_only(&psbt, w.as_ref(), net);
    if let Some(log) = &a.log {
        // The same pending entries the signer will find (chain checked; no MAC key online).
        let d =
            crate::audit::delay_facts(log, &review.txid.to_string(), &review.payment_key, None)?;
        set.evidence.pending_since = d.pending_since;
        set.evidence.pending_height = d.pending_height;
        set.evidence.height_floor = d.height_floor;
    }
    let verdict = set.evaluate(&review);
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            decision: &'static str,
            review: &'a Review,
            verdict: &'a Verdict,
        }
        print_json(&Out {
            decision: if verdict.approved() {
                "allowed"
            } else {
                "refused"
            },
            review: &review,
            verdict: &verdict,
        })?;
    } else {
        eprintln!("policy {}", file.hash());
        eprint!(
            "{}",
            crate::screen::for_stream(review_text(&review, Some(&verdict)), true)
        );
    }
    if !verdict.approved() {
        return Err(Refusal {
            reasons: verdict.refuse,
        }
        .into());
    }
    if !a.json {
        eprintln!(
            "allowed by rule '{}' (a dry run: the signer checks again with its own keys)",
            verdict.rule.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}
