//! `airsign account export`.
use super::{print_json, println_out, unlock};
use crate::cli::account::AccountExportArgs;
use crate::cli::AccountCmd;
use crate::signer::KeyChain;
use crate::wallet::account;
use crate::wallet::ScriptType;
use crate::Error;

pub fn run(cmd: AccountCmd) -> Result<(), Error> {
    match cmd {
        AccountCmd::Export(a) => export(a),
    }
}

fn export(a: AccountExportArgs) -> Result<(), Error> {
    let u = unlock::open(&a.unlock)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    let script = a.script;
    let e = keys.account_export(script, a.account)?;
    if a.bsms {
        let record = bsms_record(&keys, &a, &e)?;
        drop(keys);
        return show_bsms(&a, &e, &record);
    }
    if !a.qr.qr.is_empty() {
        show_qr(&keys, script, a.account, &e, &a.qr, a.force)?;
    }
    drop(keys);
    if a.json {
        return print_json(&e);
    }
    let mut lines = vec![
        format!("fingerprint {}", e.fingerprint),
        format!("network     {}", e.network),
        format!("script      {}", e.script),
        format!("path        {}", e.path),
        format!("xpub        {}", e.xpub),
        format!("key         {}", e.key_origin),
    ];
    if let (Some(r), Some(c), Some(m), Some(f)) =
        (&e.receive, &e.change, &e.multipath, &e.first_address)
    {
        lines.push(format!("receive     {r}"));
        lines.push(format!("change      {c}"));
        lines.push(format!("multipath   {m}"));
        lines.push(format!("first addr  {f}"));
    }
    println_out(&lines.join("\n"))
}

/// The BSMS (BIP129) round 1 key record for this account: signed by the account key itself
/// and checked before it is shown; encrypted (hex) when a token is given.
fn bsms_record(
    keys: &KeyChain,
    a: &AccountExportArgs,
    e: &account::AccountExport,
) -> Result<String, Error> {
    use crate::wallet::formats::bsms::{self, KeyRecord, Token};
    let token = match &a.token_file {
        Some(p) => Token::parse(&String::from_utf8_lossy(&crate::fsutil::read_limited(
            p, 4096,
        )?))
        .map_err(crate::wallet::WalletError::from)?,
        None => Token::none(),
    };
    let description = a.description.clone().unwrap_or_else(|| {
        format!(
            "airsign {} {} account {}",
            e.fingerprint, e.script, e.account
        )
    });
    let mut record = KeyRecord::new(token.clone(), e.key_origin.clone(), &description)
        .map_err(crate::wallet::WalletError::from)?;
    let path = a.script.account_path(e.network, a.account);
    record.signature = Some(keys.sign_legacy_message(&path, &record.message())?);
    // Verify after sign: the record must check with the key it names, as the coordinator will
    // (a failure is a BSMS bad-signature error, exit 4).
    record.verify().map_err(crate::wallet::WalletError::from)?;
    let text = record.render();
    Ok(if token.is_none() {
        text
    } else {
        bsms::encrypt(&token, &text).map_err(crate::wallet::WalletError::from)?
    })
}

/// Print (and show as QR) a BSMS key record.
fn show_bsms(a: &AccountExportArgs, e: &account::AccountExport, record: &str) -> Result<(), Error> {
    use crate::transport::frames::Kind;
    super::carry::show_outputs(record.as_bytes(), Kind::Text, &a.qr, a.force)?;
    eprintln!(
        "BSMS key record of {} at {} — give it to the coordinator (wallet create --cosigner FILE){}",
        e.fingerprint,
        e.path,
        if a.token_file.is_some() { "; encrypted with the session token" } else { "" }
    );
    if a.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            export: &'a account::AccountExport,
            bsms_key_record: &'a str,
        }
        return print_json(&Out {
            export: e,
            bsms_key_record: record,
        });
    }
    println_out(record)
}

/// The export as QR: `crypto-account` by default, `crypto-output` on request, or the descriptor
/// text (BBQr/base64 formats).
fn show_qr(
    keys: &KeyChain,
    script: ScriptType,
    account_n: u32,
    e: &account::AccountExport,
    q: &crate::cli::qr::QrOut,
    force: bool,
) -> Result<(), Error> {
    use super::carry::show_outputs;
    use crate::bundle::KeySource;
    use crate::transport::frames::{Format, Kind, UrType};
    use crate::wallet::ur_account::{crypto_account, crypto_output, AccountKey, Form};
    let form = match script {
        ScriptType::Pkh => Form::Pkh,
        ScriptType::ShWpkh => Form::ShWpkh,
        ScriptType::Wpkh => Form::Wpkh,
        ScriptType::Tr => Form::Tr,
        ScriptType::WshMulti => Form::WshCosigner,
        ScriptType::ShWshMulti => Form::ShWshCosigner,
    };
    let path = script.account_path(keys.network(), account_n);
    let key = AccountKey {
        form,
        xpub: keys.xpub_at(&path)?,
        path,
    };
    if q.render.format != Format::Ur || q.render.ur_type == Some(UrType::Bytes) {
        let text = e.multipath.clone().unwrap_or_else(|| e.key_origin.clone());
        return show_outputs(text.as_bytes(), Kind::Text, q, force);
    }
    let mut q2 = q.clone();
    let cbor = if q.render.ur_type == Some(UrType::CryptoOutput) {
        crypto_output(keys.fingerprint(), &key)
    } else {
        q2.render.ur_type = Some(UrType::CryptoAccount);
        crypto_account(keys.fingerprint(), &[key])
    };
    show_outputs(&cbor, Kind::Cbor, &q2, force)
}
