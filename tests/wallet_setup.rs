//! Multisig set-up on the command line (issue 9, item 2): `wallet create --multisig` with
//! cosigners in every input format, every export read back by `wallet import` to the same
//! wallet file byte for byte, and each set-up error a one-line message with its exit code
//! (docs/formats.md).
mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{bin, demo_dir, q, sh};

/// The demo seed with a BIP39 passphrase per person: each a different wallet.
struct Team {
    _dir: tempfile::TempDir,
    d: PathBuf,
    pass: PathBuf,
}

impl Team {
    fn new() -> Self {
        let (dir, pass) = demo_dir();
        let d = dir.path().to_path_buf();
        for who in ["alice", "bob", "carol"] {
            std::fs::write(d.join(who), format!("{who}\n")).unwrap();
        }
        Team { _dir: dir, d, pass }
    }

    /// `airsign ARGS` with `who`'s seed.
    fn as_(&self, who: &str, args: &str) -> Output {
        sh(&format!(
            "cd {} && {} {args} --seed demo-seed.age --passphrase-fd 4 --bip39-passphrase-fd 5 4<{} 5<{}",
            q(&self.d),
            q(&bin()),
            q(&self.pass),
            q(&self.d.join(who))
        ))
    }

    /// `airsign ARGS` in the team's folder, no seed.
    fn run(&self, args: &str) -> Output {
        sh(&format!("cd {} && {} {args}", q(&self.d), q(&bin())))
    }

    fn p(&self, name: &str) -> PathBuf {
        self.d.join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.p(name)).unwrap()
    }

    /// `who`'s BIP48 key origin for `script` (wsh-multi by default).
    fn key(&self, who: &str, script: &str) -> String {
        let o = ok(self.as_(who, &format!("account export --script {script} --json")));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["key_origin"].as_str().unwrap().to_string()
    }
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", err(&o));
    o
}

/// The exit code and the `airsign: error:` line (exactly one).
fn failure(o: &Output) -> (i32, String) {
    let e = err(o);
    let lines: Vec<&str> = e
        .lines()
        .filter(|l| l.starts_with("airsign: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "{e}");
    (o.status.code().unwrap(), lines[0].to_string())
}

const WHO: [&str; 3] = ["alice", "bob", "carol"];

/// The reference: `wallet create` from the three key origins given on the command line.
fn reference(t: &Team) -> String {
    let args: Vec<String> = WHO
        .iter()
        .map(|w| format!("--cosigner {}", common::shq(&t.key(w, "wsh-multi"))))
        .collect();
    ok(t.run(&format!(
        "wallet create --name treasury --network regtest --multisig 2 {} -o ref.json",
        args.join(" ")
    )));
    t.read("ref.json")
}

#[test]
fn cosigners_in_every_input_format_make_the_same_wallet() {
    let t = Team::new();
    let want = reference(&t);
    std::fs::write(t.p("token"), "11907592390080907703\n").unwrap();
    // Each way a cosigner can bring their key: (label, export args, file or literal).
    let formats: [(&str, &str); 6] = [
        ("json", "account export --script wsh-multi --json"),
        ("text", "account export --script wsh-multi"),
        ("bsms", "account export --script wsh-multi --bsms"),
        (
            "dat",
            "account export --script wsh-multi --bsms --token-file token",
        ),
        ("ur", "account export --script wsh-multi --qr text:{file}"),
        (
            "ur-literal",
            "account export --script wsh-multi --qr text:{file}",
        ),
    ];
    for (label, export) in formats {
        let mut args = Vec::new();
        for w in WHO {
            let file = format!("{w}.{label}");
            let o = ok(t.as_(w, &export.replace("{file}", &file)));
            if !export.contains("--qr") {
                std::fs::write(t.p(&file), &o.stdout).unwrap();
            }
            args.push(if label == "ur-literal" {
                format!("--cosigner {}", common::shq(t.read(&file).trim()))
            } else {
                format!("--cosigner {file}")
            });
        }
        let out = format!("{label}.json");
        let o = ok(t.run(&format!(
            "wallet create --name treasury --network regtest --multisig 2 {} --token-file token -o {out}",
            args.join(" ")
        )));
        assert_eq!(t.read(&out), want, "{label}");
        let e = err(&o);
        assert!(e.matches("cosigner ").count() >= 3, "{e}");
        if label == "bsms" || label == "dat" {
            assert_eq!(
                e.matches("BSMS key record, signature verified").count(),
                3,
                "{e}"
            );
        }
    }
    // Account exports name their network: no --network needed.
    std::fs::remove_file(t.p("json.json")).unwrap();
    ok(t.run(
        "wallet create --name treasury --multisig 2 --cosigner alice.json --cosigner bob.json --cosigner carol.json -o json.json",
    ));
    assert_eq!(t.read("json.json"), want);
}

/// Create with every export (files, QR text for both QR payloads, encrypted BSMS); returns the
/// wallet file's text.
fn create_with_exports(t: &Team) -> String {
    let keys: Vec<String> = WHO
        .iter()
        .map(|w| format!("--cosigner {}", common::shq(&t.key(w, "wsh-multi"))))
        .collect();
    std::fs::write(t.p("token"), "a54044308ceac9b7\n").unwrap();
    let o = ok(t.run(&format!(
        "wallet create --name treasury --network regtest --multisig 2 {} --token-file token \
         -o treasury.json --export setup --qr text:setup/output-parts.txt --qr gif:output.gif \
         --coldcard-qr text:setup/coldcard-parts.txt --coldcard-qr gif:coldcard.gif --json",
        keys.join(" ")
    )));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ex = &v["exports"];
    assert_eq!(
        ex["policy"]["descriptor_template"],
        "wsh(sortedmulti(2,@0/**,@1/**,@2/**))"
    );
    assert!(ex["bsms"]
        .as_str()
        .unwrap()
        .starts_with("BSMS 1.0\nwsh(sortedmulti(2,["));
    assert!(ex["coldcard"]
        .as_str()
        .unwrap()
        .contains("Policy: 2 of 3\nFormat: P2WSH\n"));
    assert!(ex["crypto_output"]
        .as_str()
        .unwrap()
        .starts_with("ur:crypto-output/"));
    assert_eq!(ex["bsms_encrypted"].as_array().unwrap().len(), 1);
    assert!(ex.get("unavailable").is_none(), "{ex}");
    assert_eq!(v["cosigners"].as_array().unwrap().len(), 3);
    // BBQr of the Coldcard file, for Coldcard Q.
    ok(t.run(&format!(
        "wallet create --name treasury --network regtest --multisig 2 {} -o bbqr.json \
         --coldcard-qr text:setup/coldcard-bbqr.txt --format bbqr",
        keys.join(" ")
    )));
    t.read("treasury.json")
}

#[test]
fn every_export_imports_back_byte_identically() {
    let t = Team::new();
    let want = create_with_exports(&t);
    for (file, extra) in [
        ("setup/descriptor.txt", "--name treasury --network regtest"),
        ("setup/policy.json", "--network regtest"),
        ("setup/wallet.bsms", "--name treasury"),
        (
            "setup/wallet-token1.dat",
            "--name treasury --token-file token",
        ),
        ("setup/coldcard.txt", "--network regtest"),
        (
            "setup/crypto-output.txt",
            "--name treasury --network regtest",
        ),
        (
            "setup/output-parts.txt",
            "--name treasury --network regtest",
        ),
        ("setup/coldcard-parts.txt", "--network regtest"),
        ("setup/coldcard-bbqr.txt", "--network regtest"),
        ("--scan gif:output.gif", "--name treasury --network regtest"),
        ("--scan gif:coldcard.gif", "--network regtest"),
        ("treasury.json", ""),
    ] {
        let out = format!("back-{}.json", file.replace(['/', ' ', ':'], "-"));
        let o = ok(t.run(&format!("wallet import {file} {extra} -o {out} --json")));
        assert_eq!(t.read(&out), want, "{file}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["name"], "treasury", "{file}");
    }
    // The BSMS record's first address was checked.
    let o = ok(t.run("wallet import setup/wallet.bsms --name treasury -o b2.json"));
    assert!(err(&o).contains("first address"), "{}", err(&o));
}

#[test]
fn setup_errors_are_one_line_with_their_exit_codes() {
    let t = Team::new();
    let [a, b, c] = WHO.map(|w| t.key(w, "wsh-multi"));
    let a_shwsh = t.key("alice", "sh-wsh-multi");
    let mainnet = "[6738736c/48'/0'/0'/2']xpub6FC1fXFP1GXLX5TKtcjHGT4q89SDRehkQLtbKJ2PzWcvbBHtyDsJPLtpLtkGqYNYZdVVAjRQ5kug9CsapegmmeRutpP7PW4u4wVF9JfkDhw";
    let create = |m: u32, keys: &[&str], extra: &str| {
        let ks: Vec<String> = keys
            .iter()
            .map(|k| format!("--cosigner {}", common::shq(k)))
            .collect();
        t.run(&format!(
            "wallet create --name w --network regtest --multisig {m} {} {extra} -o w.json",
            ks.join(" ")
        ))
    };
    let cases: Vec<(&str, Output, i32, &str)> = vec![
        (
            "mismatched script type",
            create(2, &[&a_shwsh, &b, &c], ""),
            3,
            "is a BIP48 sh-wsh (…/1') key, not a BIP48 wsh key",
        ),
        (
            "wsh keys for an sh-wsh wallet",
            create(2, &[&a, &b, &c], "--script sh-wsh"),
            3,
            "not a BIP48 sh-wsh key",
        ),
        (
            "duplicate cosigner",
            create(2, &[&a, &b, &a], ""),
            3,
            "cosigner 3 is the same key as cosigner 1",
        ),
        ("M > N", create(4, &[&a, &b, &c], ""), 2, "not 4 of 3"),
        ("M = 0", create(0, &[&a, &b, &c], ""), 2, "not 0 of 3"),
        (
            "wrong network",
            create(1, &[&a, mainnet], ""),
            3,
            "is a mainnet key (xpub), but the wallet is on regtest",
        ),
    ];
    for (what, o, code, text) in cases {
        let (got, line) = failure(&o);
        assert_eq!(got, code, "{what}: {line}");
        assert!(line.contains(text), "{what}: {line}");
        assert!(!t.p("w.json").exists(), "{what}: a wallet file was written");
    }
    // Taproot: tr(NUMS, sortedmulti_a) from the same BIP48 keys.
    let o = create(2, &[&a, &b, &c], "--script tr");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let w = std::fs::read_to_string(t.p("w.json")).unwrap();
    assert!(
        w.contains(
            "tr(50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0,sortedmulti_a(2,"
        ),
        "{w}"
    );
    std::fs::remove_file(t.p("w.json")).unwrap();
    // tpub keys alone do not say which test network.
    let o = t.run(&format!(
        "wallet create --multisig 1 --cosigner {} -o w.json",
        common::shq(&a)
    ));
    assert_eq!(failure(&o).0, 2);
}

#[test]
fn bsms_records_that_do_not_check_out_are_refused() {
    let t = Team::new();
    create_with_exports(&t);
    // A key record whose description was changed after signing: exit 4.
    let rec =
        String::from_utf8(ok(t.as_("alice", "account export --script wsh-multi --bsms")).stdout)
            .unwrap();
    let forged = rec.replacen("airsign ", "airsign! ", 1);
    assert_ne!(forged, rec);
    std::fs::write(t.p("forged.bsms"), forged).unwrap();
    let bob = t.key("bob", "wsh-multi");
    let o = t.run(&format!(
        "wallet create --network regtest --multisig 1 --cosigner forged.bsms --cosigner {} -o x.json",
        common::shq(&bob)
    ));
    let (code, line) = failure(&o);
    assert_eq!(code, 4, "{line}");
    assert!(line.contains("signature does not verify"), "{line}");
    // A descriptor record with another first address: exit 4.
    let bsms = t.read("setup/wallet.bsms");
    let first = bsms.lines().last().unwrap().to_string();
    let o = ok(t.run("wallet addresses treasury.json --from 1 --count 1 --json"));
    let second: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let second = second["addresses"][0]["address"].as_str().unwrap();
    std::fs::write(t.p("moved.bsms"), bsms.replace(&first, second)).unwrap();
    let (code, line) = failure(&t.run("wallet import moved.bsms --name x -o x.json"));
    assert_eq!(code, 4, "{line}");
    assert!(
        line.contains("is not its descriptor's first address"),
        "{line}"
    );
    // An encrypted record: without its token exit 2, with another token exit 4.
    let (code, line) = failure(&t.run("wallet import setup/wallet-token1.dat -o x.json"));
    assert_eq!(code, 2, "{line}");
    std::fs::write(t.p("other-token"), "a54044308ceac9b8").unwrap();
    let (code, line) =
        failure(&t.run("wallet import setup/wallet-token1.dat --token-file other-token -o x.json"));
    assert_eq!(code, 4, "{line}");
    assert!(line.contains("does not authenticate"), "{line}");
    // A key record is round 1, not a wallet.
    std::fs::write(t.p("alice.bsms"), &rec).unwrap();
    let (code, line) = failure(&t.run("wallet import alice.bsms -o x.json"));
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("round 1"), "{line}");
    assert!(!t.p("x.json").exists());
}

#[test]
fn the_bips_descriptor_records_import() {
    let t = Team::new();
    let vectors = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/bip129-vectors.mediawiki",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // The NO_ENCRYPTION round 2 record (a /** template) and its STANDARD-mode .dat.
    let start = vectors
        .find("BSMS 1.0\nwsh(sortedmulti(2,[1cf0bf7e")
        .unwrap();
    let record = &vectors[start..start + vectors[start..].find("</pre>").unwrap()];
    std::fs::write(t.p("v.bsms"), record).unwrap();
    let o = ok(t.run("wallet import v.bsms --name vectors -o v.json --json"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["network"], "bitcoin");
    assert_eq!(
        v["first_address"],
        "bc1qrgc6p3kylfztu06ysl752gwwuekhvtfh9vr7zg43jvu60mutamcsv948ej"
    );
    let dat_at = vectors
        .find("<tt>my_multisig_wallet.dat</tt>: <pre>")
        .unwrap();
    let dat = &vectors[dat_at + 38..];
    let dat = &dat[..dat.find("</pre>").unwrap()];
    std::fs::write(t.p("w.dat"), dat).unwrap();
    std::fs::write(t.p("tok"), "11907592390080907703").unwrap();
    let o = ok(t.run("wallet import w.dat --token-file tok --name std -o s.json --json"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["first_address"],
        "bc1qhs4u273g4azq7kqqpe6vh5wfhasfmrq7nheyzsnq77humd7rwtkqagvakf"
    );
}

#[test]
fn wallets_set_up_in_other_tools_import() {
    let t = Team::new();
    let [a, b, c] = WHO.map(|w| t.key(w, "wsh-multi"));
    let keys = [&a, &b, &c];
    let want = reference(&t);
    // Sparrow's "Output Descriptor" export: comments, the multipath paragraph first.
    let multipath = serde_json::from_str::<serde_json::Value>(&want).unwrap()["descriptor"]
        .as_str()
        .unwrap()
        .to_string();
    let sparrow = format!(
        "# Receive and change descriptor (BIP389):\n{multipath}\n\n\n# Receive descriptor (Bitcoin Core):\nwsh(…)\n"
    );
    std::fs::write(t.p("sparrow.txt"), sparrow).unwrap();
    ok(t.run("wallet import sparrow.txt --name treasury --network regtest -o s.json"));
    assert_eq!(t.read("s.json"), want);
    // Caravan's wallet configuration (the shape Sparrow's CaravanMultisig reads and writes).
    let ext: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let xfp = &k[1..9];
            let path = &k[10..k.find(']').unwrap()];
            let xpub = &k[k.find(']').unwrap() + 1..];
            format!(
                r#"{{"name":"key {i}","bip32Path":"m/{path}","xpub":"{xpub}","xfp":"{xfp}","method":"text"}}"#
            )
        })
        .collect();
    let caravan = format!(
        r#"{{"name":"treasury","addressType":"P2WSH","network":"regtest","client":{{"type":"public"}},"quorum":{{"requiredSigners":2,"totalSigners":3}},"extendedPublicKeys":[{}],"startingAddressIndex":0}}"#,
        ext.join(",")
    );
    std::fs::write(t.p("caravan.json"), caravan).unwrap();
    ok(t.run("wallet import caravan.json -o c.json"));
    assert_eq!(t.read("c.json"), want);
    // Coldcard's own export layout, with the obsolete P2WSH-P2SH alias for a nested wallet.
    let shwsh: Vec<String> = WHO.iter().map(|w| t.key(w, "sh-wsh-multi")).collect();
    let nested: Vec<String> = shwsh
        .iter()
        .map(|k| format!("{}: {}", &k[1..9], &k[k.find(']').unwrap() + 1..]))
        .collect();
    std::fs::write(
        t.p("cc.txt"),
        format!(
            "# Coldcard Multisig setup file (exported from 03DAC71A)\n#\nName: nested\nPolicy: 2 of 3\nFormat: P2WSH-P2SH\n\nDerivation: m/48'/1'/0'/1'\n\n{}\n",
            nested.join("\n")
        ),
    )
    .unwrap();
    let o = ok(t.run("wallet import cc.txt --network regtest -o n.json --json"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["descriptor"]
        .as_str()
        .unwrap()
        .starts_with("sh(wsh(sortedmulti(2,"));
    assert_eq!(v["name"], "nested");
    let ks: Vec<String> = shwsh
        .iter()
        .map(|k| format!("--cosigner {}", common::shq(k)))
        .collect();
    ok(t.run(&format!(
        "wallet create --name nested --network regtest --script sh-wsh --multisig 2 {} -o n2.json",
        ks.join(" ")
    )));
    assert_eq!(t.read("n.json"), t.read("n2.json"));
}

#[test]
fn help_teaches_the_setup() {
    let o = ok(sh(&format!("{} wallet create --help", q(&bin()))));
    let h = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "each cosigner, offline",
        "the coordinator, online",
        "wallet register",
        "--cosigner",
        "--coldcard-qr",
        "exit 3",
    ] {
        assert!(
            h.contains(needle),
            "{needle} missing from wallet create --help"
        );
    }
    let o = ok(sh(&format!("{} wallet import --help", q(&bin()))));
    assert!(String::from_utf8_lossy(&o.stdout).contains("byte for byte"));
}

/// Independent peers (scripts/peer_setup.py): urtypes — the UR-type library Krux and SeedSigner
/// build on — reads the crypto-output and a cosigner's crypto-account; embit derives the first
/// receive address the BSMS record states.
#[test]
fn independent_peers_read_the_exports() {
    let python = match std::env::var("AIRSIGN_PYTHON") {
        Ok(p) => p,
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("AIRSIGN_PYTHON is not set: the urtypes/embit peer is required in CI (scripts/test.sh installs it)")
        }
        Err(_) => {
            eprintln!(
                "urtypes/embit peer not configured (run scripts/test.sh); skipping outside CI"
            );
            return;
        }
    };
    let t = Team::new();
    let wallet = create_with_exports(&t);
    let w: serde_json::Value = serde_json::from_str(&wallet).unwrap();
    let cbor = |text: &str| match airsign::transport::ur::parse(text.trim()).unwrap() {
        airsign::transport::ur::Parsed::Single { cbor, .. } => airsign::hex::encode(&cbor),
        p => panic!("not a single-part UR: {p:?}"),
    };
    ok(t.as_(
        "alice",
        "account export --script wsh-multi --qr text:alice-account.txt",
    ));
    let request = serde_json::json!({
        "crypto_output": cbor(&t.read("setup/crypto-output.txt")),
        "crypto_account": cbor(&t.read("alice-account.txt")),
        "receive": w["receive"],
        "network": "regtest",
    });
    std::fs::write(t.p("request.json"), request.to_string()).unwrap();
    let o = ok(sh(&format!(
        "{} {}/scripts/peer_setup.py {}",
        q(std::path::Path::new(&python)),
        env!("CARGO_MANIFEST_DIR"),
        q(&t.p("request.json"))
    )));
    let peer: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ours = w["descriptor"].as_str().unwrap();
    let ours = ours.split('#').next().unwrap().replace("/<0;1>/*", "");
    assert_eq!(peer["descriptor"], ours);
    let alice = t.key("alice", "wsh-multi");
    assert!(
        peer["account_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == &alice),
        "{peer}"
    );
    let bsms = t.read("setup/wallet.bsms");
    assert_eq!(peer["first_address"], bsms.lines().last().unwrap());
}

#[test]
fn a_name_coldcard_cannot_hold_leaves_that_format_out() {
    let t = Team::new();
    let keys: Vec<String> = WHO
        .iter()
        .map(|w| format!("--cosigner {}", common::shq(&t.key(w, "wsh-multi"))))
        .collect();
    let args = format!(
        "wallet create --name 'Treasury of the cooperative' --network regtest --multisig 2 {}",
        keys.join(" ")
    );
    let o = ok(t.run(&format!("{args} -o long.json --export long --json")));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["exports"]["coldcard"].is_null());
    assert!(
        v["exports"]["unavailable"]["coldcard"]
            .as_str()
            .unwrap()
            .contains("1 to 20 ASCII characters"),
        "{v}"
    );
    assert!(!t.p("long/coldcard.txt").exists());
    assert!(t.p("long/wallet.bsms").exists());
    // Asking for its QR is a usage error, and nothing is written.
    let o = t.run(&format!("{args} -o long2.json --coldcard-qr text:cc.txt"));
    let (code, line) = failure(&o);
    assert_eq!(code, 2, "{line}");
    assert!(line.contains("no Coldcard multisig file"), "{line}");
    assert!(!t.p("long2.json").exists());
}
