//! `airsign wallet create|addresses|receive` (online side, watch-only); `sync` is in `online.rs`.
use serde::Serialize;

use super::{print_json, println_out};
use crate::cli::wallet::{WalletAddressesArgs, WalletCreateArgs, WalletReceiveArgs};
use crate::cli::WalletCmd;
use crate::fsutil::read_limited;
use crate::sanitize::escape;
use crate::wallet::account::AccountExport;
use crate::wallet::file::{self, WalletFile, MAX_WALLET_FILE_BYTES};
use crate::wallet::{WalletError, WatchOnly};
use crate::Error;

pub fn run(cmd: WalletCmd, quiet: bool) -> Result<(), Error> {
    match cmd {
        WalletCmd::Sync(a) => super::online::sync(a, quiet),
        WalletCmd::Create(a) => create(a),
        WalletCmd::Import(a) => super::setup::import(a),
        WalletCmd::Addresses(a) => addresses(a),
        WalletCmd::Receive(a) => receive(a),
        WalletCmd::Register(a) => super::register::run(a),
    }
}

/// `wallet create --json`: the file as written, plus where, and every set-up export.
#[derive(Serialize)]
struct CreateOut<'a> {
    out: String,
    first_address: String,
    #[serde(flatten)]
    file: &'a WalletFile,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cosigners: Vec<CosignerOut>,
    exports: super::setup::ExportsOut,
}

/// One cosigner of a `--multisig` wallet.
#[derive(Serialize)]
struct CosignerOut {
    fingerprint: String,
    path: String,
    xpub: String,
    source: &'static str,
}

fn create(a: WalletCreateArgs) -> Result<(), Error> {
    super::json_owns_stdout(a.json, Some(&a.out))?;
    let tokens = super::setup::read_tokens(&a.token_file)?;
    let mut cosigners = Vec::new();
    let (text, net) = match (&a.descriptor, &a.from, a.multisig) {
        (Some(d), _, _) => (d.clone(), a.network.unwrap_or(bitcoin::Network::Bitcoin)),
        (None, Some(p), _) => {
            let e = AccountExport::parse(&read_limited(p, MAX_WALLET_FILE_BYTES)?)?;
            if let Some(n) = a.network {
                if n != e.network {
                    return Err(Error::Usage(format!(
                        "--network {n} does not match the account file's network {}",
                        e.network
                    )));
                }
            }
            (e.wallet_descriptor()?.to_owned(), e.network)
        }
        (None, None, Some(m)) => {
            let (d, net, cs) = super::setup::multisig(&a, m, &tokens)?;
            cosigners = cs;
            (d, net)
        }
        (None, None, None) => {
            return Err(Error::Usage(
                "give --descriptor, --from or --multisig M with --cosigner keys".into(),
            ))
        }
    };
    let w = WatchOnly::from_descriptor(&text, net)?;
    crate::wallet::registry::check_distinct_signers(&w)?;
    let name = match &a.name {
        Some(n) => n.clone(),
        None => a
            .out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| file::check_name(s).is_ok())
            .unwrap_or_else(|| "wallet".into()),
    };
    let f = WalletFile::new(&w, &name, a.gap_limit)?;
    let exports = crate::wallet::formats::export::Exports::for_wallet(&f, &tokens)?;
    // Check every output before writing anything, so a refusal leaves nothing half-done.
    super::setup::check_qr(&exports, &a)?;
    if let Some(dir) = &a.export {
        for (n, _) in exports.files() {
            crate::fsutil::check_output(&dir.join(n), a.force)?;
        }
    }
    f.write_new(&a.out, a.force)?;
    if let Some(dir) = &a.export {
        super::setup::write_exports(&exports, dir, a.force)?;
    }
    super::setup::show_qr(&exports, &a)?;
    let first = w.address(false, 0)?.to_string();
    if a.json {
        return print_json(&CreateOut {
            out: a.out.display().to_string(),
            first_address: first,
            file: &f,
            cosigners: cosigners
                .iter()
                .map(|c| CosignerOut {
                    fingerprint: c.fingerprint.to_string(),
                    path: format!("m/{}", c.path),
                    xpub: c.xpub.to_string(),
                    source: c.source,
                })
                .collect(),
            exports: (&exports).into(),
        });
    }
    let mut text = format!(
        "wallet    {}\nid        {}\nnetwork   {}\nreceive   {}\nchange    {}\nfirst     {first}\ngap limit {}",
        f.name, f.wallet_id, f.network, f.receive, f.change, f.gap_limit
    );
    // The set-up formats matter for wallets of several keys (what cosigners import).
    if w.paths(false, 0)?.len() > 1 {
        text.push_str(&super::setup::render(&exports));
    }
    println_out(text.trim_end())?;
    eprintln!(
        "wrote {} — compare the wallet id \"{}\" on every machine that holds this wallet",
        escape(&a.out.display().to_string()),
        f.wallet_id
    );
    Ok(())
}

/// One address as listed.
#[derive(Serialize)]
struct AddressOut {
    index: u32,
    address: String,
    paths: Vec<String>,
}

fn addresses(a: WalletAddressesArgs) -> Result<(), Error> {
    let f = WalletFile::load(&a.wallet)?;
    let w = f.watch_only()?;
    let count = a.count.unwrap_or(f.gap_limit);
    let end = a.from.saturating_add(count).min(1 << 31);
    let list = (a.from..end)
        .map(|i| {
            Ok(AddressOut {
                index: i,
                address: w.address(a.change, i)?.to_string(),
                paths: w.paths(a.change, i)?,
            })
        })
        .collect::<Result<Vec<_>, WalletError>>()?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            wallet_id: &'a str,
            network: bitcoin::Network,
            branch: &'static str,
            next_index: u32,
            addresses: Vec<AddressOut>,
        }
        return print_json(&Out {
            wallet_id: &f.wallet_id,
            network: f.network,
            branch: if a.change { "change" } else { "receive" },
            next_index: if a.change {
                f.next_index.change
            } else {
                f.next_index.receive
            },
            addresses: list,
        });
    }
    let lines: Vec<String> = list
        .iter()
        .map(|o| format!("{:>6}  {}  {}", o.index, o.address, o.paths.join(" ")))
        .collect();
    println_out(&lines.join("\n"))
}

fn receive(a: WalletReceiveArgs) -> Result<(), Error> {
    let (f, h) = file::reserve_receive(&a.wallet)?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            wallet_id: &'a str,
            network: bitcoin::Network,
            #[serde(flatten)]
            handed: &'a file::Handed,
            next_receive: u32,
        }
        return print_json(&Out {
            wallet_id: &f.wallet_id,
            network: f.network,
            handed: &h,
            next_receive: f.next_index.receive,
        });
    }
    println_out(&h.address)?;
    eprintln!(
        "receive index {} ({}) of wallet \"{}\" (id {}); recorded in {}",
        h.index,
        h.paths.join(", "),
        f.name,
        f.wallet_id,
        escape(&a.wallet.display().to_string())
    );
    if h.index >= f.gap_limit {
        eprintln!("airsign: warning: index {} is past the gap limit {}: unless earlier addresses received coins, a wallet restored from the seed may not look this far", h.index, f.gap_limit);
    }
    Ok(())
}
