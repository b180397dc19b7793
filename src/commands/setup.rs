//! Shared-wallet set-up for `wallet create --multisig` and `wallet import`: reading cosigner
//! arguments and token files, then rendering the set-up formats (stdout, `--json`, `--export
//! DIR`, QR). The checks and formats themselves are `wallet::formats`.
use std::path::Path;

use serde::Serialize;

use super::carry::show_outputs;
use crate::cli::qr::QrOut;
use crate::cli::wallet::{WalletCreateArgs, WalletImportArgs};
use crate::fsutil::{read_limited, write_output};
use crate::sanitize::escape;
use crate::transport::frames::{Format, Kind, UrType};
use crate::wallet::file::{WalletFile, MAX_WALLET_FILE_BYTES};
use crate::wallet::formats::bsms::{Signed, Token};
use crate::wallet::formats::cosigner::{self, Cosigner};
use crate::wallet::formats::export::Exports;
use crate::wallet::formats::{import, SetupError};
use crate::wallet::{WalletError, WatchOnly};
use crate::Error;

/// The tokens in `--token-file` files.
pub fn read_tokens(files: &[std::path::PathBuf]) -> Result<Vec<Token>, Error> {
    files
        .iter()
        .map(|p| {
            let text = read_limited(p, 4096)?;
            Ok(Token::parse(&String::from_utf8_lossy(&text)).map_err(WalletError::from)?)
        })
        .collect()
}

/// The text of one `--cosigner`: the argument itself when it is a key origin or a UR, else the
/// file it names.
fn cosigner_text(arg: &str) -> Result<String, Error> {
    let t = arg.trim();
    if t.starts_with('[')
        || t.as_bytes()
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"ur:"))
    {
        return Ok(t.to_owned());
    }
    let bytes = read_limited(Path::new(arg), MAX_WALLET_FILE_BYTES)?;
    String::from_utf8(bytes).map_err(|_| {
        WalletError::from(SetupError::BadCosigner(format!(
            "{} is not a text file",
            escape(arg)
        )))
        .into()
    })
}

/// Read and check every `--cosigner`, and build the multipath descriptor.
pub fn multisig(
    a: &WalletCreateArgs,
    m: usize,
    tokens: &[Token],
) -> Result<(String, bitcoin::Network, Vec<Cosigner>), Error> {
    let mut cs = Vec::with_capacity(a.cosigner.len());
    for (i, arg) in a.cosigner.iter().enumerate() {
        let text = cosigner_text(arg)?;
        let c = cosigner::parse(&text, tokens, a.script).map_err(|e| match e {
            SetupError::BadCosigner(r) => {
                SetupError::BadCosigner(format!("--cosigner {}: {r}", i + 1))
            }
            e => e,
        });
        let c = c.map_err(WalletError::from)?;
        eprintln!(
            "cosigner {}: {} m/{} {} ({}{})",
            i + 1,
            c.fingerprint,
            c.path,
            c.xpub,
            c.source,
            match c.bsms {
                Some(Signed::Verified) => ", signature verified",
                Some(Signed::Unsigned) => ", UNSIGNED",
                None => "",
            }
        );
        if c.bsms == Some(Signed::Unsigned) {
            eprintln!("airsign: warning: cosigner {}'s BSMS key record carries no signature (Sparrow writes none by default): compare its fingerprint and xpub with its holder in person", i + 1);
        }
        cs.push(c);
    }
    let (d, net) = cosigner::build(m, &cs, a.script, a.network).map_err(WalletError::from)?;
    Ok((d, net, cs))
}

/// The exports as `--json` prints them: each format's text, or why it is not available.
#[derive(Serialize)]
pub struct ExportsOut {
    descriptor: String,
    first_address: String,
    policy: Option<crate::wallet::formats::bip388::PolicyFile>,
    bsms: Option<String>,
    bsms_encrypted: Vec<String>,
    coldcard: Option<String>,
    crypto_output: Option<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    unavailable: std::collections::BTreeMap<&'static str, String>,
}

impl From<&Exports> for ExportsOut {
    fn from(e: &Exports) -> Self {
        let mut unavailable = std::collections::BTreeMap::new();
        let mut take = |name: &'static str, r: &Result<String, String>| match r {
            Ok(v) => Some(v.clone()),
            Err(why) => {
                unavailable.insert(name, why.clone());
                None
            }
        };
        let bsms = take("bsms", &e.bsms);
        let coldcard = take("coldcard", &e.coldcard);
        let crypto_output = take("crypto_output", &e.crypto_output_ur());
        let policy = match &e.policy {
            Ok(p) => Some(p.clone()),
            Err(why) => {
                unavailable.insert("policy", why.clone());
                None
            }
        };
        ExportsOut {
            descriptor: e.descriptor.clone(),
            first_address: e.first_address.clone(),
            policy,
            bsms,
            bsms_encrypted: e.bsms_encrypted.clone(),
            coldcard,
            crypto_output,
            unavailable,
        }
    }
}

/// The human text of the exports (stdout), one titled section per format.
pub fn render(e: &Exports) -> String {
    let mut s = format!("\n\n--- descriptor ---\n{}\n", e.descriptor);
    if let Ok(p) = &e.policy {
        s.push_str(&format!(
            "\n--- BIP388 wallet policy ---\n{}\n",
            p.descriptor_template
        ));
        for (i, k) in p.keys_info.iter().enumerate() {
            s.push_str(&format!("@{i} {k}\n"));
        }
    }
    if let Ok(b) = &e.bsms {
        s.push_str(&format!("\n--- BSMS descriptor record (BIP129) ---\n{b}\n"));
    }
    for (i, x) in e.bsms_encrypted.iter().enumerate() {
        s.push_str(&format!(
            "\n--- BSMS descriptor record, encrypted with token {} ---\n{x}\n",
            i + 1
        ));
    }
    if let Ok(c) = &e.coldcard {
        s.push_str(&format!("\n--- Coldcard multisig file ---\n{c}"));
    }
    if let Ok(u) = e.crypto_output_ur() {
        s.push_str(&format!("\n--- ur:crypto-output ---\n{u}\n"));
    }
    s
}

/// Write the export files into `dir` (created if missing).
pub fn write_exports(e: &Exports, dir: &Path, force: bool) -> Result<(), Error> {
    let files = e.files();
    for (name, _) in &files {
        crate::fsutil::check_output(&dir.join(name), force)?;
    }
    std::fs::create_dir_all(dir).map_err(|err| Error::io("create", dir, err))?;
    for (name, bytes) in &files {
        write_output(&dir.join(name), bytes, force)?;
    }
    eprintln!(
        "wrote {} set-up files to {}: {}",
        files.len(),
        escape(&dir.display().to_string()),
        files
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// Refuse, before anything is written, a QR of a format this wallet does not have.
pub fn check_qr(e: &Exports, a: &WalletCreateArgs) -> Result<(), Error> {
    let crypto = a.qr.render.format == Format::Ur && a.qr.render.ur_type != Some(UrType::Bytes);
    if let (false, true, Err(why)) = (a.qr.qr.is_empty(), crypto, &e.crypto_output) {
        return Err(Error::Usage(format!(
            "this wallet has no crypto-output form: {why}"
        )));
    }
    if let (false, Err(why)) = (a.coldcard_qr.is_empty(), &e.coldcard) {
        return Err(Error::Usage(format!(
            "this wallet has no Coldcard multisig file: {why}"
        )));
    }
    Ok(())
}

/// Show the wallet as QR: `--qr` carries ur:crypto-output (descriptor text in BBQr/base64),
/// `--coldcard-qr` the Coldcard file as ur:bytes (BBQr `U` with --format bbqr).
pub fn show_qr(e: &Exports, a: &WalletCreateArgs) -> Result<(), Error> {
    let unavailable =
        |what: &str, why: &str| Error::Usage(format!("this wallet has no {what}: {why}"));
    if !a.qr.qr.is_empty() {
        if a.qr.render.format == Format::Ur && a.qr.render.ur_type != Some(UrType::Bytes) {
            let cbor = e
                .crypto_output
                .as_ref()
                .map_err(|why| unavailable("crypto-output form", why))?;
            let mut q: QrOut = a.qr.clone();
            q.render.ur_type = Some(UrType::CryptoOutput);
            show_outputs(cbor, Kind::Cbor, &q, a.force)?;
        } else {
            show_outputs(e.descriptor.as_bytes(), Kind::Text, &a.qr, a.force)?;
        }
    }
    if !a.coldcard_qr.is_empty() {
        let text = e
            .coldcard
            .as_ref()
            .map_err(|why| unavailable("Coldcard multisig file", why))?;
        let mut q = a.qr.clone();
        q.qr = a.coldcard_qr.clone();
        if q.render.format == Format::Ur {
            q.render.ur_type = Some(UrType::Bytes);
        }
        show_outputs(text.as_bytes(), Kind::Text, &q, a.force)?;
    }
    Ok(())
}

/// `wallet import`: read a set-up file (or QR), write the wallet file.
pub fn import(a: WalletImportArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, Some(&a.out))?;
    let tokens = read_tokens(&a.token_file)?;
    let imp = read_setup(a.file.as_deref(), &a.scan, &tokens)?;
    let net = import::network(&imp, a.network)?;
    let name = a
        .name
        .clone()
        .or_else(|| imp.name.clone())
        .or_else(|| {
            a.out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| crate::wallet::file::check_name(s).is_ok())
        })
        .unwrap_or_else(|| "wallet".into());
    let f = import::wallet_file(&imp, &name, net, a.gap_limit)?;
    f.write_new(&a.out, a.force)?;
    let w = f.watch_only()?;
    for n in &imp.notes {
        eprintln!("{}: {n}", imp.format);
    }
    summary(&f, &w, imp.format, &a.out, a.json)
}

/// A set-up file (`-`: stdin) or the same scanned from QR, read in whatever format it is; for
/// `wallet import` and `wallet register`.
pub fn read_setup(
    file: Option<&Path>,
    scan: &crate::cli::qr::ScanIn,
    tokens: &[crate::wallet::formats::bsms::Token],
) -> Result<import::Imported, Error> {
    Ok(match (&scan.scan, file) {
        (Some(spec), _) => {
            let s =
                super::carry::scan(&[crate::transport::receive::ScanSource::parse(spec)], false)?;
            eprintln!(
                "scanned {} bytes ({}) from {} frame(s)",
                s.received.bytes, s.kind, s.received.counters.frames
            );
            match &s.received.source {
                crate::transport::assemble::Source::Ur { ur_type } => {
                    import::payload(ur_type, &s.data, tokens, 0)?
                }
                _ => import::read(&s.data, tokens)?,
            }
        }
        (None, Some(p)) => {
            let bytes = if p.as_os_str() == "-" {
                let mut v = Vec::new();
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(std::io::stdin(), MAX_WALLET_FILE_BYTES),
                    &mut v,
                )
                .map_err(|err| Error::io("read", "stdin", err))?;
                v
            } else {
                read_limited(p, MAX_WALLET_FILE_BYTES)?
            };
            import::read(&bytes, tokens)?
        }
        (None, None) => return Err(Error::Usage("give a set-up file or --scan".into())),
    })
}

/// Print what was written: the wallet, its cosigners and first address (human or JSON).
pub fn summary(
    f: &WalletFile,
    w: &WatchOnly,
    format: &str,
    out: &Path,
    json: bool,
) -> Result<(), Error> {
    let first = w.address(false, 0)?.to_string();
    let keys = w.paths(false, 0)?;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            out: String,
            format: &'a str,
            first_address: String,
            #[serde(flatten)]
            file: &'a WalletFile,
        }
        return super::print_json(&Out {
            out: out.display().to_string(),
            format,
            first_address: first,
            file: f,
        });
    }
    super::println_out(&format!(
        "wallet    {}\nid        {}\nnetwork   {}\nfrom      {format}\nreceive   {}\nchange    {}\nkeys      {}\nfirst     {first}\ngap limit {}",
        escape(&f.name),
        f.wallet_id,
        f.network,
        f.receive,
        f.change,
        keys.join(" "),
        f.gap_limit
    ))?;
    eprintln!(
        "wrote {} — compare the wallet id \"{}\" and the first address on every machine that holds this wallet",
        escape(&out.display().to_string()),
        f.wallet_id
    );
    Ok(())
}
