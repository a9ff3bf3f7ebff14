#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. formatting, clippy and rustdoc with warnings as errors;
#   2. every crate's unit, integration and doc tests with all features;
#   3. the loom model checks of the runtime's lock-free protocols (a separate build with
#      `--cfg loom`, in its own target directory).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-features --all-targets --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet
cargo test --workspace --all-features
RUSTFLAGS="--cfg loom" cargo test -p dext-rt --lib --target-dir target/loom loom_tests
