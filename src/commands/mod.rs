//! One handler per subcommand: read inputs, call the library, render human text or `--json`.
//! Two modules here are not handlers but the CLI glue every handler shares: `carry` (input from
//! a file or QR, output to every `--qr` surface) and `unlock` (the seed-unlock flags to the
//! library's unlock options, and the ceremony's default passphrase descriptor).
mod account;
mod address;
mod approve;
mod bundle;
mod carry;
mod ceremony;
mod demo;
mod keycheck;
mod log;
mod message;
mod online;
mod policy;
pub mod qr;
mod register;
mod seed;
mod seedlog;
mod setup;
mod sign;
mod unlock;
mod wallet;

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::Error;

/// `--quiet` for this run, for the helpers shared by many handlers (progress bars).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--quiet` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Seed(cmd) => seed::run(cmd),
        Command::Account(cmd) => account::run(cmd),
        Command::Wallet(cmd) => wallet::run(cmd, cli.quiet),
        Command::Address(cmd) => address::run(cmd),
        Command::Bundle(cmd) => bundle::run(cmd),
        Command::Sign(args) => sign::run(args),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Approve(args) => approve::run(args),
        Command::Message(cmd) => message::run(cmd),
        Command::Keycheck(cmd) => keycheck::run(cmd),
        Command::Qr(cmd) => qr::run(cmd),
        Command::Demo(args) => demo::run(args),
        Command::Log(cmd) => log::run(cmd),
        Command::Ceremony(cmd) => ceremony::run(cmd),
        Command::Airgap(cmd) => ceremony::airgap(cmd),
        Command::Digest(args) => ceremony::digest(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "airsign", &mut out);
            print_bytes(&out)
        }
        Command::Man { dir: None } => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(Error::Output)?;
            print_bytes(&out)
        }
        Command::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
            let mut cmd = Cli::command();
            cmd.build();
            let n = man_pages(&cmd, "airsign", &dir)?;
            eprintln!(
                "wrote {n} man pages to {}",
                crate::sanitize::escape(&dir.display().to_string())
            );
            Ok(())
        }
    }
}

/// Write `name.1` for `cmd` and `name-<sub>.1` for each subcommand, recursively; returns the count.
fn man_pages(cmd: &clap::Command, name: &str, dir: &std::path::Path) -> Result<usize, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .map_err(Error::Output)?;
    crate::fsutil::write_atomic(&dir.join(format!("{name}.1")), &out)?;
    let mut n = 1;
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        n += man_pages(sub, &format!("{name}-{}", sub.get_name()), dir)?;
    }
    Ok(n)
}

thread_local! {
    /// While a ceremony runs a command in this process: what it prints on stdout, kept for the
    /// checklist to compare instead of going to the terminal.
    static CAPTURE: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
    /// While a ceremony runs with --answers-fd: where confirmations are answered.
    static ANSWERS: std::cell::RefCell<Option<Box<dyn std::io::BufRead>>> =
        const { std::cell::RefCell::new(None) };
}

/// Write on stdout, or into the ceremony's capture when one is active.
fn write_stdout(b: &[u8]) -> std::io::Result<()> {
    let captured = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
        Some(buf) => {
            buf.extend_from_slice(b);
            true
        }
        None => false,
    });
    if captured {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    out.write_all(b).and_then(|_| out.flush())
}

/// `text` for stdout, coloured only when stdout really is a terminal (never while a ceremony
/// captures it: the checklist and transcript get the plain text) and NO_COLOR allows.
pub(crate) fn paint_stdout(text: String) -> String {
    if CAPTURE.with(|c| c.borrow().is_some()) {
        text
    } else {
        crate::screen::for_stream(text, false)
    }
}

pub(crate) fn print_bytes(b: &[u8]) -> Result<(), Error> {
    write_stdout(b).map_err(Error::Output)
}

/// Print one line on stdout.
pub(crate) fn println_out(s: &str) -> Result<(), Error> {
    write_stdout(format!("{s}\n").as_bytes()).map_err(Error::Output)
}

/// Print an error the way the binary does: `airsign: error: <what>`, each cause, a hint.
pub fn report(e: &Error) {
    if e.is_broken_pipe() {
        return;
    }
    // Errors quote untrusted input (file names, frames, PSBT fields): escape every line, so no
    // byte from a hostile source reaches the terminal raw.
    let escape = crate::sanitize::escape;
    // Red only on a terminal and without NO_COLOR (no-color.org).
    let (red, reset) = if crate::screen::colour_for(true) {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("", "")
    };
    eprintln!("airsign: {red}error:{reset} {}", escape(&e.to_string()));
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        eprintln!("  cause: {}", escape(&cause.to_string()));
        source = cause.source();
    }
    if let Some(hint) = e.hint() {
        eprintln!("  hint: {}", escape(&hint));
    }
}

/// The version of every `--json` document (docs/json.md): fields are only added within a
/// version; removing one or changing its meaning bumps it.
pub const JSON_VERSION: u32 = 1;

/// Print one JSON document on stdout, with `"json_version"` first.
pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> Result<(), Error> {
    #[derive(serde::Serialize)]
    struct Versioned<'a, T> {
        json_version: u32,
        #[serde(flatten)]
        doc: &'a T,
    }
    let err = |e| Error::Output(std::io::Error::other(e));
    let s = match serde_json::to_string_pretty(&Versioned {
        json_version: JSON_VERSION,
        doc: v,
    }) {
        Ok(s) => s,
        // Only an object can take the field; the one bare array (`log pending --json`) is
        // printed as it always was (docs/json.md).
        Err(_) => serde_json::to_string_pretty(v).map_err(err)?,
    };
    println_out(&s)
}

/// `--json` owns stdout: a PSBT written to `-` would corrupt the document. Chosen over putting
/// the PSBT inside the JSON so that the JSON stays small and the file stays a plain PSBT.
pub(crate) fn json_owns_stdout(json: bool, out: Option<&std::path::Path>) -> Result<(), Error> {
    if json && out == Some(std::path::Path::new("-")) {
        return Err(Error::Usage(
            "--json prints one JSON document on stdout, so the output cannot go there too: give -o FILE".into(),
        ));
    }
    Ok(())
}

/// Ask on the terminal (never stdin: a script's input must not answer for a person); true only
/// for `yes`.
pub(crate) fn confirm_yes(question: &str) -> Result<bool, Error> {
    use std::io::BufRead;
    if let Some(answer) = ANSWERS.with(|a| {
        a.borrow_mut().as_mut().map(|r| {
            let mut line = String::new();
            // End of the answers (or unreadable): not a yes.
            let _ = std::io::Read::take(&mut **r, 1024).read_line(&mut line);
            line
        })
    }) {
        let answer = answer.trim();
        eprintln!("{question}{}", crate::sanitize::escape(answer));
        return Ok(answer.eq_ignore_ascii_case("yes"));
    }
    let mut tty = crate::secrets::prompt::tty()
        .map_err(|_| crate::secrets::SecretError::NoTty("confirmation (use --yes in scripts)"))?;
    write!(tty, "{question}").map_err(|e| Error::io("write", "/dev/tty", e))?;
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| Error::io("read", "/dev/tty", e))?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}
