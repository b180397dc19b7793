//! Legacy "Bitcoin Signed Message" signatures (Bitcoin Core's `signmessage`, BIP137 headers): a
//! 65-byte recoverable ECDSA signature over double-SHA256 of
//! `"\x18Bitcoin Signed Message:\n" ‖ varint(len) ‖ message`, in base64.
//!
//! The first byte (the header) is 27 + recovery id, plus 4 for a compressed key (31–34, P2PKH),
//! plus 8 for P2SH-P2WPKH (35–38) or plus 12 for P2WPKH (39–42). Many wallets (Bitcoin Core,
//! Electrum, Trezor in "Electrum" mode) sign segwit addresses with 31–34; a verifier of an
//! address therefore recovers the key and checks it against the ADDRESS, and reads the header
//! only for the recovery id and the key's compression.
//!
//! BSMS (BIP129) key records are signed this way by the key at the record's own path, so
//! [`verify`] checks the signature against that key, not against an address. Signing is
//! deterministic (RFC6979, no extra entropy), as Bitcoin Core's is, so the BIP's vectors are
//! reproduced byte for byte.
use bitcoin::base64::engine::general_purpose::STANDARD;
use bitcoin::base64::Engine as _;
use bitcoin::consensus::encode::VarInt;
use bitcoin::hashes::{sha256d, Hash as _, HashEngine as _};
use bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::{CompressedPublicKey, ScriptBuf};

use super::MessageError;

/// The prefix every legacy message hash starts with (the length byte 0x18 included).
pub const MAGIC: &[u8] = b"\x18Bitcoin Signed Message:\n";

/// The address type a legacy signature's header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegacyKind {
    /// Header 31–34: compressed key, P2PKH (also what many wallets use for every address).
    P2pkh,
    /// Header 35–38: P2SH-P2WPKH.
    P2shP2wpkh,
    /// Header 39–42: P2WPKH.
    P2wpkh,
}

impl LegacyKind {
    /// The header of recovery id 0.
    fn base(self) -> u8 {
        match self {
            LegacyKind::P2pkh => 31,
            LegacyKind::P2shP2wpkh => 35,
            LegacyKind::P2wpkh => 39,
        }
    }

    /// The kind whose header BIP137 gives an address with `script_pubkey`, if it has one
    /// (taproot and scripts have none).
    pub fn for_script(script_pubkey: &bitcoin::Script) -> Option<Self> {
        if script_pubkey.is_p2pkh() {
            Some(LegacyKind::P2pkh)
        } else if script_pubkey.is_p2sh() {
            Some(LegacyKind::P2shP2wpkh)
        } else if script_pubkey.is_p2wpkh() {
            Some(LegacyKind::P2wpkh)
        } else {
            None
        }
    }
}

/// The message hash: double SHA-256 of [`MAGIC`] ‖ varint(len) ‖ message. Over bytes, so a
/// message read from a file need not be UTF-8.
pub fn message_hash(message: &[u8]) -> [u8; 32] {
    let mut e = sha256d::Hash::engine();
    e.input(MAGIC);
    e.input(&bitcoin::consensus::encode::serialize(&VarInt(
        message.len() as u64,
    )));
    e.input(message);
    sha256d::Hash::from_engine(e).to_byte_array()
}

/// Sign `message` with `key` for an address of `kind` (header 31–34, 35–38 or 39–42), base64.
pub fn sign_as(key: &SecretKey, message: &[u8], kind: LegacyKind) -> String {
    let secp = Secp256k1::signing_only();
    let digest = Message::from_digest(message_hash(message));
    let (id, rs) = secp
        .sign_ecdsa_recoverable(&digest, key)
        .serialize_compact();
    let mut raw = [0u8; 65];
    raw[0] = kind.base() + id.to_i32() as u8;
    raw[1..].copy_from_slice(&rs);
    STANDARD.encode(raw)
}

/// Sign `message` with `key`: header 31–34 (compressed key, P2PKH), base64.
pub fn sign(key: &SecretKey, message: &str) -> String {
    sign_as(key, message.as_bytes(), LegacyKind::P2pkh)
}

/// A decoded legacy signature: the key it recovers to, and what its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovered {
    /// The public key that made the signature.
    pub key: PublicKey,
    /// Whether the header says the key is compressed (31–42).
    pub compressed: bool,
    /// The header byte, 27–42.
    pub header: u8,
}

/// Whether `signature` has the shape of a legacy signature: base64 of 65 bytes whose first byte
/// is 27–42 (a BIP322 simple signature is never 65 bytes with such a first byte: a P2TR witness
/// is 66 bytes, a P2WPKH one over 100).
pub fn looks_legacy(signature: &str) -> bool {
    let s: String = signature
        .chars()
        .take(200)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    matches!(STANDARD.decode(s), Ok(raw) if raw.len() == 65 && (27..=42).contains(&raw[0]))
}

/// Recover the key that signed `message`, from a base64 legacy signature.
pub fn recover(message: &[u8], signature: &str) -> Result<Recovered, MessageError> {
    let s: String = signature
        .chars()
        .take(200)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if s.is_empty() {
        return Err(MessageError::TooShort);
    }
    let raw = STANDARD
        .decode(s)
        .map_err(|e| MessageError::Base64(e.to_string()))?;
    let raw: [u8; 65] = raw
        .as_slice()
        .try_into()
        .map_err(|_| MessageError::Invalid("a legacy signature is 65 bytes"))?;
    let (id, compressed) = match raw[0] {
        h @ 27..=30 => (h - 27, false),
        h @ 31..=34 => (h - 31, true),
        h @ 35..=42 => ((h - 35) % 4, true),
        _ => {
            return Err(MessageError::Invalid(
                "the signature header is not 27 to 42",
            ))
        }
    };
    let id = RecoveryId::from_i32(i32::from(id))
        .map_err(|_| MessageError::Invalid("bad recovery id"))?;
    let sig = RecoverableSignature::from_compact(&raw[1..], id)
        .map_err(|_| MessageError::Invalid("not a valid signature"))?;
    let digest = Message::from_digest(message_hash(message));
    let key = Secp256k1::verification_only()
        .recover_ecdsa(&digest, &sig)
        .map_err(|_| MessageError::Invalid("no key recovers from this signature"))?;
    Ok(Recovered {
        key,
        compressed,
        header: raw[0],
    })
}

/// Check that `signature` is `key`'s signature of `message`. Accepts every BIP137 header
/// (27–30 uncompressed, 31–34 compressed P2PKH, 35–42 segwit): the header only says which address
/// the signer had in mind, and a BSMS record names the key itself.
pub fn verify(key: &PublicKey, message: &str, signature: &str) -> Result<(), MessageError> {
    let r = recover(message.as_bytes(), signature)?;
    // An uncompressed header with a compressed key is another address's signature; the key
    // still matches, but the header is what a verifier of that address would check.
    if r.key != *key || !r.compressed {
        return Err(MessageError::KeyMismatch);
    }
    Ok(())
}

/// What [`verify_script`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyVerified {
    /// The header byte.
    pub header: u8,
    /// The address type the header names (`None` for 27–30, uncompressed P2PKH).
    pub kind: Option<LegacyKind>,
}

/// Check a legacy signature of `message` against an address's `script_pubkey`: the recovered
/// key must make that address. Headers 31–34 are accepted for every single-key address type
/// (wallets that always use them); 35–38 only for P2SH-P2WPKH, 39–42 only for P2WPKH, 27–30 only
/// for P2PKH of the uncompressed key.
pub fn verify_script(
    script_pubkey: &bitcoin::Script,
    message: &[u8],
    signature: &str,
) -> Result<LegacyVerified, MessageError> {
    let r = recover(message, signature)?;
    let header_kind = match r.header {
        27..=30 => None,
        31..=34 => Some(LegacyKind::P2pkh),
        35..=38 => Some(LegacyKind::P2shP2wpkh),
        _ => Some(LegacyKind::P2wpkh),
    };
    let Some(address_kind) = LegacyKind::for_script(script_pubkey) else {
        return Err(MessageError::Unsupported(
            "legacy signatures exist only for P2PKH, P2SH-P2WPKH and P2WPKH addresses",
        ));
    };
    let made = if !r.compressed {
        ScriptBuf::new_p2pkh(&bitcoin::PublicKey::new_uncompressed(r.key).pubkey_hash())
    } else {
        let cpk = CompressedPublicKey(r.key);
        match address_kind {
            LegacyKind::P2pkh => ScriptBuf::new_p2pkh(&cpk.pubkey_hash()),
            LegacyKind::P2wpkh => ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()),
            LegacyKind::P2shP2wpkh => {
                ScriptBuf::new_p2sh(&ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()).script_hash())
            }
        }
    };
    let header_fits = match header_kind {
        None | Some(LegacyKind::P2pkh) => true,
        Some(k) => k == address_kind,
    };
    if made != *script_pubkey {
        return Err(MessageError::Invalid(
            "the key that made this signature is not the address's key (wrong message, address or signature)",
        ));
    }
    if !header_fits {
        return Err(MessageError::Invalid(
            "the signature header names another address type than this address",
        ));
    }
    Ok(LegacyVerified {
        header: r.header,
        kind: header_kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BIP129's first vector: signer 1's key record, signed by the key at m/48'/0'/0'/2'.
    #[test]
    fn bip129_signer_record_is_reproduced_and_verified() {
        let key =
            bitcoin::PrivateKey::from_wif("L5TXU4SdD9e6QGgBjxeegJKxt4FgATLG1TCnFM8JLyEkFuyHEqNM")
                .unwrap();
        let msg = "BSMS 1.0\n00\n[59865f44/48'/0'/0'/2']026d15412460ba0d881c21837bb999233896085a9ed4e5445bd637c10e579768ba\nSigner 1 key";
        let sig = sign(&key.inner, msg);
        assert_eq!(
            sig,
            "H6DXgqkCb353BDPkzppMFpOcdJZlpur0WRetQhIBqSn6DFzoQWBtm+ibP5wERDRNi0bxxev9B+FIvyQWq0s6im4="
        );
        let pk = key.public_key(&Secp256k1::new()).inner;
        verify(&pk, msg, &sig).unwrap();
        assert_eq!(
            verify(&pk, &format!("{msg}\n"), &sig),
            Err(MessageError::KeyMismatch)
        );
        assert!(verify(&pk, msg, "AAAA").is_err());
    }

    /// The hash over bytes is rust-bitcoin's over text.
    #[test]
    fn message_hash_matches_rust_bitcoin() {
        for m in ["", "hello", &"x".repeat(300)] {
            assert_eq!(
                message_hash(m.as_bytes()),
                bitcoin::sign_message::signed_msg_hash(m).to_byte_array()
            );
        }
    }

    /// Each address type with its own header and with 31–34; a header naming another type, a
    /// wrong message and another key fail.
    #[test]
    fn headers_per_address_type() {
        let secp = Secp256k1::new();
        let key = SecretKey::from_slice(&[7u8; 32]).unwrap();
        let cpk = CompressedPublicKey(key.public_key(&secp));
        let pkh = ScriptBuf::new_p2pkh(&cpk.pubkey_hash());
        let wpkh = ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash());
        let sh = ScriptBuf::new_p2sh(&wpkh.script_hash());
        for (spk, kind, range) in [
            (&pkh, LegacyKind::P2pkh, 31..=34),
            (&sh, LegacyKind::P2shP2wpkh, 35..=38),
            (&wpkh, LegacyKind::P2wpkh, 39..=42),
        ] {
            let sig = sign_as(&key, b"m", kind);
            let v = verify_script(spk, b"m", &sig).unwrap();
            assert!(range.contains(&v.header));
            assert_eq!(v.kind, Some(kind));
            // Electrum-style: 31–34 for a segwit address.
            let plain = sign_as(&key, b"m", LegacyKind::P2pkh);
            assert_eq!(
                verify_script(spk, b"m", &plain).unwrap().kind,
                Some(LegacyKind::P2pkh)
            );
            assert!(matches!(
                verify_script(spk, b"n", &sig),
                Err(MessageError::Invalid(_))
            ));
            assert!(looks_legacy(&sig));
        }
        // A P2WPKH header on a P2SH-P2WPKH address.
        let sig = sign_as(&key, b"m", LegacyKind::P2wpkh);
        assert!(verify_script(&sh, b"m", &sig).is_err());
        let other = SecretKey::from_slice(&[8u8; 32]).unwrap();
        assert!(verify_script(&wpkh, b"m", &sign_as(&other, b"m", LegacyKind::P2wpkh)).is_err());
        let tr = ScriptBuf::new_p2tr(&secp, cpk.0.x_only_public_key().0, None);
        assert!(matches!(
            verify_script(&tr, b"m", &sig),
            Err(MessageError::Unsupported(_))
        ));
    }
}
