#!/usr/bin/env bash
# Runs one fuzz target for a while, starting from the checked-in seeds.
#   crates/dext-http/fuzz/run.sh <dext_http_parse|dext_http_chunked|dext_http_router> [seconds]
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target}
secs=${2:-600}
mkdir -p "corpus/$target"
cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
cargo +nightly fuzz run -O "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=4096 -timeout=5
