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

pub mod binaries;
pub mod fake_opensearch;
pub mod inputs;
pub mod json_paths;
pub mod moto;
pub mod oracle;
pub mod real_opensearch;
pub mod runtime_api;

/// base64 of the gzip (level 6) of `data`: a Kinesis record's or a CloudWatch Logs event's `data`.
pub fn gzip_b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(shiplog::testing::workload::gzip(data, 6))
}

/// A CloudWatch Logs subscription Lambda event (`{"awslogs":{"data":…}}`) of `events` (id,
/// message) from `group` / `stream`, event `i` timestamped `base_ms + i`.
pub fn cloudwatch_logs_event<M: AsRef<str>>(
    group: &str,
    stream: &str,
    events: &[(&str, M)],
    base_ms: i64,
) -> Vec<u8> {
    let log_events: Vec<serde_json::Value> = events
        .iter()
        .enumerate()
        .map(|(i, (id, m))| {
            serde_json::json!({"id": id, "timestamp": base_ms + i as i64, "message": m.as_ref()})
        })
        .collect();
    let payload = serde_json::json!({"messageType": "DATA_MESSAGE", "owner": "123456789012",
        "logGroup": group, "logStream": stream, "subscriptionFilters": ["shiplog"],
        "logEvents": log_events});
    serde_json::json!({"awslogs": {"data": gzip_b64(payload.to_string().as_bytes())}})
        .to_string()
        .into_bytes()
}

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
    fn a_cloudwatch_logs_event_decodes_back_to_its_events() {
        use shiplog::decode::{decode_input, parse_message, Message, RecordContent};
        let event =
            super::cloudwatch_logs_event("/aws/lambda/f", "s", &[("1", "a\n"), ("2", "b")], 7);
        let limits = shiplog::limits::Limits::default();
        let decoded = decode_input(&event, &limits).unwrap();
        let RecordContent::Payload(p) = &decoded.records[0].content else {
            panic!("payload")
        };
        let Ok(Message::Data(batch, _)) = parse_message(p) else {
            panic!("data message")
        };
        assert_eq!(batch.log_group.as_deref(), Some("/aws/lambda/f"));
        let events: Vec<(&str, i64, &str)> = batch
            .events
            .iter()
            .map(|e| (&*e.id, e.timestamp.0, &*e.message))
            .collect();
        assert_eq!(events, [("1", 7, "a\n"), ("2", 8, "b")]);
    }

    #[test]
    fn this_process_has_a_peak_rss_and_a_missing_one_has_none() {
        let kib = super::peak_rss_kib(None).unwrap_or(0);
        assert!(kib > 1_000, "{kib} KiB");
        assert_eq!(super::peak_rss_kib(Some(u32::MAX)), None);
    }
}
