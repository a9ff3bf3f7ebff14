#!/usr/bin/env bash
# The whole test suite: every crate's unit, integration and doc tests with all features,
# then the loom model checks of the runtime's lock-free protocols (a separate build with
# `--cfg loom`, in its own target directory).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-features
RUSTFLAGS="--cfg loom" cargo test -p dext-rt --lib --target-dir target/loom loom_tests
