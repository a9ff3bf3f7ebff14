#!/bin/sh
# Cargo's runner for x86_64-pc-windows-gnu: runs the .exe under Wine, in the prefix that
# scripts/windows-setup.sh prepared. WINEDEBUG=+http traces Wine's http.sys.
export WINEPREFIX="${WINEPREFIX:-$HOME/.dext-wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
exec /usr/lib/wine/wine64 "$@"
