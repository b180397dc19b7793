//! Helpers for `scripts/bench_sign.sh`, built from the library like the benches:
//!
//! - `psbt pkh|sh-wpkh|wpkh|tr N OUT.psbt` writes a PSBT of `N` inputs of one script type, all
//!   owned by the public test seed (`abandon` ×11 `about`, regtest): the file `cargo bench
//!   --bench sign` signs.
//! - `floor [N]` prints the raw per-input floor issue 12 compares against: libsecp256k1 low-R
//!   ECDSA signing plus a `k256` verify of the signature, best of 5 runs of `N` (default 1,000),
//!   on one thread, in microseconds.
//!
//! usage: cargo run --release --locked --example sign_bench -- psbt wpkh 1000 out.psbt
#[path = "../benches/common/psbt.rs"]
mod psbt;

use std::hint::black_box;
use std::time::Instant;

use airsign::wallet::ScriptType;
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
use k256::ecdsa::signature::hazmat::PrehashVerifier;

fn usage() -> ! {
    eprintln!("usage: sign_bench psbt pkh|sh-wpkh|wpkh|tr N OUT.psbt | sign_bench floor [N]");
    std::process::exit(2);
}

fn floor(n: usize) {
    let secp = Secp256k1::new();
    let sk = SecretKey::from_slice(&[7u8; 32]).unwrap();
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&sk.public_key(&secp).serialize()).unwrap();
    let best = (0..5)
        .map(|run| {
            let t = Instant::now();
            for i in 0..n {
                // A different message each time, as each input has its own sighash.
                let mut digest = [9u8; 32];
                digest[..8].copy_from_slice(&((run * n + i) as u64).to_le_bytes());
                let s = secp.sign_ecdsa_low_r(&Message::from_digest(digest), &sk);
                let ks = k256::ecdsa::Signature::from_slice(&s.serialize_compact()).unwrap();
                vk.verify_prehash(black_box(&digest), &ks).unwrap();
            }
            t.elapsed().as_secs_f64() / n as f64
        })
        .fold(f64::INFINITY, f64::min);
    println!("{:.2}", best * 1e6);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["floor"] => floor(1000),
        ["floor", n] => floor(n.parse().unwrap_or_else(|_| usage())),
        ["psbt", script, n, out] => {
            let script = match script {
                "pkh" => ScriptType::Pkh,
                "sh-wpkh" => ScriptType::ShWpkh,
                "wpkh" => ScriptType::Wpkh,
                "tr" => ScriptType::Tr,
                _ => usage(),
            };
            let n = n.parse().unwrap_or_else(|_| usage());
            std::fs::write(out, psbt::big_psbt_n(script, n)).expect("write the PSBT");
        }
        _ => usage(),
    }
}
