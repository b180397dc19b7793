//! `seed new` as a person uses it, on a real terminal (tmux): the words appear once on the TTY
//! (never on stdout), the screen is cleared, three positions are asked back, and a wrong answer
//! writes nothing. Also `--dice` mixes die rolls in.
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("CI").as_deref() == Ok("true") {
        panic!("tmux is required in CI (scripts/test.sh installs it)");
    }
    ok
}

fn wait_for(session: &str, needle: &str) -> String {
    let t = Instant::now();
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if screen.contains(needle) {
            return screen;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "timed out waiting for {needle:?}; screen:\n{screen}"
        );
        sleep(Duration::from_millis(100));
    }
}

/// Run `seed new` in tmux; answer the backup check correctly or not. Returns (exit code, stdout).
fn run(name: &str, extra: &str, correct: bool) -> (String, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap().keep();
    let out = dir.join("seed.age");
    std::fs::write(dir.join("pw"), "pw\n").unwrap();
    std::fs::write(dir.join("dice"), "1".repeat(60)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("airsign");
    let session = format!("airsign-{name}-{}", std::process::id());
    let cmd = format!(
        "'{}' seed new --words 12 --network regtest --kdf-work-factor 10 --out '{}' --passphrase-fd 3 {extra} 3<'{}' 5<'{}' > '{}/stdout' 2>&1; echo EXIT=$? >> '{}/stdout'; sleep 30",
        bin.display(),
        out.display(),
        dir.join("pw").display(),
        dir.join("dice").display(),
        dir.display(),
        dir.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ]);
    let screen = wait_for(&session, "Press Enter");
    // "   1. abandon     2. ability …"
    let mut words = vec![String::new(); 12];
    let tokens: Vec<&str> = screen.split_whitespace().collect();
    for w in tokens.windows(2) {
        if let Some(n) = w[0].strip_suffix('.').and_then(|n| n.parse::<usize>().ok()) {
            if (1..=12).contains(&n) {
                words[n - 1] = w[1].to_owned();
            }
        }
    }
    assert!(
        words.iter().all(|w| !w.is_empty()),
        "words not shown: {screen}"
    );
    tmux(&["send-keys", "-t", &session, "Enter"]);
    for k in 1..=3 {
        // Wait for the k-th prompt (earlier ones stay on the screen).
        let t = Instant::now();
        let screen = loop {
            let screen = tmux(&["capture-pane", "-p", "-t", &session]);
            if screen.matches("type word #").count() >= k {
                break screen;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "no prompt {k}; screen:\n{screen}"
            );
            sleep(Duration::from_millis(50));
        };
        let pos: usize = screen
            .rsplit("type word #")
            .next()
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The words must be gone from the screen once the check starts.
        assert!(
            !screen.contains(&format!("{pos}. {}", words[pos - 1])),
            "words still on screen"
        );
        let answer = if correct {
            words[pos - 1].clone()
        } else {
            "wrong".into()
        };
        tmux(&["send-keys", "-t", &session, &answer, "Enter"]);
        if !correct {
            break;
        }
    }
    let stdout_path = dir.join("stdout");
    let t = Instant::now();
    while !std::fs::read_to_string(&stdout_path)
        .unwrap_or_default()
        .contains("EXIT=")
    {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "seed new did not finish"
        );
        sleep(Duration::from_millis(100));
    }
    tmux(&["kill-session", "-t", &session]);
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    for w in &words {
        assert!(
            !stdout.split_whitespace().any(|t| t == w),
            "a mnemonic word reached stdout/stderr: {w}"
        );
    }
    (stdout, out, words.join(" "))
}

#[test]
fn seed_new_shows_words_on_the_tty_checks_the_backup_and_writes_the_file() {
    if !have_tmux() {
        return;
    }
    let (stdout, out, words) = run("ok", "", true);
    assert!(stdout.contains("EXIT=0"), "{stdout}");
    assert!(stdout.contains("fingerprint"));
    // The file opens and holds exactly the words that were shown.
    let bytes = std::fs::read(&out).unwrap();
    let u = airsign::secrets::seedfile::open(
        &bytes,
        &airsign::secrets::seedfile::Unlock::Passphrase("pw".into()),
    )
    .unwrap();
    let shown = airsign::secrets::Mnemonic::parse(&words).unwrap();
    assert_eq!(
        u.info.fingerprint,
        shown
            .to_seed("", bitcoin::Network::Regtest)
            .fingerprint()
            .to_string()
    );
    assert_eq!(u.info.words, 12);
}

#[test]
fn a_wrong_backup_answer_writes_nothing() {
    if !have_tmux() {
        return;
    }
    let (stdout, out, _) = run("wrong", "", false);
    assert!(stdout.contains("EXIT=1"), "{stdout}");
    assert!(stdout.contains("backup check failed"));
    assert!(!out.exists());
}

#[test]
fn dice_rolls_are_mixed_in() {
    if !have_tmux() {
        return;
    }
    let (stdout, _, words) = run("dice", "--dice --dice-fd 5", true);
    assert!(stdout.contains("EXIT=0"), "{stdout}");
    // 60 ones alone would give the same mnemonic every time; OS entropy is mixed in.
    let (_, _, words2) = run("dice2", "--dice --dice-fd 5", true);
    assert_ne!(words, words2);
}
