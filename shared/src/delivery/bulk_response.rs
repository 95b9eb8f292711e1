//! The one place that decides what happens after a `_bulk` request: [`classify`] reads the
//! whole-request status and every item of the response (a 200 with `"errors": true` is read item
//! by item, never trusted as a whole), and [`next_steps`] turns that verdict into what to count,
//! re-send, salvage, split or refuse (refused items go to the dead letter: the dead-letter module
//! sits above this one and reads the refused chunk).
//!
//! | answer | verdict |
//! |---|---|
//! | item 200/201 | indexed |
//! | item 409 `version_conflict_engine_exception` | already present (a redelivery: success) |
//! | item 429, item 5xx | retried alone, with backoff |
//! | item 400 `mapper_parsing_exception` / `illegal_argument_exception` / `document_parsing_exception` | salvaged once, then dead letter |
//! | any other item failure | dead letter |
//! | request 408/429/500/502/503/504, connection error, unreadable 2xx body | whole chunk retried, with backoff |
//! | request 413 | chunk split in half (a lone document: dead letter) |
//! | any other request status (400, 401, 403, 404, …) | whole chunk dead-lettered |

use crate::delivery::bulk::Chunk;
use crate::delivery::item::{FailureReason, ItemError, MAX_REASON_BYTES};
use crate::delivery::salvage::salvage_source;
use serde::Deserialize;
use serde_json::Value;

/// What to do with one item of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemVerdict {
    /// Stored (200/201).
    Indexed,
    /// `create` hit an existing `_id` (409): stored by an earlier delivery.
    AlreadyPresent,
    /// Transient (429, 5xx): re-send alone after a backoff.
    Retry(ItemError),
    /// The document does not fit the mapping: re-send once with user fields as one string.
    Salvage(ItemError),
    /// Give up on this item: dead letter.
    DeadLetter(ItemError),
}

/// What to do with a whole chunk after one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseVerdict {
    /// One verdict per item, in chunk order.
    Items(Vec<ItemVerdict>),
    /// Transient failure of the whole request: re-send the chunk after a backoff.
    RetryAll(ItemError),
    /// 413: the body is too large for the cluster; split it in half.
    Split(ItemError),
    /// The request was refused for good: every item goes to the dead letter.
    DeadLetterAll(ItemError),
}

/// Item error types that mean "this document does not fit the mapping".
const SALVAGEABLE_TYPES: &[&str] = &[
    "mapper_parsing_exception",
    "illegal_argument_exception",
    "document_parsing_exception",
];

/// The error type of a `create` on an existing `_id`.
const VERSION_CONFLICT: &str = "version_conflict_engine_exception";

/// Whole-request statuses worth a retry.
fn is_retryable_request_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Item statuses worth a retry.
fn is_retryable_item_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[derive(Deserialize)]
struct BulkResponse {
    #[serde(default)]
    items: Option<Vec<ItemEnvelope>>,
}

#[derive(Deserialize)]
struct ItemEnvelope {
    create: Option<ItemBody>,
    index: Option<ItemBody>,
    update: Option<ItemBody>,
    delete: Option<ItemBody>,
}

impl ItemEnvelope {
    fn body(&self) -> Option<&ItemBody> {
        self.create
            .as_ref()
            .or(self.index.as_ref())
            .or(self.update.as_ref())
            .or(self.delete.as_ref())
    }
}

#[derive(Deserialize)]
struct ItemBody {
    status: Option<u16>,
    #[serde(default)]
    error: Option<Value>,
}

/// The error of an OpenSearch error value (`{"type","reason"}` or a bare string) with `status`:
/// its type verbatim, or [`FailureReason::Untyped`] without one.
fn opensearch_error(status: u16, error: Option<&Value>) -> ItemError {
    let untyped = |reason: String| ItemError::shiplog(status, FailureReason::Untyped, reason);
    match error {
        Some(Value::Object(o)) => {
            let reason = o.get("reason").and_then(Value::as_str).unwrap_or("");
            match o.get("type").and_then(Value::as_str) {
                Some(kind) => ItemError::opensearch(status, kind, reason),
                None => untyped(reason.to_owned()),
            }
        }
        Some(Value::String(s)) => untyped(s.clone()),
        Some(other) => untyped(other.to_string()),
        None => untyped(String::new()),
    }
}

/// The error of a non-2xx whole-request answer: OpenSearch's `{"error":{…},"status":…}`,
/// AWS's `{"message":…}` / `{"Message":…}`, or the first bytes of the body.
fn request_error(status: u16, body: &[u8]) -> ItemError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let http = FailureReason::Http(status);
    if let Some(v) = &parsed {
        if let Some(err) = v.get("error") {
            return opensearch_error(status, Some(err));
        }
        if let Some(msg) = v
            .get("message")
            .or(v.get("Message"))
            .and_then(Value::as_str)
        {
            return ItemError::shiplog(status, http, msg);
        }
    }
    let text = String::from_utf8_lossy(body.get(..MAX_REASON_BYTES.min(body.len())).unwrap_or(b""));
    ItemError::shiplog(status, http, text.trim().to_owned())
}

/// Classifies one `_bulk` answer for `chunk`: the whole-request `status`, then the per-item
/// statuses of the body. Salvage is offered once: an item already salvaged is dead-lettered.
pub fn classify(status: u16, body: &[u8], chunk: &Chunk) -> ResponseVerdict {
    if !(200..300).contains(&status) {
        let err = request_error(status, body);
        return if status == 413 {
            ResponseVerdict::Split(err)
        } else if is_retryable_request_status(status) {
            ResponseVerdict::RetryAll(err)
        } else {
            ResponseVerdict::DeadLetterAll(err)
        };
    }
    let items = match serde_json::from_slice::<BulkResponse>(body) {
        Ok(BulkResponse { items: Some(items) }) => items,
        Ok(BulkResponse { items: None }) | Err(_) => {
            return ResponseVerdict::RetryAll(ItemError::shiplog(
                status,
                FailureReason::MalformedResponse,
                "the _bulk answer has no readable items",
            ));
        }
    };
    if items.len() != chunk.len() {
        return ResponseVerdict::RetryAll(ItemError::shiplog(
            status,
            FailureReason::MalformedResponse,
            format!("{} items answered for {} sent", items.len(), chunk.len()),
        ));
    }
    let verdicts = items
        .iter()
        .zip(chunk.items())
        .map(|(envelope, item)| classify_item(envelope.body(), item.salvaged))
        .collect();
    ResponseVerdict::Items(verdicts)
}

fn classify_item(body: Option<&ItemBody>, already_salvaged: bool) -> ItemVerdict {
    let Some(body) = body else {
        return ItemVerdict::Retry(ItemError::shiplog(
            0,
            FailureReason::MalformedResponse,
            "item without an action",
        ));
    };
    let status = body.status.unwrap_or(0);
    if matches!(status, 200 | 201) {
        return ItemVerdict::Indexed;
    }
    let err = opensearch_error(status, body.error.as_ref());
    let opensearch_type = err.kind.opensearch_type();
    if status == 409 && opensearch_type == Some(VERSION_CONFLICT) {
        ItemVerdict::AlreadyPresent
    } else if status == 0 || is_retryable_item_status(status) {
        ItemVerdict::Retry(err)
    } else if status == 400
        && opensearch_type.is_some_and(|t| SALVAGEABLE_TYPES.contains(&t))
        && !already_salvaged
    {
        ItemVerdict::Salvage(err)
    } else {
        ItemVerdict::DeadLetter(err)
    }
}

/// The transport failed (connection refused or reset, timeout, TLS): retry the whole chunk.
pub fn classify_transport_error(err: ItemError) -> ResponseVerdict {
    ResponseVerdict::RetryAll(err)
}

/// What one answer means for the delivery: counts, and the chunks still to send.
#[derive(Debug, Default)]
pub struct NextSteps {
    /// Items stored by this request (including salvaged ones).
    pub indexed: usize,
    /// Of `indexed`, items stored in salvaged form.
    pub indexed_salvaged: usize,
    /// Items already present (409 on create).
    pub already_present: usize,
    /// Items to re-send after a backoff (attempts and last error updated).
    pub retry: Option<Chunk>,
    /// Chunks to send right away (salvaged rewrites, halves of a 413).
    pub resend_now: Vec<Chunk>,
    /// Items refused for good (attempts and last error updated): for the dead letter.
    pub refused: Chunk,
    /// Items that needed salvage (salvaged rewrites in `resend_now` + salvage impossible).
    pub salvage_attempts: usize,
    /// The chunk was split in half (413); the halves are in `resend_now`.
    pub split: bool,
}

/// Applies `verdict` to `chunk`: the pure core of the delivery loop.
pub fn next_steps(chunk: Chunk, verdict: ResponseVerdict) -> NextSteps {
    let mut steps = NextSteps::default();
    match verdict {
        ResponseVerdict::Items(verdicts) => apply_items(&chunk, verdicts, &mut steps),
        ResponseVerdict::RetryAll(err) => {
            steps.retry = Some(with_failure(chunk, &err));
        }
        ResponseVerdict::Split(err) => {
            if chunk.len() > 1 {
                let (a, b) = chunk.split_half();
                steps.split = true;
                steps.resend_now.push(a);
                steps.resend_now.push(b);
            } else {
                steps.refused = with_failure(chunk, &err);
            }
        }
        ResponseVerdict::DeadLetterAll(err) => {
            steps.refused = with_failure(chunk, &err);
        }
    }
    steps
}

/// The chunk with one more failed attempt and `err` as last error on every item.
fn with_failure(mut chunk: Chunk, err: &ItemError) -> Chunk {
    for item in chunk.items_mut() {
        item.attempts += 1;
        item.last_error = Some(Box::new(err.clone()));
    }
    chunk
}

fn apply_items(chunk: &Chunk, verdicts: Vec<ItemVerdict>, steps: &mut NextSteps) {
    let mut retry_idx = Vec::new();
    let mut retry_err = Vec::new();
    let mut refused_idx = Vec::new();
    let mut refused_err = Vec::new();
    let mut salvaged = Chunk::new();
    for (i, verdict) in verdicts.into_iter().enumerate() {
        let was_salvaged = chunk.items().get(i).is_some_and(|it| it.salvaged);
        match verdict {
            ItemVerdict::Indexed => {
                steps.indexed += 1;
                if was_salvaged {
                    steps.indexed_salvaged += 1;
                }
            }
            ItemVerdict::AlreadyPresent => steps.already_present += 1,
            ItemVerdict::Retry(err) => {
                retry_idx.push(i);
                retry_err.push(err);
            }
            ItemVerdict::Salvage(err) => {
                steps.salvage_attempts += 1;
                let rewritten = chunk
                    .source(i)
                    .and_then(|src| salvage_source(src, &err.summary()));
                match rewritten {
                    Some(src) => {
                        salvaged.push_rewritten(chunk, i, &src, true);
                        if let Some(last) = salvaged.items_mut().last() {
                            last.attempts += 1;
                            last.last_error = Some(Box::new(err));
                        }
                    }
                    None => {
                        refused_idx.push(i);
                        refused_err.push(err);
                    }
                }
            }
            ItemVerdict::DeadLetter(err) => {
                refused_idx.push(i);
                refused_err.push(err);
            }
        }
    }
    if !salvaged.is_empty() {
        steps.resend_now.push(salvaged);
    }
    if !retry_idx.is_empty() {
        steps.retry = Some(failed_once_more(chunk, retry_idx, retry_err));
    }
    if !refused_idx.is_empty() {
        steps.refused = failed_once_more(chunk, refused_idx, refused_err);
    }
}

/// The items at `which` of `chunk`, each with one more failed attempt and its error.
fn failed_once_more(chunk: &Chunk, which: Vec<usize>, errors: Vec<ItemError>) -> Chunk {
    let mut out = chunk.select(which);
    for (item, err) in out.items_mut().zip(errors) {
        item.attempts += 1;
        item.last_error = Some(Box::new(err));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::item::ItemErrorKind;
    use crate::time::EpochMillis;
    use serde_json::json;

    fn chunk(n: usize) -> Chunk {
        let mut c = Chunk::new();
        for i in 0..n {
            let src =
                json!({"body": format!("line {i}"), "attributes": {"fields": {"amount": "x"}}});
            c.push_source(
                "shiplog-2024.05.05",
                &format!("id{i}"),
                EpochMillis(1_714_881_662_000),
                src.to_string().as_bytes(),
            );
        }
        c
    }

    fn item(status: u16, error: Option<Value>) -> Value {
        let mut body = json!({"_index": "shiplog-2024.05.05", "_id": "x", "status": status});
        if let Some(e) = error {
            body["error"] = e;
        } else {
            body["result"] = json!("created");
            body["_version"] = json!(1);
        }
        json!({"create": body})
    }

    fn response(items: Vec<Value>) -> Vec<u8> {
        let errors = items.iter().any(|i| i["create"].get("error").is_some());
        serde_json::to_vec(&json!({"took": 3, "errors": errors, "items": items})).unwrap()
    }

    fn err(kind: &str, reason: &str) -> Option<Value> {
        Some(json!({"type": kind, "reason": reason, "index": "shiplog-2024.05.05"}))
    }

    #[test]
    fn all_created_is_all_indexed() {
        let c = chunk(2);
        let body = response(vec![item(201, None), item(200, None)]);
        assert_eq!(
            classify(200, &body, &c),
            ResponseVerdict::Items(vec![ItemVerdict::Indexed, ItemVerdict::Indexed])
        );
    }

    #[test]
    fn partial_failures_inside_a_200_are_read_item_by_item() {
        let c = chunk(6);
        let body = response(vec![
            item(201, None),
            item(
                409,
                err(
                    "version_conflict_engine_exception",
                    "[id1]: version conflict, document already exists (current version [1])",
                ),
            ),
            item(
                429,
                err(
                    "es_rejected_execution_exception",
                    "rejected execution of coordinating operation",
                ),
            ),
            item(
                400,
                err(
                    "mapper_parsing_exception",
                    "failed to parse field [attributes.fields.amount] of type [long]",
                ),
            ),
            item(
                503,
                err(
                    "unavailable_shards_exception",
                    "primary shard is not active",
                ),
            ),
            item(
                404,
                err(
                    "index_not_found_exception",
                    "no such index [shiplog-2024.05.05]",
                ),
            ),
        ]);
        let ResponseVerdict::Items(v) = classify(200, &body, &c) else {
            panic!("expected items");
        };
        assert_eq!(v[0], ItemVerdict::Indexed);
        assert_eq!(v[1], ItemVerdict::AlreadyPresent);
        assert!(
            matches!(&v[2], ItemVerdict::Retry(e) if e.status == 429 && e.kind.opensearch_type() == Some("es_rejected_execution_exception"))
        );
        assert!(
            matches!(&v[3], ItemVerdict::Salvage(e) if e.kind.opensearch_type() == Some("mapper_parsing_exception"))
        );
        assert!(matches!(&v[4], ItemVerdict::Retry(e) if e.status == 503));
        assert!(
            matches!(&v[5], ItemVerdict::DeadLetter(e) if e.status == 404 && e.reason.contains("no such index"))
        );
    }

    #[test]
    fn illegal_argument_and_document_parsing_are_salvaged_too() {
        let c = chunk(2);
        let body = response(vec![
            item(
                400,
                err(
                    "illegal_argument_exception",
                    "mapper [attributes.fields.a] cannot be changed",
                ),
            ),
            item(
                400,
                err("document_parsing_exception", "[1:20] failed to parse"),
            ),
        ]);
        let ResponseVerdict::Items(v) = classify(200, &body, &c) else {
            panic!()
        };
        assert!(v.iter().all(|x| matches!(x, ItemVerdict::Salvage(_))));
    }

    #[test]
    fn an_already_salvaged_item_is_not_salvaged_twice() {
        let c = chunk(1);
        let mut s = Chunk::new();
        s.push_rewritten(&c, 0, br#"{"body":"x"}"#, true);
        let body = response(vec![item(
            400,
            err("mapper_parsing_exception", "still bad"),
        )]);
        let ResponseVerdict::Items(v) = classify(200, &body, &s) else {
            panic!()
        };
        assert!(matches!(&v[0], ItemVerdict::DeadLetter(e) if e.reason == "still bad"));
    }

    #[test]
    fn other_400_and_other_409_are_dead_letters() {
        let c = chunk(2);
        let body = response(vec![
            item(
                400,
                err("strict_dynamic_mapping_exception", "mapping set to strict"),
            ),
            item(409, err("some_other_conflict", "?")),
        ]);
        let ResponseVerdict::Items(v) = classify(200, &body, &c) else {
            panic!()
        };
        assert!(v.iter().all(|x| matches!(x, ItemVerdict::DeadLetter(_))));
    }

    #[test]
    fn whole_request_statuses() {
        let c = chunk(1);
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify(s, b"", &c), ResponseVerdict::RetryAll(e) if e.status == s),
                "{s}"
            );
        }
        assert!(matches!(classify(413, b"", &c), ResponseVerdict::Split(_)));
        let forbidden = br#"{"message":"The security token included in the request is invalid."}"#;
        assert!(
            matches!(classify(403, forbidden, &c), ResponseVerdict::DeadLetterAll(e) if e.status == 403 && e.reason.contains("security token"))
        );
        let bad = br#"{"error":{"root_cause":[],"type":"illegal_argument_exception","reason":"Malformed action/metadata line [1]"},"status":400}"#;
        assert!(
            matches!(classify(400, bad, &c), ResponseVerdict::DeadLetterAll(e) if e.kind.opensearch_type() == Some("illegal_argument_exception"))
        );
        assert!(
            matches!(classify(401, b"Unauthorized", &c), ResponseVerdict::DeadLetterAll(e) if e.reason == "Unauthorized" && e.kind == ItemErrorKind::Shiplog(FailureReason::Http(401)) && e.kind.to_string() == "http_401")
        );
    }

    #[test]
    fn unreadable_or_mismatched_200_is_retried_whole() {
        let c = chunk(2);
        assert!(
            matches!(classify(200, b"<html>", &c), ResponseVerdict::RetryAll(e) if e.kind == ItemErrorKind::Shiplog(FailureReason::MalformedResponse))
        );
        assert!(matches!(
            classify(200, br#"{"took":1,"errors":false}"#, &c),
            ResponseVerdict::RetryAll(_)
        ));
        let one = response(vec![item(201, None)]);
        assert!(
            matches!(classify(200, &one, &c), ResponseVerdict::RetryAll(e) if e.reason.contains("1 items answered for 2"))
        );
    }

    #[test]
    fn item_without_status_is_retried_and_index_actions_are_read() {
        let c = chunk(2);
        let body = br#"{"errors":true,"items":[{"create":{"_id":"a"}},{"index":{"status":201}}]}"#;
        let ResponseVerdict::Items(v) = classify(200, body, &c) else {
            panic!()
        };
        assert!(matches!(v[0], ItemVerdict::Retry(_)));
        assert_eq!(v[1], ItemVerdict::Indexed);
    }

    #[test]
    fn next_steps_retries_only_the_transient_items_with_their_errors() {
        let c = chunk(4);
        let body = response(vec![
            item(201, None),
            item(429, err("es_rejected_execution_exception", "busy")),
            item(409, err("version_conflict_engine_exception", "exists")),
            item(502, err("bad_gateway", "oops")),
        ]);
        let steps = next_steps(c.clone(), classify(200, &body, &c));
        assert_eq!(steps.indexed, 1);
        assert_eq!(steps.already_present, 1);
        let retry = steps.retry.unwrap();
        assert_eq!(
            retry
                .items()
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            ["id1", "id3"]
        );
        assert_eq!(retry.lines(0), c.lines(1));
        assert_eq!(retry.items()[0].attempts, 1);
        assert_eq!(retry.items()[1].last_error.as_ref().unwrap().status, 502);
        assert!(steps.refused.is_empty() && steps.resend_now.is_empty());
    }

    #[test]
    fn next_steps_salvages_mapping_failures_once() {
        let c = chunk(2);
        let body = response(vec![
            item(201, None),
            item(
                400,
                err(
                    "mapper_parsing_exception",
                    "failed to parse field [attributes.fields.amount]",
                ),
            ),
        ]);
        let steps = next_steps(c.clone(), classify(200, &body, &c));
        assert_eq!(steps.salvage_attempts, 1);
        assert_eq!(steps.resend_now.len(), 1);
        let s = &steps.resend_now[0];
        assert_eq!(s.items()[0].id, "id1");
        assert!(s.items()[0].salvaged);
        let src: Value = serde_json::from_slice(s.source(0).unwrap()).unwrap();
        assert_eq!(src["body"], json!("line 1"));
        assert_eq!(src["attributes"]["fields_text"], json!(r#"{"amount":"x"}"#));
        assert_eq!(src["attributes"]["shiplog"]["salvaged"], json!(true));
        assert!(src["attributes"]["shiplog"]["salvage_reason"]
            .as_str()
            .unwrap()
            .starts_with("mapper_parsing_exception: failed to parse"));
        // The salvaged chunk answered 201 counts as indexed and salvaged.
        let ok = response(vec![item(201, None)]);
        let again = next_steps(s.clone(), classify(200, &ok, s));
        assert_eq!((again.indexed, again.indexed_salvaged), (1, 1));
    }

    #[test]
    fn next_steps_dead_letters_unsalvageable_documents_with_their_error() {
        let mut c = Chunk::new();
        c.push_source(
            "i",
            "noFields",
            EpochMillis(0),
            br#"{"body":"x","attributes":{}}"#,
        );
        let body = response(vec![item(400, err("mapper_parsing_exception", "bad body"))]);
        let steps = next_steps(c.clone(), classify(200, &body, &c));
        assert_eq!(steps.refused.len(), 1);
        let item = &steps.refused.items()[0];
        assert_eq!(item.id, "noFields");
        assert_eq!(item.attempts, 1);
        assert_eq!(item.last_error.as_ref().unwrap().reason, "bad body");
        assert_eq!(
            steps.refused.source(0).unwrap(),
            br#"{"body":"x","attributes":{}}"#
        );
    }

    #[test]
    fn next_steps_splits_on_413_and_dead_letters_a_lone_oversized_document() {
        let c = chunk(5);
        let steps = next_steps(c.clone(), classify(413, b"", &c));
        assert_eq!(
            steps.resend_now.iter().map(Chunk::len).collect::<Vec<_>>(),
            [2, 3]
        );
        let one = chunk(1);
        let steps = next_steps(one.clone(), classify(413, b"", &one));
        assert_eq!(steps.refused.len(), 1);
        assert_eq!(
            steps.refused.items()[0].last_error.as_ref().unwrap().status,
            413
        );
    }

    #[test]
    fn next_steps_retries_whole_chunk_on_503_and_dead_letters_on_403() {
        let c = chunk(3);
        let steps = next_steps(c.clone(), classify(503, b"", &c));
        let retry = steps.retry.unwrap();
        assert_eq!(retry.body(), c.body());
        assert!(retry
            .items()
            .iter()
            .all(|i| i.attempts == 1 && i.last_error.as_ref().unwrap().status == 503));
        let steps = next_steps(c.clone(), classify(403, br#"{"message":"denied"}"#, &c));
        assert_eq!(steps.refused.len(), 3);
        assert!(steps
            .refused
            .items()
            .iter()
            .all(|i| { i.last_error.as_ref().unwrap().reason == "denied" && i.attempts == 1 }));
    }

    #[test]
    fn transport_errors_retry_the_whole_chunk() {
        let c = chunk(2);
        let steps = next_steps(
            c,
            classify_transport_error(ItemError::transport(
                FailureReason::Timeout,
                "operation timed out",
            )),
        );
        let retry = steps.retry.unwrap();
        assert_eq!(
            retry.items()[0].last_error.as_ref().unwrap().kind,
            ItemErrorKind::Shiplog(FailureReason::Timeout)
        );
    }

    #[test]
    fn long_reasons_are_capped_on_a_char_boundary() {
        let e = ItemError::opensearch(400, "x", "é".repeat(2000));
        assert!(e.reason.len() <= MAX_REASON_BYTES);
    }
}
