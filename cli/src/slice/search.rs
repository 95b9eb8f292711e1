//! The searches of a slice, over the adapters' OpenSearch client: one JSON search, and paging
//! through a query's documents in time order with `search_after` inside a point in time (or,
//! where point-in-time is refused, `search_after` alone), one page in memory at a time.

use serde_json::{json, Value};
use shiplog_adapters::opensearch::OpenSearchClient;
use std::fmt;

/// How long OpenSearch keeps the point in time between two pages.
const KEEP_ALIVE: &str = "2m";

/// Why a search failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchError {
    /// No answer: connection refused, DNS, TLS, timeout.
    Unreachable(String),
    /// 401 / 403.
    Credentials(u16, String),
    /// Another error status, with OpenSearch's reason.
    Refused(u16, String),
    /// A 2xx answer that is not JSON.
    BadAnswer(String),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::Unreachable(detail) => write!(f, "cannot reach OpenSearch: {detail}"),
            SearchError::Credentials(status, reason) => write!(
                f,
                "OpenSearch refused the credentials (HTTP {status}): {reason}; check --auth and \
                 --secret-id (or the AWS credentials and region for SigV4)"
            ),
            SearchError::Refused(status, reason) => {
                write!(f, "OpenSearch answered HTTP {status}: {reason}")
            }
            SearchError::BadAnswer(detail) => {
                write!(
                    f,
                    "OpenSearch answered something that is not JSON: {detail}"
                )
            }
        }
    }
}

/// OpenSearch's own reason in an error body (`error.root_cause[0].reason`, `error.reason`,
/// `message`), else the body's start.
pub(crate) fn error_reason(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    let reason = parsed.as_ref().and_then(|v| {
        [
            &v["error"]["root_cause"][0]["reason"],
            &v["error"]["reason"],
            &v["error"],
            &v["message"],
            &v["Message"],
        ]
        .into_iter()
        .find_map(|r| r.as_str().map(str::to_owned))
    });
    reason.unwrap_or_else(|| text.chars().take(300).collect())
}

/// The answer of one exchange, judged.
pub(crate) fn judge(answer: (u16, Vec<u8>)) -> Result<Value, SearchError> {
    let (status, body) = answer;
    match status {
        200..=299 => {
            serde_json::from_slice(&body).map_err(|e| SearchError::BadAnswer(e.to_string()))
        }
        401 | 403 => Err(SearchError::Credentials(status, error_reason(&body))),
        _ => Err(SearchError::Refused(status, error_reason(&body))),
    }
}

/// The searches of one slice against one cluster.
pub(crate) struct Searcher<'c> {
    client: &'c OpenSearchClient,
    page_size: usize,
}

impl<'c> Searcher<'c> {
    /// Searches through `client`, `page_size` documents per page.
    pub(crate) fn new(client: &'c OpenSearchClient, page_size: usize) -> Self {
        Searcher {
            client,
            page_size: page_size.max(1),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, SearchError> {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let answer = self
            .client
            .send_json(method, path, bytes)
            .await
            .map_err(|e| SearchError::Unreachable(format!("{} ({})", e.reason, e.kind)))?;
        judge(answer)
    }

    /// `POST /<pattern>/_search` with `body`.
    pub(crate) async fn search(&self, pattern: &str, body: &Value) -> Result<Value, SearchError> {
        self.send("POST", &format!("/{pattern}/_search"), Some(body))
            .await
    }

    /// Opens a point in time over `pattern`; `None` when the cluster refuses one (OpenSearch
    /// Serverless, an old version): paging then goes without.
    pub(crate) async fn open_pit(&self, pattern: &str) -> Result<Option<String>, SearchError> {
        let path = format!("/{pattern}/_search/point_in_time?keep_alive={KEEP_ALIVE}");
        match self.send("POST", &path, None).await {
            Ok(v) => Ok(v["pit_id"].as_str().map(str::to_owned)),
            Err(SearchError::Refused(..) | SearchError::BadAnswer(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Closes a point in time (best effort: it expires by itself).
    pub(crate) async fn close_pit(&self, pit: &str) {
        let body = json!({ "pit_id": [pit] });
        let _ = self
            .send("DELETE", "/_search/point_in_time", Some(&body))
            .await;
    }

    /// Calls `each` with every page (the hits) of `query`'s documents in time order (`@timestamp`,
    /// then `_id`), reading one page at a time; within `pit` when given, else over `pattern`.
    /// Returns the number of documents.
    pub(crate) async fn pages(
        &self,
        pattern: &str,
        pit: &mut Option<String>,
        query: &Value,
        mut each: impl FnMut(&[Value]) -> std::io::Result<()>,
    ) -> Result<u64, PageError> {
        let mut after: Option<Value> = None;
        let mut count = 0u64;
        loop {
            let mut body = json!({
                "size": self.page_size,
                "query": query,
                "sort": [{ "@timestamp": "asc" }, { "_id": "asc" }],
                "track_total_hits": false,
            });
            if let Some(after) = &after {
                body["search_after"] = after.clone();
            }
            let response = match pit.as_deref() {
                Some(id) => {
                    body["pit"] = json!({ "id": id, "keep_alive": KEEP_ALIVE });
                    self.send("POST", "/_search", Some(&body)).await
                }
                None => self.search(pattern, &body).await,
            }
            .map_err(PageError::Search)?;
            if let (Some(slot), Some(id)) = (pit.as_mut(), response["pit_id"].as_str()) {
                id.clone_into(slot);
            }
            let hits = response["hits"]["hits"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            count += hits.len() as u64;
            each(&hits).map_err(PageError::Output)?;
            match hits.last().map(|h| h["sort"].clone()) {
                Some(sort) if hits.len() == self.page_size && sort.is_array() => after = Some(sort),
                _ => return Ok(count),
            }
        }
    }
}

/// Why paging stopped.
#[derive(Debug)]
pub(crate) enum PageError {
    /// A search failed.
    Search(SearchError),
    /// Writing the output failed (a closed pipe).
    Output(std::io::Error),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn statuses_are_judged_with_opensearchs_reason() {
        assert_eq!(
            judge((200, b"{\"a\":1}".to_vec())).unwrap(),
            json!({"a": 1})
        );
        let body = br#"{"error":{"root_cause":[{"reason":"no permissions for [indices:data/read/search]"}]},"status":403}"#;
        let err = judge((403, body.to_vec())).unwrap_err();
        assert_eq!(
            err,
            SearchError::Credentials(
                403,
                "no permissions for [indices:data/read/search]".to_owned()
            )
        );
        assert!(err.to_string().contains("check --auth"), "{err}");
        assert_eq!(
            judge((401, b"Unauthorized".to_vec())).unwrap_err(),
            SearchError::Credentials(401, "Unauthorized".to_owned())
        );
        assert_eq!(
            judge((
                400,
                br#"{"error":{"reason":"failed to parse date field [yesterday]"}}"#.to_vec()
            ))
            .unwrap_err(),
            SearchError::Refused(400, "failed to parse date field [yesterday]".to_owned())
        );
        assert!(matches!(
            judge((200, b"<html>".to_vec())),
            Err(SearchError::BadAnswer(_))
        ));
    }
}
