//! Approvals: a second person, on their own offline airsign, reviews the same unsigned PSBT and
//! signs a short statement with BIP322 by an address of theirs. A rule's
//! `approvals: {"min": M, "keys": [ADDRESS, …]}` needs M distinct listed addresses to have
//! approved exactly this transaction under exactly this policy.
use std::collections::BTreeSet;

use bitcoin::Network;

use crate::bundle::review::Review;
use crate::sanitize::escape;

/// The first line of every approval: a domain tag, so no other signed text can pass for one.
pub const DOMAIN: &str = "airsign approval v1";

/// The statement an approver signs for one bundle under one policy.
pub fn statement(review: &Review, psbt_sha256: &str, policy_hash: Option<&str>) -> String {
    format!(
        "{DOMAIN}\nbundle: {}\ntxid: {}\npsbt-sha256: {psbt_sha256}\npolicy: {}\n",
        review.bundle_id,
        review.txid,
        policy_hash.unwrap_or("built-in")
    )
}

/// An approval as carried (text or QR): the statement, the approving address, the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The signed statement.
    pub statement: String,
    /// The approver's address.
    pub address: String,
    /// BIP322 signature (base64).
    pub signature: String,
}

impl Approval {
    /// The text form: the statement, then `address: …` and `signature: …` lines.
    pub fn to_text(&self) -> String {
        format!(
            "{}address: {}\nsignature: {}\n",
            self.statement, self.address, self.signature
        )
    }

    /// Parse the text form. Errors are plain words (the text is untrusted, and escaped).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut statement = String::new();
        let mut address = None;
        let mut signature = None;
        for line in text.lines() {
            if let Some(a) = line.strip_prefix("address: ") {
                address = Some(a.trim().to_owned());
            } else if let Some(s) = line.strip_prefix("signature: ") {
                signature = Some(s.trim().to_owned());
            } else if address.is_none() {
                statement.push_str(line);
                statement.push('\n');
            }
        }
        if !statement.starts_with(DOMAIN) {
            return Err(format!(
                "not an airsign approval (it must start with \"{DOMAIN}\")"
            ));
        }
        match (address, signature) {
            (Some(address), Some(signature)) => Ok(Approval {
                statement,
                address,
                signature,
            }),
            _ => Err("an approval needs an `address:` and a `signature:` line".into()),
        }
    }
}

/// Check approvals against the statement this signer expects. Returns the addresses whose
/// approval verifies, and a problem for each that does not (escaped, for the review screen).
pub fn verify(
    approvals: &[Approval],
    expected: &str,
    network: Network,
) -> (BTreeSet<String>, Vec<String>) {
    let mut ok = BTreeSet::new();
    let mut problems = Vec::new();
    for (i, a) in approvals.iter().enumerate() {
        let who = escape(&a.address);
        if a.statement != expected {
            problems.push(format!(
                "approval {} by {who} is for another transaction or policy",
                i + 1
            ));
            continue;
        }
        let addr = match a
            .address
            .parse::<bitcoin::Address<bitcoin::address::NetworkUnchecked>>()
            .ok()
            .and_then(|x| x.require_network(network).ok())
        {
            Some(x) => x,
            None => {
                problems.push(format!(
                    "approval {} names {who}, not a {network} address",
                    i + 1
                ));
                continue;
            }
        };
        match crate::message::verify(&addr.script_pubkey(), a.statement.as_bytes(), &a.signature) {
            Ok(_) => {
                ok.insert(addr.to_string());
            }
            Err(e) => problems.push(format!(
                "approval {} by {who} does not verify: {}",
                i + 1,
                escape(&e.to_string())
            )),
        }
    }
    (ok, problems)
}
