//! `airsign sign`: review → strict policy → confirm → sign → verify-after-sign → atomic write.
use std::io::{BufRead, Write};

use serde::Serialize;

use super::bundle::read_psbt;
use super::render::review_text;
use super::{encoding, print_json, unlock};
use crate::bundle::{self, Review};
use crate::cli::SignArgs;
use crate::fsutil::{self, write_output};
use crate::policy::{self, Defaults, Refusal, Verdict};
use crate::secrets::SecretError;
use crate::signer::{self, KeyChain, SignError, SignOptions};
use crate::Error;

#[derive(Serialize)]
struct SignOut<'a> {
    decision: &'static str,
    signed_inputs: usize,
    out: String,
    review: &'a Review,
    verdict: &'a Verdict,
}

fn confirm(bundle_id: &str) -> Result<bool, Error> {
    let mut tty = crate::secrets::prompt::tty()
        .map_err(|_| SecretError::NoTty("confirmation (use --yes in scripts)"))?;
    write!(tty, "Sign bundle {bundle_id}? Type yes to sign: ")
        .map_err(|e| Error::io("write", "/dev/tty", e))?;
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| Error::io("read", "/dev/tty", e))?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

pub fn run(a: SignArgs) -> Result<(), Error> {
    // The seed file is never an output, even with --force; refuse before any prompt.
    fsutil::protect(&a.unlock.seed, "the seed file");
    if let Some(out) = &a.out {
        fsutil::check_output(out, a.force)?;
    }
    let (mut psbt, version, _) = read_psbt(a.input.as_deref(), &a.scan)?;
    let u = unlock::open(&a.unlock)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);

    let review = bundle::review(&psbt, &keys);
    let defaults = Defaults {
        max_fee_sats: a.max_fee,
        allow_foreign_inputs: a.allow_foreign_inputs,
        ..Defaults::default()
    };
    let verdict = policy::evaluate(&review, &defaults);
    eprint!("{}", review_text(&review, Some(&verdict)));
    let refusal = if !verdict.approved() {
        Some(Error::from(Refusal {
            reasons: verdict.refuse.clone(),
        }))
    } else if review.ours().next().is_none() {
        Some(
            SignError::NothingToSign {
                fingerprint: review.fingerprint.clone(),
            }
            .into(),
        )
    } else {
        None
    };
    if let Some(e) = refusal {
        if a.json {
            // Scripts get the same review and the reasons on stdout; the exit code says refused.
            print_json(&SignOut {
                decision: "refused",
                signed_inputs: 0,
                out: String::new(),
                review: &review,
                verdict: &verdict,
            })?;
        }
        return Err(e);
    }
    if !a.yes && !confirm(&review.bundle_id.to_string())? {
        return Err(Refusal {
            reasons: vec![crate::bundle::review::Problem {
                code: "declined",
                message: "the user declined at the confirmation prompt".into(),
            }],
        }
        .into());
    }
    let report = signer::sign_psbt(
        &mut psbt,
        &review,
        &keys,
        SignOptions {
            deterministic: a.deterministic,
        },
    )?;
    drop(keys);
    if a.minimal {
        bundle::minimal::strip_for_return(&mut psbt);
    }
    if let Some(out) = &a.out {
        let bytes = bundle::encode(&psbt, version, encoding(a.encoding))?;
        write_output(out, &bytes, a.force)?;
    }
    super::qr::show_outputs(
        &bundle::encode(&psbt, version, bundle::Encoding::Binary)?,
        super::qr::Kind::Psbt,
        &a.qr,
    )?;
    if a.json {
        return print_json(&SignOut {
            decision: "signed",
            signed_inputs: report.inputs_signed(),
            out: a
                .out
                .as_ref()
                .map(|o| o.display().to_string())
                .unwrap_or_default(),
            review: &review,
            verdict: &verdict,
        });
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
