//! The inputs the delivery tests ship (to the fake and to the real engine alike): `samples/` and
//! the corpus's whole Lambda events, each event id in exactly one of them.

// Test support: a missing fixture or a malformed mapping fails the test that asked, with the
// reason.
#![allow(clippy::panic)]

use crate::{corpus_path, repo_root};
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::CollectingSink;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Corpus folders of whole Lambda events (not the decoded copies, which repeat their ids).
const CORPUS_EVENT_DIRS: [&str; 4] = [
    "06-subscription/lambda-event",
    "06-subscription/kinesis",
    "06-subscription/firehose",
    "04-multiline/split-across-events/lambda-event",
];

/// Every `*.json` under `samples/` and the corpus folders of whole Lambda events, in path
/// order, without an input that repeats event ids of an earlier one (the corpus holds some
/// payloads in two shapes, e.g. as a Lambda event and inside a Kinesis record), so that every
/// expected document has one source. Redelivery is tested explicitly.
pub fn delivery_inputs() -> Vec<PathBuf> {
    let mut stack = vec![repo_root().join("samples")];
    stack.extend(CORPUS_EVENT_DIRS.iter().map(|d| corpus_path(d)));
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut seen = BTreeSet::new();
    files.retain(|file| {
        let bytes = std::fs::read(file).unwrap_or_default();
        let mut probe = CollectingSink::new("probe");
        let _ = Pipeline::new(PipelineConfig::default()).process_input(&bytes, &mut probe);
        let ids: Vec<String> = probe.documents.into_iter().map(|(_, id, _)| id).collect();
        let unique: BTreeSet<&String> = ids.iter().collect();
        if unique.len() != ids.len() || ids.iter().any(|id| seen.contains(id)) {
            return false;
        }
        seen.extend(ids);
        true
    });
    files
}
