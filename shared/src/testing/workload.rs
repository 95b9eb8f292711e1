//! The deterministic workload: CloudWatch Logs subscription payloads of realistic Lambda logs,
//! wrapped as the `{"awslogs":{"data":…}}` events the ship-logs Lambda receives.
//!
//! Each payload is one log stream of one function. Payloads cycle through five function
//! flavours (Node.js text, Python text, Powertools for Python, Powertools for TypeScript, the
//! Lambda JSON log format); each holds whole invocations (INIT_START on cold starts, START, app
//! lines, END, REPORT with its XRAY line) until it has the requested number of events, so the
//! last invocation may be cut, as it is in real subscription batches.
//!
//! Everything is derived from the seed and the payload index: a payload can be generated alone
//! (in parallel, in a benchmark setup) and is the same bytes every time.

use super::lines::{self, FunctionFacts, Invocation};
use super::rng::SplitMix64;
use crate::time::EpochMillis;
use base64::Engine;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;
use std::io::Write;

/// Payloads in the default workload.
pub const DEFAULT_PAYLOADS: usize = 20;
/// Log events per payload in the default workload.
pub const DEFAULT_EVENTS_PER_PAYLOAD: usize = 5_000;
/// Seed of the default workload.
pub const DEFAULT_SEED: u64 = 0x51e9_0a7c_2025;
/// Time of the first event of payload 0: 2025-11-20T12:00:00Z.
pub const WORKLOAD_START_MS: i64 = 1_763_640_000_000;
/// Time between the first events of consecutive payloads.
const PAYLOAD_SPACING_MS: i64 = 60_000;
/// gzip level of the generated payloads (CloudWatch Logs' own level is not documented; 6 is
/// zlib's default).
const PAYLOAD_GZIP_LEVEL: u32 = 6;
/// App lines per invocation (inclusive range).
const APP_LINES_PER_INVOCATION: (u64, u64) = (2, 16);
/// One payload in this many starts with a cold start.
const COLD_START_EVERY: usize = 4;
/// Account id of the generated log groups.
pub const ACCOUNT_ID: &str = "123456789012";
/// Decimal digits of a CloudWatch event id.
const EVENT_ID_DIGITS: usize = 56;
/// Digits of the per-event counter at the end of an event id.
const EVENT_ID_COUNTER_DIGITS: usize = 16;

/// The flavours of ten consecutive payloads.
const PAYLOAD_MIX: [Flavor; 10] = [
    Flavor::NodeText,
    Flavor::PythonText,
    Flavor::PythonPowertools,
    Flavor::NodeText,
    Flavor::PythonText,
    Flavor::NodePowertools,
    Flavor::NodeText,
    Flavor::PythonText,
    Flavor::LambdaJsonFormat,
    Flavor::NodeText,
];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadSpec {
    /// Number of payloads (Lambda events).
    pub payloads: usize,
    /// Log events per payload.
    pub events_per_payload: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            payloads: DEFAULT_PAYLOADS,
            events_per_payload: DEFAULT_EVENTS_PER_PAYLOAD,
            seed: DEFAULT_SEED,
        }
    }
}

/// The kind of function a payload comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Node.js, `console.*` text through the runtime prefix.
    NodeText,
    /// Python, `logging` text through the runtime prefix, `print()`ed metrics.
    PythonText,
    /// Python with Powertools Logger (one JSON object per line).
    PythonPowertools,
    /// Node.js with Powertools Logger for TypeScript.
    NodePowertools,
    /// Node.js with the Lambda JSON log format (`platform.*` records, app records).
    LambdaJsonFormat,
}

impl Flavor {
    /// Every flavour, in the order payloads cycle through them.
    pub const ALL: [Flavor; 5] = [
        Flavor::NodeText,
        Flavor::PythonText,
        Flavor::PythonPowertools,
        Flavor::NodePowertools,
        Flavor::LambdaJsonFormat,
    ];

    /// The flavour of payload `index`: text-heavy, as most Lambda fleets are (per ten payloads:
    /// four Node.js text, three Python text, one of each JSON flavour).
    pub fn of_payload(index: usize) -> Flavor {
        PAYLOAD_MIX[index % PAYLOAD_MIX.len()]
    }

    /// Short name used in file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::NodeText => "node-text",
            Flavor::PythonText => "python-text",
            Flavor::PythonPowertools => "python-powertools",
            Flavor::NodePowertools => "node-powertools",
            Flavor::LambdaJsonFormat => "lambda-json-format",
        }
    }

    /// The function this flavour's payloads come from.
    pub fn facts(self) -> FunctionFacts {
        let (name, service, namespace, memory_mb, runtime) = match self {
            Flavor::NodeText => ("order-api-prod", "orders", "OrderApi", 512, "nodejs:20.v48"),
            Flavor::PythonText => ("ledger-sync", "ledger", "Ledger", 256, "python:3.12.v36"),
            Flavor::PythonPowertools => (
                "payments-worker",
                "payments",
                "Payments",
                256,
                "python:3.12.v36",
            ),
            Flavor::NodePowertools => (
                "checkout-api",
                "checkout",
                "Checkout",
                1024,
                "nodejs:22.v12",
            ),
            Flavor::LambdaJsonFormat => {
                ("catalog-api", "catalog", "Catalog", 1024, "nodejs:22.v12")
            }
        };
        FunctionFacts {
            name,
            service,
            namespace,
            memory_mb,
            runtime,
            account: ACCOUNT_ID,
        }
    }

    fn app_line(
        self,
        rng: &mut SplitMix64,
        now: EpochMillis,
        inv: &Invocation,
        f: &FunctionFacts,
    ) -> String {
        match self {
            Flavor::NodeText => lines::node_text_line(rng, now, inv, f),
            Flavor::PythonText => lines::python_text_line(rng, now, inv, f),
            Flavor::PythonPowertools => lines::powertools_python_line(rng, now, inv, f),
            Flavor::NodePowertools => lines::powertools_ts_line(rng, now, inv, f),
            Flavor::LambdaJsonFormat => lines::lambda_json_app_line(rng, now, inv, f),
        }
    }
}

/// One log event of a generated payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedEvent {
    /// CloudWatch event id (56 digits, consecutive within a payload).
    pub id: String,
    /// Event time, epoch ms.
    pub timestamp: i64,
    /// The message.
    pub message: String,
}

/// The subscription payload (`DATA_MESSAGE`) as CloudWatch Logs writes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DataMessage<'a> {
    message_type: &'static str,
    owner: &'static str,
    log_group: &'a str,
    log_stream: &'a str,
    subscription_filters: [&'static str; 1],
    log_events: &'a [GeneratedEvent],
}

/// One generated Lambda event and its sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPayload {
    /// File name for `--generate` (`payload-007-python-text.json`).
    pub file_name: String,
    /// Flavour.
    pub flavor: Flavor,
    /// Log events.
    pub events: usize,
    /// Bytes of the decompressed `DATA_MESSAGE` JSON.
    pub raw_bytes: usize,
    /// Bytes of its gzip.
    pub gzip_bytes: usize,
    /// The Lambda event `{"awslogs":{"data":"<base64 gzip>"}}`.
    pub lambda_event: Vec<u8>,
}

/// Assigns consecutive 56-digit event ids after a random 40-digit prefix.
struct EventIds {
    prefix: String,
    next: u64,
}

impl EventIds {
    fn new(rng: &mut SplitMix64) -> Self {
        let mut prefix = String::with_capacity(EVENT_ID_DIGITS);
        // First digit non-zero, like CloudWatch's.
        prefix.push(char::from(b'1' + rng.below(9) as u8));
        while prefix.len() < EVENT_ID_DIGITS - EVENT_ID_COUNTER_DIGITS {
            prefix.push(char::from(b'0' + rng.below(10) as u8));
        }
        EventIds {
            prefix,
            next: rng.below(1 << 40),
        }
    }

    fn next_id(&mut self) -> String {
        self.next += 1;
        format!("{}{:016}", self.prefix, self.next)
    }
}

/// The events of one log stream being written.
struct StreamWriter {
    ids: EventIds,
    now: i64,
    events: Vec<GeneratedEvent>,
    target: usize,
}

impl StreamWriter {
    fn full(&self) -> bool {
        self.events.len() >= self.target
    }

    /// Advances the clock by `dt_ms` and appends `message` unless the payload is full.
    fn push(&mut self, dt_ms: u64, message: String) {
        if self.full() {
            return;
        }
        self.now += dt_ms as i64;
        let id = self.ids.next_id();
        self.events.push(GeneratedEvent {
            id,
            timestamp: self.now,
            message,
        });
    }

    fn time(&self) -> EpochMillis {
        EpochMillis(self.now)
    }
}

/// Log group of a function.
fn log_group(f: &FunctionFacts) -> String {
    format!("/aws/lambda/{}", f.name)
}

/// Log stream of payload `index`.
fn log_stream(rng: &mut SplitMix64, index: usize) -> String {
    format!("2025/11/20/[$LATEST]{}{:04x}", lines::hex(rng, 28), index)
}

/// The log events of payload `index`, with its log group and stream.
pub fn payload_events(spec: &WorkloadSpec, index: usize) -> (String, String, Vec<GeneratedEvent>) {
    let flavor = Flavor::of_payload(index);
    let f = flavor.facts();
    let mut rng = SplitMix64::fork(spec.seed, index as u64);
    let stream = log_stream(&mut rng, index);
    let mut w = StreamWriter {
        ids: EventIds::new(&mut rng),
        now: WORKLOAD_START_MS + index as i64 * PAYLOAD_SPACING_MS,
        events: Vec::with_capacity(spec.events_per_payload),
        target: spec.events_per_payload,
    };
    let mut cold = index.is_multiple_of(COLD_START_EVERY);
    while !w.full() {
        write_invocation(&mut w, &mut rng, flavor, &f, cold);
        cold = false;
    }
    (log_group(&f), stream, w.events)
}

/// One invocation: platform lines around a random number of app lines.
fn write_invocation(
    w: &mut StreamWriter,
    rng: &mut SplitMix64,
    flavor: Flavor,
    f: &FunctionFacts,
    cold: bool,
) {
    let json_format = flavor == Flavor::LambdaJsonFormat;
    if cold && !json_format {
        w.push(1, lines::init_start_line(rng, f));
    }
    let gap = rng.range(1, 400);
    let inv = Invocation::new(rng, EpochMillis(w.now + gap as i64), cold);
    if json_format {
        w.push(
            gap,
            lines::lambda_json_start(EpochMillis(w.now + gap as i64), &inv),
        );
    } else {
        w.push(gap, lines::start_line(&inv, "$LATEST"));
    }
    let (lo, hi) = APP_LINES_PER_INVOCATION;
    for _ in 0..rng.range(lo, hi) {
        let dt = rng.range(0, 40);
        let line = flavor.app_line(rng, EpochMillis(w.now + dt as i64), &inv, f);
        w.push(dt, line);
    }
    let dt = rng.range(1, 20);
    if json_format {
        let done = lines::lambda_json_runtime_done(rng, EpochMillis(w.now + dt as i64), &inv);
        w.push(dt, done);
        let report = lines::lambda_json_report(rng, w.time(), &inv, f);
        w.push(1, report);
    } else {
        w.push(dt, lines::end_line(&inv));
        let report = lines::report_line(rng, &inv, f);
        w.push(1, report);
    }
}

/// The decompressed `DATA_MESSAGE` JSON of payload `index`.
pub fn data_message(spec: &WorkloadSpec, index: usize) -> Vec<u8> {
    let (group, stream, events) = payload_events(spec, index);
    let message = DataMessage {
        message_type: "DATA_MESSAGE",
        owner: ACCOUNT_ID,
        log_group: &group,
        log_stream: &stream,
        subscription_filters: ["shiplog"],
        log_events: &events,
    };
    serde_json::to_vec(&message).unwrap_or_default()
}

/// gzip (level 6, mtime 0) of `data`.
pub fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 8), Compression::new(level));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// `{"awslogs":{"data":"<base64 of gzip of payload>"}}` and the gzip size.
pub fn lambda_event(payload: &[u8]) -> (Vec<u8>, usize) {
    let gz = gzip(payload, PAYLOAD_GZIP_LEVEL);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&gz);
    let mut event = Vec::with_capacity(b64.len() + 32);
    event.extend_from_slice(b"{\"awslogs\":{\"data\":\"");
    event.extend_from_slice(b64.as_bytes());
    event.extend_from_slice(b"\"}}");
    (event, gz.len())
}

/// Generates payload `index` of `spec`.
pub fn generate_payload(spec: &WorkloadSpec, index: usize) -> GeneratedPayload {
    let flavor = Flavor::of_payload(index);
    let raw = data_message(spec, index);
    let (event, gzip_bytes) = lambda_event(&raw);
    GeneratedPayload {
        file_name: format!("payload-{index:03}-{}.json", flavor.as_str()),
        flavor,
        events: spec.events_per_payload,
        raw_bytes: raw.len(),
        gzip_bytes,
        lambda_event: event,
    }
}

/// Generates every payload of `spec`, in order.
pub fn generate(spec: &WorkloadSpec) -> Vec<GeneratedPayload> {
    (0..spec.payloads)
        .map(|i| generate_payload(spec, i))
        .collect()
}

/// Families of lines, one per parser, for per-component benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFamily {
    /// Node.js runtime text lines (prefix, JSON bodies, stacks, Invoke Error).
    NodeText,
    /// Python runtime text lines (prefix, tracebacks, print()ed metrics).
    PythonText,
    /// `REPORT` lines with their XRAY part.
    PlatformReport,
    /// Lambda JSON log format records (app and platform).
    LambdaJson,
    /// Structured JSON lines of logging libraries (Powertools for Python and TypeScript).
    StructuredJson,
    /// Bare `MONITORING|…` lines in every dialect.
    Monitoring,
}

/// `n` messages of one family, deterministic for `seed`.
pub fn sample_lines(family: LineFamily, n: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix64::new(seed);
    let mut now = WORKLOAD_START_MS;
    let node = Flavor::NodeText.facts();
    let python = Flavor::PythonText.facts();
    let mut inv = Invocation::new(&mut rng, EpochMillis(now), false);
    (0..n)
        .map(|i| {
            now += 7;
            let t = EpochMillis(now);
            if i.is_multiple_of(8) {
                inv = Invocation::new(&mut rng, t, i.is_multiple_of(64));
            }
            match family {
                LineFamily::NodeText => lines::node_text_line(&mut rng, t, &inv, &node),
                LineFamily::PythonText => lines::python_text_line(&mut rng, t, &inv, &python),
                LineFamily::PlatformReport => lines::report_line(&mut rng, &inv, &node),
                LineFamily::LambdaJson => match i % 4 {
                    0 => lines::lambda_json_start(t, &inv),
                    1 => lines::lambda_json_report(&mut rng, t, &inv, &node),
                    _ => lines::lambda_json_app_line(&mut rng, t, &inv, &node),
                },
                LineFamily::StructuredJson if i.is_multiple_of(2) => {
                    lines::powertools_python_line(&mut rng, t, &inv, &python)
                }
                LineFamily::StructuredJson => lines::powertools_ts_line(&mut rng, t, &inv, &node),
                LineFamily::Monitoring => {
                    format!("{}\n", lines::monitoring_payload(&mut rng, &node, t))
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode_input, parse_message, Message, RecordContent};
    use crate::limits::Limits;
    use crate::model::Kind;
    use crate::parse::{parse_line, ParseOptions};

    fn small() -> WorkloadSpec {
        WorkloadSpec {
            payloads: 5,
            events_per_payload: 400,
            seed: 9,
        }
    }

    #[test]
    fn same_spec_generates_the_same_bytes() {
        let a = generate_payload(&small(), 3);
        let b = generate_payload(&small(), 3);
        assert_eq!(a, b);
        let other_seed = WorkloadSpec {
            seed: 10,
            ..small()
        };
        assert_ne!(
            a.lambda_event,
            generate_payload(&other_seed, 3).lambda_event
        );
    }

    #[test]
    fn every_payload_decodes_to_the_requested_number_of_events() {
        for p in generate(&small()) {
            let decoded = decode_input(&p.lambda_event, &Limits::default()).unwrap();
            let [record] = decoded.records.as_slice() else {
                panic!("one record")
            };
            let RecordContent::Payload(bytes) = &record.content else {
                panic!("payload")
            };
            assert_eq!(bytes.len(), p.raw_bytes);
            let Ok(Message::Data(batch, rejections)) = parse_message(bytes) else {
                panic!("data message")
            };
            assert!(rejections.is_empty());
            assert_eq!(batch.events.len(), 400, "{}", p.file_name);
            assert_eq!(batch.function_name(), Some(p.flavor.facts().name));
            assert_eq!(batch.function_version(), Some("$LATEST"));
            let ids: Vec<&str> = batch.events.iter().map(|e| e.id.as_ref()).collect();
            assert!(ids.iter().all(|id| id.len() == EVENT_ID_DIGITS));
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
        }
    }

    #[test]
    fn payloads_hold_every_kind_the_issue_names() {
        let spec = WorkloadSpec {
            payloads: 5,
            events_per_payload: 2_000,
            seed: DEFAULT_SEED,
        };
        let opts = ParseOptions::default();
        let mut kinds = std::collections::HashSet::new();
        let mut xray_reports = 0;
        let mut multiline = 0;
        for i in 0..spec.payloads {
            let (_, _, events) = payload_events(&spec, i);
            for e in &events {
                let line = parse_line(&e.message, &opts);
                if line.kind == Kind::Report && line.trace.xray_trace_id.is_some() {
                    xray_reports += 1;
                }
                if e.message.trim_end().contains('\n') && line.kind == Kind::App {
                    multiline += 1;
                }
                kinds.insert(line.kind);
            }
        }
        for k in [
            Kind::Start,
            Kind::End,
            Kind::Report,
            Kind::InitStart,
            Kind::Metric,
            Kind::App,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing");
        }
        assert!(xray_reports > 50, "{xray_reports}");
        assert!(multiline > 50, "{multiline}");
    }

    #[test]
    fn default_workload_is_near_the_issue_sizes() {
        // One payload of each flavour stands for the whole workload (payloads cycle through them).
        let spec = WorkloadSpec::default();
        let (raw, gz): (usize, usize) = (0..Flavor::ALL.len())
            .map(|i| generate_payload(&spec, i))
            .map(|p| (p.raw_bytes, p.gzip_bytes))
            .fold((0, 0), |(r, g), (a, b)| (r + a, g + b));
        let scale = spec.payloads as f64 / Flavor::ALL.len() as f64;
        let raw_mb = raw as f64 * scale / 1e6;
        let gz_mb = gz as f64 * scale / 1e6;
        assert!((28.0..=38.0).contains(&raw_mb), "raw {raw_mb:.1} MB");
        assert!((2.0..=4.5).contains(&gz_mb), "gzip {gz_mb:.2} MB");
    }

    #[test]
    fn sample_lines_are_recognised_by_their_parser() {
        let opts = ParseOptions::default();
        for line in sample_lines(LineFamily::PlatformReport, 20, 1) {
            let parsed = parse_line(&line, &opts);
            assert_eq!(parsed.kind, Kind::Report, "{line}");
            assert!(parsed.trace.xray_trace_id.is_some());
        }
        for line in sample_lines(LineFamily::Monitoring, 50, 1) {
            assert_eq!(parse_line(&line, &opts).kind, Kind::Metric, "{line}");
        }
        for line in sample_lines(LineFamily::NodeText, 50, 1) {
            assert_eq!(
                parse_line(&line, &opts).format,
                crate::model::Format::Nodejs,
                "{line}"
            );
        }
    }
}
