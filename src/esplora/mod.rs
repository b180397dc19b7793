//! The online side's server: any Esplora HTTP API (mempool.space, blockstream.info, a self-hosted
//! electrs), instead of snapshot files, for a watch-only wallet (`docs/online.md`).
//!
//! - [`client`]: the HTTP client — HTTPS only (plain HTTP only to this machine), timeouts, a size
//!   cap on every response, the `/api` prefix found by asking, and the server's chain checked by
//!   its genesis block.
//! - [`scan`]: the gap-limit scan of both branches of a wallet over any [`scan::Source`], with every
//!   answer that matters checked: each previous transaction must hash to its txid and pay the
//!   listed amount to the address it was listed under.
//! - [`sync`]: `wallet sync` — the scan written as the files `bundle create` already reads
//!   (`utxos.json`, `prev-txs.hex`) plus `history.json` for `log reconcile`, and the wallet file's
//!   next indexes moved forward under its lock.
//! - [`broadcast`]: `bundle broadcast` — POST the raw transaction, check the txid answered.
//!
//! The server is trusted for availability only: it can hide coins or history, but what it does
//! send about the coins the signer will prove (previous transactions) is checked here, and a
//! server caught contradicting itself is an integrity failure.
//! Nothing here touches keys, and nothing imports `bundle` (no PSBT code outside `bundle/`).
pub mod client;
pub mod scan;
pub mod sync;

use bitcoin::{Network, OutPoint, Transaction, Txid};

pub use client::Server;

/// Everything that can go wrong talking to an Esplora server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EsploraError {
    /// The `--esplora` value is not an http(s) URL airsign can use.
    #[error("--esplora {url}: {reason}")]
    BadUrl {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Plain `http://` to a host other than this machine.
    #[error("refusing plain http:// to {host}: the server's answers decide which coins and history you see, and anyone on the path could change them")]
    Insecure {
        /// The host named.
        host: String,
    },
    /// The request got no HTTP answer (DNS, connection, TLS, timeout).
    #[error("cannot reach {url}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The server answered with an HTTP error status.
    #[error("{url} answered HTTP {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the server's message, if it sent one.
        message: String,
    },
    /// The answer is larger than airsign accepts for it.
    #[error("{url} sent more than {limit} bytes; refusing to read further")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The answer is not in the Esplora API's documented shape.
    #[error("{url} did not answer in the Esplora API shape: {what}")]
    Malformed {
        /// The URL requested.
        url: String,
        /// What was wrong.
        what: String,
    },
    /// Neither the URL nor the URL with `/api` answers `/block-height/0` with a block hash.
    #[error("no Esplora API at {url} (asked {tried} for the genesis block hash; the last answer: {last})")]
    NotEsplora {
        /// What was given.
        url: String,
        /// The URLs tried, comma separated.
        tried: String,
        /// What the last one answered, in words.
        last: String,
    },
    /// The server follows another chain than the wallet's network.
    #[error("the server is on {server}, but the wallet is on {wallet}")]
    WrongNetwork {
        /// The wallet's network.
        wallet: Network,
        /// The server's chain, in words.
        server: String,
    },
    /// A previous transaction the server sent is not the transaction its txid names.
    #[error("the server sent a different transaction for {asked}: its bytes hash to {got}")]
    TxidMismatch {
        /// The txid asked for.
        asked: Txid,
        /// What the bytes hash to.
        got: Txid,
    },
    /// A UTXO listed for an address is not an output paying that address.
    #[error("the server lists {outpoint} as an unspent output of {address} (a wallet address), but {reason}")]
    NotPaying {
        /// The output listed.
        outpoint: OutPoint,
        /// The wallet address it was listed under.
        address: String,
        /// What the previous transaction shows instead.
        reason: String,
    },
    /// The same output is listed twice.
    #[error("the server lists {0} twice as an unspent output")]
    DuplicateUtxo(OutPoint),
    /// An address's history holds a transaction that neither pays nor spends it.
    #[error("the server lists transaction {txid} in the history of {address}, but it neither pays nor spends that address")]
    UnrelatedHistory {
        /// The transaction listed.
        txid: Txid,
        /// The wallet address.
        address: String,
    },
    /// More addresses in a row report history than airsign scans.
    #[error("the server reports history on {branch} addresses past index {limit}; airsign scans at most {limit} per branch")]
    TooManyAddresses {
        /// "receive" or "change".
        branch: &'static str,
        /// The most indexes scanned per branch.
        limit: u32,
    },
    /// The node behind the server refused the transaction.
    #[error("the server refused the transaction (HTTP {status}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The node's reason, as the server sent it (shortened).
        message: String,
    },
    /// The server accepted a broadcast but answered another txid.
    #[error("the server answered txid {answered} for transaction {sent}: it may not have broadcast this transaction")]
    BroadcastTxid {
        /// The transaction's own txid.
        sent: Txid,
        /// What the server answered (shortened).
        answered: String,
    },
}

impl EsploraError {
    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            EsploraError::BadUrl { .. } => Some("give the API's base URL, e.g. --esplora https://mempool.space/api or --esplora https://blockstream.info/api (a self-hosted electrs: its HTTP address, e.g. http://127.0.0.1:3002)"),
            EsploraError::Insecure { .. } => Some("use https://, or run the server on this machine (plain http is accepted only for 127.0.0.1, ::1 and localhost), or reach a remote one through an SSH tunnel to localhost"),
            EsploraError::Unreachable { .. } => Some("check the URL and the network connection (HTTPS_PROXY/ALL_PROXY are used for remote servers); snapshot files (bundle create --utxos, --prev-txs) work without any server"),
            EsploraError::Status { status: 429, .. } => Some("the server limits how fast it may be asked: wait a minute and run again, or use your own electrs"),
            EsploraError::Status { .. } | EsploraError::TooLarge { .. } | EsploraError::Malformed { .. } => Some("try again later or another Esplora server; nothing was written"),
            EsploraError::NotEsplora { .. } => Some("give the API's base URL (mempool.space's is https://mempool.space/api, testnet4's https://mempool.space/testnet4/api)"),
            EsploraError::WrongNetwork { .. } => Some("give a server for the wallet's network (mempool.space: /api, /testnet4/api, /signet/api)"),
            EsploraError::TxidMismatch { .. } | EsploraError::NotPaying { .. } | EsploraError::DuplicateUtxo(_) | EsploraError::UnrelatedHistory { .. } => Some("do not use this server's answers: nothing was written; sync from another server (your own electrs is best) and compare"),
            EsploraError::TooManyAddresses { .. } => Some("this server claims an implausible history: check it against another server"),
            EsploraError::Rejected { .. } => Some("the node's reason is above: e.g. an input already spent, a fee below the minimum relay fee, or a time lock not yet reached"),
            EsploraError::BroadcastTxid { .. } => Some("look the transaction's txid up on another server, and broadcast it there if it is missing"),
        }
    }
}

/// POST `tx` to the server's `/tx` and check that the txid it answers is the transaction's own.
pub fn broadcast(server: &Server, tx: &Transaction) -> Result<Txid, EsploraError> {
    let hex = bitcoin::consensus::encode::serialize_hex(tx);
    let sent = tx.compute_txid();
    let answer = server.post_tx(&hex)?;
    let answer = answer.trim();
    match answer.parse::<Txid>() {
        Ok(t) if t == sent => Ok(t),
        _ => Err(EsploraError::BroadcastTxid {
            sent,
            answered: client::excerpt(answer.as_bytes()),
        }),
    }
}
