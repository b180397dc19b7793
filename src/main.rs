//! The `airsign` binary: harden the process, parse arguments, run, map errors to exit codes.
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before anything can hold a secret: no core dumps, not ptrace-able.
    let hardening = airsign::secrets::harden::harden_process();

    let cli = match airsign::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // clap prints help/version to stdout and usage errors to stderr.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Err(warning) = hardening {
        if !cli.quiet {
            eprintln!("airsign: warning: {warning}");
        }
    }

    match airsign::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// `airsign: error: <what>`, then each cause, then a hint when there is one.
fn report(e: &airsign::Error) {
    if e.is_broken_pipe() {
        return;
    }
    // Errors quote untrusted input (file names, frames, PSBT fields): escape every line, so no
    // byte from a hostile source reaches the terminal raw.
    let escape = airsign::sanitize::escape;
    // Red only on a terminal and without NO_COLOR (no-color.org).
    let (red, reset) = if airsign::screen::colour_for(true) {
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
