//! The review: what a PSBT spends, where the money goes, the fee — computed once from the PSBT and
//! our keys, and used both for what is shown and for what is signed.
//!
//! Every PSBT field is untrusted. The review sorts what it finds into two kinds:
//! **integrity failures** ([`Review::integrity`]: the PSBT contradicts itself or cannot be
//! checked; always refused, no policy can relax them) and **facts** ([`Review::facts`]: true
//! things about the transaction with stable codes, which the policy turns into refusals, warnings
//! or nothing). The codes are listed in `docs/review-codes.md`.
mod inputs;
mod network;
mod outputs;
pub mod payment;
mod prederive;
mod reviewed;
mod timelocks;
mod totals;
mod unread;
mod wallets;
mod watch_only;

use bitcoin::bip32::DerivationPath;
use bitcoin::secp256k1::PublicKey;
use bitcoin::{Network, Psbt, ScriptBuf, TxOut, Txid};
use serde::Serialize;

use super::{BundleId, KeySource};

pub use network::{infer_network, network_for, InferredNetwork};
pub use reviewed::Reviewed;
pub use totals::MAX_MONEY;
pub use wallets::WalletInput;
pub use watch_only::review_watch_only as watch_only;

/// Every fact code the review can report (the policy may accept these; never integrity codes).
pub const FACT_CODES: &[&str] = &[
    "sighash-not-all",
    "no-non-witness-utxo",
    "foreign-inputs",
    "fee-unknown",
    "own-key-off-branch",
    "op-return-value",
    "tx-nonstandard-weight",
    "op-return",
    "change-index-high",
    "receive-index-high",
    "relative-timelock",
    "nonstandard-version",
    "fee-rate-below-relay",
    "locktime-far",
    "unproven-amounts",
    "key-not-committed",
    "output-claim-false",
    "own-key-other-account",
    "dust-output",
    "same-script-twice",
    "path-too-deep",
    "unread-fields",
    "recovery-path",
    "timelock-not-open",
    "wallet-receive-output",
];

/// Key-origin records claiming our fingerprint on one input or output: more than this and none
/// of them is derived (`too-many-claims`). A real input claims one record per key of ours in its
/// script (a 15-key multisig, a few taproot leaves); 500 per input on 40 inputs cost 8 s of
/// derivations and 20,000 review lines (adversarial review, issue 12).
pub const MAX_OUR_CLAIMS: usize = 64;

/// Derivation paths deeper than this are not derived (BIP44-style paths have 5 steps, BIP48 6):
/// a hostile PSBT could otherwise make us derive thousands of 255-step paths.
pub const MAX_PATH_DEPTH: usize = 8;

/// What the review needs from the policy: the change index it believes without wallet state.
#[derive(Debug, Clone, Copy)]
pub struct ReviewOptions {
    /// Change (and own receive) indexes above this are not believed to be ours for spending
    /// purposes: no wallet scans that far, so funds there are as good as lost.
    pub max_change_index: u32,
    /// Above this a believed change index is reported (`change-index-high`).
    pub warn_change_index: u32,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        ReviewOptions {
            max_change_index: 1_000,
            warn_change_index: 100,
        }
    }
}

/// How one of our keys spends an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpendKind {
    /// P2PKH.
    Pkh,
    /// P2WPKH.
    Wpkh,
    /// P2SH-P2WPKH.
    ShWpkh,
    /// Legacy P2SH with this redeem script containing our key.
    Sh(ScriptBuf),
    /// P2WSH with this witness script containing our key.
    Wsh(ScriptBuf),
    /// P2SH-P2WSH with this witness script containing our key.
    ShWsh(ScriptBuf),
    /// Taproot key path, with the script tree root if any (BIP86 has none).
    TrKey(Option<bitcoin::TapNodeHash>),
    /// Taproot script path: this leaf script (committed to by the output key, checked) holds
    /// our x-only key (`multi_a`, `pk`).
    TrScript {
        /// The leaf's hash (what the signature commits to).
        leaf: bitcoin::TapLeafHash,
        /// The leaf script.
        script: ScriptBuf,
    },
}

/// One key of ours that signs one input.
#[derive(Debug, Clone)]
pub struct Spend {
    /// How.
    pub kind: SpendKind,
    /// Our public key (the internal key for taproot).
    pub pubkey: PublicKey,
    /// Full path from our master.
    pub path: DerivationPath,
    /// The registered wallet the input re-derives from (multisig and script inputs).
    pub wallet: Option<String>,
}

/// Who an input belongs to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "owner", rename_all = "snake_case")]
pub enum InputOwner {
    /// Ours: our key re-derives the script.
    Ours {
        /// Derivation path of our key.
        path: String,
    },
    /// Not ours (or not provably ours).
    Foreign,
}

/// One input as shown.
#[derive(Debug, Clone, Serialize)]
pub struct InputReview {
    /// Index in the transaction.
    pub index: usize,
    /// `txid:vout`.
    pub outpoint: String,
    /// Amount in sats, if known.
    pub amount: Option<u64>,
    /// Whether the amount is proved by the full previous transaction.
    pub amount_proven: bool,
    /// Address being spent, if standard.
    pub address: Option<String>,
    /// Owner.
    #[serde(flatten)]
    pub owner: InputOwner,
    /// Requested sighash, or "default".
    pub sighash: String,
    /// Signatures already present.
    pub signatures: usize,
    /// Whether the input is already finalized.
    pub finalized: bool,
    /// The registered wallet the input spends from, its threshold and who has signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet: Option<WalletInput>,
    /// What our keys will sign (not serialised; the review's `owner` says it).
    #[serde(skip)]
    pub spends: Vec<Spend>,
    /// The previous output, when known.
    #[serde(skip)]
    pub prevout: Option<TxOut>,
    /// The satisfied input's shape from a registered wallet's descriptor (script inputs whose
    /// size the scripts in the PSBT alone do not tell: timelocked branches, taproot leaves).
    #[serde(skip)]
    pub shape: Option<crate::bundle::weight::InputShape>,
}

/// What an output is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputKind {
    /// Money leaving the wallet.
    External,
    /// Change back to us: the script re-derives from our key on the change branch of an account
    /// an input spends from, within the change index bound.
    Change {
        /// Derivation path.
        path: String,
    },
    /// To one of our own receive addresses (re-derived): a self-transfer.
    OwnReceive {
        /// Derivation path.
        path: String,
    },
    /// To our own key on a path no wallet scans (off the change/receive branch, beyond the index
    /// bound, or another account's change): counted as money leaving, and a fact of its own.
    OwnKeyOffBranch {
        /// Derivation path.
        path: String,
    },
    /// A data carrier output.
    OpReturn,
}

/// One output as shown.
#[derive(Debug, Clone, Serialize)]
pub struct OutputReview {
    /// Index.
    pub index: usize,
    /// Address, or the script in hex when it has none (escaped for terminals).
    pub address: String,
    /// Amount in sats.
    pub amount: u64,
    /// Change, external, …
    #[serde(flatten)]
    pub kind: OutputKind,
    /// Why it is classified this way, when it is not obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The output script (for policy checks such as destination allowlists).
    #[serde(skip)]
    pub script_pubkey: ScriptBuf,
}

/// An integrity failure or a fact: a stable machine-readable code and plain words.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Stable machine-readable code (`docs/review-codes.md`).
    pub code: &'static str,
    /// Plain-words explanation (untrusted parts already escaped).
    pub message: String,
}

impl Problem {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Problem {
            code,
            message: message.into(),
        }
    }
}

/// The whole review.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Network of the reviewing keys.
    pub network: Network,
    /// Fingerprint of the reviewing keys.
    pub fingerprint: String,
    /// Bundle id.
    pub bundle_id: BundleId,
    /// Unsigned txid.
    pub txid: Txid,
    /// Transaction version.
    pub version: i32,
    /// nLockTime.
    pub locktime: u32,
    /// Whether the network enforces nLockTime: some input's nSequence is not final (0xffffffff).
    pub locktime_enabled: bool,
    /// Hex SHA-256 of the spent outpoints and the outputs, without locktime, sequences or order
    /// ([`payment::payment_key`]): the same for every rebuild of the same payment.
    pub payment_key: String,
    /// Whether any input signals replace-by-fee.
    pub rbf: bool,
    /// Inputs.
    pub inputs: Vec<InputReview>,
    /// Outputs.
    pub outputs: Vec<OutputReview>,
    /// Sum of inputs, when every amount is known and in range.
    pub total_in: Option<u64>,
    /// Sum of outputs, when every amount is in range.
    pub total_out: Option<u64>,
    /// Value leaving the wallet's control: external payments, our keys on unscanned paths, and
    /// value burnt in data outputs.
    pub leaving: u64,
    /// Value paid to our own receive addresses (self-transfers).
    pub to_own_addresses: u64,
    /// Sum of change outputs.
    pub change: u64,
    /// The amount sent: `leaving` + `to_own_addresses`; the base of the fee percentage.
    pub sent: u64,
    /// Fee in sats, when it can be known (every amount known, and none a foreign claim that our
    /// signatures would not commit to).
    pub fee: Option<u64>,
    /// Whether every input amount behind the fee is proved by a full previous transaction (or
    /// committed to by a taproot signature).
    pub fee_proven: bool,
    /// Estimated weight of the signed transaction.
    pub weight: Option<u64>,
    /// Estimated virtual size.
    pub vsize: Option<u64>,
    /// Fee rate in sat/vB on the estimated size.
    pub fee_rate: Option<f64>,
    /// Integrity failures: always refused.
    pub integrity: Vec<Problem>,
    /// Facts for the policy.
    pub facts: Vec<Problem>,
}

impl Review {
    /// Inputs our keys will sign.
    pub fn ours(&self) -> impl Iterator<Item = &InputReview> {
        self.inputs.iter().filter(|i| !i.spends.is_empty())
    }

    /// Number of inputs not ours.
    pub fn foreign_count(&self) -> usize {
        self.inputs.iter().filter(|i| i.spends.is_empty()).count()
    }

    /// Whether a fact with this code was found.
    pub fn has_fact(&self, code: &str) -> bool {
        self.facts.iter().any(|f| f.code == code)
    }
}

/// Collects problems without duplicates, in O(log n) per insert (a hostile PSBT can make many).
#[derive(Default)]
pub(crate) struct Findings {
    integrity: std::collections::BTreeSet<Problem>,
    facts: std::collections::BTreeSet<Problem>,
    integrity_order: Vec<Problem>,
    facts_order: Vec<Problem>,
}

impl Findings {
    pub(crate) fn integrity(&mut self, code: &'static str, message: impl Into<String>) {
        let p = Problem::new(code, message);
        if self.integrity.insert(p.clone()) {
            self.integrity_order.push(p);
        }
    }

    pub(crate) fn fact(&mut self, code: &'static str, message: impl Into<String>) {
        let p = Problem::new(code, message);
        if self.facts.insert(p.clone()) {
            self.facts_order.push(p);
        }
    }
}

/// Build the review of `psbt` as seen by the keys in `keys`. Prefer [`Reviewed::new`], which
/// keeps the PSBT with its review for signing.
pub fn review(psbt: &Psbt, keys: &dyn KeySource, opts: &ReviewOptions) -> Review {
    review_on(psbt, keys, opts, None)
}

/// [`review`] deriving our keys on at most `threads` threads (every core when `None`; small
/// PSBTs use one). The review itself is one pass in input order: the same on any thread count.
pub(crate) fn review_on(
    psbt: &Psbt,
    keys: &dyn KeySource,
    opts: &ReviewOptions,
    threads: Option<usize>,
) -> Review {
    let derived = prederive::Prederived::new(psbt, keys, threads);
    let keys: &dyn KeySource = &derived;
    let network = keys.network();
    let tx = &psbt.unsigned_tx;
    let txid = tx.compute_txid();
    let mut found = Findings::default();

    let inputs = inputs::review_inputs(psbt, keys, &mut found);
    let outputs = outputs::review_outputs(psbt, keys, &inputs, opts, &mut found);
    let mut r = Review {
        network,
        fingerprint: keys.fingerprint().to_string(),
        bundle_id: BundleId::of(&txid),
        txid,
        version: tx.version.0,
        locktime: tx.lock_time.to_consensus_u32(),
        locktime_enabled: tx.is_lock_time_enabled(),
        payment_key: payment::of_transaction(tx).to_string(),
        rbf: tx.is_explicitly_rbf(),
        inputs,
        outputs,
        total_in: None,
        total_out: None,
        leaving: 0,
        to_own_addresses: 0,
        change: 0,
        sent: 0,
        fee: None,
        fee_proven: false,
        weight: None,
        vsize: None,
        fee_rate: None,
        integrity: Vec::new(),
        facts: Vec::new(),
    };
    totals::fill(&mut r, psbt, &mut found);
    timelocks::timelock_facts(tx, &mut found);
    unread::review_unread(psbt, &mut found);
    r.integrity = found.integrity_order;
    r.facts = found.facts_order;
    r
}
