#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. formatting, clippy and rustdoc with warnings as errors;
#   2. every crate's unit, integration and doc tests with all features (among them the shared
#      HTTP/1.1 conformance checker, ../shared/conformance/h1check.py, against the codec and
#      against the demo server, slow cases included);
#   3. the loom model checks of the runtime's lock-free protocols (a separate build with
#      `--cfg loom`, in its own target directory);
#   4. the HTTP codec forced onto its scalar scanners (`--cfg dext_no_simd`);
#   5. the telemetry receivers (Prometheus's `promtool` and server) installed first by
#      scripts/receivers.sh, and required by the tests that talk to them
#      (DEXT_REQUIRE_RECEIVERS: a missing receiver fails them instead of skipping);
#   6. a build of every fuzz target (on stable, without fuzzing instrumentation: this checks
#      they compile; fuzzing itself is `crates/dext-http/fuzz/run.sh` and
#      `crates/dext-json/fuzz/run.sh`);
#   7. the Windows (http.sys) backend: clippy and tests for x86_64-pc-windows-gnu, run under
#      Wine (scripts/windows-test.sh, which installs its toolchain and Wine first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/receivers.sh
export DEXT_REQUIRE_RECEIVERS=1
cargo fmt --all -- --check
cargo clippy --workspace --all-features --all-targets --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet
cargo test --workspace --all-features
RUSTFLAGS="--cfg loom" cargo test -p dext-rt --lib --target-dir target/loom loom_tests
RUSTFLAGS="--cfg dext_no_simd" cargo test -p dext-http --lib --target-dir target/nosimd
cargo build --manifest-path crates/dext-http/fuzz/Cargo.toml --target-dir target/fuzz --bins
cargo build --manifest-path crates/dext-json/fuzz/Cargo.toml --target-dir target/fuzz --bins
# The Windows backend, built for x86_64-pc-windows-gnu and tested under Wine.
scripts/windows-test.sh
