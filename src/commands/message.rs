//! `airsign message sign|verify`: sign a message with a key of the seed (review, confirm, sign,
//! verify, log), and verify any legacy or BIP322 signature against an address.
use bitcoin::bip32::DerivationPath;
use bitcoin::hashes::{sha256, Hash};
use serde::Serialize;

use super::carry::{read_input, show_outputs};
use super::seedlog::SeedLog;
use super::{json_owns_stdout, print_json, println_out, unlock};
use crate::audit::{EntryDraft, Event, MessageRecord, Reason};
use crate::bundle::KeySource;
use crate::cli::message::{FormatArg, MessageCmd, MessageSignArgs, MessageVerifyArgs};
use crate::cli::qr::{QrOut, RenderArgs};
use crate::fsutil::{check_output, read_limited, write_output};
use crate::message::armor::{Armored, MAX_ARMOR_BYTES};
use crate::message::{request, Format, MessageError};
use crate::sanitize::{escape, escape_bytes};
use crate::signer::KeyChain;
use crate::transport::frames::Kind;
use crate::wallet::{ownership, ScriptType, WalletError};
use crate::Error;

/// The longest message signed or verified (a message is read in full and shown in full).
pub const MAX_MESSAGE_BYTES: u64 = 64 * 1024;

pub fn run(cmd: MessageCmd) -> Result<(), Error> {
    match cmd {
        MessageCmd::Sign(a) => sign(a),
        MessageCmd::Verify(a) => verify(a),
    }
}

fn format_of(f: FormatArg) -> Format {
    match f {
        FormatArg::Legacy => Format::Legacy,
        FormatArg::Simple => Format::Simple,
        FormatArg::Full => Format::Full,
    }
}

fn parse_path(p: &str) -> Result<DerivationPath, Error> {
    p.trim()
        .parse()
        .map_err(|_| Error::Usage(format!("not a derivation path: {}", escape(p))))
}

/// The single-sig script type a path's purpose names (44, 49, 84, 86).
fn script_for_path(path: &DerivationPath) -> Result<ScriptType, Error> {
    use bitcoin::bip32::ChildNumber;
    match path.into_iter().next() {
        Some(ChildNumber::Hardened { index }) => ScriptType::single_sig_for_purpose(*index),
        _ => None,
    }
    .ok_or_else(|| {
        Error::Usage(format!(
            "m/{path} does not start with a single-sig purpose (44h P2PKH, 49h P2SH-P2WPKH, 84h P2WPKH, 86h P2TR): give --address instead"
        ))
    })
}

/// The message and, for a `signmessage` request, the path it names.
fn read_message(a: &MessageSignArgs) -> Result<(Vec<u8>, Option<DerivationPath>), Error> {
    if let Some(m) = &a.message {
        return Ok((m.as_bytes().to_vec(), None));
    }
    if let Some(f) = &a.file {
        return Ok((read_limited(f, MAX_MESSAGE_BYTES)?, None));
    }
    let payload = match &a.request {
        Some(f) => read_limited(f, request::MAX_REQUEST_BYTES as u64)?,
        None => read_input(None, &a.scan, request::MAX_REQUEST_BYTES as u64)?,
    };
    if a.request.is_some() || request::is_request(&payload) {
        let r = request::parse(&payload)?;
        if a.path.is_some() || a.address.is_some() {
            return Err(Error::Usage(
                "the signmessage request names the path: drop --path/--address".into(),
            ));
        }
        return Ok((r.message, Some(r.path)));
    }
    if payload.len() as u64 > MAX_MESSAGE_BYTES {
        return Err(Error::Usage(format!(
            "the message is longer than {MAX_MESSAGE_BYTES} bytes"
        )));
    }
    Ok((payload, None))
}

/// The message for a terminal: every line escaped (control and bidi characters visible), the
/// line breaks shown as `\n` at the end of each line, indented.
pub fn review_message(message: &[u8]) -> String {
    let lines: Vec<&[u8]> = message.split(|b| *b == b'\n').collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str("    │ ");
        out.push_str(&escape_bytes(line));
        if i + 1 < lines.len() {
            out.push_str("\\n");
        }
        out.push('\n');
    }
    out
}

/// `--qr` surfaces rendering one plain-text frame (the other rendering options at their
/// defaults).
fn text_qr(surfaces: &[String]) -> QrOut {
    use crate::transport::frames::{self, Ec, Format};
    QrOut {
        qr: surfaces.to_vec(),
        render: RenderArgs {
            format: Format::Text,
            ur_type: None,
            fragment: frames::DEFAULT_FRAGMENT,
            max_parts: None,
            ec: Ec::L,
            fps: frames::DEFAULT_FPS,
            module_px: frames::DEFAULT_MODULE_PX,
            extra_parts: None,
        },
    }
}

#[derive(Serialize)]
struct SignOut<'a> {
    address: &'a str,
    path: &'a str,
    format: Format,
    /// The message, escaped as it was shown.
    message: String,
    message_sha256: String,
    signature: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    armored: Option<String>,
}

fn sign(a: MessageSignArgs) -> Result<(), Error> {
    json_owns_stdout(a.json, a.out.as_deref())?;
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let (message, request_path) = read_message(&a)?;
    if crate::message::is_reserved(&message) {
        return Err(MessageError::Reserved.into());
    }
    if request_path.is_none() && a.path.is_none() && a.address.is_none() {
        return Err(Error::Usage(
            "name the key: --path m/84h/0h/0h/0/0 or --address ADDRESS".into(),
        ));
    }
    // Syntax before the passphrase prompt.
    let given_path = match (&request_path, &a.path) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(parse_path(p)?),
        (None, None) => None,
    };
    let unchecked = match &a.address {
        Some(s) => Some(
            s.trim()
                .parse::<bitcoin::Address<bitcoin::address::NetworkUnchecked>>()
                .map_err(|_| WalletError::BadAddress {
                    address: escape(s.trim()),
                    network: bitcoin::Network::Bitcoin,
                })?,
        ),
        None => None,
    };
    let u = unlock::open(&a.unlock)?;
    let mut log = SeedLog::open(&a.unlock.seed, a.log.as_deref(), &u)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    let net = keys.network();
    let (path, script) = match (given_path, unchecked) {
        (Some(p), _) => {
            let t = script_for_path(&p)?;
            (p, t)
        }
        (None, Some(addr)) => {
            let shown = escape(&addr.clone().assume_checked().to_string());
            let addr = addr
                .require_network(net)
                .map_err(|_| WalletError::BadAddress {
                    address: shown.clone(),
                    network: net,
                })?;
            let scripts = ownership::candidates(&addr, None);
            let searched = ownership::describe(&keys, &scripts, 0, a.gap);
            match ownership::find(&keys, &addr.script_pubkey(), &scripts, 0, a.gap)? {
                Some(f) => (parse_path(&f.path)?, f.script),
                None => {
                    return Err(WalletError::NotMine {
                        address: shown,
                        fingerprint: keys.fingerprint().to_string(),
                        gap: a.gap,
                        account: 0,
                        searched,
                    }
                    .into())
                }
            }
        }
        (None, None) => {
            return Err(Error::Usage(
                "name the key: --path m/84h/0h/0h/0/0 or --address ADDRESS".into(),
            ))
        }
    };
    let pk = keys
        .public_key(&path)
        .ok_or_else(|| Error::Usage(format!("cannot derive m/{path}")))?;
    let spk = ownership::single_sig_script(
        &bitcoin::secp256k1::Secp256k1::verification_only(),
        script,
        &pk,
    )
    .ok_or_else(|| Error::Usage("only single-sig keys sign messages".into()))?;
    let address = bitcoin::Address::from_script(&spk, net)
        .map_err(|e| Error::Usage(format!("no address for m/{path}: {e}")))?;
    let format = a
        .format
        .map(format_of)
        .unwrap_or_else(|| crate::message::default_format(&spk));
    match (script, format) {
        (ScriptType::Tr, Format::Legacy) => {
            return Err(Error::Usage(
                "a taproot address cannot sign in the legacy format (it has no BIP137 header): use --format simple or full".into(),
            ))
        }
        (ScriptType::Pkh, Format::Simple) => {
            return Err(Error::Usage(
                "a P2PKH address has no witness, so no BIP322 simple signature: use --format legacy or full".into(),
            ))
        }
        _ => {}
    }
    let digest = sha256::Hash::hash(&message).to_string();
    let path_text = format!("m/{path}");
    let address_text = address.to_string();
    let how = match format {
        Format::Legacy => "legacy (BIP137, Bitcoin Core signmessage)",
        Format::Simple => "simple (BIP322)",
        Format::Full => "full (BIP322)",
        Format::ProofOfFunds => "proof of funds (BIP322)",
    };
    eprint!(
        "Sign a message\n  address: {address_text}\n  path:    {path_text} ({script})\n  format:  {how}\n  seed:    {}\n  message: {} bytes, SHA-256 {digest}\n{}",
        keys.fingerprint(),
        message.len(),
        review_message(&message)
    );
    let record = MessageRecord {
        sha256: digest.clone(),
        address: address_text.clone(),
        path: path_text.clone(),
        format: format.as_str().to_owned(),
    };
    let fingerprint = keys.fingerprint().to_string();
    if !a.yes && !super::confirm_yes("Sign this message? Type yes to sign: ")? {
        let mut d = EntryDraft::not_a_transaction(
            Event::Declined,
            "declined",
            vec![Reason {
                code: "declined".into(),
                message: "the user declined to sign the message".into(),
            }],
            &fingerprint,
        );
        d.message = Some(record);
        log.record(d)?;
        return Err(crate::session::declined().into());
    }
    let (signed_by, signature) = keys.sign_message_as(&path, script, format, &message)?;
    drop(keys);
    debug_assert_eq!(signed_by, address);
    // On record before the signature leaves this machine.
    let mut d = EntryDraft::not_a_transaction(
        Event::Message,
        "signed",
        vec![Reason {
            code: "message".into(),
            message: format!("signed a message as {address_text} ({})", format.as_str()),
        }],
        &fingerprint,
    );
    d.message = Some(record);
    let entry = log.record(d)?;
    eprintln!(
        "logged as entry {} in {}",
        entry.seq,
        escape(&log.path().display().to_string())
    );
    let armored = a.armor.then(|| Armored {
        message: message.clone(),
        address: address_text.clone(),
        signature: signature.clone(),
    });
    let body = match &armored {
        Some(x) => x.to_text(),
        None => format!("{signature}\n").into_bytes(),
    };
    if let Some(out) = &a.out {
        write_output(out, &body, a.force)?;
    }
    // One plain-text frame, as SeedSigner and Jade show a signature.
    show_outputs(body.trim_ascii_end(), Kind::Text, &text_qr(&a.qr), a.force)?;
    if a.json {
        return print_json(&SignOut {
            address: &address_text,
            path: &path_text,
            format,
            message: escape_bytes(&message),
            message_sha256: digest,
            signature: &signature,
            armored: armored.map(|x| escape_bytes(&x.to_text())),
        });
    }
    if a.out.as_deref() != Some(std::path::Path::new("-")) {
        match &armored {
            // The armored block holds the message: a terminal gets it only without control
            // bytes (the review above showed it escaped); a pipe or file gets it as is.
            Some(_) => write_output(std::path::Path::new("-"), &body, false)?,
            None => println_out(&signature)?,
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct VerifyOut<'a> {
    valid: bool,
    address: String,
    format: Option<Format>,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<u8>,
    message_sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn verify(a: MessageVerifyArgs) -> Result<(), Error> {
    let (address, signature, message) = match &a.armored {
        Some(f) => {
            let x = Armored::parse(&read_limited(f, MAX_ARMOR_BYTES as u64)?)?;
            (x.address, x.signature, x.message)
        }
        None => {
            let message = match (&a.message, &a.file) {
                (Some(m), _) => m.as_bytes().to_vec(),
                (None, Some(f)) => read_limited(f, MAX_MESSAGE_BYTES)?,
                (None, None) => return Err(Error::Usage("give the message or --file".into())),
            };
            (
                a.address.clone().unwrap_or_default(),
                a.signature.clone().unwrap_or_default(),
                message,
            )
        }
    };
    let shown = escape(address.trim());
    let digest = sha256::Hash::hash(&message).to_string();
    let r = crate::message::verify_message(&address, &message, &signature);
    let reason = r.as_ref().err().map(MessageError::to_string);
    if a.json {
        print_json(&VerifyOut {
            valid: r.is_ok(),
            address: shown.clone(),
            format: r.as_ref().ok().map(|c| c.format),
            header: r.as_ref().ok().and_then(|c| c.header),
            message_sha256: digest,
            reason: reason.as_deref(),
        })?;
    }
    let checked = r?;
    eprintln!(
        "valid: {} signature by {shown}{}",
        checked.format.as_str(),
        checked
            .header
            .map(|h| format!(" (header {h})"))
            .unwrap_or_default()
    );
    Ok(())
}
