//! Command-line types (clap derive) and nothing else, so man pages and completions can be
//! generated from them. Handlers live in `commands/`.
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};

pub mod account;
pub mod address;
pub mod approve;
pub mod bundle;
pub mod ceremony;
pub mod keycheck;
pub mod log;
pub mod message;
pub mod policy;
pub mod qr;
pub mod seed;
pub mod sign;
pub mod wallet;

pub use account::AccountCmd;
pub use address::AddressCmd;
pub use bundle::BundleCmd;
pub use log::LogCmd;
pub use qr::QrCmd;
pub use seed::{SeedCmd, SeedUnlock};
pub use sign::{DemoArgs, SignArgs};
pub use wallet::WalletCmd;

const ABOUT: &str = "Air-gapped Bitcoin signing over animated QR codes";

const LONG_ABOUT: &str = "\
airsign runs on both sides of an air gap.

ONLINE (watch-only, no keys):
  airsign wallet create   watch-only wallet file from a descriptor, an account export, or
                          M-of-N cosigners' keys (--multisig): prints the descriptor, BIP388
                          policy, BSMS record, Coldcard file and ur:crypto-output
  airsign wallet import   a wallet set up elsewhere (BSMS, Coldcard, descriptor, UR, Caravan)
  airsign wallet receive  hand out the next unused receive address (recorded)
  airsign wallet sync     fetch coins and history from an Esplora server (--esplora URL),
                          write utxos.json + prev-txs.hex, move the next indexes forward
  airsign bundle create   build an unsigned PSBT from a wallet file and its UTXOs
  airsign bundle import   take a PSBT from Sparrow, Bitcoin Core or Electrum: check it,
                          write it as PSBT v0 (-o) or show it as QR (--qr) for the signer
  airsign bundle inspect  review any PSBT
  airsign bundle finalize finalize the signed PSBT and extract the raw transaction
  airsign bundle broadcast
                          send the final transaction through an Esplora server (--esplora URL)
  airsign message verify  check a signed message (legacy BIP137, BIP322 simple/full, or a
                          Coldcard armored block with --armored)
  airsign keycheck challenge|verify
                          key health check: a fresh challenge for each key holder; then
                          which cosigners proved they still hold their key, and when each
                          last did (warns past 90 days)

OFFLINE (air-gapped laptop, holds the encrypted seed):
  airsign seed new|import create the age-encrypted seed file
  airsign account export  descriptors / xpub to set up the watch-only side; --script
                          wsh-multi for a multisig cosigner key (--bsms: a signed BSMS record)
  airsign wallet register check and register a multisig wallet on this signer
  airsign sign            review, check against the strict policy, sign, verify, write
  airsign address verify  is this address mine, and at which path?
  airsign message sign    sign a message (BIP322 simple/full, legacy BIP137, --armor for
                          Coldcard's block; --scan reads a SeedSigner/Jade signmessage QR)
  airsign keycheck answer prove this seed still holds its keys of a wallet (BIP322)
  airsign log verify      check the audit log's hash chain (log show, log tail)

CEREMONIES (either side):
  airsign airgap check    is this machine air-gapped? (interfaces, routes, radios, swap)
  airsign ceremony run    run a checklist step by step into a hash-chained transcript
  airsign ceremony verify the auditor's check of a transcript
  airsign digest          a short digest of any file, for two machines to compare

Try `airsign demo` for a full round trip on a regtest test wallet.

Secrets never go on the command line or in the environment: passphrases and
mnemonics are typed without echo, or passed on a file descriptor for scripts
(--passphrase-fd 3 3<passfile).

Exit codes: 0 ok, 1 runtime error, 2 usage, 3 refused (and `address verify`:
not found), 4 integrity failure, 5 secret unavailable (wrong passphrase, no
terminal), 130 interrupted.";

const EXAMPLES: &str = "\
Examples:
  airsign demo                                                   # the whole round trip
  airsign seed new --out seed.age                                # offline
  airsign account export --seed seed.age --script wpkh --json > account.json
  airsign wallet create --from account.json -o savings.json      # online
  airsign sign --seed seed.age --scan gif:unsigned.gif --qr terminal";

/// airsign: air-gapped Bitcoin signing.
#[derive(Debug, Parser)]
#[command(name = "airsign", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// Print less on stderr (warnings and progress).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, import and inspect the encrypted seed file (offline side).
    #[command(subcommand)]
    Seed(SeedCmd),
    /// Export account descriptors and xpubs for the watch-only side.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Watch-only wallet files: create, list addresses, hand out receive addresses (online side).
    #[command(subcommand)]
    Wallet(WalletCmd),
    /// A second person's approval of one unsigned transaction (offline, their own seed): review
    /// it, then sign a statement naming it with BIP322; the signer's policy can require M of N.
    Approve(approve::ApproveArgs),
    /// Sign a message with a key of the seed, or verify a signed message (BIP322, legacy).
    #[command(subcommand)]
    Message(message::MessageCmd),
    /// Key health checks: prove each key holder of a wallet still holds the key.
    #[command(subcommand)]
    Keycheck(keycheck::KeycheckCmd),
    /// The written spend policy: show the built-in one, hash a file, dry-run a PSBT against it.
    #[command(subcommand)]
    Policy(policy::PolicyCmd),
    /// Check that an address belongs to the seed, and at which path (offline side).
    #[command(subcommand)]
    Address(AddressCmd),
    /// Build, inspect and finalize PSBT bundles (online side).
    #[command(subcommand)]
    Bundle(BundleCmd),
    /// Review, check and sign a PSBT with the seed (offline side).
    Sign(SignArgs),
    /// Show any file as (animated) QR codes, or scan QR frames back into the file.
    #[command(subcommand)]
    Qr(QrCmd),
    /// Check and read the hash-chained audit log of signing decisions.
    #[command(subcommand)]
    Log(LogCmd),
    /// Scripted key ceremonies: run a checklist into a verifiable transcript, verify one.
    #[command(subcommand)]
    Ceremony(ceremony::CeremonyCmd),
    /// Check that this machine is air-gapped (network, routes, radios, swap, core dumps, binary).
    #[command(subcommand)]
    Airgap(ceremony::AirgapCmd),
    /// A short digest (bytewords + hex) of any file, for two machines to compare.
    Digest(ceremony::DigestArgs),
    /// Run the whole online → offline → online round trip on a regtest test wallet.
    Demo(DemoArgs),
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  airsign completions bash > ~/.local/share/bash-completion/completions/airsign\n  airsign completions zsh > ~/.zfunc/_airsign"
    )]
    Completions {
        /// Shell to generate for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, or write one page per subcommand with --dir.
    #[command(
        after_help = "Examples:\n  airsign man | man -l -\n  airsign man --dir ~/.local/share/man/man1"
    )]
    Man {
        /// Write airsign.1, airsign-bundle-create.1, … (every subcommand) into this folder
        /// (created if missing), e.g. for /usr/local/share/man/man1.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

/// `--network` values, parsed straight into the library's `bitcoin::Network`.
pub fn network_parser() -> impl TypedValueParser<Value = bitcoin::Network> {
    PossibleValuesParser::new(["bitcoin", "testnet", "testnet4", "signet", "regtest"])
        .try_map(|s| s.parse::<bitcoin::Network>())
}

/// PSBT version on output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PsbtVersionArg {
    /// Same as the input.
    Same,
    /// BIP174 version 0.
    V0,
    /// BIP370 version 2.
    V2,
}
