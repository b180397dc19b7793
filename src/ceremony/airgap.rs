//! Is this machine air-gapped? Each check reads files the kernel publishes (`/sys/class/net`,
//! `/proc/net/route`, `/sys/class/rfkill`, `/proc/swaps`, `/proc/self/limits`), under a root
//! folder that is `/` on a real machine and a recorded layout in tests, so every answer can be
//! tested on machines the CI never was.
//!
//! What this cannot see: a network card the kernel has no driver for, a radio without rfkill
//! support, a USB device plugged in after the check, firmware that talks on its own. It checks
//! the state the operating system reports, nothing more (docs/ceremony.md says what to do by hand).
use std::path::Path;

use serde::Serialize;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As an air-gapped machine should be.
    Pass,
    /// Not as it should be.
    Fail,
    /// Worth knowing, not a failure (or could not be read).
    Warn,
}

/// One check: a stable name, its status, whether a failure fails the whole check, and what was
/// seen (machine text: escape before showing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable name (`network-interfaces`, `default-route`, …).
    pub name: &'static str,
    /// The outcome.
    pub status: Status,
    /// Whether a `fail` here makes the machine not air-gapped.
    pub required: bool,
    /// What was seen.
    pub detail: String,
}

/// All checks, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The root folder the state was read from (`/` on a real machine).
    pub root: String,
    /// Every check.
    pub checks: Vec<Check>,
}

impl Report {
    /// True when no required check failed.
    pub fn passed(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| c.required && c.status == Status::Fail)
    }

    /// The names of the required checks that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| c.required && c.status == Status::Fail)
            .map(|c| c.name)
            .collect()
    }
}

/// What the binary check compares: the running binary's SHA-256 and the one expected.
#[derive(Debug, Clone)]
pub struct BinaryCheck {
    /// Hex SHA-256 of the running binary (None: it could not be read).
    pub actual: Option<String>,
    /// Hex SHA-256 the operator expects (`--expect-sha256`).
    pub expected: Option<String>,
}

/// Run every check against the state under `root`.
pub fn check(root: &Path, binary: &BinaryCheck) -> Report {
    let checks = vec![
        interfaces(root),
        default_route(root),
        radios(root),
        swap(root),
        core_dumps(root),
        binary_hash(binary),
    ];
    Report {
        root: root.display().to_string(),
        checks,
    }
}

fn read(root: &Path, rel: &str) -> Option<String> {
    // Kernel files are small; a recorded layout that is not is not one to trust.
    let path = root.join(rel);
    let bytes = crate::fsutil::read_limited(&path, 1 << 20).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn list(root: &Path, rel: &str) -> Option<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(rel))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Some(names)
}

/// IFF_UP in `/sys/class/net/IF/flags`.
const IFF_UP: u64 = 0x1;

fn interfaces(root: &Path) -> Check {
    let name = "network-interfaces";
    let Some(ifaces) = list(root, "sys/class/net") else {
        return Check {
            name,
            status: Status::Warn,
            required: true,
            detail: "cannot list /sys/class/net".into(),
        };
    };
    let mut up = Vec::new();
    let mut down = Vec::new();
    for i in ifaces.iter().filter(|i| i.as_str() != "lo") {
        let flags = read(root, &format!("sys/class/net/{i}/flags"))
            .and_then(|f| u64::from_str_radix(f.trim().trim_start_matches("0x"), 16).ok());
        let oper = read(root, &format!("sys/class/net/{i}/operstate"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let wireless = root.join(format!("sys/class/net/{i}/wireless")).exists()
            || root.join(format!("sys/class/net/{i}/phy80211")).exists();
        let kind = if wireless { " (wireless)" } else { "" };
        // Administratively up is what matters: a cable plugged in later brings an up interface
        // online without anyone typing a command.
        match flags {
            Some(f) if f & IFF_UP != 0 => up.push(format!("{i}{kind} is up (link {oper})")),
            Some(_) => down.push(format!("{i}{kind} down")),
            None => up.push(format!("{i}{kind}: flags unreadable, taken as up")),
        }
    }
    if up.is_empty() {
        Check {
            name,
            status: Status::Pass,
            required: true,
            detail: if down.is_empty() {
                "no interface but loopback".into()
            } else {
                format!("only loopback is up; {}", down.join(", "))
            },
        }
    } else {
        Check {
            name,
            status: Status::Fail,
            required: true,
            detail: format!(
                "{}: take it down (ip link set DEV down) or remove the hardware",
                up.join("; ")
            ),
        }
    }
}

fn default_route(root: &Path) -> Check {
    let name = "default-route";
    let mut found = Vec::new();
    let v4 = read(root, "proc/net/route");
    if let Some(text) = &v4 {
        // Iface Destination Gateway Flags …: destination 00000000 is the default route; any
        // route through a gateway (RTF_GATEWAY, 0x2) reaches past the link too, e.g. the
        // 0.0.0.0/1 + 128.0.0.0/1 pair VPNs install instead of a default route.
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let gateway = f
                .get(3)
                .and_then(|x| u32::from_str_radix(x, 16).ok())
                .is_some_and(|fl| fl & 0x2 != 0);
            if f.len() > 3 && f[0] != "lo" && (f[1] == "00000000" || gateway) {
                found.push(format!("IPv4 route to {} via {}", f[1], f[0]));
            }
        }
    }
    let v6 = read(root, "proc/net/ipv6_route");
    if let Some(text) = &v6 {
        // dest prefixlen src srclen next metric refcnt use flags iface: ::/0, or any route
        // through a gateway (RTF_GATEWAY, 0x2; e.g. ::/1 + 8000::/1), not on lo.
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[9] == "lo" {
                continue;
            }
            let Ok(flags) = u32::from_str_radix(f[8], 16) else {
                continue;
            };
            // RTF_REJECT (0x200): the kernel's "unreachable" placeholder, not a route.
            let default = f[0].chars().all(|c| c == '0') && f[1] == "00";
            if flags & 0x200 == 0 && (default || flags & 0x2 != 0) {
                found.push(format!("IPv6 route to {}/{} via {}", f[0], f[1], f[9]));
            }
        }
    }
    match (found.is_empty(), v4.is_some() || v6.is_some()) {
        (true, true) => Check {
            name,
            status: Status::Pass,
            required: true,
            detail: "no default route".into(),
        },
        (true, false) => Check {
            name,
            status: Status::Warn,
            required: true,
            detail: "cannot read /proc/net/route or /proc/net/ipv6_route".into(),
        },
        (false, _) => Check {
            name,
            status: Status::Fail,
            required: true,
            detail: found.join("; "),
        },
    }
}

fn radios(root: &Path) -> Check {
    let name = "radios-blocked";
    let devices = list(root, "sys/class/rfkill").unwrap_or_default();
    let mut open = Vec::new();
    let mut blocked = Vec::new();
    for d in &devices {
        let kind = read(root, &format!("sys/class/rfkill/{d}/type"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let flag =
            |f: &str| read(root, &format!("sys/class/rfkill/{d}/{f}")).map(|s| s.trim() == "1");
        let is_blocked = flag("soft") == Some(true) || flag("hard") == Some(true);
        let label = format!("{kind} ({d})");
        if is_blocked {
            blocked.push(label);
        } else {
            open.push(label);
        }
    }
    if !open.is_empty() {
        Check {
            name,
            status: Status::Fail,
            required: true,
            detail: format!(
                "not blocked: {} (rfkill block all, or switch the radio off)",
                open.join(", ")
            ),
        }
    } else if devices.is_empty() {
        Check {
            name,
            status: Status::Pass,
            required: true,
            detail: "no radio reported by rfkill".into(),
        }
    } else {
        Check {
            name,
            status: Status::Pass,
            required: true,
            detail: format!("blocked: {}", blocked.join(", ")),
        }
    }
}

fn swap(root: &Path) -> Check {
    let name = "swap";
    let Some(text) = read(root, "proc/swaps") else {
        return Check {
            name,
            status: Status::Warn,
            required: true,
            detail: "cannot read /proc/swaps".into(),
        };
    };
    let mut plain = Vec::new();
    let mut safe = Vec::new();
    for line in text.lines().skip(1) {
        let Some(dev) = line.split_whitespace().next() else {
            continue;
        };
        // /proc/swaps escapes spaces as \040; the name is only shown.
        let base = dev.rsplit('/').next().unwrap_or(dev);
        if base.starts_with("zram") {
            safe.push(format!("{dev} (compressed RAM)"));
        } else if base.starts_with("dm-") && is_crypt(root, base) {
            safe.push(format!("{dev} (dm-crypt)"));
        } else {
            plain.push(dev.to_owned());
        }
    }
    if !plain.is_empty() {
        Check {
            name,
            status: Status::Fail,
            required: true,
            detail: format!(
                "unencrypted swap: {} (a seed paged out stays on disk: swapoff -a, or encrypt it)",
                plain.join(", ")
            ),
        }
    } else if safe.is_empty() {
        Check {
            name,
            status: Status::Pass,
            required: true,
            detail: "no swap".into(),
        }
    } else {
        Check {
            name,
            status: Status::Pass,
            required: true,
            detail: format!("only encrypted or RAM swap: {}", safe.join(", ")),
        }
    }
}

/// A device-mapper device is dm-crypt when its uuid starts with `CRYPT-` (what cryptsetup sets).
fn is_crypt(root: &Path, dm: &str) -> bool {
    read(root, &format!("sys/block/{dm}/dm/uuid")).is_some_and(|u| u.starts_with("CRYPT-"))
}

fn core_dumps(root: &Path) -> Check {
    let name = "core-dumps";
    // airsign sets its own limit to 0 and marks itself non-dumpable before anything else runs
    // (secrets::harden); this reads back what the kernel holds for the process.
    let limit = read(root, "proc/self/limits").and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("Max core file size"))
            .and_then(|l| l.split_whitespace().nth(4).map(str::to_owned))
    });
    let pattern = read(root, "proc/sys/kernel/core_pattern").map(|s| s.trim().to_owned());
    let handler = match &pattern {
        Some(p) if p.starts_with('|') => format!("; kernel pipes dumps to {p}"),
        _ => String::new(),
    };
    match limit.as_deref() {
        Some("0") => Check {
            name,
            status: Status::Pass,
            required: true,
            detail: format!("this process cannot dump core (limit 0){handler}"),
        },
        Some(l) => Check {
            name,
            status: Status::Fail,
            required: true,
            detail: format!("core dumps possible (limit {l}){handler}: ulimit -c 0"),
        },
        None => Check {
            name,
            status: Status::Warn,
            required: true,
            detail: "cannot read the core dump limit".into(),
        },
    }
}

fn binary_hash(b: &BinaryCheck) -> Check {
    let name = "binary-sha256";
    match (&b.expected, &b.actual) {
        (None, Some(a)) => Check {
            name,
            status: Status::Warn,
            required: false,
            detail: format!("{a} (not compared: give --expect-sha256 from the release you trust)"),
        },
        (None, None) => Check {
            name,
            status: Status::Warn,
            required: false,
            detail: "cannot read the running binary".into(),
        },
        (Some(e), Some(a)) if e.eq_ignore_ascii_case(a) => Check {
            name,
            status: Status::Pass,
            required: true,
            detail: format!("{a} as expected"),
        },
        (Some(e), Some(a)) => Check {
            name,
            status: Status::Fail,
            required: true,
            detail: format!("{a}, expected {e}: this is not the binary you meant to run"),
        },
        (Some(e), None) => Check {
            name,
            status: Status::Fail,
            required: true,
            detail: format!("cannot read the running binary to compare with {e}"),
        },
    }
}

/// Hex SHA-256 of the running executable.
pub fn own_sha256() -> Option<String> {
    super::runner::file_sha256(&std::env::current_exe().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn layout(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (p, c) in files {
            let path = d.path().join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, c).unwrap();
        }
        d
    }

    const ROUTE_HDR: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n";

    #[test]
    fn an_up_ethernet_card_and_its_default_route_fail() {
        let d = layout(&[
            ("sys/class/net/lo/flags", "0x9\n"),
            ("sys/class/net/eth0/flags", "0x1003\n"),
            ("sys/class/net/eth0/operstate", "up\n"),
            (
                "proc/net/route",
                &format!("{ROUTE_HDR}eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\n"),
            ),
        ]);
        let r = check(
            d.path(),
            &BinaryCheck {
                actual: None,
                expected: None,
            },
        );
        assert!(!r.passed());
        assert!(r.failed().contains(&"network-interfaces"));
        assert!(r.failed().contains(&"default-route"));
    }

    /// Adversarial pass 6, F13: the two half-routes a VPN installs instead of a default route.
    #[test]
    fn split_default_routes_through_a_gateway_fail() {
        let d = layout(&[(
            "proc/net/ipv6_route",
            "00000000000000000000000000000000 01 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n\
             80000000000000000000000000000000 01 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n",
        )]);
        assert_eq!(default_route(d.path()).status, Status::Fail);
        let d = layout(&[(
            "proc/net/route",
            &format!("{ROUTE_HDR}tun0\t00000080\t0100000A\t0003\t0\t0\t0\t00000080\n"),
        )]);
        assert_eq!(default_route(d.path()).status, Status::Fail);
    }

    #[test]
    fn a_dm_crypt_swap_passes_and_a_swap_file_fails() {
        let hdr = "Filename\tType\tSize\tUsed\tPriority\n";
        let d = layout(&[
            (
                "proc/swaps",
                &format!("{hdr}/dev/dm-1 partition 100 0 -2\n"),
            ),
            ("sys/block/dm-1/dm/uuid", "CRYPT-LUKS2-abc-swap\n"),
        ]);
        assert_eq!(swap(d.path()).status, Status::Pass);
        let d = layout(&[("proc/swaps", &format!("{hdr}/swapfile file 100 0 -2\n"))]);
        assert_eq!(swap(d.path()).status, Status::Fail);
    }

    #[test]
    fn an_unblocked_radio_fails_and_a_soft_blocked_one_passes() {
        let d = layout(&[
            ("sys/class/rfkill/rfkill0/type", "wlan\n"),
            ("sys/class/rfkill/rfkill0/soft", "0\n"),
            ("sys/class/rfkill/rfkill0/hard", "0\n"),
        ]);
        assert_eq!(radios(d.path()).status, Status::Fail);
        let d = layout(&[
            ("sys/class/rfkill/rfkill0/type", "bluetooth\n"),
            ("sys/class/rfkill/rfkill0/soft", "1\n"),
            ("sys/class/rfkill/rfkill0/hard", "0\n"),
        ]);
        assert_eq!(radios(d.path()).status, Status::Pass);
    }

    #[test]
    fn the_binary_hash_fails_only_when_it_differs_from_the_expected_one() {
        let b = |a: &str, e: Option<&str>| BinaryCheck {
            actual: Some(a.into()),
            expected: e.map(Into::into),
        };
        assert_eq!(binary_hash(&b("ab", Some("AB"))).status, Status::Pass);
        assert_eq!(binary_hash(&b("ab", Some("cd"))).status, Status::Fail);
        let c = binary_hash(&b("ab", None));
        assert_eq!((c.status, c.required), (Status::Warn, false));
    }
}
