//! The review screen a person reads before signing: plain lines, amounts in BTC and sats, what
//! leaves the wallet first, every warning and refusal with its code. Computed from the same
//! `Review` the signer signs (DESIGN §4.2), and kept in the library so the ceremony transcript and
//! the audit log can record exactly what was shown.
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
            OutputKind::OwnKeyOffBranch { path } => {
                format!("YOUR OWN KEY at {path}, on a path no wallet scans")
            }
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
    s.push_str(&fee_text(r));
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
        if let Some(w) = &i.wallet {
            let threshold = match (w.m, w.n) {
                (Some(m), Some(n)) => format!("{m} of {n}"),
                _ => "script".into(),
            };
            let signed = if w.signed_by.is_empty() {
                "no signature yet".to_string()
            } else {
                format!("signed by {}", w.signed_by.join(", "))
            };
            s.push_str(&format!(
                "        wallet '{}' ({threshold}): {signed}; this seed adds {}\n        spendable by {}\n",
                escape(&w.name),
                r.fingerprint,
                w.policy
            ));
            if let Some(t) = &w.timelock {
                s.push_str(&format!("        {t}\n"));
            }
        }
    }
    s.push_str(&format!(
        "locktime {}   RBF {}   version {}   txid {}\n",
        r.locktime,
        if r.rbf { "yes" } else { "no" },
        r.version,
        r.txid
    ));
    match verdict {
        Some(v) => {
            for w in &v.warnings {
                s.push_str(&format!("WARNING  {} [{}]\n", escape(&w.message), w.code));
            }
            for p in &v.refuse {
                s.push_str(&format!("REFUSE   {} [{}]\n", escape(&p.message), p.code));
            }
        }
        None => {
            for f in &r.facts {
                s.push_str(&format!("NOTE     {} [{}]\n", escape(&f.message), f.code));
            }
            for p in &r.integrity {
                s.push_str(&format!("PROBLEM  {} [{}]\n", escape(&p.message), p.code));
            }
        }
    }
    s.push_str(&line);
    s.push('\n');
    s
}

/// The fee block: amount, rate, size, and its share of what is sent, each named.
fn fee_text(r: &Review) -> String {
    let Some(fee) = r.fee else {
        let why = if r.has_fact("fee-unknown") {
            "an input not ours has an amount nobody proved"
        } else {
            "some input amounts are missing"
        };
        return format!("FEE\n  unknown ({why})\n");
    };
    let rate = r
        .fee_rate
        .map(|x| format!(", {x:.1} sat/vB"))
        .unwrap_or_default();
    let size = r
        .vsize
        .map(|v| format!(", ~{v} vB signed"))
        .unwrap_or_default();
    let pct = if r.sent > 0 {
        format!(
            ", {:.2} % of the {} sent",
            fee as f64 * 100.0 / r.sent as f64,
            btc(r.sent)
        )
    } else {
        String::new()
    };
    let proven = if r.fee_proven {
        ""
    } else {
        "\n      ! relies on input amounts the online machine did not prove"
    };
    let own = if r.to_own_addresses > 0 {
        format!(
            "\n  sent: {} leaves the wallet, {} goes to your own receive addresses",
            btc(r.leaving),
            btc(r.to_own_addresses)
        )
    } else {
        String::new()
    };
    format!(
        "FEE\n  {:>20}  ({fee} sat{rate}{size}{pct}){proven}{own}\n",
        btc(fee)
    )
}

/// Whether text for a stream may carry colour: only on a terminal, never with `NO_COLOR` set to
/// a non-empty value (<https://no-color.org>), never on `TERM=dumb`.
pub fn colour_enabled(
    is_terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
}

/// [`colour_enabled`] for this process's stderr (`stderr == true`) or stdout.
pub fn colour_for(stderr: bool) -> bool {
    use std::io::IsTerminal;
    let tty = if stderr {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    colour_enabled(
        tty,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

const RED_BOLD: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The review text with its markers coloured: `REFUSE` and `PROBLEM` lines red, `WARNING` lines
/// yellow, the section headings bold. Only the markers airsign writes itself are matched (at the
/// start of a line; untrusted text inside a line is escaped and never starts one), and nothing
/// but SGR codes is added: without colour the text is byte for byte [`review_text`].
pub fn paint(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let style = if body.starts_with("REFUSE ") || body.starts_with("PROBLEM ") {
            Some(RED_BOLD)
        } else if body.starts_with("WARNING ") {
            Some(YELLOW)
        } else if ["BUNDLE ", "SENDING", "CHANGE ", "FEE", "FROM "]
            .iter()
            .any(|h| body.starts_with(h))
        {
            Some(BOLD)
        } else {
            None
        };
        match style {
            Some(s) => {
                out.push_str(s);
                out.push_str(body);
                out.push_str(RESET);
                out.push_str(nl);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// `text` as it should be written to stderr (`stderr == true`) or stdout: painted only where
/// [`colour_for`] allows.
pub fn for_stream(text: String, stderr: bool) -> String {
    if colour_for(stderr) {
        paint(&text)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_and_pipes_turn_colour_off() {
        let some = |s: &'static str| Some(OsStr::new(s));
        assert!(colour_enabled(true, None, some("xterm-256color")));
        assert!(
            colour_enabled(true, some(""), None),
            "an empty NO_COLOR is unset"
        );
        assert!(!colour_enabled(true, some("1"), None));
        assert!(
            !colour_enabled(true, some("0"), None),
            "any non-empty value"
        );
        assert!(!colour_enabled(false, None, None), "not a terminal");
        assert!(!colour_enabled(true, None, some("dumb")));
    }

    #[test]
    fn paint_only_adds_sgr_to_marker_lines() {
        let text = "BUNDLE x\nSENDING\n  1 BTC to bc1q  (external)\nWARNING  fee [fee-percent]\nREFUSE   no [x]\nnote\n";
        let p = paint(text);
        assert!(p.contains("\x1b[1;31mREFUSE   no [x]\x1b[0m\n"), "{p:?}");
        assert!(p.contains("\x1b[33mWARNING  fee [fee-percent]\x1b[0m\n"));
        assert!(
            p.contains("\n  1 BTC to bc1q  (external)\n"),
            "other lines untouched"
        );
        // Stripping the SGR codes gives the text back.
        let plain = p
            .replace(RED_BOLD, "")
            .replace(YELLOW, "")
            .replace(BOLD, "")
            .replace(RESET, "");
        assert_eq!(plain, text);
        // A line without its newline keeps having none.
        assert_eq!(paint("FEE"), format!("{BOLD}FEE{RESET}"));
    }
}
