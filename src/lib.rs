//! # airsign — air-gapped Bitcoin signing over animated QR codes
//!
//! One library, one binary, both sides of the air gap:
//!
//! ```text
//! ONLINE (watch-only)                          OFFLINE (air-gapped)
//! wallet descriptor + UTXOs
//!   └─ bundle::create ── unsigned PSBT ──────►  bundle::review (what is spent, where it goes)
//!                                                 └─ policy::evaluate (refuse → exit 3)
//!                                                 └─ signer::sign (keys from secrets::seedfile)
//!                                                 └─ signer::verify (independent k256 check)
//!   bundle::finalize ◄─────── signed PSBT ───────┘
//!   └─ raw transaction (broadcast is the user's choice)
//! ```
//!
//! Parts, one folder each (see `DESIGN.md` §2): [`cli`] holds the clap types only, [`commands`] one
//! handler per subcommand, [`wallet`] descriptors and derivation (no private keys), [`bundle`] PSBT
//! parsing, building, review and finalizing, [`policy`] the decision whether to sign, [`signer`] the
//! only place private keys exist, [`secrets`] the encrypted seed store and prompts.
//!
//! Every fallible call returns [`Error`], whose [`Error::exit_code`] is the public exit-code contract.
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod audit;
pub mod bundle;
/// Ceremonies: air-gap checks, checklists, transcripts and key health checks (DESIGN.md §2).
pub mod ceremony;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod error;
pub mod esplora;
pub mod fsutil;
pub mod hex;
pub mod message;
pub mod parallel;
pub mod policy;
#[cfg(feature = "memory-probe")]
pub mod probe;
pub mod sanitize;
pub mod screen;
pub mod secrets;
pub mod session;
pub mod signer;
pub mod time;
pub mod transport;
pub mod wallet;

pub use error::Error;
