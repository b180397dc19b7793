//! Colour only where a person reads a terminal: the review screen and the error label are
//! coloured on a TTY, and carry no escape code at all with NO_COLOR set (no-color.org: any
//! non-empty value) or when the output is piped.
mod common;

use std::path::Path;
use std::process::Output;

use common::{bin, q};

/// Run `cmd` under `script`, so its stdout and stderr are a pseudo-terminal; returns what the
/// terminal received.
fn on_a_tty(cmd: &str, no_color: Option<&str>) -> String {
    let mut c = std::process::Command::new("script");
    c.args(["-qec", cmd, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let o: Output = c.output().expect("script(1) from util-linux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn piped(cmd: &str) -> Output {
    std::process::Command::new("bash")
        .args(["-c", cmd])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .output()
        .unwrap()
}

fn psbt(dir: &Path) -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile/07-sighash-none.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let out = dir.join("in.psbt");
    std::fs::write(&out, v["psbt"].as_str().unwrap()).unwrap();
    out
}

#[test]
fn review_is_coloured_on_a_terminal_only_without_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!("{} bundle inspect {}", q(&bin()), q(&psbt(dir.path())));
    let tty = on_a_tty(&cmd, None);
    assert!(tty.contains("BUNDLE"), "{tty}");
    assert!(
        tty.contains("\x1b[1mBUNDLE "),
        "headings not bold on a TTY: {tty:?}"
    );
    for v in ["1", "true", "0"] {
        let plain = on_a_tty(&cmd, Some(v));
        assert!(plain.contains("BUNDLE"), "{plain}");
        assert!(!plain.contains('\x1b'), "NO_COLOR={v}: {plain:?}");
    }
    // An empty NO_COLOR is the same as none.
    assert!(on_a_tty(&cmd, Some("")).contains("\x1b[1mBUNDLE "));
    let o = piped(&cmd);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("BUNDLE") && !out.contains('\x1b'), "{out:?}");
}

#[test]
fn error_label_is_red_on_a_terminal_only_without_no_color() {
    let cmd = format!("{} bundle inspect /nonexistent/x.psbt", q(&bin()));
    let tty = on_a_tty(&cmd, None);
    assert!(tty.contains("airsign: \x1b[1;31merror:\x1b[0m "), "{tty:?}");
    let plain = on_a_tty(&cmd, Some("1"));
    assert!(
        plain.contains("airsign: error: ") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    let o = piped(&format!("{cmd} 2>&1"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("airsign: error: ") && !out.contains('\x1b'),
        "{out:?}"
    );
}
