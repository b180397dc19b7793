//! Legacy "Bitcoin Signed Message" signatures (Bitcoin Core's `signmessage`, BIP137 headers): a
//! 65-byte recoverable ECDSA signature over double-SHA256 of
//! `"\x18Bitcoin Signed Message:\n" ‖ varint(len) ‖ message`, in base64.
//!
//! BSMS (BIP129) key records are signed this way by the key at the record's own path, so the
//! signature is checked against that key, not against an address. Signing is deterministic
//! (RFC6979, no extra entropy), as Bitcoin Core's is, so the BIP's vectors are reproduced byte for
//! byte.
use bitcoin::base64::engine::general_purpose::STANDARD;
use bitcoin::base64::Engine as _;
use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::sign_message::signed_msg_hash;

use super::MessageError;

/// Sign `message` with `key`: header 31–34 (compressed key, P2PKH), base64.
pub fn sign(key: &SecretKey, message: &str) -> String {
    let secp = Secp256k1::signing_only();
    let digest = Message::from_digest(signed_msg_hash(message).to_byte_array());
    let (id, rs) = secp
        .sign_ecdsa_recoverable(&digest, key)
        .serialize_compact();
    let mut raw = [0u8; 65];
    raw[0] = 31 + id.to_i32() as u8;
    raw[1..].copy_from_slice(&rs);
    STANDARD.encode(raw)
}

/// Check that `signature` is `key`'s signature of `message`. Accepts every BIP137 header
/// (27–30 uncompressed, 31–34 compressed P2PKH, 35–42 segwit): the header only says which address
/// the signer had in mind, and a BSMS record names the key itself.
pub fn verify(key: &PublicKey, message: &str, signature: &str) -> Result<(), MessageError> {
    let raw = STANDARD
        .decode(signature.trim())
        .map_err(|e| MessageError::Base64(e.to_string()))?;
    let raw: [u8; 65] = raw
        .as_slice()
        .try_into()
        .map_err(|_| MessageError::Invalid("a legacy signature is 65 bytes"))?;
    let (header, compressed) = match raw[0] {
        h @ 27..=30 => (h - 27, false),
        h @ 31..=34 => (h - 31, true),
        h @ 35..=42 => ((h - 35) % 4, true),
        _ => {
            return Err(MessageError::Invalid(
                "the signature header is not 27 to 42",
            ))
        }
    };
    let id = RecoveryId::from_i32(i32::from(header))
        .map_err(|_| MessageError::Invalid("bad recovery id"))?;
    let sig = RecoverableSignature::from_compact(&raw[1..], id)
        .map_err(|_| MessageError::Invalid("not a valid signature"))?;
    let digest = Message::from_digest(signed_msg_hash(message).to_byte_array());
    let recovered = Secp256k1::verification_only()
        .recover_ecdsa(&digest, &sig)
        .map_err(|_| MessageError::Invalid("no key recovers from this signature"))?;
    // An uncompressed header with a compressed key is another address's signature; the key
    // still matches, but the header is what a verifier of that address would check.
    if recovered != *key || !compressed {
        return Err(MessageError::KeyMismatch);
    }
    Ok(())
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
}
