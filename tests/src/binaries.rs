//! The workspace's built binaries for black-box tests: found next to the test executable (or
//! given by an environment variable), and refused when older than their sources. A missing or
//! stale binary fails the test with the command that builds it.
#![allow(clippy::panic)]

use crate::repo_root;
use std::path::{Path, PathBuf};

/// `target/<profile>/` of the running test executable (`…/deps/<test>-<hash>`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("the test executable's path: {e}"));
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("no target directory above {}", exe.display()))
}

/// The sources cargo built `binary` from, as listed in its dep-info file (`<binary>.d`, written
/// next to it): the workspace files it was compiled from.
fn sources_of(binary: &Path) -> Vec<PathBuf> {
    let Ok(dep_info) = std::fs::read_to_string(binary.with_extension("d")) else {
        return Vec::new();
    };
    let Some((_, deps)) = dep_info.split_once(": ") else {
        return Vec::new();
    };
    deps.replace("\\ ", "\0")
        .split_whitespace()
        .map(|p| PathBuf::from(p.replace('\0', " ")))
        .collect()
}

/// The built binary `name` of `package`, or `$override_var`; panics when it is missing, or
/// older than one of the sources its dep-info (left by `cargo build`) lists: cargo would rebuild
/// it, so testing it would test old code.
pub fn built_binary(name: &str, package: &str, override_var: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var) {
        return repo_root().join(path);
    }
    let binary = bin_dir().join(name);
    // The CLI's shipping commands need its `opensearch` feature (the tests crate turns it on).
    let build = format!("cargo build -p {package} --features shiplog-cli/opensearch --bins");
    let built_at = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}; build it first: {build}", binary.display()));
    let sources = sources_of(&binary);
    if !sources.iter().any(|s| s.ends_with("src/main.rs")) {
        // No dep-info beside it: `cargo test` (as scripts/test.sh runs it) writes none for the
        // binaries it builds, and it builds every binary of the workspace, fresh, before any test
        // runs. Only a `cargo build` leaves the dep-info this freshness check reads.
        return binary;
    }
    for source in sources {
        let Ok(modified) = std::fs::metadata(&source).and_then(|m| m.modified()) else {
            continue;
        };
        assert!(
            modified <= built_at,
            "{} is older than {}: rebuild it first: {build}",
            binary.display(),
            source.display()
        );
    }
    binary
}
