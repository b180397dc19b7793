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

    let result = airsign::commands::run(cli);
    // Test builds only: stop here, secrets dropped, for tests/secret_memory.rs to read memory.
    #[cfg(feature = "memory-probe")]
    airsign::probe::pause_if_asked();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            airsign::commands::report(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
