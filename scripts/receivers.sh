#!/usr/bin/env bash
# Installs the real telemetry receivers that the integration tests talk to, where they are
# missing: `promtool` and `prometheus` (Debian package `prometheus`) for dext-telemetry's
# exposition tests, and the OTLP/HTTP receiver `oteltap` (PyPI) for dext-server's exporter
# test. Needs root (apt-get) when a Debian package is missing; prints what to install
# otherwise.
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
if ! python3 -c "import oteltap" >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore oteltap==1.0.0
fi
