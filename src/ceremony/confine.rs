//! What a checklist may make airsign do. A checklist can come from a compromised machine, so a
//! step's command line is confined (adversarial pass 6, F1–F3):
//!
//! - no flag that skips the operator or the records: `--yes` (a person confirms every signing
//!   and registration), `--force` (nothing is replaced), `--log` (the seed's own log is used),
//!   the descriptor flags for secrets (the ceremony gives them), and the hidden test flags;
//! - no path outside the ceremony folder: no absolute path, no `..`, no `~` (so no
//!   `/proc/self/fd/N` holding the passphrase, no `~/.bashrc`);
//! - no file airsign keeps as a record (`*.audit.jsonl`, `*.wallets.json`, `*.policy-pin`,
//!   `*.keychecks.json`) except for the read-only `log` commands;
//! - no age-encrypted file (a seed) anywhere but after `--seed` or `--identity`, so no step can
//!   show the seed file as QR or copy it;
//! - no flag made by substitution: a captured value (attacker data, e.g. a wallet's name) that
//!   starts with `-` cannot become `--yes`.
use std::path::{Component, Path};

/// Flags no checklist step may use.
pub const FORBIDDEN_FLAGS: &[&str] = &[
    "--yes",
    "--force",
    "--log",
    "--passphrase-fd",
    "--bip39-passphrase-fd",
    "--mnemonic-fd",
    "--words-fd",
    "--dice-fd",
    "--backup-check-fd",
    "--answers-fd",
    "--root",
    "--airgap-root",
];

/// File names airsign keeps its own records under.
const RECORD_SUFFIXES: &[&str] = &[
    ".audit.jsonl",
    ".wallets.json",
    ".policy-pin",
    ".keychecks.json",
];

/// Check a step's command line as written in the checklist (before substitution).
pub fn check_template(argv: &[String]) -> Result<(), String> {
    for a in argv {
        check_token(argv, a)?;
    }
    Ok(())
}

/// Check the command line after substitution, against the template it came from, and the files
/// it names as they are now.
pub fn check_run(template: &[String], argv: &[String]) -> Result<(), String> {
    for (t, a) in template.iter().zip(argv) {
        if a.starts_with('-') && !t.starts_with('-') {
            return Err(format!(
                "the captured value {a:?} would be read as an option: refused"
            ));
        }
        check_token(argv, a)?;
    }
    age_outside_seed(argv, Path::new("."))
}

/// An age-encrypted file named anywhere but right after `--seed`/`--identity` (paths relative
/// to `base`).
fn age_outside_seed(argv: &[String], base: &Path) -> Result<(), String> {
    let mut after_key_flag = false;
    for a in argv {
        if !after_key_flag && !a.starts_with('-') && is_age_file(&base.join(path_part(a))) {
            return Err(format!(
                "{a:?} is an encrypted seed or key file: a step may name it only after --seed or --identity"
            ));
        }
        after_key_flag = a == "--seed" || a == "--identity";
    }
    Ok(())
}

fn check_token(argv: &[String], a: &str) -> Result<(), String> {
    let flag = a.split('=').next().unwrap_or(a);
    if FORBIDDEN_FLAGS.contains(&flag) {
        return Err(format!(
            "{flag} is not allowed in a ceremony step (the operator confirms, nothing is replaced, the seed's own log is used)"
        ));
    }
    let value = match a.split_once('=') {
        Some((f, v)) if f.starts_with("--") => v,
        _ => a,
    };
    let path = path_part(value);
    if path.starts_with('/') || path.starts_with('~') {
        return Err(format!(
            "{a:?}: a step names files inside the ceremony folder only (no absolute paths)"
        ));
    }
    if Path::new(path)
        .components()
        .any(|c| c == Component::ParentDir)
    {
        return Err(format!(
            "{a:?}: a step names files inside the ceremony folder only (no ..)"
        ));
    }
    if argv.first().map(String::as_str) != Some("log")
        && RECORD_SUFFIXES.iter().any(|s| path.ends_with(s))
    {
        return Err(format!(
            "{a:?} is one of airsign's own records: only the `log` commands may name it in a ceremony"
        ));
    }
    Ok(())
}

/// The path in a `--qr`/`--scan` surface (`text:F`, `gif:F`, `html:F`, `png:D`, `dir:D`,
/// `camera:DEV`), or the token itself.
pub fn path_part(a: &str) -> &str {
    match a.split_once(':') {
        Some(("text" | "gif" | "html" | "png" | "dir" | "camera", p)) => p,
        _ => a,
    }
}

/// An age-encrypted file (binary or armored header): what seed files and identities are.
fn is_age_file(p: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let mut head = [0u8; 40];
    let n = std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"age-encryption.org/")
        || head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
        || head.starts_with(b"AGE-SECRET-KEY-")
        || head.starts_with(b"# created:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_paths_and_records_a_hostile_checklist_could_use_are_refused() {
        for bad in [
            v(&["sign", "--seed", "a.age", "x.psbt", "-o", "s.psbt", "--yes"]),
            v(&["qr", "scan", "--text-file", "f", "-o", "x", "--force"]),
            v(&["sign", "--log=fresh.jsonl"]),
            v(&["digest", "/proc/self/fd/4"]),
            v(&["qr", "scan", "--text-file", "p", "-o", "../../home/.bashrc"]),
            v(&["qr", "show", "x", "--html", "~/x.html"]),
            v(&["qr", "scan", "--dir", "d", "-o", "a.age.audit.jsonl"]),
            v(&["sign", "--qr", "text:/tmp/out"]),
            v(&["airgap", "check", "--root", "fake"]),
        ] {
            assert!(check_template(&bad).is_err(), "{bad:?}");
        }
        assert!(check_template(&v(&["log", "verify", "a.age.audit.jsonl"])).is_ok());
        assert!(check_template(&v(&[
            "message",
            "sign",
            "--seed",
            "a.age",
            "--path",
            "m/84h/1h/0h/0/0",
            "hello"
        ]))
        .is_ok());
    }

    #[test]
    fn a_captured_value_cannot_become_an_option_nor_a_seed_be_named_outside_seed() {
        let t = v(&["sign", "--seed", "a.age", "${name}"]);
        assert!(check_run(&t, &v(&["sign", "--seed", "a.age", "--yes"])).is_err());
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("s.age"),
            b"age-encryption.org/v1\n-> scrypt x 18\n",
        )
        .unwrap();
        assert!(age_outside_seed(&v(&["seed", "info", "--seed", "s.age"]), d.path()).is_ok());
        assert!(
            age_outside_seed(&v(&["qr", "show", "s.age", "--html", "x.html"]), d.path()).is_err()
        );
        assert!(age_outside_seed(&v(&["digest", "s.age"]), d.path()).is_err());
    }
}
