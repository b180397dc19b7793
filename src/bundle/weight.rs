//! Transaction weight of the finished (signed) transaction, computed before signing so the fee
//! can be set from it. ECDSA signatures are counted at 71 bytes with the sighash byte, the size of
//! a low-R, low-S DER signature (our signer grinds for low R), so single-sig estimates land within
//! 1 vB of the signed size; Schnorr signatures are 64 bytes (SIGHASH_DEFAULT).
use bitcoin::blockdata::opcodes::all::OP_PUSHNUM_1;
use bitcoin::{Script, TxOut, VarInt};

/// ECDSA signature with sighash byte, low R and low S.
pub const ECDSA_SIG: u64 = 71;
/// Compressed public key.
pub const PUBKEY: u64 = 33;
/// BIP340 signature with SIGHASH_DEFAULT.
pub const SCHNORR_SIG: u64 = 64;

/// The shape of one input once satisfied: scriptSig bytes and witness items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputShape {
    /// Length of the scriptSig.
    pub script_sig: u64,
    /// Lengths of the witness stack items (empty for legacy inputs).
    pub witness: Vec<u64>,
}

fn varint_len(n: u64) -> u64 {
    VarInt(n).size() as u64
}

fn push_len(n: u64) -> u64 {
    // Push opcode size for n bytes (direct push up to 75, PUSHDATA1 to 255, PUSHDATA2 beyond).
    n + if n <= 75 {
        1
    } else if n <= 255 {
        2
    } else {
        3
    }
}

/// The `m` of an `m <keys…> n OP_CHECKMULTISIG` script.
fn multisig_m(script: &Script) -> Option<u64> {
    let first = *script.as_bytes().first()?;
    let op1 = OP_PUSHNUM_1.to_u8();
    if (op1..op1 + 16).contains(&first) && script.as_bytes().last() == Some(&0xae) {
        Some(u64::from(first - op1 + 1))
    } else {
        None
    }
}

impl InputShape {
    /// P2PKH.
    pub fn pkh() -> Self {
        InputShape {
            script_sig: push_len(ECDSA_SIG) + push_len(PUBKEY),
            witness: vec![],
        }
    }
    /// P2WPKH.
    pub fn wpkh() -> Self {
        InputShape {
            script_sig: 0,
            witness: vec![ECDSA_SIG, PUBKEY],
        }
    }
    /// P2SH-P2WPKH.
    pub fn sh_wpkh() -> Self {
        InputShape {
            script_sig: push_len(22),
            witness: vec![ECDSA_SIG, PUBKEY],
        }
    }
    /// P2TR key path.
    pub fn tr_key() -> Self {
        InputShape {
            script_sig: 0,
            witness: vec![SCHNORR_SIG],
        }
    }

    /// From a scriptPubKey and the PSBT's redeem/witness scripts; `None` when unknown.
    pub fn for_script(
        spk: &Script,
        redeem: Option<&Script>,
        witness_script: Option<&Script>,
    ) -> Option<Self> {
        if spk.is_p2pkh() {
            return Some(Self::pkh());
        }
        if spk.is_p2wpkh() {
            return Some(Self::wpkh());
        }
        if spk.is_p2tr() {
            return Some(Self::tr_key());
        }
        let ms_witness = |ws: &Script| -> Option<Vec<u64>> {
            let m = multisig_m(ws)?;
            let mut w = vec![0];
            w.extend(std::iter::repeat_n(ECDSA_SIG, m as usize));
            w.push(ws.len() as u64);
            Some(w)
        };
        if spk.is_p2wsh() {
            return Some(InputShape {
                script_sig: 0,
                witness: ms_witness(witness_script?)?,
            });
        }
        if spk.is_p2sh() {
            let redeem = redeem?;
            if redeem.is_p2wpkh() {
                return Some(Self::sh_wpkh());
            }
            if redeem.is_p2wsh() {
                return Some(InputShape {
                    script_sig: push_len(34),
                    witness: ms_witness(witness_script?)?,
                });
            }
            let m = multisig_m(redeem)?;
            let sigs = m * push_len(ECDSA_SIG);
            return Some(InputShape {
                script_sig: 1 + sigs + push_len(redeem.len() as u64),
                witness: vec![],
            });
        }
        None
    }

    /// The satisfied shape of an input spending `d`: exact for single-key and multisig
    /// scripts; for other miniscript, miniscript's upper bound (its costliest spending path).
    pub fn for_descriptor(
        d: &miniscript::Descriptor<miniscript::DefiniteDescriptorKey>,
    ) -> Option<Self> {
        use miniscript::descriptor::DescriptorType as T;
        match d.desc_type() {
            T::Pkh => return Some(Self::pkh()),
            T::Wpkh => return Some(Self::wpkh()),
            T::ShWpkh => return Some(Self::sh_wpkh()),
            _ => {}
        }
        if let miniscript::Descriptor::Tr(t) = d {
            if t.tap_tree().is_none() {
                return Some(Self::tr_key());
            }
        }
        let spk = d.script_pubkey();
        let script = d.explicit_script().ok();
        let exact = match d.desc_type() {
            T::Wsh | T::WshSortedMulti => Self::for_script(&spk, None, script.as_deref()),
            T::ShWsh | T::ShWshSortedMulti => {
                let redeem = bitcoin::ScriptBuf::new_p2wsh(&script.as_ref()?.wscript_hash());
                Self::for_script(&spk, Some(&redeem), script.as_deref())
            }
            T::Sh | T::ShSortedMulti => Self::for_script(&spk, script.as_deref(), None),
            _ => None,
        };
        if exact.is_some() {
            return exact;
        }
        // Upper bound from miniscript: weight added to an empty input by the largest
        // satisfaction, counted here as one witness item (a byte or two over, never under).
        let extra = d.max_weight_to_satisfy().ok()?.to_wu();
        let script_sig = d.unsigned_script_sig().len() as u64;
        let witness = extra.saturating_sub(4 * (script_sig + varint_len(script_sig) - 1));
        Some(InputShape {
            script_sig,
            witness: vec![witness],
        })
    }

    fn is_segwit(&self) -> bool {
        !self.witness.is_empty()
    }

    /// Non-witness bytes of the input (outpoint, scriptSig, sequence).
    fn base_bytes(&self) -> u64 {
        32 + 4 + varint_len(self.script_sig) + self.script_sig + 4
    }

    /// Witness bytes of the input (count + items).
    fn witness_bytes(&self) -> u64 {
        varint_len(self.witness.len() as u64)
            + self.witness.iter().map(|l| varint_len(*l) + l).sum::<u64>()
    }
}

/// Weight units of the signed transaction with these inputs and outputs.
pub fn tx_weight(inputs: &[InputShape], outputs: &[TxOut]) -> u64 {
    let segwit = inputs.iter().any(InputShape::is_segwit);
    let mut base = 4 + 4 + varint_len(inputs.len() as u64) + varint_len(outputs.len() as u64);
    base += outputs
        .iter()
        .map(|o| 8 + varint_len(o.script_pubkey.len() as u64) + o.script_pubkey.len() as u64)
        .sum::<u64>();
    base += inputs.iter().map(InputShape::base_bytes).sum::<u64>();
    let mut weight = base * 4;
    if segwit {
        weight += 2; // marker + flag
                     // A legacy input in a segwit transaction still has an empty witness (one byte).
        weight += inputs
            .iter()
            .map(|i| if i.is_segwit() { i.witness_bytes() } else { 1 })
            .sum::<u64>();
    }
    weight
}

/// Virtual size, rounded up.
pub fn vsize(weight: u64) -> u64 {
    weight.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::{Amount, ScriptBuf};

    #[test]
    fn one_in_two_out_p2wpkh_is_141_vbytes() {
        // 1-in/2-out P2WPKH with a 71-byte signature: 561 WU → 141 vB.
        let out = TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes(vec![0; 22]),
        };
        let w = tx_weight(&[InputShape::wpkh()], &[out.clone(), out]);
        assert_eq!(w, 561);
        assert_eq!(vsize(w), 141);
    }

    #[test]
    fn taproot_key_path_input_is_57_5_vbytes() {
        let out = TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes(vec![0; 34]),
        };
        let one = tx_weight(&[InputShape::tr_key()], std::slice::from_ref(&out));
        let two = tx_weight(&[InputShape::tr_key(), InputShape::tr_key()], &[out]);
        assert_eq!(two - one, 230);
    }
}
