//! A protocol-faithful fake OpenSearch on `127.0.0.1:0` (hyper 1), for the delivery tests.
//!
//! - `POST /_bulk` (and `/<index>/_bulk`): real NDJSON parsing (`create`/`index`/`delete`
//!   actions with `_index`/`_id`), gzip request bodies, storage by (index, `_id`) with versions,
//!   `409 version_conflict_engine_exception` on `create` of an existing id, and the real response
//!   shape (`{"took","errors","items":[{"create":{"_index","_id","_version","result","status",…}}]}`).
//! - `GET`/`PUT /_index_template/<name>`.
//! - Authentication: none, HTTP basic, or SigV4 verified by re-signing the received canonical
//!   request with the `aws-sigv4` crate and the known test credentials (never hand-rolled HMAC).
//! - Fault injection ([`Faults`]): per-item 429 for each document's first N attempts, whole 503
//!   for the first N `_bulk` requests, 413 above a body size, mapping 400 for documents carrying a
//!   field, added latency, failing template API.
//! - Inspection: stored documents, successful writes per document, request counts, bytes.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use bytes::Bytes;
use flate2::read::GzDecoder;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// Test access key id the fake accepts for SigV4.
pub const TEST_ACCESS_KEY: &str = "AKIDSHIPLOGTEST";
/// Test secret key the fake accepts for SigV4.
pub const TEST_SECRET_KEY: &str = "shiplog/test/secret+key";
/// Test region.
pub const TEST_REGION: &str = "eu-west-1";

/// How the fake authenticates requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeAuth {
    /// Anything goes.
    None,
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// User.
        username: String,
        /// Password.
        password: String,
    },
    /// SigV4 with these credentials, for this signing service (`es` or `aoss`) and region.
    SigV4 {
        /// `es` or `aoss` (`aoss` also requires `x-amz-content-sha256`).
        service: String,
        /// Region.
        region: String,
        /// Access key id.
        access_key: String,
        /// Secret key.
        secret_key: String,
        /// Session token, when the credentials have one.
        session_token: Option<String>,
    },
}

impl FakeAuth {
    /// SigV4 with [`TEST_ACCESS_KEY`]/[`TEST_SECRET_KEY`] in [`TEST_REGION`].
    pub fn sigv4(service: &str) -> Self {
        FakeAuth::SigV4 {
            service: service.to_owned(),
            region: TEST_REGION.to_owned(),
            access_key: TEST_ACCESS_KEY.to_owned(),
            secret_key: TEST_SECRET_KEY.to_owned(),
            session_token: None,
        }
    }
}

/// Injected faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Each document's first N `_bulk` attempts are answered with an item-level 429.
    pub item_429_first_attempts: u32,
    /// The first N `_bulk` requests are answered with a whole-request 503.
    pub whole_503_first_requests: u32,
    /// `_bulk` requests whose decompressed body is larger get a 413.
    pub max_body_bytes: Option<usize>,
    /// Documents that carry this dotted field (e.g. `attributes.fields.amount`) are refused with
    /// an item-level 400 `mapper_parsing_exception` (a mapping conflict).
    pub reject_field: Option<String>,
    /// Every request is answered after this delay.
    pub latency: Duration,
    /// The template API answers with this status (e.g. 500) instead of working.
    pub template_status: Option<u16>,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDoc {
    /// `_index`.
    pub index: String,
    /// `_id`.
    pub id: String,
    /// `_version`.
    pub version: u64,
    /// `_source`.
    pub source: Value,
}

#[derive(Debug, Default)]
struct State {
    auth: Option<FakeAuth>,
    faults: Faults,
    docs: HashMap<(String, String), StoredDoc>,
    writes: HashMap<(String, String), u32>,
    attempts: HashMap<(String, String), u32>,
    templates: HashMap<String, Value>,
    template_puts: usize,
    connections: usize,
    requests: usize,
    bulk_requests: usize,
    bytes_received: u64,
    bytes_decoded: u64,
    auth_failures: usize,
    bulk_encodings: Vec<Option<String>>,
    seq_no: u64,
}

/// The running fake; stops when dropped.
#[derive(Debug)]
pub struct FakeOpenSearch {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOpenSearch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FakeOpenSearch {
    /// Starts the fake on `127.0.0.1:0` (call inside a tokio runtime).
    pub async fn start(auth: FakeAuth, faults: Faults) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            auth: Some(auth),
            faults,
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                lock(&shared).connections += 1;
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FakeOpenSearch { addr, state, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the injected faults (attempt counters are kept).
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.state).faults = faults;
    }

    /// Every stored document, sorted by (index, id).
    pub fn docs(&self) -> Vec<StoredDoc> {
        let mut v: Vec<StoredDoc> = lock(&self.state).docs.values().cloned().collect();
        v.sort_by(|a, b| (&a.index, &a.id).cmp(&(&b.index, &b.id)));
        v
    }

    /// One stored document.
    pub fn doc(&self, index: &str, id: &str) -> Option<StoredDoc> {
        lock(&self.state)
            .docs
            .get(&(index.to_owned(), id.to_owned()))
            .cloned()
    }

    /// Successful writes (create/index) per (index, id): a document indexed exactly once has 1.
    pub fn writes(&self) -> HashMap<(String, String), u32> {
        lock(&self.state).writes.clone()
    }

    /// TCP connections accepted (keep-alive reuse keeps this low).
    pub fn connection_count(&self) -> usize {
        lock(&self.state).connections
    }

    /// Requests received (any route).
    pub fn request_count(&self) -> usize {
        lock(&self.state).requests
    }

    /// `_bulk` requests received.
    pub fn bulk_request_count(&self) -> usize {
        lock(&self.state).bulk_requests
    }

    /// Body bytes received as sent (compressed when gzip'd).
    pub fn bytes_received(&self) -> u64 {
        lock(&self.state).bytes_received
    }

    /// Body bytes after decompression.
    pub fn bytes_decoded(&self) -> u64 {
        lock(&self.state).bytes_decoded
    }

    /// Requests refused by authentication.
    pub fn auth_failures(&self) -> usize {
        lock(&self.state).auth_failures
    }

    /// `Content-Encoding` of each `_bulk` request, in order.
    pub fn bulk_encodings(&self) -> Vec<Option<String>> {
        lock(&self.state).bulk_encodings.clone()
    }

    /// A stored index template.
    pub fn template(&self, name: &str) -> Option<Value> {
        lock(&self.state).templates.get(name).cloned()
    }

    /// Stores an index template as if someone had installed it.
    pub fn put_template(&self, name: &str, template: Value) {
        lock(&self.state)
            .templates
            .insert(name.to_owned(), template);
    }

    /// `PUT _index_template` requests accepted.
    pub fn template_puts(&self) -> usize {
        lock(&self.state).template_puts
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: u16, body: &Value) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    resp
}

fn error_body(status: u16, kind: &str, reason: &str) -> Value {
    json!({"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}, "status": status})
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Reply, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(reply(
                400,
                &error_body(400, "parse_exception", "unreadable body"),
            ))
        }
    };
    let latency = {
        let mut s = lock(&state);
        s.requests += 1;
        s.bytes_received += body.len() as u64;
        s.faults.latency
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let auth = lock(&state).auth.clone().unwrap_or(FakeAuth::None);
    if let Err((status, why)) = check_auth(&auth, &parts, &body) {
        lock(&state).auth_failures += 1;
        return Ok(reply(status, &json!({"message": why})));
    }
    let encoding = header("content-encoding");
    let decoded = match encoding.as_deref() {
        Some("gzip") => {
            let mut out = Vec::new();
            if GzDecoder::new(&body[..]).read_to_end(&mut out).is_err() {
                return Ok(reply(
                    400,
                    &error_body(400, "parse_exception", "request body is not valid gzip"),
                ));
            }
            out
        }
        None => body.to_vec(),
        Some(other) => {
            return Ok(reply(
                415,
                &error_body(
                    415,
                    "illegal_argument_exception",
                    &format!("unsupported encoding {other}"),
                ),
            ));
        }
    };
    lock(&state).bytes_decoded += decoded.len() as u64;
    let path = parts.uri.path();
    let method = parts.method.as_str();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let answer = match (method, segments.as_slice()) {
        ("POST" | "PUT", ["_bulk"]) => bulk(&state, None, &decoded, encoding),
        ("POST" | "PUT", [index, "_bulk"]) => bulk(&state, Some(index), &decoded, encoding),
        ("GET", ["_index_template", name]) => get_template(&state, name),
        ("PUT" | "POST", ["_index_template", name]) => put_template(&state, name, &decoded),
        _ => reply(
            404,
            &error_body(
                404,
                "no_handler_found",
                &format!("no handler for {method} {path}"),
            ),
        ),
    };
    Ok(answer)
}

fn check_auth(
    auth: &FakeAuth,
    parts: &hyper::http::request::Parts,
    body: &[u8],
) -> Result<(), (u16, String)> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    match auth {
        FakeAuth::None => Ok(()),
        FakeAuth::Basic { username, password } => {
            let want = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            );
            if header("authorization") == Some(want.as_str()) {
                Ok(())
            } else {
                Err((401, "Unauthorized".to_owned()))
            }
        }
        FakeAuth::SigV4 {
            service,
            region,
            access_key,
            secret_key,
            session_token,
        } => verify_sigv4(
            parts,
            body,
            service,
            region,
            access_key,
            secret_key,
            session_token.as_deref(),
        )
        .map_err(|why| (403, why)),
    }
}

/// Parses `20240505T040102Z`.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(9..11)?,
        s.get(11..13)?,
        s.get(13..15)?
    );
    let ms = shiplog::time::parse_rfc3339ish(&iso)?.0;
    Some(SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).ok()?))
}

/// Verifies a SigV4-signed request by signing the same canonical request again with the known
/// credentials (through `aws-sigv4`) and comparing the `Authorization` header.
#[allow(clippy::too_many_arguments)]
fn verify_sigv4(
    parts: &hyper::http::request::Parts,
    body: &[u8],
    service: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
    session_token: Option<&str>,
) -> Result<(), String> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let authz = header("authorization").ok_or("missing Authorization header")?;
    let rest = authz
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("Authorization is not AWS4-HMAC-SHA256")?;
    let mut credential = None;
    let mut signed_headers = None;
    for part in rest.split(", ") {
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        }
    }
    let credential = credential.ok_or("no Credential")?;
    let signed_headers = signed_headers.ok_or("no SignedHeaders")?;
    let scope: Vec<&str> = credential.split('/').collect();
    match scope.as_slice() {
        [key, _date, r, s, "aws4_request"]
            if *key == access_key && *r == region && *s == service => {}
        _ => {
            return Err(format!(
                "credential scope {credential} does not match {access_key}/…/{region}/{service}"
            ))
        }
    }
    let date = header("x-amz-date").ok_or("missing x-amz-date")?;
    let time = parse_amz_date(date).ok_or("bad x-amz-date")?;
    let signed: Vec<&str> = signed_headers.split(';').collect();
    if !signed.contains(&"host") {
        return Err("host is not signed".to_owned());
    }
    let wants_payload_hash = signed.contains(&"x-amz-content-sha256");
    if service == "aoss" && (!wants_payload_hash || header("x-amz-content-sha256").is_none()) {
        return Err("aoss requires a signed x-amz-content-sha256 header".to_owned());
    }
    if header("x-amz-security-token") != session_token {
        return Err("session token mismatch".to_owned());
    }
    let mut headers = Vec::new();
    for name in &signed {
        if matches!(
            *name,
            "x-amz-date" | "x-amz-content-sha256" | "x-amz-security-token"
        ) {
            continue;
        }
        let value = header(name).ok_or_else(|| format!("signed header {name} is missing"))?;
        headers.push((*name, value));
    }
    let host = header("host").ok_or("missing host")?;
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("http://{host}{path_and_query}");
    let creds = Credentials::new(
        access_key,
        secret_key,
        session_token.map(str::to_owned),
        None,
        "fake-opensearch",
    );
    let identity = creds.into();
    let mut settings = SigningSettings::default();
    if wants_payload_hash {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let request = SignableRequest::new(
        parts.method.as_str(),
        url,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let expected: HashMap<&str, &str> = instructions.headers().collect();
    if expected.get("authorization") != Some(&authz) {
        return Err(
            "The request signature we calculated does not match the signature you provided."
                .to_owned(),
        );
    }
    if wants_payload_hash
        && expected.get("x-amz-content-sha256").copied() != header("x-amz-content-sha256")
    {
        return Err("x-amz-content-sha256 does not match the payload".to_owned());
    }
    Ok(())
}

/// Looks up a dotted path in a nested JSON object (also accepting dotted keys).
fn has_field(doc: &Value, path: &str) -> bool {
    if doc.get(path).is_some() {
        return true;
    }
    let mut split = path.match_indices('.').map(|(i, _)| i).collect::<Vec<_>>();
    split.reverse();
    split.into_iter().any(|i| {
        let (head, tail) = (&path[..i], &path[i + 1..]);
        doc.get(head).is_some_and(|child| has_field(child, tail))
    })
}

struct BulkItemResult {
    op: String,
    body: Value,
    failed: bool,
}

fn item_error(index: &str, id: &str, status: u16, kind: &str, reason: String) -> Value {
    json!({
        "_index": index,
        "_id": id,
        "status": status,
        "error": {"type": kind, "reason": reason, "index": index, "shard": "0", "index_uuid": "fakeUUID"}
    })
}

fn bulk(
    state: &Mutex<State>,
    default_index: Option<&str>,
    body: &[u8],
    encoding: Option<String>,
) -> Reply {
    let mut s = lock(state);
    s.bulk_requests += 1;
    s.bulk_encodings.push(encoding);
    if s.bulk_requests <= s.faults.whole_503_first_requests as usize {
        return reply(
            503,
            &error_body(
                503,
                "cluster_block_exception",
                "blocked by: [SERVICE_UNAVAILABLE/2/no master]",
            ),
        );
    }
    if let Some(max) = s.faults.max_body_bytes {
        if body.len() > max {
            return reply(
                413,
                &json!({"Message": format!("Request size exceeded {max} bytes")}),
            );
        }
    }
    let mut lines = body
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty());
    let mut results = Vec::new();
    while let Some((n, action_line)) = lines.next() {
        let malformed = |why: &str| {
            reply(
                400,
                &error_body(
                    400,
                    "illegal_argument_exception",
                    &format!("Malformed action/metadata line [{}], {why}", n + 1),
                ),
            )
        };
        let Ok(Value::Object(action)) = serde_json::from_slice::<Value>(action_line) else {
            return malformed("expected a JSON object");
        };
        let Some((op, meta)) = action.iter().next() else {
            return malformed("expected an action");
        };
        let op = op.clone();
        let index = meta
            .get("_index")
            .and_then(Value::as_str)
            .or(default_index)
            .unwrap_or("")
            .to_owned();
        let id = meta.get("_id").and_then(Value::as_str).map(str::to_owned);
        if index.is_empty() {
            return malformed("missing _index");
        }
        let source = match op.as_str() {
            "create" | "index" => match lines.next() {
                Some((_, line)) => match serde_json::from_slice::<Value>(line) {
                    Ok(v @ Value::Object(_)) => Some(v),
                    _ => {
                        results.push(BulkItemResult {
                            body: item_error(
                                &index,
                                id.as_deref().unwrap_or(""),
                                400,
                                "document_parsing_exception",
                                "[1:1] failed to parse: not a JSON object".to_owned(),
                            ),
                            op,
                            failed: true,
                        });
                        continue;
                    }
                },
                None => return malformed("the action is missing its source line"),
            },
            "delete" => None,
            other => return malformed(&format!("unknown action [{other}]")),
        };
        let result = apply_item(&mut s, &op, index, id, source);
        results.push(result);
    }
    let errors = results.iter().any(|r| r.failed);
    let items: Vec<Value> = results
        .into_iter()
        .map(|r| json!({ r.op: r.body }))
        .collect();
    reply(200, &json!({"took": 3, "errors": errors, "items": items}))
}

fn apply_item(
    s: &mut State,
    op: &str,
    index: String,
    id: Option<String>,
    source: Option<Value>,
) -> BulkItemResult {
    s.seq_no += 1;
    let seq_no = s.seq_no;
    // Fault counters follow the document: its id, or its source when it has no id.
    let attempt_key = match (&id, &source) {
        (Some(id), _) => (index.clone(), id.clone()),
        (None, Some(src)) => (index.clone(), format!("source:{src}")),
        (None, None) => (index.clone(), String::new()),
    };
    let id = id.unwrap_or_else(|| format!("auto{seq_no}"));
    let key = (index.clone(), id.clone());
    let attempt = {
        let a = s.attempts.entry(attempt_key).or_insert(0);
        *a += 1;
        *a
    };
    let fail = |status: u16, kind: &str, reason: String| BulkItemResult {
        op: op.to_owned(),
        body: item_error(&index, &id, status, kind, reason),
        failed: true,
    };
    if attempt <= s.faults.item_429_first_attempts {
        return fail(429, "es_rejected_execution_exception", "rejected execution of coordinating operation [shard_detail=[0]], coordinating_and_primary_bytes=[104857600], max_coordinating_and_primary_bytes=[104857600]".to_owned());
    }
    if let (Some(field), Some(src)) = (&s.faults.reject_field, &source) {
        if has_field(src, field) {
            return fail(400, "mapper_parsing_exception", format!("failed to parse field [{field}] of type [long] in document with id '{id}'. Preview of field's value: 'not a number'"));
        }
    }
    let shards = json!({"total": 2, "successful": 1, "failed": 0});
    match (op, source) {
        ("delete", _) => match s.docs.remove(&key) {
            Some(d) => BulkItemResult {
                op: op.to_owned(),
                body: json!({"_index": index, "_id": id, "_version": d.version + 1, "result": "deleted", "_shards": shards, "_seq_no": seq_no, "_primary_term": 1, "status": 200}),
                failed: false,
            },
            None => BulkItemResult {
                op: op.to_owned(),
                body: json!({"_index": index, "_id": id, "_version": 1, "result": "not_found", "_shards": shards, "_seq_no": seq_no, "_primary_term": 1, "status": 404}),
                failed: false,
            },
        },
        (_, Some(source)) => {
            let existing = s.docs.get(&key).map(|d| d.version);
            if op == "create" {
                if let Some(v) = existing {
                    return fail(409, "version_conflict_engine_exception", format!("[{id}]: version conflict, document already exists (current version [{v}])"));
                }
            }
            let version = existing.map_or(1, |v| v + 1);
            s.docs.insert(
                key.clone(),
                StoredDoc {
                    index: index.clone(),
                    id: id.clone(),
                    version,
                    source,
                },
            );
            *s.writes.entry(key).or_insert(0) += 1;
            let (result, status) = if version == 1 {
                ("created", 201)
            } else {
                ("updated", 200)
            };
            BulkItemResult {
                op: op.to_owned(),
                body: json!({"_index": index, "_id": id, "_version": version, "result": result, "_shards": shards, "_seq_no": seq_no, "_primary_term": 1, "status": status}),
                failed: false,
            }
        }
        (_, None) => fail(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: source is missing;".to_owned(),
        ),
    }
}

fn get_template(state: &Mutex<State>, name: &str) -> Reply {
    let s = lock(state);
    if let Some(status) = s.faults.template_status {
        return reply(
            status,
            &error_body(status, "fake_failure", "template API failure injected"),
        );
    }
    match s.templates.get(name) {
        Some(t) => reply(
            200,
            &json!({"index_templates": [{"name": name, "index_template": t}]}),
        ),
        None => reply(
            404,
            &error_body(
                404,
                "resource_not_found_exception",
                &format!("index template matching [{name}] not found"),
            ),
        ),
    }
}

fn put_template(state: &Mutex<State>, name: &str, body: &[u8]) -> Reply {
    let mut s = lock(state);
    if let Some(status) = s.faults.template_status {
        return reply(
            status,
            &error_body(status, "fake_failure", "template API failure injected"),
        );
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(t)) if t.get("index_patterns").is_some() => {
            s.templates.insert(name.to_owned(), Value::Object(t));
            s.template_puts += 1;
            reply(200, &json!({"acknowledged": true}))
        }
        _ => reply(
            400,
            &error_body(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: index patterns are missing;",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_field_lookup() {
        let doc = json!({"attributes": {"fields": {"amount": 1}}, "a.b": 2});
        assert!(has_field(&doc, "attributes.fields.amount"));
        assert!(has_field(&doc, "a.b"));
        assert!(!has_field(&doc, "attributes.fields.other"));
    }

    #[test]
    fn amz_dates_parse() {
        let t = parse_amz_date("20240505T040102Z").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_714_881_662
        );
        assert!(parse_amz_date("2024-05-05").is_none());
    }
}
