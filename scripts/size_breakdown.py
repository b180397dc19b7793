"""Where a release binary's code goes, per crate: sums the sizes of the text and read-only data
symbols that `nm` reports, grouped by the crate each demangled symbol's path starts with
(generic code is counted under the crate that defined it, wherever it was instantiated).
usage: python3 scripts/size_breakdown.py target/release/airsign [TOP]
The binary must not be stripped (the release profile keeps symbols; docs/dependencies.md).
"""
import collections
import re
import subprocess
import sys


def crate_of(name):
    # "<T as core::fmt::Debug>::fmt" is attributed to T's crate; "_ZN…" leftovers and C symbols
    # (secp256k1-sys, bitcoinconsensus, zlib) are grouped by their prefix.
    name = name.lstrip("<&*(")
    for prefix in ("mut ", "dyn ", "impl "):
        if name.startswith(prefix):
            name = name[len(prefix):].lstrip("<&*(")
    # `std[e28293b1aa0f68bd]::…`: a crate name with its disambiguator.
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::", name)
    if m:
        return m.group(1)
    if name.startswith("ring_core_") or name.startswith("ecp_nistz256") or name.startswith("fe_") \
            or name.startswith("ge_") or name.startswith("x25519_"):
        return "ring"
    if name.startswith("rustsecp256k1"):
        return "secp256k1_sys (C)"
    # bitcoinconsensus vendors its own libsecp256k1, with the unprefixed names.
    if name.startswith("secp256k1_") or name.startswith("bitcoinconsensus") or name.startswith("_Z"):
        return "bitcoinconsensus (C++ and its own libsecp256k1)"
    return "(other: C/C++ runtime, unnamed)"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    out = subprocess.run(
        ["nm", "--print-size", "--size-sort", path],
        check=True, capture_output=True, text=True,
    ).stdout
    sizes = collections.Counter()
    mangled = [line.split(" ", 3) for line in out.splitlines()]
    mangled = [p for p in mangled if len(p) == 4 and p[2] in "tTrRdD"]
    # Rust's legacy mangling starts _ZN like C++'s: demangle Rust names only, keep C++ ones.
    demangled = subprocess.run(
        ["c++filt", "--format=rust"], input="\n".join(p[3] for p in mangled),
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    for p, name in zip(mangled, demangled):
        sizes[crate_of(name)] += int(p[1], 16)
    total = sum(sizes.values())
    print(f"{'crate':<34} {'bytes':>10} {'share':>7}")
    for crate, n in sizes.most_common(top):
        print(f"{crate:<34} {n:>10,} {100 * n / total:>6.1f}%")
    print(f"{'(all symbols)':<34} {total:>10,}")


if __name__ == "__main__":
    main()
