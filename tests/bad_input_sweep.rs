//! Bad input sweep (DESIGN §4.6): a table of malformed inputs across the commands — empty,
//! truncated, wrong format, binary garbage, oversized (a 100 MB PSBT), /dev/zero, directories,
//! unreadable files, invalid UTF-8 in paths and in QR text, empty stdin. Each must end with one
//! `airsign: error:` line (then only `cause:`/`hint:` lines) and its documented exit code, never a
//! panic, never a partial output file, in bounded time and memory. Peak RSS is measured per run
//! with wait4(2)'s rusage. See docs/hardening.md, "Bad input sweep".
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, demo_dir, q};

/// Generous bounds (the measured maxima are in docs/hardening.md).
const MAX_TIME: Duration = Duration::from_secs(5);
const MAX_RSS_KB: u64 = 300 * 1024;

struct Run {
    code: Option<i32>,
    stderr: String,
    took: Duration,
    max_rss_kb: u64,
}

/// GNU time: it forks (a fresh, small address space) before running the command, so the peak
/// RSS it reports is airsign's own. (wait4's rusage from this process is not: a child started
/// with vfork/posix_spawn inherits the test process's high-water mark at exec.)
const TIME: &str = "/usr/bin/time";

/// Run `cmd` (a shell line) under GNU time, stdin from /dev/null unless it redirects it; kill it
/// after 20 s.
fn run(cmd: &str, dir: &Path) -> Run {
    assert!(
        Path::new(TIME).exists(),
        "the sweep measures peak RSS with GNU time: apt-get install time (scripts/test.sh does)"
    );
    let err = dir.join(".stderr");
    let rss = dir.join(".rss");
    let start = Instant::now();
    let mut child = Command::new("setsid")
        .args([TIME, "-f", "%M", "-o"])
        .arg(&rss)
        .args(["bash", "-c", &format!("exec {cmd}")])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err).unwrap()).into_owned();
    let rss_text = std::fs::read_to_string(&rss).unwrap_or_default();
    std::fs::remove_file(&err).unwrap();
    std::fs::remove_file(&rss).ok();
    // GNU time writes "Command exited with non-zero status N" before the number.
    let max_rss_kb = rss_text
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
        .unwrap_or_else(|| panic!("no RSS from GNU time: {rss_text}"));
    Run {
        code: status.code(),
        stderr,
        took,
        max_rss_kb,
    }
}

/// The inputs, made once.
struct Inputs {
    _demo: tempfile::TempDir,
    d: PathBuf,
    f: PathBuf,
}

fn inputs() -> Inputs {
    let (demo, pass) = demo_dir();
    let d = demo.path().to_owned();
    let f = d.join("bad");
    std::fs::create_dir(&f).unwrap();
    let w = |name: &str, bytes: &[u8]| std::fs::write(f.join(name), bytes).unwrap();
    let unsigned = std::fs::read(d.join("wpkh-unsigned.psbt")).unwrap();
    let signed = std::fs::read(d.join("wpkh-signed.psbt")).unwrap();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    w("empty", b"");
    w("garbage", &garbage);
    w("trunc.psbt", &unsigned[..60]);
    w("trunc-signed.psbt", &signed[..signed.len() - 7]);
    use bitcoin::base64::Engine as _;
    let b64 = bitcoin::base64::engine::general_purpose::STANDARD.encode(&unsigned);
    w("trunc.b64", &b64.as_bytes()[..b64.len() / 2]);
    w("bad-hex.psbt", b"70736274ffzz");
    w("text.txt", b"hello, this is not a PSBT\n");
    let mut v2ish = unsigned.clone();
    v2ish.splice(5..5, [0x02, 0xfb, 0x04, 7, 0, 0, 0]);
    w("badversion.psbt", &v2ish);
    // 100 MB starting with the PSBT magic (sparse on disk).
    let big = std::fs::File::create(f.join("big.psbt")).unwrap();
    std::io::Write::write_all(&mut &big, b"psbt\xff").unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    let bigtxt = std::fs::File::create(f.join("big.txt")).unwrap();
    bigtxt.set_len(100 * 1024 * 1024).unwrap();
    w("notjson.json", b"{not json");
    w("deep.json", &vec![b'['; 100_000]);
    w("array.json", b"[1,2,3]");
    w("policy-v99.json", br#"{"version": 99, "rules": []}"#);
    w(
        "policy-dup.json",
        br#"{"version": 1, "rules": [{"name": "a", "max_spend_per_tx": 1, "max_spend_per_tx": 100000000000}]}"#,
    );
    w("log-garbage.jsonl", b"not json\n{\"seq\":0}\n");
    // A real one-entry log, then copies torn and edited.
    let good = f.join("good.jsonl");
    for _ in 0..2 {
        let o = common::sh(&format!(
            "{} sign --yes --force --seed {} --passphrase-fd 3 --log {} {} -o {} 3<{}",
            q(&bin()),
            q(&d.join("demo-seed.age")),
            q(&good),
            q(&d.join("wpkh-unsigned.psbt")),
            q(&d.join("signed-for-log.psbt")),
            q(&pass)
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let log = std::fs::read(&good).unwrap();
    assert!(log.ends_with(b"\n"));
    let mut torn = log.clone();
    torn.extend_from_slice(b"{\"seq\":");
    w("log-torn.jsonl", &torn);
    // One digit of the first entry's time changed: still JSON, but line 2's prev no longer
    // matches (an edit of the last line alone is what the MAC and the off-machine tail hash
    // are for: docs/formats.md).
    let mut edited = log.clone();
    let at = log.windows(8).position(|w| w == b"\"time\":\"").unwrap() + 8;
    edited[at] = if log[at] == b'1' { b'2' } else { b'1' };
    w("log-edited.jsonl", &edited);
    w("wallet-empty-obj.json", b"{}");
    w("wallet-v1.json", br#"{"version": 1}"#);
    w("utxos-bad.json", br#"[{"txid": "zz", "vout": "x"}]"#);
    w("prev-bad.hex", b"zz not hex\n");
    let seed = std::fs::read(d.join("demo-seed.age")).unwrap();
    w("seed-trunc.age", &seed[..seed.len().min(120)]);
    w("seed-garbage.age", &garbage);
    w("wrong-pw", b"not the passphrase\n");
    w("words-bad", b"abandon abandon abandon not words at all\n");
    w(
        "png-trunc.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x10\0\0\0\x10\0",
    );
    w("gif-trunc.gif", b"GIF89a\x10\x00");
    // The regression: binary bytes as QR text.
    w("binary.txt", &garbage);
    w("latin1.txt", b"ur:bytes/caf\xe9\n");
    let mut long = b"ur:bytes/".to_vec();
    long.extend(std::iter::repeat_n(b'a', 5000));
    long.push(b'\n');
    w("longline.txt", &long);
    w(
        "ur-bad.txt",
        b"ur:crypto-psbt/1-3/lpadaxcfaxhdcxnotbytewords\n",
    );
    w("bbqr-bad.txt", b"B$ZP0200nonsense\nB$ZP0201moreNONSENSE\n");
    w("checklist-bad.toml", b"this is [not a checklist\n");
    w("desc.txt", b"wpkh(not a key)\n");
    w("approval-bad.txt", &garbage[..300]);
    std::fs::create_dir(f.join("dir")).unwrap();
    std::fs::create_dir(f.join("emptydir")).unwrap();
    w("noperm", &garbage);
    std::fs::set_permissions(
        f.join("noperm"),
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    // A file name that is not UTF-8.
    std::fs::write(
        f.join(std::ffi::OsStr::from_bytes(b"bad\xffname.psbt")),
        &garbage,
    )
    .unwrap();
    std::fs::rename(&pass, d.join("pw")).unwrap();
    Inputs { _demo: demo, d, f }
}

use std::os::unix::ffi::OsStrExt;

/// (name, command after `airsign`, expected exit code). `{d}` is the demo folder, `{f}` the
/// folder of bad inputs, `{o}` an output path in the case's own empty folder (must not appear),
/// `{pw}` the demo passphrase file, `{seed}` the demo seed file.
const CASES: &[(&str, &str, i32)] = &[
    // --- bundle inspect / finalize / import / combine: PSBT readers
    ("inspect empty", "bundle inspect {f}/empty", 1),
    ("inspect garbage", "bundle inspect {f}/garbage", 1),
    ("inspect truncated", "bundle inspect {f}/trunc.psbt", 1),
    ("inspect truncated base64", "bundle inspect {f}/trunc.b64", 1),
    ("inspect bad hex", "bundle inspect {f}/bad-hex.psbt", 1),
    ("inspect text", "bundle inspect {f}/text.txt", 1),
    ("inspect unsupported version", "bundle inspect {f}/badversion.psbt", 1),
    ("inspect 100 MB PSBT", "bundle inspect {f}/big.psbt", 1),
    ("inspect /dev/zero", "bundle inspect /dev/zero", 1),
    ("inspect directory", "bundle inspect {f}/dir", 1),
    ("inspect unreadable", "bundle inspect {f}/noperm", 1),
    ("inspect missing", "bundle inspect {f}/missing.psbt", 1),
    ("inspect non-UTF-8 path", "bundle inspect {f}/$'bad\\xffname.psbt'", 1),
    ("inspect empty stdin", "bundle inspect - </dev/null", 1),
    ("inspect garbage stdin", "bundle inspect - <{f}/garbage", 1),
    ("inspect /dev/zero stdin", "bundle inspect - </dev/zero", 1),
    ("finalize garbage", "bundle finalize {f}/garbage -o {o}", 1),
    ("finalize truncated signed", "bundle finalize {f}/trunc-signed.psbt -o {o}", 1),
    ("finalize 100 MB", "bundle finalize {f}/big.psbt --extract -o {o}", 1),
    ("finalize unsigned", "bundle finalize {d}/wpkh-unsigned.psbt --extract -o {o}", 1),
    ("import garbage", "bundle import {f}/garbage -o {o}", 1),
    ("import truncated", "bundle import {f}/trunc.psbt -o {o}", 1),
    ("import /dev/zero", "bundle import /dev/zero -o {o}", 1),
    ("import empty stdin", "bundle import - -o {o} </dev/null", 1),
    ("combine garbage", "bundle combine {f}/garbage {f}/garbage --out {o}", 1),
    ("combine 100 MB", "bundle combine {f}/big.psbt {d}/wpkh-signed.psbt --out {o}", 1),
    ("combine different txs", "bundle combine {d}/wpkh-signed.psbt {d}/tr-signed.psbt --out {o}", 3),
    // --- bundle create: descriptor, UTXOs, previous transactions
    ("create bad descriptor", "bundle create --descriptor 'wpkh(nonsense)' --network regtest --utxos {d}/wpkh-utxos.json --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create utxos not json", "bundle create --wallet {f}/wallet-v1.json --utxos {f}/notjson.json --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create utxos garbage", "bundle create --descriptor {desc} --network regtest --utxos {f}/garbage --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create utxos bad fields", "bundle create --descriptor {desc} --network regtest --utxos {f}/utxos-bad.json --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create utxos deep json", "bundle create --descriptor {desc} --network regtest --utxos {f}/deep.json --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create utxos /dev/zero", "bundle create --descriptor {desc} --network regtest --utxos /dev/zero --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create prev txs not hex", "bundle create --descriptor {desc} --network regtest --utxos {d}/wpkh-utxos.json --prev-txs {f}/prev-bad.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create prev txs 100 MB", "bundle create --descriptor {desc} --network regtest --utxos {d}/wpkh-utxos.json --prev-txs {f}/big.txt --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create utxos directory", "bundle create --descriptor {desc} --network regtest --utxos {f}/dir --prev-txs {d}/wpkh-prev-txs.hex --to bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:1000 --fee-rate 1 -o {o}", 1),
    ("create bad payee", "bundle create --descriptor {desc} --network regtest --utxos {d}/wpkh-utxos.json --prev-txs {d}/wpkh-prev-txs.hex --to notanaddress:1000 --fee-rate 1 -o {o}", 1),
    ("create non-UTF-8 payee", "bundle create --descriptor {desc} --network regtest --utxos {d}/wpkh-utxos.json --prev-txs {d}/wpkh-prev-txs.hex --to $'bcrt1\\xff:1000' --fee-rate 1 -o {o}", 2),
    // --- sign: PSBT, seed, passphrase, policy
    ("sign garbage", "sign --yes --seed {seed} --passphrase-fd 3 {f}/garbage -o {o} 3<{pw}", 1),
    ("sign truncated", "sign --yes --seed {seed} --passphrase-fd 3 {f}/trunc.psbt -o {o} 3<{pw}", 1),
    ("sign 100 MB", "sign --yes --seed {seed} --passphrase-fd 3 {f}/big.psbt -o {o} 3<{pw}", 1),
    ("sign /dev/zero", "sign --yes --seed {seed} --passphrase-fd 3 /dev/zero -o {o} 3<{pw}", 1),
    ("sign empty stdin", "sign --yes --seed {seed} --passphrase-fd 3 - -o {o} 3<{pw} </dev/null", 1),
    ("sign wrong passphrase", "sign --yes --seed {seed} --passphrase-fd 3 {d}/wpkh-unsigned.psbt -o {o} 3<{f}/wrong-pw", 5),
    ("sign empty passphrase", "sign --yes --seed {seed} --passphrase-fd 3 {d}/wpkh-unsigned.psbt -o {o} 3</dev/null", 5),
    ("sign truncated seed", "sign --yes --seed {f}/seed-trunc.age --passphrase-fd 3 {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign garbage seed", "sign --yes --seed {f}/seed-garbage.age --passphrase-fd 3 {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign seed is a directory", "sign --yes --seed {f}/dir --passphrase-fd 3 {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign seed /dev/zero", "sign --yes --seed /dev/zero --passphrase-fd 3 {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign policy not json", "sign --yes --seed {seed} --passphrase-fd 3 --policy {f}/notjson.json {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign policy deep json", "sign --yes --seed {seed} --passphrase-fd 3 --policy {f}/deep.json {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign policy version 99", "sign --yes --seed {seed} --passphrase-fd 3 --policy {f}/policy-v99.json {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign policy duplicate key", "sign --yes --seed {seed} --passphrase-fd 3 --policy {f}/policy-dup.json {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign policy /dev/zero", "sign --yes --seed {seed} --passphrase-fd 3 --policy /dev/zero {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 1),
    ("sign log edited", "sign --yes --seed {seed} --passphrase-fd 3 --log {f}/log-edited.jsonl {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 4),
    ("sign log torn", "sign --yes --seed {seed} --passphrase-fd 3 --log {f}/log-torn.jsonl {d}/wpkh-unsigned.psbt -o {o} 3<{pw}", 4),
    ("sign scan binary text", "sign --yes --seed {seed} --passphrase-fd 3 --scan text:{f}/binary.txt -o {o} 3<{pw}", 1),
    // --- seed
    ("seed info truncated", "seed info --seed {f}/seed-trunc.age --passphrase-fd 3 3<{pw}", 1),
    ("seed info garbage", "seed info --seed {f}/seed-garbage.age --passphrase-fd 3 3<{pw}", 1),
    ("seed info empty", "seed info --seed {f}/empty --passphrase-fd 3 3<{pw}", 1),
    ("seed info wrong passphrase", "seed info --seed {seed} --passphrase-fd 3 3<{f}/wrong-pw", 5),
    ("seed info non-UTF-8 path", "seed info --seed {f}/$'bad\\xffname.psbt' --passphrase-fd 3 3<{pw}", 1),
    ("seed import bad words", "seed import --network regtest --out {o} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<{f}/words-bad 4<{pw}", 1),
    ("seed import empty words", "seed import --network regtest --out {o} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3</dev/null 4<{pw}", 1),
    ("seed import /dev/zero words", "seed import --network regtest --out {o} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3</dev/zero 4<{pw}", 1),
    ("seed import garbage words", "seed import --network regtest --out {o} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<{f}/garbage 4<{pw}", 1),
    ("account export garbage seed", "account export --seed {f}/seed-garbage.age --passphrase-fd 3 --script wpkh 3<{pw}", 1),
    // --- wallet
    ("wallet addresses not json", "wallet addresses {f}/notjson.json", 1),
    ("wallet addresses empty object", "wallet addresses {f}/wallet-empty-obj.json", 1),
    ("wallet addresses deep json", "wallet addresses {f}/deep.json", 1),
    ("wallet addresses /dev/zero", "wallet addresses /dev/zero", 1),
    ("wallet receive garbage", "wallet receive {f}/garbage", 1),
    ("wallet receive directory", "wallet receive {f}/dir", 1),
    ("wallet create bad descriptor", "wallet create --descriptor \"$(cat {f}/desc.txt)\" --network regtest -o {o}", 1),
    ("wallet create from garbage", "wallet create --from {f}/garbage -o {o}", 1),
    ("wallet create from array", "wallet create --from {f}/array.json -o {o}", 1),
    ("wallet import garbage", "wallet import {f}/garbage --out {o}", 1),
    ("wallet import /dev/zero", "wallet import /dev/zero --out {o}", 1),
    ("wallet import empty stdin", "wallet import - --out {o} </dev/null", 1),
    ("wallet register garbage", "wallet register --seed {seed} --passphrase-fd 3 {f}/garbage 3<{pw}", 1),
    ("address verify garbage address", "address verify --seed {seed} --passphrase-fd 3 notanaddress 3<{pw}", 1),
    // --- policy
    ("policy hash not json", "policy hash {f}/notjson.json", 1),
    ("policy hash deep json", "policy hash {f}/deep.json", 1),
    ("policy hash /dev/zero", "policy hash /dev/zero", 1),
    ("policy show duplicate key", "policy show {f}/policy-dup.json", 1),
    ("policy check garbage psbt", "policy check --policy {f}/policy-dup.json {f}/garbage", 1),
    ("policy pin bad policy", "policy pin --policy {f}/notjson.json --seed {seed} --passphrase-fd 3 3<{pw}", 1),
    // --- audit log
    ("log verify garbage", "log verify {f}/log-garbage.jsonl", 4),
    ("log verify binary", "log verify {f}/garbage", 4),
    ("log verify torn", "log verify {f}/log-torn.jsonl", 4),
    ("log verify edited", "log verify {f}/log-edited.jsonl", 4),
    ("log verify /dev/zero", "log verify /dev/zero", 1),
    ("log verify directory", "log verify {f}/dir", 1),
    ("log verify 100 MB no newline", "log verify {f}/big.txt", 4),
    ("log tail garbage", "log tail {f}/garbage", 4),
    ("log pending garbage", "log pending {f}/garbage", 4),
    ("log reconcile garbage txs", "log reconcile --txs {f}/garbage {f}/log-torn.jsonl", 4),
    // --- QR
    ("qr show /dev/zero", "qr show /dev/zero --text", 1),
    ("qr show 100 MB", "qr show {f}/big.psbt --text", 1),
    ("qr show directory", "qr show {f}/dir --text", 1),
    ("qr show missing non-UTF-8 path", "qr show {f}/$'missing\\xfe' --text", 1),
    ("qr scan binary text (regression)", "qr scan --text-file {f}/binary.txt -o {o}", 1),
    ("qr scan latin-1 text", "qr scan --text-file {f}/latin1.txt -o {o}", 1),
    ("qr scan over-long line", "qr scan --text-file {f}/longline.txt -o {o}", 1),
    ("qr scan binary stdin", "qr scan --stdin -o {o} <{f}/garbage", 1),
    ("qr scan empty stdin", "qr scan --stdin -o {o} </dev/null", 1),
    ("qr scan /dev/zero text", "qr scan --text-file /dev/zero -o {o}", 1),
    ("qr scan 100 MB text", "qr scan --text-file {f}/big.txt -o {o}", 1),
    ("qr scan bad UR parts", "qr scan --text-file {f}/ur-bad.txt -o {o}", 1),
    ("qr scan bad BBQr parts", "qr scan --text-file {f}/bbqr-bad.txt -o {o}", 1),
    ("qr scan text is a directory", "qr scan --text-file {f}/dir -o {o}", 1),
    ("qr scan garbage image", "qr scan {f}/garbage -o {o}", 1),
    ("qr scan truncated PNG", "qr scan {f}/png-trunc.png -o {o}", 1),
    ("qr scan truncated GIF", "qr scan --gif {f}/gif-trunc.gif -o {o}", 1),
    ("qr scan empty folder", "qr scan --dir {f}/emptydir -o {o}", 1),
    ("qr scan non-UTF-8 path", "qr scan --text-file {f}/$'bad\\xffname.psbt' -o {o}", 1),
    // --- the rest
    ("digest /dev/zero", "digest /dev/zero", 1),
    ("digest directory", "digest {f}/dir", 1),
    ("approve garbage", "approve --seed {seed} --passphrase-fd 3 {f}/garbage --out {o} 3<{pw}", 1),
    ("ceremony run bad checklist", "ceremony run {f}/checklist-bad.toml", 1),
    ("ceremony verify garbage", "ceremony verify {f}/garbage", 4),
];

#[test]
fn every_bad_input_is_a_clean_error_with_its_exit_code() {
    assert!(CASES.len() >= 80, "{} cases", CASES.len());
    let inp = inputs();
    let desc = {
        let o = common::sh(&format!(
            "{} account export --json --seed {} --passphrase-fd 3 --script wpkh 3<{}",
            q(&bin()),
            q(&inp.d.join("demo-seed.age")),
            q(&inp.d.join("pw"))
        ));
        assert!(o.status.success());
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["multipath"].as_str().unwrap().to_owned()
    };
    let mut failures = Vec::new();
    let (mut max_time, mut max_rss) = ((Duration::ZERO, ""), (0u64, ""));
    for (i, (name, args, want)) in CASES.iter().enumerate() {
        let case = inp.d.join(format!("case-{i}"));
        std::fs::create_dir(&case).unwrap();
        let cmd = format!("{} {args}", q(&bin()))
            .replace("{d}", &q(&inp.d))
            .replace("{f}", &q(&inp.f))
            .replace("{o}", &q(&case.join("out")))
            .replace("{pw}", &q(&inp.d.join("pw")))
            .replace("{seed}", &q(&inp.d.join("demo-seed.age")))
            .replace("{desc}", &common::shq(&desc));
        let r = run(&cmd, &case);
        let lines: Vec<&str> = r.stderr.lines().collect();
        let errors: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("airsign: error: ") || l.starts_with("error: "))
            .map(|(i, _)| i)
            .collect();
        let mut problems = Vec::new();
        if r.code != Some(*want) {
            problems.push(format!("exit {:?}, expected {want}", r.code));
        }
        if r.stderr.contains("panicked") || r.code == Some(101) {
            problems.push("panicked".into());
        }
        match errors.as_slice() {
            [e] => {
                // airsign's own errors: then only cause/hint lines (clap's usage errors, exit 2,
                // have their own usage block).
                if lines[*e].starts_with("airsign: error: ")
                    && !lines[e + 1..]
                        .iter()
                        .all(|l| l.starts_with("  cause: ") || l.starts_with("  hint: "))
                {
                    problems.push("lines other than cause/hint after the error".into());
                }
            }
            _ => problems.push(format!("{} error lines", errors.len())),
        }
        let left: Vec<String> = std::fs::read_dir(&case)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        if !left.is_empty() {
            problems.push(format!("files written: {left:?}"));
        }
        if r.took > MAX_TIME {
            problems.push(format!("took {:?}", r.took));
        }
        if r.max_rss_kb > MAX_RSS_KB {
            problems.push(format!("peak RSS {} KiB", r.max_rss_kb));
        }
        if r.took > max_time.0 {
            max_time = (r.took, name);
        }
        if r.max_rss_kb > max_rss.0 {
            max_rss = (r.max_rss_kb, name);
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {}\n    $ {cmd}\n    {}",
                problems.join("; "),
                r.stderr.trim_end().replace('\n', "\n    ")
            ));
        }
    }
    eprintln!(
        "bad-input sweep: {} cases; slowest {:?} ({}), peak RSS max {} KiB ({})",
        CASES.len(),
        max_time.0,
        max_time.1,
        max_rss.0,
        max_rss.1
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The bug this sweep found: `qr scan --text-file` of a binary file exited 0 and wrote the bytes
/// back with U+FFFD in place of every invalid byte — a payload silently changed. A text frame is
/// what a QR code holds: UTF-8, at most 4,296 characters; anything else is an error.
#[test]
fn qr_scan_of_binary_text_is_an_error_not_a_silently_changed_payload() {
    let t = tempfile::tempdir().unwrap();
    // A valid single-part UR line, then a binary line: the UR completes first, so put the
    // binary first to be read.
    let bin_file = t.path().join("frames.txt");
    std::fs::write(&bin_file, b"\xff\xfe\x00binary\xc3\x28\n").unwrap();
    let out = t.path().join("out");
    let r = run(
        &format!(
            "{} qr scan --text-file {} -o {}",
            q(&bin()),
            q(&bin_file),
            q(&out)
        ),
        t.path(),
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("line 1 is not UTF-8 text"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
    // Over-long: 4,297 characters is more than any QR code holds; 4,296 is one plain-text
    // frame, scanned as it is.
    for (n, too_long) in [(4297usize, true), (4296, false)] {
        std::fs::write(&bin_file, "A".repeat(n) + "\n").unwrap();
        let r = run(
            &format!(
                "{} qr scan --text-file {} -o {}",
                q(&bin()),
                q(&bin_file),
                q(&out)
            ),
            t.path(),
        );
        assert_eq!(r.code, Some(if too_long { 1 } else { 0 }), "{}", r.stderr);
        assert_eq!(
            r.stderr.contains("longer than the 4296 characters"),
            too_long,
            "{n}: {}",
            r.stderr
        );
        if too_long {
            assert!(!out.exists());
        } else {
            assert_eq!(std::fs::read(&out).unwrap(), "A".repeat(n).into_bytes());
            std::fs::remove_file(&out).unwrap();
        }
    }
    // Text that is a valid frame still scans, byte for byte.
    let payload = t.path().join("payload");
    std::fs::write(&payload, "naïve ✓ payload").unwrap();
    let parts = t.path().join("parts.txt");
    let o = common::sh(&format!(
        "{} qr show --text {} > {}",
        q(&bin()),
        q(&payload),
        q(&parts)
    ));
    assert!(o.status.success());
    let o = common::sh(&format!(
        "{} qr scan --text-file {} -o {}",
        q(&bin()),
        q(&parts),
        q(&out)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&payload).unwrap()
    );
}
