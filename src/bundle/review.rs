//! The review: what a PSBT spends, where the money goes, the fee, and every safety problem found —
//! computed once from the PSBT and our keys, and used both for what is shown and for what is
//! signed. Every PSBT field is untrusted: amounts are proved from full previous transactions,
//! ownership and change are proved by re-deriving scripts from our own keys.
use std::collections::HashSet;

use bitcoin::bip32::{ChildNumber, DerivationPath};
use bitcoin::psbt::Input;
use bitcoin::secp256k1::{PublicKey, Secp256k1, XOnlyPublicKey};
use bitcoin::sighash::{EcdsaSighashType, TapSighashType};
use bitcoin::{Address, CompressedPublicKey, Network, Psbt, Script, ScriptBuf, TxOut, Txid};
use serde::Serialize;

use super::weight::{self, InputShape};
use super::{BundleId, KeySource};
use crate::sanitize::escape;
use crate::wallet::script_type::coin_type;
use crate::wallet::ScriptType;

/// Change indexes above this are not believed (a hostile PSBT could hide change far away).
pub const CHANGE_GAP_LIMIT: u32 = 10_000;

/// How one of our keys spends an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpendKind {
    /// P2PKH.
    Pkh,
    /// P2WPKH.
    Wpkh,
    /// P2SH-P2WPKH.
    ShWpkh,
    /// Legacy P2SH with this redeem script containing our key.
    Sh(ScriptBuf),
    /// P2WSH with this witness script containing our key.
    Wsh(ScriptBuf),
    /// P2SH-P2WSH with this witness script containing our key.
    ShWsh(ScriptBuf),
    /// Taproot key path, with the script tree root if any (BIP86 has none).
    TrKey(Option<bitcoin::TapNodeHash>),
}

/// One key of ours that signs one input.
#[derive(Debug, Clone)]
pub struct Spend {
    /// How.
    pub kind: SpendKind,
    /// Our public key (the internal key for taproot).
    pub pubkey: PublicKey,
    /// Full path from our master.
    pub path: DerivationPath,
}

/// Who an input belongs to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "owner", rename_all = "snake_case")]
pub enum InputOwner {
    /// Ours: our key re-derives the script.
    Ours {
        /// Derivation path of our key.
        path: String,
    },
    /// Not ours (or not provably ours).
    Foreign,
}

/// One input as shown.
#[derive(Debug, Clone, Serialize)]
pub struct InputReview {
    /// Index in the transaction.
    pub index: usize,
    /// `txid:vout`.
    pub outpoint: String,
    /// Amount in sats, if known.
    pub amount: Option<u64>,
    /// Whether the amount is proved by the full previous transaction.
    pub amount_proven: bool,
    /// Address being spent, if standard.
    pub address: Option<String>,
    /// Owner.
    #[serde(flatten)]
    pub owner: InputOwner,
    /// Requested sighash, or "default".
    pub sighash: String,
    /// Signatures already present.
    pub signatures: usize,
    /// Whether the input is already finalized.
    pub finalized: bool,
    /// What our keys will sign (not serialised; the review's `owner` says it).
    #[serde(skip)]
    pub spends: Vec<Spend>,
    /// The previous output, when known.
    #[serde(skip)]
    pub prevout: Option<TxOut>,
}

/// What an output is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputKind {
    /// Money leaving the wallet.
    External,
    /// Change back to us: the script re-derives from our key on the change branch.
    Change {
        /// Derivation path.
        path: String,
    },
    /// To one of our own receive addresses (re-derived).
    OwnReceive {
        /// Derivation path.
        path: String,
    },
    /// A data carrier output.
    OpReturn,
}

/// One output as shown.
#[derive(Debug, Clone, Serialize)]
pub struct OutputReview {
    /// Index.
    pub index: usize,
    /// Address, or the script in hex when it has none (escaped for terminals).
    pub address: String,
    /// Amount in sats.
    pub amount: u64,
    /// Change, external, …
    #[serde(flatten)]
    pub kind: OutputKind,
    /// Why it is classified this way, when it is not obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A safety problem: a reason to refuse. `code` is stable for scripts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Plain-words explanation.
    pub message: String,
}

/// The whole review.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Network of the reviewing keys.
    pub network: Network,
    /// Fingerprint of the reviewing keys.
    pub fingerprint: String,
    /// Bundle id.
    pub bundle_id: BundleId,
    /// Unsigned txid.
    pub txid: Txid,
    /// Transaction version.
    pub version: i32,
    /// nLockTime.
    pub locktime: u32,
    /// Whether any input signals replace-by-fee.
    pub rbf: bool,
    /// Inputs.
    pub inputs: Vec<InputReview>,
    /// Outputs.
    pub outputs: Vec<OutputReview>,
    /// Sum of inputs, when every amount is known.
    pub total_in: Option<u64>,
    /// Sum of outputs.
    pub total_out: u64,
    /// Sum of outputs leaving the wallet (external and own-receive are not change).
    pub spent: u64,
    /// Sum of change outputs.
    pub change: u64,
    /// Fee in sats, when every input amount is known.
    pub fee: Option<u64>,
    /// Estimated weight of the signed transaction.
    pub weight: Option<u64>,
    /// Estimated virtual size.
    pub vsize: Option<u64>,
    /// Fee rate in sat/vB on the estimated size.
    pub fee_rate: Option<f64>,
    /// Problems (any one is a reason to refuse).
    pub problems: Vec<Problem>,
    /// Warnings (shown, not refused by default).
    pub warnings: Vec<String>,
}

impl Review {
    /// Inputs our keys will sign.
    pub fn ours(&self) -> impl Iterator<Item = &InputReview> {
        self.inputs.iter().filter(|i| !i.spends.is_empty())
    }

    /// Number of inputs not ours.
    pub fn foreign_count(&self) -> usize {
        self.inputs.iter().filter(|i| i.spends.is_empty()).count()
    }

    fn problem(&mut self, code: &'static str, message: String) {
        self.problems.push(Problem { code, message });
    }
}

fn contains_push(script: &Script, pk: &PublicKey) -> bool {
    let needle = pk.serialize();
    script
        .instructions()
        .flatten()
        .any(|i| i.push_bytes().is_some_and(|b| b.as_bytes() == needle))
}

fn address_of(spk: &Script, network: Network) -> Option<String> {
    Address::from_script(spk, network)
        .ok()
        .map(|a| a.to_string())
}

/// Check the PSBT's prevout claims for one input. Returns the previous output and whether its
/// amount is proved by a full previous transaction.
fn prevout(
    i: usize,
    input: &Input,
    outpoint: &bitcoin::OutPoint,
    problems: &mut Vec<Problem>,
) -> (Option<TxOut>, bool) {
    let mut out = None;
    let mut proven = false;
    if let Some(prev) = &input.non_witness_utxo {
        if prev.compute_txid() != outpoint.txid {
            problems.push(Problem {
                code: "non_witness_utxo_mismatch",
                message: format!("input {i}: the full previous transaction does not have the txid the input spends"),
            });
        } else if let Some(o) = prev.output.get(outpoint.vout as usize) {
            out = Some(o.clone());
            proven = true;
        } else {
            problems.push(Problem {
                code: "non_witness_utxo_mismatch",
                message: format!(
                    "input {i}: the previous transaction has no output {}",
                    outpoint.vout
                ),
            });
        }
    }
    if let Some(w) = &input.witness_utxo {
        match &out {
            Some(o) if o != w => problems.push(Problem {
                code: "witness_utxo_mismatch",
                message: format!(
                    "input {i}: witness_utxo says {} sat but the previous transaction says {} sat (fee attack)",
                    w.value.to_sat(),
                    o.value.to_sat()
                ),
            }),
            Some(_) => {}
            None if input.non_witness_utxo.is_none() => out = Some(w.clone()),
            None => {}
        }
        let s = &w.script_pubkey;
        if !(s.is_witness_program() || s.is_p2sh()) {
            problems.push(Problem {
                code: "witness_utxo_for_legacy",
                message: format!("input {i}: a witness UTXO is given for a non-witness script"),
            });
        }
    }
    (out, proven)
}

fn check_scripts(i: usize, input: &Input, spk: &Script, problems: &mut Vec<Problem>) {
    if let Some(rs) = &input.redeem_script {
        if ScriptBuf::new_p2sh(&rs.script_hash()) != *spk {
            problems.push(Problem {
                code: "redeem_script_mismatch",
                message: format!("input {i}: the redeem script does not match the scriptPubKey"),
            });
        }
    }
    if let Some(ws) = &input.witness_script {
        let p2wsh = ScriptBuf::new_p2wsh(&ws.wscript_hash());
        let target = input.redeem_script.as_deref().unwrap_or(spk);
        if *target != *p2wsh {
            problems.push(Problem {
                code: "witness_script_mismatch",
                message: format!(
                    "input {i}: the witness script does not match the {}",
                    if input.redeem_script.is_some() {
                        "redeem script"
                    } else {
                        "scriptPubKey"
                    }
                ),
            });
        }
    }
}

/// What script a single key spends through, if `spk` commits to `pk` in a form we sign.
fn spend_kind(input: &Input, spk: &Script, pk: &PublicKey) -> Option<SpendKind> {
    let cpk = CompressedPublicKey(*pk);
    if *spk == ScriptBuf::new_p2pkh(&bitcoin::PublicKey::new(*pk).pubkey_hash()) {
        return Some(SpendKind::Pkh);
    }
    let p2wpkh = ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash());
    if *spk == p2wpkh {
        return Some(SpendKind::Wpkh);
    }
    if *spk == ScriptBuf::new_p2sh(&p2wpkh.script_hash()) {
        return Some(SpendKind::ShWpkh);
    }
    let ws = input.witness_script.as_ref();
    let rs = input.redeem_script.as_ref();
    if spk.is_p2wsh() {
        let ws = ws?;
        return (ScriptBuf::new_p2wsh(&ws.wscript_hash()) == *spk && contains_push(ws, pk))
            .then(|| SpendKind::Wsh(ws.clone()));
    }
    if spk.is_p2sh() {
        let rs = rs?;
        if ScriptBuf::new_p2sh(&rs.script_hash()) != *spk {
            return None;
        }
        if rs.is_p2wsh() {
            let ws = ws?;
            return (ScriptBuf::new_p2wsh(&ws.wscript_hash()) == *rs && contains_push(ws, pk))
                .then(|| SpendKind::ShWsh(ws.clone()));
        }
        return contains_push(rs, pk).then(|| SpendKind::Sh(rs.clone()));
    }
    None
}

/// Standard single-sig purpose → coin type check. Returns a problem message if the path is a
/// BIP44/48/49/84/86 path for another network.
fn coin_type_problem(path: &DerivationPath, network: Network) -> Option<String> {
    let c: Vec<ChildNumber> = path.into_iter().copied().collect();
    let (ChildNumber::Hardened { index: purpose }, Some(coin)) = (c.first().copied()?, c.get(1))
    else {
        return None;
    };
    if ![44, 45, 48, 49, 84, 86].contains(&purpose) {
        return None;
    }
    let want = coin_type(network);
    match coin {
        ChildNumber::Hardened { index } if *index == want => None,
        other => Some(format!("path m/{path} uses coin type {other}, but this seed is for {network} (coin type {want}')")),
    }
}

/// Script a single key would have as change for `purpose`'s script type (or `like` when the
/// path's purpose is not a single-sig standard).
fn single_sig_spk(script: ScriptType, pk: &PublicKey) -> Option<ScriptBuf> {
    let cpk = CompressedPublicKey(*pk);
    let secp = Secp256k1::verification_only();
    Some(match script {
        ScriptType::Pkh => ScriptBuf::new_p2pkh(&bitcoin::PublicKey::new(*pk).pubkey_hash()),
        ScriptType::Wpkh => ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()),
        ScriptType::ShWpkh => {
            ScriptBuf::new_p2sh(&ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()).script_hash())
        }
        ScriptType::Tr => ScriptBuf::new_p2tr(&secp, XOnlyPublicKey::from(*pk), None),
        _ => return None,
    })
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

/// Build the review of `psbt` as seen by the keys in `keys`.
pub fn review(psbt: &Psbt, keys: &dyn KeySource) -> Review {
    let network = keys.network();
    let ours = keys.fingerprint();
    let tx = &psbt.unsigned_tx;
    let txid = tx.compute_txid();
    let secp = Secp256k1::verification_only();
    let mut r = Review {
        network,
        fingerprint: ours.to_string(),
        bundle_id: BundleId::of(&txid),
        txid,
        version: tx.version.0,
        locktime: tx.lock_time.to_consensus_u32(),
        rbf: tx.is_explicitly_rbf(),
        inputs: Vec::with_capacity(tx.input.len()),
        outputs: Vec::with_capacity(tx.output.len()),
        total_in: None,
        total_out: 0,
        spent: 0,
        change: 0,
        fee: None,
        weight: None,
        vsize: None,
        fee_rate: None,
        problems: Vec::new(),
        warnings: Vec::new(),
    };

    let mut seen = HashSet::new();
    for txin in &tx.input {
        if !seen.insert(txin.previous_output) {
            r.problem(
                "duplicate_input",
                format!("input {} is spent twice", txin.previous_output),
            );
        }
    }
    for xpub in psbt.xpub.keys() {
        if bitcoin::NetworkKind::from(network) != xpub.network {
            r.problem(
                "wrong_network",
                format!("the PSBT carries an extended key for another network than {network}"),
            );
            break;
        }
    }

    let mut problems = Vec::new();
    for (i, (txin, input)) in tx.input.iter().zip(&psbt.inputs).enumerate() {
        let (prev, proven) = prevout(i, input, &txin.previous_output, &mut problems);
        let mut spends = Vec::new();
        if let Some(prev) = &prev {
            let spk = &prev.script_pubkey;
            check_scripts(i, input, spk, &mut problems);
            for (pk, (fp, path)) in &input.bip32_derivation {
                if *fp != ours {
                    continue;
                }
                match keys.public_key(path) {
                    Some(d) if d == *pk => match spend_kind(input, spk, pk) {
                        Some(kind) => spends.push(Spend { kind, pubkey: *pk, path: path.clone() }),
                        None => r.warnings.push(format!("input {i}: our key m/{path} is listed, but the script does not commit to it; not signing it")),
                    },
                    Some(_) => problems.push(Problem {
                        code: "bad_derivation",
                        message: format!("input {i}: claims our key at m/{path}, but our seed derives a different key there"),
                    }),
                    None => {}
                }
            }
            for (xonly, (leaves, (fp, path))) in &input.tap_key_origins {
                if *fp != ours || !leaves.is_empty() {
                    continue;
                }
                let Some(d) = keys.public_key(path) else {
                    continue;
                };
                if d.x_only_public_key().0 != *xonly {
                    problems.push(Problem {
                        code: "bad_derivation",
                        message: format!("input {i}: claims our taproot key at m/{path}, but our seed derives a different key there"),
                    });
                    continue;
                }
                let root = input.tap_merkle_root;
                if input.tap_internal_key == Some(*xonly)
                    && *spk == ScriptBuf::new_p2tr(&secp, *xonly, root)
                {
                    spends.push(Spend {
                        kind: SpendKind::TrKey(root),
                        pubkey: d,
                        path: path.clone(),
                    });
                } else {
                    r.warnings.push(format!("input {i}: our taproot key m/{path} is listed, but the output key does not re-derive from it; not signing it"));
                }
            }
        } else {
            problems.push(Problem {
                code: "missing_utxo",
                message: format!("input {i}: no previous output information (neither non_witness_utxo nor witness_utxo)"),
            });
        }
        for s in &spends {
            if let Some(msg) = coin_type_problem(&s.path, network) {
                problems.push(Problem {
                    code: "wrong_network",
                    message: format!("input {i}: {msg}"),
                });
            }
            let is_tr = matches!(s.kind, SpendKind::TrKey(_));
            let ok = match input.sighash_type {
                None => true,
                Some(t) if is_tr => matches!(
                    t.taproot_hash_ty(),
                    Ok(TapSighashType::Default | TapSighashType::All)
                ),
                Some(t) => t.ecdsa_hash_ty() == Ok(EcdsaSighashType::All),
            };
            if !ok {
                problems.push(Problem {
                    code: "sighash_not_all",
                    message: format!("input {i}: requests sighash {}, which lets others change the transaction after we sign", input.sighash_type.map(|t| t.to_string()).unwrap_or_default()),
                });
            }
            if !is_tr && !proven {
                problems.push(Problem {
                    code: "missing_non_witness_utxo",
                    message: format!("input {i}: a segwit v0 or legacy input needs its full previous transaction (non_witness_utxo) to prove the amount"),
                });
            }
        }
        let sighash = input
            .sighash_type
            .map(|t| t.to_string())
            .unwrap_or_else(|| "default".into());
        r.inputs.push(InputReview {
            index: i,
            outpoint: txin.previous_output.to_string(),
            amount: prev.as_ref().map(|p| p.value.to_sat()),
            amount_proven: proven,
            address: prev
                .as_ref()
                .and_then(|p| address_of(&p.script_pubkey, network)),
            owner: match spends.first() {
                Some(s) => InputOwner::Ours {
                    path: format!("m/{}", s.path),
                },
                None => InputOwner::Foreign,
            },
            sighash,
            signatures: input.partial_sigs.len()
                + usize::from(input.tap_key_sig.is_some())
                + input.tap_script_sigs.len(),
            finalized: input.final_script_sig.is_some() || input.final_script_witness.is_some(),
            spends,
            prevout: prev,
        });
    }
    // dedupe: one problem per (code, message)
    for p in problems {
        if !r.problems.contains(&p) {
            r.problems.push(p);
        }
    }

    // Accounts our inputs are spent from: change must go back to one of them.
    let accounts: Vec<(DerivationPath, Option<ScriptType>)> = r
        .ours()
        .flat_map(|i| i.spends.iter())
        .filter(|s| s.path.len() >= 2)
        .map(|s| {
            let c: Vec<ChildNumber> = s.path.into_iter().copied().collect();
            (
                DerivationPath::from(&c[..c.len() - 2]),
                kind_script_type(&s.kind),
            )
        })
        .collect();

    for (o_idx, (txout, output)) in tx.output.iter().zip(&psbt.outputs).enumerate() {
        let spk = &txout.script_pubkey;
        let mut kind = if spk.is_op_return() {
            OutputKind::OpReturn
        } else {
            OutputKind::External
        };
        let mut note = None;
        let claims = output
            .bip32_derivation
            .iter()
            .map(|(pk, (fp, path))| (*pk, *fp, path.clone(), false))
            .chain(
                output
                    .tap_key_origins
                    .iter()
                    .filter(|(_, (l, _))| l.is_empty())
                    .filter_map(|(x, (_, (fp, path)))| {
                        keys.public_key(path)
                            .filter(|d| d.x_only_public_key().0 == *x)
                            .map(|d| (d, *fp, path.clone(), true))
                    }),
            );
        for (pk, fp, path, _is_tr) in claims {
            if fp != ours {
                continue;
            }
            let shown = format!("m/{path}");
            let derived_ok = keys.public_key(&path) == Some(pk);
            let c: Vec<ChildNumber> = path.into_iter().copied().collect();
            let (branch, index) = match c.len() {
                n if n >= 2 => (c[n - 2], c[n - 1]),
                _ => (
                    ChildNumber::Normal { index: 99 },
                    ChildNumber::Normal { index: 0 },
                ),
            };
            let account = DerivationPath::from(&c[..c.len().saturating_sub(2)]);
            let acct = accounts.iter().find(|(a, _)| *a == account);
            let purpose_type = match c.first() {
                Some(ChildNumber::Hardened { index }) => ScriptType::single_sig_for_purpose(*index),
                _ => None,
            };
            let script_type = purpose_type.or(acct.and_then(|(_, t)| *t));
            let rederives = derived_ok
                && script_type.and_then(|t| single_sig_spk(t, &pk)).as_ref() == Some(spk);
            let in_gap = matches!(index, ChildNumber::Normal { index } if index < CHANGE_GAP_LIMIT);
            let net_ok = coin_type_problem(&path, network).is_none();
            match (rederives && acct.is_some() && in_gap && net_ok, branch) {
                (true, ChildNumber::Normal { index: 1 }) => {
                    kind = OutputKind::Change { path: shown };
                    break;
                }
                (true, ChildNumber::Normal { index: 0 }) => {
                    kind = OutputKind::OwnReceive { path: shown };
                    break;
                }
                _ => {
                    let why = if !derived_ok {
                        "our seed derives a different key at that path"
                    } else if !rederives {
                        "the output script does not re-derive from our key"
                    } else if acct.is_none() {
                        "it is not in the account being spent"
                    } else if !in_gap {
                        "its index is beyond the change gap limit"
                    } else if !net_ok {
                        "its path is for another network"
                    } else {
                        "its path is not on the change branch"
                    };
                    note = Some(format!(
                        "claims to be ours at {shown}, but {why}: treated as an external payment"
                    ));
                    r.warnings
                        .push(format!("output {o_idx}: {}", note.as_deref().unwrap_or("")));
                }
            }
        }
        let amount = txout.value.to_sat();
        r.total_out += amount;
        match kind {
            OutputKind::Change { .. } => r.change += amount,
            _ => r.spent += amount,
        }
        let address = address_of(spk, network).unwrap_or_else(|| {
            if spk.is_op_return() {
                format!(
                    "OP_RETURN {}",
                    escape(&super::parse::hex_encode(spk.as_bytes()))
                )
            } else {
                format!("script {}", super::parse::hex_encode(spk.as_bytes()))
            }
        });
        r.outputs.push(OutputReview {
            index: o_idx,
            address,
            amount,
            kind,
            note,
        });
    }

    if r.inputs.iter().all(|i| i.amount.is_some()) {
        let total_in: u64 = r.inputs.iter().filter_map(|i| i.amount).sum();
        r.total_in = Some(total_in);
        if total_in < r.total_out {
            r.problem(
                "negative_fee",
                format!(
                    "outputs ({} sat) exceed inputs ({total_in} sat)",
                    r.total_out
                ),
            );
        } else {
            r.fee = Some(total_in - r.total_out);
        }
    }
    let shapes: Option<Vec<InputShape>> = tx
        .input
        .iter()
        .zip(&psbt.inputs)
        .zip(&r.inputs)
        .map(|((_, inp), rev)| {
            let spk = rev.prevout.as_ref()?.script_pubkey.clone();
            InputShape::for_script(
                &spk,
                inp.redeem_script.as_deref(),
                inp.witness_script.as_deref(),
            )
        })
        .collect();
    if let Some(shapes) = shapes {
        let w = weight::tx_weight(&shapes, &tx.output);
        r.weight = Some(w);
        r.vsize = Some(weight::vsize(w));
        r.fee_rate = r.fee.map(|f| f as f64 / weight::vsize(w) as f64);
    }
    // Unproven amounts: a taproot signature commits to every input's amount, so the fee is
    // safe only if every input is proven or every input we sign is taproot.
    let all_tr = r.ours().next().is_some()
        && r.ours().all(|i| {
            i.spends
                .iter()
                .all(|s| matches!(s.kind, SpendKind::TrKey(_)))
        });
    if !all_tr && r.inputs.iter().any(|i| !i.amount_proven) && r.ours().next().is_some() {
        let n = r.inputs.iter().filter(|i| !i.amount_proven).count();
        r.warnings.push(format!("{n} input(s) have amounts not proved by a full previous transaction: the fee shown relies on the online machine's word for them"));
    }
    r
}
