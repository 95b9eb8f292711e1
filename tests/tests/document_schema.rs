//! Every field of every document shiplog produces (all corpus payloads, every corpus line and
//! `samples/`) is declared in `infra/opensearch/fields.txt`, the list the index template and the
//! dashboards are checked against. A new document field must be added there (and mapped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::Value;
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::CollectingSink;
use shiplog_tests::json_paths::leaf_paths;
use shiplog_tests::{corpus_path, repo_root};
use std::collections::BTreeSet;
use std::path::Path;

fn declared() -> (BTreeSet<String>, Vec<String>) {
    let text = std::fs::read_to_string(repo_root().join("infra/opensearch/fields.txt")).unwrap();
    let mut exact = BTreeSet::new();
    let mut prefixes = Vec::new();
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match l.strip_suffix(".*") {
            Some(p) => prefixes.push(format!("{p}.")),
            None => {
                exact.insert(l.to_owned());
            }
        }
    }
    (exact, prefixes)
}

fn documents_of(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap();
    let mut sink = CollectingSink::new("shiplog");
    let _ = Pipeline::new(PipelineConfig::default()).process_input(&bytes, &mut sink);
    sink.documents.into_iter().map(|(_, _, d)| d).collect()
}

fn json_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn every_document_field_is_declared_for_the_index_template() {
    let (exact, prefixes) = declared();
    let mut files = Vec::new();
    json_files(&corpus_path(""), &mut files);
    json_files(&repo_root().join("samples"), &mut files);
    let mut seen = BTreeSet::new();
    let mut docs = 0;
    for f in &files {
        for d in documents_of(f) {
            docs += 1;
            leaf_paths(&d, "", &mut seen);
        }
    }
    // Every JSONL line too, as a one-event payload.
    for f in std::fs::read_dir(corpus_path("01-lambda-text"))
        .unwrap()
        .chain(std::fs::read_dir(corpus_path("02-lambda-json-format")).unwrap())
    {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        for line in text.lines() {
            let rec: Value = serde_json::from_str(line).unwrap();
            let payload = serde_json::json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "/aws/lambda/f",
                "logStream": "s", "subscriptionFilters": [], "logEvents": [{"id": "1", "timestamp": 1, "message": rec["message"]}]});
            let mut sink = CollectingSink::new("shiplog");
            Pipeline::new(PipelineConfig::default())
                .process_input(payload.to_string().as_bytes(), &mut sink)
                .unwrap();
            for (_, _, d) in sink.documents {
                docs += 1;
                leaf_paths(&d, "", &mut seen);
            }
        }
    }
    assert!(docs > 100, "only {docs} documents checked");
    let undeclared: Vec<_> = seen
        .iter()
        .filter(|p| !exact.contains(*p) && !prefixes.iter().any(|pre| p.starts_with(pre.as_str())))
        .collect();
    assert!(
        undeclared.is_empty(),
        "document fields missing from infra/opensearch/fields.txt: {undeclared:?}"
    );
}
