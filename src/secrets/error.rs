/// Errors of the seed store and of secret input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The passphrase did not decrypt the seed file.
    #[error("wrong passphrase for the seed file")]
    WrongPassphrase,
    /// None of the given identities can decrypt the seed file.
    #[error("none of the given identities can decrypt the seed file")]
    NoMatchingIdentity,
    /// A prompt was needed but there is no terminal.
    #[error("no terminal to ask for the {0}")]
    NoTty(&'static str),
    /// The two passphrase entries differ.
    #[error("the two passphrase entries differ")]
    PassphraseMismatch,
    /// An empty passphrase was given where one is required.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// A word is not in the BIP39 English wordlist. Position is 1-based.
    #[error("word {position} is not in the BIP39 English wordlist")]
    UnknownWord {
        /// 1-based position of the bad word.
        position: usize,
    },
    /// The words are all valid but the checksum in the last word does not match.
    #[error("the mnemonic checksum does not match (the last word, word {last}, or another word is wrong)")]
    BadChecksum {
        /// Number of words (the checksum is in the last one).
        last: usize,
    },
    /// Not 12, 15, 18, 21 or 24 words.
    #[error("a mnemonic has 12, 15, 18, 21 or 24 words, not {0}")]
    BadWordCount(usize),
    /// The backup check after `seed new` failed.
    #[error("word {position} was not confirmed after 3 tries: the backup check failed; the words were not confirmed and nothing was written")]
    BackupCheckFailed {
        /// 1-based position asked.
        position: usize,
    },
    /// `seed verify-backup`: the typed words do not match the seed file at these positions.
    #[error("the backup does not match the seed file at word{}", list(wrong))]
    BackupMismatch {
        /// 1-based positions whose word was wrong (never the words).
        wrong: Vec<usize>,
    },
    /// `seed verify-backup`: the number of words given fits neither the positions asked nor the
    /// whole mnemonic.
    #[error("{given} word(s) given; expected {asked} (one per position asked) or {words} (the whole mnemonic)")]
    BackupWordCount {
        /// Words given.
        given: usize,
        /// Positions asked.
        asked: usize,
        /// Words in the mnemonic.
        words: usize,
    },
    /// `--positions` names a position the seed does not have.
    #[error("{0}")]
    BadPositions(String),
    /// Dice input was not 1–6 or too short.
    #[error("{0}")]
    BadDice(String),
    /// The seed file is not an age file or is damaged.
    #[error("the seed file is not a readable airsign seed file: {0}")]
    Corrupt(String),
    /// The seed file was written by a newer airsign.
    #[error("seed file version {0} is not supported (this airsign reads version 1)")]
    UnsupportedVersion(u64),
    /// Reading a secret from a file descriptor or the terminal failed.
    #[error("cannot read the {what}")]
    Read {
        /// What was being read.
        what: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed")]
    Rng,
    /// Encryption failed.
    #[error("cannot encrypt the seed file")]
    Encrypt(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Recipient encryption without any recipient.
    #[error("no age recipients were given")]
    NoRecipients,
    /// A recipient could not be parsed.
    #[error("not an age recipient: {0}")]
    BadRecipient(String),
}

/// `3, 7 and 12`.
fn list(p: &[usize]) -> String {
    let s: Vec<String> = p.iter().map(|n| n.to_string()).collect();
    match s.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("s {} and {last}", rest.join(", ")),
        _ => format!(" {}", s.join("")),
    }
}

impl SecretError {
    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            SecretError::WrongPassphrase => "try again; the passphrase is the one chosen at `seed new`/`seed import`, not the BIP39 passphrase",
            SecretError::NoTty(_) => "run in a terminal, or pass the secret on a file descriptor (e.g. --passphrase-fd 3 3<file)",
            SecretError::UnknownWord { .. } | SecretError::BadChecksum { .. } => "check the words against your backup; the words themselves are never printed",
            SecretError::NoMatchingIdentity => "pass the identity file that matches a recipient the seed was encrypted to (--identity)",
            SecretError::BackupCheckFailed { .. } => "run `airsign seed new` again; it makes new words, so destroy the paper with these ones (no file holds them)",
            SecretError::PassphraseMismatch | SecretError::EmptyPassphrase => "nothing was written; run the command again and type the same non-empty passphrase twice",
            SecretError::BackupMismatch { .. } => "look at those positions on the paper (spelling, order, a skipped line) and run the check again; if they still do not match, treat the paper as lost: make a new backup of a new seed (`seed new`) and move the funds while this file still opens",
            SecretError::BackupWordCount { .. } => "give one word per line or all on one line: as many as the positions asked, in order, or the whole mnemonic",
            SecretError::Corrupt(_) => "restore the seed file from a backup, or re-import the mnemonic",
            _ => return None,
        })
    }
}
