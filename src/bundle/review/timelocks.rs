//! Timelocks and versions that keep a signed transaction from being mined or relayed for a long
//! time: absolute nLockTime, BIP68 relative locks hidden in nSequence, odd versions. None moves
//! money, but a signature that cannot be used for a year is not what a person meant.
use bitcoin::Transaction;

use super::Findings;

/// Block heights from here on are years away (the chain passed 900,000 in 2025).
const FAR_HEIGHT: u32 = 1_200_000;
/// Timestamps more than this many seconds ahead of the clock are far.
const FAR_SECONDS: u64 = 90 * 24 * 3600;

/// Relative locks above this many blocks (about a day) are reported.
const FAR_RELATIVE_BLOCKS: u16 = 144;
/// Relative time locks above this many 512-second units (about a day) are reported.
const FAR_RELATIVE_UNITS: u16 = 169;

/// Timelocks that keep the transaction unminable for a long time (absolute nLockTime, BIP68
/// relative locks in nSequence), and a transaction version no node relays.
pub(super) fn timelock_facts(tx: &Transaction, found: &mut Findings) {
    if !(1..=3).contains(&tx.version.0) {
        found.fact(
            "nonstandard-version",
            format!(
                "transaction version {} is not relayed by nodes (1, 2 or 3 are)",
                tx.version.0
            ),
        );
    }
    if tx.version.0 >= 2 {
        for (i, txin) in tx.input.iter().enumerate() {
            match txin.sequence.to_relative_lock_time() {
                Some(bitcoin::relative::LockTime::Blocks(h)) if h.value() > FAR_RELATIVE_BLOCKS => {
                    found.fact(
                        "relative-timelock",
                        format!(
                            "input {i} cannot be mined until {} blocks (about {} days) after the coin it spends confirmed",
                            h.value(),
                            u32::from(h.value()) / 144
                        ),
                    )
                }
                Some(bitcoin::relative::LockTime::Time(t)) if t.value() > FAR_RELATIVE_UNITS => {
                    found.fact(
                        "relative-timelock",
                        format!(
                            "input {i} cannot be mined until about {} days after the coin it spends confirmed",
                            u32::from(t.value()) * 512 / 86_400
                        ),
                    )
                }
                _ => {}
            }
        }
    }
    locktime_fact(tx, found);
}

/// A locktime that keeps the transaction unminable for a long time: the funds are stuck while
/// the signature exists.
fn locktime_fact(tx: &Transaction, found: &mut Findings) {
    use bitcoin::absolute::LockTime;
    if !tx.is_lock_time_enabled() {
        return;
    }
    match tx.lock_time {
        LockTime::Blocks(h) if h.to_consensus_u32() >= FAR_HEIGHT => found.fact(
            "locktime-far",
            format!(
                "the transaction cannot be mined before block {} (years from now)",
                h.to_consensus_u32()
            ),
        ),
        LockTime::Seconds(t) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            if u64::from(t.to_consensus_u32()) > now + FAR_SECONDS {
                found.fact(
                    "locktime-far",
                    format!(
                        "the transaction cannot be mined before unix time {} (more than 90 days from now)",
                        t.to_consensus_u32()
                    ),
                );
            }
        }
        _ => {}
    }
}
