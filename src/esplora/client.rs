//! A blocking HTTP client for an Esplora API (`ureq` with rustls; no async runtime: the scan is a
//! few hundred small sequential requests).
//!
//! - HTTPS only, except plain HTTP to this machine (`127.0.0.1`, `::1`, `localhost`): the online
//!   side trusts the server for availability, but anyone on the path of plain HTTP could hide
//!   coins or feed a fake history (docs/decisions.md).
//! - Every request has a connect timeout and an overall timeout; every answer is read up to a cap
//!   ([`MAX_RESPONSE_BYTES`]) and no further. Redirects are not followed.
//! - The base URL may be given with or without `/api`: `/block-height/0` is asked at the URL as
//!   given and then with `/api` appended, and the first that answers a block hash is the base. That
//!   hash is the server's genesis block, which names its chain.
use std::str::FromStr;
use std::time::Duration;

use bitcoin::{BlockHash, Network};

use super::EsploraError;

/// Largest answer read from the server (a previous transaction is at most 4 MB, 8 MB as hex).
pub const MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// Time allowed to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Time allowed for one request from start to the last byte of its answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a request answered 429 or 503 is tried again (after the server's Retry-After, at
/// most [`MAX_RETRY_WAIT`]).
const RETRIES: u32 = 3;
/// Longest wait before trying again.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Longest excerpt of a server's message kept in an error.
const MAX_EXCERPT_CHARS: usize = 300;

/// The chains airsign knows, with their genesis block hashes.
const NETWORKS: [Network; 5] = [
    Network::Bitcoin,
    Network::Testnet,
    Network::Testnet4,
    Network::Signet,
    Network::Regtest,
];

/// An Esplora API, found and checked.
#[derive(Debug)]
pub struct Server {
    agent: ureq::Agent,
    /// The base every path is appended to, without a trailing slash (`https://mempool.space/api`).
    pub base: String,
    /// The chain its genesis block names, if airsign knows it (a custom signet it does not).
    pub network: Option<Network>,
    /// The genesis block hash the server answered.
    pub genesis: BlockHash,
}

/// The start of a server's message, as text, for an error line (escaped when printed).
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut out: String = text.chars().take(MAX_EXCERPT_CHARS).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// A checked `--esplora` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `scheme://authority/path` without a trailing slash.
    pub base: String,
    /// Whether the host is this machine (then no proxy is used, and plain HTTP is allowed).
    pub loopback: bool,
}

/// Check an `--esplora` value: `https://HOST[:PORT][/PATH]`, or `http://` to this machine.
pub fn check_url(url: &str) -> Result<BaseUrl, EsploraError> {
    let bad = |reason: &str| EsploraError::BadUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let uri = ureq::http::Uri::from_str(url.trim())
        .map_err(|_| bad("not a URL (give e.g. https://mempool.space/api)"))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| bad("no scheme: start it with https://"))?
        .to_ascii_lowercase();
    let authority = uri
        .authority()
        .ok_or_else(|| bad("no host"))?
        .as_str()
        .to_owned();
    let host = uri.host().ok_or_else(|| bad("no host"))?;
    if uri.query().is_some() {
        return Err(bad("a query string (?…) is not part of an API base URL"));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = matches!(
        host.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1"
    );
    match scheme.as_str() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(EsploraError::Insecure {
                host: host.to_owned(),
            })
        }
        _ => {
            return Err(bad(
                "only https:// (or http:// to this machine) is supported",
            ))
        }
    }
    let path = uri.path().trim_end_matches('/');
    Ok(BaseUrl {
        base: format!("{scheme}://{authority}{path}"),
        loopback,
    })
}

/// The chain whose genesis block is `hash`, among those airsign knows.
fn network_of(hash: &BlockHash) -> Option<Network> {
    NETWORKS
        .into_iter()
        .find(|n| bitcoin::constants::genesis_block(*n).block_hash() == *hash)
}

impl Server {
    /// Find the API at `url` (as given, then with `/api`) and check its chain against `expected`
    /// (a custom signet, whose genesis airsign cannot know, is let through with a warning).
    /// Returns the server and warnings for the user.
    pub fn connect(
        url: &str,
        expected: Option<Network>,
    ) -> Result<(Server, Vec<String>), EsploraError> {
        let checked = check_url(url)?;
        let proxy = if checked.loopback {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .https_only(!checked.loopback)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .proxy(proxy)
            .user_agent(concat!("airsign/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let mut candidates = vec![checked.base.clone()];
        if !checked.base.ends_with("/api") {
            candidates.push(format!("{}/api", checked.base));
        }
        let mut server = Server {
            agent,
            base: String::new(),
            network: None,
            genesis: BlockHash::from_raw_hash(bitcoin::hashes::Hash::all_zeros()),
        };
        let mut found = None;
        let mut last = String::new();
        for base in &candidates {
            server.base.clone_from(base);
            match server.get("/block-height/0") {
                Ok(body) => {
                    if let Some(hash) = std::str::from_utf8(&body)
                        .ok()
                        .and_then(|t| BlockHash::from_str(t.trim()).ok())
                    {
                        found = Some(hash);
                        break;
                    }
                    last = format!(
                        "\"{}\", not a block hash",
                        excerpt(&body[..body.len().min(80)])
                    );
                }
                // No API here (a web page, a 404): try the next candidate. A server that cannot
                // be reached at all will not be reached with /api either.
                Err(EsploraError::Status { status, .. }) => last = format!("HTTP {status}"),
                Err(e @ EsploraError::TooLarge { .. }) => last = e.to_string(),
                Err(e) => return Err(e),
            }
        }
        let Some(genesis) = found else {
            return Err(EsploraError::NotEsplora {
                url: url.to_owned(),
                tried: candidates
                    .iter()
                    .map(|c| format!("{c}/block-height/0"))
                    .collect::<Vec<_>>()
                    .join(", "),
                last,
            });
        };
        server.genesis = genesis;
        server.network = network_of(&genesis);
        let mut warnings = Vec::new();
        if let Some(wallet) = expected {
            match server.network {
                Some(n) if n == wallet => {}
                None if wallet == Network::Signet => warnings.push(format!(
                    "the server's genesis block {genesis} is not the default signet's: taking it as a custom signet"
                )),
                other => {
                    return Err(EsploraError::WrongNetwork {
                        wallet,
                        server: match other {
                            Some(n) => n.to_string(),
                            None => format!("an unknown chain (genesis block {genesis})"),
                        },
                    })
                }
            }
        }
        Ok((server, warnings))
    }

    /// GET `path` (starting with `/`) under the base; the body of a 200 answer.
    pub fn get(&self, path: &str) -> Result<Vec<u8>, EsploraError> {
        let url = format!("{}{path}", self.base);
        let (status, body) = self.with_retries(&url, || self.agent.get(&url).call())?;
        if status != 200 {
            return Err(EsploraError::Status {
                url,
                status,
                message: excerpt(&body),
            });
        }
        Ok(body)
    }

    /// POST a raw transaction's hex to `/tx`; the server's answer on success (the txid).
    pub fn post_tx(&self, hex: &str) -> Result<String, EsploraError> {
        let url = format!("{}/tx", self.base);
        let (status, body) = self.with_retries(&url, || {
            self.agent
                .post(&url)
                .header("Content-Type", "text/plain")
                .send(hex)
        })?;
        if status != 200 {
            return Err(EsploraError::Rejected {
                status,
                message: excerpt(&body),
            });
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Run a request; on 429 or 503 wait (Retry-After, capped) and run it again, a few times.
    fn with_retries(
        &self,
        url: &str,
        send: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, Vec<u8>), EsploraError> {
        let mut attempt = 0;
        loop {
            let mut resp = send().map_err(|e| unreachable(url, e))?;
            let status = resp.status().as_u16();
            if matches!(status, 429 | 503) && attempt < RETRIES {
                attempt += 1;
                let wait = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(Duration::from_secs(2), Duration::from_secs)
                    .min(MAX_RETRY_WAIT);
                std::thread::sleep(wait);
                continue;
            }
            let body = resp
                .body_mut()
                .with_config()
                .limit(MAX_RESPONSE_BYTES)
                .read_to_vec()
                .map_err(|e| match e {
                    ureq::Error::BodyExceedsLimit(_) => EsploraError::TooLarge {
                        url: url.to_owned(),
                        limit: MAX_RESPONSE_BYTES,
                    },
                    e => unreachable(url, e),
                })?;
            return Ok((status, body));
        }
    }
}

fn unreachable(url: &str, e: ureq::Error) -> EsploraError {
    EsploraError::Unreachable {
        url: url.to_owned(),
        source: Box::new(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_this_machine() {
        let ok = |u: &str| check_url(u).unwrap();
        assert_eq!(
            ok("https://mempool.space/api/").base,
            "https://mempool.space/api"
        );
        assert_eq!(
            ok("https://blockstream.info/api").base,
            "https://blockstream.info/api"
        );
        assert_eq!(ok("HTTPS://mempool.space").base, "https://mempool.space");
        assert!(!ok("https://mempool.space").loopback);
        for local in [
            "http://127.0.0.1:3002",
            "http://localhost:3002/",
            "http://[::1]:3002/api",
            "http://LOCALHOST",
        ] {
            assert!(ok(local).loopback, "{local}");
        }
        for remote in [
            "http://mempool.space/api",
            "http://192.168.1.5:3002",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
        ] {
            assert!(
                matches!(check_url(remote), Err(EsploraError::Insecure { .. })),
                "{remote} accepted"
            );
        }
        for bad in [
            "mempool.space",
            "ftp://x/api",
            "https://x/api?key=1",
            "",
            "https://",
        ] {
            assert!(
                matches!(check_url(bad), Err(EsploraError::BadUrl { .. })),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn genesis_hashes_name_the_chains() {
        let main = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
        assert_eq!(network_of(&main.parse().unwrap()), Some(Network::Bitcoin));
        let regtest = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
        assert_eq!(
            network_of(&regtest.parse().unwrap()),
            Some(Network::Regtest)
        );
        assert_eq!(
            network_of(&BlockHash::from_raw_hash(bitcoin::hashes::Hash::all_zeros())),
            None
        );
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(
            excerpt(b"  bad-txns-inputs-missingorspent \n"),
            "bad-txns-inputs-missingorspent"
        );
        let long = vec![b'x'; 1000];
        assert_eq!(excerpt(&long).chars().count(), MAX_EXCERPT_CHARS + 1);
    }
}
