//! `airsign wallet register` (offline): check that this seed is a cosigner of the wallet, show
//! what the people must compare across laptops, and store the MAC'd registration beside the seed.
use serde::Serialize;

use super::{print_json, unlock};
use crate::cli::wallet::WalletRegisterArgs;
use crate::sanitize::escape;
use crate::signer::KeyChain;
use crate::wallet::registry::{self, cosigners, Entry, RegistryFile};
use crate::wallet::WalletFile;
use crate::Error;

/// One cosigner as shown and printed.
#[derive(Serialize)]
struct CosignerOut {
    fingerprint: String,
    path: String,
    xpub: String,
    this_seed: bool,
}

#[derive(Serialize)]
struct RegisterOut {
    name: String,
    wallet_id: String,
    network: String,
    kind: String,
    first_address: String,
    cosigners: Vec<CosignerOut>,
    registrations: String,
}

pub fn run(a: WalletRegisterArgs) -> Result<(), Error> {
    super::ceremony::require_airgap(a.airgap.require_airgap)?;
    super::json_owns_stdout(a.json, None)?;
    // Read (and scan) before the seed is opened: a bad file is reported first.
    let imported = super::setup::read_setup(a.wallet.as_deref(), &a.scan, &[])?;
    let reg_path = registry::path_for(&a.unlock.seed);
    crate::fsutil::protect(&a.unlock.seed, "the seed file this command reads");
    let mut reg = RegistryFile::load(&a.unlock.seed)?;
    let u = unlock::open(&a.unlock)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    let file = wallet_file(&a, &imported, crate::bundle::KeySource::network(&keys))?;
    let w = file.watch_only()?;
    let fp = crate::bundle::KeySource::fingerprint(&keys);
    if w.network != crate::bundle::KeySource::network(&keys) {
        return Err(crate::wallet::WalletError::WrongNetwork(w.network).into());
    }
    // Registrations already here must still verify: an edited file is not added to silently.
    let key = keys.mac_key("wallet-registration");
    let existing = reg.for_key(fp, &key)?;
    keys.check_cosigner(&file.name, &w)?;
    crate::wallet::registry::check_distinct_signers(&w)?;
    let change = registry::plan(&existing, &file, a.replace)?;
    if change == registry::Change::AlreadyRegistered {
        eprintln!(
            "wallet '{}' (id {}) is already registered on seed {fp}: nothing to do",
            escape(&file.name),
            file.wallet_id
        );
        return Ok(());
    }
    let out = RegisterOut {
        name: file.name.clone(),
        wallet_id: file.wallet_id.clone(),
        network: file.network.to_string(),
        kind: registry::describe(&w),
        first_address: w.address(false, 0)?.to_string(),
        cosigners: cosigners(&w.external)
            .into_iter()
            .map(|c| CosignerOut {
                this_seed: c.fingerprint == fp,
                fingerprint: c.fingerprint.to_string(),
                path: format!("m/{}", c.origin),
                xpub: c.xpub.to_string(),
            })
            .collect(),
        registrations: reg_path.display().to_string(),
    };
    eprint!("{}", screen(&out));
    match &change {
        registry::Change::Replaces { old_id } => eprintln!(
            "REPLACES wallet '{}' id {old_id} → id {}",
            escape(&file.name),
            file.wallet_id
        ),
        registry::Change::Renames { old_name } => eprintln!(
            "RENAMES wallet id {} from '{}' to '{}'",
            file.wallet_id,
            escape(old_name),
            escape(&file.name)
        ),
        _ => {}
    }
    if !a.yes
        && !super::confirm_yes(&format!(
            "Register wallet '{}' on seed {fp}? Type yes to register: ",
            escape(&file.name)
        ))?
    {
        return Err(crate::session::declined().into());
    }
    reg.apply(
        &change,
        Entry::new(&file, fp, crate::time::now_rfc3339(), &key),
    );
    crate::fsutil::write_atomic(&reg_path, &reg.to_json())?;
    if a.json {
        return print_json(&out);
    }
    eprintln!(
        "registered wallet '{}' (id {}) for seed {fp} in {}",
        escape(&file.name),
        file.wallet_id,
        escape(&out.registrations)
    );
    Ok(())
}

fn screen(o: &RegisterOut) -> String {
    let line = "─".repeat(72);
    let mut s = format!(
        "{line}\nWALLET '{}'    id {}    network {}\n{line}\n{}\nCOSIGNERS (compare each with its holder's `airsign account export`)\n",
        escape(&o.name),
        escape(&o.wallet_id),
        o.network,
        o.kind
    );
    for c in &o.cosigners {
        s.push_str(&format!(
            "  {}  {}  {}{}\n",
            c.fingerprint,
            c.path,
            c.xpub,
            if c.this_seed { "   ← this seed" } else { "" }
        ));
    }
    s.push_str(&format!(
        "FIRST RECEIVE ADDRESS\n  {}\n{line}\nEvery signer must see the same wallet id and first address.\n",
        o.first_address
    ));
    s
}

/// The wallet file for what was read, on the seed's network (a set-up file for another network
/// is refused), named by `--name`, the file, or "wallet".
fn wallet_file(
    a: &WalletRegisterArgs,
    imp: &crate::wallet::formats::import::Imported,
    seed_network: bitcoin::Network,
) -> Result<WalletFile, Error> {
    use crate::wallet::formats::import;
    let net = import::network(imp, Some(seed_network))?;
    let name = a
        .name
        .clone()
        .or_else(|| imp.name.clone())
        .unwrap_or_else(|| "wallet".into());
    Ok(import::wallet_file(imp, &name, net, None)?)
}
