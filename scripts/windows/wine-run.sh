#!/bin/sh
# Cargo's runner for x86_64-pc-windows-gnu: runs the .exe under Wine, in the prefix that
# scripts/windows-setup.sh prepared. WINEDEBUG=+http traces Wine's http.sys.
#
# Afterwards the prefix's wineserver (and with it Wine's http.sys service) is stopped, so
# that the next test binary starts with a fresh driver: Wine's keeps dangling state from a
# process's closed request queues, which can leave the next process's prefixes unanswered.
export WINEPREFIX="${WINEPREFIX:-$HOME/.dext-wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
/usr/lib/wine/wine64 "$@"
status=$?
/usr/lib/wine/wineserver -k 2>/dev/null
/usr/lib/wine/wineserver -w 2>/dev/null
exit $status
