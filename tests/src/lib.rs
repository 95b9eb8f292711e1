//! Test harness shared by the workspace integration tests in `tests/tests/`.

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// `tests/fixtures/corpus/<rel>`.
pub fn corpus_path(rel: &str) -> PathBuf {
    repo_root().join("tests/fixtures/corpus").join(rel)
}

pub mod fake_opensearch;
pub mod moto;
pub mod oracle;
pub mod runtime_api;
