//! dext-json against shared data: JSONTestSuite, and the JSON corpora (differentially against
//! serde_json), read and written. The data lives in `../shared/data/json/` beside the repository.

mod corpus;
mod suite;
mod write;

use std::path::PathBuf;

/// `../shared/data/json/<rel>` from the repository root.
fn data(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/json").join(rel);
    assert!(p.exists(), "shared test data missing: {}", p.display());
    p
}
