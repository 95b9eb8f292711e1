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
    /// Function name: from the log stream when it names one (a custom log group shared by
    /// several functions: `YYYY/MM/DD/<function>[<version>]<id>`), else from a
    /// `/aws/lambda/<name>` log group.
    pub fn function_name(&self) -> Option<&str> {
        self.log_stream
            .as_deref()
            .and_then(function_name_of_stream)
            .or_else(|| function_name_of_group(self.log_group.as_deref()?))
    }

    /// Function version: the bracketed version of the log stream (`…/[$LATEST]…`,
    /// `…/<function>[7]…`).
    pub fn function_version(&self) -> Option<&str> {
        function_version_of_stream(self.log_stream.as_deref()?)
    }

    /// Capacity provider (Lambda Managed Instances) whose system log group this batch comes
    /// from: `/aws/lambda/capacity-provider/<name>`.
    pub fn capacity_provider(&self) -> Option<&str> {
        capacity_provider_of_group(self.log_group.as_deref()?)
    }
}

/// Prefix of the log groups Lambda creates.
const LAMBDA_GROUP_PREFIX: &str = "/aws/lambda/";

/// Prefix of the system log groups of Lambda Managed Instances' capacity providers.
const CAPACITY_PROVIDER_GROUP_PREFIX: &str = "/aws/lambda/capacity-provider/";

/// `/aws/lambda/hello` → `hello`. A group with more path segments under `/aws/lambda/` (such as
/// a capacity provider's `/aws/lambda/capacity-provider/<name>`) is not a function's group
/// (function names never hold a `/`), nor is anything outside `/aws/lambda/`: `None`.
pub fn function_name_of_group(group: &str) -> Option<&str> {
    let name = group.strip_prefix(LAMBDA_GROUP_PREFIX)?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// `/aws/lambda/capacity-provider/my-provider` → `my-provider` (the default log group of a
/// Lambda Managed Instances capacity provider).
pub fn capacity_provider_of_group(group: &str) -> Option<&str> {
    let name = group.strip_prefix(CAPACITY_PROVIDER_GROUP_PREFIX)?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// The part of a Lambda log stream name after its `YYYY/MM/DD/` date, when it has one.
fn after_stream_date(stream: &str) -> Option<&str> {
    let b = stream.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let dated = digits(0..4)
        && b.get(4) == Some(&b'/')
        && digits(5..7)
        && b.get(7) == Some(&b'/')
        && digits(8..10)
        && b.get(10) == Some(&b'/');
    if dated {
        stream.get(11..)
    } else {
        None
    }
}

/// True for the characters of a Lambda function name (letters, digits, `-`, `_`).
fn is_function_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The function named by a log stream of a custom log group,
/// `YYYY/MM/DD/<function>[<version>]<id>` (`2026/10/08/tenner-notifier[$LATEST]22be…` →
/// `tenner-notifier`); `None` for the streams of a function's own group
/// (`YYYY/MM/DD/[<version>]<id>`) and for any other shape.
pub fn function_name_of_stream(stream: &str) -> Option<&str> {
    let (name, after) = dated_stream_name(stream)?;
    (!name.is_empty() && after.contains(']')).then_some(name)
}

/// A dated Lambda log stream `YYYY/MM/DD/<name>[…` split at its first `[`: the function name
/// before it (empty in a function's own group) and the text after it; `None` when the stream
/// is not dated or the name holds a character no function name has.
fn dated_stream_name(stream: &str) -> Option<(&str, &str)> {
    let (name, after) = after_stream_date(stream)?.split_once('[')?;
    name.chars()
        .all(is_function_name_char)
        .then_some((name, after))
}

/// `2019/07/23/[$LATEST]9bc0…` → `$LATEST`; `…/[76]…` → `76`;
/// `2026/10/08/tenner-notifier[$LATEST]22be…` → `$LATEST` (the bracket right after the date
/// and function name, even when the documented `[<execution environment id>]` follows). A
/// stream without the `YYYY/MM/DD/` date: the text between its last `[` and the next `]`.
pub fn function_version_of_stream(stream: &str) -> Option<&str> {
    let rest = match after_stream_date(stream) {
        Some(_) => dated_stream_name(stream)?.1,
        None => stream.get(stream.rfind('[')? + 1..)?,
    };
    let close = rest.find(']')?;
    let v = rest.get(..close)?;
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
    /// `record.tenantId` of a `platform.report` (tenant isolation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// What the memory numbers measure, when it is not the request alone:
    /// [`MEMORY_SCOPE_ENVIRONMENT`] in a stream whose requests run concurrently (Lambda Managed
    /// Instances), where the execution environment's memory is shared by every request in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_scope: Option<&'static str>,
}

/// [`Report::memory_scope`] of a report from a stream whose requests run concurrently.
pub const MEMORY_SCOPE_ENVIRONMENT: &str = "execution_environment";

impl Report {
    /// `attributes.faas.coldstart` of the report itself: `true` when it has an init duration,
    /// or a restore duration (a SnapStart restore is that function's cold start); `false` when
    /// it has a duration but neither; `None` for a report without even a duration (a
    /// `platform.report` whose metrics are missing tells nothing).
    pub fn cold_start(&self) -> Option<bool> {
        if self.init_duration_ms.is_some() || self.restore_duration_ms.is_some() {
            Some(true)
        } else {
            self.duration_ms.map(|_| false)
        }
    }
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
    /// Tenant isolation: `record.tenantId` of a platform record, or the `tenantId` key of an app
    /// line (the Node runtime, the durable execution SDK).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Lambda durable functions: the execution, operation and attempt an SDK log line belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable: Option<DurableExecution>,
}

/// What a Lambda durable functions SDK log line says about its durable execution
/// (`attributes.aws.lambda.durable.*`). The execution ARN ties the many invocations of one
/// execution together, so it is also a correlation key (`attributes.correlation.executionArn`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DurableExecution {
    /// `executionArn`: the durable execution's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    /// `operationId`: the step / child context the line was logged from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// `attempt`: the retry attempt of that operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u64>,
}

impl DurableExecution {
    /// True when the line stated none of the three.
    pub fn is_empty(&self) -> bool {
        self.execution_arn.is_none() && self.operation_id.is_none() && self.attempt.is_none()
    }
}

/// Correlation ids carried by one line (`attributes.correlation_id`, `attributes.correlation.*`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Correlation {
    /// The primary id: Powertools `correlation_id` (`CorrelationId`, `correlationId` in the
    /// .NET casings), else dazn `x-correlation-id`.
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
    /// Cold start flag stated by the line (Powertools `cold_start`; REPORT: [`Report::cold_start`]).
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

/// Facts shared by every line of one batch: the documents' `resource.*`, and where an invocation
/// span ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResource<'a> {
    /// AWS account id (`owner`).
    pub account_id: Option<&'a str>,
    /// Region, when known.
    pub region: Option<&'a str>,
    /// Log group.
    pub log_group: Option<&'a str>,
    /// Log stream.
    pub log_stream: Option<&'a str>,
    /// Function name: from the log stream of a custom log group, else from a
    /// `/aws/lambda/<name>` log group ([`LogBatch::function_name`]).
    pub function_name: Option<&'a str>,
    /// Function version from the log stream.
    pub function_version: Option<&'a str>,
    /// Lambda Managed Instances capacity provider whose system log group this is
    /// (`resource.aws.lambda.capacity_provider`).
    pub capacity_provider: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_name_is_the_one_segment_of_a_lambda_group_only() {
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
    fn a_group_with_more_segments_under_aws_lambda_is_not_a_function() {
        assert_eq!(
            function_name_of_group("/aws/lambda/capacity-provider/my-capacity-provider"),
            None
        );
        assert_eq!(function_name_of_group("/aws/lambda/a/b"), None);
        assert_eq!(
            capacity_provider_of_group("/aws/lambda/capacity-provider/my-capacity-provider"),
            Some("my-capacity-provider")
        );
        assert_eq!(
            capacity_provider_of_group("/aws/lambda/capacity-provider/"),
            None
        );
        assert_eq!(
            capacity_provider_of_group("/aws/lambda/capacity-provider"),
            None
        );
        assert_eq!(capacity_provider_of_group("/aws/lambda/order-api"), None);
        let batch = LogBatch {
            log_group: Some(Cow::Borrowed(
                "/aws/lambda/capacity-provider/my-capacity-provider",
            )),
            log_stream: Some(Cow::Borrowed("my-capacity-provider/managed-instances")),
            ..LogBatch::default()
        };
        assert_eq!(batch.function_name(), None);
        assert_eq!(batch.function_version(), None);
        assert_eq!(batch.capacity_provider(), Some("my-capacity-provider"));
    }

    #[test]
    fn custom_group_streams_name_their_function() {
        // The documented form, with the execution environment id in brackets too.
        let documented = "2025/11/20/checkout-api[$LATEST][0f1e2d3c4b5a69788796a5b4c3d2e1f0]";
        assert_eq!(function_name_of_stream(documented), Some("checkout-api"));
        assert_eq!(function_version_of_stream(documented), Some("$LATEST"));
        // The captured form, without brackets around the id.
        let captured = "2026/10/08/tenner-notifier[$LATEST]22be53a8cfde4e68b844f8ec293b2543";
        assert_eq!(function_name_of_stream(captured), Some("tenner-notifier"));
        assert_eq!(
            function_name_of_stream("2025/11/20/billing_v2[12]ab"),
            Some("billing_v2")
        );
        assert_eq!(
            function_version_of_stream("2025/11/20/billing_v2[12]ab"),
            Some("12")
        );
        for not_named in [
            "2024/05/05/[$LATEST]abc",
            "2024/05/05/no-brackets",
            "2024/05/05/bad name[1]x",
            "2024/05/05/unclosed[1",
            "24/05/05/fn[1]x",
            "my-capacity-provider/managed-instances",
            "i-0123",
            "",
            "2024/05/0é/fn[1]x",
        ] {
            assert_eq!(function_name_of_stream(not_named), None, "{not_named}");
        }
    }

    #[test]
    fn the_stream_wins_over_the_group_when_it_names_a_function() {
        let shared = |group: &'static str, stream: &'static str| LogBatch {
            log_group: Some(Cow::Borrowed(group)),
            log_stream: Some(Cow::Borrowed(stream)),
            ..LogBatch::default()
        };
        let a = shared("my-app-logs", "2025/11/20/checkout-api[$LATEST]0f1e");
        assert_eq!(a.function_name(), Some("checkout-api"));
        assert_eq!(a.function_version(), Some("$LATEST"));
        let b = shared("my-app-logs", "2025/11/20/billing[7]aa");
        assert_eq!(
            (b.function_name(), b.function_version()),
            (Some("billing"), Some("7"))
        );
        let own = shared("/aws/lambda/order-api", "2024/05/05/[$LATEST]abc");
        assert_eq!(own.function_name(), Some("order-api"));
        let moved = shared("/aws/lambda/order-api", "2025/11/20/billing[3]aa");
        assert_eq!(moved.function_name(), Some("billing"));
        let other = shared("testLogGroup", "testLogStream");
        assert_eq!(
            (other.function_name(), other.function_version()),
            (None, None)
        );
        assert_eq!(LogBatch::default().function_name(), None);
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
        assert_eq!(function_version_of_stream("2024/05/05/[]abc"), None);
        assert_eq!(function_version_of_stream("stream[9]x"), Some("9"));
    }
}
