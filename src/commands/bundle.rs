//! `airsign bundle create|import|inspect|finalize` (online side).
use std::path::Path;

use bitcoin::address::NetworkUnchecked;
use bitcoin::bip32::{DerivationPath, Fingerprint, Xpub};
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use bitcoin::{Address, Amount, Denomination, Network};
use miniscript::descriptor::DescriptorPublicKey;
use miniscript::ForEachKey;
use serde::Serialize;

use super::render::review_text;
use super::{encoding, network, print_json, println_out};
use crate::bundle::parse::MAX_PSBT_BYTES;
use crate::bundle::{self, create, finalize, utxo, BundleId, KeySource, Review, Version};
use crate::cli::bundle::{CreateArgs, FinalizeArgs, ImportArgs, InspectArgs, WalletArgs};
use crate::cli::qr::ScanIn;
use crate::cli::{BundleCmd, PsbtVersionArg};
use crate::fsutil::{check_output, read_limited, write_output};
use crate::wallet::{WalletError, WatchOnly};
use crate::Error;

pub fn run(cmd: BundleCmd) -> Result<(), Error> {
    match cmd {
        BundleCmd::Create(a) => create_cmd(a),
        BundleCmd::Import(a) => import(a),
        BundleCmd::Inspect(a) => inspect(a),
        BundleCmd::Finalize(a) => finalize_cmd(a),
    }
}

/// The watch-only wallet from --descriptor or --wallet, if given.
fn wallet(a: &WalletArgs) -> Result<Option<WatchOnly>, Error> {
    if let Some(d) = &a.descriptor {
        let (d, rewritten) = crate::wallet::slip132::normalize(d);
        for prefix in rewritten {
            let standard = if prefix.starts_with(['u', 'U', 'v', 'V']) {
                "tpub"
            } else {
                "xpub"
            };
            eprintln!("note: read the SLIP-132 {prefix} key as the {standard} it encodes");
        }
        return Ok(Some(WatchOnly::from_descriptor(&d, network(a.network))?));
    }
    if let Some(p) = &a.wallet {
        return Ok(Some(WatchOnly::from_wallet_file(&read_limited(
            p,
            1024 * 1024,
        )?)?));
    }
    Ok(None)
}

/// A watch-only key source: the descriptor's account xpub with its origin.
pub struct XpubSource {
    fingerprint: Fingerprint,
    origin: DerivationPath,
    xpub: Xpub,
    network: Network,
}

impl XpubSource {
    /// From the wallet's receive descriptor (single-key descriptors only).
    pub fn from_wallet(w: &WatchOnly) -> Option<Self> {
        let mut found = None;
        w.external.for_each_key(|k| {
            if let DescriptorPublicKey::XPub(x) = k {
                if let Some((fp, path)) = &x.origin {
                    found = Some(XpubSource {
                        fingerprint: *fp,
                        origin: path.clone(),
                        xpub: x.xkey,
                        network: w.network,
                    });
                }
            }
            true
        });
        found
    }
}

impl KeySource for XpubSource {
    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    fn network(&self) -> Network {
        self.network
    }
    fn public_key(&self, path: &DerivationPath) -> Option<PublicKey> {
        let full: Vec<_> = path.into_iter().copied().collect();
        let origin: Vec<_> = self.origin.into_iter().copied().collect();
        if !full.starts_with(&origin) || full[origin.len()..].iter().any(|c| c.is_hardened()) {
            return None;
        }
        let rest = DerivationPath::from(&full[origin.len()..]);
        self.xpub
            .derive_pub(&Secp256k1::verification_only(), &rest)
            .ok()
            .map(|x| x.public_key)
    }
}

/// A key source that knows no keys: reviews without a wallet.
struct NoKeys(Network);

impl KeySource for NoKeys {
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::default()
    }
    fn network(&self) -> Network {
        self.0
    }
    fn public_key(&self, _: &DerivationPath) -> Option<PublicKey> {
        None
    }
}

pub(crate) fn review_with_wallet(
    psbt: &bitcoin::Psbt,
    w: Option<&WatchOnly>,
    net: Network,
) -> Review {
    match w.and_then(XpubSource::from_wallet) {
        Some(src) => bundle::review(psbt, &src),
        None => bundle::review(psbt, &NoKeys(w.map_or(net, |w| w.network))),
    }
}

/// Parse `ADDR:AMOUNT` with sats or a `btc` suffix, checking the address's network.
pub(crate) fn parse_payment(s: &str, net: Network) -> Result<(Address, Amount), Error> {
    let (addr, amt) = s.rsplit_once(':').ok_or_else(|| {
        Error::Usage(format!(
            "--to wants ADDR:AMOUNT, got {}",
            crate::sanitize::escape(s)
        ))
    })?;
    Ok((parse_address(addr, net)?, parse_amount(amt)?))
}

pub(crate) fn parse_address(addr: &str, net: Network) -> Result<Address, Error> {
    let bad = || WalletError::BadAddress {
        address: crate::sanitize::escape(addr),
        network: net,
    };
    let a: Address<NetworkUnchecked> = addr.parse().map_err(|_| bad())?;
    Ok(a.require_network(net).map_err(|_| bad())?)
}

/// `1000`, `1000sat`, `0.001btc`.
pub(crate) fn parse_amount(s: &str) -> Result<Amount, Error> {
    let t = s.trim().to_ascii_lowercase();
    let r = if let Some(b) = t.strip_suffix("btc") {
        Amount::from_str_in(b.trim(), Denomination::Bitcoin)
    } else {
        let n = t.trim_end_matches("sats").trim_end_matches("sat");
        Amount::from_str_in(n.trim(), Denomination::Satoshi)
    };
    r.map_err(|_| {
        Error::Usage(format!(
            "not an amount: {} (use sats, e.g. 15000, or 0.00015btc)",
            crate::sanitize::escape(s)
        ))
    })
}

pub(crate) fn read_psbt(
    p: Option<&Path>,
    scan: &ScanIn,
) -> Result<(bitcoin::Psbt, Version, bundle::Encoding), Error> {
    let bytes = super::qr::read_input(p, scan, (MAX_PSBT_BYTES * 2) as u64)?;
    Ok(bundle::decode(&bytes)?)
}

#[derive(Serialize)]
struct CreateOut<'a> {
    out: String,
    fee: u64,
    vsize: u64,
    review: &'a Review,
}

fn create_cmd(a: CreateArgs) -> Result<(), Error> {
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let w =
        wallet(&a.wallet)?.ok_or_else(|| Error::Usage("give --descriptor or --wallet".into()))?;
    let utxos = utxo::parse_snapshot(&read_limited(&a.utxos, 64 * 1024 * 1024)?)?;
    let prev = utxo::load_prev_txs(&a.prev_txs)?;
    let recipients =
        a.to.iter()
            .map(|t| parse_payment(t, w.network))
            .collect::<Result<Vec<_>, _>>()?;
    let send_all = a
        .send_all
        .as_deref()
        .map(|s| parse_address(s, w.network))
        .transpose()?;
    let mut entropy = [0u8; 2];
    getrandom::getrandom(&mut entropy).map_err(|e| Error::Output(std::io::Error::other(e)))?;
    let created = create::create(&create::Request {
        wallet: &w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients: &recipients,
        send_all: send_all.as_ref(),
        fee_rate: a.fee_rate,
        change_index: a.change_index,
        height: a.height,
        entropy,
    })?;
    let review = review_with_wallet(&created.psbt, Some(&w), w.network);
    if let Some(out) = &a.out {
        write_output(
            out,
            &bundle::encode(&created.psbt, Version::V0, encoding(a.encoding))?,
            a.force,
        )?;
    }
    super::qr::show_outputs(&created.psbt.serialize(), super::qr::Kind::Psbt, &a.qr)?;
    if a.json {
        return print_json(&CreateOut {
            out: a
                .out
                .as_ref()
                .map(|o| o.display().to_string())
                .unwrap_or_default(),
            fee: created.fee,
            vsize: created.vsize,
            review: &review,
        });
    }
    eprint!("{}", review_text(&review, None));
    eprintln!(
        "{} — carry it to the offline signer; compare the bundle id there: {}",
        a.out
            .as_ref()
            .map(|o| format!("wrote {}", o.display()))
            .unwrap_or_else(|| "shown as QR".into()),
        review.bundle_id
    );
    Ok(())
}

fn inspect(a: InspectArgs) -> Result<(), Error> {
    let (psbt, version, enc) = read_psbt(a.file.as_deref(), &a.scan)?;
    let w = wallet(&a.wallet)?;
    let review = review_with_wallet(&psbt, w.as_ref(), network(a.wallet.network));
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            psbt_version: Version,
            encoding: bundle::Encoding,
            review: &'a Review,
        }
        return print_json(&Out {
            psbt_version: version,
            encoding: enc,
            review: &review,
        });
    }
    println_out(&format!("PSBT version {:?}, {:?}", version, enc))?;
    println_out(review_text(&review, None).trim_end())
}

/// `bundle import`: another wallet's PSBT, checked, reviewed and written the way airsign's
/// signer reads it.
fn import(a: ImportArgs) -> Result<(), Error> {
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let (psbt, version, enc) = read_psbt(a.file.as_deref(), &a.scan)?;
    let w = wallet(&a.wallet)?;
    let review = review_with_wallet(&psbt, w.as_ref(), network(a.wallet.network));
    if !a.json {
        eprint!("{}", review_text(&review, None));
    }
    if !review.problems.is_empty() {
        let reasons: Vec<String> = review
            .problems
            .iter()
            .map(|p| format!("{} ({})", p.message, p.code))
            .collect();
        return Err(bundle::BundleError::Invalid(format!(
            "the review found problems, nothing was written: {}",
            reasons.join("; ")
        ))
        .into());
    }
    let out_version = match a.psbt_version {
        PsbtVersionArg::Same => version,
        PsbtVersionArg::V0 => Version::V0,
        PsbtVersionArg::V2 => Version::V2,
    };
    let out_enc = encoding(a.encoding);
    if let Some(out) = &a.out {
        write_output(out, &bundle::encode(&psbt, out_version, out_enc)?, a.force)?;
    }
    super::qr::show_outputs(
        &bundle::encode(&psbt, out_version, bundle::Encoding::Binary)?,
        super::qr::Kind::Psbt,
        &a.qr,
    )?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            input_psbt_version: Version,
            input_encoding: bundle::Encoding,
            out: String,
            psbt_version: Version,
            encoding: bundle::Encoding,
            review: &'a Review,
        }
        return print_json(&Out {
            input_psbt_version: version,
            input_encoding: enc,
            out: a
                .out
                .as_ref()
                .map(|o| o.display().to_string())
                .unwrap_or_default(),
            psbt_version: out_version,
            encoding: out_enc,
            review: &review,
        });
    }
    eprintln!(
        "imported a PSBT {version:?} ({enc:?}); {} as PSBT {out_version:?} ({out_enc:?}) — carry it to the offline signer; compare the bundle id there: {}",
        a.out
            .as_ref()
            .map(|o| format!("wrote {}", crate::sanitize::escape(&o.display().to_string())))
            .unwrap_or_else(|| "shown as QR".into()),
        review.bundle_id
    );
    Ok(())
}

fn finalize_cmd(a: FinalizeArgs) -> Result<(), Error> {
    if let Some(out) = &a.out {
        check_output(out, a.force)?;
    }
    let (mut psbt, version, enc) = read_psbt(a.file.as_deref(), &a.scan)?;
    let bundle_id = BundleId::of(&psbt.unsigned_tx.compute_txid());
    let tx = finalize::finalize(&mut psbt)?;
    let hex = bitcoin::consensus::encode::serialize_hex(&tx);
    let txid = tx.compute_txid();
    let out_version = match a.psbt_version {
        PsbtVersionArg::Same => version,
        PsbtVersionArg::V0 => Version::V0,
        PsbtVersionArg::V2 => Version::V2,
    };
    super::qr::show_outputs(
        &bitcoin::consensus::encode::serialize(&tx),
        super::qr::Kind::Transaction,
        &a.qr,
    )?;
    // Where the hex goes: the -o file with --extract, else stdout (unless -o - holds the PSBT).
    let hex_file = a.out.as_deref().filter(|_| a.extract);
    match (&a.out, hex_file) {
        (Some(out), Some(_)) => write_output(out, format!("{hex}\n").as_bytes(), a.force)?,
        (Some(out), None) => {
            write_output(out, &bundle::encode(&psbt, out_version, enc)?, a.force)?;
        }
        (None, _) => {}
    }
    if a.json {
        #[derive(Serialize)]
        struct Out {
            bundle_id: BundleId,
            txid: String,
            vsize: usize,
            weight: u64,
            hex: String,
        }
        return print_json(&Out {
            bundle_id,
            txid: txid.to_string(),
            vsize: tx.vsize(),
            weight: tx.weight().to_wu(),
            hex,
        });
    }
    let stdout_taken = a.out.as_deref() == Some(Path::new("-"));
    if hex_file.is_none() && !stdout_taken {
        println_out(&hex)?;
    }
    eprintln!(
        "finalized bundle {bundle_id}\ntxid {txid} ({} vB); every input passed the script interpreter.",
        tx.vsize()
    );
    if let Some(out) = &a.out {
        eprintln!(
            "wrote the {} to {}",
            if hex_file.is_some() {
                "raw transaction hex"
            } else {
                "finalized PSBT"
            },
            crate::sanitize::escape(&out.display().to_string())
        );
    }
    eprint!(
        "{}",
        broadcast_help(hex_file.filter(|p| *p != Path::new("-")))
    );
    Ok(())
}

/// How to broadcast the raw transaction (airsign never goes online itself).
fn broadcast_help(hex_file: Option<&Path>) -> String {
    let (core, curl) = match hex_file {
        Some(f) => {
            let f = crate::sanitize::escape(&f.display().to_string());
            (format!("\"$(cat '{f}')\""), format!("@'{f}'"))
        }
        None => ("<hex printed above>".to_owned(), "@tx.hex".to_owned()),
    };
    let save = if hex_file.is_none() {
        "  (save the hex first: airsign bundle finalize FILE --extract -o tx.hex)\n"
    } else {
        ""
    };
    format!(
        "Broadcasting is your choice, from an online machine:\n  \
         bitcoin-cli sendrawtransaction {core}\n  \
         curl -X POST --data {curl} <your-esplora>/api/tx\n{save}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("15000").unwrap().to_sat(), 15000);
        assert_eq!(parse_amount("15000sat").unwrap().to_sat(), 15000);
        assert_eq!(parse_amount("0.001btc").unwrap().to_sat(), 100_000);
        assert_eq!(parse_amount("0.001BTC").unwrap().to_sat(), 100_000);
        assert!(parse_amount("1.5").is_err());
        assert!(parse_amount("-5").is_err());
    }
}
