#!/usr/bin/env bash
# The demo server with per-request telemetry on: every request in the HTTP server metrics,
# SAMPLE (default 0.1) of traces sampled into server spans, drained in the background.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec env TELEMETRY=on SAMPLE="${SAMPLE:-0.1}" "$ROOT/target/release/dext" "$@"
