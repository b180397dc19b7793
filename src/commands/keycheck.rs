//! `airsign keycheck challenge|answer|verify`: key health checks (docs/keycheck.md).
use std::path::Path;

use serde::Serialize;

use super::carry::{read_input, show_outputs};
use super::seedlog::SeedLog;
use super::{json_owns_stdout, print_json, unlock};
use crate::audit::{EntryDraft, Event, KeycheckRecord, Reason};
use crate::bundle::KeySource;
use crate::ceremony::keycheck::{
    self as kc, Answer, Challenge, History, KeycheckError, MAX_FILE_BYTES,
};
use crate::cli::keycheck::{AnswerArgs, ChallengeArgs, KeycheckCmd, KeycheckVerifyArgs};
use crate::fsutil::{check_output, read_limited, write_atomic, write_output};
use crate::sanitize::escape;
use crate::signer::KeyChain;
use crate::transport::frames::Kind;
use crate::wallet::file::WalletFile;
use crate::Error;

pub fn run(cmd: KeycheckCmd) -> Result<(), Error> {
    match cmd {
        KeycheckCmd::Challenge(a) => challenge(a),
        KeycheckCmd::Answer(a) => answer(a),
        KeycheckCmd::Verify(a) => verify(a),
    }
}

fn shown(p: &Path) -> String {
    escape(&p.display().to_string())
}

fn challenge(a: ChallengeArgs) -> Result<(), Error> {
    json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let w = WalletFile::load(&a.wallet)?;
    let nonce =
        Challenge::fresh_nonce().map_err(|e| Error::io("read random bytes for", "the nonce", e))?;
    let c = Challenge::new(&w, nonce, crate::time::now_rfc3339())?;
    let body = c.to_json();
    if let Some(out) = &a.out {
        write_output(out, &body, a.force)?;
    }
    show_outputs(&body, Kind::Text, &a.qr, a.force)?;
    eprintln!(
        "key check challenge for wallet {} ({}), {} keys, nonce {}…, made {}",
        c.wallet_id,
        escape(&c.wallet_name),
        c.keys.len(),
        &c.nonce[..16],
        c.created
    );
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            wallet_id: &'a str,
            nonce: &'a str,
            created: &'a str,
            keys: &'a [String],
        }
        print_json(&Out {
            wallet_id: &c.wallet_id,
            nonce: &c.nonce,
            created: &c.created,
            keys: &c.keys,
        })?;
    }
    Ok(())
}

fn answer(a: AnswerArgs) -> Result<(), Error> {
    json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let bytes = read_input(a.challenge.as_deref(), &a.scan, MAX_FILE_BYTES)?;
    let what = a
        .challenge
        .as_deref()
        .map(shown)
        .unwrap_or_else(|| "the scanned challenge".into());
    let c = Challenge::parse(&bytes, &what)?;
    c.wallet()?;
    let u = unlock::open(&a.unlock)?;
    let mut log = SeedLog::open(&a.unlock.seed, a.log.as_deref(), &u)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    let ours = kc::our_keys(&c, &keys)?;
    let fingerprint = keys.fingerprint().to_string();
    let texts: Vec<String> = ours.iter().map(kc::key_text).collect();
    eprintln!(
        "Key health check\n  wallet:  {} ({}) on {}\n  nonce:   {}\n  made:    {} (the online machine's clock)\n  seed:    {fingerprint}\n  this seed proves {} of the wallet's {} keys:",
        c.wallet_id,
        escape(&c.wallet_name),
        c.network,
        c.nonce,
        escape(&c.created),
        ours.len(),
        c.keys.len()
    );
    for t in &texts {
        eprintln!("    {}", escape(t));
    }
    let record = KeycheckRecord {
        wallet_id: c.wallet_id.clone(),
        nonce: c.nonce.clone(),
        date: c.created.clone(),
        keys: ours
            .iter()
            .map(|k| format!("[{}/{}]", k.fingerprint, k.origin))
            .collect(),
    };
    if !a.yes && !super::confirm_yes("Sign the key check? Type yes to sign: ")? {
        let mut d = EntryDraft::not_a_transaction(
            Event::Declined,
            "declined",
            vec![Reason {
                code: "declined".into(),
                message: "the user declined to answer the key check".into(),
            }],
            &fingerprint,
        );
        d.keycheck = Some(record);
        log.record(d)?;
        return Err(crate::session::declined().into());
    }
    let ans = kc::answer(&c, &keys, &ours)?;
    drop(keys);
    // Checked as the coordinator will check it, before it is recorded and leaves.
    kc::verify(&c, &ans).map_err(|r| crate::signer::SignError::VerifyFailed {
        input: 0,
        reason: format!("the key check answer does not verify: {r}"),
    })?;
    let mut d = EntryDraft::not_a_transaction(
        Event::Keycheck,
        "answered",
        vec![Reason {
            code: "keycheck".into(),
            message: format!("answered the key check of wallet {}", c.wallet_id),
        }],
        &fingerprint,
    );
    d.keycheck = Some(record);
    let entry = log.record(d)?;
    eprintln!("logged as entry {} in {}", entry.seq, shown(log.path()));
    let body = ans.to_json();
    if let Some(out) = &a.out {
        write_output(out, &body, a.force)?;
    }
    show_outputs(&body, Kind::Text, &a.qr, a.force)?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            wallet_id: &'a str,
            nonce: &'a str,
            fingerprint: &'a str,
            keys: &'a [String],
        }
        return print_json(&Out {
            wallet_id: &c.wallet_id,
            nonce: &c.nonce,
            fingerprint: &fingerprint,
            keys: &texts,
        });
    }
    eprintln!(
        "answered for {} key(s) — carry the answer to the coordinator (keycheck verify)",
        texts.len()
    );
    Ok(())
}

#[derive(Serialize)]
struct Refused {
    answer: String,
    reason: String,
}

#[derive(Serialize)]
struct Report<'a> {
    wallet_id: &'a str,
    nonce: &'a str,
    proved: usize,
    keys: &'a [kc::Standing],
    refused: &'a [Refused],
}

fn verify(a: KeycheckVerifyArgs) -> Result<(), Error> {
    let w = WalletFile::load(&a.wallet)?;
    let c = Challenge::parse(
        &read_limited(&a.challenge, MAX_FILE_BYTES)?,
        &shown(&a.challenge),
    )?;
    c.check_for(&w)?;
    let now_text = crate::time::now_rfc3339();
    let now = crate::time::parse_rfc3339(&now_text).unwrap_or(0);
    let hist_path = kc::history_path(&a.wallet);
    let mut history = if hist_path.exists() {
        History::parse(
            &read_limited(&hist_path, MAX_FILE_BYTES)?,
            &shown(&hist_path),
            &w.wallet_id,
        )?
    } else {
        History::new(&w.wallet_id)
    };
    let mut proved = Vec::new();
    let mut refused = Vec::new();
    if !a.answers.is_empty() {
        // Answers to a stale challenge prove nothing about now.
        kc::check_fresh(&c, now)?;
    }
    for f in &a.answers {
        let r = read_limited(f, MAX_FILE_BYTES)
            .map_err(|e| e.to_string())
            .and_then(|b| Answer::parse(&b, &shown(f)).map_err(|e| e.to_string()))
            .and_then(|ans| kc::verify(&c, &ans));
        match r {
            Ok(p) => proved.extend(p),
            Err(reason) => refused.push(Refused {
                answer: shown(f),
                reason,
            }),
        }
    }
    for p in &proved {
        history.record(&p.key, &c, &now_text);
    }
    if !proved.is_empty() {
        write_atomic(&hist_path, &history.to_json())?;
    }
    let standings = kc::standings(&c, &history, &proved, now);
    if a.json {
        print_json(&Report {
            wallet_id: &c.wallet_id,
            nonce: &c.nonce,
            proved: proved.len(),
            keys: &standings,
            refused: &refused,
        })?;
    } else {
        eprintln!(
            "key check of wallet {} ({}), challenge made {}:",
            c.wallet_id,
            escape(&w.name),
            c.created
        );
        for s in &standings {
            let when = match (&s.last_proved, s.days_ago) {
                (Some(t), Some(d)) => format!("last proved {t} ({d} days ago)"),
                (Some(t), None) => format!("last proved {t}"),
                _ => "never".into(),
            };
            eprintln!(
                "  {} {}  {}{}",
                if s.proved_now { "proved " } else { "missing" },
                s.fingerprint,
                when,
                if s.overdue && s.last_proved.is_some() {
                    format!("  WARNING: more than {} days ago", kc::OVERDUE_DAYS)
                } else if s.last_proved.is_none() {
                    "  WARNING: never proved".into()
                } else {
                    String::new()
                }
            );
        }
        for r in &refused {
            eprintln!("  refused {}: {}", r.answer, r.reason);
        }
        eprintln!(
            "{} of {} keys proved by these answers; history in {}",
            standings.iter().filter(|s| s.proved_now).count(),
            standings.len(),
            shown(&hist_path)
        );
    }
    if !refused.is_empty() {
        return Err(KeycheckError::Refused(
            refused
                .iter()
                .map(|r| format!("{}: {}", r.answer, r.reason))
                .collect(),
        )
        .into());
    }
    Ok(())
}
