//! Inputs: which previous output each spends (proved, or only claimed), which of our keys sign it
//! and how, and the integrity checks on the scripts and derivations the PSBT supplies.
use std::collections::HashSet;

use bitcoin::bip32::DerivationPath;
use bitcoin::psbt::Input;
use bitcoin::secp256k1::PublicKey;
use bitcoin::sighash::{EcdsaSighashType, TapSighashType};
use bitcoin::{Address, CompressedPublicKey, Network, Psbt, Script, ScriptBuf, TxOut};

use super::network::coin_type_problem;
use super::{Findings, InputOwner, InputReview, Spend, SpendKind, MAX_OUR_CLAIMS, MAX_PATH_DEPTH};
use crate::bundle::KeySource;

pub(super) fn address_of(spk: &Script, network: Network) -> Option<String> {
    Address::from_script(spk, network)
        .ok()
        .map(|a| a.to_string())
}

/// Whether `script` commits to `pk`: pushes the key itself (`multi`, `pk`) or its HASH160
/// (`pkh`, as in a time-locked recovery branch `and_v(v:pkh(R),older(N))`).
fn contains_push(script: &Script, pk: &PublicKey) -> bool {
    let key = pk.serialize();
    let hash = bitcoin::PublicKey::new(*pk).pubkey_hash();
    let hash: &[u8] = hash.as_ref();
    script.instructions().flatten().any(|i| {
        i.push_bytes()
            .is_some_and(|b| b.as_bytes() == key || b.as_bytes() == hash)
    })
}

/// The previous output an input spends and whether its amount is proved by the full previous
/// transaction. Contradictions between the PSBT's two UTXO fields are integrity failures.
fn prevout(
    i: usize,
    input: &Input,
    outpoint: &bitcoin::OutPoint,
    found: &mut Findings,
) -> (Option<TxOut>, bool) {
    let mut out = None;
    let mut proven = false;
    if let Some(prev) = &input.non_witness_utxo {
        if prev.compute_txid() != outpoint.txid {
            found.integrity("non-witness-utxo-mismatch", format!("input {i}: the full previous transaction does not have the txid the input spends"));
        } else if let Some(o) = prev.output.get(outpoint.vout as usize) {
            out = Some(o.clone());
            proven = true;
        } else {
            found.integrity(
                "non-witness-utxo-mismatch",
                format!(
                    "input {i}: the previous transaction has no output {}",
                    outpoint.vout
                ),
            );
        }
    }
    if let Some(w) = &input.witness_utxo {
        match &out {
            Some(o) if o.value != w.value => found.integrity(
                "witness-utxo-mismatch",
                format!(
                    "input {i}: witness_utxo says {} sat but the previous transaction says {} sat (fee attack)",
                    w.value.to_sat(),
                    o.value.to_sat()
                ),
            ),
            Some(o) if o != w => found.integrity(
                "witness-utxo-mismatch",
                format!("input {i}: witness_utxo names another script than the previous transaction's output"),
            ),
            Some(_) => {}
            None if input.non_witness_utxo.is_none() => out = Some(w.clone()),
            None => {}
        }
        let s = &w.script_pubkey;
        if !(s.is_witness_program() || s.is_p2sh()) {
            found.integrity(
                "witness-utxo-for-legacy",
                format!("input {i}: a witness UTXO is given for a non-witness script"),
            );
        }
    }
    (out, proven)
}

fn check_scripts(i: usize, input: &Input, spk: &Script, found: &mut Findings) {
    if let Some(rs) = &input.redeem_script {
        if ScriptBuf::new_p2sh(&rs.script_hash()) != *spk {
            found.integrity(
                "redeem-script-mismatch",
                format!("input {i}: the redeem script does not match the scriptPubKey"),
            );
        }
    }
    if let Some(ws) = &input.witness_script {
        let p2wsh = ScriptBuf::new_p2wsh(&ws.wscript_hash());
        let target = input.redeem_script.as_deref().unwrap_or(spk);
        if *target != *p2wsh {
            let what = if input.redeem_script.is_some() {
                "redeem script"
            } else {
                "scriptPubKey"
            };
            found.integrity(
                "witness-script-mismatch",
                format!("input {i}: the witness script does not match the {what}"),
            );
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

/// Our public key at `path`, refusing to derive absurdly deep claimed paths.
pub(super) fn derive(
    keys: &dyn KeySource,
    path: &DerivationPath,
    what: &str,
    found: &mut Findings,
) -> Option<PublicKey> {
    if path.len() > MAX_PATH_DEPTH {
        found.fact(
            "path-too-deep",
            format!(
                "{what}: a derivation path {} steps deep was not derived (limit {MAX_PATH_DEPTH})",
                path.len()
            ),
        );
        return None;
    }
    keys.public_key(path)
}

/// Key-origin records of `input` (ECDSA and taproot) that claim fingerprint `ours`.
pub(super) fn our_claims(input: &Input, ours: bitcoin::bip32::Fingerprint) -> usize {
    let ecdsa = input.bip32_derivation.values().filter(|(f, _)| *f == ours);
    let tap = input
        .tap_key_origins
        .values()
        .filter(|(_, (f, _))| *f == ours);
    ecdsa.count() + tap.count()
}

/// The keys of ours that sign input `i`, with the integrity failures their claims reveal.
fn our_spends(
    i: usize,
    input: &Input,
    spk: &Script,
    keys: &dyn KeySource,
    found: &mut Findings,
) -> Vec<Spend> {
    let ours = keys.fingerprint();
    let secp = crate::wallet::keys::verification();
    let what = format!("input {i}");
    let mut spends = Vec::new();
    let claims = our_claims(input, ours);
    if claims > MAX_OUR_CLAIMS {
        found.integrity(
            "too-many-claims",
            format!("input {i}: {claims} key-origin records claim our fingerprint (limit {MAX_OUR_CLAIMS}); none was derived"),
        );
        return spends;
    }
    for (pk, (fp, path)) in &input.bip32_derivation {
        if *fp != ours {
            continue;
        }
        match derive(keys, path, &what, found) {
            Some(d) if d == *pk => match spend_kind(input, spk, pk) {
                Some(kind) => {
                    // A refused spend is still listed: the fact refuses it (no policy file can
                    // accept these codes), and the review shows what would have been signed.
                    let wallet = super::wallets::check_spend(keys, &kind, path, spk)
                        .unwrap_or_else(|(code, why)| {
                            found.fact(code, format!("input {i}: {why}"));
                            None
                        });
                    spends.push(Spend { kind, pubkey: *pk, path: path.clone(), wallet });
                }
                None => found.fact("key-not-committed", format!("input {i}: our key m/{path} is listed, but the script does not commit to it; not signing it")),
            },
            Some(_) => found.integrity("bad-derivation", format!("input {i}: claims our key at m/{path}, but our seed derives a different key there")),
            None => {}
        }
    }
    for (xonly, (leaves, (fp, path))) in &input.tap_key_origins {
        if *fp != ours {
            continue;
        }
        if !leaves.is_empty() {
            tap_script_spends(
                i,
                input,
                spk,
                keys,
                *xonly,
                leaves,
                path,
                found,
                &mut spends,
            );
            continue;
        }
        let Some(d) = derive(keys, path, &what, found) else {
            continue;
        };
        if d.x_only_public_key().0 != *xonly {
            found.integrity("bad-derivation", format!("input {i}: claims our taproot key at m/{path}, but our seed derives a different key there"));
            continue;
        }
        let root = input.tap_merkle_root;
        if input.tap_internal_key == Some(*xonly) && *spk == ScriptBuf::new_p2tr(secp, *xonly, root)
        {
            let kind = SpendKind::TrKey(root);
            let wallet = super::wallets::check_spend(keys, &kind, path, spk).unwrap_or_else(
                |(code, why)| {
                    found.fact(code, format!("input {i}: {why}"));
                    None
                },
            );
            spends.push(Spend {
                kind,
                pubkey: d,
                path: path.clone(),
                wallet,
            });
        } else {
            found.fact("key-not-committed", format!("input {i}: our taproot key m/{path} is listed, but the output key does not re-derive from it; not signing it"));
        }
    }
    spends
}

/// Our x-only key in taproot leaf scripts: each leaf listed for it must be in `tap_scripts`,
/// committed to by the output key (control block checked against the scriptPubKey) and push
/// the key; only then is it a spend. Anything else is an integrity failure or not ours.
#[allow(clippy::too_many_arguments)]
fn tap_script_spends(
    i: usize,
    input: &Input,
    spk: &Script,
    keys: &dyn KeySource,
    xonly: bitcoin::XOnlyPublicKey,
    leaves: &[bitcoin::TapLeafHash],
    path: &DerivationPath,
    found: &mut Findings,
    spends: &mut Vec<Spend>,
) {
    let what = format!("input {i}");
    let Some(d) = derive(keys, path, &what, found) else {
        return;
    };
    if d.x_only_public_key().0 != xonly {
        found.integrity("bad-derivation", format!("input {i}: claims our taproot key at m/{path}, but our seed derives a different key there"));
        return;
    }
    if !spk.is_p2tr() {
        found.fact("key-not-committed", format!("input {i}: our taproot key m/{path} is listed for leaf scripts, but the input is not taproot; not signing it"));
        return;
    }
    let Ok(output_key) = bitcoin::XOnlyPublicKey::from_slice(&spk.as_bytes()[2..34]) else {
        return;
    };
    let secp = crate::wallet::keys::verification();
    let needle = xonly.serialize();
    for leaf in leaves {
        let found_leaf = input
            .tap_scripts
            .iter()
            .find(|(_, (script, ver))| bitcoin::TapLeafHash::from_script(script, *ver) == *leaf);
        let Some((cb, (script, _))) = found_leaf else {
            found.fact("key-not-committed", format!("input {i}: our taproot key m/{path} is listed for a leaf script the PSBT does not carry; not signing it"));
            continue;
        };
        let pushes_key = script
            .instructions()
            .flatten()
            .any(|ins| ins.push_bytes().is_some_and(|b| b.as_bytes() == needle));
        if !cb.verify_taproot_commitment(secp, output_key, script) {
            found.integrity("tap-script-mismatch", format!("input {i}: a leaf script is not committed to by the output key (its control block does not verify)"));
            continue;
        }
        if !pushes_key {
            found.fact("key-not-committed", format!("input {i}: our taproot key m/{path} is listed for a leaf script that does not contain it; not signing it"));
            continue;
        }
        let kind = SpendKind::TrScript {
            leaf: *leaf,
            script: script.clone(),
        };
        let wallet =
            super::wallets::check_spend(keys, &kind, path, spk).unwrap_or_else(|(code, why)| {
                found.fact(code, format!("input {i}: {why}"));
                None
            });
        spends.push(Spend {
            kind,
            pubkey: d,
            path: path.clone(),
            wallet,
        });
    }
}

/// Facts about how input `i` would be signed: sighash, unproven amounts, network of the path.
fn spend_facts(
    i: usize,
    input: &Input,
    spends: &[Spend],
    proven: bool,
    network: Network,
    found: &mut Findings,
) {
    for s in spends {
        if let Some(msg) = coin_type_problem(&s.path, network) {
            found.integrity("wrong-network", format!("input {i}: {msg}"));
        }
        let is_tr = matches!(s.kind, SpendKind::TrKey(_) | SpendKind::TrScript { .. });
        let all = match input.sighash_type {
            None => true,
            Some(t) if is_tr => matches!(
                t.taproot_hash_ty(),
                Ok(TapSighashType::Default | TapSighashType::All)
            ),
            Some(t) => t.ecdsa_hash_ty() == Ok(EcdsaSighashType::All),
        };
        if !all {
            let t = input
                .sighash_type
                .map(|t| t.to_string())
                .unwrap_or_default();
            found.fact("sighash-not-all", format!("input {i}: requests sighash {t}, which lets others change the transaction after we sign"));
        }
        if !is_tr && !proven {
            found.fact("no-non-witness-utxo", format!("input {i}: a segwit v0 or legacy input needs its full previous transaction (non_witness_utxo) to prove the amount"));
        }
    }
}

/// Review every input.
pub(super) fn review_inputs(
    psbt: &Psbt,
    keys: &dyn KeySource,
    found: &mut Findings,
) -> Vec<InputReview> {
    let network = keys.network();
    let tx = &psbt.unsigned_tx;
    let mut seen = HashSet::with_capacity(tx.input.len());
    for txin in &tx.input {
        if !seen.insert(txin.previous_output) {
            found.integrity(
                "duplicate-input",
                format!("input {} is spent twice", txin.previous_output),
            );
        }
    }
    if psbt
        .xpub
        .keys()
        .any(|x| bitcoin::NetworkKind::from(network) != x.network)
    {
        found.integrity(
            "wrong-network",
            format!("the PSBT carries an extended key for another network than {network}"),
        );
    }
    super::wallets::check_global_xpubs(psbt, keys, found);
    let mut wallets_spent = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(tx.input.len());
    for (i, (txin, input)) in tx.input.iter().zip(&psbt.inputs).enumerate() {
        let (prev, proven) = prevout(i, input, &txin.previous_output, found);
        let spends = match &prev {
            Some(prev) => {
                check_scripts(i, input, &prev.script_pubkey, found);
                our_spends(i, input, &prev.script_pubkey, keys, found)
            }
            None => {
                if input.non_witness_utxo.is_none() && input.witness_utxo.is_none() {
                    found.integrity("missing-utxo", format!("input {i}: no previous output information (neither non_witness_utxo nor witness_utxo)"));
                }
                Vec::new()
            }
        };
        spend_facts(i, input, &spends, proven, network, found);
        let wallet = spends.iter().find_map(|s| {
            let name = s.wallet.as_deref()?;
            wallets_spent.insert(name.to_owned());
            Some(super::wallets::wallet_input(
                keys,
                name,
                &s.kind,
                input,
                txin.sequence,
            ))
        });
        if let Some(w) = &wallet {
            super::wallets::timelock_facts(keys, &w.name, i, txin.sequence, found);
        }
        let shape = spends
            .iter()
            .find_map(|s| super::wallets::input_shape(keys, s.wallet.as_deref()?, &s.path));
        out.push(InputReview {
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
            sighash: input
                .sighash_type
                .map(|t| t.to_string())
                .unwrap_or_else(|| "default".into()),
            signatures: input.partial_sigs.len()
                + usize::from(input.tap_key_sig.is_some())
                + input.tap_script_sigs.len(),
            finalized: input.final_script_sig.is_some() || input.final_script_witness.is_some(),
            wallet,
            spends,
            prevout: prev,
            shape,
        });
    }
    if wallets_spent.len() > 1 {
        let names: Vec<String> = wallets_spent
            .iter()
            .map(|n| format!("'{}'", crate::sanitize::escape(n)))
            .collect();
        found.fact(
            "mixed-wallets",
            format!(
                "the inputs spend from {} registered wallets ({}): one transaction, one wallet",
                names.len(),
                names.join(", ")
            ),
        );
    }
    out
}
