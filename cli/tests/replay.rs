//! Black-box tests of `shiplog replay`: the golden output of `samples/`, exit statuses, `--out`
//! and `--help`. Regenerate the golden file with `UPDATE_GOLDEN=1 cargo test -p shiplog-cli`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point
#![allow(clippy::disallowed_methods)] // UPDATE_GOLDEN comes from the environment

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn shiplog(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiplog"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn replay_of_samples_matches_the_golden_output() {
    let out = shiplog(&["replay", "samples/"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let golden = repo().join("tests/golden/replay-samples.ndjson");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &out.stdout).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("golden file (UPDATE_GOLDEN=1 to create)");
    let got = String::from_utf8(out.stdout).unwrap();
    if got != want {
        let first_diff = got.lines().zip(want.lines()).position(|(a, b)| a != b);
        panic!(
            "replay output differs from {} (first differing line: {first_diff:?}; {} vs {} lines). \
             Review the change and regenerate with UPDATE_GOLDEN=1.",
            golden.display(),
            got.lines().count(),
            want.lines().count()
        );
    }
}

#[test]
fn replay_output_is_documents_and_rejections_then_metrics() {
    let out = shiplog(&["replay", "samples/"]);
    let all = lines(&out.stdout);
    let types: Vec<&str> = all.iter().map(|l| l["type"].as_str().unwrap()).collect();
    let first_metric = types
        .iter()
        .position(|t| *t == "metric")
        .expect("samples produce metrics");
    assert!(
        types[first_metric..].iter().all(|t| *t == "metric"),
        "metrics come last"
    );
    assert!(types.contains(&"document") && types.contains(&"rejected"));
    for doc in all.iter().filter(|l| l["type"] == "document") {
        assert!(doc["index"].as_str().unwrap().starts_with("shiplog-"));
        assert!(doc["id"].as_str().is_some_and(|s| !s.is_empty()));
        for f in ["@timestamp", "observedTimestamp", "body"] {
            assert!(doc["source"].get(f).is_some(), "{f} missing in {doc}");
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("total: 8 input(s) (0 undecodable)"),
        "{stderr}"
    );
    assert!(stderr.contains("rejections by reason:"), "{stderr}");
}

#[test]
fn options_change_prefix_namespace_and_dimensions() {
    let out = shiplog(&[
        "replay",
        "--index-prefix",
        "logs",
        "--namespace",
        "Custom",
        "--no-function-dimension",
        "samples/kinesis",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let all = lines(&out.stdout);
    assert!(all
        .iter()
        .filter(|l| l["type"] == "document")
        .all(|d| d["index"].as_str().unwrap().starts_with("logs-")));
    let metrics: Vec<_> = all.iter().filter(|l| l["type"] == "metric").collect();
    assert!(!metrics.is_empty());
    for m in metrics {
        assert!(m["dimensions"].get("FunctionName").is_none(), "{m}");
    }
}

#[test]
fn an_undecodable_input_exits_1_and_the_others_still_ship() {
    let dir = tempdir("undecodable");
    std::fs::write(
        dir.join("a-bad.json"),
        br#"{"awslogs":{"data":"yo yooooo"}}"#,
    )
    .unwrap();
    std::fs::copy(
        repo().join("samples/cloudwatch/order-api-node.json"),
        dir.join("b-good.json"),
    )
    .unwrap();
    let out = shiplog(&["replay", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let all = lines(&out.stdout);
    assert_eq!(all[0]["type"], "rejected");
    assert_eq!(all[0]["reason"], "invalid-base64");
    assert!(all.iter().any(|l| l["type"] == "document"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNDECODABLE"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(shiplog(&["replay"]).status.code(), Some(2));
    assert_eq!(
        shiplog(&["replay", "does/not/exist.json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        shiplog(&["replay", "--bogus", "samples/"]).status.code(),
        Some(2)
    );
}

#[test]
fn out_flag_writes_the_file_instead_of_stdout() {
    let dir = tempdir("out-flag");
    let file = dir.join("shipped.ndjson");
    let out = shiplog(&[
        "replay",
        "--out",
        file.to_str().unwrap(),
        "samples/cloudwatch/order-api-node.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(!lines(&std::fs::read(&file).unwrap()).is_empty());
}

#[test]
fn help_shows_examples_and_exit_statuses() {
    let out = shiplog(&["replay", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Examples:") && text.contains("shiplog replay samples/"),
        "{text}"
    );
    assert!(text.contains("Exit status"), "{text}");
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shiplog-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
