//! Interop with independent implementations: zxing-cpp reads our QR frames; @ngraveio/bc-ur
//! reassembles our UR parts, and we reassemble theirs (from mixed parts only). The peers are
//! installed by scripts/test.sh; under CI=true a missing peer fails the test.
use std::path::PathBuf;
use std::process::Command;

use airsign::transport::assemble::Assembler;
use airsign::transport::qr::Matrix;
use airsign::transport::ur::{cbor_bytes, UrEncoder};
use airsign::transport::xoshiro::Xoshiro256;
use qrcode::EcLevel;

fn peer(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) => Some(v),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{var} is not set: this peer is required in CI (scripts/test.sh installs it)")
        }
        Err(_) => {
            eprintln!(
                "{var} not set; run scripts/test.sh to install the peer (skipping outside CI)"
            );
            None
        }
    }
}

fn payload(n: usize, seed: &str) -> Vec<u8> {
    let mut p = b"psbt\xff".to_vec();
    p.extend(Xoshiro256::from_bytes(seed.as_bytes()).next_data(n - 5));
    p
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn zxing_cpp_reads_our_frames_as_our_text() {
    let Some(python) = peer("AIRSIGN_PYTHON") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let enc = UrEncoder::new("crypto-psbt", cbor_bytes(&payload(2000, "zx")), 250).unwrap();
    let parts: Vec<String> = (1..=enc.seq_len() + 3)
        .map(|i| enc.part(i).to_uppercase())
        .collect();
    let mut files = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let f: PathBuf = dir.path().join(format!("f{i:03}.png"));
        std::fs::write(&f, Matrix::encode(p, EcLevel::L).unwrap().png(4).unwrap()).unwrap();
        files.push(f);
    }
    let out = Command::new(&python)
        .arg(format!(
            "{}/scripts/peer_zxing.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (f, p) in files.iter().zip(&parts) {
        let got = v[f.display().to_string()].as_array().unwrap();
        assert_eq!(
            got.len(),
            1,
            "zxing-cpp found {} codes in {}",
            got.len(),
            f.display()
        );
        assert_eq!(got[0].as_str().unwrap(), p);
    }
}

fn node_peer() -> Option<(String, PathBuf)> {
    let dir = peer("AIRSIGN_NODE_PEERS")?;
    Some(("node".into(), PathBuf::from(dir).join("bcur.js")))
}

#[test]
fn bc_ur_decodes_our_parts() {
    let Some((node, script)) = node_peer() else {
        return;
    };
    let data = payload(5000, "to-them");
    let enc = UrEncoder::new("crypto-psbt", cbor_bytes(&data), 200).unwrap();
    // Our display order: pure fragments, then mixed parts; upper case as shown in QR.
    let parts: Vec<String> = (1..=enc.seq_len() * 2)
        .map(|i| enc.part(i).to_uppercase())
        .collect();
    let mut child = Command::new(&node)
        .arg(&script)
        .arg("decode")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(parts.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["complete"], true, "{v}");
    assert_eq!(v["type"], "crypto-psbt");
    assert_eq!(v["hex"].as_str().unwrap(), hex(&data));
}

#[test]
fn we_decode_bc_ur_parts_from_mixed_parts_only() {
    let Some((node, script)) = node_peer() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = payload(3000, "from-them");
    let hexfile = dir.path().join("p.hex");
    std::fs::write(&hexfile, hex(&data)).unwrap();
    let out = Command::new(&node)
        .arg(&script)
        .args([
            "encode",
            "crypto-psbt",
            &hexfile.display().to_string(),
            "100",
            "200",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parts: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let n: usize = parts[0]
        .split('/')
        .nth(1)
        .unwrap()
        .split('-')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut a = Assembler::new();
    let mut used = 0;
    for p in parts.iter().skip(n) {
        used += 1;
        a.add(p).unwrap();
        if a.payload().is_some() {
            break;
        }
    }
    assert_eq!(a.payload().expect("complete from mixed parts").data, data);
    // The elimination decoder needs barely more than n parts even without any pure fragment.
    assert!(used <= n + 15, "{used} mixed parts for {n} fragments");
}
