//! Outputs: external, change, self-transfer, or our own key on a path no wallet scans.
//!
//! Change is change only if its script re-derives from our key at `account/1/i`, where `account`
//! is the standard account of an input we sign (same script type) and `i` is within the bound
//! the signer can defend without state. Anything else paying our key is money no wallet will see
//! (Coldcard's "troublesome change"), reported as the fact `own-key-off-branch`.
use bitcoin::bip32::{ChildNumber, DerivationPath};
use bitcoin::secp256k1::PublicKey;
use bitcoin::{Psbt, Script, ScriptBuf};

use super::inputs::{address_of, derive};
use super::network::coin_type_problem;
use super::{Findings, InputReview, OutputKind, OutputReview, ReviewOptions, SpendKind};
use crate::bundle::KeySource;
use crate::sanitize::escape;
use crate::wallet::ownership::single_sig_script;
use crate::wallet::ScriptType;

/// A standard path split into its account (all hardened: purpose'/coin'/account'[/script']),
/// branch and index.
struct StandardPath {
    account: DerivationPath,
    script: ScriptType,
    branch: u32,
    index: u32,
}

fn standard(path: &DerivationPath) -> Option<StandardPath> {
    let c: Vec<ChildNumber> = path.into_iter().copied().collect();
    let purpose = match c.first()? {
        ChildNumber::Hardened { index } => *index,
        _ => return None,
    };
    let (script, account_len) = match ScriptType::single_sig_for_purpose(purpose) {
        Some(t) => (t, 3),
        None => return None,
    };
    if c.len() != account_len + 2 || !c[..account_len].iter().all(|s| s.is_hardened()) {
        return None;
    }
    match (c[account_len], c[account_len + 1]) {
        (ChildNumber::Normal { index: branch }, ChildNumber::Normal { index }) => {
            Some(StandardPath {
                account: DerivationPath::from(&c[..account_len]),
                script,
                branch,
                index,
            })
        }
        _ => None,
    }
}

fn kind_script_type(kind: &SpendKind) -> Option<ScriptType> {
    match kind {
        SpendKind::Pkh => Some(ScriptType::Pkh),
        SpendKind::Wpkh => Some(ScriptType::Wpkh),
        SpendKind::ShWpkh => Some(ScriptType::ShWpkh),
        SpendKind::TrKey(None) => Some(ScriptType::Tr),
        _ => None,
    }
}

/// The script a single key has for `script`'s type.
fn single_sig_spk(script: ScriptType, pk: &PublicKey) -> Option<ScriptBuf> {
    single_sig_script(crate::wallet::keys::verification(), script, pk)
}

/// Accounts our signed inputs spend from, with their script type.
fn spent_accounts(inputs: &[InputReview]) -> Vec<(DerivationPath, ScriptType)> {
    let mut v: Vec<(DerivationPath, ScriptType)> = inputs
        .iter()
        .flat_map(|i| i.spends.iter())
        .filter_map(|s| {
            let p = standard(&s.path)?;
            (kind_script_type(&s.kind) == Some(p.script)).then_some((p.account, p.script))
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.dedup();
    v
}

/// How one output is classified from one of its key claims.
enum Claim {
    /// Not ours, or not provably: external, with a note when a claim was made.
    Not(Option<String>),
    Change(String, u32),
    OwnReceive(String, u32),
    OffBranch(String, String),
    /// Our receive address on an account not spent here: shown as leaving, with this note.
    OtherAccount(String),
}

/// What classifying an output needs besides the output.
struct Ctx<'a> {
    keys: &'a dyn KeySource,
    accounts: &'a [(DerivationPath, ScriptType)],
    opts: &'a ReviewOptions,
}

fn classify(
    cx: &Ctx,
    spk: &Script,
    pk: &PublicKey,
    path: &DerivationPath,
    what: &str,
    found: &mut Findings,
) -> Claim {
    let (keys, accounts, opts) = (cx.keys, cx.accounts, cx.opts);
    let shown = format!("m/{path}");
    let Some(derived) = derive(keys, path, what, found) else {
        return Claim::Not(None);
    };
    if derived != *pk {
        return Claim::Not(Some(format!(
            "claims to be ours at {shown}, but our seed derives a different key there: treated as an external payment"
        )));
    }
    let std = standard(path);
    // Which script type our key would have here: the path's purpose, else the spent account's.
    let types: Vec<ScriptType> = match &std {
        Some(s) => vec![s.script],
        None => accounts.iter().map(|a| a.1).collect(),
    };
    let ours = types
        .iter()
        .any(|t| single_sig_spk(*t, pk).as_deref() == Some(spk));
    if !ours {
        return Claim::Not(Some(format!(
            "claims to be ours at {shown}, but the output script does not re-derive from our key: treated as an external payment"
        )));
    }
    let network = keys.network();
    let why = match &std {
        None => "its path is not a standard account/branch/index path".to_string(),
        Some(_) if coin_type_problem(path, network).is_some() => {
            "its path is for another network".to_string()
        }
        Some(s) if s.index > opts.max_change_index => format!(
            "its index {} is beyond the {} wallets are assumed to scan",
            s.index, opts.max_change_index
        ),
        Some(s) if s.branch == 1 => {
            if accounts.iter().any(|a| a.0 == s.account && a.1 == s.script) {
                return Claim::Change(shown, s.index);
            }
            "it is change of an account this transaction does not spend from".to_string()
        }
        Some(s) if s.branch == 0 => {
            if accounts.iter().any(|a| a.0 == s.account && a.1 == s.script) {
                return Claim::OwnReceive(shown, s.index);
            }
            // Ours, but an account this transaction does not spend from: it may never have been
            // exported to a wallet, so it is shown as leaving (not refused).
            return Claim::OtherAccount(format!(
                "pays our own key at {shown}, an account this transaction does not spend from: treated as an external payment"
            ));
        }
        Some(s) => format!("branch {} is neither receive (0) nor change (1)", s.branch),
    };
    Claim::OffBranch(shown, why)
}

/// Review every output.
pub(super) fn review_outputs(
    psbt: &Psbt,
    keys: &dyn KeySource,
    inputs: &[InputReview],
    opts: &ReviewOptions,
    found: &mut Findings,
) -> Vec<OutputReview> {
    let network = keys.network();
    let ours = keys.fingerprint();
    let accounts = spent_accounts(inputs);
    // Once, not per output: a PSBT with many inputs and many outputs on a registered wallet's
    // paths would otherwise cost outputs × inputs.
    let spent_wallets: std::collections::BTreeSet<&str> = inputs
        .iter()
        .filter_map(|i| i.wallet.as_ref().map(|w| w.name.as_str()))
        .collect();
    let tx = &psbt.unsigned_tx;
    let mut out = Vec::with_capacity(tx.output.len());
    for (o_idx, (txout, output)) in tx.output.iter().zip(&psbt.outputs).enumerate() {
        let spk = &txout.script_pubkey;
        let what = format!("output {o_idx}");
        let mut kind = if spk.is_op_return() {
            OutputKind::OpReturn
        } else {
            OutputKind::External
        };
        let mut note = None;
        let n_claims = output
            .bip32_derivation
            .values()
            .filter(|(f, _)| *f == ours)
            .count()
            + output
                .tap_key_origins
                .values()
                .filter(|(_, (f, _))| *f == ours)
                .count();
        let flooded = n_claims > super::MAX_OUR_CLAIMS;
        if flooded {
            found.integrity(
                "too-many-claims",
                format!("{what}: {n_claims} key-origin records claim our fingerprint (limit {}); none was derived", super::MAX_OUR_CLAIMS),
            );
        }
        let mut claims: Vec<(PublicKey, DerivationPath)> = output
            .bip32_derivation
            .iter()
            .filter(|(_, (fp, _))| *fp == ours && !flooded)
            .map(|(pk, (_, path))| (*pk, path.clone()))
            .collect();
        // Our keys in taproot leaf scripts: only a registered wallet can make such an output
        // change, so they are looked for there and nowhere else.
        let mut leaf_claims = Vec::new();
        for (x, (leaves, (fp, path))) in &output.tap_key_origins {
            if *fp != ours || flooded {
                continue;
            }
            if let Some(d) = derive(keys, path, &what, found) {
                if d.x_only_public_key().0 == *x {
                    if leaves.is_empty() {
                        claims.push((d, path.clone()));
                    } else {
                        leaf_claims.push((d, path.clone()));
                    }
                }
            }
        }
        if !spk.is_op_return() {
            let wallet_claims: Vec<_> = claims.iter().chain(&leaf_claims).cloned().collect();
            if let Some((k, n)) = registered_claim(
                keys,
                &spent_wallets,
                &wallet_claims,
                spk,
                opts,
                &what,
                found,
            ) {
                kind = k;
                note = n;
                claims.clear();
            }
            for (pk, path) in &claims {
                let cx = Ctx {
                    keys,
                    accounts: &accounts,
                    opts,
                };
                match classify(&cx, spk, pk, path, &what, found) {
                    Claim::Not(n) => {
                        if let Some(n) = n {
                            found.fact("output-claim-false", format!("{what}: {n}"));
                            note = Some(n);
                        }
                        continue;
                    }
                    Claim::Change(path, index) => {
                        if index > opts.warn_change_index {
                            found.fact("change-index-high", format!("{what}: change at {path} is far past where wallets usually look (index {index} > {})", opts.warn_change_index));
                        }
                        kind = OutputKind::Change { path };
                    }
                    Claim::OtherAccount(n) => {
                        found.fact("own-key-other-account", format!("{what}: {n}"));
                        note = Some(n);
                        break;
                    }
                    Claim::OwnReceive(path, index) => {
                        if index > opts.warn_change_index {
                            found.fact("receive-index-high", format!("{what}: your own receive address at {path} is far past where wallets usually look (index {index} > {})", opts.warn_change_index));
                        }
                        kind = OutputKind::OwnReceive { path };
                    }
                    Claim::OffBranch(path, why) => {
                        let n = format!("pays our own key at {path}, but {why}: no wallet will see this money, so it counts as leaving the wallet");
                        found.fact("own-key-off-branch", format!("{what}: {n}"));
                        note = Some(n);
                        kind = OutputKind::OwnKeyOffBranch { path };
                    }
                }
                note = note.filter(|_| matches!(kind, OutputKind::OwnKeyOffBranch { .. }));
                break;
            }
        }
        let hex = super::super::parse::hex_encode(spk.as_bytes());
        let address = address_of(spk, network).unwrap_or_else(|| {
            if spk.is_op_return() {
                format!("OP_RETURN {}", escape(&hex))
            } else {
                format!("script {hex}")
            }
        });
        out.push(OutputReview {
            index: o_idx,
            address,
            amount: txout.value.to_sat(),
            kind,
            note,
            script_pubkey: spk.clone(),
        });
    }
    oddities(tx, found);
    out
}

/// Outputs nodes will not relay (dust) and one script paid twice: not attacks, but not what a
/// careful payer means either.
fn oddities(tx: &bitcoin::Transaction, found: &mut Findings) {
    let mut seen = std::collections::HashMap::new();
    for (i, o) in tx.output.iter().enumerate() {
        let spk = &o.script_pubkey;
        if spk.is_op_return() {
            continue;
        }
        // Bitcoin Core's dust thresholds at 3 sat/vB: 294 (P2WPKH), 330 (P2TR/P2WSH), 546 (legacy).
        let dust = if spk.is_p2wpkh() {
            294
        } else if spk.is_witness_program() {
            330
        } else {
            546
        };
        if o.value.to_sat() < dust {
            found.fact(
                "dust-output",
                format!(
                    "output {i}: {} sat is below the {dust} sat nodes relay",
                    o.value.to_sat()
                ),
            );
        }
        if let Some(first) = seen.insert(spk.clone(), i) {
            found.fact(
                "same-script-twice",
                format!("outputs {first} and {i} pay the same address"),
            );
        }
    }
}

/// An output claiming one of our keys on a registered wallet's path: change or a self-transfer
/// only when its script re-derives from the registration there (a change output whose other
/// keys were swapped does not); `None` when no claim is on a registered wallet's path.
fn registered_claim(
    keys: &dyn KeySource,
    spent_wallets: &std::collections::BTreeSet<&str>,
    claims: &[(PublicKey, DerivationPath)],
    spk: &Script,
    opts: &ReviewOptions,
    what: &str,
    found: &mut Findings,
) -> Option<(OutputKind, Option<String>)> {
    let fp = keys.fingerprint();
    for (pk, path) in claims {
        let Some(c) = super::wallets::locate_output(keys, fp, path, spk) else {
            continue;
        };
        if derive(keys, path, what, found) != Some(*pk) {
            continue;
        }
        let shown = format!("m/{path}");
        let name = crate::sanitize::escape(&c.wallet.name);
        let branch = if c.change { "change" } else { "receive" };
        if !c.rederives {
            let n = format!("claims to be wallet '{name}' {branch} at {shown}, but its script is not that wallet's there (another key set): treated as an external payment");
            found.fact("wallet-output-mismatch", format!("{what}: {n}"));
            return Some((OutputKind::External, Some(n)));
        }
        if c.index > opts.max_change_index {
            let n = format!("pays wallet '{name}' at {shown}, but index {} is beyond the {} wallets are assumed to scan: no wallet will see this money, so it counts as leaving the wallet", c.index, opts.max_change_index);
            found.fact("own-key-off-branch", format!("{what}: {n}"));
            return Some((OutputKind::OwnKeyOffBranch { path: shown }, Some(n)));
        }
        if !spent_wallets.contains(c.wallet.name.as_str()) {
            let n = format!("pays registered wallet '{name}' at {shown}, which this transaction does not spend from: treated as an external payment");
            found.fact("own-key-other-account", format!("{what}: {n}"));
            return Some((OutputKind::External, Some(n)));
        }
        if c.index > opts.warn_change_index {
            let code = if c.change {
                "change-index-high"
            } else {
                "receive-index-high"
            };
            found.fact(code, format!("{what}: wallet '{name}' {branch} at {shown} is far past where wallets usually look (index {} > {})", c.index, opts.warn_change_index));
        }
        let kind = if c.change {
            OutputKind::Change { path: shown }
        } else {
            // Money stays in the wallet, but on an address the online side may hand out again
            // (or already has): an honest bundle puts change on the change branch.
            found.fact(
                "wallet-receive-output",
                format!("{what}: pays wallet '{name}' receive address {shown}, not its change branch: a self-transfer, or change put where the wallet hands out addresses"),
            );
            OutputKind::OwnReceive { path: shown }
        };
        return Some((kind, None));
    }
    None
}
