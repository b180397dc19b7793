//! CLI: the watch-only wallet file (wallet create → addresses → receive → bundle create --wallet)
//! and the offline `address verify`, driven as a user types them. Addresses are checked against
//! miniscript's own derivation and the published BIP84/BIP86 vectors of the test mnemonic.
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;

use airsign::wallet::fixture::{funding_tx, TEST_MNEMONIC};
use bitcoin::hashes::{sha256, Hash};
use bitcoin::{Address, Network};
use common::{bin, sh};
use miniscript::descriptor::{Descriptor, DescriptorPublicKey};

fn ok(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `airsign ARGS` in `d`.
fn run(args: &str) -> Output {
    sh(&format!("'{}' {args}", bin().display()))
}

/// The test mnemonic imported on `network` (passphrase "pw" in `d/pass`).
fn seed(d: &Path, network: &str) -> PathBuf {
    std::fs::write(d.join("words"), TEST_MNEMONIC).unwrap();
    std::fs::write(d.join("pass"), "pw\n").unwrap();
    let seed = d.join(format!("seed-{network}.age"));
    ok(&run(&format!(
        "seed import --json --network {network} --out '{}' --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<'{}' 4<'{}'",
        seed.display(),
        d.join("words").display(),
        d.join("pass").display()
    )));
    seed
}

/// `account export --json` for `script`, written to `d/account-SCRIPT.json`; returns its JSON.
fn account(d: &Path, seed: &Path, script: &str) -> (PathBuf, serde_json::Value) {
    let out = d.join(format!("account-{script}.json"));
    let o = run(&format!(
        "account export --json --seed '{}' --passphrase-fd 4 --script {script} 4<'{}' > '{}'",
        seed.display(),
        d.join("pass").display(),
        out.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    (out, v)
}

fn wallet_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// miniscript's address at `index` of the multipath descriptor's `branch` (0 receive, 1 change).
fn derive(multipath: &str, branch: usize, index: u32, net: Network) -> String {
    let d = Descriptor::<DescriptorPublicKey>::from_str(multipath).unwrap();
    d.into_single_descriptors().unwrap()[branch]
        .at_derivation_index(index)
        .unwrap()
        .address(net)
        .unwrap()
        .to_string()
}

/// A regtest P2WPKH wallet file `w.json` from the test seed's account export, and fixture
/// UTXOs (with their previous transactions) paying its first receive addresses.
struct Funded {
    seed: PathBuf,
    multipath: String,
    w: PathBuf,
    utxos: PathBuf,
    prev: PathBuf,
}

fn funded_wallet(d: &Path) -> Funded {
    let seed = seed(d, "regtest");
    let (acct, e) = account(d, &seed, "wpkh");
    let multipath = e["multipath"].as_str().unwrap().to_string();
    let w = d.join("w.json");
    ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --json",
        acct.display(),
        w.display()
    )));
    let (utxos, prev) = fund(d, &multipath);
    Funded {
        seed,
        multipath,
        w,
        utxos,
        prev,
    }
}

#[test]
fn create_from_descriptor_and_from_account_json_agree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed(d, "regtest");
    let (acct, e) = account(d, &seed, "wpkh");
    let multipath = e["multipath"].as_str().unwrap().to_string();

    let a = d.join("savings.json");
    let out = ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --json",
        acct.display(),
        a.display()
    )));
    let f = wallet_json(&a);
    assert_eq!(f["version"], 2);
    assert_eq!(f["name"], "savings", "default name is the file stem");
    assert_eq!(f["network"], "regtest");
    assert_eq!(f["descriptor"], multipath.as_str());
    assert_eq!(f["receive"], e["receive"]);
    assert_eq!(f["change"], e["change"]);
    let receive = f["receive"].as_str().unwrap();
    assert!(receive.starts_with("wpkh([73c5da0a/84'/1'/0']tpub"));
    assert!(receive.contains("/0/*)#"), "{receive}");
    assert!(f["change"].as_str().unwrap().contains("/1/*)#"));
    assert_eq!(f["next_index"]["receive"], 0);
    assert_eq!(f["next_index"]["change"], 0);
    assert_eq!(f["gap_limit"], 20);
    assert_eq!(out["wallet_id"], f["wallet_id"]);
    assert_eq!(out["first_address"], e["first_address"]);

    // The id is the first 4 bytes of SHA-256 of the multipath descriptor text, as bytewords:
    // anyone can recompute it from the account export.
    let h = sha256::Hash::hash(multipath.as_bytes()).to_byte_array();
    let words: Vec<&str> = h[..4]
        .iter()
        .map(|b| airsign::transport::bytewords::WORDS[*b as usize])
        .collect();
    assert_eq!(f["wallet_id"], words.join(" ").as_str());

    // Same wallet from the descriptor text (multipath, and the receive form), with a name.
    for (n, desc) in [(1, multipath.as_str()), (2, e["receive"].as_str().unwrap())] {
        let b = d.join(format!("b{n}.json"));
        ok(&run(&format!(
            "wallet create --descriptor \"{desc}\" --network regtest --name 'Cold storage' --gap-limit 50 -o '{}' --json",
            b.display()
        )));
        let g = wallet_json(&b);
        assert_eq!(
            g["wallet_id"], f["wallet_id"],
            "the id must not depend on how the descriptor was given"
        );
        assert_eq!(g["name"], "Cold storage");
        assert_eq!(g["gap_limit"], 50);
    }

    // Human output shows the id.
    let c = d.join("c.json");
    let o = run(&format!(
        "wallet create --from '{}' -o '{}'",
        acct.display(),
        c.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(f["wallet_id"].as_str().unwrap()));

    // A different script type is a different wallet.
    let (tr, _) = account(d, &seed, "tr");
    let t = d.join("t.json");
    ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --json",
        tr.display(),
        t.display()
    )));
    assert_ne!(wallet_json(&t)["wallet_id"], f["wallet_id"]);

    // The network must match the account file's; the keys must match --network.
    let o = run(&format!(
        "wallet create --from '{}' --network bitcoin -o '{}'",
        acct.display(),
        d.join("x.json").display()
    ));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&format!(
        "wallet create --descriptor \"{multipath}\" -o '{}'",
        d.join("x.json").display()
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("different network"), "{}", stderr(&o));
    assert!(!d.join("x.json").exists());

    // A private descriptor is refused.
    let o = run(&format!(
        "wallet create --descriptor 'wpkh(tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF/0/*)' --network regtest -o '{}'",
        d.join("x.json").display()
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("private keys"), "{}", stderr(&o));
}

#[test]
fn overwrite_is_refused_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed(d, "regtest");
    let (acct, _) = account(d, &seed, "wpkh");
    let w = d.join("w.json");
    ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --json",
        acct.display(),
        w.display()
    )));
    ok(&run(&format!("wallet receive '{}' --json", w.display())));
    let before = std::fs::read(&w).unwrap();
    let o = run(&format!(
        "wallet create --from '{}' -o '{}'",
        acct.display(),
        w.display()
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "an existing output is a usage error, as everywhere"
    );
    let err = stderr(&o);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&w).unwrap(),
        before,
        "the file must be untouched"
    );
    ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --force --json",
        acct.display(),
        w.display()
    )));
    assert_eq!(wallet_json(&w)["next_index"]["receive"], 0);
}

#[test]
fn addresses_match_miniscript_and_receive_never_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed(d, "regtest");
    let (acct, e) = account(d, &seed, "tr");
    let multipath = e["multipath"].as_str().unwrap();
    let w = d.join("w.json");
    ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --json",
        acct.display(),
        w.display()
    )));

    for (flag, branch) in [("", 0usize), ("--change", 1)] {
        let v = ok(&run(&format!(
            "wallet addresses '{}' {flag} --from 5 --count 3 --json",
            w.display()
        )));
        let list = v["addresses"].as_array().unwrap();
        assert_eq!(list.len(), 3);
        for (k, a) in list.iter().enumerate() {
            let i = 5 + k as u32;
            assert_eq!(a["index"], i);
            assert_eq!(
                a["address"],
                derive(multipath, branch, i, Network::Regtest).as_str()
            );
            assert_eq!(a["paths"][0], format!("m/86'/1'/0'/{branch}/{i}").as_str());
        }
    }
    // Default count is the gap limit; human output has index, address and path on each line.
    let o = run(&format!("wallet addresses '{}'", w.display()));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(text.lines().count(), 20);
    let first = text.lines().next().unwrap();
    assert!(
        first.contains(&derive(multipath, 0, 0, Network::Regtest))
            && first.contains("m/86'/1'/0'/0/0"),
        "{first}"
    );
    // Listing records nothing.
    assert_eq!(wallet_json(&w)["next_index"]["receive"], 0);

    let mut seen = Vec::new();
    for i in 0..3u32 {
        let r = ok(&run(&format!("wallet receive '{}' --json", w.display())));
        assert_eq!(r["index"], i);
        assert_eq!(
            r["address"],
            derive(multipath, 0, i, Network::Regtest).as_str()
        );
        assert_eq!(r["paths"][0], format!("m/86'/1'/0'/0/{i}").as_str());
        assert_eq!(r["next_receive"], i + 1);
        assert_eq!(wallet_json(&w)["next_index"]["receive"], i + 1);
        seen.push(r["address"].as_str().unwrap().to_string());
    }
    // Human form: the address alone on stdout.
    let o = run(&format!("wallet receive '{}'", w.display()));
    assert!(o.status.success(), "{}", stderr(&o));
    let addr = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(addr, derive(multipath, 0, 3, Network::Regtest));
    assert!(stderr(&o).contains("recorded"));
    seen.push(addr);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seen.len(),
        "an address was handed out twice: {seen:?}"
    );
    assert_eq!(wallet_json(&w)["next_index"]["receive"], 4);
    // The updated file is still a valid wallet with the same id.
    let v = ok(&run(&format!(
        "wallet addresses '{}' --count 1 --json",
        w.display()
    )));
    assert_eq!(v["wallet_id"], wallet_json(&w)["wallet_id"]);
    assert_eq!(v["next_index"], 4);
}

#[test]
fn an_edited_wallet_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed(d, "regtest");
    let (acct, _) = account(d, &seed, "wpkh");
    let w = d.join("w.json");
    ok(&run(&format!(
        "wallet create --from '{}' -o '{}' --json",
        acct.display(),
        w.display()
    )));
    let mut f = wallet_json(&w);
    // Swap the change branch for the receive branch: change would go to receive addresses.
    f["change"] = f["receive"].clone();
    std::fs::write(&w, serde_json::to_vec(&f).unwrap()).unwrap();
    let o = run(&format!("wallet receive '{}'", w.display()));
    assert_eq!(o.status.code(), Some(1));
    // Refused as a change branch on receive addresses (or, were the branches valid, as
    // descriptors that no longer match the wallet id).
    assert!(
        stderr(&o).contains("does not match its descriptors")
            || stderr(&o).contains("the change descriptor in /1/*"),
        "{}",
        stderr(&o)
    );
}

/// Fund the wallet's receive addresses 0 and 3 and write the UTXO snapshot and previous txs.
fn fund(d: &Path, multipath: &str) -> (PathBuf, PathBuf) {
    let w = airsign::wallet::WatchOnly::from_descriptor(multipath, Network::Regtest).unwrap();
    let tx = funding_tx(
        &[
            (w.address(false, 0).unwrap().script_pubkey(), 300_000),
            (w.address(false, 3).unwrap().script_pubkey(), 250_000),
        ],
        9,
    );
    let txid = tx.compute_txid();
    let utxos = d.join("utxos.json");
    std::fs::write(
        &utxos,
        format!(r#"[{{"txid":"{txid}","vout":0,"amount":0.003}},{{"txid":"{txid}","vout":1,"amount":0.0025}}]"#),
    )
    .unwrap();
    let prev = d.join("prev.hex");
    std::fs::write(&prev, bitcoin::consensus::encode::serialize_hex(&tx)).unwrap();
    (utxos, prev)
}

fn change_outputs(review: &serde_json::Value) -> Vec<(String, String)> {
    review["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "change")
        .map(|o| {
            (
                o["address"].as_str().unwrap().to_string(),
                o["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn consecutive_bundles_from_a_wallet_file_never_share_a_change_address() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Funded {
        seed: _,
        multipath,
        w,
        utxos,
        prev,
    } = funded_wallet(d);
    let payee = common::payee();
    let create = |n: &str, extra: &str| {
        run(&format!(
            "bundle create --json --wallet '{}' --utxos '{}' --prev-txs '{}' --to {payee}:100000 --fee-rate 3 -o '{}' {extra}",
            w.display(),
            utxos.display(),
            prev.display(),
            d.join(format!("{n}.psbt")).display()
        ))
    };
    let o1 = create("one", "");
    let c1 = ok(&o1);
    assert!(!stderr(&o1).contains("nothing records"), "{}", stderr(&o1));
    let o2 = create("two", "");
    let c2 = ok(&o2);
    let ch1 = change_outputs(&c1["review"]);
    let ch2 = change_outputs(&c2["review"]);
    assert_eq!(ch1.len(), 1, "{c1}");
    assert_eq!(ch2.len(), 1, "{c2}");
    assert_ne!(ch1[0].0, ch2[0].0, "two bundles share a change address");
    assert_eq!(ch1[0].1, "m/84'/1'/0'/1/0");
    assert_eq!(ch2[0].1, "m/84'/1'/0'/1/1");
    assert_eq!(ch1[0].0, derive(&multipath, 1, 0, Network::Regtest));
    assert_eq!(
        (c1["change_index"].clone(), c2["change_index"].clone()),
        (0.into(), 1.into())
    );
    assert_eq!(c2["next_change_index"], 2);
    assert_eq!(wallet_json(&w)["next_index"]["change"], 2);
    assert_eq!(
        wallet_json(&w)["next_index"]["receive"],
        0,
        "receive untouched"
    );

    // An explicit --change-index is used and moves the next index past it.
    let c3 = ok(&create("three", "--change-index 7"));
    assert_eq!(change_outputs(&c3["review"])[0].1, "m/84'/1'/0'/1/7");
    assert_eq!(wallet_json(&w)["next_index"]["change"], 8);
    // ... but never back.
    ok(&create("four", "--change-index 3"));
    assert_eq!(wallet_json(&w)["next_index"]["change"], 8);
    let c5 = ok(&create("five", ""));
    assert_eq!(change_outputs(&c5["review"])[0].1, "m/84'/1'/0'/1/8");

    // Sweeping everything makes no change: the index is not advanced.
    let o = run(&format!(
        "bundle create --json --wallet '{}' --utxos '{}' --prev-txs '{}' --send-all {payee} --fee-rate 3 -o '{}'",
        w.display(),
        utxos.display(),
        prev.display(),
        d.join("sweep.psbt").display()
    ));
    let s = ok(&o);
    assert!(change_outputs(&s["review"]).is_empty());
    assert_eq!(s["change_index"], serde_json::Value::Null);
    assert_eq!(wallet_json(&w)["next_index"]["change"], 9);

    // --descriptor alone still works, and says that nothing records the change index.
    let o = run(&format!(
        "bundle create --json --descriptor \"{multipath}\" --network regtest --utxos '{}' --prev-txs '{}' --to {payee}:100000 --fee-rate 3 -o '{}'",
        utxos.display(),
        prev.display(),
        d.join("desc.psbt").display()
    ));
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("warning") && err.contains("nothing records"),
        "{err}"
    );
}

#[test]
fn paying_the_wallets_own_receive_address_is_a_self_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Funded {
        seed,
        multipath: _,
        w,
        utxos,
        prev,
    } = funded_wallet(d);
    // Hand out receive 0, 1: the next receive address (2) is unused and ours.
    for _ in 0..2 {
        ok(&run(&format!("wallet receive '{}' --json", w.display())));
    }
    let r = ok(&run(&format!("wallet receive '{}' --json", w.display())));
    let own = r["address"].as_str().unwrap().to_string();
    let psbt = d.join("self.psbt");
    let c = ok(&run(&format!(
        "bundle create --json --wallet '{}' --utxos '{}' --prev-txs '{}' --to {own}:120000 --fee-rate 3 -o '{}'",
        w.display(),
        utxos.display(),
        prev.display(),
        psbt.display()
    )));
    let find = |review: &serde_json::Value| {
        review["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["address"] == own.as_str())
            .cloned()
            .unwrap()
    };
    let out = find(&c["review"]);
    assert_eq!(out["kind"], "own_receive", "{out}");
    assert_eq!(out["path"], "m/84'/1'/0'/0/2");
    // The same from `bundle inspect --wallet` and from the signer's own review.
    let i = ok(&run(&format!(
        "bundle inspect --json '{}' --wallet '{}'",
        psbt.display(),
        w.display()
    )));
    assert_eq!(find(&i["review"])["kind"], "own_receive");
    let s = ok(&run(&format!(
        "sign --json --yes --seed '{}' --passphrase-fd 4 '{}' -o '{}' 4<'{}'",
        seed.display(),
        psbt.display(),
        d.join("signed.psbt").display(),
        d.join("pass").display()
    )));
    assert_eq!(find(&s["review"])["kind"], "own_receive");
    // Without a wallet the same output is external.
    let i = ok(&run(&format!(
        "bundle inspect --json '{}' --network regtest",
        psbt.display()
    )));
    assert_eq!(find(&i["review"])["kind"], "external");
}

fn verify(d: &Path, seed: &Path, args: &str) -> Output {
    run(&format!(
        "address verify --seed '{}' --passphrase-fd 4 {args} 4<'{}'",
        seed.display(),
        d.join("pass").display()
    ))
}

#[test]
fn address_verify_finds_the_bip84_and_bip86_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed(d, "bitcoin");
    // BIP84's and BIP86's published vectors for this mnemonic.
    for (addr, path, script, change) in [
        (
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
            "m/84'/0'/0'/0/0",
            "wpkh",
            false,
        ),
        (
            "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
            "m/86'/0'/0'/0/0",
            "tr",
            false,
        ),
        (
            "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7",
            "m/86'/0'/0'/1/0",
            "tr",
            true,
        ),
    ] {
        let v = ok(&verify(d, &seed, &format!("{addr} --json")));
        assert_eq!(v["found"], true);
        assert_eq!(v["path"], path);
        assert_eq!(v["script"], script);
        assert_eq!(v["change"], change);
        assert_eq!(v["fingerprint"], "73c5da0a");
    }
    // Human form.
    let o = verify(d, &seed, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("found:") && text.contains("m/84'/0'/0'/0/0") && text.contains("wpkh"),
        "{text}"
    );

    // Deep in the chain, and in other script types: addresses from the account export's
    // descriptors, derived by miniscript.
    for (script, branch, index) in [("sh-wpkh", 1usize, 777u32), ("pkh", 0, 999), ("tr", 1, 998)] {
        let (_, e) = account(d, &seed, script);
        let addr = derive(
            e["multipath"].as_str().unwrap(),
            branch,
            index,
            Network::Bitcoin,
        );
        let started = std::time::Instant::now();
        let v = ok(&verify(d, &seed, &format!("{addr} --json")));
        assert!(
            started.elapsed().as_secs() < 20,
            "too slow: {:?}",
            started.elapsed()
        );
        assert_eq!(v["script"], script);
        assert_eq!(v["index"], index);
        assert_eq!(v["change"], branch == 1);
        // Just past a smaller gap: not found.
        let o = verify(d, &seed, &format!("{addr} --gap {index}"));
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    }
}

#[test]
fn address_verify_says_not_found_and_rejects_other_networks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed(d, "bitcoin");
    // P2WPKH of the generator point: nobody's wallet.
    let g: bitcoin::CompressedPublicKey =
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            .parse()
            .unwrap();
    let foreign = Address::p2wpkh(&g, Network::Bitcoin).to_string();
    let o = verify(d, &seed, &foreign);
    assert_eq!(o.status.code(), Some(3), "not found has its own exit code");
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "not found: {foreign} is not derived by seed 73c5da0a"
        )) && err.contains("m/84'/0'/0'/{0,1}/0..999")
            && err.contains("hint:"),
        "{err}"
    );
    let o = verify(d, &seed, &format!("{foreign} --json"));
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["found"], false);

    // --script that cannot produce this kind of address searches nothing.
    let o = verify(
        d,
        &seed,
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu --script tr",
    );
    assert_eq!(o.status.code(), Some(3));
    // Another account does not hold it.
    let o = verify(
        d,
        &seed,
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu --account 1 --gap 20",
    );
    assert_eq!(o.status.code(), Some(3));

    // The same key's testnet address: wrong network for a mainnet seed.
    let mainnet = Address::from_str("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu")
        .unwrap()
        .assume_checked();
    let testnet = Address::from_script(&mainnet.script_pubkey(), Network::Testnet).unwrap();
    assert!(testnet.to_string().starts_with("tb1q"));
    let o = verify(d, &seed, &testnet.to_string());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a valid bitcoin address"),
        "{}",
        stderr(&o)
    );
    // Untrusted text is escaped before it reaches the terminal.
    let o = verify(d, &seed, "$'bc1q\\e[2Jevil'");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(!err.contains('\x1b') && err.contains("\\u{1b}"), "{err}");
}
