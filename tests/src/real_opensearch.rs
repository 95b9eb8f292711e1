//! The real OpenSearch node of a test run (2.19, embedded from Maven Central's jars by
//! `scripts/opensearch.sh`), and a small JSON client for what the tests ask it.
//!
//! `scripts/test.sh` starts one node before the Rust tests and exports its base URL as
//! [`URL_ENV`]; a test run without it (plain `cargo test`) starts or reuses the same node through
//! `scripts/opensearch.sh start`. There is no skip: a test that needs the engine fails with the
//! reason when no node can be had, locally and under `CI=true` alike.
//!
//! Tests share the node and keep out of each other's way with [`RealOpenSearch::unique_prefix`]:
//! every index, template and alias a test creates starts with its own prefix.
//!
//! ```no_run
//! # async fn demo() {
//! let os = shiplog_tests::real_opensearch::RealOpenSearch::shared();
//! let prefix = os.unique_prefix("demo");
//! os.refresh(&format!("{prefix}-*")).await;
//! assert_eq!(os.count(&format!("{prefix}-*")).await, 0);
//! # }
//! ```

// A harness for tests: a node that cannot be reached or an answer that is not 2xx fails the test
// that asked, loudly and with the reason.
#![allow(clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable holding the base URL of the test run's node.
pub const URL_ENV: &str = "SHIPLOG_OPENSEARCH_URL";

/// Upper bound on one request to the node (a force-merge or a large `_bulk` included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A real OpenSearch node and an HTTP client for it.
#[derive(Clone, Debug)]
pub struct RealOpenSearch {
    url: String,
    http: reqwest::Client,
}

/// What the node answered: the HTTP status and the JSON body (`Value::Null` when not JSON).
#[derive(Clone, Debug)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The parsed body.
    pub body: Value,
}

impl RealOpenSearch {
    /// The node of this test run: [`URL_ENV`] when set, else the one `scripts/opensearch.sh
    /// start` starts or reuses. Panics with the reason when there is none (never skips).
    pub fn shared() -> Self {
        static URL: OnceLock<Result<String, String>> = OnceLock::new();
        match URL.get_or_init(find_or_start_shared_node) {
            Ok(url) => Self::at(url),
            Err(why) => panic!("a real OpenSearch node is needed and none could be had: {why}"),
        }
    }

    /// A client for the node at `url`.
    pub fn at(url: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap_or_else(|e| panic!("building an HTTP client: {e}"));
        Self {
            url: url.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// The node's base URL (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A prefix no other test (of this run or an earlier one on the same node) uses: lowercase,
    /// `t-<name>-<pid>-<n>-<ms>`, valid as an index, template and alias name.
    pub fn unique_prefix(&self, name: &str) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let name: String = name
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                c @ ('a'..='z' | '0'..='9' | '-') => c,
                _ => '-',
            })
            .collect();
        format!("t-{name}-{}-{n}-{ms}", std::process::id())
    }

    /// Sends `method path` with an optional JSON body; panics only when the node cannot be
    /// reached (an HTTP error status is returned in the [`Answer`]).
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.url));
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        self.answer(&method, path, req).await
    }

    /// Sends an NDJSON body (`_bulk`, `_msearch`) to `path` with POST.
    pub async fn post_ndjson(&self, path: &str, body: impl Into<Vec<u8>>) -> Answer {
        let req = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-ndjson")
            .body(body.into());
        self.answer(&reqwest::Method::POST, path, req).await
    }

    async fn answer(
        &self,
        method: &reqwest::Method,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Answer {
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {}{path}: {e}", self.url));
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{method} {}{path}: reading the body: {e}", self.url));
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// GET `path`; panics unless the status is 2xx.
    pub async fn get_ok(&self, path: &str) -> Value {
        self.ok(reqwest::Method::GET, path, None).await
    }

    /// PUT `path` with `body`; panics unless the status is 2xx.
    pub async fn put_ok(&self, path: &str, body: &Value) -> Value {
        self.ok(reqwest::Method::PUT, path, Some(body)).await
    }

    /// POST `path` with `body`; panics unless the status is 2xx.
    pub async fn post_ok(&self, path: &str, body: &Value) -> Value {
        self.ok(reqwest::Method::POST, path, Some(body)).await
    }

    async fn ok(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        let a = self.request(method.clone(), path, body).await;
        assert!(
            (200..300).contains(&a.status),
            "{method} {path} answered {}: {}",
            a.status,
            a.body
        );
        a.body
    }

    /// Makes everything indexed so far under `pattern` searchable.
    pub async fn refresh(&self, pattern: &str) {
        self.post_ok(
            &format!("/{pattern}/_refresh?allow_no_indices=true&expand_wildcards=all"),
            &Value::Null,
        )
        .await;
    }

    /// The number of documents under `pattern` (after a refresh).
    pub async fn count(&self, pattern: &str) -> u64 {
        self.refresh(pattern).await;
        let body = self
            .get_ok(&format!("/{pattern}/_count?allow_no_indices=true"))
            .await;
        body["count"]
            .as_u64()
            .unwrap_or_else(|| panic!("_count of {pattern} answered {body}"))
    }

    /// Runs `query` (a `_search` body) on `pattern` after a refresh; returns the whole answer.
    pub async fn search(&self, pattern: &str, query: &Value) -> Value {
        self.refresh(pattern).await;
        self.post_ok(&format!("/{pattern}/_search?allow_no_indices=true"), query)
            .await
    }

    /// The `_source` of every hit of `query` on `pattern` (at most 10 000), in hit order.
    pub async fn sources(&self, pattern: &str, query: &Value) -> Vec<Value> {
        let mut query = query.clone();
        if let Some(q) = query.as_object_mut() {
            q.entry("size").or_insert(Value::from(10_000));
        }
        let answer = self.search(pattern, &query).await;
        answer["hits"]["hits"]
            .as_array()
            .map(|hits| hits.iter().map(|h| h["_source"].clone()).collect())
            .unwrap_or_default()
    }

    /// Deletes every index under `pattern` and the index template `template` when given; what
    /// does not exist is not an error.
    pub async fn delete(&self, pattern: &str, template: Option<&str>) {
        let _ = self
            .request(
                reqwest::Method::DELETE,
                &format!("/{pattern}?allow_no_indices=true&expand_wildcards=all"),
                None,
            )
            .await;
        if let Some(t) = template {
            let _ = self
                .request(
                    reqwest::Method::DELETE,
                    &format!("/_index_template/{t}"),
                    None,
                )
                .await;
        }
    }
}

/// A node of a test's own, with its own data directory, started and stopped through
/// `scripts/opensearch.sh` (for tests that stop the engine or restart it on the same data);
/// stopped on drop.
#[derive(Debug)]
pub struct PrivateNode {
    state: PathBuf,
    url: Option<String>,
}

impl PrivateNode {
    /// Starts a node whose state (data, log, URL) lives in `state`.
    pub fn start(state: &Path) -> Result<Self, String> {
        let mut node = Self {
            state: state.to_owned(),
            url: None,
        };
        node.restart()?;
        Ok(node)
    }

    /// The node's base URL while it runs.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Stops the node (its data stays).
    pub fn stop(&mut self) -> Result<(), String> {
        self.url = None;
        run_script("stop", Some(&self.state)).map(|_| ())
    }

    /// Starts the node again on the same data directory (on a new port).
    pub fn restart(&mut self) -> Result<&str, String> {
        let url = run_script("start", Some(&self.state))?;
        Ok(self.url.insert(url).as_str())
    }
}

impl Drop for PrivateNode {
    fn drop(&mut self) {
        let _ = run_script("stop", Some(&self.state));
    }
}

fn find_or_start_shared_node() -> Result<String, String> {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Ok(url.trim().to_owned()),
        _ => run_script("start", None),
    }
}

/// Runs `scripts/opensearch.sh VERB [STATE]` and returns what it printed last (the URL).
fn run_script(verb: &str, state: Option<&Path>) -> Result<String, String> {
    let script = crate::repo_root().join("scripts/opensearch.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).arg(verb);
    if let Some(state) = state {
        cmd.arg(state);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("running {} {verb}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} {verb} failed ({}): {}{}",
            script.display(),
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout.lines().last().unwrap_or_default().trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::RealOpenSearch;

    #[tokio::test]
    async fn the_test_run_has_a_real_opensearch_2_19_node() {
        let os = RealOpenSearch::shared();
        let root = os.get_ok("/").await;
        assert_eq!(root["version"]["distribution"], "opensearch");
        let version = root["version"]["number"].as_str().unwrap_or_default();
        assert!(version.starts_with("2.19."), "{root}");
        let health = os.get_ok("/_cluster/health").await;
        assert!(
            ["yellow", "green"].contains(&health["status"].as_str().unwrap_or_default()),
            "{health}"
        );
    }

    #[tokio::test]
    async fn a_unique_prefix_starts_empty_and_counts_what_is_indexed() {
        let os = RealOpenSearch::shared();
        let prefix = os.unique_prefix("Harness Count");
        assert!(prefix.starts_with("t-harness-count-"), "{prefix}");
        let pattern = format!("{prefix}-*");
        assert_eq!(os.count(&pattern).await, 0);
        let bulk = format!(
            "{{\"create\":{{\"_index\":\"{prefix}-a\",\"_id\":\"1\"}}}}\n{{\"x\":1}}\n\
             {{\"create\":{{\"_index\":\"{prefix}-a\",\"_id\":\"2\"}}}}\n{{\"x\":2}}\n"
        );
        let a = os.post_ndjson("/_bulk", bulk).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["errors"], false, "{}", a.body);
        assert_eq!(os.count(&pattern).await, 2);
        os.delete(&pattern, None).await;
        assert_eq!(os.count(&pattern).await, 0);
    }
}
