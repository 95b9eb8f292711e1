//! The log lines of the generated workload: what Lambda runtimes, logging libraries and the
//! platform write, with realistic lengths and variety (ids, numbers, paths, stack frames).
//!
//! Every function takes the generator and the facts of the invocation and returns one CloudWatch
//! message (with the trailing `\n` a runtime writes, where it writes one).

use super::rng::SplitMix64;
use crate::time::EpochMillis;
use std::fmt::Write as _;

/// One invocation's identity, shared by its lines.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Request id (UUID).
    pub request_id: String,
    /// X-Ray trace id `1-<8 hex>-<24 hex>`.
    pub xray_trace_id: String,
    /// X-Ray segment id (16 hex).
    pub segment_id: String,
    /// Cold start (first invocation of an execution environment).
    pub cold: bool,
    /// Correlation id carried by structured lines.
    pub correlation_id: String,
}

impl Invocation {
    /// A new invocation starting at `now`.
    pub fn new(rng: &mut SplitMix64, now: EpochMillis, cold: bool) -> Self {
        Invocation {
            request_id: uuid(rng),
            xray_trace_id: format!("1-{:08x}-{}", now.0 / 1000, hex(rng, 24)),
            segment_id: hex(rng, 16),
            cold,
            correlation_id: uuid(rng),
        }
    }
}

/// Facts of the function a payload comes from.
#[derive(Debug, Clone)]
pub struct FunctionFacts {
    /// Function name.
    pub name: &'static str,
    /// Powertools `service`.
    pub service: &'static str,
    /// CloudWatch namespace used by its MONITORING lines.
    pub namespace: &'static str,
    /// Configured memory (MB).
    pub memory_mb: u32,
    /// Runtime version as INIT_START prints it.
    pub runtime: &'static str,
    /// Account id.
    pub account: &'static str,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `n` random lowercase hex digits.
pub fn hex(rng: &mut SplitMix64, n: usize) -> String {
    let mut s = String::with_capacity(n);
    let mut bits = 0u64;
    for i in 0..n {
        if i.is_multiple_of(16) {
            bits = rng.next_u64();
        }
        s.push(char::from(HEX[(bits & 0xf) as usize]));
        bits >>= 4;
    }
    s
}

/// A version-4-shaped UUID.
pub fn uuid(rng: &mut SplitMix64) -> String {
    let h = hex(rng, 32);
    let part = |a: usize, b: usize| h.get(a..b).unwrap_or("0");
    format!(
        "{}-{}-4{}-{}{}-{}",
        part(0, 8),
        part(8, 12),
        part(13, 16),
        char::from(b"89ab"[usize::from(h.as_bytes().get(16).copied().unwrap_or(0) & 3)]),
        part(17, 20),
        part(20, 32)
    )
}

/// A JSON string literal (quotes and escapes included).
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A small builder of one JSON object written in a chosen key order (loggers do not sort keys).
#[derive(Debug, Default)]
pub struct JsonObject {
    out: String,
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        JsonObject {
            out: String::from("{"),
        }
    }

    fn key(&mut self, k: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        self.out.push_str(&json_str(k));
        self.out.push(':');
    }

    /// A string member.
    pub fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        self.out.push_str(&json_str(v));
        self
    }

    /// A member whose value is already JSON (number, bool, object, array).
    pub fn raw(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        self.out.push_str(v);
        self
    }

    /// A number member.
    pub fn num(self, k: &str, v: impl std::fmt::Display) -> Self {
        let v = v.to_string();
        self.raw(k, &v)
    }

    /// The object text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

const ROUTES: &[&str] = &[
    "GET /orders/{id}",
    "POST /orders",
    "GET /customers/{id}/orders",
    "PUT /carts/{id}/items",
    "DELETE /carts/{id}",
    "GET /products?category=garden&page={n}",
    "POST /payments/{id}/capture",
    "GET /health",
];
const TABLES: &[&str] = &[
    "orders-prod",
    "customers-prod",
    "carts-prod",
    "inventory-prod",
    "idempotency-prod",
];
const DEPENDENCIES: &[&str] = &[
    "inventory-service",
    "pricing-service",
    "stripe",
    "adyen",
    "s3://media-uploads",
    "sqs://order-events",
];
const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "SEK", "PLN"];
const STAGES: &[&str] = &["prod", "prod", "prod", "staging"];
const ERROR_KINDS: &[(&str, &str)] = &[
    (
        "TypeError",
        "Cannot read properties of undefined (reading 'id')",
    ),
    ("ValidationError", "quantity must be a positive integer"),
    (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    ),
    ("TimeoutError", "Connection timed out after 3000ms"),
    ("Error", "connect ECONNREFUSED 10.0.3.17:5432"),
];
const PY_ERROR_KINDS: &[(&str, &str)] = &[
    ("KeyError", "'card_token'"),
    ("ValueError", "invalid literal for int() with base 10: 'abc'"),
    (
        "botocore.exceptions.ClientError",
        "An error occurred (ThrottlingException) when calling the PutItem operation: Rate exceeded",
    ),
    ("ZeroDivisionError", "division by zero"),
    ("requests.exceptions.ReadTimeout", "HTTPSConnectionPool(host='api.partner.example', port=443): Read timed out. (read timeout=3)"),
];

/// Distinct ids of one kind (customers, orders, …) active in a payload: real traffic revisits
/// the same entities, which is also what makes real log payloads compress ≈ 10×.
const ENTITY_POOL: u64 = 400;

/// An id from the pool of active entities, starting at `base`.
fn entity_id(rng: &mut SplitMix64, base: u64) -> u64 {
    base + rng.below(ENTITY_POOL) * 37
}

/// A route with its placeholders filled in.
fn route(rng: &mut SplitMix64) -> String {
    let r = rng.pick(ROUTES).copied().unwrap_or("GET /");
    r.replace("{id}", &format!("{}", entity_id(rng, 10_000)))
        .replace("{n}", &format!("{}", rng.range(1, 40)))
}

fn pick(rng: &mut SplitMix64, items: &[&'static str]) -> &'static str {
    rng.pick(items).copied().unwrap_or("")
}

/// Milliseconds with two decimals, as runtimes print durations.
fn millis(rng: &mut SplitMix64, lo: u64, hi: u64) -> String {
    format!("{}.{:02}", rng.range(lo, hi), rng.below(100))
}

/// A free-text application message of realistic length (60–220 characters).
pub fn app_message(rng: &mut SplitMix64) -> String {
    match rng.below(10) {
        0 => format!(
            "handling {} for customer c-{} (tenant t-{}, user-agent okhttp/4.12.0)",
            route(rng),
            entity_id(rng, 1000),
            rng.range(10, 19)
        ),
        1 => format!(
            "fetched {} items from DynamoDB table {} in {} ms (consumed {}.5 RCU, lastEvaluatedKey {})",
            rng.range(0, 250),
            pick(rng, TABLES),
            millis(rng, 2, 90),
            rng.range(1, 40),
            if rng.chance(30) { "present" } else { "absent" }
        ),
        2 => format!(
            "calling {} POST /v2/reservations attempt {} of 3 (idempotency key o-{})",
            pick(rng, DEPENDENCIES),
            rng.range(1, 3),
            entity_id(rng, 100_000)
        ),
        3 => format!(
            "order o-{} priced: {} items, subtotal {}.{:02} {}, discount code {} applied, shipping zone {}",
            entity_id(rng, 100_000),
            rng.range(1, 12),
            rng.range(5, 900),
            rng.below(100),
            pick(rng, CURRENCIES),
            ["NONE", "SPRING10", "VIP", "WELCOME5"][rng.index(4)],
            rng.range(1, 9)
        ),
        4 => format!(
            "published event OrderCreated to sqs://order-events (messageId {}, {} bytes)",
            uuid(rng),
            rng.range(300, 4000)
        ),
        5 => format!(
            "cache {} for key product:{}:price (ttl {}s, size {} entries)",
            if rng.chance(70) { "hit" } else { "miss" },
            entity_id(rng, 1000),
            rng.range(30, 600),
            rng.range(100, 5000)
        ),
        6 => format!(
            "s3 GetObject s3://media-uploads/u/{}/avatar-{}.png took {} ms, {} bytes",
            entity_id(rng, 1),
            [64, 128, 256, 512][rng.index(4)],
            millis(rng, 8, 400),
            rng.range(2_000, 2_000_000)
        ),
        7 => format!(
            "validated request body against schema CreateOrderRequest v{} in {} ms",
            rng.range(1, 7),
            millis(rng, 0, 3)
        ),
        8 => format!(
            "response {} sent, status {} in {} ms",
            route(rng),
            [200, 200, 200, 201, 204, 304, 400, 404][rng.index(8)],
            millis(rng, 3, 900)
        ),
        _ => format!(
            "feature flags evaluated: checkout-v2={}, new-pricing={}, region-routing={} (segment {})",
            rng.chance(50),
            rng.chance(20),
            rng.chance(80),
            ["beta", "control", "internal", "everyone"][rng.index(4)]
        ),
    }
}

/// A Node.js stack trace (`Error: …\n    at …`) of 3–7 frames.
pub fn node_stack(rng: &mut SplitMix64, kind: &str, message: &str) -> String {
    let mut s = format!("{kind}: {message}");
    let frames = [
        "    at reserve (/var/task/src/inventory.js:{l}:{c})",
        "    at async createOrder (/var/task/src/orders.js:{l}:{c})",
        "    at async Runtime.handler (/var/task/index.js:{l}:{c})",
        "    at Object.send (/var/task/node_modules/@aws-sdk/smithy-client/dist-cjs/index.js:{l}:{c})",
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:{l}:{c})",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:{l}:{c})",
        "    at async Promise.all (index {c})",
        "    at validate (/var/task/src/schema.js:{l}:{c})",
        "    at Layer.handle [as handle_request] (/var/task/node_modules/express/lib/router/layer.js:{l}:{c})",
    ];
    let n = rng.range(3, 7) as usize;
    for _ in 0..n {
        let f = pick(rng, &frames);
        let line = f
            .replace("{l}", &rng.range(10, 1600).to_string())
            .replace("{c}", &rng.range(3, 40).to_string());
        s.push('\n');
        s.push_str(&line);
    }
    s
}

/// A Python traceback of 2–5 frames, indented with spaces (logging) or U+00A0 (the runtime's
/// unhandled-exception report).
pub fn python_traceback(rng: &mut SplitMix64, kind: &str, message: &str, nbsp: bool) -> String {
    let indent = if nbsp { "\u{a0}\u{a0}" } else { "  " };
    let mut s = String::from("Traceback (most recent call last):");
    let frames = [
        (
            "/var/task/app.py",
            "handler",
            "result = process(event['detail'])",
        ),
        (
            "/var/task/payments/charge.py",
            "charge",
            "token = event['card_token']",
        ),
        (
            "/var/task/payments/client.py",
            "post",
            "resp = self.session.post(url, json=body, timeout=3)",
        ),
        (
            "/opt/python/botocore/client.py",
            "_make_api_call",
            "raise error_class(parsed_response, operation_name)",
        ),
        (
            "/var/task/orders/repository.py",
            "save",
            "self.table.put_item(Item=item, ConditionExpression=cond)",
        ),
    ];
    let n = rng.range(2, 5) as usize;
    for _ in 0..n {
        let (file, func, code) = rng.pick(&frames).copied().unwrap_or(frames[0]);
        let _ = write!(
            s,
            "\n{indent}File \"{file}\", line {}, in {func}\n{indent}{indent}{code}",
            rng.range(8, 400)
        );
    }
    let _ = write!(s, "\n{kind}: {message}");
    s
}

/// A CloudWatch namespace-free MONITORING payload in one of the dialects, with the event time.
pub fn monitoring_payload(rng: &mut SplitMix64, f: &FunctionFacts, now: EpochMillis) -> String {
    let stage = pick(rng, STAGES);
    match rng.below(6) {
        // value-first (Yan Cui / Lumigo), with dimensions
        0 => format!(
            "MONITORING|{}|milliseconds|{}_latency|{}|stage={stage},dependency={}",
            millis(rng, 3, 900),
            ["create_order", "charge", "lookup", "render"][rng.index(4)],
            f.namespace,
            pick(rng, DEPENDENCIES)
        ),
        // value-first count, no dimensions
        1 => format!(
            "MONITORING|1|count|{}|{}",
            ["orders_created", "cache_miss", "retries", "emails_sent"][rng.index(4)],
            f.namespace
        ),
        // epoch-first seconds (Yubl), type as unit
        2 => format!(
            "MONITORING|{}|{}|latency|{}-api-latency",
            now.0 / 1000,
            millis(rng, 1, 500),
            f.service
        ),
        // epoch-first with Datadog tags
        3 => format!(
            "MONITORING|{}|{}|count|{}.{}|#stage:{stage},service:{}",
            now.0 / 1000,
            rng.range(1, 5),
            f.service,
            ["requests", "errors", "coldstart.count"][rng.index(3)],
            f.service
        ),
        // epoch-first milliseconds (Date.now()), gauge
        4 => format!(
            "MONITORING|{}|{}|gauge|node.process.heap_used_mb|#stage:{stage}",
            now.0,
            rng.range(40, 400)
        ),
        // spaced variant with fractional epoch seconds
        _ => format!(
            "MONITORING | {}.{:03} | {} | count | {}.processed ",
            now.0 / 1000,
            now.0 % 1000,
            rng.range(1, 50),
            f.service
        ),
    }
}

/// `START RequestId: … Version: …`.
pub fn start_line(inv: &Invocation, version: &str) -> String {
    format!("START RequestId: {} Version: {version}\n", inv.request_id)
}

/// `END RequestId: …`.
pub fn end_line(inv: &Invocation) -> String {
    format!("END RequestId: {}\n", inv.request_id)
}

/// `INIT_START Runtime Version: …`.
pub fn init_start_line(rng: &mut SplitMix64, f: &FunctionFacts) -> String {
    format!(
        "INIT_START Runtime Version: {}\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:{}\n",
        f.runtime,
        hex(rng, 64)
    )
}

/// `REPORT RequestId: …` with the XRAY part on the next line.
pub fn report_line(rng: &mut SplitMix64, inv: &Invocation, f: &FunctionFacts) -> String {
    let duration = rng.range(3, 2500);
    let frac = rng.below(100);
    let mut s = format!(
        "REPORT RequestId: {}\tDuration: {duration}.{frac:02} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
        inv.request_id,
        duration + 1,
        f.memory_mb,
        rng.range(60, u64::from(f.memory_mb).min(400))
    );
    if inv.cold {
        let _ = write!(s, "Init Duration: {} ms\t", millis(rng, 120, 900));
    }
    let _ = write!(
        s,
        "\nXRAY TraceId: {}\tSegmentId: {}\tSampled: true\t\n",
        inv.xray_trace_id, inv.segment_id
    );
    s
}

/// A Node.js runtime line `ts\treq\tLEVEL\tmsg`.
pub fn node_prefixed(now: EpochMillis, inv: &Invocation, level: &str, msg: &str) -> String {
    format!("{}\t{}\t{level}\t{msg}\n", now.to_rfc3339(), inv.request_id)
}

/// One app line of a Node.js function writing text through `console.*`.
pub fn node_text_line(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
    f: &FunctionFacts,
) -> String {
    match rng.below(100) {
        0..=54 => node_prefixed(now, inv, "INFO", &app_message(rng)),
        55..=62 => node_prefixed(now, inv, "DEBUG", &app_message(rng)),
        63..=69 => {
            let msg = format!(
                "{} slow, retrying (attempt {} of 3, backoff {} ms)",
                pick(rng, DEPENDENCIES),
                rng.range(2, 3),
                rng.range(50, 800)
            );
            node_prefixed(now, inv, "WARN", &msg)
        }
        70..=79 => {
            let body = JsonObject::new()
                .str("message", "order created")
                .str("orderId", &format!("o-{}", entity_id(rng, 100_000)))
                .num(
                    "amount",
                    format!("{}.{:02}", rng.range(5, 900), rng.below(100)),
                )
                .str("currency", pick(rng, CURRENCIES))
                .num("items", rng.range(1, 12))
                .str("x-correlation-id", &inv.correlation_id)
                .str(
                    "x-correlation-user-id",
                    &format!("u-{}", entity_id(rng, 1000)),
                )
                .finish();
            node_prefixed(now, inv, "INFO", &body)
        }
        80..=89 => node_prefixed(now, inv, "INFO", &monitoring_payload(rng, f, now)),
        90..=95 => {
            let (kind, message) = rng.pick(ERROR_KINDS).copied().unwrap_or(ERROR_KINDS[0]);
            let stack = node_stack(rng, kind, message);
            node_prefixed(now, inv, "ERROR", &stack)
        }
        _ => {
            let (kind, message) = rng.pick(ERROR_KINDS).copied().unwrap_or(ERROR_KINDS[0]);
            let stack: Vec<String> = node_stack(rng, kind, message)
                .lines()
                .map(str::to_owned)
                .collect();
            let stack_json = serde_json::to_string(&stack).unwrap_or_else(|_| "[]".to_owned());
            let err = JsonObject::new()
                .str("errorType", kind)
                .str("errorMessage", message)
                .raw("stack", &stack_json)
                .finish();
            node_prefixed(now, inv, "ERROR", &format!("Invoke Error \t{err}"))
        }
    }
}

/// One app line of a Python function using `logging` (text) and `print`.
pub fn python_text_line(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
    f: &FunctionFacts,
) -> String {
    let prefixed = |level: &str, msg: &str| {
        format!(
            "[{level}]\t{}\t{}\t{msg}\n",
            now.to_rfc3339(),
            inv.request_id
        )
    };
    match rng.below(100) {
        0..=59 => prefixed("INFO", &app_message(rng)),
        60..=67 => prefixed("DEBUG", &app_message(rng)),
        68..=74 => {
            let msg = format!(
                "{} answered {} after {} ms; falling back to cached quote",
                pick(rng, DEPENDENCIES),
                [429, 500, 502, 503][rng.index(4)],
                rng.range(100, 3000)
            );
            prefixed("WARNING", &msg)
        }
        // print()ed MONITORING lines carry no prefix.
        75..=86 => format!("{}\n", monitoring_payload(rng, f, now)),
        87..=94 => {
            let (kind, message) = rng
                .pick(PY_ERROR_KINDS)
                .copied()
                .unwrap_or(PY_ERROR_KINDS[0]);
            let tb = python_traceback(rng, kind, message, false);
            prefixed("ERROR", &format!("payment capture failed\n{tb}"))
        }
        95..=97 => format!("{}\n", app_message(rng)),
        _ => {
            let (kind, message) = rng
                .pick(PY_ERROR_KINDS)
                .copied()
                .unwrap_or(PY_ERROR_KINDS[0]);
            let tb = python_traceback(rng, kind, message, true);
            format!("[ERROR] {kind}: {message}\n{tb}\n")
        }
    }
}

/// Powertools for AWS Lambda (Python) timestamp: `2025-11-20 12:01:00,021+0000`.
fn powertools_python_time(now: EpochMillis) -> String {
    let iso = now.to_rfc3339();
    let mut s = iso.replacen('T', " ", 1).replacen('.', ",", 1);
    s.pop();
    s.push_str("+0000");
    s
}

/// One line of Powertools Logger for Python (a JSON object per line).
pub fn powertools_python_line(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
    f: &FunctionFacts,
) -> String {
    let roll = rng.below(100);
    if roll >= 88 {
        return format!("{}\n", monitoring_payload(rng, f, now));
    }
    let (level, message) = match roll {
        0..=69 => ("INFO", app_message(rng)),
        70..=77 => ("DEBUG", app_message(rng)),
        78..=82 => (
            "WARNING",
            format!("retrying {} after throttling", pick(rng, DEPENDENCIES)),
        ),
        _ => (
            "ERROR",
            "Received a HTTP 5xx error from the payment provider".to_owned(),
        ),
    };
    let mut obj = JsonObject::new()
        .str("level", level)
        .str(
            "location",
            &format!(
                "{}:{}",
                ["handler", "charge", "capture", "refund"][rng.index(4)],
                rng.range(10, 300)
            ),
        )
        .str("message", &message)
        .str("timestamp", &powertools_python_time(now))
        .str("service", f.service)
        .raw("cold_start", if inv.cold { "true" } else { "false" })
        .str("function_name", f.name)
        .str("function_memory_size", &f.memory_mb.to_string())
        .str(
            "function_arn",
            &format!("arn:aws:lambda:eu-west-1:{}:function:{}", f.account, f.name),
        )
        .str("function_request_id", &inv.request_id)
        .str("correlation_id", &inv.correlation_id)
        .str("xray_trace_id", &inv.xray_trace_id);
    if level == "ERROR" {
        let (kind, msg) = rng
            .pick(PY_ERROR_KINDS)
            .copied()
            .unwrap_or(PY_ERROR_KINDS[0]);
        obj = obj
            .str("exception_name", kind)
            .str("exception", &python_traceback(rng, kind, msg, false));
    } else if rng.chance(40) {
        obj = obj
            .num("amount_cents", rng.range(100, 99_999))
            .str("payment_id", &format!("pay_{}", hex(rng, 14)));
    }
    format!("{}\n", obj.finish())
}

/// One line of Powertools Logger for TypeScript (JSON, ISO timestamp, error objects).
pub fn powertools_ts_line(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
    f: &FunctionFacts,
) -> String {
    let roll = rng.below(100);
    if roll >= 90 {
        let payload = monitoring_payload(rng, f, now);
        return node_prefixed(now, inv, "INFO", &payload);
    }
    let (level, message) = match roll {
        0..=71 => ("INFO", app_message(rng)),
        72..=79 => ("DEBUG", app_message(rng)),
        80..=84 => (
            "WARN",
            format!("{} latency above SLO", pick(rng, DEPENDENCIES)),
        ),
        _ => ("ERROR", "Unexpected error while pricing basket".to_owned()),
    };
    let mut obj = JsonObject::new()
        .str("level", level)
        .str("message", &message)
        .num("sampling_rate", 0)
        .str("service", f.service)
        .str("timestamp", &now.to_rfc3339())
        .str("xray_trace_id", &inv.xray_trace_id)
        .raw("cold_start", if inv.cold { "true" } else { "false" })
        .str(
            "function_arn",
            &format!("arn:aws:lambda:eu-west-1:{}:function:{}", f.account, f.name),
        )
        .str("function_memory_size", &f.memory_mb.to_string())
        .str("function_name", f.name)
        .str("function_request_id", &inv.request_id)
        .str("correlation_id", &inv.correlation_id);
    if level == "ERROR" {
        let (kind, msg) = rng.pick(ERROR_KINDS).copied().unwrap_or(ERROR_KINDS[0]);
        let err = JsonObject::new()
            .str("name", kind)
            .str("location", "/var/task/index.js:27")
            .str("message", msg)
            .str("stack", &node_stack(rng, kind, msg))
            .finish();
        obj = obj.raw("error", &err);
    } else if rng.chance(35) {
        obj = obj
            .str("basketId", &format!("b-{}", hex(rng, 10)))
            .num("items", rng.range(1, 15));
    }
    obj.finish()
}

/// A Lambda JSON log format app record (`{"timestamp","level","requestId","message"}`).
pub fn lambda_json_app_line(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
    f: &FunctionFacts,
) -> String {
    let roll = rng.below(100);
    let (level, message) = match roll {
        0..=74 => ("INFO", json_str(&app_message(rng))),
        75..=84 => ("INFO", json_str(&monitoring_payload(rng, f, now))),
        85..=91 => ("WARN", json_str(&app_message(rng))),
        _ => {
            let (kind, msg) = rng.pick(ERROR_KINDS).copied().unwrap_or(ERROR_KINDS[0]);
            let stack: Vec<String> = node_stack(rng, kind, msg)
                .lines()
                .map(str::to_owned)
                .collect();
            let err = JsonObject::new()
                .str("errorType", kind)
                .str("errorMessage", msg)
                .raw(
                    "stackTrace",
                    &serde_json::to_string(&stack).unwrap_or_else(|_| "[]".to_owned()),
                )
                .finish();
            ("ERROR", err)
        }
    };
    JsonObject::new()
        .str("timestamp", &now.to_rfc3339())
        .str("level", level)
        .str("requestId", &inv.request_id)
        .raw("message", &message)
        .finish()
}

/// The tracing object of Lambda JSON platform records.
fn tracing_json(inv: &Invocation) -> String {
    JsonObject::new()
        .str("spanId", &inv.segment_id)
        .str("type", "X-Amzn-Trace-Id")
        .str(
            "value",
            &format!(
                "Root={};Parent={};Sampled=1",
                inv.xray_trace_id, inv.segment_id
            ),
        )
        .finish()
}

/// `platform.start` in the Lambda JSON log format.
pub fn lambda_json_start(now: EpochMillis, inv: &Invocation) -> String {
    let record = JsonObject::new()
        .str("requestId", &inv.request_id)
        .str("version", "$LATEST")
        .raw("tracing", &tracing_json(inv))
        .finish();
    JsonObject::new()
        .str("time", &now.to_rfc3339())
        .str("type", "platform.start")
        .raw("record", &record)
        .finish()
}

/// `platform.report` in the Lambda JSON log format.
pub fn lambda_json_report(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
    f: &FunctionFacts,
) -> String {
    let duration = rng.range(3, 2500);
    let mut metrics = JsonObject::new()
        .num("durationMs", format!("{duration}.{}", rng.below(10)))
        .num("billedDurationMs", duration + 1)
        .num("memorySizeMB", f.memory_mb)
        .num("maxMemoryUsedMB", rng.range(60, 400));
    if inv.cold {
        metrics = metrics.num("initDurationMs", millis(rng, 120, 900));
    }
    let record = JsonObject::new()
        .str("requestId", &inv.request_id)
        .raw("metrics", &metrics.finish())
        .raw("tracing", &tracing_json(inv))
        .str("status", "success")
        .finish();
    JsonObject::new()
        .str("time", &now.to_rfc3339())
        .str("type", "platform.report")
        .raw("record", &record)
        .finish()
}

/// `platform.runtimeDone` in the Lambda JSON log format.
pub fn lambda_json_runtime_done(
    rng: &mut SplitMix64,
    now: EpochMillis,
    inv: &Invocation,
) -> String {
    let metrics = JsonObject::new()
        .num("durationMs", millis(rng, 2, 2500))
        .num("producedBytes", rng.range(0, 4000))
        .finish();
    let record = JsonObject::new()
        .str("requestId", &inv.request_id)
        .str("status", "success")
        .raw("tracing", &tracing_json(inv))
        .raw("metrics", &metrics)
        .finish();
    JsonObject::new()
        .str("time", &now.to_rfc3339())
        .str("type", "platform.runtimeDone")
        .raw("record", &record)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> FunctionFacts {
        FunctionFacts {
            name: "order-api",
            service: "orders",
            namespace: "OrderApi",
            memory_mb: 512,
            runtime: "nodejs:20.v48",
            account: "123456789012",
        }
    }

    #[test]
    fn uuid_has_the_8_4_4_4_12_shape() {
        let mut rng = SplitMix64::new(1);
        let id = uuid(&mut rng);
        assert!(crate::parse::text::looks_like_request_id(&id), "{id}");
    }

    #[test]
    fn json_object_keeps_key_order_and_escapes() {
        let s = JsonObject::new().str("b", "x\"y").num("a", 1).finish();
        assert_eq!(s, r#"{"b":"x\"y","a":1}"#);
    }

    #[test]
    fn every_monitoring_dialect_is_a_metric_payload() {
        let mut rng = SplitMix64::new(3);
        let now = EpochMillis(1_763_640_000_123);
        for _ in 0..200 {
            let p = monitoring_payload(&mut rng, &facts(), now);
            assert!(crate::parse::monitoring::is_metric_payload(&p), "{p}");
            let parsed = crate::parse::monitoring::parse(&p, now);
            assert!(parsed.is_ok(), "{p}: {parsed:?}");
        }
    }

    #[test]
    fn powertools_python_time_has_comma_millis_and_offset() {
        assert_eq!(
            powertools_python_time(EpochMillis(1_763_640_060_021)),
            "2025-11-20 12:01:00,021+0000"
        );
    }
}
