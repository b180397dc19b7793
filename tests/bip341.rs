//! BIP341 wallet vectors (fixtures/vectors/bip341-wallet.json, keyPathSpending): the sighash our
//! verify-after-sign recomputes, the tweaked key our signer uses, and the signature bytes.
use std::str::FromStr;

use airsign::bundle::review::SpendKind;
use airsign::signer::sign::MadeSignature;
use airsign::signer::verify::verify_signatures;

use bitcoin::key::{Keypair, TapTweak};
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
use bitcoin::sighash::TapSighashType;
use bitcoin::{taproot, Amount, Psbt, ScriptBuf, TapNodeHash, Transaction, TxOut};
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn key_path_spending_vectors() {
    let raw = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/bip341-wallet.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&raw).unwrap();
    let kp = &v["vectors"][0]["keyPathSpending"][0];
    let tx: Transaction = bitcoin::consensus::encode::deserialize(&unhex(
        kp["given"]["rawUnsignedTx"].as_str().unwrap(),
    ))
    .unwrap();
    let utxos: Vec<TxOut> = kp["given"]["utxosSpent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| TxOut {
            value: Amount::from_sat(u["amountSats"].as_u64().unwrap()),
            script_pubkey: ScriptBuf::from_bytes(unhex(u["scriptPubKey"].as_str().unwrap())),
        })
        .collect();
    let secp = Secp256k1::new();
    let mut n = 0;
    for case in kp["inputSpending"].as_array().unwrap() {
        let g = &case["given"];
        let i = g["txinIndex"].as_u64().unwrap() as usize;
        let sk = SecretKey::from_slice(&unhex(g["internalPrivkey"].as_str().unwrap())).unwrap();
        let root = g["merkleRoot"]
            .as_str()
            .map(|r| TapNodeHash::from_str(r).unwrap());
        let ty = TapSighashType::from_consensus_u8(g["hashType"].as_u64().unwrap() as u8).unwrap();
        let inter = &case["intermediary"];

        // The tweak the signer applies.
        let tweaked = Keypair::from_secret_key(&secp, &sk)
            .tap_tweak(&secp, root)
            .to_keypair();
        assert_eq!(
            bitcoin::hex::DisplayHex::to_lower_hex_string(&tweaked.secret_bytes()[..]),
            inter["tweakedPrivkey"].as_str().unwrap()
        );

        // The signature (BIP341's vectors use all-zero auxiliary randomness = our --deterministic).
        let sighash: [u8; 32] = unhex(inter["sigHash"].as_str().unwrap())
            .try_into()
            .unwrap();
        let sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(sighash), &tweaked);
        let wit = unhex(case["expected"]["witness"][0].as_str().unwrap());
        assert_eq!(sig.as_ref()[..], wit[..64], "input {i}");

        // Our verify-after-sign recomputes the sighash from a PSBT and checks with k256.
        let mut psbt = Psbt::from_unsigned_tx(tx.clone()).unwrap();
        for (inp, u) in psbt.inputs.iter_mut().zip(&utxos) {
            inp.witness_utxo = Some(u.clone());
        }
        let tsig = taproot::Signature::from_slice(&wit).unwrap();
        assert_eq!(tsig.sighash_type, ty);
        psbt.inputs[i].tap_key_sig = Some(tsig);
        let made = MadeSignature {
            input: i,
            kind: SpendKind::TrKey(root),
            pubkey: sk.public_key(&secp),
            sighash,
        };
        verify_signatures(&psbt, std::slice::from_ref(&made))
            .unwrap_or_else(|e| panic!("input {i}: {e}"));
        // …and refuses a signature over anything else.
        let mut wrong = made;
        wrong.sighash[0] ^= 1;
        assert!(verify_signatures(&psbt, &[wrong]).is_err());
        n += 1;
    }
    assert_eq!(n, 7);
}
