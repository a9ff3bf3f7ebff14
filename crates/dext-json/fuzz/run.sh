#!/usr/bin/env bash
# Runs one fuzz target for a while, seeded with JSONTestSuite's valid documents and the heads
# of the corpora from ../shared/data/json (not copied into the repository).
#   crates/dext-json/fuzz/run.sh <dext_json_read|dext_json_dom|dext_json_serde> [seconds]
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target}
secs=${2:-600}
mkdir -p "corpus/$target"
data=../../../../shared/data/json
cp -n "$data"/JSONTestSuite/test_parsing/y_*.json "corpus/$target/" 2>/dev/null || true
for f in "$data"/bench/*.json "$data"/extra/*.json; do
    [ -e "corpus/$target/head-$(basename "$f")" ] || head -c 3000 "$f" >"corpus/$target/head-$(basename "$f")"
done
cargo +nightly fuzz run -O "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=4096 -timeout=5
