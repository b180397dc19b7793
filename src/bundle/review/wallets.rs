//! Registered wallets in the review (issue 9): a multisig or script input is ours only when its
//! script re-derives from a wallet registered on this signer, at the index our key's path names;
//! a key that belongs to a registered wallet signs nothing else (the mixed single/multisig path
//! attack); the PSBT's global xpubs must agree with the registrations; change to a registered
//! wallet is change only when it re-derives there.
use bitcoin::bip32::{DerivationPath, Fingerprint};
use bitcoin::psbt::Input;
use bitcoin::{Psbt, Script};
use serde::Serialize;

use super::{Findings, SpendKind};
use crate::bundle::KeySource;
use crate::wallet::registry::{cosigners, Registered};

/// A multisig or script input of a registered wallet, as shown.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WalletInput {
    /// The wallet's registered name.
    pub name: String,
    /// Signatures needed, for a multisig script (`m` of `n`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m: Option<u32>,
    /// Keys in the multisig script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Fingerprints (or short keys) of the cosigners whose signatures the PSBT already holds.
    pub signed_by: Vec<String>,
    /// Who can spend, in words (from the registered descriptor).
    pub policy: String,
    /// For a wallet with relative timelocks: whether this input's nSequence opens one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timelock: Option<String>,
}

/// Why a spend of our key is not signed: a fact code and its message.
pub(super) type Refusal = (&'static str, String);

fn is_script(kind: &SpendKind) -> bool {
    matches!(
        kind,
        SpendKind::Sh(_) | SpendKind::Wsh(_) | SpendKind::ShWsh(_) | SpendKind::TrScript { .. }
    )
}

/// The registered wallet a spend of our key at `path` belongs to. Script spends must re-derive
/// from a registration; single-key spends must not use a registered wallet's key.
pub(super) fn check_spend(
    keys: &dyn KeySource,
    kind: &SpendKind,
    path: &DerivationPath,
    spk: &Script,
) -> Result<Option<String>, Refusal> {
    let fp = keys.fingerprint();
    let registered = keys.registered();
    if is_script(kind) {
        for r in registered {
            if let Some((change, index)) = r.locate(fp, path) {
                let derived = r
                    .wallet
                    .derive(change, index)
                    .ok()
                    .map(|d| d.script_pubkey());
                if derived.as_deref() == Some(spk) {
                    return Ok(Some(r.name.clone()));
                }
            }
        }
        return Err((
            "unregistered-wallet",
            format!("our key m/{path} is in a multisig or script input that does not re-derive from any wallet registered on this signer (register it first: airsign wallet register --seed SEED WALLET.json)"),
        ));
    }
    if let Some(r) = registered.iter().find(|r| r.owns_path(fp, path)) {
        return Err((
            "wallet-key-single-sig",
            format!(
                "our key m/{path} belongs to registered wallet '{}', but this input pays that key alone (a wallet's keys sign only that wallet's scripts)",
                crate::sanitize::escape(&r.name)
            ),
        ));
    }
    Ok(None)
}

/// `m` and `n` of an `OP_m <n keys> OP_n OP_CHECKMULTISIG` script.
fn multisig_m_n(script: &Script) -> Option<(u32, u32)> {
    use bitcoin::opcodes::all::{OP_CHECKMULTISIG, OP_PUSHNUM_1, OP_PUSHNUM_16};
    let b = script.as_bytes();
    let (first, last) = (*b.first()?, *b.last()?);
    let n_op = *b.get(b.len().checked_sub(2)?)?;
    let range = OP_PUSHNUM_1.to_u8()..=OP_PUSHNUM_16.to_u8();
    if last != OP_CHECKMULTISIG.to_u8() || !range.contains(&first) || !range.contains(&n_op) {
        return None;
    }
    let base = u32::from(OP_PUSHNUM_1.to_u8()) - 1;
    Some((u32::from(first) - base, u32::from(n_op) - base))
}

/// Whether `sequence` opens one of the relative timelocks in `locks` (consensus values).
fn timelock_words(locks: &[u32], sequence: bitcoin::Sequence) -> Option<String> {
    use crate::wallet::registry::older_words;
    let lowest = *locks.iter().min()?;
    let open = locks.iter().copied().filter(|&t| {
        let (Some(want), Some(have)) = (
            bitcoin::Sequence(t).to_relative_lock_time(),
            sequence.to_relative_lock_time(),
        ) else {
            return false;
        };
        want.is_implied_by(have)
    });
    Some(match open.max() {
        Some(t) => format!(
            "TIMELOCKED PATH OPEN: nSequence satisfies the path after {}",
            older_words(t)
        ),
        None => format!(
            "timelocked path not open (it needs nSequence of {} or more)",
            older_words(lowest)
        ),
    })
}

/// What the review shows about an input of a registered wallet.
pub(super) fn wallet_input(
    keys: &dyn KeySource,
    name: &str,
    kind: &SpendKind,
    input: &Input,
    sequence: bitcoin::Sequence,
) -> WalletInput {
    use miniscript::policy::Liftable;
    let reg = keys.registered().iter().find(|r| r.name == name);
    let policy = reg
        .map(|r| crate::wallet::registry::describe(&r.wallet))
        .unwrap_or_default();
    let locks = reg
        .and_then(|r| r.wallet.external.lift().ok())
        .map(|p| p.relative_timelocks())
        .unwrap_or_default();
    let script = match kind {
        SpendKind::Sh(s) | SpendKind::Wsh(s) | SpendKind::ShWsh(s) => Some(s),
        _ => None,
    };
    let (m, n) = match kind {
        SpendKind::TrScript { script, .. } => crate::bundle::finalize::multi_a_m_n(script),
        _ => script.and_then(|s| multisig_m_n(s)),
    }
    .map_or((None, None), |(m, n)| (Some(m), Some(n)));
    let mut signed_by: Vec<String> = input
        .partial_sigs
        .keys()
        .map(|pk| match input.bip32_derivation.get(&pk.inner) {
            Some((fp, _)) => fp.to_string(),
            None => format!("key {}", &pk.to_string()[..16]),
        })
        .collect();
    // Taproot leaves: a signature per (key, leaf); the leaf our key signs is the one shown.
    if let SpendKind::TrScript { leaf, .. } = kind {
        signed_by.extend(
            input
                .tap_script_sigs
                .keys()
                .filter(|(_, l)| l == leaf)
                .map(|(x, _)| match input.tap_key_origins.get(x) {
                    Some((_, (fp, _))) => fp.to_string(),
                    None => format!("key {}", &x.to_string()[..16]),
                }),
        );
    }
    WalletInput {
        name: name.to_owned(),
        m,
        n,
        signed_by,
        policy,
        timelock: timelock_words(&locks, sequence),
    }
}

/// The satisfied shape of an input of registered wallet `name` spent by our key at `path`.
pub(super) fn input_shape(
    keys: &dyn KeySource,
    name: &str,
    path: &DerivationPath,
) -> Option<crate::bundle::weight::InputShape> {
    let r = keys.registered().iter().find(|r| r.name == name)?;
    let (change, index) = r.locate(keys.fingerprint(), path)?;
    crate::bundle::weight::InputShape::for_descriptor(&r.wallet.derive(change, index).ok()?)
}

/// Global xpubs (BIP174 `PSBT_GLOBAL_XPUB`) are claims: each one at the origin of a registered
/// wallet's key must be that key. A different one is the xpub swap.
pub(super) fn check_global_xpubs(psbt: &Psbt, keys: &dyn KeySource, found: &mut Findings) {
    for (xpub, (fp, path)) in &psbt.xpub {
        for r in keys.registered() {
            let mismatch = cosigners(&r.wallet.external).into_iter().any(|c| {
                c.fingerprint == *fp
                    && c.origin == *path
                    && (c.xpub.public_key, c.xpub.chain_code) != (xpub.public_key, xpub.chain_code)
            });
            if mismatch {
                found.integrity(
                    "xpub-mismatch",
                    format!(
                        "the PSBT's global xpub for {fp} at m/{path} is not the one registered in wallet '{}': a swapped cosigner key",
                        crate::sanitize::escape(&r.name)
                    ),
                );
            }
        }
    }
}

/// Where a claimed output key of ours sits in the registered wallets: the wallet, the branch and
/// index, and whether the output script re-derives there.
pub(super) struct OutputClaim<'a> {
    pub wallet: &'a Registered,
    pub change: bool,
    pub index: u32,
    pub rederives: bool,
}

pub(super) fn locate_output<'a>(
    keys: &'a dyn KeySource,
    fp: Fingerprint,
    path: &DerivationPath,
    spk: &Script,
) -> Option<OutputClaim<'a>> {
    let mut first = None;
    for r in keys.registered() {
        if let Some((change, index)) = r.locate(fp, path) {
            let rederives = r
                .wallet
                .derive(change, index)
                .ok()
                .is_some_and(|d| d.script_pubkey().as_script() == spk);
            let c = OutputClaim {
                wallet: r,
                change,
                index,
                rederives,
            };
            if rederives {
                return Some(c);
            }
            first.get_or_insert(c);
        }
    }
    first
}

/// Timelocked spending paths (Liana's recovery shape): a signature of ours this input's nSequence
/// cannot use is refused (`timelock-not-open`: our key is only on a path still locked), and a
/// spend through a path the nSequence opens is named (`recovery-path`), so a recovery spend is
/// never shown as an ordinary one.
pub(super) fn timelock_facts(
    keys: &dyn KeySource,
    name: &str,
    i: usize,
    sequence: bitcoin::Sequence,
    found: &mut Findings,
) {
    use miniscript::policy::Liftable;
    use miniscript::ForEachKey;
    let Some(reg) = keys.registered().iter().find(|r| r.name == name) else {
        return;
    };
    let Ok(policy) = reg.wallet.external.lift() else {
        return;
    };
    let locks = policy.relative_timelocks();
    if locks.is_empty() {
        return;
    }
    let fp = keys.fingerprint();
    let age = sequence
        .to_relative_lock_time()
        .unwrap_or(bitcoin::relative::LockTime::ZERO);
    let now = policy.clone().at_age(age).normalized();
    let base = policy
        .at_age(bitcoin::relative::LockTime::ZERO)
        .normalized();
    let ours_usable = !now.for_each_key(|k| k.master_fingerprint() != fp);
    if !ours_usable {
        let lowest = locks.iter().min().copied().unwrap_or(0);
        found.fact(
            "timelock-not-open",
            format!(
                "input {i}: our key in wallet '{}' signs only on a timelocked path, and this input's nSequence does not open it (it needs {}): a signature could never be used",
                crate::sanitize::escape(name),
                crate::wallet::registry::older_words(lowest)
            ),
        );
    } else if now != base {
        found.fact(
            "recovery-path",
            format!(
                "input {i}: spends wallet '{}' through its timelocked path ({}), not its primary keys",
                crate::sanitize::escape(name),
                reg_words_open(&locks, sequence)
            ),
        );
    }
}

fn reg_words_open(locks: &[u32], sequence: bitcoin::Sequence) -> String {
    timelock_words(locks, sequence).unwrap_or_default()
}
