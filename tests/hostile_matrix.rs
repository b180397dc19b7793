//! The hostile matrix (issue 8): every file in `fixtures/hostile/` is one attack a compromised
//! online machine (or a policy it hopes the signer lacks) can try, with the code it must be
//! refused with. Each case runs the real binary — `sign --policy … --yes` on the public demo seed
//! — and must exit 3, name the code, write no signed PSBT, and print no raw escape byte.
//!
//! The fixtures are made by [`cases`] below from the public test seed, so anyone can see how each
//! PSBT was built; `fixtures_are_what_the_generator_makes` keeps files and code in step.
//! Regenerate after a deliberate format change with
//! `AIRSIGN_REGEN_HOSTILE=1 cargo test --test hostile_matrix`.
mod common;

use std::path::{Path, PathBuf};

use airsign::bundle::{self, KeySource, ReviewOptions};
use airsign::policy::approval::{statement, Approval};
use airsign::policy::PolicyFile;
use airsign::signer::KeyChain;
use airsign::wallet::fixture::funding_tx;
use airsign::wallet::{ScriptType, WatchOnly};
use bitcoin::base64::{self, Engine};
use bitcoin::bip32::DerivationPath;
use bitcoin::psbt::PsbtSighashType;
use bitcoin::{Amount, EcdsaSighashType, Psbt, ScriptBuf, Sequence, TxOut};
use serde_json::{json, Value};

use common::{bin, demo_dir, q, sh};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hostile");

fn b64(p: &Psbt) -> String {
    base64::engine::general_purpose::STANDARD.encode(p.serialize())
}

fn keys() -> KeyChain {
    common::test_keys()
}

/// Another person's keys: the public test mnemonic under a BIP39 passphrase (their own wallet).
fn person(name: &str) -> KeyChain {
    KeyChain::from_seed(
        &airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC)
            .unwrap()
            .to_seed(name, bitcoin::Network::Regtest),
    )
    .unwrap()
}

/// An honest P2WPKH bundle from `k`'s wallet: `funds` to its receive addresses (funding tx
/// salted by `salt`, so bundles differ), `pay` to a stranger at `rate` sat/vB.
fn bundle_of(k: &KeyChain, funds: &[u64], pay: u64, rate: f64, salt: u32) -> Psbt {
    common::bundle_from(
        &common::wallet_of(k, ScriptType::Wpkh),
        funds,
        pay,
        rate,
        salt,
    )
}

fn bundle(funds: &[u64], pay: u64, rate: f64, salt: u32) -> Psbt {
    bundle_of(&keys(), funds, pay, rate, salt)
}

fn honest(salt: u32) -> Psbt {
    bundle(&[200_000, 300_000], 400_000, 2.0, salt)
}

fn change_index(p: &Psbt) -> usize {
    p.outputs
        .iter()
        .position(|o| !o.bip32_derivation.is_empty())
        .expect("a change output")
}

/// Point the change output at our own key on `path` (the script really re-derives).
fn change_to(p: &mut Psbt, path: &str) {
    let k = keys();
    let c = change_index(p);
    let path: DerivationPath = path.parse().unwrap();
    let pk = k.public_key(&path).unwrap();
    p.unsigned_tx.output[c].script_pubkey =
        ScriptBuf::new_p2wpkh(&bitcoin::CompressedPublicKey(pk).wpubkey_hash());
    p.outputs[c].bip32_derivation = [(pk, (k.fingerprint(), path))].into();
}

/// Make the stranger's output pay our own key at `path` (with its derivation claimed).
fn pay_own_key(p: &mut Psbt, path: &str) {
    let k = keys();
    let i = payee_index(p);
    let path: DerivationPath = path.parse().unwrap();
    let pk = k.public_key(&path).unwrap();
    p.unsigned_tx.output[i].script_pubkey =
        ScriptBuf::new_p2wpkh(&bitcoin::CompressedPublicKey(pk).wpubkey_hash());
    p.outputs[i].bip32_derivation = [(pk, (k.fingerprint(), path))].into();
}

fn payee_index(p: &Psbt) -> usize {
    p.unsigned_tx
        .output
        .iter()
        .position(|o| o.script_pubkey == common::payee().script_pubkey())
        .unwrap()
}

fn push_output(p: &mut Psbt, value: u64, script: ScriptBuf) {
    p.unsigned_tx.output.push(TxOut {
        value: Amount::from_sat(value),
        script_pubkey: script,
    });
    p.outputs.push(Default::default());
}

/// Take `sats` from the change output (so the fee stays honest).
fn from_change(p: &mut Psbt, sats: u64) {
    let c = change_index(p);
    let v = p.unsigned_tx.output[c].value.to_sat();
    p.unsigned_tx.output[c].value = Amount::from_sat(v - sats);
}

fn sighash(p: &mut Psbt, t: EcdsaSighashType) {
    p.inputs[0].sighash_type = Some(PsbtSighashType::from(t));
}

fn another_address(n: u8) -> String {
    let k = person(&format!("stranger {n}"));
    common::wallet_of(&k, ScriptType::Wpkh)
        .address(false, 0)
        .unwrap()
        .to_string()
}

/// A policy with one rule `ops` (fields merged over the defaults) on regtest.
fn policy(rule: Value) -> Value {
    let mut r = json!({"name": "ops"});
    for (k, v) in rule.as_object().unwrap() {
        r[k] = v.clone();
    }
    json!({"version": 1, "network": "regtest", "rules": [r]})
}

fn policy_hash(p: &Value) -> String {
    PolicyFile::parse(&serde_json::to_vec(p).unwrap())
        .unwrap()
        .hash()
}

/// `who`'s approval of `psbt` under `policy`, as `airsign approve` writes it.
fn approval(who: &str, psbt: &Psbt, policy: &Value) -> String {
    let k = person(who);
    let reviewed = bundle::Reviewed::new(psbt.clone(), &k, &ReviewOptions::default());
    let text = statement(
        reviewed.review(),
        &reviewed.psbt_sha256().to_string(),
        Some(&policy_hash(policy)),
    );
    let path: DerivationPath = "m/84'/1'/0'/0/0".parse().unwrap();
    let (address, signature) = k
        .sign_message(&path, ScriptType::Wpkh, text.as_bytes())
        .unwrap();
    Approval {
        statement: text,
        address: address.to_string(),
        signature,
    }
    .to_text()
}

fn approver(who: &str) -> String {
    let path: DerivationPath = "m/84'/1'/0'/0/0".parse().unwrap();
    person(who)
        .sign_message(&path, ScriptType::Wpkh, b"")
        .unwrap()
        .0
        .to_string()
}

/// The BIP48 P2WSH key origin of `k` (what `account export --script wsh-multi` prints).
fn multisig_key(k: &KeyChain) -> String {
    k.account_export(ScriptType::WshMulti, 0)
        .unwrap()
        .key_origin
}

/// A 2-of-3 P2WSH multipath descriptor of the demo seed and two others.
fn multisig(others: [&str; 2]) -> String {
    let keys = [
        multisig_key(&keys()),
        multisig_key(&person(others[0])),
        multisig_key(&person(others[1])),
    ];
    let ks: Vec<String> = keys.iter().map(|k| format!("{k}/<0;1>/*")).collect();
    format!("wsh(sortedmulti(2,{}))", ks.join(","))
}

fn treasury() -> String {
    multisig(["bob", "carol"])
}

fn payroll() -> String {
    multisig(["dave", "erin"])
}

fn watch(descriptor: &str) -> WatchOnly {
    WatchOnly::from_descriptor(descriptor, bitcoin::Network::Regtest).unwrap()
}

struct Case {
    name: &'static str,
    attack: &'static str,
    code: &'static str,
    policy: Option<Value>,
    /// Presentations before the attack, each with the exit code it must give.
    before: Vec<(Psbt, i32)>,
    approvals: Vec<String>,
    /// Multipath descriptors registered on the seed first (`wallet register`), named `w1`, `w2`.
    register: Vec<String>,
    psbt: Psbt,
}

fn case(name: &'static str, attack: &'static str, code: &'static str, psbt: Psbt) -> Case {
    Case {
        name,
        attack,
        code,
        policy: None,
        before: Vec::new(),
        approvals: Vec::new(),
        register: Vec::new(),
        psbt,
    }
}

impl Case {
    fn policy(mut self, p: Value) -> Self {
        self.policy = Some(p);
        self
    }

    fn register(mut self, descriptors: &[String]) -> Self {
        self.register = descriptors.to_vec();
        self
    }
}

/// Every case, in file order.
fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    // Fees, against the built-in policy and against a written one.
    v.push(case(
        "fee-absolute-builtin",
        "a fee above 1,000,000 sat hidden in a large transaction at a plausible rate",
        "fee-absolute",
        bundle(&[1_000_000; 20], 15_000_000, 900.0, 1),
    ));
    v.push(case(
        "fee-rate-builtin",
        "a fee rate above 1,000 sat/vB",
        "fee-rate",
        bundle(&[2_000_000], 1_000_000, 1_500.0, 2),
    ));
    v.push(case(
        "fee-percent-builtin",
        "a fee above 10 % of a small payment",
        "fee-percent",
        bundle(&[100_000], 20_000, 20.0, 3),
    ));
    v.push(
        case(
            "fee-max-fee-sat",
            "a fee above the rule's max_fee_sat",
            "fee-absolute",
            bundle(&[500_000], 300_000, 50.0, 4),
        )
        .policy(policy(json!({"max_fee_sat": 5_000, "warnings_ok": true}))),
    );
    v.push(
        case(
            "fee-max-fee-rate",
            "a fee rate above the rule's max_fee_rate",
            "fee-rate",
            bundle(&[500_000], 300_000, 60.0, 5),
        )
        .policy(policy(json!({"max_fee_rate": 50, "warnings_ok": true}))),
    );
    v.push(
        case(
            "fee-max-fee-percent",
            "a fee above the rule's max_fee_percent",
            "fee-percent",
            bundle(&[500_000], 100_000, 30.0, 6),
        )
        .policy(policy(json!({"max_fee_percent": 2, "warnings_ok": true}))),
    );
    // Sighash types that let the online machine change the transaction after we sign.
    for (name, t) in [
        ("sighash-none", EcdsaSighashType::None),
        ("sighash-single", EcdsaSighashType::Single),
        (
            "sighash-all-anyonecanpay",
            EcdsaSighashType::AllPlusAnyoneCanPay,
        ),
    ] {
        let mut p = honest(10 + t as u32);
        sighash(&mut p, t);
        v.push(case(
            name,
            "an input asks for a sighash that does not commit to every input and output",
            "sighash-not-all",
            p,
        ));
    }
    // Change hijack.
    let mut p = honest(20);
    let c = change_index(&p);
    p.unsigned_tx.output[c].script_pubkey = common::payee().script_pubkey();
    v.push(
        case(
            "change-claim-pays-stranger",
            "an output claims our change path, but its script pays someone else",
            "output-claim-false",
            p,
        )
        .policy(policy(json!({}))),
    );
    let mut p = honest(21);
    change_to(&mut p, "m/84'/1'/0'/0/5000");
    v.push(case(
        "change-on-receive-branch-past-bound",
        "change sent to our receive branch far past anything a wallet scans",
        "own-key-off-branch",
        p,
    ));
    let mut p = honest(22);
    change_to(&mut p, "m/84'/1'/0'/1/5000");
    v.push(case(
        "change-past-gap-bound",
        "change at index 5,000: ours, but no wallet will ever find it",
        "own-key-off-branch",
        p,
    ));
    let mut p = honest(23);
    change_to(&mut p, "m/84'/1'/0'/2/0");
    v.push(case(
        "change-on-third-branch",
        "change on a third branch (Coldcard's troublesome change)",
        "own-key-off-branch",
        p,
    ));
    let mut p = honest(24);
    change_to(&mut p, "m/84'/1'/7'/1/0");
    v.push(case(
        "change-to-another-account",
        "change to the change branch of an account this transaction does not spend",
        "own-key-off-branch",
        p,
    ));
    let mut p = honest(25);
    pay_own_key(&mut p, "m/84'/1'/0'/0/500");
    v.push(
        case(
            "self-transfer-far-down-receive-chain",
            "a self-transfer to receive index 500, where a wallet with a gap limit of 20 never looks",
            "receive-index-high",
            p,
        )
        .policy(policy(json!({}))),
    );
    let mut p = honest(26);
    pay_own_key(&mut p, "m/84'/1'/3'/0/0");
    v.push(
        case(
            "self-transfer-to-unexported-account",
            "a payment to our own receive address on an account never exported to a wallet",
            "own-key-other-account",
            p,
        )
        .policy(policy(json!({}))),
    );
    // The rule's numbers and lists.
    v.push(
        case(
            "destination-not-allowed",
            "a payment to an address not on the rule's allowlist",
            "destination-not-allowed",
            honest(30),
        )
        .policy(policy(
            json!({"destinations": [another_address(1)], "warnings_ok": true}),
        )),
    );
    v.push(
        case(
            "over-spend-cap",
            "a spend above the rule's max_spend_per_tx",
            "max-spend-per-tx",
            honest(31),
        )
        .policy(policy(
            json!({"max_spend_per_tx": 300_000, "warnings_ok": true}),
        )),
    );
    let velocity = policy(json!({
        "max_spend_per_tx": 500_000,
        "velocity": {"max": 1_000_000, "window_hours": 24},
        "warnings_ok": true
    }));
    v.push(Case {
        before: (0..3)
            .map(|i| (bundle(&[400_000], 300_000, 2.0, 40 + i), 0))
            .collect(),
        ..case(
            "velocity-over-several-signings",
            "four spends each under the per-transaction cap, together over the daily velocity",
            "velocity-exceeded",
            bundle(&[400_000], 300_000, 2.0, 43),
        )
        .policy(velocity)
    });
    let mut p = honest(50);
    push_output(&mut p, 0, ScriptBuf::new_op_return([0x42u8; 20]));
    v.push(
        case(
            "op-return",
            "a data output the rule does not allow",
            "op-return",
            p,
        )
        .policy(policy(json!({"allow_op_return": false}))),
    );
    let mut p = honest(51);
    from_change(&mut p, 50_000);
    push_output(&mut p, 50_000, ScriptBuf::new_op_return([0x42u8; 20]));
    v.push(case(
        "op-return-burning-value",
        "a data output that burns 50,000 sat",
        "op-return-value",
        p,
    ));
    let mut p = honest(52);
    from_change(&mut p, 20_000);
    push_output(&mut p, 10_000, common::payee().script_pubkey());
    let a1 = another_address(2)
        .parse::<bitcoin::Address<bitcoin::address::NetworkUnchecked>>()
        .unwrap()
        .assume_checked();
    push_output(&mut p, 10_000, a1.script_pubkey());
    v.push(
        case(
            "too-many-outputs",
            "more outputs than the rule allows",
            "max-outputs",
            p,
        )
        .policy(policy(json!({"max_outputs": 3, "warnings_ok": true}))),
    );
    let mut p = honest(53);
    p.unsigned_tx.lock_time = bitcoin::absolute::LockTime::from_height(850_000).unwrap();
    v.push(
        case(
            "locktime-above-rule",
            "a locktime height above the rule's max_locktime_blocks",
            "max-locktime",
            p,
        )
        .policy(policy(
            json!({"max_locktime_blocks": 200_000, "warnings_ok": true}),
        )),
    );
    let mut p = honest(54);
    p.unsigned_tx.lock_time = bitcoin::absolute::LockTime::from_height(1_500_000).unwrap();
    v.push(
        case(
            "locktime-far-future",
            "a locktime decades ahead: the transaction would be stuck",
            "locktime-far",
            p,
        )
        .policy(policy(json!({}))),
    );
    let mut p = honest(55);
    for i in &mut p.unsigned_tx.input {
        i.sequence = Sequence::MAX;
    }
    v.push(
        case(
            "no-rbf",
            "a transaction that cannot be fee-bumped where the rule requires RBF",
            "rbf-required",
            p,
        )
        .policy(policy(json!({"require_rbf": true, "warnings_ok": true}))),
    );
    let mut p = honest(56);
    p.unsigned_tx.input[0].sequence = Sequence::from_height(1_000);
    v.push(
        case(
            "relative-timelock-in-nsequence",
            "a relative timelock of 1,000 blocks hidden in nSequence",
            "relative-timelock",
            p,
        )
        .policy(policy(json!({}))),
    );
    let mut p = honest(57);
    p.unsigned_tx.version = bitcoin::transaction::Version(7);
    v.push(
        case(
            "nonstandard-version",
            "a transaction version nodes will not relay",
            "nonstandard-version",
            p,
        )
        .policy(policy(json!({}))),
    );
    let mut p = honest(58);
    from_change(&mut p, 100);
    push_output(&mut p, 100, common::payee().script_pubkey());
    v.push(
        case(
            "dust-output",
            "an output below the dust threshold",
            "dust-output",
            p,
        )
        .policy(policy(json!({}))),
    );
    let mut p = honest(59);
    from_change(&mut p, 10_000);
    push_output(&mut p, 10_000, common::payee().script_pubkey());
    v.push(
        case(
            "same-address-twice",
            "two outputs paying the same address",
            "same-script-twice",
            p,
        )
        .policy(policy(json!({}))),
    );
    // Networks.
    let mut p = honest(60);
    let main = KeyChain::from_seed(
        &airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC)
            .unwrap()
            .to_seed("", bitcoin::Network::Bitcoin),
    )
    .unwrap();
    let path: DerivationPath = "m/84'/0'/0'".parse().unwrap();
    p.xpub
        .insert(main.xpub_at(&path).unwrap(), (main.fingerprint(), path));
    v.push(case(
        "wrong-network-xpub",
        "a mainnet xpub in a bundle for a regtest seed",
        "wrong-network",
        p,
    ));
    v.push(
        case(
            "policy-for-another-network",
            "a mainnet policy used with a regtest seed",
            "policy-network",
            honest(61),
        )
        .policy(json!({"version": 1, "network": "bitcoin", "rules": [{"name": "ops", "warnings_ok": true}]})),
    );
    // Inputs.
    let mut p = honest(70);
    let dup = p.unsigned_tx.input[0].clone();
    p.unsigned_tx.input.push(dup);
    let dup_in = p.inputs[0].clone();
    p.inputs.push(dup_in);
    v.push(case(
        "duplicate-input",
        "the same outpoint spent twice, so its amount counts twice in the fee",
        "duplicate-input",
        p,
    ));
    let mut p = honest(71);
    let w = p.inputs[0].witness_utxo.clone().unwrap();
    p.inputs[0].witness_utxo = Some(TxOut {
        value: Amount::from_sat(w.value.to_sat() + 150_000),
        ..w
    });
    v.push(case(
        "witness-utxo-overstated",
        "the segwit fee attack: witness_utxo claims more than the previous transaction pays",
        "witness-utxo-mismatch",
        p,
    ));
    let mut p = honest(72);
    p.inputs[0].non_witness_utxo = Some(funding_tx(
        &[(common::payee().script_pubkey(), 200_000)],
        999,
    ));
    v.push(case(
        "non-witness-utxo-other-tx",
        "the full previous transaction is another transaction",
        "non-witness-utxo-mismatch",
        p,
    ));
    let mut p = honest(73);
    p.inputs[0].non_witness_utxo = None;
    v.push(case(
        "no-non-witness-utxo",
        "a segwit v0 input without its full previous transaction (amount unproved)",
        "no-non-witness-utxo",
        p,
    ));
    let mut p = honest(74);
    p.inputs[0].non_witness_utxo = None;
    p.inputs[0].witness_utxo = None;
    v.push(case(
        "missing-utxo",
        "an input with neither UTXO field",
        "missing-utxo",
        p,
    ));
    let mut p = honest(75);
    let (pk, (fp, _)) = p.inputs[0].bip32_derivation.pop_first().unwrap();
    p.inputs[0]
        .bip32_derivation
        .insert(pk, (fp, "m/84'/1'/0'/0/9".parse().unwrap()));
    v.push(case(
        "bad-derivation",
        "an input claims our key at a path where our seed derives another key",
        "bad-derivation",
        p,
    ));
    let mut p = honest(76);
    let i = payee_index(&p);
    p.unsigned_tx.output[i].value = Amount::from_sat(900_000);
    v.push(case(
        "outputs-exceed-inputs",
        "outputs worth more than the inputs",
        "negative-fee",
        p,
    ));
    let mut p = honest(77);
    let i = payee_index(&p);
    p.unsigned_tx.output[i].value = Amount::from_sat(u64::MAX - 1_000);
    v.push(case(
        "amount-wraps",
        "an output of 2^64 - 1000 sat that would wrap a careless fee sum",
        "amount-out-of-range",
        p,
    ));
    let mut p = honest(78);
    let theirs = bundle_of(&person("mallory"), &[250_000], 100_000, 2.0, 78);
    p.unsigned_tx
        .input
        .push(theirs.unsigned_tx.input[0].clone());
    p.inputs.push(theirs.inputs[0].clone());
    let i = payee_index(&p);
    let pay = p.unsigned_tx.output[i].value.to_sat();
    p.unsigned_tx.output[i].value = Amount::from_sat(pay + 250_000);
    v.push(case(
        "foreign-input",
        "an input that is not ours slipped into our spend",
        "foreign-inputs",
        p,
    ));
    // Approvals: 2 of alice, bob, carol.
    let listed = policy(json!({
        "approvals": {"min": 2, "keys": [approver("alice"), approver("bob"), approver("carol")]},
        "warnings_ok": true
    }));
    let p = honest(80);
    let other = honest(81);
    let approvals = [
        ("approvals-missing", vec![], "no approval at all"),
        (
            "approvals-one-short",
            vec![approval("alice", &p, &listed)],
            "one approval where two are needed",
        ),
        (
            "approvals-same-approver-twice",
            vec![
                approval("alice", &p, &listed),
                approval("alice", &p, &listed),
            ],
            "the same approver's approval given twice",
        ),
        (
            "approvals-of-another-transaction",
            vec![
                approval("alice", &p, &listed),
                approval("bob", &other, &listed),
            ],
            "one approval is of another transaction",
        ),
        (
            "approvals-unlisted-key",
            vec![
                approval("alice", &p, &listed),
                approval("mallory", &p, &listed),
            ],
            "one approval is by a key the rule does not list",
        ),
    ];
    for (name, texts, attack) in approvals {
        v.push(Case {
            approvals: texts,
            ..case(name, attack, "approvals-missing", p.clone()).policy(listed.clone())
        });
    }
    // Delay: the first presentation starts the window; presenting again at once is refused.
    let p = honest(90);
    v.push(Case {
        before: vec![(p.clone(), 3)],
        ..case(
            "delay-not-elapsed",
            "the same bundle presented again before its 24-hour delay has passed",
            "delay-not-elapsed",
            p,
        )
        .policy(policy(json!({"delay": {"hours": 24}, "warnings_ok": true})))
    });
    // Text for other tools, and for the terminal.
    let mut p = honest(95);
    p.proprietary.insert(
        bitcoin::psbt::raw::ProprietaryKey {
            prefix: b"\x1b]0;signed OK\x07\x1b[2J\x1b[1;32mAPPROVED".to_vec(),
            subtype: 0,
            key: vec![],
        },
        b"\x1b[2J send to bc1q-attacker".to_vec(),
    );
    p.outputs[0].proprietary.insert(
        bitcoin::psbt::raw::ProprietaryKey {
            prefix: b"label\xe2\x80\xaereversed".to_vec(),
            subtype: 1,
            key: vec![],
        },
        b"Savings".to_vec(),
    );
    v.push(
        case(
            "proprietary-fields-with-terminal-escapes",
            "proprietary fields whose keys carry terminal escapes and a bidi override",
            "unread-fields",
            p,
        )
        .policy(policy(json!({}))),
    );
    // Multisig wallets: registered on this signer, or not.
    let t = watch(&treasury());
    v.push(case(
        "multisig-input-of-an-unregistered-wallet",
        "a 2-of-3 input with our key, from a wallet never registered on this signer",
        "unregistered-wallet",
        common::bundle_from(&t, &[300_000], 100_000, 2.0, 100),
    ));
    let mut p = common::bundle_from(&t, &[300_000], 100_000, 2.0, 101);
    let other = common::bundle_from(&watch(&payroll()), &[200_000], 100_000, 2.0, 102);
    p.unsigned_tx.input.push(other.unsigned_tx.input[0].clone());
    p.inputs.push(other.inputs[0].clone());
    let i = payee_index(&p);
    let pay = p.unsigned_tx.output[i].value.to_sat();
    p.unsigned_tx.output[i].value = Amount::from_sat(pay + 200_000);
    v.push(
        case(
            "inputs-from-two-registered-wallets",
            "one transaction spending from two registered wallets",
            "mixed-wallets",
            p,
        )
        .register(&[treasury(), payroll()]),
    );
    v.push(
        case(
            "wallet-not-in-rule",
            "a spend from a registered wallet the rule does not name",
            "wallet-not-allowed",
            common::bundle_from(&t, &[300_000], 100_000, 2.0, 103),
        )
        .register(&[treasury()])
        .policy(policy(json!({"wallets": ["w2"], "warnings_ok": true}))),
    );
    let mut p = common::bundle_from(&t, &[300_000], 100_000, 2.0, 104);
    let c = change_index(&p);
    let evil = watch(&multisig(["bob", "mallory"]));
    p.unsigned_tx.output[c].script_pubkey = evil.derive(true, 0).unwrap().script_pubkey();
    v.push(
        case(
            "multisig-change-to-an-attackers-key-set",
            "change claims our treasury change path, but pays a 2-of-3 with an attacker's key",
            "wallet-output-mismatch",
            p,
        )
        .register(&[treasury()]),
    );
    let mut p = common::bundle_from(&t, &[300_000], 100_000, 2.0, 105);
    let bob = person("bob");
    let origin: DerivationPath = "m/48'/1'/0'/2'".parse().unwrap();
    let bob_xpub = bob.xpub_at(&origin).unwrap();
    p.xpub.remove(&bob_xpub);
    let mallory_xpub = person("mallory").xpub_at(&origin).unwrap();
    p.xpub.insert(mallory_xpub, (bob.fingerprint(), origin));
    v.push(
        case(
            "global-xpub-swap",
            "the PSBT's global xpub for a cosigner is another key (the xpub swap)",
            "xpub-mismatch",
            p,
        )
        .register(&[treasury()]),
    );
    v
}

fn to_json(c: &Case) -> Value {
    json!({
        "case": c.name,
        "attack": c.attack,
        "expect": {"exit": 3, "code": c.code},
        "policy": c.policy,
        "before": c.before.iter().map(|(p, exit)| json!({"psbt": b64(p), "exit": exit})).collect::<Vec<_>>(),
        "approvals": c.approvals,
        "register": c.register,
        "psbt": b64(&c.psbt),
        "source": "generated by tests/hostile_matrix.rs from the public test seed (abandon … about, regtest)",
    })
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn fixtures_are_what_the_generator_makes() {
    let made: Vec<(String, Value)> = cases()
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("{:02}-{}.json", i + 1, c.name), to_json(c)))
        .collect();
    if std::env::var_os("AIRSIGN_REGEN_HOSTILE").is_some() {
        std::fs::create_dir_all(DIR).unwrap();
        for f in fixture_files() {
            std::fs::remove_file(f).unwrap();
        }
        for (name, v) in &made {
            let text = serde_json::to_string_pretty(v).unwrap() + "\n";
            std::fs::write(Path::new(DIR).join(name), text).unwrap();
        }
    }
    let files = fixture_files();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        made.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        "fixtures/hostile/ differs from the generator: AIRSIGN_REGEN_HOSTILE=1 to rewrite"
    );
    for (f, (_, v)) in files.iter().zip(&made) {
        let on_disk: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        assert_eq!(&on_disk, v, "{} differs from the generator", f.display());
    }
    assert!(made.len() >= 30, "the issue asks for at least 30 cases");
}

fn write_b64(path: &Path, b64: &str) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn every_hostile_case_is_refused_with_its_code() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let files = fixture_files();
    assert!(files.len() >= 30, "only {} cases", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let c: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        let name = c["case"].as_str().unwrap();
        let work = d.join(name);
        std::fs::create_dir(&work).unwrap();
        // Each case has its own copy of the seed, so registrations beside it are its own.
        let seed = work.join("seed.age");
        std::fs::copy(d.join("demo-seed.age"), &seed).unwrap();
        for (n, desc) in c["register"].as_array().unwrap().iter().enumerate() {
            let wallet = work.join(format!("w{}.json", n + 1));
            let o = sh(&format!(
                "{} wallet create --name w{} --network regtest --descriptor {} -o {}",
                q(&bin()),
                n + 1,
                common::shq(desc.as_str().unwrap()),
                q(&wallet)
            ));
            assert!(
                o.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let o = sh(&format!(
                "{} wallet register --seed {} --passphrase-fd 4 --yes {} 4<{}",
                q(&bin()),
                q(&seed),
                q(&wallet),
                q(&pass)
            ));
            assert!(
                o.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let mut args = format!("--log {}", q(&work.join("audit.jsonl")));
        if !c["policy"].is_null() {
            let p = work.join("policy.json");
            std::fs::write(&p, serde_json::to_vec_pretty(&c["policy"]).unwrap()).unwrap();
            args += &format!(" --policy {}", q(&p));
        }
        for (i, a) in c["approvals"].as_array().unwrap().iter().enumerate() {
            let p = work.join(format!("approval-{i}.txt"));
            std::fs::write(&p, a.as_str().unwrap()).unwrap();
            args += &format!(" --approval {}", q(&p));
        }
        let run = |psbt_b64: &str, tag: &str| {
            let input = work.join(format!("{tag}.psbt"));
            write_b64(&input, psbt_b64);
            let out = work.join(format!("{tag}.signed.psbt"));
            let o = sh(&format!(
                "{} sign --seed {} --passphrase-fd 4 --yes {args} {} -o {} 4<{}",
                q(&bin()),
                q(&seed),
                q(&input),
                q(&out),
                q(&pass)
            ));
            (o, out)
        };
        for (i, b) in c["before"].as_array().unwrap().iter().enumerate() {
            let (o, _) = run(b["psbt"].as_str().unwrap(), &format!("before-{i}"));
            let want = b["exit"].as_i64().unwrap() as i32;
            if o.status.code() != Some(want) {
                failures.push(format!(
                    "{name}: step {i} exited {:?}, expected {want}: {}",
                    o.status.code(),
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
        }
        let (o, out) = run(c["psbt"].as_str().unwrap(), "attack");
        let err = String::from_utf8_lossy(&o.stderr);
        let code = c["expect"]["code"].as_str().unwrap();
        if o.status.code() != Some(3) {
            failures.push(format!("{name}: exit {:?}, not 3: {err}", o.status.code()));
        }
        if !err.contains(&format!("[{code}]")) {
            failures.push(format!("{name}: [{code}] not named: {err}"));
        }
        if out.exists() {
            failures.push(format!("{name}: a signed PSBT was written"));
        }
        if o.stderr.contains(&0x1b) || o.stdout.contains(&0x1b) {
            failures.push(format!("{name}: a raw escape byte reached the terminal"));
        }
        // The refusal is on record, and the record verifies.
        let log = work.join("audit.jsonl");
        let v = sh(&format!("{} log verify {}", q(&bin()), q(&log)));
        let shown = String::from_utf8_lossy(&v.stdout);
        if !v.status.success() {
            failures.push(format!("{name}: the log does not verify"));
        }
        let lines = std::fs::read_to_string(&log).unwrap_or_default();
        let last = lines.lines().last().unwrap_or_default();
        if !last.contains("\"event\":\"refused\"") || !last.contains(code) {
            failures.push(format!(
                "{name}: the last log entry is not this refusal: {last} ({shown})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
