//! The review screen: plain lines, amounts in BTC and sats, what leaves the wallet first.
use crate::bundle::review::{InputOwner, OutputKind, Review};
use crate::policy::Verdict;
use crate::sanitize::escape;

fn btc(sats: u64) -> String {
    format!("{}.{:08} BTC", sats / 100_000_000, sats % 100_000_000)
}

/// The review as text for stderr.
pub fn review_text(r: &Review, verdict: Option<&Verdict>) -> String {
    let mut s = String::new();
    let line = "─".repeat(72);
    s.push_str(&format!(
        "{line}\nBUNDLE {}    network {}    keys {}\n{line}\n",
        r.bundle_id, r.network, r.fingerprint
    ));
    s.push_str("SENDING\n");
    let mut any = false;
    for o in &r.outputs {
        let label = match &o.kind {
            OutputKind::External => "external".to_string(),
            OutputKind::OwnReceive { path } => format!("your own receive address {path}"),
            OutputKind::OpReturn => "data (OP_RETURN)".to_string(),
            OutputKind::Change { .. } => continue,
        };
        any = true;
        s.push_str(&format!(
            "  {:>20}  to {}  ({label})\n",
            btc(o.amount),
            escape(&o.address)
        ));
        if let Some(n) = &o.note {
            s.push_str(&format!("      ! {}\n", escape(n)));
        }
    }
    if !any {
        s.push_str("  (nothing leaves the wallet)\n");
    }
    s.push_str("CHANGE (back to this wallet, verified by re-deriving the address)\n");
    let mut any_change = false;
    for o in &r.outputs {
        if let OutputKind::Change { path } = &o.kind {
            any_change = true;
            s.push_str(&format!(
                "  {:>20}  to {}  {path}\n",
                btc(o.amount),
                escape(&o.address)
            ));
        }
    }
    if !any_change {
        s.push_str("  (none)\n");
    }
    match r.fee {
        Some(fee) => {
            let rate = r
                .fee_rate
                .map(|x| format!(", {x:.1} sat/vB"))
                .unwrap_or_default();
            let size = r
                .vsize
                .map(|v| format!(", ~{v} vB signed"))
                .unwrap_or_default();
            let pct = if r.spent > 0 {
                format!(
                    ", {:.2} % of the amount sent",
                    fee as f64 * 100.0 / r.spent as f64
                )
            } else {
                String::new()
            };
            s.push_str(&format!(
                "FEE\n  {:>20}  ({fee} sat{rate}{size}{pct})\n",
                btc(fee)
            ));
        }
        None => s.push_str("FEE\n  unknown (some input amounts are missing)\n"),
    }
    let ours = r.ours().count();
    s.push_str(&format!(
        "FROM {} input(s), {} of them this seed's\n",
        r.inputs.len(),
        ours
    ));
    for i in &r.inputs {
        let owner = match &i.owner {
            InputOwner::Ours { path } => format!("ours {path}"),
            InputOwner::Foreign => "NOT OURS".to_string(),
        };
        let amt = i.amount.map(btc).unwrap_or_else(|| "unknown".into());
        let proven = if i.amount_proven {
            ""
        } else {
            " (amount not proved)"
        };
        s.push_str(&format!(
            "  #{:<3} {:>20}  {}  {owner}{proven}  sigs {}\n",
            i.index, amt, i.outpoint, i.signatures
        ));
    }
    s.push_str(&format!(
        "locktime {}   RBF {}   version {}   txid {}\n",
        r.locktime,
        if r.rbf { "yes" } else { "no" },
        r.version,
        r.txid
    ));
    let (problems, warnings) = match verdict {
        Some(v) => (v.refuse.clone(), v.warnings.clone()),
        None => (r.problems.clone(), r.warnings.clone()),
    };
    for w in &warnings {
        s.push_str(&format!("WARNING  {}\n", escape(w)));
    }
    for p in &problems {
        s.push_str(&format!("REFUSE   {} [{}]\n", escape(&p.message), p.code));
    }
    s.push_str(&line);
    s.push('\n');
    s
}
