//! `airsign account export`.
use super::{print_json, println_out, unlock};
use crate::cli::account::AccountExportArgs;
use crate::cli::{AccountCmd, ScriptArg};
use crate::signer::KeyChain;
use crate::wallet::account;
use crate::wallet::ScriptType;
use crate::Error;

pub fn run(cmd: AccountCmd) -> Result<(), Error> {
    match cmd {
        AccountCmd::Export(a) => export(a),
    }
}

pub(crate) fn script_type(s: ScriptArg) -> ScriptType {
    match s {
        ScriptArg::Pkh => ScriptType::Pkh,
        ScriptArg::ShWpkh => ScriptType::ShWpkh,
        ScriptArg::Wpkh => ScriptType::Wpkh,
        ScriptArg::Tr => ScriptType::Tr,
        ScriptArg::WshMulti => ScriptType::WshMulti,
        ScriptArg::ShWshMulti => ScriptType::ShWshMulti,
    }
}

/// The export for one script type from an open key chain.
pub(crate) fn export_for(
    keys: &KeyChain,
    script: ScriptType,
    account_n: u32,
) -> Result<account::AccountExport, Error> {
    use crate::bundle::KeySource;
    let net = keys.network();
    let path = script.account_path(net, account_n);
    let xpub = keys.xpub_at(&path)?;
    Ok(account::export(
        keys.fingerprint(),
        &path,
        &xpub,
        script,
        account_n,
        net,
    )?)
}

fn export(a: AccountExportArgs) -> Result<(), Error> {
    if a.account >= 1 << 31 {
        return Err(Error::Usage("--account must be below 2^31".into()));
    }
    let u = unlock::open(&a.unlock)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    let e = export_for(&keys, script_type(a.script), a.account)?;
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
