//! One handler per subcommand: read inputs, call the library, render human text or `--json`.
mod account;
mod address;
mod approve;
mod bundle;
mod carry;
mod demo;
mod log;
mod online;
mod policy;
pub mod qr;
mod register;
mod seed;
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
        Command::Qr(cmd) => qr::run(cmd),
        Command::Demo(args) => demo::run(args),
        Command::Log(cmd) => log::run(cmd),
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

pub(crate) fn print_bytes(b: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(b)
        .and_then(|_| out.flush())
        .map_err(Error::Output)
}

/// Print one line on stdout.
pub(crate) fn println_out(s: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")
        .and_then(|_| out.flush())
        .map_err(Error::Output)
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
    let mut tty = crate::secrets::prompt::tty()
        .map_err(|_| crate::secrets::SecretError::NoTty("confirmation (use --yes in scripts)"))?;
    write!(tty, "{question}").map_err(|e| Error::io("write", "/dev/tty", e))?;
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| Error::io("read", "/dev/tty", e))?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}
