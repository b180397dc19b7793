//! BIP322: the message hash, the `to_spend`/`to_sign` pair, decoding, verifying, signing.

use bitcoin::base64::engine::general_purpose::STANDARD;
use bitcoin::base64::Engine as _;
use bitcoin::consensus::encode::{deserialize, serialize};
use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::key::{Keypair, TapTweak};
use bitcoin::opcodes::all::OP_RETURN;
use bitcoin::opcodes::OP_0;
use bitcoin::script::{Builder, Instruction, PushBytesBuf};
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey, XOnlyPublicKey};
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::{
    absolute, ecdsa, taproot, transaction, Address, Amount, CompressedPublicKey, OutPoint,
    PublicKey, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, WScriptHash, Witness,
};

use super::MessageError;

/// The BIP340 tag of the message hash.
pub const MESSAGE_TAG: &[u8] = b"BIP0322-signed-message";

/// The message hash: SHA256(SHA256(tag) ‖ SHA256(tag) ‖ message), tag `BIP0322-signed-message`.
pub fn message_hash(message: &[u8]) -> [u8; 32] {
    let tag = sha256::Hash::hash(MESSAGE_TAG);
    let mut engine = sha256::Hash::engine();
    engine.input(tag.as_ref());
    engine.input(tag.as_ref());
    engine.input(message);
    sha256::Hash::from_engine(engine).to_byte_array()
}

/// The virtual `to_spend` transaction: version 0, lock time 0, one input spending
/// `0000…:0xFFFFFFFF` with sequence 0 and scriptSig `OP_0 PUSH32[message_hash]`, one output of
/// value 0 paying `script_pubkey`.
pub fn to_spend(script_pubkey: &Script, message: &[u8]) -> Transaction {
    let script_sig = Builder::new()
        .push_opcode(OP_0)
        .push_slice(message_hash(message))
        .into_script();
    Transaction {
        version: transaction::Version(0),
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint {
                txid: Txid::all_zeros(),
                vout: 0xFFFF_FFFF,
            },
            script_sig,
            sequence: Sequence::ZERO,
            witness: Witness::new(),
        }],
        output: vec![TxOut {
            value: Amount::ZERO,
            script_pubkey: script_pubkey.to_owned(),
        }],
    }
}

/// The only output `to_sign` may have: value 0, scriptPubKey `OP_RETURN`.
fn op_return_output() -> TxOut {
    TxOut {
        value: Amount::ZERO,
        script_pubkey: Builder::new().push_opcode(OP_RETURN).into_script(),
    }
}

/// The virtual `to_sign` transaction of the simple encoding: version 0, lock time 0, one input
/// spending `to_spend_txid:0` with sequence 0, empty scriptSig and `witness`, one `OP_RETURN`
/// output of value 0. (The txid does not cover the witness.)
pub fn to_sign(to_spend_txid: Txid, witness: Witness) -> Transaction {
    Transaction {
        version: transaction::Version(0),
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint {
                txid: to_spend_txid,
                vout: 0,
            },
            script_sig: ScriptBuf::new(),
            sequence: Sequence::ZERO,
            witness,
        }],
        output: vec![op_return_output()],
    }
}

/// The longest signature text decoded (a full `to_sign` for one key is a few hundred bytes).
pub const MAX_SIGNATURE_CHARS: usize = 64 * 1024;

/// Which encoding a signature used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The witness stack only (`smp` prefix, or no prefix).
    Simple,
    /// The whole `to_sign` transaction (`ful` prefix).
    Full,
    /// Proof of funds (`pof` prefix): a finalized PSBT of `to_sign` with more inputs.
    ProofOfFunds,
}

/// The address types this module verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// Native segwit v0 key hash.
    P2wpkh,
    /// Taproot, key path.
    P2tr,
    /// P2WPKH nested in P2SH.
    P2shP2wpkh,
    /// Legacy key hash (full encoding only).
    P2pkh,
    /// A script: P2WSH, P2SH-P2WSH, bare P2SH (full only) or a taproot script path, checked by
    /// miniscript's interpreter (so only scripts that are miniscript, e.g. multisig, time locks).
    Script,
}

/// A decoded signature, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// A witness stack.
    Simple(Witness),
    /// A complete `to_sign` transaction.
    Full(Transaction),
    /// Proof of funds: `to_sign` with more inputs, and each input's spent output where the PSBT
    /// gives it.
    Funds(Transaction, Vec<Option<TxOut>>),
}

/// What a successful verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The encoding of the signature.
    pub encoding: Encoding,
    /// The address type it was checked as.
    pub kind: AddressKind,
}

/// Decode a BIP322 signature text: an optional `smp` (simple) or `ful` (full) prefix, then base64
/// (ASCII whitespace anywhere is ignored).
/// Without a prefix the signature is simple (what wallets written against the BIP's earlier text
/// emit). `pof` (proof of funds) is refused.
pub fn decode_signature(signature: &str) -> Result<Proof, MessageError> {
    // Line breaks and spaces from wrapped or pasted text are not part of base64.
    let stripped: String = signature
        .chars()
        .take(MAX_SIGNATURE_CHARS + 1024)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let s = stripped.as_str();
    let (encoding, b64) = if let Some(rest) = s.strip_prefix("smp") {
        (Encoding::Simple, rest)
    } else if let Some(rest) = s.strip_prefix("ful") {
        (Encoding::Full, rest)
    } else if let Some(rest) = s.strip_prefix("pof") {
        (Encoding::ProofOfFunds, rest)
    } else {
        (Encoding::Simple, s)
    };
    if b64.is_empty() {
        return Err(MessageError::TooShort);
    }
    if b64.len() > MAX_SIGNATURE_CHARS {
        return Err(MessageError::TooLong(MAX_SIGNATURE_CHARS));
    }
    let bytes = STANDARD
        .decode(b64)
        .map_err(|e| MessageError::Base64(e.to_string()))?;
    if bytes.is_empty() {
        return Err(MessageError::TooShort);
    }
    match encoding {
        Encoding::Simple => deserialize::<Witness>(&bytes)
            .map(Proof::Simple)
            .map_err(|e| MessageError::SimpleParse(e.to_string())),
        Encoding::Full => deserialize::<Transaction>(&bytes)
            .map(Proof::Full)
            .map_err(|e| MessageError::FullParse(e.to_string())),
        Encoding::ProofOfFunds => crate::bundle::parse::finalized_spend(&bytes)
            .map(|(tx, spent)| Proof::Funds(tx, spent))
            .map_err(|e| MessageError::FundsParse(e.to_string())),
    }
}

fn kind_of(script_pubkey: &Script) -> Result<AddressKind, MessageError> {
    if script_pubkey.is_p2wpkh() {
        Ok(AddressKind::P2wpkh)
    } else if script_pubkey.is_p2tr() {
        Ok(AddressKind::P2tr)
    } else if script_pubkey.is_p2sh() {
        Ok(AddressKind::P2shP2wpkh)
    } else if script_pubkey.is_p2pkh() {
        Ok(AddressKind::P2pkh)
    } else if script_pubkey.is_p2wsh() {
        Ok(AddressKind::Script)
    } else {
        Err(MessageError::Unsupported(
            "this address type is not supported",
        ))
    }
}

/// The scriptSig that pushes exactly `redeem` (P2SH).
fn push_only(redeem: &Script) -> Option<ScriptBuf> {
    let push = PushBytesBuf::try_from(redeem.to_bytes()).ok()?;
    Some(Builder::new().push_slice(push).into_script())
}

/// Verify `signature` (BIP322 simple or full) over `message` for the address `address`, parsed
/// for any network (the proof is about the scriptPubKey; the caller checks the network if it
/// matters).
pub fn verify_address(
    address: &str,
    message: &[u8],
    signature: &str,
) -> Result<Verified, MessageError> {
    let address: Address<bitcoin::address::NetworkUnchecked> = address
        .trim()
        .parse()
        .map_err(|e: bitcoin::address::ParseError| MessageError::Address(e.to_string()))?;
    verify(
        &address.assume_checked().script_pubkey(),
        message,
        signature,
    )
}

/// Verify `signature` (BIP322 simple or full) over `message` for `script_pubkey`: rebuild
/// `to_spend`, check `to_sign` spends it, then check the signature against the right sighash and
/// the key against the script.
pub fn verify(
    script_pubkey: &Script,
    message: &[u8],
    signature: &str,
) -> Result<Verified, MessageError> {
    let kind = kind_of(script_pubkey)?;
    let proof = decode_signature(signature)?;
    let spend = to_spend(script_pubkey, message);
    let txid = spend.compute_txid();
    let (encoding, tx) =
        match proof {
            Proof::Simple(witness) => {
                let mut tx = to_sign(txid, witness);
                match kind {
                    AddressKind::P2pkh => return Err(MessageError::Unsupported(
                        "P2PKH has no witness: it needs the full encoding or a legacy signature",
                    )),
                    AddressKind::P2shP2wpkh => {
                        // Rebuild the scriptSig from the witness key; a wrong key fails the hash check.
                        let pk = match tx.input[0].witness.nth(1) {
                            Some(b) if tx.input[0].witness.len() == 2 && b.len() == 33 => {
                                CompressedPublicKey::from_slice(b).map_err(|_| {
                                    MessageError::Invalid("malformed public key in the witness")
                                })?
                            }
                            // Otherwise P2SH-P2WSH: the redeem script commits to the last item.
                            _ => {
                                let script = tx.input[0]
                                    .witness
                                    .last()
                                    .ok_or(MessageError::Invalid("empty witness"))?;
                                let redeem = ScriptBuf::new_p2wsh(&WScriptHash::hash(script));
                                tx.input[0].script_sig = push_only(&redeem)
                                    .ok_or(MessageError::Invalid("bad redeem script"))?;
                                return finish(kind, Encoding::Simple, &tx, &spend, script_pubkey);
                            }
                        };
                        let redeem = ScriptBuf::new_p2wpkh(&pk.wpubkey_hash());
                        tx.input[0].script_sig =
                            push_only(&redeem).ok_or(MessageError::Invalid("bad redeem script"))?;
                    }
                    AddressKind::P2wpkh | AddressKind::P2tr | AddressKind::Script => {}
                }
                (Encoding::Simple, tx)
            }
            Proof::Funds(tx, spent) => {
                return verify_funds(&tx, &spent, &spend, kind);
            }
            Proof::Full(tx) => {
                if tx.input.is_empty() {
                    return Err(MessageError::Invalid("to_sign has no input"));
                }
                if tx.input.len() > 1 {
                    return Err(MessageError::Unsupported(
                        "to_sign with more than one input (proof of funds)",
                    ));
                }
                if tx.input[0].previous_output != (OutPoint { txid, vout: 0 }) {
                    return Err(MessageError::Invalid(
                        "to_sign does not spend to_spend (other message or address)",
                    ));
                }
                if tx.output != [op_return_output()] {
                    return Err(MessageError::Invalid(
                        "to_sign must have exactly one OP_RETURN output of value 0",
                    ));
                }
                (Encoding::Full, tx)
            }
        };
    finish(kind, encoding, &tx, &spend, script_pubkey)
}

/// Proof of funds: `to_sign` whose first input spends `to_spend:0` and whose other inputs spend
/// the coins claimed, one `OP_RETURN` output of value 0; every input must be a valid spend of its
/// output by Bitcoin Core's interpreter (the first with `to_spend`'s output, built here; the
/// others with the outputs the PSBT gives, which must all be there). Whether those coins exist
/// and are unspent is not checked: that needs the chain.
fn verify_funds(
    tx: &Transaction,
    spent: &[Option<TxOut>],
    spend: &Transaction,
    kind: AddressKind,
) -> Result<Verified, MessageError> {
    if tx.input.len() < 2 {
        return Err(MessageError::Invalid(
            "a proof of funds spends to_spend and at least one coin",
        ));
    }
    if tx.input[0].previous_output
        != (OutPoint {
            txid: spend.compute_txid(),
            vout: 0,
        })
    {
        return Err(MessageError::Invalid(
            "to_sign does not spend to_spend (other message or address)",
        ));
    }
    if tx.output != [op_return_output()] {
        return Err(MessageError::Invalid(
            "to_sign must have exactly one OP_RETURN output of value 0",
        ));
    }
    let mut prevouts = vec![spend.output[0].clone()];
    for o in spent.iter().skip(1) {
        prevouts.push(o.clone().ok_or(MessageError::Invalid(
            "the proof does not give the output a coin input spends",
        ))?);
    }
    let bytes = serialize(tx);
    let utxos: Vec<bitcoinconsensus::Utxo> = prevouts
        .iter()
        .map(|o| bitcoinconsensus::Utxo {
            script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
            script_pubkey_len: o.script_pubkey.len() as u32,
            value: o.value.to_sat() as i64,
        })
        .collect();
    for (i, o) in prevouts.iter().enumerate() {
        bitcoinconsensus::verify_with_flags(
            o.script_pubkey.as_bytes(),
            o.value.to_sat(),
            &bytes,
            Some(&utxos),
            i,
            bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
        )
        .map_err(|_| {
            MessageError::Invalid("an input of the proof of funds is not a valid spend")
        })?;
    }
    Ok(Verified {
        encoding: Encoding::ProofOfFunds,
        kind,
    })
}

/// Check the input of `to_sign` (its outpoint and outputs already checked) as `kind`, refined by
/// the shape of the input: a P2SH input that is not P2SH-P2WPKH, and a taproot script path, are
/// scripts.
fn finish(
    kind: AddressKind,
    encoding: Encoding,
    tx: &Transaction,
    spend: &Transaction,
    script_pubkey: &Script,
) -> Result<Verified, MessageError> {
    let prevout = &spend.output[0];
    let input = &tx.input[0];
    let kind = match kind {
        AddressKind::P2shP2wpkh if !looks_p2sh_p2wpkh(input) => AddressKind::Script,
        AddressKind::P2tr if is_tapscript_path(&input.witness) => AddressKind::Script,
        k => k,
    };
    match kind {
        AddressKind::P2wpkh => check_p2wpkh(tx, script_pubkey, false)?,
        AddressKind::P2shP2wpkh => check_p2wpkh(tx, script_pubkey, true)?,
        AddressKind::P2tr => check_p2tr(tx, prevout)?,
        AddressKind::P2pkh => check_p2pkh(tx, script_pubkey)?,
        AddressKind::Script => check_script(tx, prevout)?,
    }
    Ok(Verified { encoding, kind })
}

/// A taproot script-path witness: at least a script and a control block (0xc0/0xc1 leaf version,
/// 33 + 32·k bytes) last. (An annex is not supported.)
fn is_tapscript_path(witness: &Witness) -> bool {
    witness.len() >= 2
        && witness
            .last()
            .is_some_and(|c| c.len() >= 33 && (c.len() - 33) % 32 == 0 && c[0] & 0xfe == 0xc0)
}

/// The script revealed by `input` is the one `script_pubkey` commits to (checked before the
/// interpreter, so that a wrong address is invalid rather than an unparsable script).
fn script_commitment(input: &TxIn, script_pubkey: &Script) -> Result<(), MessageError> {
    let spk = script_pubkey.as_bytes();
    let mismatch = MessageError::Invalid("the revealed script does not match the address");
    if script_pubkey.is_p2wsh() {
        let script = input
            .witness
            .last()
            .ok_or(MessageError::Invalid("empty witness"))?;
        if sha256::Hash::hash(script).as_byte_array()[..] != spk[2..34] {
            return Err(mismatch);
        }
    } else if script_pubkey.is_p2sh() {
        let redeem = match input.script_sig.instructions().last() {
            Some(Ok(Instruction::PushBytes(b))) => b.as_bytes().to_vec(),
            _ => return Err(MessageError::Invalid("a P2SH scriptSig ends in a push")),
        };
        if bitcoin::hashes::hash160::Hash::hash(&redeem).as_byte_array()[..] != spk[2..22] {
            return Err(mismatch);
        }
    } else if script_pubkey.is_p2tr() {
        let n = input.witness.len();
        let (Some(script), Some(control)) = (
            n.checked_sub(2).and_then(|i| input.witness.nth(i)),
            input.witness.last(),
        ) else {
            return Err(MessageError::Invalid(
                "a script path needs a script and a control block",
            ));
        };
        let control = bitcoin::taproot::ControlBlock::decode(control)
            .map_err(|_| MessageError::Invalid("malformed taproot control block"))?;
        let key = XOnlyPublicKey::from_slice(&spk[2..34])
            .map_err(|_| MessageError::Invalid("the taproot output key is not a valid point"))?;
        let secp = Secp256k1::verification_only();
        if !control.verify_taproot_commitment(&secp, key, Script::from_bytes(script)) {
            return Err(mismatch);
        }
    }
    Ok(())
}

/// Any script spend, by miniscript's interpreter: the script must hash to the address (or commit
/// to the taproot output key) and be satisfied, every signature checked against its sighash with
/// prevouts = [`to_spend` output]. Scripts that are not miniscript go to Bitcoin Core's
/// interpreter ([`core_interpreter`]).
fn check_script(tx: &Transaction, prevout: &TxOut) -> Result<(), MessageError> {
    use miniscript::interpreter::{Error as IError, Interpreter};
    let input = &tx.input[0];
    script_commitment(input, &prevout.script_pubkey)?;
    let run = || -> Result<(), MessageError> {
        let interp = Interpreter::from_txdata(
            &prevout.script_pubkey,
            &input.script_sig,
            &input.witness,
            input.sequence,
            tx.lock_time,
        )
        .map_err(|e| match e {
            IError::Miniscript(_) => MessageError::Unsupported("the script is not miniscript"),
            _ => MessageError::Invalid("the witness does not match the address's script"),
        });
        let interp = match interp {
            Err(MessageError::Unsupported(_)) => return core_interpreter(tx, prevout),
            r => r?,
        };
        let secp = Secp256k1::verification_only();
        let prevouts = [prevout];
        let prevouts = Prevouts::All(&prevouts);
        for step in interp.iter(&secp, tx, 0, &prevouts) {
            step.map_err(|_| MessageError::Invalid("the script is not satisfied"))?;
        }
        Ok(())
    };
    // The interpreter is a dependency: a panic on hostile input must still be an error here.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or(Err(
        MessageError::Invalid("the script could not be evaluated"),
    ))
}

/// Any script that is not miniscript, by Bitcoin Core's interpreter (libbitcoinconsensus, the
/// consensus flags with taproot): `to_sign`'s only input must be a valid spend of `to_spend`'s
/// output, which is what BIP322 calls a valid signature.
fn core_interpreter(tx: &Transaction, prevout: &TxOut) -> Result<(), MessageError> {
    let bytes = serialize(tx);
    let spk = prevout.script_pubkey.as_bytes();
    let utxos = [bitcoinconsensus::Utxo {
        script_pubkey: spk.as_ptr(),
        script_pubkey_len: spk.len() as u32,
        value: 0,
    }];
    bitcoinconsensus::verify_with_flags(
        spk,
        0,
        &bytes,
        Some(&utxos),
        0,
        bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
    )
    .map_err(|_| MessageError::Invalid("the script is not satisfied (Bitcoin Core's interpreter)"))
}

/// A P2SH input that spends a P2WPKH redeem script (`PUSH22[0014…]`, two witness items).
fn looks_p2sh_p2wpkh(input: &TxIn) -> bool {
    let s = input.script_sig.as_bytes();
    s.len() == 23 && s[..3] == [0x16, 0x00, 0x14] && input.witness.len() == 2
}

fn secp_verify_ecdsa(
    digest: [u8; 32],
    sig: &ecdsa::Signature,
    pk: &bitcoin::secp256k1::PublicKey,
) -> Result<(), MessageError> {
    Secp256k1::verification_only()
        .verify_ecdsa(&Message::from_digest(digest), &sig.signature, pk)
        .map_err(|_| MessageError::Invalid("the ECDSA signature does not verify"))
}

/// P2WPKH or (`nested`) P2SH-P2WPKH: witness `[sig, pubkey]`, BIP143 sighash with the
/// `to_spend` output's value 0.
fn check_p2wpkh(
    tx: &Transaction,
    script_pubkey: &Script,
    nested: bool,
) -> Result<(), MessageError> {
    let input = &tx.input[0];
    if input.witness.len() != 2 {
        return Err(MessageError::Invalid(
            "a P2WPKH witness has exactly two items",
        ));
    }
    let (Some(sig), Some(pk)) = (input.witness.nth(0), input.witness.nth(1)) else {
        return Err(MessageError::Invalid(
            "a P2WPKH witness has exactly two items",
        ));
    };
    let sig = ecdsa::Signature::from_slice(sig)
        .map_err(|_| MessageError::Invalid("malformed ECDSA signature"))?;
    let pk = CompressedPublicKey::from_slice(pk)
        .map_err(|_| MessageError::Invalid("malformed or uncompressed public key"))?;
    let program = ScriptBuf::new_p2wpkh(&pk.wpubkey_hash());
    if nested {
        let redeem_push = push_only(&program).ok_or(MessageError::Invalid("bad redeem script"))?;
        if input.script_sig != redeem_push {
            return Err(MessageError::Invalid(
                "the scriptSig is not the P2WPKH redeem script of the witness key",
            ));
        }
        if ScriptBuf::new_p2sh(&program.script_hash()) != *script_pubkey {
            return Err(MessageError::Invalid("the key does not match the address"));
        }
    } else {
        if !input.script_sig.is_empty() {
            return Err(MessageError::Invalid("P2WPKH needs an empty scriptSig"));
        }
        if program != *script_pubkey {
            return Err(MessageError::Invalid("the key does not match the address"));
        }
    }
    let sighash = SighashCache::new(tx)
        .p2wpkh_signature_hash(0, &program, Amount::ZERO, sig.sighash_type)
        .map_err(|_| MessageError::Invalid("cannot compute the BIP143 sighash"))?;
    secp_verify_ecdsa(sighash.to_byte_array(), &sig, &pk.0)
}

/// P2TR key path: witness `[sig]`, BIP341 sighash with prevouts = [`to_spend` output].
fn check_p2tr(tx: &Transaction, prevout: &TxOut) -> Result<(), MessageError> {
    let input = &tx.input[0];
    if !input.script_sig.is_empty() {
        return Err(MessageError::Invalid("P2TR needs an empty scriptSig"));
    }
    if input.witness.len() != 1 {
        return Err(MessageError::Invalid(
            "a taproot key-path witness has exactly one item",
        ));
    }
    let sig = input
        .witness
        .nth(0)
        .ok_or(MessageError::Invalid("empty witness"))?;
    let sig = taproot::Signature::from_slice(sig)
        .map_err(|_| MessageError::Invalid("malformed Schnorr signature"))?;
    let key = prevout
        .script_pubkey
        .as_bytes()
        .get(2..34)
        .and_then(|b| XOnlyPublicKey::from_slice(b).ok())
        .ok_or(MessageError::Invalid(
            "the taproot output key is not a valid point",
        ))?;
    let sighash = SighashCache::new(tx)
        .taproot_key_spend_signature_hash(0, &Prevouts::All(&[prevout]), sig.sighash_type)
        .map_err(|_| MessageError::Invalid("cannot compute the BIP341 sighash"))?;
    Secp256k1::verification_only()
        .verify_schnorr(
            &sig.signature,
            &Message::from_digest(sighash.to_byte_array()),
            &key,
        )
        .map_err(|_| MessageError::Invalid("the Schnorr signature does not verify"))
}

/// P2PKH (full only): scriptSig `<sig> <pubkey>`, no witness, legacy sighash.
fn check_p2pkh(tx: &Transaction, script_pubkey: &Script) -> Result<(), MessageError> {
    let input = &tx.input[0];
    if !input.witness.is_empty() {
        return Err(MessageError::Invalid("P2PKH has no witness"));
    }
    let mut pushes = Vec::new();
    for ins in input.script_sig.instructions() {
        match ins {
            Ok(Instruction::PushBytes(b)) => pushes.push(b.as_bytes().to_vec()),
            _ => return Err(MessageError::Invalid("a P2PKH scriptSig is two pushes")),
        }
    }
    let [sig, pk] = pushes.as_slice() else {
        return Err(MessageError::Invalid("a P2PKH scriptSig is two pushes"));
    };
    let sig = ecdsa::Signature::from_slice(sig)
        .map_err(|_| MessageError::Invalid("malformed ECDSA signature"))?;
    let pk =
        PublicKey::from_slice(pk).map_err(|_| MessageError::Invalid("malformed public key"))?;
    if ScriptBuf::new_p2pkh(&pk.pubkey_hash()) != *script_pubkey {
        return Err(MessageError::Invalid("the key does not match the address"));
    }
    let sighash = SighashCache::new(tx)
        .legacy_signature_hash(0, script_pubkey, sig.sighash_type.to_u32())
        .map_err(|_| MessageError::Invalid("cannot compute the legacy sighash"))?;
    secp_verify_ecdsa(sighash.to_byte_array(), &sig, &pk.inner)
}

/// Sign `message` for `script_pubkey` (P2WPKH, P2SH-P2WPKH or P2TR key path, BIP86: no script
/// tree) with `key`, in the simple encoding: base64 of the consensus-encoded witness stack,
/// without a prefix (every BIP322 verifier reads an unprefixed signature as simple). ECDSA is
/// low-R (RFC6979 with grinding, like the rest of airsign); Schnorr uses fresh auxiliary
/// randomness. P2PKH has no witness: use [`sign_full`] or a legacy signature.
pub fn sign_simple(
    script_pubkey: &Script,
    key: &SecretKey,
    message: &[u8],
) -> Result<String, MessageError> {
    if kind_of(script_pubkey)? == AddressKind::P2pkh {
        return Err(MessageError::Unsupported(
            "P2PKH has no witness: sign it in the full or the legacy format",
        ));
    }
    let tx = signed_to_sign(script_pubkey, key, message)?;
    Ok(STANDARD.encode(serialize(&tx.input[0].witness)))
}

/// Sign `message` for `script_pubkey` (P2WPKH, P2SH-P2WPKH, P2TR key path or P2PKH) with `key`,
/// in the full encoding: `ful` and the base64 of the whole `to_sign` transaction (version 0, lock
/// time 0, sequence 0, as the BIP's default). The prefix is written because an unprefixed
/// signature is read as simple.
pub fn sign_full(
    script_pubkey: &Script,
    key: &SecretKey,
    message: &[u8],
) -> Result<String, MessageError> {
    let tx = signed_to_sign(script_pubkey, key, message)?;
    Ok(format!("ful{}", STANDARD.encode(serialize(&tx))))
}

/// Sign `message` for a script address — P2WSH, P2SH-P2WSH or bare P2SH — whose script is
/// `script` (the witness script; for bare P2SH the redeem script), with `keys`, in the simple or
/// full encoding (bare P2SH has no witness: full only). The script must be miniscript (multisig,
/// most policies); `keys` must satisfy it. ECDSA low-R, SIGHASH_ALL. The result is checked by
/// [`verify`] before it is returned.
pub fn sign_script(
    script_pubkey: &Script,
    script: &Script,
    keys: &[SecretKey],
    message: &[u8],
    encoding: Encoding,
) -> Result<String, MessageError> {
    use miniscript::{Legacy, Miniscript, Segwitv0};
    let secp = Secp256k1::new();
    let spend = to_spend(script_pubkey, message);
    let mut tx = to_sign(spend.compute_txid(), Witness::new());
    let wsh = ScriptBuf::new_p2wsh(&WScriptHash::hash(script.as_bytes()));
    let (segwit, nested) = if *script_pubkey == wsh {
        (true, false)
    } else if *script_pubkey == ScriptBuf::new_p2sh(&wsh.script_hash()) {
        (true, true)
    } else if *script_pubkey == ScriptBuf::new_p2sh(&script.script_hash()) {
        (false, false)
    } else {
        return Err(MessageError::KeyMismatch);
    };
    if !segwit && encoding == Encoding::Simple {
        return Err(MessageError::Unsupported(
            "bare P2SH has no witness: sign it in the full format",
        ));
    }
    if encoding == Encoding::ProofOfFunds {
        return Err(MessageError::Unsupported(
            "airsign does not make proofs of funds",
        ));
    }
    let sighash = if segwit {
        SighashCache::new(&tx)
            .p2wsh_signature_hash(0, script, Amount::ZERO, EcdsaSighashType::All)
            .map_err(|_| MessageError::Invalid("cannot compute the BIP143 sighash"))?
            .to_byte_array()
    } else {
        SighashCache::new(&tx)
            .legacy_signature_hash(0, script, EcdsaSighashType::All.to_u32())
            .map_err(|_| MessageError::Invalid("cannot compute the legacy sighash"))?
            .to_byte_array()
    };
    let mut sigs = std::collections::HashMap::new();
    for k in keys {
        sigs.insert(
            PublicKey::new(k.public_key(&secp)),
            ecdsa::Signature {
                signature: secp.sign_ecdsa_low_r(&Message::from_digest(sighash), k),
                sighash_type: EcdsaSighashType::All,
            },
        );
    }
    let not_miniscript = MessageError::Unsupported("the script is not miniscript");
    let unsatisfied = MessageError::Invalid("these keys do not satisfy the script");
    let mut stack = if segwit {
        Miniscript::<PublicKey, Segwitv0>::decode(script)
            .map_err(|_| not_miniscript)?
            .satisfy(&sigs)
            .map_err(|_| unsatisfied)?
    } else {
        Miniscript::<PublicKey, Legacy>::decode(script)
            .map_err(|_| not_miniscript)?
            .satisfy(&sigs)
            .map_err(|_| unsatisfied)?
    };
    stack.push(script.to_bytes());
    if segwit {
        tx.input[0].witness = Witness::from_slice(&stack);
        if nested {
            tx.input[0].script_sig =
                push_only(&wsh).ok_or(MessageError::Invalid("bad redeem script"))?;
        }
    } else {
        let mut b = Builder::new();
        for item in stack {
            let push = PushBytesBuf::try_from(item)
                .map_err(|_| MessageError::Invalid("a scriptSig push is too long"))?;
            b = b.push_slice(push);
        }
        tx.input[0].script_sig = b.into_script();
    }
    let text = match encoding {
        Encoding::Simple => STANDARD.encode(serialize(&tx.input[0].witness)),
        _ => format!("ful{}", STANDARD.encode(serialize(&tx))),
    };
    verify(script_pubkey, message, &text)?;
    Ok(text)
}

/// `to_sign` for `message` and `script_pubkey`, its input signed by `key` (SIGHASH_ALL /
/// SIGHASH_DEFAULT).
fn signed_to_sign(
    script_pubkey: &Script,
    key: &SecretKey,
    message: &[u8],
) -> Result<Transaction, MessageError> {
    let secp = Secp256k1::new();
    let spend = to_spend(script_pubkey, message);
    let mut tx = to_sign(spend.compute_txid(), Witness::new());
    let pk = CompressedPublicKey(key.public_key(&secp));
    let ecdsa_all = |sighash: [u8; 32]| ecdsa::Signature {
        signature: secp.sign_ecdsa_low_r(&Message::from_digest(sighash), key),
        sighash_type: EcdsaSighashType::All,
    };
    match kind_of(script_pubkey)? {
        AddressKind::P2wpkh | AddressKind::P2shP2wpkh => {
            let program = ScriptBuf::new_p2wpkh(&pk.wpubkey_hash());
            let nested = script_pubkey.is_p2sh();
            let expected = if nested {
                ScriptBuf::new_p2sh(&program.script_hash())
            } else {
                program.clone()
            };
            if expected != *script_pubkey {
                return Err(MessageError::KeyMismatch);
            }
            let sighash = SighashCache::new(&tx)
                .p2wpkh_signature_hash(0, &program, Amount::ZERO, EcdsaSighashType::All)
                .map_err(|_| MessageError::Invalid("cannot compute the BIP143 sighash"))?;
            tx.input[0].witness = Witness::p2wpkh(&ecdsa_all(sighash.to_byte_array()), &pk.0);
            if nested {
                tx.input[0].script_sig =
                    push_only(&program).ok_or(MessageError::Invalid("bad redeem script"))?;
            }
        }
        AddressKind::P2pkh => {
            if ScriptBuf::new_p2pkh(&pk.pubkey_hash()) != *script_pubkey {
                return Err(MessageError::KeyMismatch);
            }
            let sighash = SighashCache::new(&tx)
                .legacy_signature_hash(0, script_pubkey, EcdsaSighashType::All.to_u32())
                .map_err(|_| MessageError::Invalid("cannot compute the legacy sighash"))?;
            let sig = ecdsa_all(sighash.to_byte_array());
            let sig_push = PushBytesBuf::try_from(sig.to_vec())
                .map_err(|_| MessageError::Invalid("signature too long"))?;
            tx.input[0].script_sig = Builder::new()
                .push_slice(sig_push)
                .push_slice(pk.to_bytes())
                .into_script();
        }
        AddressKind::P2tr => {
            let keypair = Keypair::from_secret_key(&secp, key)
                .tap_tweak(&secp, None)
                .to_keypair();
            let expected = ScriptBuf::new_p2tr_tweaked(
                bitcoin::key::TweakedPublicKey::dangerous_assume_tweaked(
                    keypair.x_only_public_key().0,
                ),
            );
            if expected != *script_pubkey {
                return Err(MessageError::KeyMismatch);
            }
            let sighash = SighashCache::new(&tx)
                .taproot_key_spend_signature_hash(
                    0,
                    &Prevouts::All(&[&spend.output[0]]),
                    TapSighashType::Default,
                )
                .map_err(|_| MessageError::Invalid("cannot compute the BIP341 sighash"))?;
            let sig = secp.sign_schnorr(&Message::from_digest(sighash.to_byte_array()), &keypair);
            tx.input[0].witness = Witness::p2tr_key_spend(&taproot::Signature {
                signature: sig,
                sighash_type: TapSighashType::Default,
            });
        }
        AddressKind::Script => {
            return Err(MessageError::Unsupported(
                "signing is implemented for single-key addresses only (P2WPKH, P2SH-P2WPKH, P2TR, P2PKH)",
            ))
        }
    }
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn message_hash_bip_examples() {
        assert_eq!(
            hex(&message_hash(b"")),
            "c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1"
        );
        assert_eq!(
            hex(&message_hash(b"Hello World")),
            "f0eb03b1a75ac6d9847f55c624a99169b5dccba2a31f5b23bea77ba270de0a7a"
        );
    }

    #[test]
    fn hostile_signatures_are_errors() {
        let spk = ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::all_zeros());
        for s in [
            "", "smp", "ful", "pof", "!!!", "smp!!", "AA==", "smpAA==", "fulAA==", "/w==",
        ] {
            assert!(verify(&spk, b"m", s).is_err(), "{s}");
        }
    }
}
