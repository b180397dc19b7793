//! A wallet file in every set-up format other tools read: the descriptor with checksum (Bitcoin
//! Core, Sparrow), its BIP388 wallet policy (Ledger-style registration), a BSMS descriptor
//! record (BIP129; encrypted once per token), a Coldcard multisig file (Coldcard, Sparrow,
//! SeedSigner, Jade) and `ur:crypto-output` (Sparrow, BlueWallet, Keystone). A format that
//! cannot hold the wallet says why instead of being written.
use super::bip388::PolicyFile;
use super::bsms::{self, DescriptorRecord, Token};
use super::coldcard::ColdcardFile;
use super::crypto_output;
use crate::transport::ur;
use crate::wallet::descriptor::parse_public;
use crate::wallet::{WalletError, WalletFile};

/// Every export of one wallet. `Err` holds the reason a format cannot hold it.
#[derive(Debug, Clone)]
pub struct Exports {
    /// The multipath descriptor with checksum (receive descriptor when there is none).
    pub descriptor: String,
    /// The first receive address.
    pub first_address: String,
    /// BIP388 wallet policy.
    pub policy: Result<PolicyFile, String>,
    /// BSMS round 2 descriptor record (plain).
    pub bsms: Result<String, String>,
    /// The record encrypted with each token given, in order (hex).
    pub bsms_encrypted: Vec<String>,
    /// Coldcard multisig file.
    pub coldcard: Result<String, String>,
    /// The `crypto-output` CBOR.
    pub crypto_output: Result<Vec<u8>, String>,
}

impl Exports {
    /// The exports of `f`; `tokens` (not `00`) each get an encrypted BSMS record.
    pub fn for_wallet(f: &WalletFile, tokens: &[Token]) -> Result<Self, WalletError> {
        let w = f.watch_only()?;
        let first_address = w.address(false, 0)?.to_string();
        let Some(multipath) = f.descriptor.clone() else {
            let why = "receive and change are not one /<0;1>/* descriptor".to_string();
            return Ok(Exports {
                descriptor: f.receive.clone(),
                first_address,
                policy: Err(why.clone()),
                bsms: Err(why.clone()),
                bsms_encrypted: Vec::new(),
                coldcard: Err(why.clone()),
                crypto_output: Err(why),
            });
        };
        if multipath.contains("sortedmulti_a(") {
            // miniscript 13.2 cannot hold sortedmulti_a (airsign sorts its keys itself,
            // docs/decisions.md): the descriptor and the BSMS record carry it as text; the
            // formats built from miniscript's types, and Coldcard's (no taproot), do not.
            let why = "not for a taproot sortedmulti_a wallet yet (miniscript 13.2 cannot express it; use the descriptor or the BSMS record)".to_string();
            let bsms = DescriptorRecord::for_wallet(&multipath, &w)
                .map(|r| r.render())
                .map_err(|e| e.to_string());
            let bsms_encrypted = match &bsms {
                Ok(r) => tokens
                    .iter()
                    .filter(|t| !t.is_none())
                    .map(|t| bsms::encrypt(t, r))
                    .collect::<Result<Vec<_>, _>>()?,
                Err(_) => Vec::new(),
            };
            return Ok(Exports {
                descriptor: multipath,
                first_address,
                policy: Err(why.clone()),
                bsms,
                bsms_encrypted,
                coldcard: Err(
                    "Coldcard multisig files describe P2SH/P2WSH wallets, not taproot".into(),
                ),
                crypto_output: Err(why),
            });
        }
        let d = parse_public(&multipath)?;
        let policy = PolicyFile::for_descriptor(Some(&f.name), &d).map_err(|e| e.to_string());
        let bsms = DescriptorRecord::for_wallet(&multipath, &w)
            .map(|r| r.render())
            .map_err(|e| e.to_string());
        let bsms_encrypted = match &bsms {
            Ok(r) => tokens
                .iter()
                .filter(|t| !t.is_none())
                .map(|t| bsms::encrypt(t, r))
                .collect::<Result<Vec<_>, _>>()?,
            Err(_) => Vec::new(),
        };
        let coldcard = ColdcardFile::for_descriptor(&f.name, &d)
            .map(|c| c.render())
            .map_err(|e| e.to_string());
        Ok(Exports {
            descriptor: multipath,
            first_address,
            policy,
            bsms,
            bsms_encrypted,
            coldcard,
            crypto_output: crypto_output::encode(&d),
        })
    }

    /// `ur:crypto-output/…` (single part, lower case).
    pub fn crypto_output_ur(&self) -> Result<String, String> {
        self.crypto_output
            .as_ref()
            .map(|c| ur::single("crypto-output", c))
            .map_err(Clone::clone)
    }

    /// The files `--export DIR` writes: (name, contents).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut v = vec![(
            "descriptor.txt".to_string(),
            format!("{}\n", self.descriptor).into_bytes(),
        )];
        if let Ok(p) = &self.policy {
            v.push(("policy.json".into(), p.to_json().into_bytes()));
        }
        if let Ok(b) = &self.bsms {
            v.push(("wallet.bsms".into(), b.clone().into_bytes()));
        }
        for (i, e) in self.bsms_encrypted.iter().enumerate() {
            v.push((format!("wallet-token{}.dat", i + 1), e.clone().into_bytes()));
        }
        if let Ok(c) = &self.coldcard {
            v.push(("coldcard.txt".into(), c.clone().into_bytes()));
        }
        if let Ok(u) = self.crypto_output_ur() {
            v.push(("crypto-output.txt".into(), format!("{u}\n").into_bytes()));
        }
        v
    }
}
