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

/// Parts received until complete on the sender's endless stream joined at a random part in
/// 1..=2N, for a `size`-byte payload at `fragment` bytes, with frame loss `loss`.
fn transfer(size: usize, fragment: usize, loss: f64, peel: bool, trial: usize) -> (u32, u32) {
    let payload = Xoshiro256::from_bytes(format!("psbt-{size}-{trial}").as_bytes()).next_data(size);
    let cbor = airsign::transport::ur::cbor_bytes(&payload);
    let enc = Encoder::new(&cbor, fragment).unwrap();
    let n = enc.seq_len();
    let mut rng = Xoshiro256::from_bytes(format!("t-{size}-{fragment}-{loss}-{trial}").as_bytes());
    let start = 1 + rng.next_int(0, 2 * u64::from(n) - 1) as u32;
    let mut ours = Decoder::new();
    let mut theirs = ur::ur::Decoder::default();
    for k in 0..100 * n {
        if rng.next_double() < loss {
            continue;
        }
        let part = enc.part(start + k);
        let done = if peel {
            theirs.receive(&part_string("crypto-psbt", &part)).unwrap();
            theirs.complete()
        } else {
            ours.receive(&part).unwrap();
            ours.is_complete()
        };
        if done {
            return (n, k + 1);
        }
    }
    (n, u32::MAX)
}

fn median(mut v: Vec<u32>) -> u32 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn transfer_table() {
    println!();
    println!("| PSBT | loss | airsign fragment | fragments | frames shown (median) | seconds at 5 fps | Sparrow (400 B, peeling): fragments | frames shown (median) | seconds at 200 ms | Sparrow ÷ airsign |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &size in &[1024usize, 5 * 1024, 20 * 1024] {
        for (&loss, &frag) in [0.0, 0.10, 0.0, 0.10]
            .iter()
            .zip(&[400usize, 400, 250, 250])
        {
            let ours: Vec<(u32, u32)> = (0..TRIALS)
                .map(|t| transfer(size, frag, loss, false, t))
                .collect();
            let sparrow: Vec<(u32, u32)> = (0..TRIALS)
                .map(|t| transfer(size, 400, loss, true, t))
                .collect();
            let (n1, f1) = (ours[0].0, median(ours.iter().map(|x| x.1).collect()));
            let (n2, f2) = (sparrow[0].0, median(sparrow.iter().map(|x| x.1).collect()));
            let (s1, s2) = (f64::from(f1) * 0.2, f64::from(f2) * 0.2);
            println!("| {} KB | {:.0} % | {frag} B | {n1} | {f1} | {s1:.1} s | {n2} | {f2} | {s2:.1} s | {:.2} |", size / 1024, loss * 100.0, s2 / s1);
        }
    }
}

/// Frames *shown* until complete on the sender's endless stream (N pure, then mixed) joined at
/// a random part in 1..=2N, each frame lost with probability `loss`, for a `size`-byte payload at
/// `fragment` bytes; with `stream`, the received parts as `SHOWN PART` lines for a peer decoder
/// (up to `keep` received parts). Returns (N, frames shown by ours, frames shown by ur-rs).
fn shown_until_complete(
    size: usize,
    fragment: usize,
    loss: f64,
    trial: usize,
    keep: u32,
    stream: &mut Option<&mut String>,
) -> (u32, u32, u32) {
    let payload =
        Xoshiro256::from_bytes(format!("peers-{size}-{trial}").as_bytes()).next_data(size);
    let cbor = airsign::transport::ur::cbor_bytes(&payload);
    let enc = Encoder::new(&cbor, fragment).unwrap();
    let n = enc.seq_len();
    let mut rng = Xoshiro256::from_bytes(format!("p-{size}-{fragment}-{loss}-{trial}").as_bytes());
    let start = 1 + rng.next_int(0, 2 * u64::from(n) - 1) as u32;
    let mut ours = Decoder::new();
    let mut theirs = ur::ur::Decoder::default();
    let (mut ours_at, mut theirs_at, mut received) = (None, None, 0u32);
    for k in 0..200 * n {
        let shown = k + 1;
        if rng.next_double() < loss {
            continue;
        }
        received += 1;
        let part = enc.part(start + k);
        let text = part_string("crypto-psbt", &part);
        if ours_at.is_none() {
            ours.receive(&part).unwrap();
            if ours.is_complete() {
                assert_eq!(ours.message().unwrap(), &cbor[..]);
                ours_at = Some(shown);
            }
        }
        if theirs_at.is_none() {
            theirs.receive(&text).unwrap();
            if theirs.complete() {
                theirs_at = Some(shown);
            }
        }
        if let Some(out) = stream.as_deref_mut() {
            if received <= keep {
                out.push_str(&format!("{shown} {text}\n"));
            }
        }
        let peer_done = stream.is_none() || received >= keep;
        if ours_at.is_some() && theirs_at.is_some() && peer_done {
            break;
        }
    }
    if let Some(out) = stream.as_deref_mut() {
        out.push('\n');
    }
    (
        n,
        ours_at.unwrap_or(u32::MAX),
        theirs_at.unwrap_or(u32::MAX),
    )
}

/// `cargo bench --bench fountain -- peers OUTDIR` (scripts/bench-peers.sh): JSON for the charts
/// and the transfer table, and the same streams as text for the @ngraveio/bc-ur peer.
fn peers(out: &std::path::Path) {
    use serde_json::json;
    std::fs::create_dir_all(out).unwrap();
    // Frames vs loss: a 1,500-byte payload at 30-byte fragments (about 50 fragments),
    // small parts so the streams file for the JavaScript peer stays a few MB.
    let (size, fragment, trials) = (1500usize, 30usize, 60usize);
    let mut rows = Vec::new();
    let mut streams = String::new();
    for &loss in &[0.0, 0.10, 0.25, 0.50] {
        let mut ours = Vec::new();
        let mut peel = Vec::new();
        let mut n = 0;
        for t in 0..trials {
            let mut s = String::new();
            let keep = 320; // received parts kept per stream: enough for peeling at 50 % loss
            let (nn, a, b) = shown_until_complete(size, fragment, loss, t, keep, &mut Some(&mut s));
            streams.push_str(&format!("# loss={loss} trial={t}\n"));
            streams.push_str(&s);
            n = nn;
            ours.push(a);
            peel.push(b);
        }
        for (tool, v) in [("airsign", ours), ("ur-rs (peeling)", peel)] {
            rows.push(json!({"loss": loss, "n": n, "tool": tool,
                "frames_median": pct(&v, 0.5), "frames_p90": pct(&v, 0.9), "trials": v.len()}));
        }
    }
    std::fs::write(out.join("fountain-streams.txt"), streams).unwrap();
    std::fs::write(
        out.join("fountain.json"),
        serde_json::to_string_pretty(&rows).unwrap(),
    )
    .unwrap();

    // Seconds to move a PSBT: airsign's defaults (400 B, 5 fps, elimination) beside Sparrow's
    // (400 B, 200 ms per frame, peeling) and SeedSigner's (medium density: 30 B fragments, at
    // best one frame per 5/30 s, peeling; its display loop sleeps that long after rendering).
    let mut rows = Vec::new();
    for &kb in &[1usize, 5, 20] {
        for &loss in &[0.0, 0.10] {
            let mut row = json!({"kb": kb, "loss": loss});
            for (name, fragment, period, use_ours) in [
                ("airsign", 400usize, 0.2f64, true),
                ("sparrow", 400, 0.2, false),
                ("seedsigner", 30, 5.0 / 30.0, false),
            ] {
                let frames: Vec<u32> = (0..40)
                    .map(|t| {
                        let (_, a, b) =
                            shown_until_complete(kb * 1024, fragment, loss, t, 0, &mut None);
                        if use_ours {
                            a
                        } else {
                            b
                        }
                    })
                    .collect();
                let m = pct(&frames, 0.5);
                row[name] = json!({"fragment": fragment, "frame_s": period,
                    "frames_median": m, "seconds": f64::from(m) * period});
            }
            rows.push(row);
        }
    }
    std::fs::write(
        out.join("transfer.json"),
        serde_json::to_string_pretty(&rows).unwrap(),
    )
    .unwrap();
    println!(
        "wrote {}/fountain.json, transfer.json, fountain-streams.txt",
        out.display()
    );
}

fn pct(v: &[u32], q: f64) -> u32 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "peers") {
        let out = args.get(i + 1).map_or("target/bench-peers", String::as_str);
        peers(std::path::Path::new(out));
        return;
    }
    if args.iter().any(|a| a == "transfer") {
        transfer_table();
        return;
    }
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
