//! Watch-only knowledge: script types, BIP44/49/84/86/48 paths, descriptors (BIP380–386) and the
//! addresses they derive. Nothing here touches a private key.
pub mod account;
pub mod descriptor;
pub mod fixture;
pub mod script_type;
pub mod slip132;
pub mod ur_account;

pub use descriptor::WatchOnly;
pub use script_type::ScriptType;

/// Errors about descriptors, keys, paths and addresses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The descriptor text did not parse.
    #[error("not a valid output descriptor: {0}")]
    BadDescriptor(String),
    /// The descriptor holds private keys; the online side must never see them.
    #[error("the descriptor contains private keys; airsign's online side accepts only public descriptors")]
    PrivateDescriptor,
    /// An address is not valid or not for this network.
    #[error("address {address} is not a valid {network} address")]
    BadAddress {
        /// The address text (escaped).
        address: String,
        /// Expected network.
        network: bitcoin::Network,
    },
    /// The descriptor's keys are for a different network.
    #[error("the descriptor's keys are for a different network than {0}")]
    WrongNetwork(bitcoin::Network),
    /// A wallet file is unreadable.
    #[error("the wallet file is not valid: {0}")]
    BadWalletFile(String),
    /// Deriving a key failed.
    #[error("key derivation failed: {0}")]
    Derivation(String),
}
