//! `airsign wallet sync` and `airsign bundle broadcast`: the two commands that talk to an Esplora
//! server (online side). The work is in `esplora/`; here: arguments, progress, output.
use serde::Serialize;

use super::{print_json, println_out};
use crate::cli::bundle::BroadcastArgs;
use crate::cli::wallet::WalletSyncArgs;
use crate::esplora::scan::Progress;
use crate::esplora::sync::{sync_wallet, Report};
use crate::esplora::{self, Server};
use crate::fsutil::read_limited;
use crate::sanitize::escape;
use crate::wallet::WalletFile;
use crate::Error;

/// Largest file `bundle broadcast` reads (a transaction is at most 4 MB; a PSBT with its previous
/// transactions can be larger).
const MAX_BROADCAST_FILE: u64 = 64 * 1024 * 1024;

fn bitcoin_amount(sats: u64) -> String {
    bitcoin::Amount::from_sat(sats).to_string_in(bitcoin::Denomination::Bitcoin)
}

pub fn sync(a: WalletSyncArgs, quiet: bool) -> Result<(), Error> {
    // The network comes from the wallet file; the server must be on it.
    let network = WalletFile::load(&a.wallet)?.network;
    crate::esplora::sync::check_out_dir(&a.out_dir)?;
    let (server, warnings) = Server::connect(&a.esplora, Some(network))?;
    for w in &warnings {
        eprintln!("airsign: warning: {}", escape(w));
    }
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let mut progress = |p: &Progress| {
        bar.set_message(format!(
            "scanning {} address {} ({} used on this branch, {} unspent outputs so far)",
            p.branch.name(),
            p.index,
            p.used,
            p.utxos
        ));
        bar.tick();
    };
    let result = sync_wallet(&a.wallet, &server, &server.base, &a.out_dir, &mut progress);
    bar.finish_and_clear();
    let report = result?;
    for addr in &report.history_truncated {
        eprintln!(
            "airsign: warning: the history of {} is longer than airsign reads; history.json holds its newest transactions only",
            escape(addr)
        );
    }
    if a.json {
        return print_json(&report);
    }
    print_summary(&report, &a)
}

fn print_summary(r: &Report, a: &WalletSyncArgs) -> Result<(), Error> {
    let branch = |name: &str, b: &esplora::sync::BranchReport| {
        let last = b
            .scan
            .last_used
            .map_or_else(|| "none used".to_owned(), |i| format!("last used {i}"));
        let moved = if b.next_index == b.next_index_before {
            format!("next index {} (unchanged)", b.next_index)
        } else {
            format!("next index {} → {}", b.next_index_before, b.next_index)
        };
        format!(
            "{name:<8} {} addresses scanned, {} used ({last}); {moved}",
            b.scan.scanned, b.scan.used
        )
    };
    let unconfirmed = r.utxos.iter().filter(|u| !u.confirmed).count();
    let mut lines = vec![
        format!(
            "wallet   \"{}\" (id {}) on {}",
            escape(&r.wallet),
            r.wallet_id,
            r.network
        ),
        format!("server   {}", escape(&r.server)),
        branch("receive", &r.receive),
        branch("change", &r.change),
        format!(
            "coins    {} unspent output(s), {} BTC ({} sat){}",
            r.utxos.len(),
            bitcoin_amount(r.total_sats),
            r.total_sats,
            if unconfirmed > 0 {
                format!(
                    ", of which {unconfirmed} unconfirmed ({} sat)",
                    r.unconfirmed_sats
                )
            } else {
                String::new()
            }
        ),
    ];
    for u in &r.utxos {
        lines.push(format!(
            "  {}:{}  {:>12} sat  {} {}  {}{}",
            u.txid,
            u.vout,
            u.value,
            u.branch.name(),
            u.index,
            u.address,
            if u.confirmed { "" } else { "  (unconfirmed)" }
        ));
    }
    println_out(&lines.join("\n"))?;
    let show = |p: &std::path::Path| escape(&p.display().to_string());
    eprintln!(
        "wrote {} ({} outputs), {} ({} transactions), {} ({} transactions)",
        show(&r.files.utxos),
        r.utxos.len(),
        show(&r.files.prev_txs),
        r.prev_txs,
        show(&r.files.history),
        r.history_txs
    );
    eprintln!(
        "next: airsign bundle create --wallet {} --utxos {} --prev-txs {} --to ADDR:AMOUNT --fee-rate N -o unsigned.psbt",
        show(&a.wallet),
        show(&r.files.utxos),
        show(&r.files.prev_txs)
    );
    Ok(())
}

pub fn broadcast(a: BroadcastArgs) -> Result<(), Error> {
    let tx =
        crate::bundle::finalize::final_transaction(read_limited(&a.file, MAX_BROADCAST_FILE)?)?;
    let (server, _) = Server::connect(&a.esplora, None)?;
    let txid = esplora::broadcast(&server, &tx)?;
    let chain = server.network.map_or_else(
        || format!("chain with genesis {}", server.genesis),
        |n| n.to_string(),
    );
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            txid: String,
            server: &'a str,
            network: Option<bitcoin::Network>,
            vsize: usize,
        }
        return print_json(&Out {
            txid: txid.to_string(),
            server: &server.base,
            network: server.network,
            vsize: tx.vsize(),
        });
    }
    println_out(&txid.to_string())?;
    eprintln!(
        "broadcast through {} ({chain}): the server accepted the transaction and answered its txid; it confirms when a miner includes it",
        escape(&server.base)
    );
    Ok(())
}
