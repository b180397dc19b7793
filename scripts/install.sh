#!/usr/bin/env bash
# Install airsign from this source tree, for machines that may never go online: the binary
# (cargo install --path . --locked, with --offline when the crates are vendored or already in
# ~/.cargo), shell completions and man pages, each into a prefix you choose. Nothing is fetched
# unless cargo itself needs crates and --offline was not given. See docs/offline-build.md.
#
#   scripts/install.sh                                   # ~/.local/bin, ~/.local/share/…
#   scripts/install.sh --prefix /usr/local               # /usr/local/bin, /usr/local/share/…
#   scripts/install.sh --offline --frozen                # vendored source, never touch the network
#   scripts/install.sh --bin /path/to/airsign --prefix /tmp/p   # skip cargo, install a built binary
#
# Options:
#   --prefix DIR       where bin/ and share/ go (default: $HOME/.local)
#   --bin-dir DIR      the binary (default: PREFIX/bin)
#   --man-dir DIR      man pages (default: PREFIX/share/man/man1)
#   --completions-dir DIR
#                      completions, one folder per shell below it (default: PREFIX/share):
#                      bash-completion/completions/airsign, zsh/site-functions/_airsign,
#                      fish/vendor_completions.d/airsign.fish
#   --shells LIST      comma-separated shells for completions (default: bash,zsh,fish; "none")
#   --no-man           do not install man pages
#   --offline          pass --offline to cargo (vendored source or a filled ~/.cargo)
#   --frozen           pass --frozen to cargo (implies --offline and an unchanged Cargo.lock)
#   --features LIST    cargo features, e.g. camera
#   --bin FILE         do not build: install this already-built airsign binary
#   -h, --help         this text
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="$HOME/.local"
bin_dir="" man_dir="" comp_dir=""
shells="bash,zsh,fish"
man=1
cargo_flags=(--locked)
features=""
prebuilt=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --bin-dir) bin_dir="${2:?--bin-dir needs a folder}"; shift 2 ;;
    --man-dir) man_dir="${2:?--man-dir needs a folder}"; shift 2 ;;
    --completions-dir) comp_dir="${2:?--completions-dir needs a folder}"; shift 2 ;;
    --shells) shells="${2:?--shells needs a list}"; shift 2 ;;
    --no-man) man=0; shift ;;
    --offline) cargo_flags+=(--offline); shift ;;
    --frozen) cargo_flags+=(--frozen); shift ;;
    --features) features="${2:?--features needs a list}"; shift 2 ;;
    --bin) prebuilt="${2:?--bin needs a file}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

bin_dir="${bin_dir:-$prefix/bin}"
man_dir="${man_dir:-$prefix/share/man/man1}"
comp_dir="${comp_dir:-$prefix/share}"

comp_path() {
  case "$1" in
    bash) echo "$comp_dir/bash-completion/completions/airsign" ;;
    zsh) echo "$comp_dir/zsh/site-functions/_airsign" ;;
    fish) echo "$comp_dir/fish/vendor_completions.d/airsign.fish" ;;
    elvish) echo "$comp_dir/elvish/lib/airsign.elv" ;;
    powershell) echo "$comp_dir/powershell/airsign.ps1" ;;
    *) return 1 ;;
  esac
}
IFS=',' read -r -a shell_list <<< "$shells"
# Every option is checked before anything is built or written.
for sh in "${shell_list[@]}"; do
  [ "$sh" = none ] || comp_path "$sh" >/dev/null ||
    die "no completions for shell '$sh' (bash, zsh, fish, elvish, powershell, or none)"
done

if [ -n "$prebuilt" ]; then
  [ -x "$prebuilt" ] || die "--bin $prebuilt is not an executable file"
  mkdir -p "$bin_dir"
  install -m 0755 "$prebuilt" "$bin_dir/airsign"
else
  command -v cargo >/dev/null || die "cargo not found: install Rust (rustup or your distribution's package) first"
  [ -n "$features" ] && cargo_flags+=(--features "$features")
  # cargo install puts the binary in ROOT/bin: ROOT is the folder above --bin-dir.
  root="$(dirname "$bin_dir")"
  [ "$(basename "$bin_dir")" = "bin" ] || die "--bin-dir must end in /bin (cargo install writes ROOT/bin/airsign)"
  cargo install --path . "${cargo_flags[@]}" --root "$root" --force
fi

airsign="$bin_dir/airsign"
"$airsign" --version >/dev/null || die "$airsign does not run"

for sh in "${shell_list[@]}"; do
  [ "$sh" = none ] && continue
  f="$(comp_path "$sh")"
  mkdir -p "$(dirname "$f")"
  "$airsign" completions "$sh" > "$f.tmp" && mv "$f.tmp" "$f"
  echo "completions ($sh): $f"
done

if [ "$man" = 1 ]; then
  "$airsign" --quiet man --dir "$man_dir"
  echo "man pages: $man_dir (man airsign, man airsign-sign, …)"
fi

echo "installed: $airsign ($("$airsign" --version))"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "note: $bin_dir is not on PATH; add it, e.g. export PATH=\"$bin_dir:\$PATH\"" ;;
esac
