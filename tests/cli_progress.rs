//! Progress bars for the slow renderings (a long GIF takes seconds): drawn on stderr when it is
//! a terminal, never with --quiet, never into a pipe or a log.
mod common;

use common::{bin, q};

/// Run `cmd` with stdout and stderr on a pseudo-terminal (`script`); what the terminal got.
fn on_a_tty(cmd: &str) -> String {
    let o = std::process::Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn long_renderings_show_progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 3,000 bytes in 100-byte fragments: 31 fragments, 62 frames.
    let payload: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(d.join("in.bin"), payload).unwrap();
    let show = |extra: &str| {
        format!(
            "{} qr show {} --fragment 100 --module-px 1 --gif {} --html {} --png-dir {} --force {extra}",
            q(&bin()),
            q(&d.join("in.bin")),
            q(&d.join("out.gif")),
            q(&d.join("out.html")),
            q(&d.join("frames"))
        )
    };
    let tty = on_a_tty(&show(""));
    for what in [
        "encoding QR frames",
        "rendering GIF",
        "rendering HTML",
        "writing PNG frames",
    ] {
        assert!(tty.contains(what), "no {what:?} bar on a terminal: {tty:?}");
    }
    assert!(tty.contains("/62"), "{tty:?}");
    let quiet = on_a_tty(&show("--quiet"));
    assert!(quiet.contains("QR: 62 frame(s)"), "{quiet:?}");
    assert!(
        !quiet.contains("rendering GIF"),
        "--quiet drew a bar: {quiet:?}"
    );
    // Into a pipe: the files are written, no bar is drawn.
    let o = std::process::Command::new("bash")
        .args(["-c", &show("")])
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("QR: 62 frame(s)"), "{err}");
    assert!(!err.contains("rendering") && !err.contains('\r'), "{err:?}");
    assert!(std::fs::metadata(d.join("out.gif")).unwrap().len() > 0);
}
