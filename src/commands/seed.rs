//! `airsign seed new|import|info`.
use super::{print_json, println_out, unlock};
use crate::cli::seed::{
    SeedImportArgs, SeedInfoArgs, SeedNewArgs, SeedVerifyBackupArgs, SeedWrite,
};
use crate::cli::SeedCmd;
use crate::fsutil::{check_output, read_limited, write_output};
use crate::secrets::prompt::{self, Source};
use crate::secrets::seedfile::{self, Protection, SeedInfo};
use crate::secrets::{backup, entropy, Mnemonic, SecretError};
use crate::Error;

pub fn run(cmd: SeedCmd) -> Result<(), Error> {
    match cmd {
        SeedCmd::New(a) => new(a),
        SeedCmd::Import(a) => import(a),
        SeedCmd::Info(a) => info(a),
        SeedCmd::VerifyBackup(a) => verify_backup(a),
    }
}

fn protection(w: &SeedWrite) -> Result<Protection, Error> {
    let mut recipients = Vec::new();
    for r in &w.recipients {
        recipients.extend(seedfile::parse_recipients(r)?);
    }
    if let Some(f) = &w.recipients_file {
        let text = read_limited(f, 1024 * 1024)?;
        recipients.extend(seedfile::parse_recipients(&String::from_utf8_lossy(&text))?);
        if recipients.is_empty() {
            return Err(
                SecretError::BadRecipient(format!("{} lists no recipients", f.display())).into(),
            );
        }
    }
    if !recipients.is_empty() {
        return Ok(Protection::Recipients(recipients));
    }
    let passphrase = prompt::passphrase(
        Source::from_fd(w.passphrase_fd),
        "seed file passphrase",
        true,
        false,
    )?;
    Ok(Protection::Passphrase {
        passphrase,
        work_factor: w.kdf_work_factor,
    })
}

fn check_target(w: &SeedWrite) -> Result<(), Error> {
    Ok(check_output(&w.out, w.force)?)
}

fn write_and_report(m: &Mnemonic, w: &SeedWrite, prot: &Protection) -> Result<(), Error> {
    // scrypt at age's default work factor takes a second or more: say so, on a terminal only
    // (every prompt is answered by now, so the spinner cannot draw over one).
    let spinner = unlock::spinner("encrypting the seed file");
    let sealed = seedfile::seal(m, w.network, &seedfile::now_rfc3339(), prot);
    spinner.finish_and_clear();
    let (bytes, info) = sealed?;
    write_output(&w.out, &bytes, w.force)?;
    report(&info, w.json, Some(&w.out))
}

fn report(info: &SeedInfo, json: bool, path: Option<&std::path::Path>) -> Result<(), Error> {
    if json {
        return print_json(info);
    }
    if let Some(p) = path {
        println_out(&format!(
            "wrote      {}",
            crate::sanitize::escape(&p.display().to_string())
        ))?;
    }
    println_out(&format!(
        "fingerprint {}\nnetwork     {}\nwords       {}\ncreated     {}",
        info.fingerprint,
        info.network,
        info.words,
        crate::sanitize::escape(&info.created)
    ))
}

fn new(a: SeedNewArgs) -> Result<(), Error> {
    super::ceremony::require_airgap(a.airgap.require_airgap)?;
    check_target(&a.write)?;
    // Everything that can fail on a slip is asked before the words exist: the file passphrase
    // and the die rolls. After the words are shown only the backup check remains.
    let prot = protection(&a.write)?;
    let words: usize = if a.words == "12" { 12 } else { 24 };
    let mut dice_warnings = Vec::new();
    let rolls = if a.dice {
        let rolls = prompt::dice(Source::from_fd(a.dice_fd), entropy::min_rolls(words))?;
        // Warn, never refuse: the rolls are mixed into the OS entropy, so even a loaded die
        // cannot make the seed weaker; the warning says the die or the typing needs a look.
        dice_warnings = entropy::dice_warnings(&rolls);
        for w in &dice_warnings {
            eprintln!("airsign: warning: die rolls: {w}");
        }
        Some(rolls)
    } else {
        None
    };
    let e = entropy::new_entropy(words, rolls.as_deref().map(|r| r.as_str()))?;
    let m = Mnemonic::from_entropy(&e)?;
    drop(e);
    prompt::show_words_on_tty(&m)?;
    let positions = entropy::backup_positions(words, 3)?;
    prompt::backup_check(&m, &positions, Source::from_fd(a.backup_check_fd))?;
    // Again, since clearing the words from the screen also cleared the first warning.
    for w in &dice_warnings {
        eprintln!("airsign: warning: die rolls: {w}");
    }
    write_and_report(&m, &a.write, &prot)
}

fn import(a: SeedImportArgs) -> Result<(), Error> {
    check_target(&a.write)?;
    let m = prompt::mnemonic(Source::from_fd(a.mnemonic_fd))?;
    let prot = protection(&a.write)?;
    write_and_report(&m, &a.write, &prot)
}

#[derive(serde::Serialize)]
struct InfoOut<'a> {
    #[serde(flatten)]
    info: &'a SeedInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint_with_bip39_passphrase: Option<String>,
}

fn info(a: SeedInfoArgs) -> Result<(), Error> {
    let u = unlock::open(&a.unlock)?;
    let with_pass = if a.unlock.bip39_passphrase || a.unlock.bip39_passphrase_fd.is_some() {
        Some(unlock::seed(&a.unlock, &u)?.fingerprint().to_string())
    } else {
        None
    };
    if a.json {
        return print_json(&InfoOut {
            info: &u.info,
            fingerprint_with_bip39_passphrase: with_pass,
        });
    }
    report(&u.info, false, None)?;
    if let Some(fp) = with_pass {
        println_out(&format!("fingerprint with BIP39 passphrase {fp}"))?;
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct VerifyOut<'a> {
    fingerprint: &'a str,
    words: usize,
    ok: bool,
    #[serde(flatten)]
    check: &'a backup::BackupCheck,
}

fn verify_backup(a: SeedVerifyBackupArgs) -> Result<(), Error> {
    let u = unlock::open(&a.unlock)?;
    let words = u.mnemonic.word_count();
    let asked = a.positions.resolve(words)?;
    // Said on stderr before any word is read, so a script answering random:N on --words-fd
    // knows what to send.
    eprintln!(
        "seed {}: asking for {} of {words} words: {}",
        u.info.fingerprint,
        asked.len(),
        join(&asked)
    );
    let answers = prompt::backup_words(Source::from_fd(a.words_fd), &asked)?;
    let check = backup::check(&u.mnemonic, &asked, &answers)?;
    drop(answers);
    if a.json {
        print_json(&VerifyOut {
            fingerprint: &u.info.fingerprint,
            words,
            ok: check.ok(),
            check: &check,
        })?;
    } else if check.ok() {
        eprintln!(
            "all {} word(s) asked match the seed file (fingerprint {})",
            asked.len(),
            u.info.fingerprint
        );
    }
    if check.ok() {
        Ok(())
    } else {
        Err(SecretError::BackupMismatch { wrong: check.wrong }.into())
    }
}

fn join(p: &[usize]) -> String {
    p.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
