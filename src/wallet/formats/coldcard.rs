//! The Coldcard multisig set-up file (what Coldcard exports and imports from SD or NFC, what
//! Sparrow exports as "Coldcard Multisig", what SeedSigner reads from `ur:bytes` and Jade as
//! `multisig_file`):
//!
//! ```text
//! # Coldcard Multisig setup file (created by airsign)
//! #
//! Name: treasury
//! Policy: 2 of 3
//! Format: P2WSH
//!
//! Derivation: m/48'/1'/0'/2'
//!
//! 73C5DA0A: tpubDF…
//! ```
//!
//! Read as Coldcard's firmware reads it (`shared/multisig.py`, `from_file`): `#` starts a comment
//! (unless followed by a digit), labels are case-insensitive, `Policy` accepts `2 of 3`, `2/3`,
//! …, `Format` is `P2SH` (the default when absent), `P2WSH`, `P2SH-P2WSH` or `P2WSH-P2SH`,
//! `Derivation` applies to the key lines after it, and a key line is `XFP: xpub` (SLIP-132 forms
//! accepted). Names are 1–20 ASCII characters and M ≤ N ≤ 15, as on the device.
use std::str::FromStr;

use bitcoin::bip32::{DerivationPath, Fingerprint, Xpub};
use miniscript::descriptor::{Descriptor, DescriptorPublicKey, ShInner, WshInner};

use super::SetupError;
use crate::sanitize::escape;

/// Coldcard's limit on cosigners (`MAX_SIGNERS`).
pub const MAX_SIGNERS: usize = 15;
/// Longest wallet name Coldcard accepts.
pub const MAX_NAME: usize = 20;

/// The address format line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `sh(sortedmulti)`.
    P2sh,
    /// `sh(wsh(sortedmulti))`.
    P2shP2wsh,
    /// `wsh(sortedmulti)`.
    P2wsh,
}

impl Format {
    fn label(self) -> &'static str {
        match self {
            Format::P2sh => "P2SH",
            Format::P2shP2wsh => "P2SH-P2WSH",
            Format::P2wsh => "P2WSH",
        }
    }
}

/// One cosigner line with the derivation in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Master fingerprint.
    pub fingerprint: Fingerprint,
    /// Path from the master to the xpub.
    pub path: DerivationPath,
    /// The xpub (xpub/tpub form).
    pub xpub: Xpub,
}

/// A Coldcard multisig file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColdcardFile {
    /// Wallet name.
    pub name: String,
    /// Signatures required.
    pub m: usize,
    /// Address format.
    pub format: Format,
    /// Cosigners in file order.
    pub keys: Vec<Key>,
}

fn bad<T>(msg: impl Into<String>) -> Result<T, SetupError> {
    Err(SetupError::Coldcard(msg.into()))
}

/// Whether `name` is a name Coldcard accepts.
pub fn name_fits(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}

/// Whether `text` looks like a Coldcard multisig file (a `Policy:` or `Format:` line and an
/// `XFP: key` line).
pub fn looks_like(text: &str) -> bool {
    let mut header = false;
    let mut key = false;
    for l in text.lines().map(str::trim) {
        let lower = l.to_ascii_lowercase();
        header |= lower.starts_with("policy:") || lower.starts_with("format:");
        key |= l.split_once(':').is_some_and(|(a, b)| {
            a.len() == 8 && a.bytes().all(|c| c.is_ascii_hexdigit()) && b.contains("pub")
        });
    }
    header && key
}

/// The format, threshold and keys of a `sortedmulti` in `sh`, `wsh` or `sh(wsh)`.
fn sorted_multi(
    d: &Descriptor<DescriptorPublicKey>,
) -> Option<(Format, usize, &[DescriptorPublicKey])> {
    let (format, s) = match d {
        Descriptor::Wsh(w) => match w.as_inner() {
            WshInner::SortedMulti(s) => (Format::P2wsh, s),
            WshInner::Ms(_) => return None,
        },
        Descriptor::Sh(sh) => match sh.as_inner() {
            ShInner::Wsh(w) => match w.as_inner() {
                WshInner::SortedMulti(s) => (Format::P2shP2wsh, s),
                WshInner::Ms(_) => return None,
            },
            ShInner::SortedMulti(s) => return Some((Format::P2sh, s.k(), s.pks())),
            _ => return None,
        },
        _ => return None,
    };
    Some((format, s.k(), s.pks()))
}

impl ColdcardFile {
    /// The file for a descriptor: `sortedmulti` in `sh`, `wsh` or `sh(wsh)`, every key
    /// `[fp/path]xpub/<0;1>/*`. Errors say why a wallet has no Coldcard form.
    pub fn for_descriptor(
        name: &str,
        d: &Descriptor<DescriptorPublicKey>,
    ) -> Result<Self, SetupError> {
        let shape = sorted_multi(d);
        if shape.is_some() && !name_fits(name) {
            return bad(format!(
                "the name must be 1 to {MAX_NAME} ASCII characters for Coldcard (rename with --name)"
            ));
        }
        let (format, m, smv) = shape.ok_or_else(|| {
            SetupError::Coldcard("Coldcard's file holds sortedmulti wallets only".into())
        })?;
        let mut keys = Vec::with_capacity(smv.len());
        for k in smv {
            let ok = match k {
                DescriptorPublicKey::MultiXPub(x)
                    if x.derivation_paths
                        .paths()
                        .iter()
                        .map(|p| p.to_string())
                        .eq(["0", "1"])
                        && x.wildcard == miniscript::descriptor::Wildcard::Unhardened =>
                {
                    x.origin.clone().map(|(fingerprint, path)| Key {
                        fingerprint,
                        path,
                        xpub: x.xkey,
                    })
                }
                _ => None,
            };
            keys.push(ok.ok_or_else(|| {
                SetupError::Coldcard(
                    "every key must be [fingerprint/path]xpub/<0;1>/* for Coldcard".into(),
                )
            })?);
        }
        if keys.len() > MAX_SIGNERS {
            return bad(format!("Coldcard holds at most {MAX_SIGNERS} cosigners"));
        }
        Ok(ColdcardFile {
            name: name.to_owned(),
            m,
            format,
            keys,
        })
    }

    /// The file text, laid out as Coldcard exports it (one `Derivation:` line per run of keys
    /// that share one), ending in a newline.
    pub fn render(&self) -> String {
        let mut s = format!(
            "# Coldcard Multisig setup file (created by airsign)\n#\nName: {}\nPolicy: {} of {}\nFormat: {}\n",
            self.name,
            self.m,
            self.keys.len(),
            self.format.label()
        );
        let mut last: Option<&DerivationPath> = None;
        for k in &self.keys {
            if last != Some(&k.path) {
                s.push_str(&format!("\nDerivation: m/{}\n\n", k.path));
                last = Some(&k.path);
            }
            s.push_str(&format!(
                "{}: {}\n",
                k.fingerprint.to_string().to_uppercase(),
                k.xpub
            ));
        }
        s
    }

    /// The multipath descriptor (`/<0;1>/*` on every key), without checksum.
    pub fn descriptor(&self) -> String {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("[{}/{}]{}/<0;1>/*", k.fingerprint, k.path, k.xpub))
            .collect();
        let inner = format!("sortedmulti({},{})", self.m, keys.join(","));
        match self.format {
            Format::P2sh => format!("sh({inner})"),
            Format::P2shP2wsh => format!("sh(wsh({inner}))"),
            Format::P2wsh => format!("wsh({inner})"),
        }
    }

    /// Parse a file as Coldcard does.
    pub fn parse(text: &str) -> Result<Self, SetupError> {
        if text.len() > 64 * 1024 {
            return bad("larger than any multisig file");
        }
        let mut name = None;
        let mut policy = None;
        let mut format = Format::P2sh;
        let mut deriv: Option<DerivationPath> = None;
        let mut keys = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            // Sparrow writes per-key derivations as "# derivation: m/…" comments (and reads
            // them back); Coldcard would skip them.
            let sparrow = raw
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("# derivation:");
            let mut ln = if sparrow { &raw.trim_start()[2..] } else { raw };
            if let Some(c) = ln.find('#') {
                if c == 0 {
                    continue;
                }
                if !ln[c + 1..].starts_with(|ch: char| ch.is_ascii_digit()) {
                    ln = &ln[..c];
                }
            }
            let ln = ln.trim();
            let Some((label, value)) = ln.split_once(':') else {
                if ln.contains("pub") {
                    return bad(format!(
                        "line {line_no}: a key needs its fingerprint (XFP: xpub)"
                    ));
                }
                continue;
            };
            let value = value.trim();
            match label.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(value.to_owned()),
                "policy" => {
                    let nums: Vec<usize> = value
                        .split(|c: char| !c.is_ascii_digit())
                        .filter(|s| !s.is_empty())
                        .take(2)
                        .map(|s| s.parse().unwrap_or(usize::MAX))
                        .collect();
                    match nums[..] {
                        [m, n] => policy = Some((m, n)),
                        _ => return bad(format!("line {line_no}: the policy is \"M of N\"")),
                    }
                }
                "derivation" => {
                    let p = value
                        .strip_prefix("m/")
                        .or_else(|| value.strip_prefix("M/"))
                        .unwrap_or(if value == "m" { "" } else { value });
                    deriv = Some(
                        DerivationPath::from_str(&p.replace(['h', 'H'], "'")).map_err(|_| {
                            SetupError::Coldcard(format!("line {line_no}: not a derivation path"))
                        })?,
                    );
                }
                "format" => {
                    format = match value.to_ascii_lowercase().as_str() {
                        "p2sh" => Format::P2sh,
                        "p2wsh" => Format::P2wsh,
                        "p2sh-p2wsh" | "p2wsh-p2sh" => Format::P2shP2wsh,
                        _ => {
                            return bad(format!(
                                "line {line_no}: the format is P2SH, P2WSH or P2SH-P2WSH, not {}",
                                escape(value)
                            ))
                        }
                    }
                }
                l if l.len() == 8 && l.bytes().all(|c| c.is_ascii_hexdigit()) => {
                    let fingerprint = Fingerprint::from_str(l).map_err(|_| {
                        SetupError::Coldcard(format!("line {line_no}: not a fingerprint"))
                    })?;
                    let (xpub_text, _) = crate::wallet::slip132::normalize(value);
                    let xpub = Xpub::from_str(&xpub_text).map_err(|_| {
                        SetupError::Coldcard(format!("line {line_no}: not an extended public key"))
                    })?;
                    let path = deriv.clone().ok_or_else(|| {
                        SetupError::Coldcard(format!(
                            "line {line_no}: a key before any Derivation: line"
                        ))
                    })?;
                    if path.len() != usize::from(xpub.depth) {
                        return bad(format!(
                            "line {line_no}: the derivation has {} steps but the xpub's depth is {}",
                            path.len(),
                            xpub.depth
                        ));
                    }
                    keys.push(Key {
                        fingerprint,
                        path,
                        xpub,
                    });
                }
                _ => {}
            }
        }
        if keys.is_empty() {
            return bad("no XFP: xpub lines");
        }
        let (m, n) = policy.unwrap_or((keys.len(), keys.len()));
        if !(1 <= m && m <= n && n <= MAX_SIGNERS) {
            return bad(format!(
                "the policy {m} of {n} is not 1 ≤ M ≤ N ≤ {MAX_SIGNERS}"
            ));
        }
        if n != keys.len() {
            return bad(format!(
                "the policy says {n} keys but the file has {}",
                keys.len()
            ));
        }
        let name = name.unwrap_or_else(|| format!("{m}-of-{n}"));
        if !name_fits(&name) {
            return bad(format!("the name must be 1 to {MAX_NAME} ASCII characters"));
        }
        Ok(ColdcardFile {
            name,
            m,
            format,
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TPUB: &str = "tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";

    #[test]
    fn coldcard_forms_read_like_the_firmware() {
        // Lower-case labels, an inline comment, "2/3"-style policy, the obsolete format alias,
        // no Name (default "M-of-N").
        let text = format!(
            "# exported\npolicy: 1/1\nformat: p2wsh-p2sh # nested\nderivation: m/84h/1h/0h\n73c5da0a: {TPUB}\n"
        );
        let f = ColdcardFile::parse(&text).unwrap();
        assert_eq!(f.name, "1-of-1");
        assert_eq!(f.format, Format::P2shP2wsh);
        assert_eq!(f.keys[0].path.to_string(), "84'/1'/0'");
        assert!(looks_like(&text));
        // The rendered form reads back the same.
        assert_eq!(ColdcardFile::parse(&f.render()).unwrap(), f);
        // Sparrow's export with one derivation per key, as "# derivation:" comments.
        let sparrow = format!(
            "# Coldcard Multisig setup file (created by Sparrow)\n#\nName: s\nPolicy: 1 of 1\nFormat: P2WSH\n\n# derivation: m/84'/1'/0'\n73C5DA0A: {TPUB}\n\n"
        );
        assert_eq!(
            ColdcardFile::parse(&sparrow).unwrap().keys[0]
                .path
                .to_string(),
            "84'/1'/0'"
        );
    }

    #[test]
    fn inconsistent_files_are_refused() {
        let key = format!("Derivation: m/84'/1'/0'\n73C5DA0A: {TPUB}\n");
        assert!(ColdcardFile::parse(&format!("Policy: 2 of 1\n{key}")).is_err());
        assert!(ColdcardFile::parse(&format!("Policy: 1 of 2\n{key}")).is_err());
        // Depth 3 xpub under a 4-step derivation.
        assert!(
            ColdcardFile::parse(&format!("Derivation: m/48'/1'/0'/2'\n73C5DA0A: {TPUB}\n"))
                .is_err()
        );
        assert!(ColdcardFile::parse(&format!("73C5DA0A: {TPUB}\n")).is_err());
        assert!(
            ColdcardFile::parse(&format!("Name: a name far longer than twenty\n{key}")).is_err()
        );
        assert!(!name_fits("trésor"));
    }
}
