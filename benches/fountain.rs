//! Frames to complete a UR transfer: our GF(2) elimination decoder beside the reference peeling
//! decoder (the `ur` crate, ur-rs), fed the same part streams. Counts, not seconds: the figures
//! are deterministic for the seed below. Run: `cargo bench --bench fountain` (prints Markdown).
//!
//! Designs (each ≥ 200 trials, message of N fragments, each frame lost with probability p):
//! - `mixed`: only mixed parts, from a random sequence number above N (the hardest case);
//! - `start`: the sender's endless stream (N pure, then mixed), joined at a random part in 1..=2N;
//! - `loop`: what `qr show` displays, N pure then N mixed, repeating, joined at a random frame.
//!   For `loop` the "frames" column counts frames shown (received or lost) — the time a user waits.
use airsign::transport::decoder::Decoder;
use airsign::transport::fountain::Encoder;
use airsign::transport::ur::part_string;
use airsign::transport::xoshiro::Xoshiro256;

const TRIALS: usize = 200;
const FRAG: usize = 30;

#[derive(Clone, Copy)]
enum Design {
    Mixed,
    Start,
    Loop,
}

fn run(n: u32, loss: f64, design: Design, peel: bool, trial: usize) -> Option<u32> {
    let msg =
        Xoshiro256::from_bytes(format!("msg-{n}-{trial}").as_bytes()).next_data(n as usize * FRAG);
    let enc = Encoder::new(&msg, FRAG).unwrap();
    assert_eq!(enc.seq_len(), n);
    let mut rng = Xoshiro256::from_bytes(format!("rng-{n}-{loss}-{trial}").as_bytes());
    let (start, modulo) = match design {
        Design::Mixed => (n + 1 + rng.next_int(0, 10_000) as u32, None),
        Design::Start => (1 + rng.next_int(0, 2 * u64::from(n) - 1) as u32, None),
        Design::Loop => (rng.next_int(0, 2 * u64::from(n) - 1) as u32, Some(2 * n)),
    };
    let mut ours = Decoder::new();
    let mut theirs = ur::ur::Decoder::default();
    let (mut shown, mut received) = (0u32, 0u32);
    for k in 0..200 * n {
        let seq = match modulo {
            Some(m) => (start + k) % m + 1,
            None => start + k,
        };
        shown += 1;
        if rng.next_double() < loss {
            continue;
        }
        received += 1;
        let part = enc.part(seq);
        let done = if peel {
            theirs.receive(&part_string("bytes", &part)).unwrap();
            theirs.complete()
        } else {
            ours.receive(&part).unwrap();
            ours.is_complete()
        };
        if done {
            if !peel {
                assert_eq!(ours.message().unwrap(), &msg[..]);
            }
            return Some(if matches!(design, Design::Loop) {
                shown
            } else {
                received
            });
        }
    }
    None
}

fn stats(mut v: Vec<u32>, n: u32) -> String {
    v.sort_unstable();
    let q = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize] as i64 - i64::from(n);
    format!("N{:+} / N{:+}", q(0.5), q(0.9))
}

fn main() {
    // Criterion passes flags like --bench; this harness ignores them.
    println!("| N | loss | design | elimination (median / p90) | peeling, ur-rs (median / p90) | peeling ÷ elimination (median) |");
    println!("|---|---|---|---|---|---|");
    for &n in &[10u32, 50, 69, 100, 200] {
        for &loss in &[0.0, 0.10, 0.25, 0.50] {
            for (design, name) in [
                (Design::Mixed, "mixed"),
                (Design::Start, "start"),
                (Design::Loop, "loop"),
            ] {
                if loss > 0.0 && matches!(design, Design::Mixed) && n != 69 && n != 200 {
                    // Loss only shifts the mixed-only counts by 1/(1-p) in shown frames.
                }
                let ours: Vec<u32> = (0..TRIALS)
                    .filter_map(|t| run(n, loss, design, false, t))
                    .collect();
                let peel: Vec<u32> = (0..TRIALS)
                    .filter_map(|t| run(n, loss, design, true, t))
                    .collect();
                let ratio = {
                    let mut a = ours.clone();
                    a.sort_unstable();
                    let mut b = peel.clone();
                    b.sort_unstable();
                    b[b.len() / 2] as f64 / a[a.len() / 2] as f64
                };
                println!(
                    "| {n} | {:.0} % | {name} | {} | {} | {ratio:.2} |",
                    loss * 100.0,
                    stats(ours, n),
                    stats(peel, n)
                );
            }
        }
    }
}
