//! Treasury wallets (issue 9): a 2-of-3 P2WSH wallet set up from three cosigners' exports,
//! registered on two signers, signed in parallel, combined, finalized, and accepted by Bitcoin
//! Core's interpreter; and the multisig attacks, each refused with its named reason.
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use airsign::wallet::fixture::funding_tx;
use airsign::wallet::WatchOnly;
use bitcoin::{Network, Psbt, TxOut};
use miniscript::psbt::PsbtExt;

use common::{bin, demo_dir, q, sh};

/// The demo seed file with the BIP39 passphrase `who`: each cosigner a different wallet.
struct Team {
    _dir: tempfile::TempDir,
    d: PathBuf,
    pass: PathBuf,
}

impl Team {
    fn new() -> Self {
        let (dir, pass) = demo_dir();
        let d = dir.path().to_path_buf();
        for who in ["alice", "bob", "carol", "mallory", "rita"] {
            std::fs::write(d.join(who), format!("{who}\n")).unwrap();
        }
        Team { _dir: dir, d, pass }
    }

    /// `airsign ARGS` as cosigner `who` (seed options added, `{seed}` in ARGS).
    fn as_(&self, who: &str, args: &str) -> Output {
        sh(&format!(
            "{} {args} --seed {} --passphrase-fd 4 --bip39-passphrase-fd 5 4<{} 5<{}",
            q(&bin()),
            q(&self.d.join("demo-seed.age")),
            q(&self.pass),
            q(&self.d.join(who))
        ))
    }

    fn key(&self, who: &str) -> String {
        let o = self.as_(who, "account export --script wsh-multi --json");
        assert!(o.status.success(), "{}", err(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["key_origin"].as_str().unwrap().to_string()
    }

    fn fingerprint(&self, who: &str) -> String {
        self.key(who)[1..9].to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.d.join(name)
    }

    fn run(&self, args: &str) -> Output {
        sh(&format!("{} {args}", q(&bin())))
    }
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn descriptor(keys: &[String]) -> String {
    let ks: Vec<String> = keys.iter().map(|k| format!("{k}/<0;1>/*")).collect();
    format!("wsh(sortedmulti(2,{}))", ks.join(","))
}

/// A 2-of-3 wallet of alice, bob and carol, registered by alice and bob, funded, with an
/// unsigned bundle paying 400,000 sat to a stranger (with change).
struct Setup {
    t: Team,
    wallet: PathBuf,
    unsigned: PathBuf,
    prevouts: Vec<TxOut>,
    multipath: String,
}

fn setup() -> Setup {
    let t = Team::new();
    let keys: Vec<String> = ["alice", "bob", "carol"].iter().map(|w| t.key(w)).collect();
    let multipath = descriptor(&keys);
    let wallet = t.path("treasury.json");
    let o = t.run(&format!(
        "wallet create --name treasury --network regtest --descriptor {} -o {}",
        common::shq(&multipath),
        q(&wallet)
    ));
    assert!(o.status.success(), "{}", err(&o));
    for who in ["alice", "bob"] {
        let o = t.as_(who, &format!("wallet register --yes {}", q(&wallet)));
        assert!(o.status.success(), "{who}: {}", err(&o));
        let e = err(&o);
        assert!(e.contains("2 of (") && e.contains("(wsh)"), "{e}");
        assert!(e.contains("← this seed"), "{e}");
    }
    let (unsigned, prevouts) = fund_and_bundle(&t, &wallet, &multipath, 31, "", "unsigned.psbt");
    Setup {
        t,
        wallet,
        unsigned,
        prevouts,
        multipath,
    }
}

fn sign(t: &Team, who: &str, input: &Path, out: &Path) -> Output {
    sign_with(t, who, input, out, "")
}

fn sign_with(t: &Team, who: &str, input: &Path, out: &Path, extra: &str) -> Output {
    t.as_(
        who,
        &format!(
            "sign --yes {extra} --log {} {} -o {}",
            q(&t.path(&format!("{who}.audit.jsonl"))),
            q(input),
            q(out)
        ),
    )
}

fn read_psbt(p: &Path) -> Psbt {
    Psbt::deserialize(&std::fs::read(p).unwrap()).unwrap()
}

fn write_psbt(p: &Path, psbt: &Psbt) {
    std::fs::write(p, psbt.serialize()).unwrap();
}

fn change_output(p: &Psbt) -> usize {
    p.outputs
        .iter()
        .position(|o| !o.bip32_derivation.is_empty())
        .expect("a change output")
}

#[test]
fn two_of_three_wsh_signed_in_parallel_combined_and_finalized() {
    let s = setup();
    let t = &s.t;
    let (a, b) = (t.path("alice.psbt"), t.path("bob.psbt"));
    let o = sign(t, "alice", &s.unsigned, &a);
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains("wallet 'treasury' (2 of 3): no signature yet"),
        "{e}"
    );
    assert!(e.contains("CHANGE"), "change recognised: {e}");
    // An honest treasury spend warns of nothing but its (first-time) payee.
    let warnings: Vec<&str> = e.lines().filter(|l| l.starts_with("WARNING")).collect();
    assert!(
        warnings
            .iter()
            .all(|w| w.ends_with("[anomaly-new-destination]")),
        "{warnings:?}"
    );
    let o = sign(t, "bob", &s.unsigned, &b);
    assert!(o.status.success(), "{}", err(&o));
    // One signature is not enough, and finalize says so in words.
    let o = t.run(&format!("bundle finalize {}", q(&a)));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(
        e.contains(&format!(
            "1 of 3 signatures present ({}); need 1 more",
            t.fingerprint("alice")
        )),
        "{e}"
    );
    // Alice's signed copy shown to bob lists her signature.
    let o = sign(t, "bob", &a, &t.path("ab.psbt"));
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains(&format!("signed by {}", t.fingerprint("alice"))),
        "{e}"
    );
    let combined = t.path("combined.psbt");
    let o = t.run(&format!(
        "bundle combine {} {} -o {}",
        q(&a),
        q(&b),
        q(&combined)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let o = t.run(&format!("bundle finalize --json {}", q(&combined)));
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tx: bitcoin::Transaction =
        bitcoin::consensus::encode::deserialize_hex(v["hex"].as_str().unwrap()).unwrap();
    let prevouts: Vec<TxOut> = tx
        .input
        .iter()
        .map(|i| s.prevouts[i.previous_output.vout as usize].clone())
        .collect();
    common::consensus_check(&tx, &prevouts);
    // The fee estimate held: the signed transaction is no larger than the bundle assumed.
    let unsigned = read_psbt(&s.unsigned);
    let fee: u64 = prevouts.iter().map(|o| o.value.to_sat()).sum::<u64>()
        - tx.output.iter().map(|o| o.value.to_sat()).sum::<u64>();
    assert!(
        fee as f64 / tx.vsize() as f64 >= 2.0,
        "fee {fee} for {} vB",
        tx.vsize()
    );
    assert_eq!(unsigned.unsigned_tx.compute_txid(), tx.compute_txid());
}

#[test]
fn an_unregistered_wallet_is_refused_with_the_command_to_register() {
    let s = setup();
    let o = sign(&s.t, "carol", &s.unsigned, &s.t.path("carol.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[unregistered-wallet]"), "{e}");
    assert!(!s.t.path("carol.psbt").exists());
}

#[test]
fn an_edited_registration_stops_signing() {
    let s = setup();
    let reg = s.t.path("demo-seed.age.wallets.json");
    let text = std::fs::read_to_string(&reg).unwrap();
    std::fs::write(&reg, text.replacen("\"treasury\"", "\"treasury2\"", 1)).unwrap();
    let o = sign(&s.t, "alice", &s.unsigned, &s.t.path("x.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(4), "{e}");
    assert!(e.contains("was not made by this seed"), "{e}");
}

#[test]
fn a_wallet_file_with_this_seeds_fingerprint_and_another_xpub_is_not_registered() {
    let t = Team::new();
    let alice = t.key("alice");
    let mallory = t.key("mallory");
    // Mallory's xpub under alice's fingerprint and path: the xpub swap.
    let swapped = format!(
        "{}{}",
        &alice[..alice.find(']').unwrap() + 1],
        &mallory[mallory.find(']').unwrap() + 1..]
    );
    let keys = [swapped, t.key("bob"), t.key("carol")];
    let wallet = t.path("swapped.json");
    let o = t.run(&format!(
        "wallet create --name swapped --network regtest --descriptor {} -o {}",
        common::shq(&descriptor(&keys)),
        q(&wallet)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let o = t.as_("alice", &format!("wallet register --yes {}", q(&wallet)));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(4), "{e}");
    assert!(e.contains("a swapped key"), "{e}");
    assert!(!t.path("demo-seed.age.wallets.json").exists());
    // A wallet without any key of this seed: refused, and said why.
    let keys = [t.key("mallory"), t.key("bob"), t.key("carol")];
    let o = t.run(&format!(
        "wallet create --name other --network regtest --descriptor {} -o {}",
        common::shq(&descriptor(&keys)),
        q(&t.path("other.json"))
    ));
    assert!(o.status.success(), "{}", err(&o));
    let o = t.as_(
        "alice",
        &format!("wallet register --yes {}", q(&t.path("other.json"))),
    );
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
}

#[test]
fn change_to_a_two_of_three_with_an_attackers_key_is_refused() {
    let s = setup();
    let t = &s.t;
    let mut p = read_psbt(&s.unsigned);
    let c = change_output(&p);
    // Same change path claims, but the script is a 2-of-3 of alice, bob and mallory.
    let keys = [t.key("alice"), t.key("bob"), t.key("mallory")];
    let evil = WatchOnly::from_descriptor(&descriptor(&keys), Network::Regtest).unwrap();
    p.unsigned_tx.output[c].script_pubkey = evil.derive(true, 0).unwrap().script_pubkey();
    let attack = t.path("attack.psbt");
    write_psbt(&attack, &p);
    let o = sign(t, "alice", &attack, &t.path("x.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[wallet-output-mismatch]"), "{e}");
}

#[test]
fn a_swapped_global_xpub_in_the_psbt_is_refused() {
    let s = setup();
    let t = &s.t;
    let mut p = read_psbt(&s.unsigned);
    let bob_fp = t.fingerprint("bob");
    let (bob_xpub, origin) = p
        .xpub
        .iter()
        .find(|(_, (fp, _))| fp.to_string() == bob_fp)
        .map(|(x, o)| (*x, o.clone()))
        .expect("bundle create writes every cosigner's global xpub");
    p.xpub.remove(&bob_xpub);
    let mallory = t.key("mallory");
    let mallory_xpub: bitcoin::bip32::Xpub =
        mallory[mallory.find(']').unwrap() + 1..].parse().unwrap();
    p.xpub.insert(mallory_xpub, origin);
    let attack = t.path("attack.psbt");
    write_psbt(&attack, &p);
    let o = sign(t, "alice", &attack, &t.path("x.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[xpub-mismatch]"), "{e}");
}

#[test]
fn change_past_the_gap_bound_and_psbts_of_different_transactions() {
    let s = setup();
    let t = &s.t;
    let w = WatchOnly::from_descriptor(&s.multipath, Network::Regtest).unwrap();
    let mut p = read_psbt(&s.unsigned);
    let c = change_output(&p);
    // Re-point change at index 5,000 with honest derivations: ours, but no wallet looks there.
    let far = w.derive(true, 5_000).unwrap();
    p.unsigned_tx.output[c].script_pubkey = far.script_pubkey();
    p.outputs[c] = Default::default();
    p.update_output_with_descriptor(c, &far).unwrap();
    let attack = t.path("far.psbt");
    write_psbt(&attack, &p);
    let o = sign(t, "alice", &attack, &t.path("x.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[own-key-off-branch]"), "{e}");
    // Combining PSBTs of two transactions is refused.
    let o = sign(t, "alice", &s.unsigned, &t.path("a.psbt"));
    assert!(o.status.success(), "{}", err(&o));
    let o = t.run(&format!(
        "bundle combine {} {} -o {}",
        q(&t.path("a.psbt")),
        q(&attack),
        q(&t.path("c.psbt"))
    ));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("is of another transaction"), "{e}");
    assert!(!t.path("c.psbt").exists());
    let _ = &s.wallet;
}

#[test]
fn a_rules_wallets_field_names_the_registered_wallets_it_may_spend() {
    let s = setup();
    let t = &s.t;
    let policy = |wallets: &str| {
        let p = t.path(&format!("policy-{wallets}.json"));
        std::fs::write(
            &p,
            format!(r#"{{"version":1,"network":"regtest","rules":[{{"name":"ops","wallets":["{wallets}"],"warnings_ok":true}}]}}"#),
        )
        .unwrap();
        p
    };
    let signed = |p: &Path, input: &Path| {
        t.as_(
            "alice",
            &format!(
                "sign --yes --policy {} --log {} {} -o {} --force",
                q(p),
                q(&t.path("alice.audit.jsonl")),
                q(input),
                q(&t.path("x.psbt"))
            ),
        )
    };
    let o = signed(&policy("treasury"), &s.unsigned);
    assert!(o.status.success(), "{}", err(&o));
    let o = signed(&policy("payroll"), &s.unsigned);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[wallet-not-allowed]"), "{e}");
    assert!(
        e.contains("spends from registered wallet 'treasury'"),
        "{e}"
    );
}

/// Fund receive 0 and 1 of the wallet at `multipath` and build an unsigned bundle paying 400,000
/// sat to a stranger, with `extra` options; returns the bundle and the funding outputs.
fn fund_and_bundle(
    t: &Team,
    wallet: &Path,
    multipath: &str,
    salt: u32,
    extra: &str,
    out: &str,
) -> (PathBuf, Vec<TxOut>) {
    let w = WatchOnly::from_descriptor(multipath, Network::Regtest).unwrap();
    let fund = funding_tx(
        &[
            (w.address(false, 0).unwrap().script_pubkey(), 300_000),
            (w.address(false, 1).unwrap().script_pubkey(), 200_000),
        ],
        salt,
    );
    let txid = fund.compute_txid();
    let (utxos, prev) = (
        t.path(&format!("{out}.utxos.json")),
        t.path(&format!("{out}.prev.hex")),
    );
    std::fs::write(
        &utxos,
        format!(r#"[{{"txid":"{txid}","vout":0,"amount":0.003}},{{"txid":"{txid}","vout":1,"amount":0.002}}]"#),
    )
    .unwrap();
    std::fs::write(&prev, bitcoin::consensus::encode::serialize_hex(&fund)).unwrap();
    let unsigned = t.path(out);
    let o = t.run(&format!(
        "bundle create --wallet {} --utxos {} --prev-txs {} --to {}:400000 --fee-rate 2 {extra} -o {}",
        q(wallet),
        q(&utxos),
        q(&prev),
        common::payee(),
        q(&unsigned)
    ));
    assert!(o.status.success(), "{}", err(&o));
    (unsigned, fund.output.clone())
}

fn finalize_and_check(t: &Team, signed: &Path, funding: &[TxOut]) -> bitcoin::Transaction {
    let o = t.run(&format!("bundle finalize --json {}", q(signed)));
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tx: bitcoin::Transaction =
        bitcoin::consensus::encode::deserialize_hex(v["hex"].as_str().unwrap()).unwrap();
    let prevouts: Vec<TxOut> = tx
        .input
        .iter()
        .map(|i| funding[i.previous_output.vout as usize].clone())
        .collect();
    common::consensus_check(&tx, &prevouts);
    tx
}

#[test]
fn a_time_locked_wallet_spends_by_two_primary_keys_or_by_the_recovery_key_after_the_lock() {
    let t = Team::new();
    let k = |w: &str| format!("{}/<0;1>/*", t.key(w));
    let multipath = format!(
        "wsh(or_d(multi(2,{},{},{}),and_v(v:pkh({}),older(10))))",
        k("alice"),
        k("bob"),
        k("carol"),
        k("rita")
    );
    let wallet = t.path("vault.json");
    let o = t.run(&format!(
        "wallet create --name vault --network regtest --descriptor {} -o {}",
        common::shq(&multipath),
        q(&wallet)
    ));
    assert!(o.status.success(), "{}", err(&o));
    for who in ["alice", "bob", "rita"] {
        let o = t.as_(who, &format!("wallet register --yes {}", q(&wallet)));
        let e = err(&o);
        assert!(o.status.success(), "{who}: {e}");
        assert!(e.contains("after 10 blocks (~0.1 days)"), "{e}");
    }
    // Primary: two of alice, bob, carol, no timelock.
    let (unsigned, funding) = fund_and_bundle(&t, &wallet, &multipath, 41, "", "primary.psbt");
    let (a, b) = (t.path("p-alice.psbt"), t.path("p-bob.psbt"));
    let o = sign(&t, "alice", &unsigned, &a);
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("timelocked path not open"), "{e}");
    assert!(e.contains("CHANGE"), "{e}");
    let o = sign(&t, "bob", &unsigned, &b);
    assert!(o.status.success(), "{}", err(&o));
    // The recovery key cannot use this bundle: its signature would never count.
    let o = sign(&t, "rita", &unsigned, &t.path("p-rita.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[timelock-not-open]"), "{e}");
    let o = t.run(&format!(
        "bundle combine {} {} -o {}",
        q(&a),
        q(&b),
        q(&t.path("p-both.psbt"))
    ));
    assert!(o.status.success(), "{}", err(&o));
    let tx = finalize_and_check(&t, &t.path("p-both.psbt"), &funding);
    assert!(tx.input.iter().all(|i| i.sequence.0 == 0xffff_fffd));
    // Recovery: rita alone, with nSequence 10, named as a recovery spend.
    let (unsigned, funding) = fund_and_bundle(
        &t,
        &wallet,
        &multipath,
        42,
        "--path recovery",
        "recovery.psbt",
    );
    let r = t.path("r-rita.psbt");
    // A recovery spend is refused unless the person says it is one (`--recovery`): a bundle
    // presented as an ordinary spend cannot take the recovery path.
    let o = sign(&t, "rita", &unsigned, &r);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[recovery-path]"), "{e}");
    assert!(!r.exists());
    let o = sign_with(&t, "rita", &unsigned, &r, "--recovery");
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("TIMELOCKED PATH OPEN"), "{e}");
    assert!(e.contains("[recovery-path]"), "{e}");
    // The fee rate is known from the registered descriptor's size, not left out.
    assert!(e.contains(" sat/vB,"), "{e}");
    let tx = finalize_and_check(&t, &r, &funding);
    assert!(tx.input.iter().all(|i| i.sequence.0 == 10));
    // A written policy refuses a recovery spend unless a rule allows it.
    let policy = t.path("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"ops"}]}"#,
    )
    .unwrap();
    let o = t.as_(
        "rita",
        &format!(
            "sign --yes --policy {} --log {} {} -o {}",
            q(&policy),
            q(&t.path("rita2.audit.jsonl")),
            q(&unsigned),
            q(&t.path("r2.psbt"))
        ),
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[recovery-path]"), "{e}");
}

#[test]
fn a_taproot_two_of_three_with_an_unspendable_internal_key_signs_by_script_path() {
    taproot_two_of_three("multi_a", 51);
}

/// BIP387 `sortedmulti_a`, which miniscript 13.2 does not parse: airsign sorts the keys per
/// index itself (checked against BIP387's vectors in the library's tests).
#[test]
fn a_taproot_sortedmulti_a_two_of_three_signs_by_script_path() {
    taproot_two_of_three("sortedmulti_a", 52);
}

fn taproot_two_of_three(fragment: &str, salt: u32) {
    let t = Team::new();
    let k = |w: &str| format!("{}/<0;1>/*", t.key(w));
    let multipath = format!(
        "tr({},{fragment}(2,{},{},{}))",
        airsign::wallet::registry::NUMS,
        k("alice"),
        k("bob"),
        k("carol")
    );
    let wallet = t.path("taproot.json");
    let o = t.run(&format!(
        "wallet create --name taproot --network regtest --descriptor {} -o {}",
        common::shq(&multipath),
        q(&wallet)
    ));
    assert!(o.status.success(), "{}", err(&o));
    for who in ["alice", "bob"] {
        let o = t.as_(who, &format!("wallet register --yes {}", q(&wallet)));
        let e = err(&o);
        assert!(o.status.success(), "{who}: {e}");
        assert!(e.contains("nobody (NUMS key)"), "{e}");
    }
    let (unsigned, funding) = fund_and_bundle(&t, &wallet, &multipath, salt, "", "tr.psbt");
    let (a, b) = (t.path("tr-alice.psbt"), t.path("tr-bob.psbt"));
    let o = sign(&t, "alice", &unsigned, &a);
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("wallet 'taproot'"), "{e}");
    assert!(
        e.contains("CHANGE"),
        "taproot multisig change recognised: {e}"
    );
    assert!(e.contains(" sat/vB,"), "{e}");
    assert!(e.contains("(2 of 3): no signature yet"), "{e}");
    // One signature: finalize says how many are missing; bob sees alice's.
    let o = t.run(&format!("bundle finalize {}", q(&a)));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(
        e.contains(&format!(
            "1 of 3 signatures present ({}); need 1 more",
            t.fingerprint("alice")
        )),
        "{e}"
    );
    let o = sign(&t, "bob", &a, &t.path("tr-ab.psbt"));
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(
        e.contains(&format!("signed by {}", t.fingerprint("alice"))),
        "{e}"
    );
    let o = sign(&t, "bob", &unsigned, &b);
    assert!(o.status.success(), "{}", err(&o));
    let o = sign(&t, "carol", &unsigned, &t.path("tr-carol.psbt"));
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("[unregistered-wallet]"));
    let both = t.path("tr-both.psbt");
    let o = t.run(&format!(
        "bundle combine {} {} -o {}",
        q(&a),
        q(&b),
        q(&both)
    ));
    assert!(o.status.success(), "{}", err(&o));
    finalize_and_check(&t, &both, &funding);
}

/// Adversarial pass 4, F2: `wallet register` of another wallet under a registered name silently
/// replaced it, and rules naming the wallet then let the new keys spend.
#[test]
fn registering_another_wallet_under_a_registered_name_is_refused() {
    let s = setup();
    let t = &s.t;
    let keys = [t.key("alice"), t.key("bob"), t.key("mallory")];
    let evil = t.path("evil.json");
    let o = t.run(&format!(
        "wallet create --name treasury --network regtest --descriptor {} -o {}",
        common::shq(&descriptor(&keys)),
        q(&evil)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let o = t.as_("alice", &format!("wallet register --yes {}", q(&evil)));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(
        e.contains("a different wallet is already registered as 'treasury'"),
        "{e}"
    );
    // The real treasury still signs.
    let o = sign(t, "alice", &s.unsigned, &t.path("a.psbt"));
    assert!(o.status.success(), "{}", err(&o));
    // Registering the same wallet again changes nothing; --replace says what it replaces.
    let o = t.as_("alice", &format!("wallet register --yes {}", q(&s.wallet)));
    assert!(
        o.status.success() && err(&o).contains("already registered"),
        "{}",
        err(&o)
    );
    let o = t.as_(
        "alice",
        &format!("wallet register --yes --replace {}", q(&evil)),
    );
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("REPLACES wallet 'treasury'"), "{e}");
}

/// Adversarial pass 4, F4: the online review of a multisig bundle showed its change as an
/// external payment (and the signer-only `unregistered-wallet` note).
#[test]
fn the_online_review_of_a_multisig_bundle_shows_its_change() {
    let s = setup();
    let o = s.t.run(&format!(
        "bundle inspect --wallet {} {}",
        q(&s.wallet),
        q(&s.unsigned)
    ));
    let e = format!("{}{}", err(&o), String::from_utf8_lossy(&o.stdout));
    assert!(o.status.success(), "{e}");
    assert!(!e.contains("CHANGE (none)") && e.contains("CHANGE"), "{e}");
    assert!(!e.contains("output-claim-false"), "{e}");
    assert!(!e.contains("unregistered-wallet"), "{e}");
}

/// Adversarial pass 4, F5: `bundle combine` kept the first copy's values when copies disagreed
/// on what the signatures sign over.
#[test]
fn combining_copies_that_disagree_on_a_utxo_is_refused() {
    let s = setup();
    let t = &s.t;
    let o = sign(t, "alice", &s.unsigned, &t.path("a.psbt"));
    assert!(o.status.success(), "{}", err(&o));
    let mut p = read_psbt(&s.unsigned);
    let w = p.inputs[0].witness_utxo.clone().unwrap();
    p.inputs[0].witness_utxo = Some(TxOut {
        value: bitcoin::Amount::from_sat(w.value.to_sat() + 1),
        ..w
    });
    let odd = t.path("odd.psbt");
    write_psbt(&odd, &p);
    let o = t.run(&format!(
        "bundle combine {} {} -o {}",
        q(&t.path("a.psbt")),
        q(&odd),
        q(&t.path("c.psbt"))
    ));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("another witness_utxo"), "{e}");
    assert!(!t.path("c.psbt").exists());
}

#[test]
fn a_nested_segwit_two_of_three_signs_and_finalizes() {
    let t = Team::new();
    let key = |who: &str| {
        let o = t.as_(who, "account export --script sh-wsh-multi --json");
        assert!(o.status.success(), "{}", err(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        format!("{}/<0;1>/*", v["key_origin"].as_str().unwrap())
    };
    let multipath = format!(
        "sh(wsh(sortedmulti(2,{},{},{})))",
        key("alice"),
        key("bob"),
        key("carol")
    );
    let wallet = t.path("nested.json");
    let o = t.run(&format!(
        "wallet create --name nested --network regtest --descriptor {} -o {}",
        common::shq(&multipath),
        q(&wallet)
    ));
    assert!(o.status.success(), "{}", err(&o));
    for who in ["alice", "carol"] {
        let o = t.as_(who, &format!("wallet register --yes {}", q(&wallet)));
        assert!(o.status.success(), "{who}: {}", err(&o));
    }
    let (unsigned, funding) = fund_and_bundle(&t, &wallet, &multipath, 61, "", "nested.psbt");
    let (a, c) = (t.path("n-alice.psbt"), t.path("n-carol.psbt"));
    for (who, out) in [("alice", &a), ("carol", &c)] {
        let o = sign(&t, who, &unsigned, out);
        let e = err(&o);
        assert!(o.status.success(), "{who}: {e}");
        assert!(e.contains("CHANGE") && e.contains("(sh-wsh)"), "{e}");
    }
    let both = t.path("n-both.psbt");
    let o = t.run(&format!(
        "bundle combine {} {} -o {}",
        q(&a),
        q(&c),
        q(&both)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let tx = finalize_and_check(&t, &both, &funding);
    assert!(tx.input.iter().all(|i| !i.script_sig.is_empty()));
}

/// Liana's shape, where a primary key is also the recovery key on its own `<2;3>` pair.
#[test]
fn a_liana_style_vault_with_a_key_on_two_pairs_recovers_after_the_lock() {
    let t = Team::new();
    let (a, b) = (t.key("alice"), t.key("bob"));
    let multipath =
        format!("wsh(or_d(multi(2,{a}/<0;1>/*,{b}/<0;1>/*),and_v(v:pkh({a}/<2;3>/*),older(10))))");
    let wallet = t.path("liana.json");
    let o = t.run(&format!(
        "wallet create --name liana --network regtest --descriptor {} -o {}",
        common::shq(&multipath),
        q(&wallet)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let o = t.as_("alice", &format!("wallet register --yes {}", q(&wallet)));
    assert!(o.status.success(), "{}", err(&o));
    let (unsigned, funding) =
        fund_and_bundle(&t, &wallet, &multipath, 71, "--path recovery", "liana.psbt");
    let signed = t.path("liana-alice.psbt");
    let o = sign_with(&t, "alice", &unsigned, &signed, "--recovery");
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("[recovery-path]"), "{e}");
    assert!(e.contains("CHANGE"), "{e}");
    let tx = finalize_and_check(&t, &signed, &funding);
    assert!(tx.input.iter().all(|i| i.sequence.0 == 10));
}

#[test]
fn change_on_the_receive_branch_is_named_and_a_written_policy_refuses_it() {
    let s = setup();
    let t = &s.t;
    let w = WatchOnly::from_descriptor(&s.multipath, Network::Regtest).unwrap();
    let mut p = read_psbt(&s.unsigned);
    let c = change_output(&p);
    let receive = w.derive(false, 7).unwrap();
    p.unsigned_tx.output[c].script_pubkey = receive.script_pubkey();
    p.outputs[c] = Default::default();
    p.update_output_with_descriptor(c, &receive).unwrap();
    let attack = t.path("receive.psbt");
    write_psbt(&attack, &p);
    let o = sign(t, "alice", &attack, &t.path("x.psbt"));
    let e = err(&o);
    assert!(
        o.status.success(),
        "built-in policy: shown, not refused: {e}"
    );
    assert!(e.contains("[wallet-receive-output]"), "{e}");
    let policy = t.path("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"ops"}]}"#,
    )
    .unwrap();
    let o = t.as_(
        "alice",
        &format!(
            "sign --yes --policy {} --log {} {} -o {}",
            q(&policy),
            q(&t.path("p.audit.jsonl")),
            q(&attack),
            q(&t.path("y.psbt"))
        ),
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[wallet-receive-output]"), "{e}");
}

#[test]
fn a_wallet_scanned_as_crypto_output_registers_with_the_same_id() {
    let s = setup();
    let t = &s.t;
    let parts = t.path("parts.txt");
    let o = t.run(&format!(
        "wallet create --name again --network regtest --descriptor {} -o {} --qr text:{}",
        common::shq(&s.multipath),
        q(&t.path("again.json")),
        q(&parts)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let id: serde_json::Value = serde_json::from_slice(&std::fs::read(&s.wallet).unwrap()).unwrap();
    let o = t.as_(
        "carol",
        &format!(
            "wallet register --yes --scan text:{} --name treasury",
            q(&parts)
        ),
    );
    let e = err(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains(id["wallet_id"].as_str().unwrap()), "{e}");
    // Carol can now sign the treasury bundle.
    let o = sign(t, "carol", &s.unsigned, &t.path("c.psbt"));
    assert!(o.status.success(), "{}", err(&o));
}

/// Adversarial pass 5, F1: a set-up file naming alice twice made "2 of 4" that alice alone
/// could spend, and every tool accepted it.
#[test]
fn a_wallet_naming_one_signer_twice_in_a_threshold_is_refused() {
    let t = Team::new();
    let keys = [t.key("alice"), t.key("bob"), t.key("carol"), t.key("alice")];
    let ks: Vec<String> = keys.iter().map(|k| format!("{k}/<0;1>/*")).collect();
    let d = format!("wsh(sortedmulti(2,{}))", ks.join(","));
    let o = t.run(&format!(
        "wallet create --name twice --network regtest --descriptor {} -o {}",
        common::shq(&d),
        q(&t.path("twice.json"))
    ));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("holds 2 of the keys in '2 of 4'"), "{e}");
    assert!(!t.path("twice.json").exists());
    // Straight to a signer, as a set-up file: refused there too.
    std::fs::write(t.path("twice.txt"), format!("{d}\n")).unwrap();
    let o = t.as_(
        "bob",
        &format!(
            "wallet register --yes --name twice {}",
            q(&t.path("twice.txt"))
        ),
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("holds 2 of the keys"), "{e}");
}

/// Adversarial pass 5, F3: two registrations of one name (spliced from two copies of the file)
/// loaded without complaint.
#[test]
fn a_registrations_file_spliced_from_two_copies_stops_signing() {
    let s = setup();
    let t = &s.t;
    let reg = t.path("demo-seed.age.wallets.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&reg).unwrap()).unwrap();
    let wallets = v["wallets"].as_array_mut().unwrap();
    let first = wallets[0].clone();
    wallets.push(first);
    std::fs::write(&reg, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = sign(t, "alice", &s.unsigned, &t.path("x.psbt"));
    let e = err(&o);
    assert_eq!(o.status.code(), Some(4), "{e}");
    assert!(e.contains("registered twice"), "{e}");
}
