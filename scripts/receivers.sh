#!/usr/bin/env bash
# Installs the real telemetry receivers that dext-telemetry's integration tests talk to,
# where they are missing: `promtool` and `prometheus` (Debian package `prometheus`).
# Needs root (apt-get) when something is missing; prints what to install otherwise.
set -euo pipefail
missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "scripts/receivers.sh: install the Debian packages: ${missing[*]}" >&2
        exit 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
