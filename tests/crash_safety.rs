//! Crash safety (DESIGN §4.5, "nothing half-written"): the real binary is killed with SIGKILL at
//! random moments (a seeded RNG, so a failure replays) while it writes a seed file, a signed
//! PSBT, an audit-log entry, a wallet's next index and a scanned payload. After every kill each
//! output is absent, the old complete file or the new complete file (parsed, not just looked
//! at), nothing is left that could pass for an output, the audit log verifies (or reports a
//! torn last line as such), and the next run works. See docs/hardening.md, "Crash safety".
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, demo_dir, q};

/// splitmix64: a seeded, dependency-free RNG for the kill delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Each scenario stops after this many kills or this much time, whichever comes first.
const KILLS: usize = 80;
const BUDGET: Duration = Duration::from_secs(10);
/// Fewest kills that must land while the process runs, per scenario.
const MIN_MID_RUN: usize = 25;

fn b() -> String {
    q(&bin())
}

/// Run `cmd` (a shell line; `exec` keeps the PID, so the kill reaches airsign itself) to the end.
fn run(cmd: &str) -> std::process::Output {
    Command::new("setsid")
        .args(["bash", "-c", &format!("exec {cmd}")])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// How long a clean run of `cmd` takes (the slower of two; `after` runs after each).
fn duration_of(cmd: &str, after: impl Fn()) -> Duration {
    (0..2)
        .map(|_| {
            let t = Instant::now();
            let o = run(cmd);
            let took = t.elapsed();
            assert!(
                o.status.success(),
                "{cmd}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            after();
            took
        })
        .max()
        .unwrap()
}

/// Start `cmd`, SIGKILL it after a random delay up to `max`; returns whether it was still
/// running (killed by the signal) rather than already finished.
fn kill_at_random(cmd: &str, max: Duration, rng: &mut Rng) -> bool {
    use std::os::unix::process::ExitStatusExt;
    let delay = Duration::from_micros(rng.next() % (max.as_micros() as u64 + 1));
    let mut child = Command::new("setsid")
        .args(["bash", "-c", &format!("exec {cmd}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    let status = child.wait().unwrap();
    status.signal() == Some(9)
}

/// Files in `dir` other than `expected`: the atomic writer's temporary files (`.airsign-*.tmp`)
/// are counted and removed (they are hidden and never named like an output); anything else fails.
fn leftovers(dir: &Path, expected: &[&str], temps: &mut usize) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if expected.contains(&name.as_str()) {
            continue;
        }
        assert!(
            name.starts_with(".airsign-") && name.ends_with(".tmp"),
            "{}: unexpected file {name} after a kill",
            dir.display()
        );
        *temps += 1;
        std::fs::remove_file(dir.join(&name)).unwrap();
    }
}

struct Tally {
    name: &'static str,
    runs: usize,
    mid_run: usize,
    temps: usize,
    old: usize,
    new: usize,
    torn: usize,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally {
            name,
            runs: 0,
            mid_run: 0,
            temps: 0,
            old: 0,
            new: 0,
            torn: 0,
        }
    }

    fn done(&self) {
        eprintln!(
            "crash-safety {}: {} kills ({} while running); outputs old {} / new {}; {} temp files left; {} torn log tails",
            self.name, self.runs, self.mid_run, self.old, self.new, self.temps, self.torn
        );
        assert!(
            self.mid_run >= MIN_MID_RUN,
            "{}: only {} kills landed while the process ran",
            self.name,
            self.mid_run
        );
    }

    fn more(&self, start: Instant) -> bool {
        self.runs < KILLS && start.elapsed() < BUDGET
    }
}

/// `log verify`: the number of entries; a torn tail (exit 4, "incomplete") is counted and cut
/// off as its hint says, then verified again.
fn verify_log(log: &Path, tally: &mut Tally) -> u64 {
    let o = run(&format!("{} log verify --json {}", b(), q(log)));
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "log verify: {err}");
        assert!(
            err.contains("is incomplete (no newline at the end)"),
            "a kill left a log that fails for another reason: {err}"
        );
        tally.torn += 1;
        let bytes = std::fs::read(log).unwrap();
        let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        std::fs::write(log, &bytes[..keep]).unwrap();
        return verify_log(log, tally);
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["entries"].as_u64().unwrap()
}

fn decode_psbt(bytes: &[u8]) -> bitcoin::Psbt {
    airsign::bundle::decode(bytes).unwrap().0
}

#[test]
fn sigkill_at_random_moments_leaves_old_or_new_complete_files() {
    let (demo, pass) = demo_dir();
    let d = demo.path();
    let mut rng = Rng(0x00c0_ffee_2026_1203);
    let started = Instant::now();

    // ---- seed import -o: absent, or a complete seed file that opens with the passphrase.
    {
        let mut t = Tally::new("seed import");
        let dir = d.join("import");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(d.join("words"), airsign::wallet::fixture::TEST_MNEMONIC).unwrap();
        let seed = dir.join("seed.age");
        let cmd = format!(
            "{} seed import --network regtest --out {} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<{} 4<{}",
            b(),
            q(&seed),
            q(&d.join("words")),
            q(&pass)
        );
        let info = |seed: &Path| {
            run(&format!(
                "{} seed info --json --seed {} --passphrase-fd 3 3<{}",
                b(),
                q(seed),
                q(&pass)
            ))
        };
        let max = duration_of(&cmd, || std::fs::remove_file(&seed).unwrap()) * 6 / 5;
        let start = Instant::now();
        while t.more(start) {
            t.runs += 1;
            t.mid_run += usize::from(kill_at_random(&cmd, max, &mut rng));
            leftovers(&dir, &["seed.age"], &mut t.temps);
            if seed.exists() {
                let o = info(&seed);
                assert!(
                    o.status.success(),
                    "a killed import left a seed file that does not open: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                assert_eq!(v["fingerprint"], "73c5da0a");
                t.new += 1;
                std::fs::remove_file(&seed).unwrap();
            } else {
                t.old += 1;
            }
        }
        t.done();
    }

    // ---- sign -o --force over an old file, and its audit-log append.
    {
        let mut t = Tally::new("sign -o + audit append");
        let dir = d.join("sign");
        std::fs::create_dir(&dir).unwrap();
        let out = dir.join("signed.psbt");
        let log = PathBuf::from(format!("{}.audit.jsonl", d.join("demo-seed.age").display()));
        let old = std::fs::read(d.join("wpkh-unsigned.psbt")).unwrap();
        let cmd = format!(
            "{} sign --yes --force --seed {} --passphrase-fd 3 {} -o {} 3<{}",
            b(),
            q(&d.join("demo-seed.age")),
            q(&d.join("wpkh-unsigned.psbt")),
            q(&out),
            q(&pass)
        );
        let max = duration_of(&cmd, || ()) * 6 / 5;
        let new = std::fs::read(&out).unwrap();
        assert_ne!(old, new);
        assert!(!decode_psbt(&new).inputs[0].partial_sigs.is_empty());
        let start = Instant::now();
        while t.more(start) {
            std::fs::write(&out, &old).unwrap();
            let before = verify_log(&log, &mut t);
            t.runs += 1;
            t.mid_run += usize::from(kill_at_random(&cmd, max, &mut rng));
            leftovers(&dir, &["signed.psbt"], &mut t.temps);
            let got = std::fs::read(&out).unwrap();
            if got == old {
                t.old += 1;
            } else {
                assert_eq!(
                    got, new,
                    "the output is neither the old file nor the signed PSBT"
                );
                decode_psbt(&got);
                t.new += 1;
            }
            let after = verify_log(&log, &mut t);
            assert!(
                after == before || after == before + 1,
                "log went from {before} to {after} entries"
            );
        }
        // The next run, after all those kills, signs and logs as usual (MACs checked too).
        let o = run(&cmd);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = run(&format!(
            "{} log verify --seed {} --passphrase-fd 3 {} 3<{}",
            b(),
            q(&d.join("demo-seed.age")),
            q(&log),
            q(&pass)
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        t.done();
    }

    // ---- audit-log append alone: a refusal writes no output but is still logged.
    {
        let mut t = Tally::new("refusal audit append");
        let log = PathBuf::from(format!("{}.audit.jsonl", d.join("demo-seed.age").display()));
        let never = d.join("refused.psbt");
        let cmd = format!(
            "{} sign --yes --max-fee 1 --seed {} --passphrase-fd 3 {} -o {} 3<{}",
            b(),
            q(&d.join("demo-seed.age")),
            q(&d.join("wpkh-unsigned.psbt")),
            q(&never),
            q(&pass)
        );
        let clean = {
            let t0 = Instant::now();
            let o = run(&cmd);
            assert_eq!(
                o.status.code(),
                Some(3),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            t0.elapsed()
        };
        let max = clean * 6 / 5;
        let start = Instant::now();
        while t.more(start) {
            let before = verify_log(&log, &mut t);
            t.runs += 1;
            t.mid_run += usize::from(kill_at_random(&cmd, max, &mut rng));
            let after = verify_log(&log, &mut t);
            assert!(after == before || after == before + 1);
            assert!(!never.exists(), "a refusal wrote its output");
            if after == before {
                t.old += 1;
            } else {
                t.new += 1;
            }
        }
        t.done();
    }

    // ---- wallet receive: the wallet file's next index is the old one or one more, and the file
    // parses; a kill never stops the next run (no stale lock).
    {
        let mut t = Tally::new("wallet receive");
        let dir = d.join("wallet");
        std::fs::create_dir(&dir).unwrap();
        let account = d.join("account.json");
        let o = run(&format!(
            "{} account export --json --seed {} --passphrase-fd 3 --script wpkh 3<{} > {}",
            b(),
            q(&d.join("demo-seed.age")),
            q(&pass),
            q(&account)
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let w = dir.join("w.json");
        let o = run(&format!(
            "{} wallet create --from {} -o {}",
            b(),
            q(&account),
            q(&w)
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let next = |w: &Path| -> u64 {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(w).unwrap())
                .unwrap_or_else(|e| panic!("the wallet file does not parse after a kill: {e}"));
            v["next_index"]["receive"].as_u64().unwrap()
        };
        let cmd = format!("{} wallet receive --json {}", b(), q(&w));
        let max = duration_of(&cmd, || ()) * 6 / 5;
        let start = Instant::now();
        while t.more(start) {
            let before = next(&w);
            t.runs += 1;
            t.mid_run += usize::from(kill_at_random(&cmd, max, &mut rng));
            leftovers(&dir, &["w.json", "w.json.lock"], &mut t.temps);
            let after = next(&w);
            assert!(after == before || after == before + 1, "{before} → {after}");
            if after == before {
                t.old += 1;
            } else {
                t.new += 1;
            }
        }
        // The next run hands out the next address at once.
        let before = next(&w);
        let t0 = Instant::now();
        let o = run(&cmd);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the next run waited for a dead lock"
        );
        assert_eq!(next(&w), before + 1);
        t.done();
    }

    // ---- qr scan -o --force over an old file: the old bytes or exactly the scanned payload.
    {
        let mut t = Tally::new("qr scan -o");
        let dir = d.join("scan");
        std::fs::create_dir(&dir).unwrap();
        let payload: Vec<u8> = (0..60_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let src = d.join("payload.bin");
        std::fs::write(&src, &payload).unwrap();
        let parts = d.join("parts.txt");
        let o = run(&format!(
            "{} qr show --format ur --text --fragment 200 {} > {}",
            b(),
            q(&src),
            q(&parts)
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = dir.join("out.bin");
        let old = b"an older scan".to_vec();
        let cmd = format!(
            "{} --quiet qr scan --force --text-file {} -o {}",
            b(),
            q(&parts),
            q(&out)
        );
        let max = duration_of(&cmd, || ()) * 6 / 5;
        assert_eq!(std::fs::read(&out).unwrap(), payload);
        let start = Instant::now();
        while t.more(start) {
            std::fs::write(&out, &old).unwrap();
            t.runs += 1;
            t.mid_run += usize::from(kill_at_random(&cmd, max, &mut rng));
            leftovers(&dir, &["out.bin"], &mut t.temps);
            let got = std::fs::read(&out).unwrap();
            if got == old {
                t.old += 1;
            } else {
                assert!(
                    got == payload,
                    "the output is neither the old file nor the payload ({} bytes)",
                    got.len()
                );
                t.new += 1;
            }
        }
        t.done();
    }
    eprintln!("crash-safety: all scenarios in {:?}", started.elapsed());
}
