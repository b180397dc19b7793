//! Secret input: from the terminal without echo, or from an explicit file descriptor for scripted
//! ceremonies. Never from argv or the environment.
use std::io::{Read, Write};

use secrecy::SecretString;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Mnemonic, SecretError};

/// Largest secret we read from a descriptor (a 24-word mnemonic is ~220 bytes).
const MAX_SECRET_BYTES: u64 = 4096;

/// How often a passphrase is asked before giving up (each slip asks again).
const MAX_PASSPHRASE_TRIES: usize = 5;

/// Tries per position in the backup check after `seed new`.
pub const BACKUP_CHECK_TRIES: usize = 3;

/// A line for the person at the terminal (never stdout or stderr, which may be logs).
fn tty_note(text: &str) -> Result<(), SecretError> {
    let mut t = tty()?;
    writeln!(t, "{text}").map_err(|source| SecretError::Read {
        what: "terminal",
        source,
    })
}

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The controlling terminal, without echo.
    Tty,
    /// An inherited file descriptor (`--passphrase-fd 3 3<file`); one secret per descriptor.
    Fd(i32),
}

impl Source {
    /// `Fd(n)` when a descriptor was given, else the terminal.
    pub fn from_fd(fd: Option<i32>) -> Self {
        fd.map_or(Source::Tty, Source::Fd)
    }
}

/// Read everything on descriptor `fd` (up to a small limit) into a zeroizing buffer.
fn read_fd(fd: i32, what: &'static str) -> Result<Zeroizing<String>, SecretError> {
    // Opening /dev/fd/N duplicates the inherited descriptor without any unsafe code.
    let path = format!("/dev/fd/{fd}");
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_SECRET_BYTES as usize + 1));
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_SECRET_BYTES + 1).read_to_end(&mut buf))
        .map_err(|source| SecretError::Read { what, source })?;
    if buf.len() as u64 > MAX_SECRET_BYTES {
        return Err(SecretError::Read {
            what,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "more than 4096 bytes"),
        });
    }
    let text = std::str::from_utf8(&buf).map_err(|_| SecretError::Read {
        what,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// First line, without its line ending.
fn first_line(text: &str) -> &str {
    text.split('\n').next().unwrap_or("").trim_end_matches('\r')
}

fn tty_prompt(prompt: &str, what: &'static str) -> Result<Zeroizing<String>, SecretError> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|_| SecretError::NoTty(what))
}

/// Read a passphrase. With `confirm`, the terminal asks twice and compares in constant time.
/// `allow_empty` is for the BIP39 passphrase, where empty means "none".
pub fn passphrase(
    source: Source,
    what: &'static str,
    confirm: bool,
    allow_empty: bool,
) -> Result<SecretString, SecretError> {
    let value = match source {
        Source::Fd(fd) => {
            let all = read_fd(fd, what)?;
            Zeroizing::new(first_line(&all).to_owned())
        }
        // A slip (the two entries differ, or an empty one) asks again instead of aborting:
        // at `seed new` an abort would throw away words already written down.
        Source::Tty => {
            let mut tries = 0;
            loop {
                tries += 1;
                let first = tty_prompt(&format!("Enter {what}: "), what)?;
                let problem = if first.is_empty() && !allow_empty {
                    SecretError::EmptyPassphrase
                } else if confirm
                    && !bool::from(
                        first
                            .as_bytes()
                            .ct_eq(tty_prompt(&format!("Repeat {what}: "), what)?.as_bytes()),
                    )
                {
                    SecretError::PassphraseMismatch
                } else {
                    break first;
                };
                if tries >= MAX_PASSPHRASE_TRIES {
                    return Err(problem);
                }
                tty_note(&format!("{problem}; try again."))?;
            }
        }
    };
    if value.is_empty() && !allow_empty {
        return Err(SecretError::EmptyPassphrase);
    }
    Ok(SecretString::from(value.as_str()))
}

/// Read a mnemonic: words on the descriptor, or typed on the terminal without echo.
pub fn mnemonic(source: Source) -> Result<Mnemonic, SecretError> {
    let text = match source {
        Source::Fd(fd) => read_fd(fd, "mnemonic")?,
        Source::Tty => tty_prompt(
            "Type the mnemonic words separated by spaces (nothing is shown): ",
            "mnemonic",
        )?,
    };
    Mnemonic::parse(&text)
}

/// Open the controlling terminal for showing a secret to the person in front of it (never
/// stdout, which may be a pipe or a log).
pub fn tty() -> Result<std::fs::File, SecretError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| SecretError::NoTty("display of the new words"))
}

/// Show the words on the terminal, wait for Enter, then clear the screen and scrollback.
pub fn show_words_on_tty(m: &Mnemonic) -> Result<(), SecretError> {
    let mut t = tty()?;
    let mut text = Zeroizing::new(String::new());
    text.push_str("\nWrite these words down, in order, on paper. They are shown once.\n\n");
    for i in 0..m.word_count() {
        let w = m.word(i).unwrap_or("?");
        text.push_str(&format!("  {:>2}. {:<10}", i + 1, w));
        if i % 4 == 3 {
            text.push('\n');
        }
    }
    text.push_str("\nPress Enter when they are written down.");
    let io_err = |source| SecretError::Read {
        what: "terminal",
        source,
    };
    t.write_all(text.as_bytes()).map_err(io_err)?;
    t.flush().map_err(io_err)?;
    let mut line = Zeroizing::new(Vec::new());
    let mut byte = [0u8; 1];
    while t.read(&mut byte).map_err(io_err)? == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    // Clear screen and scrollback so the words do not linger.
    t.write_all(b"\x1b[2J\x1b[3J\x1b[H").map_err(io_err)?;
    Ok(())
}

/// Ask the user to type back the words at `positions` (1-based).
pub fn backup_check(m: &Mnemonic, positions: &[usize], source: Source) -> Result<(), SecretError> {
    let check = |p: usize, given: &str| -> Result<(), SecretError> {
        let expected = m.word(p - 1).unwrap_or("");
        if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            Ok(())
        } else {
            Err(SecretError::BackupCheckFailed { position: p })
        }
    };
    match source {
        Source::Fd(fd) => {
            let all = read_fd(fd, "backup check words")?;
            let answers: Vec<Zeroizing<String>> = all
                .split_whitespace()
                .map(|w| Zeroizing::new(w.to_lowercase()))
                .collect();
            for (i, p) in positions.iter().enumerate() {
                check(*p, answers.get(i).map(|s| s.as_str()).unwrap_or(""))?;
            }
        }
        // On the terminal each answer is checked as it is typed; a slip is asked again, up to
        // BACKUP_CHECK_TRIES times per position, so a typo never throws the written words away.
        Source::Tty => {
            for p in positions {
                let mut tries = 0;
                loop {
                    tries += 1;
                    let w = tty_prompt(&format!("Backup check: type word #{p}: "), "backup check")?;
                    match check(*p, &Zeroizing::new(w.trim().to_lowercase())) {
                        Ok(()) => break,
                        Err(e) if tries >= BACKUP_CHECK_TRIES => return Err(e),
                        Err(_) => {
                            let left = BACKUP_CHECK_TRIES - tries;
                            tty_note(&format!(
                                "That is not word #{p} of the words shown; check your paper ({left} {} left).",
                                if left == 1 { "try" } else { "tries" }
                            ))?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Read the words of a paper backup for `seed verify-backup`: from the descriptor (one word per
/// line or all on one line; all of it is read), or on the terminal without echo, one prompt per
/// position in `asked` (1-based). Nothing is checked here and nothing typed is shown.
pub fn backup_words(
    source: Source,
    asked: &[usize],
) -> Result<Vec<Zeroizing<String>>, SecretError> {
    match source {
        Source::Fd(fd) => {
            let all = read_fd(fd, "backup words")?;
            Ok(all
                .split_whitespace()
                .map(|w| Zeroizing::new(w.to_owned()))
                .collect())
        }
        Source::Tty => asked
            .iter()
            .map(|p| tty_prompt(&format!("Word #{p} (nothing is shown): "), "backup words"))
            .collect(),
    }
}

/// Read die rolls (digits 1–6, anything else but whitespace is an error).
pub fn dice(source: Source, min_rolls: usize) -> Result<Zeroizing<String>, SecretError> {
    let text = match source {
        Source::Fd(fd) => read_fd(fd, "die rolls")?,
        Source::Tty => tty_prompt(
            &format!("Type at least {min_rolls} die rolls (1-6; nothing is shown), then Enter: "),
            "die rolls",
        )?,
    };
    super::entropy::parse_rolls(&text, min_rolls)
}
