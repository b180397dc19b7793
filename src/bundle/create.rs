//! Building an unsigned bundle from a watch-only wallet and its UTXOs: coin selection, change to
//! the wallet's next change address, a fee from the real weight of the signed transaction, RBF,
//! anti-fee-sniping, and every field an honest offline signer needs.
use std::collections::HashMap;

use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{
    Address, Amount, OutPoint, Psbt, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness,
};
use miniscript::psbt::PsbtExt;

use super::select::{self, Candidate};
use super::utxo::Utxo;
use super::weight;
use super::BundleError;
use crate::wallet::descriptor::DEFAULT_LOOKAHEAD;
use crate::wallet::WatchOnly;

/// What to build.
pub struct Request<'a> {
    /// The wallet spending.
    pub wallet: &'a WatchOnly,
    /// Unspent outputs to choose from.
    pub utxos: &'a [Utxo],
    /// Their full previous transactions.
    pub prev_txs: &'a HashMap<Txid, Transaction>,
    /// Payments.
    pub recipients: &'a [(Address, Amount)],
    /// Sweep everything to this address instead (no change).
    pub send_all: Option<&'a Address>,
    /// Fee rate in sat/vB.
    pub fee_rate: f64,
    /// Change index to use; default: the next after any change index seen in the UTXOs.
    pub change_index: Option<u32>,
    /// Current block height, for anti-fee-sniping locktime.
    pub height: Option<u32>,
    /// An exact block-height locktime instead (no jitter): what a policy delay in blocks asks
    /// for when the same payment is rebuilt. Takes precedence over `height`.
    pub locktime: Option<u32>,
    /// nSequence of every input, for a timelocked spending path (`older(N)`: N); default
    /// RBF without a relative lock.
    pub sequence: Option<Sequence>,
    /// Random bytes for change position and locktime jitter (from the OS RNG in the CLI).
    pub entropy: [u8; 2],
}

/// A built bundle.
#[derive(Debug)]
pub struct Created {
    /// The unsigned PSBT.
    pub psbt: Psbt,
    /// Fee in sats.
    pub fee: u64,
    /// Estimated signed vsize.
    pub vsize: u64,
    /// Change output index and change derivation index, if any.
    pub change: Option<(usize, u32)>,
}

struct Coin {
    outpoint: OutPoint,
    txout: TxOut,
    prev: Transaction,
    change: bool,
    index: u32,
}

/// Lowest fee rate accepted, in sat/vB: Bitcoin Core 30's default minimum relay fee.
pub const MIN_FEE_RATE: f64 = 0.1;

/// The fee at `rate` sat/vB, rounded up so the real rate is never below the one asked for.
fn fee_for(weight: u64, rate: f64) -> u64 {
    (weight::vsize(weight) as f64 * rate).ceil() as u64
}

/// Build the bundle.
pub fn create(req: &Request<'_>) -> Result<Created, BundleError> {
    let w = req.wallet;
    let first = w.derive(false, 0)?;
    let in_shape = weight::InputShape::for_descriptor(&first).ok_or_else(|| {
        BundleError::BadRequest(
            "this descriptor cannot be satisfied (miniscript finds no spending path)".into(),
        )
    })?;
    let segwit = first.desc_type().segwit_version().is_some();
    if !(req.fee_rate.is_finite() && req.fee_rate >= MIN_FEE_RATE && req.fee_rate <= 10_000.0) {
        return Err(BundleError::BadRequest(
            "the fee rate must be between 0.1 and 10000 sat/vB".into(),
        ));
    }
    if req.recipients.is_empty() == req.send_all.is_none() {
        return Err(BundleError::BadRequest(
            "give either --to ADDR:AMOUNT (one or more) or --send-all ADDR".into(),
        ));
    }
    let index = w.script_index(DEFAULT_LOOKAHEAD)?;
    let mut coins = Vec::with_capacity(req.utxos.len());
    for u in req.utxos {
        let prev = req.prev_txs.get(&u.outpoint.txid).ok_or_else(|| {
            BundleError::PrevTx(format!(
                "missing the previous transaction {}",
                u.outpoint.txid
            ))
        })?;
        let txout = prev.output.get(u.outpoint.vout as usize).ok_or_else(|| {
            BundleError::PrevTx(format!(
                "{} has no output {}",
                u.outpoint.txid, u.outpoint.vout
            ))
        })?;
        if let Some(claimed) = u.claimed_sats {
            if claimed != txout.value.to_sat() {
                return Err(BundleError::Utxo(format!(
                    "{} claims {claimed} sat but the previous transaction says {} sat",
                    u.outpoint,
                    txout.value.to_sat()
                )));
            }
        }
        let &(change, idx) = index.get(&txout.script_pubkey).ok_or_else(|| BundleError::Utxo(format!("{} does not belong to this wallet (not among its first {DEFAULT_LOOKAHEAD} addresses)", u.outpoint)))?;
        coins.push(Coin {
            outpoint: u.outpoint,
            txout: txout.clone(),
            prev: prev.clone(),
            change,
            index: idx,
        });
    }
    if coins.is_empty() {
        return Err(BundleError::Utxo("no UTXOs to spend".into()));
    }
    let change_index = req.change_index.unwrap_or_else(|| {
        coins
            .iter()
            .filter(|c| c.change)
            .map(|c| c.index + 1)
            .max()
            .unwrap_or(0)
            .max(w.next_change)
    });
    let change_spk = w.derive(true, change_index)?.script_pubkey();

    let mut outputs: Vec<TxOut> = Vec::new();
    for (addr, amt) in req.recipients {
        let spk = addr.script_pubkey();
        if *amt < spk.minimal_non_dust() {
            return Err(BundleError::BadRequest(format!(
                "{amt} to {addr} is below the dust limit ({})",
                spk.minimal_non_dust()
            )));
        }
        outputs.push(TxOut {
            value: *amt,
            script_pubkey: spk,
        });
    }
    let rate = req.fee_rate;
    let (chosen, change_value) = if let Some(addr) = req.send_all {
        let spk = addr.script_pubkey();
        let shapes = vec![in_shape.clone(); coins.len()];
        let total: u64 = coins.iter().map(|c| c.txout.value.to_sat()).sum();
        let probe = [TxOut {
            value: Amount::ZERO,
            script_pubkey: spk.clone(),
        }];
        let fee = fee_for(weight::tx_weight(&shapes, &probe), rate);
        let value = total
            .checked_sub(fee)
            .filter(|v| Amount::from_sat(*v) >= spk.minimal_non_dust());
        let value = value.ok_or(BundleError::InsufficientFunds {
            needed: fee + spk.minimal_non_dust().to_sat(),
            available: total,
        })?;
        outputs.push(TxOut {
            value: Amount::from_sat(value),
            script_pubkey: spk,
        });
        ((0..coins.len()).collect::<Vec<_>>(), None)
    } else {
        let pay: u64 = outputs.iter().map(|o| o.value.to_sat()).sum();
        let one_in = weight::tx_weight(std::slice::from_ref(&in_shape), &outputs);
        let two_in = weight::tx_weight(&[in_shape.clone(), in_shape.clone()], &outputs);
        let input_w = two_in - one_in;
        let no_input_w = one_in - input_w;
        let change_out = TxOut {
            value: Amount::ZERO,
            script_pubkey: change_spk.clone(),
        };
        let change_w = weight::tx_weight(
            std::slice::from_ref(&in_shape),
            &[outputs.clone(), vec![change_out]].concat(),
        ) - one_in;
        let cands: Vec<Candidate> = coins
            .iter()
            .map(|c| Candidate {
                value: c.txout.value.to_sat(),
                input_fee: (input_w as f64 * rate / 4.0).ceil() as u64,
            })
            .collect();
        let target = pay + (no_input_w as f64 * rate / 4.0).ceil() as u64;
        let change_fee = (change_w as f64 * rate / 4.0).ceil() as u64;
        let cost_of_change = change_fee + (input_w as f64 * rate / 4.0).ceil() as u64;
        let min_change = change_spk.minimal_non_dust().to_sat();
        let available: u64 = coins.iter().map(|c| c.txout.value.to_sat()).sum();
        let sel = select::select(&cands, target, change_fee, cost_of_change, min_change).ok_or(
            BundleError::InsufficientFunds {
                needed: target + cands.iter().map(|c| c.input_fee).min().unwrap_or(0),
                available,
            },
        )?;
        let total: u64 = sel
            .chosen
            .iter()
            .map(|&i| coins[i].txout.value.to_sat())
            .sum();
        let shapes = vec![in_shape.clone(); sel.chosen.len()];
        let mut change_value = None;
        if sel.with_change {
            let with = [
                outputs.clone(),
                vec![TxOut {
                    value: Amount::ZERO,
                    script_pubkey: change_spk.clone(),
                }],
            ]
            .concat();
            let fee = fee_for(weight::tx_weight(&shapes, &with), rate);
            let change = total.saturating_sub(pay + fee);
            if change >= min_change {
                change_value = Some(change);
            }
        }
        let fee_no_change = fee_for(weight::tx_weight(&shapes, &outputs), rate);
        if change_value.is_none() && total < pay + fee_no_change {
            return Err(BundleError::InsufficientFunds {
                needed: pay + fee_no_change,
                available,
            });
        }
        (sel.chosen, change_value)
    };

    let mut change_pos = None;
    if let Some(v) = change_value {
        let pos = usize::from(req.entropy[0]) % (outputs.len() + 1);
        outputs.insert(
            pos,
            TxOut {
                value: Amount::from_sat(v),
                script_pubkey: change_spk,
            },
        );
        change_pos = Some(pos);
    }
    let lock_time = match (req.locktime, req.height) {
        (Some(l), _) => LockTime::from_height(l).map_err(|_| {
            BundleError::BadRequest("--locktime must be a block height below 500000000".into())
        })?,
        // Anti-fee-sniping (as Bitcoin Core): the current height, sometimes up to 99 blocks back.
        (None, Some(h)) => {
            let back = if req.entropy[1].is_multiple_of(10) {
                u32::from(req.entropy[1]) % 100
            } else {
                0
            };
            LockTime::from_height(h.saturating_sub(back))
                .map_err(|_| BundleError::BadRequest("--height must be below 500000000".into()))?
        }
        (None, None) => LockTime::ZERO,
    };
    let tx = Transaction {
        version: Version::TWO,
        lock_time,
        input: chosen
            .iter()
            .map(|&i| TxIn {
                previous_output: coins[i].outpoint,
                script_sig: ScriptBuf::new(),
                sequence: req.sequence.unwrap_or(Sequence::ENABLE_RBF_NO_LOCKTIME),
                witness: Witness::new(),
            })
            .collect(),
        output: outputs,
    };
    let mut psbt = Psbt::from_unsigned_tx(tx).map_err(BundleError::Psbt)?;
    for (n, &i) in chosen.iter().enumerate() {
        let c = &coins[i];
        psbt.inputs[n].non_witness_utxo = Some(c.prev.clone());
        if segwit {
            psbt.inputs[n].witness_utxo = Some(c.txout.clone());
        }
        let desc = w.derive(c.change, c.index)?;
        psbt.update_input_with_descriptor(n, &desc)
            .map_err(|e| BundleError::Invalid(format!("input {n}: {e}")))?;
    }
    // Multisig and script wallets: every cosigner's xpub with its origin (BIP174 global xpubs),
    // which hardware signers check against their registration.
    if w.script_type().is_none() {
        for c in crate::wallet::registry::cosigners(&w.external) {
            psbt.xpub.insert(c.xpub, (c.fingerprint, c.origin));
        }
    }
    if let Some(pos) = change_pos {
        let desc = w.derive(true, change_index)?;
        psbt.update_output_with_descriptor(pos, &desc)
            .map_err(|e| BundleError::Invalid(format!("change output: {e}")))?;
    }
    // A payment to one of the wallet's own addresses carries its derivation too, so every review
    // (here and on the signer) can re-derive it and show a self-transfer, not money leaving.
    for pos in 0..psbt.outputs.len() {
        if Some(pos) == change_pos {
            continue;
        }
        let spk = &psbt.unsigned_tx.output[pos].script_pubkey;
        if let Some(&(change, idx)) = index.get(spk) {
            let desc = w.derive(change, idx)?;
            psbt.update_output_with_descriptor(pos, &desc)
                .map_err(|e| BundleError::Invalid(format!("output {pos}: {e}")))?;
        }
    }
    let shapes = vec![in_shape; chosen.len()];
    let wgt = weight::tx_weight(&shapes, &psbt.unsigned_tx.output);
    let total_in: u64 = chosen.iter().map(|&i| coins[i].txout.value.to_sat()).sum();
    let total_out: u64 = psbt
        .unsigned_tx
        .output
        .iter()
        .map(|o| o.value.to_sat())
        .sum();
    Ok(Created {
        psbt,
        fee: total_in - total_out,
        vsize: weight::vsize(wgt),
        change: change_pos.map(|p| (p, change_index)),
    })
}
