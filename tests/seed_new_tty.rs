//! `seed new` as a person uses it, on a real terminal (tmux): the words appear once on the TTY
//! (never on stdout), the screen is cleared, three positions are asked back; a wrong answer is
//! asked again (up to three tries per position), and only three wrong answers in a row end the
//! run, writing nothing. Also `--dice` mixes die rolls in.
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Run tmux against the session's own server (`-L`): the tests run in parallel, and on one shared
/// server a test's `kill-session` of the last session stops the server while another test's
/// `new-session` is connecting to it. CI once lost a session that way and waited on a blank screen.
fn tmux(session: &str, args: &[&str]) -> String {
    let o = Command::new("tmux")
        .args(["-L", session])
        .args(args)
        .output()
        .expect("tmux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Type `text` and Enter. The text is sent literally (`-l`): tmux reads a bare argument as a key
/// name when it is one, case-insensitively, and "enter", "space", "home", "end", "escape", "left",
/// "right" and "any" are BIP39 words: a seed holding one had its answer typed as a key (tmux sends
/// `home` as the Home key's escape sequence), and the backup check failed on right answers.
fn type_line(session: &str, text: &str) {
    tmux(session, &["send-keys", "-t", session, "-l", text]);
    tmux(session, &["send-keys", "-t", session, "Enter"]);
}

/// Start `cmd` in a detached session of its own server; a failure to start is the test's failure.
fn start_session(session: &str, cmd: &str) {
    let o = Command::new("tmux")
        .args(["-L", session, "new-session", "-d", "-s", session])
        .args(["-x", "120", "-y", "40", cmd])
        .output()
        .expect("tmux");
    assert!(
        o.status.success(),
        "tmux new-session failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
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

const FAIR_ROLLS: &str = "515466545336523241215565364422512354625436615362442411164153623323141561516512152131545141526566261";

/// How the person answers the backup check.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answers {
    /// Every word right the first time.
    Right,
    /// A typo at the first position, then the right word; the rest right.
    SlipThenRight,
    /// Wrong every time.
    Wrong,
}

/// Run `seed new` in tmux and answer the backup check. Returns (stdout+stderr, file, words).
fn run(name: &str, extra: &str, answers: Answers) -> (String, std::path::PathBuf, String) {
    run_with(name, extra, answers, false)
}

/// Wait until `needle` is on the screen at least `n` times. On a timeout the message also shows
/// what the program printed to `log` (its redirected stdout and stderr), which a blank screen
/// would otherwise hide.
fn wait_count(session: &str, log: &std::path::Path, needle: &str, n: usize) -> String {
    let t = Instant::now();
    loop {
        let screen = tmux(session, &["capture-pane", "-p", "-t", session]);
        if screen.matches(needle).count() >= n {
            return screen;
        }
        if t.elapsed() > Duration::from_secs(20) {
            let printed = std::fs::read_to_string(log).unwrap_or_default();
            panic!("timed out waiting for {n}× {needle:?}; screen:\n{screen}\nprinted:\n{printed}");
        }
        sleep(Duration::from_millis(50));
    }
}

/// As `run`; with `tty_pass` the file passphrase is typed on the terminal, with two slips first
/// (entries that differ, then an empty one), each of which must ask again.
fn run_with(
    name: &str,
    extra: &str,
    answers: Answers,
    tty_pass: bool,
) -> (String, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap().keep();
    let out = dir.join("seed.age");
    std::fs::write(dir.join("pw"), "pw\n").unwrap();
    std::fs::write(dir.join("dice"), "1".repeat(60)).unwrap();
    // 99 rolls of a fair die (Python's `random.SystemRandom`), on descriptor 6.
    std::fs::write(dir.join("fair"), FAIR_ROLLS).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("airsign");
    let session = format!("airsign-{name}-{}", std::process::id());
    let log = dir.join("stdout");
    let cmd = format!(
        "'{}' seed new --words 12 --network regtest --kdf-work-factor 10 --out '{}' {} {extra} 3<'{}' 5<'{}' 6<'{}/fair' > '{}/stdout' 2>&1; echo EXIT=$? >> '{}/stdout'; sleep 30",
        bin.display(),
        out.display(),
        if tty_pass { "" } else { "--passphrase-fd 3" },
        dir.join("pw").display(),
        dir.join("dice").display(),
        dir.display(),
        dir.display(),
        dir.display()
    );
    start_session(&session, &cmd);
    if tty_pass {
        let enter = "Enter seed file passphrase";
        let repeat = "Repeat seed file passphrase";
        wait_count(&session, &log, enter, 1);
        type_line(&session, "one");
        wait_count(&session, &log, repeat, 1);
        type_line(&session, "other");
        wait_count(&session, &log, "differ; try again", 1);
        wait_count(&session, &log, enter, 2);
        tmux(&session, &["send-keys", "-t", &session, "Enter"]);
        wait_count(&session, &log, "empty; try again", 1);
        wait_count(&session, &log, enter, 3);
        type_line(&session, "pw");
        wait_count(&session, &log, repeat, 2);
        type_line(&session, "pw");
    }
    let mut screen = wait_count(&session, &log, "Press Enter", 1);
    // The grid may still be drawing when the prompt shows (or be redrawn after a clear): read
    // until two captures agree and every numbered word is on screen. A slow machine once gave
    // a half-drawn grid, wrong answers and a failed backup check.
    let numbered = |s: &str| {
        let tokens: Vec<&str> = s.split_whitespace().collect();
        (1..=12).all(|n| tokens.contains(&format!("{n}.").as_str()))
    };
    let t = Instant::now();
    loop {
        sleep(Duration::from_millis(150));
        let again = tmux(&session, &["capture-pane", "-p", "-t", &session]);
        if (again == screen && numbered(&again)) || t.elapsed() > Duration::from_secs(15) {
            break;
        }
        screen = again;
    }
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
    tmux(&session, &["send-keys", "-t", &session, "Enter"]);
    let finished = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("EXIT=")
    };
    let mut sent = 0;
    let mut slipped = false;
    loop {
        // Wait for the next prompt (earlier ones stay on the screen) or for the end.
        let t = Instant::now();
        let screen = loop {
            let screen = tmux(&session, &["capture-pane", "-p", "-t", &session]);
            if screen.matches("type word #").count() > sent || finished() {
                break screen;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "no prompt {}; screen:\n{screen}",
                sent + 1
            );
            sleep(Duration::from_millis(50));
        };
        if screen.matches("type word #").count() <= sent {
            break;
        }
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
        let answer = match answers {
            Answers::Wrong => "wrong".to_owned(),
            Answers::SlipThenRight if !slipped => {
                slipped = true;
                "wrong".to_owned()
            }
            _ => words[pos - 1].clone(),
        };
        type_line(&session, &answer);
        sent += 1;
        assert!(sent <= 10, "too many prompts:\n{screen}");
    }
    if answers == Answers::SlipThenRight {
        let screen = tmux(&session, &["capture-pane", "-p", "-t", &session]);
        assert!(screen.contains("2 tries left"), "no retry note:\n{screen}");
        assert_eq!(sent, 4, "one slip, three right answers");
    }
    if answers == Answers::Wrong {
        assert_eq!(sent, 3, "three tries at the first position, then the end");
    }
    let t = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("EXIT=")
    {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "seed new did not finish"
        );
        sleep(Duration::from_millis(100));
    }
    tmux(&session, &["kill-session", "-t", &session]);
    let stdout = std::fs::read_to_string(&log).unwrap();
    // The fixed error and hint lines of a failed check hold no secret (only a position number),
    // but ordinary English there ("again", "paper") may also be a BIP39 word: leave them out.
    let fixed = |l: &str| {
        let t: String = l.chars().filter(|c| !c.is_ascii_digit()).collect();
        t == "airsign: error: word  was not confirmed after  tries: the backup check failed; the words were not confirmed and nothing was written"
            || t == "  hint: run `airsign seed new` again; it makes new words, so destroy the paper with these ones (no file holds them)"
    };
    let checked: String = stdout
        .lines()
        .filter(|l| !fixed(l))
        .collect::<Vec<_>>()
        .join("\n");
    for w in &words {
        assert!(
            !checked.split_whitespace().any(|t| t == w),
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
    let (stdout, out, words) = run("ok", "", Answers::Right);
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
fn a_slip_in_the_backup_check_is_asked_again() {
    if !have_tmux() {
        return;
    }
    let (stdout, out, words) = run("slip", "", Answers::SlipThenRight);
    assert!(stdout.contains("EXIT=0"), "{stdout}");
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
}

#[test]
fn passphrase_slips_are_asked_again() {
    if !have_tmux() {
        return;
    }
    let (stdout, out, _) = run_with("pass", "", Answers::Right, true);
    assert!(stdout.contains("EXIT=0"), "{stdout}");
    let bytes = std::fs::read(&out).unwrap();
    airsign::secrets::seedfile::open(
        &bytes,
        &airsign::secrets::seedfile::Unlock::Passphrase("pw".into()),
    )
    .expect("the file opens with the passphrase typed the third time");
}

#[test]
fn three_wrong_backup_answers_write_nothing() {
    if !have_tmux() {
        return;
    }
    let (stdout, out, _) = run("wrong", "", Answers::Wrong);
    assert!(stdout.contains("EXIT=1"), "{stdout}");
    assert!(stdout.contains("backup check failed"), "{stdout}");
    assert!(stdout.contains("nothing was written"), "{stdout}");
    assert!(stdout.contains("seed new` again"), "{stdout}");
    assert!(!out.exists());
}

#[test]
fn dice_rolls_are_mixed_in() {
    if !have_tmux() {
        return;
    }
    let (stdout, _, words) = run("dice", "--dice --dice-fd 5", Answers::Right);
    assert!(stdout.contains("EXIT=0"), "{stdout}");
    // Sixty 1s: warned (statistic and threshold named), not refused, and the rolls not echoed.
    assert!(
        stdout.contains("warning: die rolls: the faces are uneven: chi-square 300.0 with 5 degrees of freedom is above 15.09, the p < 0.01 threshold"),
        "{stdout}"
    );
    assert!(
        stdout.contains("one face came up 60 times in a row"),
        "{stdout}"
    );
    assert!(!stdout.contains("1111"), "{stdout}");
    let (fair, _, _) = run("dicefair", "--dice --dice-fd 6", Answers::Right);
    assert!(fair.contains("EXIT=0"), "{fair}");
    assert!(!fair.contains("warning: die rolls"), "{fair}");
    // 60 ones alone would give the same mnemonic every time; OS entropy is mixed in.
    let (_, _, words2) = run("dice2", "--dice --dice-fd 5", Answers::Right);
    assert_ne!(words, words2);
}
