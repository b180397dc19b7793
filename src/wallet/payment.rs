//! What a person types for a payment: `ADDR:AMOUNT`, with the address checked against the
//! wallet's network and the amount in sats or BTC.
use bitcoin::address::NetworkUnchecked;
use bitcoin::{Address, Amount, Denomination, Network};

use super::WalletError;
use crate::sanitize::escape;

/// Parse `ADDR:AMOUNT` (`bc1q…:15000`, `bc1q…:0.001btc`).
pub fn parse_payment(s: &str, net: Network) -> Result<(Address, Amount), WalletError> {
    let (addr, amt) = s
        .rsplit_once(':')
        .ok_or_else(|| WalletError::BadPayment(escape(s)))?;
    Ok((parse_address(addr, net)?, parse_amount(amt)?))
}

/// Parse an address and require it to be for `net`.
pub fn parse_address(addr: &str, net: Network) -> Result<Address, WalletError> {
    let bad = || WalletError::BadAddress {
        address: escape(addr),
        network: net,
    };
    let a: Address<NetworkUnchecked> = addr.parse().map_err(|_| bad())?;
    a.require_network(net).map_err(|_| bad())
}

/// `1000`, `1000sat`, `0.001btc`.
pub fn parse_amount(s: &str) -> Result<Amount, WalletError> {
    let t = s.trim().to_ascii_lowercase();
    let r = if let Some(b) = t.strip_suffix("btc") {
        Amount::from_str_in(b.trim(), Denomination::Bitcoin)
    } else {
        let n = t.trim_end_matches("sats").trim_end_matches("sat");
        Amount::from_str_in(n.trim(), Denomination::Satoshi)
    };
    r.map_err(|_| WalletError::BadAmount(escape(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("15000").unwrap().to_sat(), 15000);
        assert_eq!(parse_amount("15000sat").unwrap().to_sat(), 15000);
        assert_eq!(parse_amount("0.001btc").unwrap().to_sat(), 100_000);
        assert_eq!(parse_amount("0.001BTC").unwrap().to_sat(), 100_000);
        assert!(parse_amount("1.5").is_err());
        assert!(parse_amount("-5").is_err());
    }

    #[test]
    fn payments_check_the_network() {
        let a = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        assert!(parse_payment(&format!("{a}:1000"), Network::Regtest).is_ok());
        assert!(parse_payment(&format!("{a}:1000"), Network::Bitcoin).is_err());
        assert!(parse_payment(a, Network::Regtest).is_err());
    }
}
