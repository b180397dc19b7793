//! `sign --minimal`: the signed PSBT as the coordinator needs it back — signatures and what
//! finalizing needs — without the bulk it already has (full previous transactions of segwit
//! inputs, key origins, output derivations, global xpubs, proprietary and unknown fields).
use bitcoin::Psbt;

/// Strip `psbt` for the return trip.
pub fn strip_for_return(psbt: &mut Psbt) {
    psbt.xpub.clear();
    psbt.proprietary.clear();
    psbt.unknown.clear();
    for input in &mut psbt.inputs {
        let segwit = input.witness_utxo.as_ref().is_some_and(|w| {
            w.script_pubkey.is_witness_program()
                || input
                    .redeem_script
                    .as_ref()
                    .is_some_and(|r| r.is_witness_program())
        });
        if segwit {
            input.non_witness_utxo = None;
        }
        // Key origins are for signers; the finalizer needs the signatures' keys and scripts only.
        input.bip32_derivation.clear();
        input.tap_key_origins.clear();
        input.proprietary.clear();
        input.unknown.clear();
    }
    for output in &mut psbt.outputs {
        output.bip32_derivation.clear();
        output.tap_key_origins.clear();
        output.proprietary.clear();
        output.unknown.clear();
    }
}
