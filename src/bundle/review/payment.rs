//! The payment key: which coins a transaction spends and where the money goes, without the fields
//! the online machine may change while rebuilding "the same payment" (locktime, sequences,
//! version, input and output order, signatures).
//!
//! A delay in blocks needs it: the same PSBT always carries the same locktime, so the payment can
//! only become signable in a rebuilt transaction with a later locktime, and the signer must know
//! that the rebuilt one pays exactly what the pending one did. `log reconcile` uses it too: a
//! transaction seen on chain has the payment key of the unsigned one the signer logged, even when
//! signing changed its txid (legacy and P2SH inputs carry their signatures in the scriptSig).
use bitcoin::consensus::encode::{serialize, VarInt};
use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::{Amount, OutPoint, Script, Transaction, TxOut};

/// Domain separation: no other SHA-256 in airsign hashes these bytes.
const TAG: &[u8] = b"airsign payment key v1";

/// SHA-256 of the tag, then the sorted spent outpoints (36 bytes each, as in a transaction) with
/// their count, then the sorted outputs (amount and script, as in a transaction) with their count.
pub fn payment_key<'a>(
    inputs: impl IntoIterator<Item = OutPoint>,
    outputs: impl IntoIterator<Item = (u64, &'a Script)>,
) -> sha256::Hash {
    let mut ins: Vec<Vec<u8>> = inputs.into_iter().map(|o| serialize(&o)).collect();
    let mut outs: Vec<Vec<u8>> = outputs
        .into_iter()
        .map(|(value, script)| {
            serialize(&TxOut {
                value: Amount::from_sat(value),
                script_pubkey: script.to_owned(),
            })
        })
        .collect();
    ins.sort();
    outs.sort();
    let mut e = sha256::Hash::engine();
    e.input(TAG);
    for list in [&ins, &outs] {
        e.input(&serialize(&VarInt(list.len() as u64)));
        for item in list {
            e.input(item);
        }
    }
    sha256::Hash::from_engine(e)
}

/// The payment key of a transaction.
pub fn of_transaction(tx: &Transaction) -> sha256::Hash {
    payment_key(
        tx.input.iter().map(|i| i.previous_output),
        tx.output
            .iter()
            .map(|o| (o.value.to_sat(), o.script_pubkey.as_script())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::absolute::LockTime;
    use bitcoin::{ScriptBuf, Sequence, TxIn, Txid};

    fn tx() -> Transaction {
        let out = |v, b| TxOut {
            value: Amount::from_sat(v),
            script_pubkey: ScriptBuf::new_op_return([b; 4]),
        };
        Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: LockTime::from_height(800_000).unwrap(),
            input: (0..2)
                .map(|i| TxIn {
                    previous_output: OutPoint::new(Txid::all_zeros(), i),
                    sequence: Sequence::ENABLE_RBF_NO_LOCKTIME,
                    ..TxIn::default()
                })
                .collect(),
            output: vec![out(1000, 1), out(2000, 2)],
        }
    }

    #[test]
    fn locktime_sequence_order_and_signatures_do_not_change_the_key() {
        let a = tx();
        let mut b = tx();
        b.lock_time = LockTime::from_height(800_144).unwrap();
        b.input.reverse();
        b.input[0].sequence = Sequence::MAX;
        b.input[1].script_sig = ScriptBuf::from_bytes(vec![1, 2, 3]);
        b.output.reverse();
        b.version = bitcoin::transaction::Version::ONE;
        assert_ne!(a.compute_txid(), b.compute_txid());
        assert_eq!(of_transaction(&a), of_transaction(&b));
    }

    #[test]
    fn another_amount_script_or_coin_is_another_payment() {
        let a = of_transaction(&tx());
        let mut b = tx();
        b.output[0].value = Amount::from_sat(1001);
        assert_ne!(a, of_transaction(&b));
        let mut c = tx();
        c.output[1].script_pubkey = ScriptBuf::new_op_return([3u8; 4]);
        assert_ne!(a, of_transaction(&c));
        let mut d = tx();
        d.input[1].previous_output.vout = 7;
        assert_ne!(a, of_transaction(&d));
        // Moving an amount between two outputs is not the same payment either.
        let mut e = tx();
        e.output[0].value = Amount::from_sat(2000);
        e.output[1].value = Amount::from_sat(1000);
        assert_ne!(a, of_transaction(&e));
        // A dropped input is another payment (counts are hashed).
        let mut f = tx();
        f.input.pop();
        assert_ne!(a, of_transaction(&f));
    }
}
