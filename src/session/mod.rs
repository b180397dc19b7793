//! The one signing decision. A [`Reviewed`] PSBT (only review can build one) goes through the
//! policy, then — only if the policy approves and our keys own an input — the caller's
//! confirmation, then the signer and its independent verify-after-sign. Every caller that signs
//! (`sign`, `demo`, later the ceremony runner) goes through [`decide`]; nothing else can sign.
//!
//! The session renders nothing: the confirmation callback is where a command shows the review.
use bitcoin::Psbt;

use crate::bundle::review::Reviewed;
use crate::policy::{Class, PolicySet, Reason, Refusal, Verdict};
use crate::signer::{self, KeyChain, SignOptions, SignReport};
use crate::Error;

/// How a session ended.
#[derive(Debug)]
pub enum Decision {
    /// The policy refused (or our keys own nothing); every reason is listed.
    Refused(Refusal),
    /// The person declined at the confirmation.
    Declined,
    /// Signed, and every signature verified independently.
    Signed {
        /// The signed PSBT.
        psbt: Psbt,
        /// What was signed.
        report: SignReport,
    },
}

/// The decision with the verdict it was made on.
#[derive(Debug)]
pub struct Outcome {
    /// The policy's verdict (shown whatever the decision).
    pub verdict: Verdict,
    /// The decision.
    pub decision: Decision,
}

impl Outcome {
    /// The decision as an error for refusals and declines, or the signed PSBT.
    pub fn into_signed(self) -> Result<(Psbt, SignReport), Error> {
        match self.decision {
            Decision::Signed { psbt, report } => Ok((psbt, report)),
            Decision::Refused(r) => Err(r.into()),
            Decision::Declined => Err(declined().into()),
        }
    }
}

/// The refusal a decline is reported as (exit 3, without the "compromised" advice).
pub fn declined() -> Refusal {
    Refusal {
        reasons: vec![Reason {
            code: "declined",
            message: "the user declined at the confirmation prompt".into(),
            class: Class::Declined,
            hint: None,
        }],
    }
}

/// Decide and, if approved and confirmed, sign. `confirm` is called only when the policy
/// approves and there is something to sign; it returns whether to go ahead.
pub fn decide(
    reviewed: &Reviewed,
    policy: &PolicySet,
    keys: &KeyChain,
    confirm: &mut dyn FnMut(&Reviewed, &Verdict) -> Result<bool, Error>,
    opts: SignOptions,
) -> Result<Outcome, Error> {
    let review = reviewed.review();
    let mut verdict = policy.evaluate(review);
    // Said even when the policy refuses for other reasons: "not this seed's" is the first thing
    // to know about a bundle (a velocity refusal alone would hide it).
    if review.ours().next().is_none() {
        verdict.refuse.push(Reason {
            code: "nothing-to-sign",
            message: format!("nothing to sign: no input belongs to seed {}", review.fingerprint),
            class: Class::Fact,
            hint: Some("Check that this PSBT was made for this seed (compare fingerprints with `airsign seed info`) and that the right BIP39 passphrase was given.".into()),
        });
    }
    if !verdict.approved() {
        let refusal = Refusal {
            reasons: verdict.refuse.clone(),
        };
        return Ok(Outcome {
            verdict,
            decision: Decision::Refused(refusal),
        });
    }
    if !confirm(reviewed, &verdict)? {
        return Ok(Outcome {
            verdict,
            decision: Decision::Declined,
        });
    }
    let mut psbt = reviewed.psbt().clone();
    let report = signer::sign::sign_psbt(&mut psbt, reviewed, keys, opts)?;
    Ok(Outcome {
        verdict,
        decision: Decision::Signed { psbt, report },
    })
}

/// Append the decision to the audit log (DESIGN §4.5: refusals are recorded too), MAC'd with
/// the seed-derived key so a line not written by this seed's holder is detected.
pub fn record(
    outcome: &Outcome,
    reviewed: &Reviewed,
    log: &mut crate::audit::Log,
    mac_key: &[u8; 32],
) -> Result<crate::audit::Entry, Error> {
    use crate::audit::{EntryDraft, Event, Reason as Logged};
    let (event, decision, reasons) = match &outcome.decision {
        Decision::Signed { .. } => (Event::Signed, "signed", &outcome.verdict.warnings),
        // A refusal whose only reason is a delay starting is the start of a wait, not a no.
        Decision::Refused(r)
            if !r.reasons.is_empty()
                && r.reasons
                    .iter()
                    .all(|x| x.code == crate::policy::rules::DELAY_STARTED) =>
        {
            (Event::Pending, "pending", &r.reasons)
        }
        Decision::Refused(r) => (Event::Refused, "refused", &r.reasons),
        Decision::Declined => (Event::Declined, "declined", &outcome.verdict.refuse),
    };
    let reasons = reasons
        .iter()
        .map(|r| Logged {
            code: r.code.to_string(),
            message: r.message.clone(),
        })
        .collect();
    let mut draft = EntryDraft::from_review(
        reviewed.review(),
        reviewed.psbt_sha256(),
        event,
        decision,
        reasons,
        outcome.verdict.policy_hash.as_deref().unwrap_or(""),
        outcome.verdict.rule.as_deref(),
    );
    if event == Event::Pending {
        draft.until_height = outcome.verdict.until_height;
    }
    Ok(log.append(draft, Some(mac_key))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::ReviewOptions;
    use crate::policy::PolicySet;
    use crate::secrets::Mnemonic;
    use crate::wallet::fixture::TEST_MNEMONIC;

    fn keys() -> KeyChain {
        let m = Mnemonic::parse(TEST_MNEMONIC).unwrap();
        KeyChain::from_seed(&m.to_seed("", bitcoin::Network::Regtest)).unwrap()
    }

    /// A PSBT our keys own nothing of: one foreign input, one output.
    fn foreign_psbt() -> Psbt {
        let tx = bitcoin::Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![bitcoin::TxIn::default()],
            output: vec![bitcoin::TxOut {
                value: bitcoin::Amount::from_sat(1000),
                script_pubkey: bitcoin::ScriptBuf::new_op_return([1u8; 4]),
            }],
        };
        Psbt::from_unsigned_tx(tx).unwrap()
    }

    #[test]
    fn a_refusal_never_asks_for_confirmation() {
        let k = keys();
        let r = Reviewed::new(foreign_psbt(), &k, &ReviewOptions::default());
        let mut asked = false;
        let o = decide(
            &r,
            &PolicySet::default(),
            &k,
            &mut |_, _| {
                asked = true;
                Ok(true)
            },
            SignOptions::default(),
        )
        .unwrap();
        assert!(!asked);
        // Adversarial pass 4, F7: "not this seed's" is said even beside other refusals.
        assert!(o.verdict.refuse.iter().any(|r| r.code == "nothing-to-sign"));
        assert!(matches!(o.decision, Decision::Refused(_)));
        let e = o.into_signed().unwrap_err();
        assert!(matches!(e, Error::Refused(_)), "{e}");
    }

    #[test]
    fn declining_is_exit_3_without_the_compromise_advice() {
        let e: Error = declined().into();
        assert!(matches!(e, Error::Refused(_)), "{e}");
        let hint = e.hint().unwrap();
        assert!(!hint.contains("compromised"), "{hint}");
        assert!(hint.contains("declined"), "{hint}");
    }

    #[test]
    fn signing_a_psbt_other_than_the_reviewed_one_is_an_integrity_failure() {
        let k = keys();
        let r = Reviewed::new(foreign_psbt(), &k, &ReviewOptions::default());
        let mut other = foreign_psbt();
        other.unsigned_tx.output[0].value = bitcoin::Amount::from_sat(999);
        let e = signer::sign::sign_psbt(&mut other, &r, &k, SignOptions::default()).unwrap_err();
        assert!(matches!(e, signer::SignError::ReviewMismatch));
        // Same transaction, different PSBT fields: also not what was reviewed.
        let mut extra = foreign_psbt();
        extra.inputs[0].witness_utxo = Some(bitcoin::TxOut {
            value: bitcoin::Amount::from_sat(5),
            script_pubkey: bitcoin::ScriptBuf::new(),
        });
        assert!(matches!(
            signer::sign::sign_psbt(&mut extra, &r, &k, SignOptions::default()),
            Err(signer::SignError::ReviewMismatch)
        ));
    }

    fn many_inputs(script: crate::wallet::ScriptType, n: usize) -> Psbt {
        crate::wallet::fixture::sweep(&keys(), script, n).unwrap()
    }

    /// Review and sign `psbt` on `threads` threads; the review as JSON and the signed bytes.
    fn sign_on(psbt: &Psbt, k: &KeyChain, threads: usize) -> (String, Vec<u8>) {
        let policy = PolicySet::default();
        let r = Reviewed::new_on(psbt.clone(), k, &policy.review_options(), Some(threads));
        assert!(policy.evaluate(r.review()).approved());
        let mut out = r.psbt().clone();
        let opts = SignOptions {
            deterministic: true,
            ..SignOptions::default()
        };
        signer::sign::sign_psbt_on(&mut out, &r, k, opts, Some(threads)).unwrap();
        (serde_json::to_string(r.review()).unwrap(), out.serialize())
    }

    #[test]
    fn the_thread_count_changes_no_byte_of_the_review_or_the_signed_psbt() {
        use crate::wallet::ScriptType;
        let k = keys();
        // Legacy (P2PKH: whole-transaction sighashes made by the workers), nested and native
        // segwit v0 and taproot key path (midstate sighashes made before the threads start).
        for script in [
            ScriptType::Pkh,
            ScriptType::ShWpkh,
            ScriptType::Wpkh,
            ScriptType::Tr,
        ] {
            let psbt = many_inputs(script, 70);
            let (review_1, signed_1) = sign_on(&psbt, &k, 1);
            for threads in [2, 4] {
                let (review_n, signed_n) = sign_on(&psbt, &k, threads);
                assert_eq!(review_n, review_1, "{script}: review on {threads} threads");
                assert!(
                    signed_n == signed_1,
                    "{script}: signed bytes on {threads} threads"
                );
            }
            let signed = Psbt::deserialize(&signed_1).unwrap();
            assert!(signed
                .inputs
                .iter()
                .all(|i| !i.partial_sigs.is_empty() || i.tap_key_sig.is_some()));
        }
    }

    #[test]
    fn a_failure_on_one_input_among_threads_fails_the_whole_sign_and_changes_nothing() {
        // Reviewed with one seed, signed with the same seed under another BIP39 passphrase:
        // every signature is by a key the review did not derive, and verify-after-sign on
        // four threads must refuse the whole PSBT, naming the first input.
        let k = keys();
        let other = {
            let m = Mnemonic::parse(TEST_MNEMONIC).unwrap();
            KeyChain::from_seed(&m.to_seed("other", bitcoin::Network::Regtest)).unwrap()
        };
        let psbt = many_inputs(crate::wallet::ScriptType::Wpkh, 70);
        let r = Reviewed::new_on(psbt, &k, &ReviewOptions::default(), Some(4));
        let mut out = r.psbt().clone();
        let before = out.serialize();
        let e = signer::sign::sign_psbt_on(&mut out, &r, &other, SignOptions::default(), Some(4))
            .unwrap_err();
        assert!(
            matches!(e, signer::SignError::VerifyFailed { input: 0, .. }),
            "{e}"
        );
        assert!(out.serialize() == before);
    }
}
