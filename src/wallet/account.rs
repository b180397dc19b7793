//! Account export: the descriptors (and BIP48 key expressions) a coordinator imports, computed
//! from public data only — the fingerprint and the account xpub.
use std::str::FromStr;

use bitcoin::bip32::{DerivationPath, Fingerprint, Xpub};
use bitcoin::Network;
use miniscript::descriptor::{Descriptor, DescriptorPublicKey};
use serde::{Deserialize, Serialize};

use super::{ScriptType, WalletError};

/// What `airsign account export` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountExport {
    /// Master key fingerprint (8 hex).
    pub fingerprint: String,
    /// Network.
    pub network: Network,
    /// Script type.
    pub script: ScriptType,
    /// Account number.
    pub account: u32,
    /// Account derivation path, `m/…`.
    pub path: String,
    /// Account extended public key (xpub on mainnet, tpub elsewhere).
    pub xpub: String,
    /// `[fingerprint/path]xpub`: the key expression with its origin.
    pub key_origin: String,
    /// Receive descriptor (`/0/*`) with BIP380 checksum; single-sig only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive: Option<String>,
    /// Change descriptor (`/1/*`) with checksum; single-sig only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// BIP389 multipath descriptor (`/<0;1>/*`) with checksum; single-sig only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipath: Option<String>,
    /// First receive address (index 0); single-sig only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_address: Option<String>,
}

impl AccountExport {
    /// Read what `airsign account export --json` wrote, for `wallet create --from`.
    pub fn parse(bytes: &[u8]) -> Result<Self, WalletError> {
        serde_json::from_slice(bytes).map_err(|e| WalletError::BadAccountFile(e.to_string()))
    }

    /// The wallet descriptor: multipath when present, else the receive descriptor.
    pub fn wallet_descriptor(&self) -> Result<&str, WalletError> {
        self.multipath
            .as_deref()
            .or(self.receive.as_deref())
            .ok_or_else(|| {
                WalletError::BadAccountFile(format!(
                    "a {} export is one cosigner's key, not a wallet: build the multisig descriptor with every cosigner's key and give it with --descriptor",
                    self.script
                ))
            })
    }
}

/// Wrap `key` in the descriptor for `script` and return it with its checksum.
pub fn descriptor_for(
    script: ScriptType,
    key: &str,
) -> Result<Descriptor<DescriptorPublicKey>, WalletError> {
    let body = match script {
        ScriptType::Pkh => format!("pkh({key})"),
        ScriptType::ShWpkh => format!("sh(wpkh({key}))"),
        ScriptType::Wpkh => format!("wpkh({key})"),
        ScriptType::Tr => format!("tr({key})"),
        ScriptType::WshMulti | ScriptType::ShWshMulti => {
            return Err(WalletError::BadDescriptor(
                "multisig descriptors need every cosigner's key; export gives the key expression"
                    .into(),
            ))
        }
    };
    Descriptor::from_str(&body).map_err(|e| WalletError::BadDescriptor(e.to_string()))
}

/// Build the export for an account key.
pub fn export(
    fingerprint: Fingerprint,
    account_path: &DerivationPath,
    xpub: &Xpub,
    script: ScriptType,
    account: u32,
    network: Network,
) -> Result<AccountExport, WalletError> {
    let key_origin = format!("[{fingerprint}/{account_path}]{xpub}");
    let mut out = AccountExport {
        fingerprint: fingerprint.to_string(),
        network,
        script,
        account,
        path: format!("m/{account_path}"),
        xpub: xpub.to_string(),
        key_origin: key_origin.clone(),
        receive: None,
        change: None,
        multipath: None,
        first_address: None,
    };
    if script.is_multisig() {
        return Ok(out);
    }
    let receive = descriptor_for(script, &format!("{key_origin}/0/*"))?;
    let change = descriptor_for(script, &format!("{key_origin}/1/*"))?;
    let multi = descriptor_for(script, &format!("{key_origin}/<0;1>/*"))?;
    let first = receive
        .at_derivation_index(0)
        .map_err(|e| WalletError::Derivation(e.to_string()))?
        .address(network)
        .map_err(|e| WalletError::Derivation(e.to_string()))?;
    out.receive = Some(receive.to_string());
    out.change = Some(change.to_string());
    out.multipath = Some(multi.to_string());
    out.first_address = Some(first.to_string());
    Ok(out)
}
