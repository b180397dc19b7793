//! `airsign approve`: review the same PSBT on the approver's own offline airsign, then sign the
//! approval statement with BIP322 by the approver's address.

use serde::Serialize;

use super::carry::{read_psbt, show_outputs};
use super::{print_json, unlock};
use crate::audit::{EntryDraft, Event, Reason as Logged};
use crate::bundle::{ReviewOptions, Reviewed};
use crate::cli::approve::ApproveArgs;
use crate::fsutil::{check_output, read_limited, write_output};
use crate::policy::approval::{statement, Approval};
use crate::policy::PolicyFile;
use crate::screen::review_text;
use crate::signer::KeyChain;
use crate::transport::frames::Kind;
use crate::wallet::ScriptType;
use crate::Error;

pub fn run(a: ApproveArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let policy_hash = match &a.policy {
        Some(p) => Some(
            PolicyFile::parse(&read_limited(p, crate::policy::file::MAX_POLICY_BYTES)?)?.hash(),
        ),
        None => None,
    };
    let (psbt, _, _) = read_psbt(a.input.as_deref(), &a.scan)?;
    let u = unlock::open(&a.unlock)?;
    let mac_key = crate::signer::audit_mac_key(&u)?;
    // The approver's own log records what they approved (or declined); an edited one stops here.
    let log_path = a
        .log
        .clone()
        .unwrap_or_else(|| crate::audit::default_path(&a.unlock.seed));
    if log_path.exists() {
        crate::audit::verify(&log_path, Some(&mac_key))?;
    }
    // Under a pinned policy, the approver's log must continue the pin's mark, and each entry
    // moves it: an approval record cannot be cut from the log unnoticed.
    let pinned = crate::policy::pinned::Pinned::open(&a.unlock.seed, &u)?;
    if let Some(p) = &pinned {
        p.check_log(&log_path)?;
    }
    let mut log = crate::audit::Log::open(&log_path)?;
    crate::fsutil::protect(&log_path, "the audit log this command appends to");
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    // The approver's own review: their keys own nothing here, so change is judged by the
    // signer; the approver reads what leaves, the fee and the bundle id.
    let reviewed = Reviewed::new(psbt, &keys, &ReviewOptions::default());
    let review = reviewed.review();
    eprint!(
        "{}",
        crate::screen::for_stream(review_text(review, None), true)
    );
    let path = match &a.path {
        Some(p) => p.parse().map_err(|_| {
            Error::Usage(format!(
                "not a derivation path: {}",
                crate::sanitize::escape(p)
            ))
        })?,
        None => {
            let net = crate::bundle::KeySource::network(&keys);
            format!(
                "m/84'/{}'/0'/0/0",
                crate::wallet::script_type::coin_type(net)
            )
            .parse()
            .map_err(|_| Error::Usage("bad default path".into()))?
        }
    };
    let record = |log: &mut crate::audit::Log, event, decision: &str, message: String| {
        let draft = EntryDraft::from_review(
            review,
            reviewed.psbt_sha256(),
            event,
            decision,
            vec![Logged {
                code: decision.to_owned(),
                message,
            }],
            policy_hash.as_deref().unwrap_or(""),
            None,
        );
        let entry = log.append(draft, Some(&mac_key))?;
        if let Some(p) = &pinned {
            p.advance(log)?;
        }
        Ok::<_, Error>(entry)
    };
    if !a.yes
        && !super::confirm_yes(&format!(
            "Approve bundle {}? Type yes to approve: ",
            review.bundle_id
        ))?
    {
        record(
            &mut log,
            Event::Declined,
            "declined",
            "the approver declined at the confirmation prompt".into(),
        )?;
        return Err(crate::session::declined().into());
    }
    let text = statement(
        review,
        &reviewed.psbt_sha256().to_string(),
        policy_hash.as_deref(),
    );
    let (address, signature) = keys.sign_message(&path, ScriptType::Wpkh, text.as_bytes())?;
    drop(keys);
    let approval = Approval {
        statement: text,
        address: address.to_string(),
        signature,
    };
    // On record before the approval leaves this machine.
    let entry = record(
        &mut log,
        Event::Approval,
        "approved",
        format!("approved as {}", approval.address),
    )?;
    eprintln!(
        "logged as entry {} in {}",
        entry.seq,
        crate::sanitize::escape(&log_path.display().to_string())
    );
    let body = approval.to_text();
    if let Some(out) = &a.out {
        write_output(out, body.as_bytes(), a.force)?;
    }
    show_outputs(body.as_bytes(), Kind::Text, &a.qr, a.force)?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            bundle_id: String,
            address: &'a str,
            statement: &'a str,
            signature: &'a str,
        }
        return print_json(&Out {
            bundle_id: review.bundle_id.to_string(),
            address: &approval.address,
            statement: &approval.statement,
            signature: &approval.signature,
        });
    }
    eprintln!(
        "approved bundle {} as {} — carry the approval to the signer (sign --approval FILE)",
        review.bundle_id, approval.address
    );
    Ok(())
}
