//! BIP388 wallet policies: a descriptor template with key placeholders (`@0/**`,
//! `@1/<2;3>/*`) and a key information vector (`[fp/path]xpub`), the form Ledger and other
//! signers register. The rules (placeholders in order, none skipped, disjoint paths per key, keys
//! pairwise distinct, only `/**` or `/<a;b>/*` after a placeholder, no raw keys in the template)
//! are checked by the miniscript crate's `WalletPolicy`; this module reads and writes the JSON
//! airsign exports:
//!
//! ```json
//! {"name": "treasury", "descriptor_template": "wsh(sortedmulti(2,@0/**,@1/**))",
//!  "keys_info": ["[73c5da0a/48'/1'/0'/2']tpub…", "[…]tpub…"]}
//! ```
//!
//! (field names as in BIP388's test vectors). Not expressible: descriptors with raw keys (a
//! taproot NUMS internal key among them) and what miniscript does not parse (`sortedmulti_a`,
//! `musig`).
use std::str::FromStr;

use miniscript::descriptor::{Descriptor, DescriptorPublicKey, KeyInfo, WalletPolicy};
use serde::{Deserialize, Serialize};

use super::SetupError;
use crate::sanitize::escape;

/// A wallet policy as exported: template and key information, with the wallet's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// The wallet's name (not part of BIP388; signers that register policies ask for one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The descriptor template, e.g. `wsh(sortedmulti(2,@0/**,@1/**))`.
    pub descriptor_template: String,
    /// Key information, `keys_info[i]` filling `@i`.
    pub keys_info: Vec<String>,
}

fn bad(e: impl std::fmt::Display) -> SetupError {
    SetupError::WalletPolicy(escape(&e.to_string()))
}

/// Check a template alone (no keys): BIP388's placeholder rules.
pub fn parse_template(template: &str) -> Result<WalletPolicy, SetupError> {
    let p = WalletPolicy::from_str(template.trim()).map_err(bad)?;
    if !p.key_info().is_empty() {
        return Err(bad(
            "a template names keys by placeholder (@0/**), not by xpub",
        ));
    }
    Ok(p)
}

/// A policy from its template and key information (SLIP-132 keys accepted).
pub fn from_parts(template: &str, keys: &[String]) -> Result<WalletPolicy, SetupError> {
    let mut p = parse_template(template)?;
    if keys.len() != p.n_keys() {
        return Err(bad(format!(
            "the template has {} key placeholders but {} keys are given",
            p.n_keys(),
            keys.len()
        )));
    }
    let infos = keys
        .iter()
        .map(|k| KeyInfo::from_str(&crate::wallet::slip132::normalize(k.trim()).0).map_err(bad))
        .collect::<Result<Vec<_>, _>>()?;
    p.set_key_info(infos).map_err(bad)?;
    Ok(p)
}

/// The descriptor a policy stands for.
pub fn to_descriptor(p: &WalletPolicy) -> Result<Descriptor<DescriptorPublicKey>, SetupError> {
    p.clone().into_descriptor().map_err(bad)
}

impl PolicyFile {
    /// The policy of a descriptor (every key an xpub ending in `/<a;b>/*`).
    pub fn for_descriptor(
        name: Option<&str>,
        d: &Descriptor<DescriptorPublicKey>,
    ) -> Result<Self, SetupError> {
        let p = WalletPolicy::from_descriptor(d).map_err(bad)?;
        Ok(PolicyFile {
            name: name.map(str::to_owned),
            descriptor_template: p.to_string(),
            keys_info: p.key_info().iter().map(ToString::to_string).collect(),
        })
    }

    /// Parse the JSON.
    pub fn parse(bytes: &[u8]) -> Result<Self, SetupError> {
        serde_json::from_slice(bytes).map_err(bad)
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plain data serializes");
        s.push('\n');
        s
    }

    /// The descriptor, after every BIP388 check.
    pub fn descriptor(&self) -> Result<Descriptor<DescriptorPublicKey>, SetupError> {
        to_descriptor(&from_parts(&self.descriptor_template, &self.keys_info)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_with_an_xpub_in_it_is_not_a_template() {
        let full = "wpkh([6738736c/84'/0'/2']xpub6CRQzb8u9dmMcq5XAwwRn9gcoYCjndJkhKgD11WKzbVGd932UmrExWFxCAvRnDN3ez6ZujLmMvmLBaSWdfWVn75L83Qxu1qSX4fJNrJg2Gt/<0;1>/*)";
        assert!(parse_template(full).is_err());
        assert_eq!(parse_template("wpkh(@0/**)").unwrap().n_keys(), 1);
        assert!(from_parts("wpkh(@0/**)", &[]).is_err());
    }
}
