#!/usr/bin/env bash
# Prepares this Debian 12 machine to build Dext for Windows and to run the Windows tests
# under Wine (idempotent; run as root, as CI does):
#   - Debian's rustc-web/cargo-web 1.96 with the standard library's sources (rust-web-src),
#     so that `-Zbuild-std` builds std for x86_64-pc-windows-gnu (no prebuilt one exists for
#     that compiler), MinGW's linker, Wine 8 (wine64) and Debian's clippy for that compiler;
#     rustup's toolchain in ~/.cargo/bin, which the Linux build uses, is left alone
#     (rustc-web replaces Debian's own old rustc package, if one is installed);
#   - a Wine prefix ($WINEPREFIX, default ~/.dext-wine), with a stand-in for the
#     bcryptprimitives.dll that Rust's std needs and Wine 8 lacks (scripts/windows/prng.c),
#     and without a debugger on crash, so that a test that aborts ends at once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export WINEPREFIX="${WINEPREFIX:-$HOME/.dext-wine}"
export WINEDEBUG=-all
wine=/usr/lib/wine/wine64

packages=(rustc-web cargo-web rust-web-src rust-web-clippy gcc-mingw-w64-x86-64 wine64)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "scripts/windows-setup.sh: install the Debian packages: ${missing[*]}" >&2
        exit 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    # 64-bit only: wineboot's warning about syswow64\rundll32.exe is expected.
    WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot -i >/dev/null 2>&1 || true
    /usr/lib/wine/wineserver -w
fi

dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$dll" ] || [ "$here/windows/prng.c" -nt "$dll" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$dll" "$here/windows/prng.c" "$here/windows/prng.def" -lbcrypt
fi

"$wine" reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' /v Debugger /f >/dev/null 2>&1 || true
/usr/lib/wine/wineserver -w
