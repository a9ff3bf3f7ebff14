#!/usr/bin/env bash
# The Windows (http.sys) backend: builds it for x86_64-pc-windows-gnu and runs its tests
# under Wine 8 (see ../shared/windows/README.md for what Wine's http.sys can and cannot do).
# Installs what it needs first (scripts/windows-setup.sh: Debian packages, Wine prefix).
# scripts/test.sh runs it last; on its own:
#
#   scripts/windows-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/windows-setup.sh
win=scripts/windows/cargo.sh
# The tests that need Wine check they run under it (they SKIP the Windows-only paths, and
# assert that Wine is what capability detection found).
export DEXT_EXPECT_WINE=1
# Debian's clippy 1.96 asks for `const` on a thread-local that is `const` already (the
# Windows expansion of `thread_local!`): that lint alone is off here.
"$win" clippy -p dext-sys -p dext-http -p dext-server --all-targets --quiet -- -D warnings \
    -A clippy::missing_const_for_thread_local
# One test at a time: under Wine, closing any request queue closes every http.sys listener
# of the prefix, so two tests' servers must not overlap.
"$win" test -p dext-sys -- --test-threads=1
"$win" test -p dext-server --test httpsys -- --test-threads=1
WINEPREFIX="${WINEPREFIX:-$HOME/.dext-wine}" /usr/lib/wine/wineserver -w
