//! Fields the signer does not read: proprietary (`0xFC`) and unknown key types, kept in the PSBT
//! because BIP174 says to pass them on. They change nothing we sign, but a hostile online machine
//! can use them to carry text for other tools (or escape sequences for a terminal), so they are a
//! fact the review names — with their keys escaped — rather than something passed silently.
use bitcoin::Psbt;

use super::Findings;

/// How many keys the message names; the count covers the rest.
const SHOWN: usize = 3;

/// One key as shown: proprietary prefix as escaped text (it is meant to be a name), the rest hex.
fn proprietary(k: &bitcoin::psbt::raw::ProprietaryKey) -> String {
    // Cut before escaping, so an escape sequence is never shown half written.
    let prefix: String = String::from_utf8_lossy(&k.prefix)
        .chars()
        .take(24)
        .collect();
    let prefix = crate::sanitize::escape(&prefix);
    format!("proprietary '{prefix}' subtype {}", k.subtype)
}

fn unknown(k: &bitcoin::psbt::raw::Key) -> String {
    format!("unknown key type 0x{:02x}", k.type_value)
}

pub(super) fn review_unread(psbt: &Psbt, found: &mut Findings) {
    let mut keys: Vec<String> = Vec::new();
    let mut count = 0usize;
    let mut note = |where_: String, what: String| {
        count += 1;
        if keys.len() < SHOWN {
            keys.push(format!("{what} ({where_})"));
        }
    };
    for k in psbt.proprietary.keys() {
        note("global".into(), proprietary(k));
    }
    for k in psbt.unknown.keys() {
        note("global".into(), unknown(k));
    }
    for (i, input) in psbt.inputs.iter().enumerate() {
        for k in input.proprietary.keys() {
            note(format!("input {i}"), proprietary(k));
        }
        for k in input.unknown.keys() {
            note(format!("input {i}"), unknown(k));
        }
    }
    for (i, output) in psbt.outputs.iter().enumerate() {
        for k in output.proprietary.keys() {
            note(format!("output {i}"), proprietary(k));
        }
        for k in output.unknown.keys() {
            note(format!("output {i}"), unknown(k));
        }
    }
    if count > 0 {
        let more = if count > keys.len() {
            format!(" and {} more", count - keys.len())
        } else {
            String::new()
        };
        found.fact(
            "unread-fields",
            format!(
                "the PSBT carries {count} field(s) this signer does not read: {}{more}",
                keys.join(", ")
            ),
        );
    }
}
