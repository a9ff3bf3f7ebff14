#!/usr/bin/env bash
# Cargo for x86_64-pc-windows-gnu: Debian's rustc-web with `-Zbuild-std`, MinGW as the
# linker, Wine as the runner of tests and binaries, and a target directory of its own
# (target/windows-gnu), so that the Linux build (rustup's toolchain, ./target) is untouched.
# Needs scripts/windows-setup.sh to have run.
#
#   scripts/windows/cargo.sh test -p dext-server -- --test-threads=1
#   scripts/windows/cargo.sh clippy -p dext -- -D warnings
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 <cargo command> [args...]" >&2; exit 2; }
# /usr/bin first: rustup's proxies in ~/.cargo/bin would otherwise run its compiler, whose
# sysroot has no Windows std, and its cargo-clippy.
export PATH="/usr/bin:$PATH"
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
# Lets the stable toolchain take -Z flags (both cargo and rustc read it).
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$here/wine-run.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/windows-gnu}"
export WINEPREFIX="${WINEPREFIX:-$HOME/.dext-wine}"
command=$1
shift
exec cargo "$command" -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu "$@"
