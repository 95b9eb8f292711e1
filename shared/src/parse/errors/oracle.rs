//! Test support for the runtime parsers: checks corpus records against their `expect` oracle
//! (`tests/fixtures/corpus/EXPECTED.md`) through the full dispatcher [`parse_line`].
//!
//! Every record of a file is checked. Oracle keys that another module sets (JSON merging,
//! platform lines, MONITORING payloads) are skipped per record, naming that module, so that the
//! table stays honest while those modules are developed elsewhere.
//!
//! The platform parsers (`parse::platform`, `parse::lambda_json`) check their own records with
//! [`check_key`], [`check_report`] and [`check_platform_details`].

use crate::model::{Format, ParsedLine};
use crate::parse::{parse_line, ParseOptions};
use serde_json::{Map, Value};

/// Oracle keys of one record that this crate's runtime parsers do not set.
pub(crate) struct Skip {
    /// Record id.
    pub id: &'static str,
    /// Skipped `expect` keys; `"*"` skips the whole oracle and checks only that no runtime
    /// parser claims the line.
    pub keys: &'static [&'static str],
    /// The module that owns the skipped keys.
    pub owner: &'static str,
}

/// The formats of the runtime parsers under test.
const RUNTIME_FORMATS: &[Format] = &[
    Format::Nodejs,
    Format::Dotnet,
    Format::Python,
    Format::Ruby,
    Format::Rust,
    Format::Go,
    Format::Java,
];

/// Oracle keys the runtime parsers (and `errors::detect`) answer for.
const CHECKED_KEYS: &[&str] = &[
    "kind",
    "level",
    "request_id",
    "timestamp",
    "message",
    "message_prefix",
    "multiline",
    "json",
    "error",
    "xray_trace_id",
    "note",
];

/// Skips of `01-lambda-text/nodejs.jsonl`.
pub(crate) const NODEJS_SKIPS: &[Skip] = &[
    Skip {
        id: "node-05-legacy-no-level-monitoring",
        keys: &["metric_ref"],
        owner: "parse::monitoring",
    },
    Skip {
        id: "node-06-legacy-no-level-json",
        keys: &["json", "fields", "message"],
        owner: "parse::structured",
    },
    Skip {
        id: "node-11-json-after-prefix",
        keys: &["json", "fields"],
        owner: "parse::structured",
    },
    Skip {
        id: "node-17-dazn-logger",
        keys: &["json", "message", "correlation_ids"],
        owner: "parse::structured",
    },
];

/// Skips of `01-lambda-text/python.jsonl`.
pub(crate) const PYTHON_SKIPS: &[Skip] = &[Skip {
    id: "py-11-powertools-json-raw",
    keys: &["*"],
    owner: "parse::structured (whole-line JSON)",
}];

/// Skips of `08-bad-inputs/lines-bad.jsonl`.
pub(crate) const LINES_BAD_SKIPS: &[Skip] = &[
    Skip {
        id: "linebad-05-leading-space-json",
        keys: &["level", "message"],
        owner: "parse::structured (whole-line JSON)",
    },
    Skip {
        id: "linebad-12-level-json-numeric-string",
        keys: &["level"],
        owner: "parse::structured (whole-line JSON)",
    },
];

/// Skips of `04-multiline/single-event.jsonl`.
pub(crate) const SINGLE_EVENT_SKIPS: &[Skip] = &[
    Skip {
        id: "plat-07-report-xray-next-line",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-09-report-python-docs-rendered",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-11-report-status-timeout",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-12-report-status-error-oom",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-25-runtime-exit-killed",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-26-runtime-exit-status",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-28-unknown-application-error",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "plat-29-invalid-entrypoint",
        keys: &["*"],
        owner: "parse::platform",
    },
    Skip {
        id: "log4j2-01-jsonlayout-pretty",
        keys: &["*"],
        owner: "parse::structured (whole-line JSON)",
    },
];

/// One corpus record.
pub(crate) struct Record {
    /// Record id.
    pub id: String,
    /// Exact CloudWatch message.
    pub message: String,
    /// The oracle.
    pub expect: serde_json::Map<String, Value>,
}

/// Every record of a JSONL corpus file.
pub(crate) fn records(jsonl: &str) -> Vec<Record> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("corpus line is JSON");
            Record {
                id: v["id"].as_str().expect("id").to_owned(),
                message: v["message"].as_str().expect("message").to_owned(),
                expect: v["expect"].as_object().expect("expect").clone(),
            }
        })
        .collect()
}

/// The record with this id.
pub(crate) fn record(jsonl: &str, id: &str) -> Record {
    records(jsonl)
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

/// Checks every record of `jsonl` against its oracle, minus the `skips`.
pub(crate) fn check_file(jsonl: &str, skips: &[Skip]) {
    let all = records(jsonl);
    assert!(!all.is_empty(), "empty corpus file");
    for skip in skips {
        assert!(
            all.iter().any(|r| r.id == skip.id),
            "skip names unknown record {} ({})",
            skip.id,
            skip.owner
        );
    }
    for r in &all {
        let skipped = skips
            .iter()
            .find(|s| s.id == r.id)
            .map_or(&[][..], |s| s.keys);
        check_record(r, skipped);
    }
}

/// Checks one record against its oracle, minus the `skipped` keys.
pub(crate) fn check_record(r: &Record, skipped: &[&str]) {
    let line = parse_line(&r.message, &ParseOptions::default());
    if skipped.contains(&"*") {
        // Owned by another module: the runtime parsers must leave it alone.
        assert!(
            !RUNTIME_FORMATS.contains(&line.format),
            "{}: claimed by the {:?} parser",
            r.id,
            line.format
        );
        return;
    }
    for (key, want) in &r.expect {
        if skipped.contains(&key.as_str()) {
            continue;
        }
        assert!(
            CHECKED_KEYS.contains(&key.as_str()),
            "{}: oracle key {key} is neither checked nor skipped",
            r.id
        );
        check_key(&r.id, &line, key, want);
    }
}

/// Checks one oracle key that every parser answers for the same way (one of [`CHECKED_KEYS`]).
pub(crate) fn check_key(id: &str, line: &ParsedLine<'_>, key: &str, want: &Value) {
    match key {
        "kind" => assert_eq!(Some(line.kind.as_str()), want.as_str(), "{id}: kind"),
        "level" => assert_eq!(line.level.map(|l| l.as_str()), want.as_str(), "{id}: level"),
        "request_id" => assert_eq!(
            line.request_id.as_deref(),
            want.as_str(),
            "{id}: request_id"
        ),
        "timestamp" => assert_eq!(
            line.timestamp.map(|t| t.to_rfc3339()),
            want.as_str().map(normalise_timestamp),
            "{id}: timestamp"
        ),
        "message" => assert_eq!(Some(&*line.body), want.as_str(), "{id}: message"),
        "message_prefix" => {
            let prefix = want.as_str().expect("message_prefix is a string");
            assert!(
                line.body.starts_with(prefix),
                "{id}: body {:?} does not start with {prefix:?}",
                line.body
            );
        }
        "multiline" => assert_eq!(
            Some(line.body.contains('\n')),
            want.as_bool(),
            "{id}: multiline"
        ),
        "json" => assert_eq!(Some(line.json), want.as_bool(), "{id}: json"),
        "xray_trace_id" => assert_eq!(
            line.trace.xray_trace_id.as_deref(),
            want.as_str(),
            "{id}: xray_trace_id"
        ),
        "error" => check_error(id, line, want),
        _ => {}
    }
}

fn check_error(id: &str, line: &ParsedLine<'_>, want: &Value) {
    let Some(want) = want.as_object() else {
        assert!(
            line.error.is_none(),
            "{id}: unexpected error {:?}",
            line.error
        );
        return;
    };
    let got = line
        .error
        .as_deref()
        .unwrap_or_else(|| panic!("{id}: no error found, wanted {want:?}"));
    if let Some(kind) = want.get("type") {
        assert_eq!(got.kind.as_deref(), kind.as_str(), "{id}: error.type");
    }
    if let Some(message) = want.get("message") {
        assert_eq!(
            got.message.as_deref(),
            message.as_str(),
            "{id}: error.message"
        );
    }
    if let Some(frames) = want.get("stack_frames") {
        let lines = got.stacktrace.as_deref().map_or(0, |s| s.lines().count());
        assert_eq!(
            Some(lines as u64),
            frames.as_u64(),
            "{id}: error.stack_frames"
        );
    }
}

/// `expect[key]` as text.
pub(crate) fn expect_str<'a>(expect: &'a Value, key: &str) -> Option<&'a str> {
    expect.get(key).and_then(Value::as_str)
}

/// Checks the line's REPORT numbers, status and error type against an oracle `report` object;
/// what the oracle leaves out must be absent.
pub(crate) fn check_report(id: &str, line: &ParsedLine<'_>, expected: &Value) {
    let report = line
        .report
        .as_deref()
        .unwrap_or_else(|| panic!("{id}: no report"));
    let numbers = [
        ("duration_ms", report.duration_ms),
        ("billed_duration_ms", report.billed_duration_ms),
        ("memory_size_mb", report.memory_size_mb),
        ("max_memory_used_mb", report.max_memory_used_mb),
        ("init_duration_ms", report.init_duration_ms),
        ("restore_duration_ms", report.restore_duration_ms),
        (
            "billed_restore_duration_ms",
            report.billed_restore_duration_ms,
        ),
    ];
    for (key, got) in numbers {
        assert_eq!(
            got,
            expected.get(key).and_then(Value::as_f64),
            "{id}: {key}"
        );
    }
    assert_eq!(
        report.status.as_deref(),
        expect_str(expected, "status"),
        "{id}: status"
    );
    assert_eq!(
        report.error_type.as_deref(),
        expect_str(expected, "error_type"),
        "{id}: error_type"
    );
}

/// Checks the platform details the oracle names (versions, phase, status, extension name and
/// state, durations, events, dropped records, function name); keys it leaves out are not checked.
pub(crate) fn check_platform_details(id: &str, line: &ParsedLine<'_>, expect: &Map<String, Value>) {
    let details = line.platform.as_deref().cloned().unwrap_or_default();
    let tenant = details
        .tenant_id
        .clone()
        .or_else(|| line.report.as_deref().and_then(|r| r.tenant_id.clone()));
    if let Some(want) = expect.get("tenant_id") {
        assert_eq!(tenant.as_deref(), want.as_str(), "{id}: tenant_id");
    }
    if let Some(want) = expect.get("durable") {
        let got = serde_json::to_value(&details.durable).unwrap_or_default();
        assert_eq!(&got, want, "{id}: durable");
    }
    let strings = [
        ("version", &details.version),
        ("runtime_version", &details.runtime_version),
        ("runtime_version_arn", &details.runtime_version_arn),
        ("phase", &details.phase),
        ("status", &details.status),
        ("error_type", &details.error_type),
        ("name", &details.name),
        ("state", &details.state),
        ("initialization_type", &details.initialization_type),
    ];
    for (key, got) in strings {
        if let Some(want) = expect.get(key) {
            assert_eq!(got.as_deref(), want.as_str(), "{id}: {key}");
        }
    }
    let numbers = [
        ("init_duration_ms", details.init_duration_ms),
        ("restore_duration_ms", details.restore_duration_ms),
        ("timeout_seconds", details.timeout_seconds),
    ];
    for (key, got) in numbers {
        if let Some(want) = expect.get(key) {
            assert_eq!(got, want.as_f64(), "{id}: {key}");
        }
    }
    if let Some(want) = expect.get("dropped_records") {
        assert_eq!(
            details.dropped_records,
            want.as_u64(),
            "{id}: dropped_records"
        );
    }
    if let Some(events) = expect.get("events") {
        let want: Vec<&str> = events
            .as_array()
            .expect("events is an array")
            .iter()
            .map(|v| v.as_str().expect("event names are strings"))
            .collect();
        assert_eq!(details.events, want, "{id}: events");
    }
    if let Some(want) = expect.get("function_name") {
        let got = line
            .origin
            .as_ref()
            .and_then(|o| o.function_name.as_deref());
        assert_eq!(got, want.as_str(), "{id}: function_name");
    }
}

/// An oracle timestamp in the document form: UTC, milliseconds, `Z`
/// (`2020-03-18T08:52:43Z` → `2020-03-18T08:52:43.000Z`; no zone means UTC).
pub(crate) fn normalise_timestamp(s: &str) -> String {
    let (date_time, rest) = s.split_at(19);
    let date_time = date_time.replace(' ', "T");
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            r.split_at(n)
        }
        None => ("", rest),
    };
    assert!(
        matches!(zone, "" | "Z" | "+00:00" | "+0000"),
        "oracle timestamp {s} is not UTC"
    );
    let ms: String = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(3)
        .collect();
    format!("{date_time}.{ms}Z")
}

#[test]
fn oracle_timestamps_normalise_to_utc_millis() {
    assert_eq!(
        normalise_timestamp("2020-03-18T08:52:43Z"),
        "2020-03-18T08:52:43.000Z"
    );
    assert_eq!(
        normalise_timestamp("2019-10-26T10:04:01.689856"),
        "2019-10-26T10:04:01.689Z"
    );
    assert_eq!(
        normalise_timestamp("2024-01-15T10:20:30.1Z"),
        "2024-01-15T10:20:30.100Z"
    );
}
