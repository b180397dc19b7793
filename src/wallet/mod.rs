//! Watch-only knowledge: script types, BIP44/49/84/86/48 paths, descriptors (BIP380–386) and the
//! addresses they derive. Nothing here touches a private key.
pub mod account;
pub mod descriptor;
pub mod file;
pub mod fixture;
pub mod formats;
pub mod keys;
pub mod ownership;
pub mod payment;
pub mod registry;
pub mod script_type;
pub mod slip132;
pub mod ur_account;

pub use descriptor::WatchOnly;
pub use file::WalletFile;
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
    /// A payment is not `ADDR:AMOUNT`.
    #[error("a payment is ADDR:AMOUNT (e.g. bc1q…:15000 or bc1q…:0.00015btc), not {0}")]
    BadPayment(String),
    /// An amount is not sats or BTC.
    #[error("not an amount: {0} (use sats, e.g. 15000, or 0.00015btc)")]
    BadAmount(String),
    /// The descriptor's keys are for a different network.
    #[error("the descriptor's keys are for a different network than {0}")]
    WrongNetwork(bitcoin::Network),
    /// A wallet file is unreadable.
    #[error("the wallet file is not valid: {0}")]
    BadWalletFile(String),
    /// Deriving a key failed.
    #[error("key derivation failed: {0}")]
    Derivation(String),
    /// A wallet file's recorded id is not the id of its descriptors.
    #[error("the wallet file's id \"{recorded}\" does not match its descriptors (id {computed}): the file was edited or damaged")]
    WalletIdMismatch {
        /// Id in the file (escaped).
        recorded: String,
        /// Id computed from the descriptors.
        computed: String,
    },
    /// Another airsign holds the wallet file's lock.
    #[error("{0} is being updated by another airsign (it holds the lock on {0}.lock)")]
    Locked(String),
    /// Refusing to replace an existing wallet file.
    #[error("{0} already exists; it may hold indexes already handed out")]
    FileExists(String),
    /// A wallet name that is empty, too long or holds control characters.
    #[error("wallet name \"{0}\" is not usable: give 1 to 64 printable characters")]
    BadName(String),
    /// Every index on a branch is used.
    #[error("every {branch} index below 2^31 has been handed out")]
    IndexExhausted {
        /// "receive" or "change".
        branch: &'static str,
    },
    /// An account file (`airsign account export --format json`) is not usable.
    #[error("not an account export: {0}")]
    BadAccountFile(String),
    /// The registrations file is not readable.
    #[error("the wallet registrations file is not valid: {0}")]
    BadRegistration(String),
    /// A registration's MAC does not verify with this seed: edited, or written without it.
    #[error("the registration of wallet \"{0}\" was not made by this seed as it stands (edited, or written without the seed)")]
    RegistrationForged(String),
    /// The wallet names this seed's fingerprint with another xpub than the seed derives.
    #[error("the wallet names this seed ({fingerprint}) at m/{path} with xpub {given}, but the seed derives {derived} there: a swapped key")]
    XpubSwapped {
        /// Master fingerprint.
        fingerprint: String,
        /// Origin path.
        path: String,
        /// Xpub in the wallet.
        given: String,
        /// Xpub the seed derives.
        derived: String,
    },
    /// A registered name (or wallet) would be taken over by another registration.
    #[error("{0}")]
    RegistrationClash(String),
    /// One signer (master fingerprint) holds several keys of one threshold.
    #[error("{0}")]
    RepeatedSigner(String),
    /// No key of the wallet is this seed's.
    #[error("no key of wallet \"{name}\" belongs to this seed ({fingerprint})")]
    NotACosigner {
        /// Wallet name (escaped).
        name: String,
        /// This seed's fingerprint.
        fingerprint: String,
    },
    /// A set-up format (BSMS, Coldcard, BIP388, crypto-output) or a cosigner check failed.
    #[error(transparent)]
    Setup(#[from] formats::SetupError),
    /// The address is not derived by the seed within the searched range.
    #[error("not found: {address} is not derived by seed {fingerprint} within {gap} receive and {gap} change addresses of account {account} (searched {searched})")]
    NotMine {
        /// The address (escaped).
        address: String,
        /// The seed's master fingerprint.
        fingerprint: String,
        /// Addresses per branch searched.
        gap: u32,
        /// Account number.
        account: u32,
        /// What was searched, e.g. `wpkh m/84'/0'/0'/{0,1}/0..999`.
        searched: String,
    },
}

impl WalletError {
    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            WalletError::NotMine { .. } => Some("another account (--account N), a BIP39 passphrase (--bip39-passphrase) or a larger --gap may find it; otherwise the address is not yours: do not pay to it believing it is"),
            WalletError::FileExists(_) => Some("give --force to replace it, or another -o path"),
            WalletError::RegistrationForged(_) => Some("do not sign: compare the wallet id with the other signers, then register the wallet again from a file you trust (airsign wallet register)"),
            WalletError::XpubSwapped { .. } => Some("do not register this wallet: get the wallet file again and compare every cosigner's fingerprint and xpub with their own `airsign account export`"),
            WalletError::RepeatedSigner(_) => Some("do not use this wallet: ask each cosigner for their own key again and build it with one key per person (airsign wallet create --multisig refuses a seed given twice)"),
            WalletError::RegistrationClash(_) => Some("compare the wallet ids with the other signers; if the new wallet is meant, register it with --replace (or under another --name when creating it)"),
            WalletError::NotACosigner { .. } => Some("check that this is the right seed file and BIP39 passphrase for this wallet (compare fingerprints with `airsign seed info`)"),
            WalletError::Locked(_) => Some("wait for the other airsign to finish (a killed one releases the lock by itself)"),
            WalletError::WalletIdMismatch { .. } => Some("create the wallet file again from the descriptor (airsign wallet create), then compare its id with the other machines"),
            WalletError::WrongNetwork(_) => Some("give the network the keys are for with --network (xpub is mainnet; tpub is testnet, signet or regtest)"),
            WalletError::BadAddress { .. } => Some("check the address was copied whole and is for the seed's network"),
            WalletError::Setup(e) => e.hint(),
            _ => None,
        }
    }
}
