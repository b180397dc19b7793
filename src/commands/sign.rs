//! `airsign sign`: read the PSBT and the seed, run the one signing session, render, write.

use serde::Serialize;

use super::carry::{read_psbt, show_outputs};
use super::{print_json, unlock};
use crate::bundle::{self, Review, Reviewed};
use crate::cli::SignArgs;
use crate::fsutil::{self, read_limited, write_output};
use crate::policy::{Limits, Policy, PolicyFile, PolicySet, Verdict};
use crate::screen::review_text;
use crate::session::{self, Decision};
use crate::signer::{KeyChain, SignOptions};
use crate::Error;

#[derive(Serialize)]
struct SignOut<'a> {
    decision: &'static str,
    signed_inputs: usize,
    out: String,
    review: &'a Review,
    verdict: &'a Verdict,
}

/// The built-in strict policy, tuned by the flags.
fn builtin(a: &SignArgs) -> Policy {
    Policy {
        limits: Limits {
            max_fee_sats: a.max_fee,
            max_fee_rate: a.max_fee_rate,
            max_fee_percent: a.max_fee_percent,
            ..Limits::default()
        },
        allow_foreign_inputs: a.allow_foreign_inputs,
        actions: if a.recovery {
            [("recovery-path".to_owned(), crate::policy::Action::Warn)].into()
        } else {
            Default::default()
        },
        ..Policy::default()
    }
}

pub fn run(a: SignArgs) -> Result<(), Error> {
    super::ceremony::require_airgap(a.airgap.require_airgap)?;
    super::json_owns_stdout(a.json, a.out.as_deref())?;
    // The seed file is never an output, even with --force; refuse before any prompt.
    fsutil::protect(&a.unlock.seed, "the seed file this command reads");
    if let Some(out) = &a.out {
        fsutil::check_output(out, a.force)?;
        fsutil::check_output_folder(out)?;
    }
    super::carry::check_outputs(&a.qr, a.force)?;
    // A bad policy file is reported before any prompt.
    let file = match &a.policy {
        Some(p) => Some(PolicyFile::parse(&read_limited(
            p,
            crate::policy::file::MAX_POLICY_BYTES,
        )?)?),
        None => None,
    };
    let (psbt, version, _) = read_psbt(a.input.as_deref(), &a.scan)?;
    let u = unlock::open(&a.unlock)?;
    // One log per seed file: its MAC key comes from the mnemonic alone, so every BIP39
    // passphrase used with this seed file appends to the same verifiable log.
    let mac_key = crate::signer::audit_mac_key(&u)?;
    // A policy pinned to this seed file: any other policy (or none) is a swapped file.
    let pinned = crate::policy::pinned::Pinned::open(&a.unlock.seed, &u)?;
    if let Some(p) = &pinned {
        p.check_policy(file.as_ref().map(|f| f.hash()).as_deref())?;
    }
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    // Wallets registered on this seed: the only multisig and script wallets it signs for. A
    // registration edited since stops here (exit 4).
    let registered = crate::wallet::registry::RegistryFile::load(&a.unlock.seed)?.for_key(
        crate::bundle::KeySource::fingerprint(&keys),
        &keys.mac_key("wallet-registration"),
    )?;
    fsutil::protect(
        &crate::wallet::registry::path_for(&a.unlock.seed),
        "the wallet registrations of the seed",
    );
    let keys = keys.with_registered(registered);
    // The log is checked (chain and MACs) before anything is decided: a log someone edited
    // stops signing.
    let log_path = a
        .log
        .clone()
        .unwrap_or_else(|| crate::audit::default_path(&a.unlock.seed));
    if log_path.exists() {
        crate::audit::verify(&log_path, Some(&mac_key))?;
    }
    // A pinned policy's velocity and delays count from the log the pin marked, not a fresh one.
    if let Some(p) = &pinned {
        p.check_log(&log_path)?;
        eprintln!("policy pinned to this seed: verified, with its audit log");
    }
    let mut log = crate::audit::Log::open(&log_path)?;
    fsutil::protect(&log_path, "the audit log this command appends to");
    if let Some(out) = &a.out {
        fsutil::check_output(out, a.force)?;
    }

    let mut policy: PolicySet = match &file {
        Some(f) => f.compile(crate::bundle::KeySource::network(&keys))?,
        None => builtin(&a).into(),
    };
    // Velocity limits count what this seed signed before, from its (verified) log.
    policy.evidence.history = Some(crate::policy::History {
        spends: crate::audit::signed_spends(&log_path, Some(&mac_key))?,
        now: crate::time::parse_rfc3339(&crate::time::now_rfc3339()).unwrap_or(0),
    });
    if let Some(h) = &policy.hash {
        eprintln!("policy {h}");
    }
    let reviewed = Reviewed::new(psbt, &keys, &policy.review_options());
    let delays = crate::audit::delay_facts(
        &log_path,
        &reviewed.review().txid.to_string(),
        &reviewed.review().payment_key,
        Some(&mac_key),
    )?;
    policy.evidence.pending_since = delays.pending_since;
    policy.evidence.pending_height = delays.pending_height;
    policy.evidence.height_floor = delays.height_floor;
    if !a.approvals.is_empty() {
        let mut given = Vec::new();
        for p in &a.approvals {
            let text = String::from_utf8_lossy(&read_limited(p, 64 * 1024)?).into_owned();
            match crate::policy::approval::Approval::parse(&text) {
                Ok(ap) => given.push(ap),
                Err(e) => eprintln!(
                    "airsign: warning: {}: {}",
                    crate::sanitize::escape(&p.display().to_string()),
                    crate::sanitize::escape(&e)
                ),
            }
        }
        let expected = crate::policy::approval::statement(
            reviewed.review(),
            &reviewed.psbt_sha256().to_string(),
            policy.hash.as_deref(),
        );
        let (ok, problems) = crate::policy::approval::verify(
            &given,
            &expected,
            crate::bundle::KeySource::network(&keys),
        );
        for p in &problems {
            eprintln!("airsign: warning: {p}");
        }
        for who in &ok {
            eprintln!("approval verified: {who}");
        }
        policy.evidence.approvers = ok;
    }
    let mut shown = false;
    let outcome = session::decide(
        &reviewed,
        &policy,
        &keys,
        &mut |r, verdict| {
            eprint!(
                "{}",
                crate::screen::for_stream(review_text(r.review(), Some(verdict)), true)
            );
            shown = true;
            // A rule that requires a person at the terminal is not satisfied by --yes.
            if a.yes && !verdict.require_confirmation {
                return Ok(true);
            }
            super::confirm_yes(&format!(
                "Sign bundle {}? Type yes to sign: ",
                r.review().bundle_id
            ))
        },
        SignOptions {
            deterministic: a.deterministic,
            only_paths: None,
        },
    )?;
    drop(keys);
    let entry = session::record(&outcome, &reviewed, &mut log, &mac_key)?;
    if let Some(p) = &pinned {
        p.advance(&log)?;
    }
    eprintln!(
        "logged as entry {} in {}",
        entry.seq,
        crate::sanitize::escape(&log_path.display().to_string())
    );
    let review = reviewed.review();
    let out = |decision, signed_inputs| SignOut {
        decision,
        signed_inputs,
        out: a
            .out
            .as_ref()
            .map(|o| o.display().to_string())
            .unwrap_or_default(),
        review,
        verdict: &outcome.verdict,
    };
    let (mut psbt, report) = match &outcome.decision {
        Decision::Signed { psbt, report } => (psbt.clone(), report.clone()),
        Decision::Refused(_) | Decision::Declined => {
            if !shown {
                eprint!(
                    "{}",
                    crate::screen::for_stream(review_text(review, Some(&outcome.verdict)), true)
                );
            }
            if a.json {
                // Scripts get the same review and the reasons on stdout; the exit code says why.
                let what = match outcome.decision {
                    Decision::Declined => "declined",
                    _ => "refused",
                };
                print_json(&out(what, 0))?;
            }
            return outcome.into_signed().map(|_| ());
        }
    };
    if a.minimal {
        bundle::minimal::strip_for_return(&mut psbt);
    }
    if let Some(out) = &a.out {
        let bytes = bundle::encode(&psbt, version, a.encoding)?;
        write_output(out, &bytes, a.force)?;
    }
    show_outputs(
        &bundle::encode(&psbt, version, bundle::Encoding::Binary)?,
        crate::transport::frames::Kind::Psbt,
        &a.qr,
        a.force,
    )?;
    if a.json {
        return print_json(&out("signed", report.inputs_signed()));
    }
    eprintln!(
        "signed {} input(s); every signature verified independently (k256). {}. Bundle {}",
        report.inputs_signed(),
        a.out
            .as_ref()
            .map(|o| format!("Wrote {}", o.display()))
            .unwrap_or_else(|| "Shown as QR".into()),
        review.bundle_id
    );
    Ok(())
}
