//! What each record of a Kinesis or Firehose invocation became, and the answer Lambda expects
//! (pure: the handler decides nothing here by itself).
//!
//! - Kinesis Data Streams (`ReportBatchItemFailures`): `{"batchItemFailures":[{"itemIdentifier":
//!   "<sequenceNumber>"}]}` lists exactly the records whose documents are neither indexed nor
//!   dead-lettered (and, under `METRICS_FAILURE=fail-invocation`, the records whose metric points
//!   were not delivered). A record that cannot be decoded is **not** listed: it would fail the
//!   same way forever and hold its shard back; it is counted (`Rejections.<reason>`) and named in
//!   the invocation's summary line instead.
//! - Firehose transformation: every `recordId` comes back. shiplog indexes the documents itself,
//!   so a shipped record is `Dropped` (returning it `Ok` would make Firehose deliver the same data
//!   a second time to its own destination); a CONTROL_MESSAGE is `Dropped`; a record that cannot
//!   be decoded, or whose documents could not be delivered, is `ProcessingFailed`, which makes
//!   Firehose keep the original record in its `processing-failed/` S3 output (from where
//!   `shiplog replay` can ship it again).

use serde::Serialize;
use serde_json::{json, Value};
use shiplog::delivery::shipping::{DocumentKey, RecordTrack};
use shiplog::pipeline::RecordOutcome;
use std::collections::HashSet;

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordVerdict {
    /// Its documents are indexed or dead-lettered, its metrics handled by the policy.
    Shipped,
    /// A CONTROL_MESSAGE: nothing to do.
    Control,
    /// It could not be decoded (never retried).
    Undecodable,
    /// Something it produced was not delivered: it must be retried.
    Failed,
}

/// Per-record verdicts, or `Err` when an undelivered document belongs to no identifiable record
/// (then only failing the whole invocation is safe).
pub fn verdicts(
    records: &[RecordTrack],
    undelivered: &[String],
    metrics_failed: bool,
) -> Result<Vec<RecordVerdict>, UnmappedDocuments> {
    let wanted: HashSet<DocumentKey> = undelivered.iter().map(|id| DocumentKey::of(id)).collect();
    let mut mapped: HashSet<DocumentKey> = HashSet::new();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let mut failed = metrics_failed && record.metric_points > 0;
        if !wanted.is_empty() {
            for key in &record.document_keys {
                if wanted.contains(key) {
                    mapped.insert(*key);
                    failed = true;
                }
            }
        }
        out.push(match record.outcome {
            RecordOutcome::Failed(_) => RecordVerdict::Undecodable,
            RecordOutcome::Control => RecordVerdict::Control,
            RecordOutcome::Data if failed => RecordVerdict::Failed,
            RecordOutcome::Data => RecordVerdict::Shipped,
        });
    }
    // An id shared by records (the same payload put twice) fails each record holding it.
    let unmapped = wanted.len() - mapped.len();
    if unmapped > 0 {
        return Err(UnmappedDocuments(unmapped));
    }
    Ok(out)
}

/// Undelivered documents that belong to no record with an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnmappedDocuments(pub usize);

/// One `batchItemFailures` entry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchItemFailure<'a> {
    item_identifier: &'a str,
}

/// The Kinesis answer: the failed records' sequence numbers.
pub fn kinesis_response(records: &[RecordTrack], verdicts: &[RecordVerdict]) -> Value {
    let failures: Vec<BatchItemFailure<'_>> = records
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| **v == RecordVerdict::Failed)
        .map(|(r, _)| BatchItemFailure {
            item_identifier: &r.record_id,
        })
        .collect();
    json!({ "batchItemFailures": failures })
}

/// A Firehose transformation result word.
pub fn firehose_result(verdict: RecordVerdict) -> &'static str {
    match verdict {
        RecordVerdict::Shipped | RecordVerdict::Control => "Dropped",
        RecordVerdict::Undecodable | RecordVerdict::Failed => "ProcessingFailed",
    }
}

/// One Firehose result record (`data` is required by Firehose; nothing is passed on).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FirehoseRecord<'a> {
    record_id: &'a str,
    result: &'static str,
    data: &'static str,
}

/// The Firehose answer: every record id with its result.
pub fn firehose_response(records: &[RecordTrack], verdicts: &[RecordVerdict]) -> Value {
    let out: Vec<FirehoseRecord<'_>> = records
        .iter()
        .zip(verdicts)
        .map(|(r, v)| FirehoseRecord {
            record_id: &r.record_id,
            result: firehose_result(*v),
            data: "",
        })
        .collect();
    json!({ "records": out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::rejection::RejectReason;

    fn track(id: &str, outcome: RecordOutcome, docs: &[&str], points: usize) -> RecordTrack {
        RecordTrack {
            record_id: id.to_owned(),
            outcome,
            document_keys: docs.iter().map(|d| DocumentKey::of(d)).collect(),
            metric_points: points,
        }
    }

    fn batch() -> Vec<RecordTrack> {
        vec![
            track("s1", RecordOutcome::Data, &["a", "b"], 0),
            track("s2", RecordOutcome::Data, &["c"], 2),
            track("s3", RecordOutcome::Control, &[], 0),
            track(
                "s4",
                RecordOutcome::Failed(RejectReason::InvalidGzip),
                &[],
                0,
            ),
        ]
    }

    #[test]
    fn an_undelivered_document_fails_exactly_its_record() {
        let records = batch();
        let v = verdicts(&records, &["b".to_owned()], false).unwrap();
        assert_eq!(
            v,
            [
                RecordVerdict::Failed,
                RecordVerdict::Shipped,
                RecordVerdict::Control,
                RecordVerdict::Undecodable
            ]
        );
        assert_eq!(
            kinesis_response(&records, &v),
            json!({"batchItemFailures": [{"itemIdentifier": "s1"}]})
        );
    }

    #[test]
    fn undecodable_and_control_records_are_never_batch_item_failures() {
        let records = batch();
        let v = verdicts(&records, &[], false).unwrap();
        assert_eq!(
            kinesis_response(&records, &v),
            json!({"batchItemFailures": []})
        );
    }

    #[test]
    fn failed_metrics_fail_the_records_that_carried_points() {
        let records = batch();
        let v = verdicts(&records, &[], true).unwrap();
        assert_eq!(
            kinesis_response(&records, &v),
            json!({"batchItemFailures": [{"itemIdentifier": "s2"}]})
        );
    }

    #[test]
    fn a_document_of_no_record_cannot_be_mapped() {
        let records = batch();
        assert_eq!(
            verdicts(&records, &["zz".to_owned(), "a".to_owned()], false),
            Err(UnmappedDocuments(1))
        );
    }

    #[test]
    fn a_shared_id_fails_every_record_holding_it() {
        let records = vec![
            track("s1", RecordOutcome::Data, &["a"], 0),
            track("s2", RecordOutcome::Data, &["a"], 0),
        ];
        let v = verdicts(&records, &["a".to_owned()], false).unwrap();
        assert_eq!(v, [RecordVerdict::Failed, RecordVerdict::Failed]);
    }

    #[test]
    fn firehose_returns_every_record_with_its_result() {
        let records = batch();
        let v = verdicts(&records, &["c".to_owned()], false).unwrap();
        assert_eq!(
            firehose_response(&records, &v),
            json!({"records": [
                {"recordId": "s1", "result": "Dropped", "data": ""},
                {"recordId": "s2", "result": "ProcessingFailed", "data": ""},
                {"recordId": "s3", "result": "Dropped", "data": ""},
                {"recordId": "s4", "result": "ProcessingFailed", "data": ""},
            ]})
        );
    }
}
