//! Key health checks (issue 10) through the binary: a 2-of-3 wallet of alice, bob and carol
//! (public BIP39 test mnemonics, as in scripts/treasury-2of3.sh); alice and bob answer, carol
//! does not; tampered, replayed, other-wallet and foreign-key answers are refused with reasons;
//! the signers' audit log entries verify.
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{bin, q, sh, shq};
use serde_json::Value;

const PEOPLE: [(&str, &str); 3] = [
    ("alice", "legal winner thank year wave sausage worth useful legal winner thank yellow"),
    ("bob", "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"),
    ("carol", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"),
];

struct Treasury {
    dir: tempfile::TempDir,
    pass: PathBuf,
    /// Cosigner keys `[fp/path]xpub` of alice, bob, carol.
    keys: Vec<String>,
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

impl Treasury {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("pass");
        std::fs::write(&pass, "treasury test passphrase\n").unwrap();
        let keys = Vec::new();
        for (who, words) in PEOPLE {
            let w = dir.path().join(format!("{who}.words"));
            std::fs::write(&w, format!("{words}\n")).unwrap();
            ok(&sh(&format!(
                "{} seed import --network regtest --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 -o {} 3<{} 4<{}",
                q(&bin()),
                q(&dir.path().join(format!("{who}.age"))),
                q(&w),
                q(&pass)
            )));
        }
        let t = Treasury { dir, pass, keys };
        let mut keys = Vec::new();
        for (who, _) in PEOPLE {
            let o = t.airsign_as(who, "account export --script wsh-multi --json");
            ok(&o);
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            keys.push(v["key_origin"].as_str().unwrap().to_string());
        }
        Treasury { keys, ..t }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `airsign ARGS --seed WHO.age --passphrase-fd 4`.
    fn airsign_as(&self, who: &str, args: &str) -> Output {
        sh(&format!(
            "{} {args} --seed {} --passphrase-fd 4 4<{}",
            q(&bin()),
            q(&self.p(&format!("{who}.age"))),
            q(&self.pass)
        ))
    }

    fn wallet(&self, name: &str, descriptor: &str) -> PathBuf {
        let f = self.p(&format!("{name}.json"));
        ok(&sh(&format!(
            "{} wallet create --name {name} --network regtest --descriptor {} -o {}",
            q(&bin()),
            shq(descriptor),
            q(&f)
        )));
        f
    }

    fn challenge(&self, wallet: &Path, name: &str) -> PathBuf {
        let c = self.p(name);
        ok(&sh(&format!(
            "{} keycheck challenge {} -o {}",
            q(&bin()),
            q(wallet),
            q(&c)
        )));
        c
    }

    fn answer(&self, who: &str, challenge: &Path, name: &str) -> PathBuf {
        let a = self.p(name);
        ok(&self.airsign_as(
            who,
            &format!("keycheck answer --yes {} -o {}", q(challenge), q(&a)),
        ));
        a
    }

    fn verify(&self, wallet: &Path, challenge: &Path, answers: &[&Path]) -> (Output, Value) {
        let list: Vec<String> = answers.iter().map(|a| q(a)).collect();
        let o = sh(&format!(
            "{} keycheck verify --json {} {} {}",
            q(&bin()),
            q(wallet),
            q(challenge),
            list.join(" ")
        ));
        let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        (o, v)
    }

    fn multisig(&self, m: usize, of: &[usize]) -> String {
        let keys: Vec<String> = of
            .iter()
            .map(|i| format!("{}/<0;1>/*", self.keys[*i]))
            .collect();
        format!("wsh(sortedmulti({m},{}))", keys.join(","))
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn standing<'a>(report: &'a Value, fingerprint: &str) -> &'a Value {
    report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["fingerprint"] == fingerprint)
        .unwrap()
}

fn fingerprint(key: &str) -> &str {
    &key[1..9]
}

#[test]
fn two_of_three_alice_and_bob_prove_carol_never() {
    let t = Treasury::new();
    let w = t.wallet("treasury", &t.multisig(2, &[0, 1, 2]));
    let c = t.challenge(&w, "challenge.json");
    let cj: Value = serde_json::from_slice(&std::fs::read(&c).unwrap()).unwrap();
    assert_eq!(cj["nonce"].as_str().unwrap().len(), 64);
    assert_eq!(cj["keys"].as_array().unwrap().len(), 3);
    let alice = t.answer("alice", &c, "alice.answer.json");
    // Bob's challenge crosses the gap as QR frames (part strings), and his answer comes back so.
    let frames = t.p("challenge.qr.txt");
    ok(&sh(&format!(
        "{} keycheck challenge {} --qr text:{}",
        q(&bin()),
        q(&w),
        q(&frames)
    )));
    let again: Vec<String> = std::fs::read_to_string(&frames)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(
        again.len() > 1 && again[0].starts_with("UR:BYTES/"),
        "{again:?}"
    );
    // That was a second challenge (a new nonce); bob answers the first one, scanned from frames
    // made of the file.
    let c_frames = t.p("c.qr.txt");
    ok(&sh(&format!(
        "{} qr show {} --text > {}",
        q(&bin()),
        q(&c),
        q(&c_frames)
    )));
    let bob_frames = t.p("bob.qr.txt");
    ok(&t.airsign_as(
        "bob",
        &format!(
            "keycheck answer --yes --scan text:{} --qr text:{}",
            q(&c_frames),
            q(&bob_frames)
        ),
    ));
    let bob = t.p("bob.answer.json");
    ok(&sh(&format!(
        "{} qr scan --text-file {} -o {}",
        q(&bin()),
        q(&bob_frames),
        q(&bob)
    )));
    let (o, v) = t.verify(&w, &c, &[&alice, &bob]);
    ok(&o);
    assert_eq!(v["proved"], 2);
    for (i, proved) in [(0, true), (1, true), (2, false)] {
        let s = standing(&v, fingerprint(&t.keys[i]));
        assert_eq!(s["proved_now"], proved);
        assert_eq!(s["last_proved"].is_null(), !proved);
        assert_eq!(
            s["last_proved"].as_str(),
            if proved { cj["created"].as_str() } else { None }
        );
        assert_eq!(s["overdue"], !proved);
    }
    // The human report names carol's key as never proved.
    let o = sh(&format!(
        "{} keycheck verify {} {}",
        q(&bin()),
        q(&w),
        q(&c)
    ));
    ok(&o);
    let text = stderr(&o);
    assert!(
        text.contains(&format!(
            "missing {}  never  WARNING: never proved",
            fingerprint(&t.keys[2])
        )),
        "{text}"
    );
    // The history beside the wallet keeps the proofs.
    let h: Value =
        serde_json::from_slice(&std::fs::read(t.p("treasury.json.keychecks.json")).unwrap())
            .unwrap();
    assert_eq!(h["keys"].as_object().unwrap().len(), 2);
    // Each answer is in the signer's own audit log, which verifies with its seed.
    for who in ["alice", "bob"] {
        let log = t.p(&format!("{who}.age.audit.jsonl"));
        let line: Value = serde_json::from_str(
            std::fs::read_to_string(&log)
                .unwrap()
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(line["event"], "keycheck");
        assert_eq!(line["keycheck"]["nonce"], cj["nonce"]);
        assert_eq!(line["keycheck"]["wallet_id"], cj["wallet_id"]);
        let o = t.airsign_as(who, &format!("log verify {}", q(&log)));
        ok(&o);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("ok: 1 entries"), "{out}");
    }
    // Carol's seed is not in a 2-of-2 of alice and bob: nothing to prove, refused (3).
    let w2 = t.wallet("pair", &t.multisig(2, &[0, 1]));
    let c2 = t.challenge(&w2, "pair-challenge.json");
    let o = t.airsign_as(
        "carol",
        &format!(
            "keycheck answer --yes {} -o {}",
            q(&c2),
            q(&t.p("carol.json"))
        ),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds no key"));
}

#[test]
fn tampered_replayed_foreign_and_other_wallet_answers_are_refused() {
    let t = Treasury::new();
    let w = t.wallet("treasury", &t.multisig(2, &[0, 1, 2]));
    let old = t.challenge(&w, "old.json");
    let old_alice = t.answer("alice", &old, "old-alice.json");
    let c = t.challenge(&w, "new.json");
    let alice = t.answer("alice", &c, "alice.json");
    let refused = |answers: &[&Path], challenge: &Path, wallet: &Path, why: &str| {
        let (o, _) = t.verify(wallet, challenge, answers);
        assert_eq!(o.status.code(), Some(3), "{why}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "wanted {why:?} in {}", stderr(&o));
    };
    let edit = |from: &Path, name: &str, f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_slice(&std::fs::read(from).unwrap()).unwrap();
        f(&mut v);
        let p = t.p(name);
        std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        p
    };
    let new_nonce: Value = serde_json::from_slice(&std::fs::read(&c).unwrap()).unwrap();
    // A replayed old answer (another nonce).
    refused(&[&old_alice], &c, &w, "answers another challenge");
    // The old answer with the new nonce and time written in: the signature is over the old ones.
    let relabeled = edit(&old_alice, "relabeled.json", &|v| {
        v["nonce"] = new_nonce["nonce"].clone();
        v["created"] = new_nonce["created"].clone();
    });
    refused(&[&relabeled], &c, &w, "does not verify");
    // A tampered signature.
    let tampered = edit(&alice, "tampered.json", &|v| {
        let s = v["proofs"][0]["signature"].as_str().unwrap().to_string();
        let mut b = s.into_bytes();
        b[20] = if b[20] == b'A' { b'B' } else { b'A' };
        v["proofs"][0]["signature"] = Value::String(String::from_utf8(b).unwrap());
    });
    refused(&[&tampered], &c, &w, "does not verify");
    // Alice's proof presented as carol's key: the signature is by alice's key.
    let as_carol = edit(&alice, "as-carol.json", &|v| {
        v["proofs"][0]["key"] = Value::String(t.keys[2].clone());
    });
    refused(&[&as_carol], &c, &w, "does not verify");
    // A key that is not in the wallet.
    let foreign = edit(&alice, "foreign.json", &|v| {
        let k = v["proofs"][0]["key"]
            .as_str()
            .unwrap()
            .replace("48'/1'/0'/2'", "48'/1'/0'/1'");
        v["proofs"][0]["key"] = Value::String(k);
    });
    refused(&[&foreign], &c, &w, "not a key of this wallet");
    // A challenge with a different nonce than the one answered (edited challenge).
    let wrong_nonce = edit(&c, "wrong-nonce.json", &|v| {
        v["nonce"] = Value::String("00".repeat(32));
    });
    refused(&[&alice], &wrong_nonce, &w, "answers another challenge");
    // An answer for another wallet (a 2-of-2 of alice and bob), and its challenge.
    let w2 = t.wallet("pair", &t.multisig(2, &[0, 1]));
    let c2 = t.challenge(&w2, "pair-challenge.json");
    let pair_alice = t.answer("alice", &c2, "pair-alice.json");
    refused(&[&pair_alice], &c, &w, "for wallet");
    let (o, _) = t.verify(&w, &c2, &[&pair_alice]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("challenge is for another wallet"),
        "{}",
        stderr(&o)
    );
    // None of these moved the history; the good answer alongside a bad one still counts.
    assert!(!t.p("treasury.json.keychecks.json").exists());
    let (o, v) = t.verify(&w, &c, &[&alice, &tampered]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(v["proved"], 1);
    assert_eq!(v["refused"].as_array().unwrap().len(), 1);
    // A proof older than 90 days is flagged overdue.
    let hist = t.p("treasury.json.keychecks.json");
    let mut h: Value = serde_json::from_slice(&std::fs::read(&hist).unwrap()).unwrap();
    let now = airsign::time::parse_rfc3339(&airsign::time::now_rfc3339()).unwrap();
    let long_ago = airsign::time::rfc3339(now - 100 * 86_400);
    h["keys"][&t.keys[0]]["proved"] = Value::String(long_ago.clone());
    std::fs::write(&hist, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
    let (o, v) = t.verify(&w, &c, &[]);
    ok(&o);
    let s = standing(&v, fingerprint(&t.keys[0]));
    assert_eq!(s["overdue"], true);
    assert_eq!(s["days_ago"], 100);
    // Replaying the same (valid) answer proves the challenge's time again, never a later one.
    let (o, v) = t.verify(&w, &c, &[&alice]);
    ok(&o);
    assert_eq!(
        standing(&v, fingerprint(&t.keys[0]))["last_proved"],
        new_nonce["created"]
    );
}

/// The signer's review names the wallet, network, nonce, time and each key before signing, with
/// the challenge's untrusted text escaped; without --yes and without a terminal nothing is signed.
#[test]
fn answer_review_names_what_is_signed_and_escapes_it() {
    let t = Treasury::new();
    let w = t.wallet("treasury", &t.multisig(2, &[0, 1, 2]));
    let c = t.challenge(&w, "c.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&c).unwrap()).unwrap();
    // The name is a label outside the wallet id: a hostile coordinator can put anything there.
    v["wallet_name"] = Value::String("treasury\u{1b}[2J\u{202e}evil".into());
    std::fs::write(&c, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let a = t.p("alice.json");
    let o = t.airsign_as(
        "alice",
        &format!("keycheck answer --yes {} -o {}", q(&c), q(&a)),
    );
    ok(&o);
    let err = stderr(&o);
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(err.contains("treasury\\u{1b}[2J\\u{202e}evil"), "{err}");
    assert!(err.contains(&format!("wallet:  {}", v["wallet_id"].as_str().unwrap())));
    assert!(err.contains(&format!("nonce:   {}", v["nonce"].as_str().unwrap())));
    assert!(err.contains(v["created"].as_str().unwrap()));
    assert!(err.contains(&t.keys[0]), "{err}");
    assert!(!err.contains(&t.keys[1]));
    // The answer still proves alice's key for this challenge (the name is not signed).
    let (o, r) = t.verify(&w, &c, &[&a]);
    ok(&o);
    assert_eq!(r["proved"], 1);
    // No --yes, no terminal: exit 5, no answer, and the log holds only the first answer.
    let b = t.p("again.json");
    let o = t.airsign_as("alice", &format!("keycheck answer {} -o {}", q(&c), q(&b)));
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(!b.exists());
    let log = std::fs::read_to_string(t.p("alice.age.audit.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1);
    // A challenge whose descriptors were edited (1-of-3, checksums dropped so they parse) no
    // longer has its wallet id: refused before any signing.
    for k in ["receive", "change"] {
        let d = v[k].as_str().unwrap();
        let d = d[..d.find('#').unwrap()].replace("sortedmulti(2", "sortedmulti(1");
        v[k] = Value::String(d);
    }
    std::fs::write(&c, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = t.airsign_as(
        "alice",
        &format!("keycheck answer --yes {} -o {}", q(&c), q(&b)),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("its descriptors have wallet id"),
        "{}",
        stderr(&o)
    );
    assert!(!b.exists());
}
