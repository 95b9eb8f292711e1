//! A small Lambda Runtime API emulator, to run a built Lambda binary as a black box.
//!
//! [`RuntimeApi::start`] serves, on `127.0.0.1:<free port>`, the endpoints a custom runtime
//! (here `lambda_runtime`) talks to:
//!
//! - `GET  /2018-06-01/runtime/invocation/next` — long-polls until an event is enqueued, answers
//!   it with the headers `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms` (epoch ms
//!   from the invocation's timeout, or a raw value: [`RuntimeApi::enqueue_with_deadline`]),
//!   `Lambda-Runtime-Invoked-Function-Arn`, `Lambda-Runtime-Trace-Id`;
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `…/{id}/error` — collected as the
//!   invocation's [`Outcome`];
//! - `POST /2018-06-01/runtime/init/error` — collected as the init error.
//!
//! Every other request is recorded ([`RuntimeApi::recorded`]) and answered `200`, so the same
//! server doubles as a sink for callbacks such as a CloudFormation `ResponseURL`
//! ([`RuntimeApi::url`]).
//!
//! [`LambdaProcess::spawn`] starts a binary with `AWS_LAMBDA_RUNTIME_API` pointing here, the
//! variables Lambda sets, and the caller's variables (the parent environment is **not**
//! inherited, so a developer's AWS profile cannot leak in), capturing stdout and stderr.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use shiplog_tests::runtime_api::{LambdaProcess, RuntimeApi};
//! use std::time::Duration;
//! let api = RuntimeApi::start("my-function").await?;
//! let process = LambdaProcess::spawn("target/debug/my-function".as_ref(), &api, &[])?;
//! let id = api.enqueue_json(&serde_json::json!({"hello": 1}), Duration::from_secs(30));
//! let outcome = api.outcome(&id, Duration::from_secs(30)).await;
//! # drop(process); Ok(()) }
//! ```

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

/// Path prefix of the Runtime API.
pub const API_PREFIX: &str = "/2018-06-01/runtime";
/// Region and account of the emulated function ARN.
const ARN_PREFIX: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

/// An event to hand to the function.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The event bytes.
    pub payload: Vec<u8>,
    /// Time the function gets, counted from when it picks the event up.
    pub timeout: Duration,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: String,
}

/// The `Lambda-Runtime-Deadline-Ms` header sent with an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineHeader {
    /// What Lambda sends: epoch ms of the moment the event is picked up plus
    /// [`Invocation::timeout`].
    FromTimeout,
    /// This exact value, e.g. `"600000"`: the relative value cargo-lambda 1.9's emulator sends.
    Raw(String),
}

/// An invocation as queued: the event and its deadline header.
#[derive(Debug)]
struct Queued {
    invocation: Invocation,
    deadline: DeadlineHeader,
}

/// What the function answered for an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `…/response` body.
    Response(Vec<u8>),
    /// `…/error`: the `Lambda-Runtime-Function-Error-Type` header and the body.
    Error {
        /// The error type header.
        error_type: Option<String>,
        /// The body (JSON with `errorType`, `errorMessage`).
        body: Vec<u8>,
    },
}

impl Outcome {
    /// The response body as JSON, when it is a response.
    pub fn json(&self) -> Option<serde_json::Value> {
        match self {
            Outcome::Response(body) => serde_json::from_slice(body).ok(),
            Outcome::Error { .. } => None,
        }
    }
}

/// A request to any path the emulator does not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

#[derive(Debug)]
struct State {
    function_arn: String,
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Queued>>,
    outcomes: Mutex<HashMap<String, Outcome>>,
    init_error: Mutex<Option<Vec<u8>>>,
    recorded: Mutex<Vec<RecordedRequest>>,
    polls: Mutex<Vec<std::time::Instant>>,
    changed: Notify,
}

impl State {
    fn update(&self, change: impl FnOnce(&Self)) {
        change(self);
        self.changed.notify_waiters();
    }
}

/// The emulator. Stops serving when dropped.
#[derive(Debug)]
pub struct RuntimeApi {
    address: SocketAddr,
    function_name: String,
    state: Arc<State>,
    sender: mpsc::UnboundedSender<Queued>,
    next_id: AtomicU64,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Starts serving for a function named `function_name` (must run inside a tokio runtime).
    pub async fn start(function_name: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            function_arn: format!("{ARN_PREFIX}{function_name}"),
            queue: tokio::sync::Mutex::new(receiver),
            outcomes: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            recorded: Mutex::new(Vec::new()),
            polls: Mutex::new(Vec::new()),
            changed: Notify::new(),
        });
        let server_state = Arc::clone(&state);
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&server_state);
                tokio::spawn(async move {
                    let service = service_fn(move |request| route(Arc::clone(&state), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(RuntimeApi {
            address,
            function_name: function_name.to_owned(),
            state,
            sender,
            next_id: AtomicU64::new(1),
            server,
        })
    }

    /// `127.0.0.1:PORT`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// `http://127.0.0.1:PORT<path>`: a URL whose requests are recorded.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The emulated function's name.
    pub fn function_name(&self) -> &str {
        &self.function_name
    }

    /// The emulated function's ARN (`Lambda-Runtime-Invoked-Function-Arn`).
    pub fn function_arn(&self) -> &str {
        &self.state.function_arn
    }

    /// Queues an invocation; returns its request id.
    pub fn enqueue(&self, invocation: Invocation) -> String {
        self.enqueue_with_deadline(invocation, DeadlineHeader::FromTimeout)
    }

    /// Queues an invocation sent with the given `Lambda-Runtime-Deadline-Ms` header (to emulate
    /// emulators that send implausible deadlines); returns its request id.
    pub fn enqueue_with_deadline(
        &self,
        invocation: Invocation,
        deadline: DeadlineHeader,
    ) -> String {
        let id = invocation.request_id.clone();
        let _ = self.sender.send(Queued {
            invocation,
            deadline,
        });
        id
    }

    /// Queues a JSON event with a fresh request id and the given timeout.
    pub fn enqueue_json(&self, event: &serde_json::Value, timeout: Duration) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.enqueue(Invocation {
            request_id: format!("00000000-0000-4000-8000-{n:012}"),
            payload: event.to_string().into_bytes(),
            timeout,
            trace_id: format!("Root=1-00000000-{n:024};Parent=0000000000000001;Sampled=0"),
        })
    }

    /// Waits up to `wait` for the outcome of `request_id`.
    pub async fn outcome(&self, request_id: &str, wait: Duration) -> Option<Outcome> {
        self.wait_for(wait, |state| lock(&state.outcomes).get(request_id).cloned())
            .await
    }

    /// Waits up to `wait` for an init error report (body of `…/init/error`).
    pub async fn init_error(&self, wait: Duration) -> Option<Vec<u8>> {
        self.wait_for(wait, |state| lock(&state.init_error).clone())
            .await
    }

    /// When each `GET …/invocation/next` arrived, in order (the first one ends the function's
    /// init phase: a cold-start measurement takes it against the spawn time).
    pub fn polls(&self) -> Vec<std::time::Instant> {
        lock(&self.state.polls).clone()
    }

    /// Waits up to `wait` for the first `…/invocation/next` poll.
    pub async fn first_poll(&self, wait: Duration) -> Option<std::time::Instant> {
        self.wait_for(wait, |state| lock(&state.polls).first().copied())
            .await
    }

    /// Requests recorded so far on paths the emulator does not serve.
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        lock(&self.state.recorded).clone()
    }

    /// Waits up to `wait` for a recorded request whose path starts with `prefix`.
    pub async fn wait_for_recorded(&self, prefix: &str, wait: Duration) -> Option<RecordedRequest> {
        self.wait_for(wait, |state| {
            lock(&state.recorded)
                .iter()
                .find(|r| r.path.starts_with(prefix))
                .cloned()
        })
        .await
    }

    async fn wait_for<T>(&self, wait: Duration, probe: impl Fn(&State) -> Option<T>) -> Option<T> {
        let give_up = tokio::time::Instant::now() + wait;
        loop {
            let changed = self.state.changed.notified();
            if let Some(found) = probe(&self.state) {
                return Some(found);
            }
            if tokio::time::timeout_at(give_up, changed).await.is_err() {
                return probe(&self.state);
            }
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

type HttpResponse = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

async fn route(state: Arc<State>, request: Request<Incoming>) -> Result<HttpResponse, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let api_path = path.strip_prefix(API_PREFIX).unwrap_or("");
    Ok(match (&method, api_path) {
        (&Method::GET, "/invocation/next") => next_invocation(&state).await,
        (&Method::POST, "/init/error") => {
            let body = body_bytes(request).await;
            state.update(|s| *lock(&s.init_error) = Some(body));
            reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        (&Method::POST, rest) if rest.starts_with("/invocation/") => {
            invocation_result(&state, rest, request).await
        }
        _ => {
            let recorded = RecordedRequest {
                method: method.to_string(),
                path: request
                    .uri()
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or(path),
                headers: request
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect(),
                body: body_bytes(request).await,
            };
            state.update(|s| lock(&s.recorded).push(recorded));
            reply(StatusCode::OK, "")
        }
    })
}

async fn next_invocation(state: &State) -> HttpResponse {
    let arrived = std::time::Instant::now();
    state.update(|s| lock(&s.polls).push(arrived));
    let Some(Queued {
        invocation,
        deadline,
    }) = state.queue.lock().await.recv().await
    else {
        return reply(StatusCode::GONE, "");
    };
    let deadline_ms = match deadline {
        DeadlineHeader::FromTimeout => {
            let now_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default();
            (now_ms + invocation.timeout.as_millis()).to_string()
        }
        DeadlineHeader::Raw(value) => value,
    };
    let mut response = reply(StatusCode::OK, invocation.payload);
    let headers = [
        ("lambda-runtime-aws-request-id", invocation.request_id),
        ("lambda-runtime-deadline-ms", deadline_ms),
        (
            "lambda-runtime-invoked-function-arn",
            state.function_arn.clone(),
        ),
        ("lambda-runtime-trace-id", invocation.trace_id),
        ("content-type", "application/json".to_owned()),
    ];
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn invocation_result(state: &State, rest: &str, request: Request<Incoming>) -> HttpResponse {
    let Some((id, kind)) = rest
        .strip_prefix("/invocation/")
        .and_then(|r| r.split_once('/'))
    else {
        return reply(StatusCode::NOT_FOUND, "");
    };
    let (id, kind) = (id.to_owned(), kind.to_owned());
    let error_type = request
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = body_bytes(request).await;
    let outcome = match kind.as_str() {
        "response" => Outcome::Response(body),
        "error" => Outcome::Error { error_type, body },
        _ => return reply(StatusCode::NOT_FOUND, ""),
    };
    state.update(|s| {
        lock(&s.outcomes).insert(id, outcome);
    });
    reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

async fn body_bytes(request: Request<Incoming>) -> Vec<u8> {
    request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default()
}

/// A Lambda binary running against a [`RuntimeApi`]; killed on drop.
#[derive(Debug)]
pub struct LambdaProcess {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl LambdaProcess {
    /// Starts `binary` with a clean environment: `AWS_LAMBDA_RUNTIME_API` and the variables
    /// Lambda sets (`AWS_LAMBDA_FUNCTION_NAME`, `…_MEMORY_SIZE`, `…_VERSION`, `…_LOG_GROUP_NAME`,
    /// `…_LOG_STREAM_NAME`), then `env` (which may override them).
    pub fn spawn(
        binary: &Path,
        api: &RuntimeApi,
        env: &[(String, String)],
    ) -> std::io::Result<Self> {
        let name = api.function_name();
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2024/01/01/[$LATEST]0123456789abcdef",
            )
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        let stdout = capture(child.stdout.take());
        let stderr = capture(child.stderr.take());
        Ok(LambdaProcess {
            child,
            stdout,
            stderr,
        })
    }

    /// What the process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stdout)).into_owned()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// The exit status, if the process has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The OS process id (e.g. to read `/proc/<pid>/status` for the peak RSS).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn capture(pipe: Option<impl Read + Send + 'static>) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = pipe {
        let sink = Arc::clone(&buffer);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                lock(&sink).extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
        });
    }
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw HTTP/1.1 request to the emulator (the test drives it like a runtime would).
    async fn http(api: &RuntimeApi, method: &str, path: &str, headers: &str, body: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(api.address()).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response.to_lowercase()
    }

    #[tokio::test]
    async fn next_hands_out_the_event_with_runtime_headers_and_collects_the_response() {
        let api = RuntimeApi::start("fn-under-test").await.unwrap();
        let id = api.enqueue_json(&serde_json::json!({"k": "v"}), Duration::from_secs(3));
        let next = http(&api, "GET", "/2018-06-01/runtime/invocation/next", "", "").await;
        assert!(next.starts_with("http/1.1 200"), "{next}");
        assert!(next.contains(&format!("lambda-runtime-aws-request-id: {id}")));
        assert!(next.contains("lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:fn-under-test"));
        assert!(next.contains("lambda-runtime-deadline-ms: "));
        assert!(next.contains("lambda-runtime-trace-id: root=1-"));
        assert!(next.ends_with(r#"{"k":"v"}"#));
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        let answer = http(&api, "POST", &path, "", r#"{"ok":true}"#).await;
        assert!(answer.starts_with("http/1.1 202"));
        let outcome = api.outcome(&id, Duration::from_secs(1)).await.unwrap();
        assert_eq!(outcome.json(), Some(serde_json::json!({"ok": true})));
    }

    #[tokio::test]
    async fn a_raw_deadline_header_is_sent_as_it_is() {
        let api = RuntimeApi::start("f").await.unwrap();
        let id = api.enqueue_with_deadline(
            Invocation {
                request_id: "req-raw".into(),
                payload: b"{}".to_vec(),
                timeout: Duration::from_secs(3),
                trace_id: "Root=1-00000000-000000000000000000000001;Sampled=0".into(),
            },
            DeadlineHeader::Raw("600000".into()),
        );
        assert_eq!(id, "req-raw");
        let next = http(&api, "GET", "/2018-06-01/runtime/invocation/next", "", "").await;
        assert!(next.starts_with("http/1.1 200"), "{next}");
        assert!(
            next.contains("lambda-runtime-deadline-ms: 600000\r\n"),
            "{next}"
        );
    }

    #[tokio::test]
    async fn errors_init_errors_and_other_requests_are_collected() {
        let api = RuntimeApi::start("f").await.unwrap();
        let path = "/2018-06-01/runtime/invocation/req-9/error";
        http(
            &api,
            "POST",
            path,
            "Lambda-Runtime-Function-Error-Type: Oops\r\n",
            r#"{"errorType":"Oops"}"#,
        )
        .await;
        assert_eq!(
            api.outcome("req-9", Duration::from_secs(1)).await,
            Some(Outcome::Error {
                error_type: Some("Oops".into()),
                body: br#"{"errorType":"Oops"}"#.to_vec()
            })
        );
        http(
            &api,
            "POST",
            "/2018-06-01/runtime/init/error",
            "",
            "bad config",
        )
        .await;
        assert_eq!(
            api.init_error(Duration::from_secs(1)).await,
            Some(b"bad config".to_vec())
        );
        http(
            &api,
            "PUT",
            "/cfn/response?sig=1",
            "Content-Type: \r\n",
            "{}",
        )
        .await;
        let recorded = api
            .wait_for_recorded("/cfn/", Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(recorded.method, "PUT");
        assert_eq!(recorded.path, "/cfn/response?sig=1");
        assert_eq!(recorded.body, b"{}");
    }

    #[tokio::test]
    async fn waiting_for_an_unknown_outcome_times_out() {
        let api = RuntimeApi::start("f").await.unwrap();
        assert_eq!(api.outcome("nope", Duration::from_millis(50)).await, None);
    }
}
