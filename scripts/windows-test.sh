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
"$win" clippy -p dext-sys -p dext-http -p dext-server -p dext -p dext-json -p dext-telemetry --all-targets --all-features \
    --quiet -- -D warnings \
    -A clippy::missing_const_for_thread_local
# One test at a time: under Wine, closing any request queue closes every http.sys listener
# of the prefix, so two tests' servers must not overlap.
"$win" test -p dext-sys -- --test-threads=1
# --nocapture: the tests print SKIP for what only Windows can run.
"$win" test -p dext-server --lib --test httpsys --test httpsys_share --test httpsys_stop --test httpsys_ctrl_c -- --test-threads=1 --nocapture

# The demo server on the http.sys backend, under Wine, answers curl.
"$win" build -p dext --bin dext --quiet
port=$((20000 + RANDOM % 20000))
PORT=$port scripts/windows/wine-run.sh target/windows-gnu/x86_64-pc-windows-gnu/debug/dext.exe --backend httpsys \
    >/dev/null 2>&1 &
demo=$!
answer=""
for _ in $(seq 100); do
    answer=$(curl -s -m 2 "http://127.0.0.1:$port/plaintext") && [ -n "$answer" ] && break
    sleep 0.3
done
kill "$demo" 2>/dev/null || true
WINEPREFIX="${WINEPREFIX:-$HOME/.dext-wine}" /usr/lib/wine/wineserver -k 2>/dev/null || true
if [ "$answer" != "Hello, World!" ]; then
    echo "scripts/windows-test.sh: the demo under Wine answered ${answer:-nothing} to /plaintext" >&2
    exit 1
fi
echo "demo server under Wine (http.sys): GET /plaintext -> $answer"
