//! The bad-input catalogue: every file of `tests/fixtures/corpus/08-bad-inputs/lambda-events/`
//! and `tests/fixtures/bad-inputs/` (built by `scripts/make-bad-inputs.py`) has an asserted
//! outcome through the real `shiplog replay` binary: exit status, documents shipped, metric
//! points, and the exact multiset of rejection reasons. A new file without an entry fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Expect {
    file: &'static str,
    exit: i32,
    documents: usize,
    metric_points: usize,
    rejections: &'static [&'static str],
}

const fn e(
    file: &'static str,
    exit: i32,
    documents: usize,
    metric_points: usize,
    rejections: &'static [&'static str],
) -> Expect {
    Expect {
        file,
        exit,
        documents,
        metric_points,
        rejections,
    }
}

const CATALOGUE: &[Expect] = &[
    // tests/fixtures/corpus/08-bad-inputs/lambda-events (EXPECTED.md §8)
    e(
        "awslogs-data-not-string.json",
        1,
        0,
        0,
        &["invalid-envelope"],
    ),
    e("base64-plain-json-not-gzip.json", 0, 1, 0, &[]),
    e("concatenated-gzip-members.json", 0, 2, 0, &[]),
    e("control-message-in-lambda-envelope.json", 0, 0, 0, &[]),
    e("double-escaped-messages.json", 0, 4, 0, &[]),
    e("empty-logevents.json", 0, 0, 0, &[]),
    e("gzip-of-non-json.json", 1, 0, 0, &["invalid-payload-json"]),
    e("huge-event-json-truncated-at-limit.json", 0, 1, 0, &[]),
    e("huge-single-event-256kb.json", 0, 1, 0, &[]),
    e("invalid-base64-chars.json", 1, 0, 0, &["invalid-base64"]),
    e("invalid-base64-rescript.json", 1, 0, 0, &["invalid-base64"]),
    e("invalid-utf8-in-payload.json", 0, 1, 0, &[]),
    e(
        "lambda-docs-truncated-data-verbatim.json",
        1,
        0,
        0,
        &["invalid-base64"],
    ),
    e("missing-awslogs.json", 1, 0, 0, &["invalid-envelope"]),
    e("truncated-gzip.json", 1, 0, 0, &["invalid-gzip"]),
    e(
        "unknown-message-type.json",
        1,
        0,
        0,
        &["unknown-message-type"],
    ),
    // tests/fixtures/bad-inputs (scripts/make-bad-inputs.py)
    e("huge-event-1mb.json", 0, 2, 0, &[]),
    e("invalid-utf8-in-json-string.json", 0, 2, 0, &[]),
    e("deeply-nested-json-lines.json", 0, 3, 0, &[]),
    e("many-tiny-events.json", 0, 100_000, 0, &[]),
    e(
        "logevents-not-an-array.json",
        1,
        0,
        0,
        &["invalid-payload-json"],
    ),
    e(
        "event-fields-wrong-types.json",
        0,
        1,
        0,
        &[
            "invalid-log-event",
            "invalid-log-event",
            "invalid-log-event",
            "invalid-log-event",
        ],
    ),
    e(
        "monitoring-edge-cases.json",
        0,
        8,
        3,
        &[
            "metric-invalid-characters",
            "metric-timestamp-invalid",
            "metric-too-many-dimensions",
            "metric-value-not-finite",
            "metric-value-not-finite",
        ],
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn dirs() -> [PathBuf; 2] {
    [
        repo().join("tests/fixtures/corpus/08-bad-inputs/lambda-events"),
        repo().join("tests/fixtures/bad-inputs"),
    ]
}

fn replay(path: &Path) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_shiplog"))
        .arg("replay")
        .arg(path)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), lines)
}

fn path_of(file: &str) -> PathBuf {
    dirs()
        .into_iter()
        .map(|d| d.join(file))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{file} not found"))
}

#[test]
fn every_bad_input_file_has_a_catalogue_entry() {
    let listed: BTreeSet<&str> = CATALOGUE.iter().map(|e| e.file).collect();
    for dir in dirs() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                listed.contains(name.as_str()),
                "{name} has no outcome in the catalogue"
            );
        }
    }
}

#[test]
fn every_bad_input_has_its_asserted_outcome() {
    let mut failures = Vec::new();
    for want in CATALOGUE {
        let (exit, lines) = replay(&path_of(want.file));
        let docs = lines.iter().filter(|l| l["type"] == "document").count();
        let mut reasons: Vec<String> = lines
            .iter()
            .filter(|l| l["type"] == "rejected")
            .map(|l| l["reason"].as_str().unwrap().to_owned())
            .collect();
        reasons.sort();
        let points: f64 = lines
            .iter()
            .filter(|l| l["type"] == "metric")
            .map(|l| {
                l["counts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_f64().unwrap())
                    .sum::<f64>()
            })
            .sum();
        let got = (exit, docs, points as usize, reasons.clone());
        let expected = (
            want.exit,
            want.documents,
            want.metric_points,
            want.rejections
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        );
        if got != expected {
            failures.push(format!("{}: want {expected:?}, got {got:?}", want.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_1mb_event_is_truncated_with_a_marker_not_rejected() {
    let (_, lines) = replay(&path_of("huge-event-1mb.json"));
    let doc = &lines[0]["source"];
    let body = doc["body"].as_str().unwrap();
    assert!(body.len() <= 256 * 1024 && body.ends_with("…[truncated by shiplog]"));
    assert!(doc["attributes"]["shiplog"]["truncated"].as_u64().unwrap() > 1_000_000);
    assert_eq!(
        doc["severity"]["text"], "INFO",
        "prefix facts survive truncation"
    );
    assert_eq!(lines[1]["source"]["body"], "after the big one");
}

#[test]
fn invalid_utf8_inside_a_json_string_is_replaced_not_fatal() {
    let (_, lines) = replay(&path_of("invalid-utf8-in-json-string.json"));
    assert!(lines[0]["source"]["body"]
        .as_str()
        .unwrap()
        .contains('\u{FFFD}'));
    assert_eq!(lines[1]["source"]["body"], "fine");
}

#[test]
fn deeply_nested_json_ships_as_text_and_shallow_json_is_parsed() {
    let (_, lines) = replay(&path_of("deeply-nested-json-lines.json"));
    for deep in &lines[..2] {
        assert!(deep["source"]["attributes"].get("fields").is_none());
        assert_eq!(deep["source"]["attributes"]["log"]["format"], "plain");
    }
    assert_eq!(lines[2]["source"]["body"], "shallow");
    assert_eq!(lines[2]["source"]["attributes"]["fields"]["ok"], true);
}

#[test]
fn rejected_monitoring_lines_still_ship_with_their_reason() {
    let (_, lines) = replay(&path_of("monitoring-edge-cases.json"));
    let docs: Vec<_> = lines.iter().filter(|l| l["type"] == "document").collect();
    let statuses: Vec<_> = docs
        .iter()
        .map(|d| {
            d["source"]["attributes"]["shiplog"]["metric_status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "rejected",
            "rejected",
            "rejected",
            "extracted",
            "rejected",
            "extracted",
            "rejected",
            "extracted"
        ]
    );
    let names: BTreeSet<_> = lines
        .iter()
        .filter(|l| l["type"] == "metric")
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "café_commandes".to_owned(),
            "ms_epoch".to_owned(),
            "ok_line".to_owned()
        ])
    );
}
