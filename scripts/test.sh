#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, clippy, then every test (unit, vectors, CLI,
# round trips, Bitcoin Core's script interpreter through the bitcoinconsensus crate, and the
# Python peer embit in a local venv). Peers are installed here, never assumed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python peer (embit) in a project-local venv. Under CI=true a missing peer fails the run.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import embit" 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check "embit==0.8.0" || {
    echo "scripts/test.sh: could not install the embit peer" >&2
    [ "${CI:-}" = "true" ] && exit 1
  }
fi
export AIRSIGN_PYTHON="$PWD/.venv/bin/python"

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
