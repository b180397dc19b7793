//! `airsign address verify` (offline side): is this address the seed's, and at which path?
use bitcoin::address::NetworkUnchecked;
use bitcoin::Address;
use serde::Serialize;

use super::{print_json, println_out, unlock};
use crate::bundle::KeySource;
use crate::cli::address::{AddressVerifyArgs, SingleSigArg};
use crate::cli::AddressCmd;
use crate::sanitize::escape;
use crate::signer::KeyChain;
use crate::wallet::ownership::{self, Found};
use crate::wallet::{ScriptType, WalletError};
use crate::Error;

pub fn run(cmd: AddressCmd) -> Result<(), Error> {
    match cmd {
        AddressCmd::Verify(a) => verify(a),
    }
}

fn script_type(s: SingleSigArg) -> ScriptType {
    match s {
        SingleSigArg::Pkh => ScriptType::Pkh,
        SingleSigArg::ShWpkh => ScriptType::ShWpkh,
        SingleSigArg::Wpkh => ScriptType::Wpkh,
        SingleSigArg::Tr => ScriptType::Tr,
    }
}

#[derive(Serialize)]
struct Out<'a> {
    found: bool,
    address: &'a str,
    fingerprint: String,
    network: bitcoin::Network,
    account: u32,
    gap: u32,
    searched: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    at: Option<&'a Found>,
}

fn verify(a: AddressVerifyArgs) -> Result<(), Error> {
    let shown = escape(a.address.trim());
    // Syntax before the passphrase prompt; the network once the seed says which.
    let unchecked: Address<NetworkUnchecked> =
        a.address
            .trim()
            .parse()
            .map_err(|_| WalletError::BadAddress {
                address: shown.clone(),
                network: bitcoin::Network::Bitcoin,
            })?;
    let u = unlock::open(&a.unlock)?;
    let seed = unlock::seed(&a.unlock, &u)?;
    drop(u);
    let keys = KeyChain::from_seed(&seed)?;
    drop(seed);
    let net = keys.network();
    let address = unchecked
        .require_network(net)
        .map_err(|_| WalletError::BadAddress {
            address: shown.clone(),
            network: net,
        })?;
    let scripts = ownership::candidates(&address, a.script.map(script_type));
    let searched = ownership::describe(&keys, &scripts, a.account, a.gap);
    let found = ownership::find(&keys, &address.script_pubkey(), &scripts, a.account, a.gap)?;
    let fingerprint = keys.fingerprint().to_string();
    drop(keys);
    if a.json {
        print_json(&Out {
            found: found.is_some(),
            address: &shown,
            fingerprint: fingerprint.clone(),
            network: net,
            account: a.account,
            gap: a.gap,
            searched: &searched,
            at: found.as_ref(),
        })?;
    }
    match found {
        Some(f) => {
            if !a.json {
                println_out(&format!(
                    "found: {shown} is {} ({}, {}, index {}) of seed {fingerprint}",
                    f.path,
                    f.script,
                    if f.change { "change" } else { "receive" },
                    f.index
                ))?;
            }
            Ok(())
        }
        None => Err(WalletError::NotMine {
            address: shown,
            fingerprint,
            gap: a.gap,
            account: a.account,
            searched,
        }
        .into()),
    }
}
