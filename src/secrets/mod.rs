//! Secrets: the age-encrypted seed store, passphrase and mnemonic prompts, the secret types and
//! process hardening. Nothing here prints; nothing here is `Debug`, `Clone` or `Serialize` when it
//! holds secret bytes.
pub mod backup;
pub mod entropy;
mod error;
pub mod harden;
mod mnemonic;
pub mod prompt;
pub mod seedfile;
pub mod unlock;

pub use error::SecretError;
pub use mnemonic::{Mnemonic, Seed};
