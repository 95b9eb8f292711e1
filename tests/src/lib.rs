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

/// Peak resident set size (`VmHWM` of `/proc/<pid>/status`) of process `pid`, or of this process
/// when `None`, in KiB. `None` where `/proc` does not tell.
pub fn peak_rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_a_peak_rss_and_a_missing_one_has_none() {
        let kib = super::peak_rss_kib(None).unwrap_or(0);
        assert!(kib > 1_000, "{kib} KiB");
        assert_eq!(super::peak_rss_kib(Some(u32::MAX)), None);
    }
}
