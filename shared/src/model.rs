//! The values that flow through the core: decoded log events and what a parser reads from one.

use crate::json::Entries;
use crate::level::Level;
use crate::time::EpochMillis;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// One CloudWatch Logs event (`logEvents[]`), borrowed from the decoded payload where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent<'a> {
    /// CloudWatch event id (becomes the document `_id`).
    pub id: Cow<'a, str>,
    /// CloudWatch ingestion timestamp of the event.
    pub timestamp: EpochMillis,
    /// The exact message text.
    pub message: Cow<'a, str>,
}

/// The events of one DATA_MESSAGE: one log group, one log stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogBatch<'a> {
    /// AWS account id that owns the log group (`owner`).
    pub owner: Option<Cow<'a, str>>,
    /// Log group name, e.g. `/aws/lambda/order-api`. `None` for raw Kinesis lines.
    pub log_group: Option<Cow<'a, str>>,
    /// Log stream name, e.g. `2024/05/05/[$LATEST]0f1e…`.
    pub log_stream: Option<Cow<'a, str>>,
    /// Region when the envelope tells it (Kinesis `awsRegion`, Firehose `region`).
    pub region: Option<Cow<'a, str>>,
    /// The events, in delivery order.
    pub events: Vec<LogEvent<'a>>,
}

impl LogBatch<'_> {
    /// Function name: last path segment of a `/aws/lambda/<name>` log group.
    pub fn function_name(&self) -> Option<&str> {
        function_name_of_group(self.log_group.as_deref()?)
    }

    /// Function version: the text between the last `[` and the following `]` of the log stream.
    pub fn function_version(&self) -> Option<&str> {
        function_version_of_stream(self.log_stream.as_deref()?)
    }
}

/// `/aws/lambda/hello` → `hello`; anything not under `/aws/lambda/` → `None`.
pub fn function_name_of_group(group: &str) -> Option<&str> {
    let rest = group.strip_prefix("/aws/lambda/")?;
    let name = rest.rsplit('/').next().unwrap_or(rest);
    (!name.is_empty()).then_some(name)
}

/// `2019/07/23/[$LATEST]9bc0…` → `$LATEST`; `…[76]…` → `76`.
pub fn function_version_of_stream(stream: &str) -> Option<&str> {
    let open = stream.rfind('[')?;
    let rest = &stream[open + 1..];
    let close = rest.find(']')?;
    let v = &rest[..close];
    (!v.is_empty()).then_some(v)
}

/// What kind of line a document holds (`event.name`). Same words as the corpus oracles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Anything written by the function's own code.
    #[default]
    App,
    /// `START RequestId: …` / `platform.start`.
    Start,
    /// `END RequestId: …` / `platform.runtimeDone` in text mode.
    End,
    /// `REPORT RequestId: …` / `platform.report`.
    Report,
    /// `INIT_START …` / `platform.initStart`.
    InitStart,
    /// `INIT_REPORT …` / `platform.initReport`.
    InitReport,
    /// `RESTORE_START …` (SnapStart).
    RestoreStart,
    /// `RESTORE_REPORT …` (SnapStart).
    RestoreReport,
    /// `EXTENSION Name: … State: …` / `platform.extension`.
    Extension,
    /// `LOGS Name: … State: Subscribed` / `platform.logsSubscription`.
    LogsSubscription,
    /// `platform.runtimeDone`.
    RuntimeDone,
    /// `platform.logsDropped`.
    LogsDropped,
    /// Any other `platform.*` record.
    Platform,
    /// `Task timed out after N seconds`.
    Timeout,
    /// `Runtime exited with error`, `Process exited before completing request`, …
    RuntimeExit,
    /// A `MONITORING|…` line.
    Metric,
    /// A CloudWatch Embedded Metric Format record.
    Emf,
}

impl Kind {
    /// The word written to `event.name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Start => "start",
            Kind::End => "end",
            Kind::Report => "report",
            Kind::InitStart => "init_start",
            Kind::InitReport => "init_report",
            Kind::RestoreStart => "restore_start",
            Kind::RestoreReport => "restore_report",
            Kind::Extension => "extension",
            Kind::LogsSubscription => "logs_subscription",
            Kind::RuntimeDone => "runtime_done",
            Kind::LogsDropped => "logs_dropped",
            Kind::Platform => "platform",
            Kind::Timeout => "timeout",
            Kind::RuntimeExit => "runtime_exit",
            Kind::Metric => "metric",
            Kind::Emf => "emf",
        }
    }
}

/// Which parser recognised the line (`attributes.log.format`), useful when a line looks wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// No known prefix: the message as written (`print`, `puts`, `Console.WriteLine`).
    #[default]
    Plain,
    /// Lambda platform text line (START/END/REPORT/INIT_*/RESTORE_*/EXTENSION/timeouts/exits).
    Platform,
    /// Node.js runtime prefix `ts\treq\tLEVEL\tmsg` (or the legacy 3-column form).
    Nodejs,
    /// Python runtime prefix `[LEVEL]\tts\treq\tmsg` or `[ERROR] Type: msg` tracebacks.
    Python,
    /// Java `[LEVEL] msg` or a log4j2 pattern line.
    Java,
    /// Go `log` package `YYYY/MM/DD HH:MM:SS msg`.
    Go,
    /// .NET `ts\treq\tinfo\tmsg`.
    Dotnet,
    /// Ruby `Logger` `I, [ts #pid]  INFO req -- : msg`.
    Ruby,
    /// Rust `lambda_runtime` tracing line with the `Lambda runtime invoke{…}` span.
    Rust,
    /// Lambda JSON log format (app records and `platform.*` records).
    LambdaJson,
    /// Any other JSON object line (Powertools, dazn, pino, bunyan, winston, log4j2, serilog, …).
    Json,
}

/// An error report found in a line (`event.exception.*`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ErrorInfo {
    /// `TypeError`, `java.lang.IllegalStateException`, `Runtime.ExitError`, …
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The error message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The stack trace, one frame per line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stacktrace: Option<String>,
}

/// Numbers and status of a REPORT line or `platform.report` record (`attributes.aws.lambda.*`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Report {
    /// `Duration` in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// `Billed Duration` in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed_duration_ms: Option<f64>,
    /// `Memory Size` in MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size_mb: Option<f64>,
    /// `Max Memory Used` in MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_memory_used_mb: Option<f64>,
    /// `Init Duration` in ms (present only on cold starts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    /// `Restore Duration` in ms (SnapStart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_duration_ms: Option<f64>,
    /// `Billed Restore Duration` in ms (SnapStart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed_restore_duration_ms: Option<f64>,
    /// `Status` (`success`, `timeout`, `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Error Type` (`Runtime.OutOfMemory`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
}

/// Details of platform lines other than REPORT (`attributes.aws.lambda.*`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PlatformDetails {
    /// Function version from START (`Version: $LATEST`) or `platform.start`/`initStart`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `Runtime Version: python:3.12.v16`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version: Option<String>,
    /// `Runtime Version ARN: arn:…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<String>,
    /// INIT_REPORT `Phase` (`init`, `invoke`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `Status` of INIT_REPORT / `platform.runtimeDone` / `platform.initReport`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Error Type` of INIT_REPORT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// INIT_REPORT / `platform.initReport` init duration in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    /// RESTORE_REPORT restore duration in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_duration_ms: Option<f64>,
    /// EXTENSION / LOGS `Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// EXTENSION / LOGS `State`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// EXTENSION `Events: [INVOKE, SHUTDOWN]` or LOGS `Types: [...]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// `Task timed out after N seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
    /// `platform.logsDropped` `droppedRecords`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_records: Option<u64>,
    /// `platform.logsDropped` `droppedBytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_bytes: Option<u64>,
    /// `platform.initStart` `initializationType` (`on-demand`, `provisioned-concurrency`, `snap-start`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initialization_type: Option<String>,
}

/// Correlation ids carried by one line (`attributes.correlation_id`, `attributes.correlation.*`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Correlation {
    /// The primary id: Powertools `correlation_id`, else dazn `x-correlation-id`.
    pub primary: Option<String>,
    /// Every correlation key by its original name (`x-correlation-user-id`, `call-chain-length`, …).
    pub ids: Map<String, Value>,
}

impl Correlation {
    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.primary.is_none() && self.ids.is_empty()
    }
}

/// Identity facts a structured line states about its function (Powertools `function_name`, …),
/// used when the log group does not tell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Origin {
    /// `function_name` / `lambda_function_name` / `functionName`.
    pub function_name: Option<String>,
    /// `function_version` / `functionVersion`.
    pub function_version: Option<String>,
    /// Powertools `service` (`resource.service.name`).
    pub service: Option<String>,
}

/// X-Ray context of a line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trace<'a> {
    /// X-Ray form `1-5759e988-bd862e3fe1be46a994272793` (verbatim when not valid X-Ray).
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// Segment id (`SegmentId:` of REPORT, `Parent=` of a trace header).
    pub segment_id: Option<Cow<'a, str>>,
    /// `Sampled:` flag.
    pub sampled: Option<bool>,
}

/// Everything one parser reads from one log message. Produced by [`crate::parse::parse_line`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedLine<'a> {
    /// What the line is.
    pub kind: Kind,
    /// Which format recognised it.
    pub format: Format,
    /// The line's own timestamp, when it has a valid one.
    pub timestamp: Option<EpochMillis>,
    /// The request id (runtime prefix, platform line or JSON key); never `"undefined"` or empty.
    pub request_id: Option<Cow<'a, str>>,
    /// Normalised severity, when the line states one.
    pub level: Option<Level>,
    /// Text after the runtime prefix with one trailing newline removed (for JSON: `message`).
    pub body: Cow<'a, str>,
    /// True when the payload was a JSON object (its remaining keys are in `fields`).
    pub json: bool,
    /// Remaining keys of a JSON object payload (`attributes.fields.*`), in the line's order;
    /// keys borrow from the line when they had no escapes.
    pub fields: Option<Entries<'a>>,
    /// X-Ray context.
    pub trace: Trace<'a>,
    /// Correlation ids.
    pub correlation: Option<Arc<Correlation>>,
    /// Cold start flag stated by the line (Powertools `cold_start`, REPORT with Init Duration).
    pub cold_start: Option<bool>,
    /// Error report.
    pub error: Option<Box<ErrorInfo>>,
    /// REPORT numbers.
    pub report: Option<Box<Report>>,
    /// Other platform details.
    pub platform: Option<Box<PlatformDetails>>,
    /// Function identity stated by the line itself.
    pub origin: Option<Box<Origin>>,
    /// The text of a `MONITORING|…` payload when the line carries one (starts with `MONITORING`).
    pub monitoring: Option<Cow<'a, str>>,
}

impl<'a> ParsedLine<'a> {
    /// A line no parser recognised: the message itself, with one trailing newline removed.
    pub fn plain(body: Cow<'a, str>) -> Self {
        ParsedLine {
            body,
            ..ParsedLine::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_name_is_last_segment_of_lambda_group_only() {
        assert_eq!(
            function_name_of_group("/aws/lambda/hello-devopsdays"),
            Some("hello-devopsdays")
        );
        assert_eq!(
            function_name_of_group("/aws/lambda/us-east-1.edge-fn"),
            Some("us-east-1.edge-fn")
        );
        assert_eq!(function_name_of_group("testLogGroup"), None);
        assert_eq!(
            function_name_of_group("/aws/rds/instance/db/postgresql"),
            None
        );
        assert_eq!(function_name_of_group("/aws/lambda/"), None);
    }

    #[test]
    fn function_version_is_between_last_brackets() {
        assert_eq!(
            function_version_of_stream("2019/07/23/[$LATEST]9bc0"),
            Some("$LATEST")
        );
        assert_eq!(function_version_of_stream("2019/07/23/[76]abc"), Some("76"));
        assert_eq!(
            function_version_of_stream("2026/10/08/tenner-notifier[$LATEST]22be53a8"),
            Some("$LATEST")
        );
        assert_eq!(function_version_of_stream("i-0123"), None);
    }
}
