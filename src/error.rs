//! The top-level error and the public exit-code contract (DESIGN.md §5).
use std::io;
use std::path::PathBuf;

use crate::audit::reconcile::ReconcileError;
use crate::audit::AuditError;
use crate::bundle::BundleError;
use crate::ceremony::CeremonyError;
use crate::esplora::EsploraError;
use crate::fsutil::FsError;
use crate::policy::Refusal;
use crate::secrets::SecretError;
use crate::signer::SignError;
use crate::wallet::formats::{BsmsError, SetupError};
use crate::wallet::WalletError;

/// Success.
pub const EXIT_OK: u8 = 0;
/// Runtime error: I/O, malformed input.
pub const EXIT_RUNTIME: u8 = 1;
/// Usage error: bad arguments.
pub const EXIT_USAGE: u8 = 2;
/// Refused by policy or by a safety check.
pub const EXIT_REFUSED: u8 = 3;
/// Integrity failure: verify-after-sign, log chain, policy pin, checksum.
pub const EXIT_INTEGRITY: u8 = 4;
/// Secret unavailable: wrong passphrase, no TTY for a prompt.
pub const EXIT_SECRET: u8 = 5;
/// Interrupted.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Every error airsign reports, one variant per domain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The seed store, a prompt or process hardening failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A descriptor, key or address was wrong.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// A PSBT could not be parsed, built or finalized.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// Signing failed or a signature did not verify.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// QR transport failed.
    #[error(transparent)]
    Transport(crate::transport::TransportError),
    /// An Esplora server could not be used, or its answers do not hold up.
    #[error(transparent)]
    Esplora(#[from] EsploraError),
    /// The policy file is wrong.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The signer refused the transaction.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The audit log could not be read or written, or does not verify.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The log and the chain's view could not be compared, or disagree.
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    /// A file could not be read or written, or an output was refused (exists, FIFO, seed file).
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A message signature could not be made, read, or does not verify.
    #[error(transparent)]
    Message(#[from] crate::message::MessageError),
    /// A key check challenge or answer could not be made, read, or does not verify.
    #[error(transparent)]
    Keycheck(#[from] crate::ceremony::keycheck::KeycheckError),
    /// Reading or writing a file failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done ("read", "write", …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Writing to stdout failed.
    #[error("cannot write output")]
    Output(#[source] io::Error),
    /// A ceremony step, checklist, transcript or air-gap check.
    #[error(transparent)]
    Ceremony(#[from] crate::ceremony::CeremonyError),
    /// The arguments make no sense together.
    #[error("{0}")]
    Usage(String),
}

impl From<crate::transport::TransportError> for Error {
    fn from(e: crate::transport::TransportError) -> Self {
        use crate::transport::TransportError as T;
        match e {
            T::Fs(f) => Error::Fs(f),
            T::BadOption(m) => Error::Usage(m),
            e => Error::Transport(e),
        }
    }
}

impl Error {
    /// The process exit code for this error (DESIGN.md §5).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Secret(
                SecretError::WrongPassphrase
                | SecretError::NoMatchingIdentity
                | SecretError::NoTty(_)
                | SecretError::PassphraseMismatch
                | SecretError::EmptyPassphrase,
            ) => EXIT_SECRET,
            // `seed verify-backup`: the paper does not match the seed, a safety check's no.
            Error::Secret(SecretError::BackupMismatch { .. }) => EXIT_REFUSED,
            Error::Secret(SecretError::BadPositions(_)) => EXIT_USAGE,
            Error::Secret(_) => EXIT_RUNTIME,
            // `address verify`: the address is not the seed's. A safety check's "no", distinct from
            // "could not check" (1).
            Error::Wallet(
                WalletError::NotMine { .. }
                | WalletError::NotACosigner { .. }
                | WalletError::RegistrationClash(_)
                | WalletError::RepeatedSigner(_),
            ) => EXIT_REFUSED,
            // A registration edited after the people checked it, or a wallet file naming this
            // seed with another key: the xpub-swap attack.
            Error::Wallet(WalletError::RegistrationForged(_) | WalletError::XpubSwapped { .. }) => {
                EXIT_INTEGRITY
            }
            // What was typed on the command line is not a payment: a usage error.
            // An existing output file is a usage error everywhere (`--force` replaces it).
            Error::Wallet(
                WalletError::BadPayment(_) | WalletError::BadAmount(_) | WalletError::FileExists(_),
            ) => EXIT_USAGE,
            // Not enough signatures yet, or PSBTs of different transactions: a "no", with reasons.
            Error::Bundle(
                crate::bundle::BundleError::Threshold { .. }
                | crate::bundle::BundleError::DifferentTransactions { .. }
                | crate::bundle::BundleError::CombineConflict { .. },
            ) => EXIT_REFUSED,
            // Wallet set-up: M/N typed wrong, a test network not named, a script not built yet,
            // an encrypted record without its token.
            Error::Wallet(WalletError::Setup(
                SetupError::Threshold { .. }
                | SetupError::NetworkUnknown
                | SetupError::Unsupported(_)
                | SetupError::Bsms(BsmsError::NeedsToken),
            )) => EXIT_USAGE,
            // A cosigner set that is not N independent keys of the wallet's script and network:
            // a safety check's no.
            Error::Wallet(WalletError::Setup(
                SetupError::DuplicateCosigner { .. }
                | SetupError::ScriptMismatch { .. }
                | SetupError::NetworkMismatch { .. },
            )) => EXIT_REFUSED,
            // A BSMS signature, MAC, checksum or first address that does not match its data.
            Error::Wallet(WalletError::Setup(SetupError::Bsms(
                BsmsError::BadSignature { .. }
                | BsmsError::MacMismatch
                | BsmsError::AddressMismatch { .. }
                | BsmsError::Checksum(_),
            ))) => EXIT_INTEGRITY,
            // A broadcast of something that is not yet a transaction: the user skipped a step.
            Error::Bundle(crate::bundle::BundleError::NotFinalized { .. }) => EXIT_USAGE,
            Error::Wallet(_) | Error::Bundle(_) | Error::Transport(_) => EXIT_RUNTIME,
            // What was typed is not a usable server for this wallet.
            Error::Esplora(
                EsploraError::BadUrl { .. }
                | EsploraError::Insecure { .. }
                | EsploraError::WrongNetwork { .. },
            ) => EXIT_USAGE,
            // The server contradicts itself or the transactions it sent: a hostile server.
            Error::Esplora(
                EsploraError::TxidMismatch { .. }
                | EsploraError::NotPaying { .. }
                | EsploraError::DuplicateUtxo(_)
                | EsploraError::UnrelatedHistory { .. }
                | EsploraError::BroadcastTxid { .. },
            ) => EXIT_INTEGRITY,
            // Unreachable, HTTP errors, malformed or oversized answers, a refused broadcast.
            Error::Esplora(_) => EXIT_RUNTIME,
            Error::Sign(SignError::VerifyFailed { .. } | SignError::ReviewMismatch) => {
                EXIT_INTEGRITY
            }
            Error::Sign(SignError::NothingToSign { .. }) => EXIT_REFUSED,
            Error::Sign(_) => EXIT_RUNTIME,
            Error::Refused(_) => EXIT_REFUSED,
            Error::Policy(
                crate::policy::PolicyError::PinForged
                | crate::policy::PolicyError::PinMismatch { .. }
                | crate::policy::PolicyError::PinLogMismatch { .. },
            ) => EXIT_INTEGRITY,
            Error::Policy(_) => EXIT_RUNTIME,
            // A log that does not verify (edited, reordered, torn) is an integrity failure.
            Error::Audit(e) if e.is_integrity() => EXIT_INTEGRITY,
            Error::Audit(_) => EXIT_RUNTIME,
            // A wallet spend the log never signed: the key-compromise alarm is a safety check's no.
            Error::Reconcile(ReconcileError::UnloggedSpends { .. }) => EXIT_REFUSED,
            Error::Reconcile(ReconcileError::NeedsWallet) => EXIT_USAGE,
            Error::Reconcile(_) => EXIT_RUNTIME,
            Error::Fs(FsError::Exists { .. } | FsError::BinaryToTerminal) => EXIT_USAGE,
            Error::Fs(FsError::NotRegular { .. } | FsError::Protected { .. }) => EXIT_REFUSED,
            Error::Fs(_) | Error::Io { .. } | Error::Output(_) => EXIT_RUNTIME,
            // A failed check or step is a "no" (3); a transcript that does not verify or was
            // cut is an integrity failure (4); an unreadable checklist or transcript is 1.
            Error::Ceremony(
                CeremonyError::NotAirgapped(_)
                | CeremonyError::Stopped { .. }
                | CeremonyError::TranscriptStopped(_)
                | CeremonyError::Rehearsal(_),
            ) => EXIT_REFUSED,
            Error::Ceremony(CeremonyError::Transcript(e)) if e.is_integrity() => EXIT_INTEGRITY,
            Error::Ceremony(CeremonyError::Incomplete) => EXIT_INTEGRITY,
            Error::Ceremony(_) => EXIT_RUNTIME,
            Error::Usage(_) => EXIT_USAGE,
            // A signature that is well-formed but does not prove the message for the address:
            // a "no" (3); an unreadable signature, address or block is malformed input (1).
            Error::Message(
                crate::message::MessageError::Invalid(_)
                | crate::message::MessageError::KeyMismatch
                | crate::message::MessageError::Reserved,
            ) => EXIT_REFUSED,
            Error::Message(_) => EXIT_RUNTIME,
            Error::Keycheck(e) if e.is_refusal() => EXIT_REFUSED,
            Error::Keycheck(_) => EXIT_RUNTIME,
        }
    }

    /// What the user can do next, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Secret(e) => e.hint().map(str::to_owned),
            Error::Bundle(e) => e.hint().map(str::to_owned),
            Error::Esplora(e) => e.hint().map(str::to_owned),
            Error::Wallet(WalletError::WrongNetwork(n)) => {
                Some(if *n == bitcoin::Network::Bitcoin {
                    "the keys are for a test network (tpub/vpub/upub): add --network testnet, signet or regtest".into()
                } else {
                    "the keys are mainnet keys (xpub/zpub/ypub): use --network bitcoin, or give the test network's tpub".into()
                })
            }
            Error::Wallet(e) => e.hint().map(str::to_owned),
            Error::Refused(r) => Some(r.hint()),
            Error::Sign(e) => e.hint().map(str::to_owned),
            Error::Audit(e) => e.hint().map(str::to_owned),
            Error::Policy(crate::policy::PolicyError::PinLogMismatch { .. }) => Some(
                "use the seed's own audit log (by default SEED.audit.jsonl), restored from a backup if it was lost; to start a new log on purpose, delete SEED.policy-pin and pin again (a deliberate step, visible off the machine as a new tail hash)".into(),
            ),
            Error::Policy(
                crate::policy::PolicyError::PinForged | crate::policy::PolicyError::PinMismatch { .. },
            ) => Some(
                "do not sign: the policy beside the seed is not the one pinned; compare the policy hash with the record kept off the machine".into(),
            ),
            Error::Reconcile(e) => e.hint().map(str::to_owned),
            Error::Io { source, .. } | Error::Fs(FsError::Io { source, .. })
                if source.kind() == io::ErrorKind::NotFound =>
            {
                Some("check the path; airsign does not create missing folders".into())
            }
            Error::Fs(FsError::Exists { .. }) => {
                Some("choose another file name, or add --force to replace it".into())
            }
            Error::Fs(FsError::BinaryToTerminal) => {
                Some("give -o FILE (or pipe the output into a file or another program)".into())
            }
            Error::Fs(FsError::NotRegular { .. }) => {
                Some("write to a regular file (or `-` for stdout)".into())
            }
            Error::Fs(FsError::Protected { .. }) => {
                Some("write the output to a different file; --force never replaces the seed".into())
            }
            Error::Ceremony(e) => e.hint(),
            Error::Usage(_) => Some("see `airsign help` for the options".into()),
            _ => None,
        }
    }

    /// A closed stdout (e.g. `airsign … | head`) is not worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) | Error::Fs(FsError::Stdout(e))
            if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Helper for file errors.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `log reconcile`: the alarm is a safety check's no (3), a missing wallet file a usage
    /// error (2), an unreadable transactions file a runtime error (1).
    #[test]
    fn reconcile_outcomes_have_their_exit_codes() {
        let code = |e: ReconcileError| Error::from(e).exit_code();
        assert_eq!(
            code(ReconcileError::UnloggedSpends { count: 1 }),
            EXIT_REFUSED
        );
        assert_eq!(code(ReconcileError::NeedsWallet), EXIT_USAGE);
        assert_eq!(code(ReconcileError::Format(String::new())), EXIT_RUNTIME);
    }

    /// Wallet set-up errors (docs/formats.md): typed numbers and missing facts are usage errors,
    /// a cosigner set that is not N independent keys is refused, a BSMS record whose signature,
    /// MAC or first address does not match is an integrity failure.
    #[test]
    fn setup_errors_have_their_exit_codes() {
        let code = |e: SetupError| Error::from(WalletError::from(e)).exit_code();
        assert_eq!(
            code(SetupError::Threshold {
                m: 3,
                n: 2,
                max: 15
            }),
            EXIT_USAGE
        );
        assert_eq!(code(SetupError::NetworkUnknown), EXIT_USAGE);
        assert_eq!(code(SetupError::Bsms(BsmsError::NeedsToken)), EXIT_USAGE);
        assert_eq!(
            code(SetupError::DuplicateCosigner {
                first: 1,
                second: 2,
                what: "key",
                fingerprint: String::new()
            }),
            EXIT_REFUSED
        );
        assert_eq!(
            code(SetupError::Bsms(BsmsError::MacMismatch)),
            EXIT_INTEGRITY
        );
        assert_eq!(code(SetupError::Coldcard(String::new())), EXIT_RUNTIME);
    }

    /// `message verify`: a signature that does not prove the message is a "no" (3); one that
    /// cannot be read is malformed input (1). `keycheck verify`: a refused answer or a challenge
    /// for another wallet is a "no" (3).
    #[test]
    fn message_and_keycheck_outcomes_have_their_exit_codes() {
        use crate::ceremony::keycheck::KeycheckError;
        use crate::message::MessageError;
        let code = |e: MessageError| Error::from(e).exit_code();
        assert_eq!(code(MessageError::Invalid("x")), EXIT_REFUSED);
        assert_eq!(code(MessageError::KeyMismatch), EXIT_REFUSED);
        assert_eq!(code(MessageError::Base64(String::new())), EXIT_RUNTIME);
        assert_eq!(code(MessageError::Address(String::new())), EXIT_RUNTIME);
        assert_eq!(code(MessageError::Armor("x")), EXIT_RUNTIME);
        let code = |e: KeycheckError| Error::from(e).exit_code();
        assert_eq!(code(KeycheckError::Refused(vec![])), EXIT_REFUSED);
        assert_eq!(
            code(KeycheckError::WrongWallet(String::new())),
            EXIT_REFUSED
        );
        assert_eq!(
            code(KeycheckError::Format {
                what: String::new(),
                kind: "answer",
                reason: String::new()
            }),
            EXIT_RUNTIME
        );
    }

    /// The session's outcomes map to the public exit codes here, and only here.
    #[test]
    fn session_outcomes_have_their_exit_codes() {
        assert_eq!(
            Error::from(crate::session::declined()).exit_code(),
            EXIT_REFUSED
        );
        assert_eq!(
            Error::from(SignError::ReviewMismatch).exit_code(),
            EXIT_INTEGRITY
        );
        assert_eq!(
            Error::from(SignError::VerifyFailed {
                input: 0,
                reason: String::new()
            })
            .exit_code(),
            EXIT_INTEGRITY
        );
    }

    /// A server that contradicts itself is an integrity failure (4); a URL or network that cannot
    /// be used is a usage error (2); a server that fails is a runtime error (1).
    #[test]
    fn esplora_outcomes_have_their_exit_codes() {
        let code = |e: EsploraError| Error::from(e).exit_code();
        let txid = bitcoin::Txid::from_raw_hash(bitcoin::hashes::Hash::all_zeros());
        assert_eq!(
            code(EsploraError::TxidMismatch {
                asked: txid,
                got: txid
            }),
            EXIT_INTEGRITY
        );
        assert_eq!(
            code(EsploraError::BroadcastTxid {
                sent: txid,
                answered: String::new()
            }),
            EXIT_INTEGRITY
        );
        assert_eq!(
            code(EsploraError::Insecure {
                host: "example.com".into()
            }),
            EXIT_USAGE
        );
        assert_eq!(
            code(EsploraError::Status {
                url: String::new(),
                status: 500,
                message: String::new()
            }),
            EXIT_RUNTIME
        );
        assert_eq!(
            Error::from(BundleError::NotFinalized {
                what: "PSBT",
                inputs: "0".into()
            })
            .exit_code(),
            EXIT_USAGE
        );
    }
}
