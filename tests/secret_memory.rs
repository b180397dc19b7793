//! Secret memory (Linux, root): the real binary, built with the test-only `memory-probe` feature,
//! signs with a known mnemonic (and opens the seed for `seed info`), then stops before exit with
//! every secret dropped. Its readable memory is read through /proc/PID/maps and /proc/PID/mem
//! and searched for the mnemonic, the BIP39 seed, the BIP32 master key, every private key on the
//! signing paths (and the taproot tweaked keys) and the seed file's passphrase. The process must
//! also be non-dumpable with RLIMIT_CORE = 0. Run by scripts/test.sh:
//!
//!     cargo test --locked --features memory-probe --test secret_memory
//!
//! What this cannot see (registers, kernel buffers, swap, freed memory of other libraries that
//! was reused) is in docs/hardening.md, "Secret memory".
#![cfg(all(target_os = "linux", feature = "memory-probe"))]
mod common;

use std::io::{BufRead, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use airsign::bundle::{self, Encoding, Version};
use airsign::wallet::ScriptType;
use bitcoin::bip32::{DerivationPath, Xpriv};
use bitcoin::hashes::{sha256, Hash};
use bitcoin::key::{Keypair, TapTweak};
use bitcoin::secp256k1::Secp256k1;
use bitcoin::Network;
use common::q;

/// The file passphrase of the test seed (a secret too: it must not outlive its use either).
const FILE_PASSPHRASE: &str = "memory-probe file passphrase 7f3a91";

/// A mnemonic that appears nowhere in the binary (the test fixtures' `abandon … about` is
/// compiled in, so it would be found in the read-only data): 24 words from a hash.
fn mnemonic() -> String {
    let entropy = sha256::Hash::hash(b"airsign tests/secret_memory.rs mnemonic");
    bip39::Mnemonic::from_entropy(entropy.as_byte_array())
        .unwrap()
        .to_string()
}

/// What must not be in memory, by name.
fn needles(words: &str, paths: &[DerivationPath]) -> Vec<(String, Vec<u8>)> {
    let secp = Secp256k1::new();
    let m = bip39::Mnemonic::parse(words).unwrap();
    let seed = m.to_seed("");
    let master = Xpriv::new_master(Network::Regtest, &seed).unwrap();
    let mut v = vec![
        ("mnemonic text".to_owned(), words.as_bytes().to_vec()),
        ("BIP39 seed (64 bytes)".to_owned(), seed.to_vec()),
        (
            "BIP32 master private key".to_owned(),
            master.private_key.secret_bytes().to_vec(),
        ),
        (
            "BIP32 master xprv (base58)".to_owned(),
            master.to_string().into_bytes(),
        ),
        (
            "seed file passphrase".to_owned(),
            FILE_PASSPHRASE.as_bytes().to_vec(),
        ),
    ];
    for path in paths {
        // Every private key from the master down to the signing key.
        let mut p: Vec<bitcoin::bip32::ChildNumber> = Vec::new();
        for c in path.into_iter() {
            p.push(*c);
            let k = master
                .derive_priv(&secp, &DerivationPath::from(p.clone()))
                .unwrap();
            let name = format!("private key m/{}", DerivationPath::from(p.clone()));
            if !v.iter().any(|(n, _)| *n == name) {
                v.push((name, k.private_key.secret_bytes().to_vec()));
            }
        }
        let k = master.derive_priv(&secp, path).unwrap();
        if path.to_string().starts_with("86") || path.to_string().starts_with("m/86") {
            let kp = Keypair::from_secret_key(&secp, &k.private_key);
            let tweaked = kp.tap_tweak(&secp, None).to_keypair();
            v.push((
                format!("taproot tweaked key of m/{path}"),
                tweaked.secret_bytes().to_vec(),
            ));
        }
    }
    v
}

/// A readable mapping and its bytes.
struct Region {
    line: String,
    start: u64,
    bytes: Vec<u8>,
}

/// Every readable mapping of `pid`, read through /proc/PID/mem; also the number of mappings
/// (and bytes) that could not be read.
fn read_memory(pid: u32) -> (Vec<Region>, usize, u64) {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).expect(
        "/proc/PID/mem cannot be opened: needs root (CAP_SYS_PTRACE) for a non-dumpable process",
    );
    let (mut out, mut unreadable, mut unreadable_bytes) = (Vec::new(), 0, 0);
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (range, perms) = (f.next().unwrap(), f.next().unwrap());
        if !perms.starts_with('r') || line.ends_with("[vvar]") || line.ends_with("[vsyscall]") {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (start, end) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        let mut bytes = vec![0u8; (end - start) as usize];
        let ok = mem.seek(SeekFrom::Start(start)).is_ok() && mem.read_exact(&mut bytes).is_ok();
        if ok {
            out.push(Region {
                line: line.to_owned(),
                start,
                bytes,
            });
        } else {
            unreadable += 1;
            unreadable_bytes += end - start;
        }
    }
    (out, unreadable, unreadable_bytes)
}

/// Start `args` (after `airsign`) as user `nobody` with the probe on, stdin a pipe the test
/// holds, and wait for the marker.
fn start(dir: &Path, args: &str) -> (Child, u32) {
    let cmd = format!(
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups {} {args} 3<{}",
        q(&common::bin()),
        q(&dir.join("pass"))
    );
    let mut child = Command::new("setsid")
        .args(["bash", "-c", &cmd])
        .env("AIRSIGN_MEMORY_PROBE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap_or_default();
            all.push_str(&line);
            all.push('\n');
            if line.starts_with(airsign_marker()) {
                let _ = tx.send(Ok(()));
                return;
            }
        }
        let _ = tx.send(Err(all));
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(())) => (child, pid),
        Ok(Err(stderr)) => panic!("airsign {args} ended without the probe marker: {stderr}"),
        Err(_) => panic!("airsign {args}: no probe marker within 60 s"),
    }
}

fn airsign_marker() -> &'static str {
    "airsign: memory-probe: ready"
}

/// Check `pid`: core dumps off, not dumpable, and none of `needles` in readable memory; the
/// seed file's path (in argv, on the stack) must be found, or the reader reads nothing.
fn check(pid: u32, needles: &[(String, Vec<u8>)], control: &[u8], what: &str) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let f: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(
        (f[4], f[5]),
        ("0", "0"),
        "{what}: RLIMIT_CORE is not 0: {core}"
    );
    // proc(5): the files of a non-dumpable process are owned by root, whoever runs it. The
    // process runs as nobody (65534), so an owner of 0 is PR_SET_DUMPABLE = 0 at work.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("65534")),
        "{what}: not running as nobody"
    );
    let owner = std::fs::metadata(format!("/proc/{pid}/status"))
        .unwrap()
        .uid();
    assert_eq!(
        owner, 0,
        "{what}: /proc/{pid} is owned by {owner}: the process is dumpable"
    );

    let (regions, unreadable, unreadable_bytes) = read_memory(pid);
    let total: usize = regions.iter().map(|r| r.bytes.len()).sum();
    eprintln!(
        "secret-memory {what}: read {} mappings, {total} bytes; {unreadable} mappings ({unreadable_bytes} bytes) unreadable",
        regions.len()
    );
    assert!(
        regions
            .iter()
            .any(|r| memchr::memmem::find(&r.bytes, control).is_some()),
        "{what}: the control value (the seed file's path from argv) was not found: the reader is broken"
    );
    let mut found = Vec::new();
    for (name, needle) in needles {
        for r in &regions {
            for at in memchr::memmem::find_iter(&r.bytes, needle) {
                found.push(format!(
                    "{name} at {:#x} in {}",
                    r.start + at as u64,
                    r.line
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{what}: secrets in memory after they were dropped:\n{}",
        found.join("\n")
    );
    eprintln!(
        "secret-memory {what}: none of {} secrets found",
        needles.len()
    );
}

fn finish(mut child: Child, what: &str) {
    drop(child.stdin.take());
    let t = Instant::now();
    let status = child.wait().unwrap();
    assert!(status.success(), "{what}: exit {status}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn no_secret_survives_in_memory_after_sign_and_seed_info() {
    assert_eq!(
        std::fs::metadata("/proc/self").unwrap().uid(),
        0,
        "this test reads another process's memory: run it as root (scripts/test.sh does)"
    );
    let words = mnemonic();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    std::fs::write(dir.join("words"), &words).unwrap();
    std::fs::write(dir.join("pass"), format!("{FILE_PASSPHRASE}\n")).unwrap();
    let seed = dir.join("seed.age");
    let o = common::sh(&format!(
        "{} seed import --network regtest --out {} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<{} 4<{}",
        q(&common::bin()),
        q(&seed),
        q(&dir.join("words")),
        q(&dir.join("pass"))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(dir.join("words")).unwrap();

    // Bundles for two script types, built from the public side of the same keys.
    let keys = airsign::signer::KeyChain::from_seed(
        &airsign::secrets::Mnemonic::parse(&words)
            .unwrap()
            .to_seed("", Network::Regtest),
    )
    .unwrap();
    let mut paths = Vec::new();
    // "wpkh-many": 64 inputs, enough for review and signing to run on worker threads
    // (src/parallel.rs), whose stacks must not keep keys either.
    let many = [10_000; 64];
    for (script, name, funds, pay) in [
        (ScriptType::Wpkh, "wpkh", &[120_000, 80_000][..], 30_000),
        (ScriptType::Tr, "tr", &[120_000, 80_000][..], 30_000),
        (ScriptType::Wpkh, "wpkh-many", &many[..], 625_000),
    ] {
        let w = common::wallet_of(&keys, script);
        let psbt = common::bundle_from(&w, funds, pay, 2.0, 7);
        if name == "wpkh-many" {
            assert_eq!(psbt.inputs.len(), many.len(), "every input spent");
        }
        for i in &psbt.inputs {
            paths.extend(i.bip32_derivation.values().map(|(_, p)| p.clone()));
            paths.extend(i.tap_key_origins.values().map(|(_, (_, p))| p.clone()));
        }
        std::fs::write(
            dir.join(format!("{name}.psbt")),
            bundle::encode(&psbt, Version::V0, Encoding::Binary).unwrap(),
        )
        .unwrap();
    }
    paths.sort();
    paths.dedup();
    assert!(paths.len() >= 2, "{paths:?}");
    let needles = needles(&words, &paths);
    drop(keys);

    // The child runs as nobody: it must be able to read its inputs and write beside the seed.
    for e in std::fs::read_dir(dir).unwrap() {
        std::os::unix::fs::chown(e.unwrap().path(), Some(65534), Some(65534)).unwrap();
    }
    std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(
        t.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();

    let control = seed.display().to_string().into_bytes();
    for name in ["wpkh", "tr", "wpkh-many"] {
        let out = dir.join(format!("{name}-signed.psbt"));
        let (child, pid) = start(
            dir,
            &format!(
                "sign --yes --seed {} --passphrase-fd 3 {} -o {}",
                q(&seed),
                q(&dir.join(format!("{name}.psbt"))),
                q(&out)
            ),
        );
        check(pid, &needles, &control, &format!("sign ({name})"));
        finish(child, name);
        // It did sign: the keys were in this process before the probe.
        let (signed, _, _) = bundle::decode(&std::fs::read(&out).unwrap()).unwrap();
        assert!(signed
            .inputs
            .iter()
            .all(|i| !i.partial_sigs.is_empty() || i.tap_key_sig.is_some()));
    }
    let (child, pid) = start(
        dir,
        &format!("seed info --seed {} --passphrase-fd 3", q(&seed)),
    );
    check(pid, &needles, &control, "seed info");
    finish(child, "seed info");
}
