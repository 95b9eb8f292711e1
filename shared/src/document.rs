//! OpenSearch documents (README, Documents: OpenSearch Simple Schema for Observability).
//!
//! A [`Document`] is a view over a parsed line and its batch; it serialises straight into the
//! output buffer (bulk body or NDJSON) without building an intermediate JSON tree.

use crate::json::Entries;
use crate::model::{
    Correlation, ErrorInfo, Format, Kind, Origin, ParsedLine, PlatformDetails, Report,
};
use crate::rejection::RejectReason;
use crate::span::ids::{InvocationIds, SpanId, TraceId};
use crate::time::EpochMillis;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

mod write;

pub use crate::model::BatchResource;

/// What happened to a MONITORING line's metric (`attributes.shiplog.metric_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricStatus {
    /// A metric point was extracted.
    Extracted,
    /// The line was rejected; the reason is counted.
    Rejected(RejectReason),
}

/// One OpenSearch document: a view that serialises as the `_source`.
#[derive(Debug, Clone)]
pub struct Document<'r> {
    /// `_id`: the CloudWatch event id.
    pub id: &'r str,
    /// CloudWatch event timestamp (`observedTimestamp`; decides the daily index).
    pub observed: EpochMillis,
    /// The parsed (and correlated) line.
    pub line: &'r ParsedLine<'r>,
    /// The batch's resource facts.
    pub resource: &'r BatchResource<'r>,
    /// Body, possibly truncated to the configured cap.
    pub body: Cow<'r, str>,
    /// Original body length in bytes when it was truncated.
    pub truncated_from: Option<usize>,
    /// MONITORING outcome for metric lines.
    pub metric: Option<MetricStatus>,
    /// The batch's `resource` object written once ([`Document::with_resource_json`]).
    pub resource_json: Option<&'r ResourceJson<'r>>,
    /// `traceId` and `spanId`: the invocation's ids ([`crate::span::ids`]). Unset, they are
    /// derived from the line alone when the document is written; the pipeline sets them with
    /// [`Document::with_ids`] (computed once per request, not once per document) once
    /// it knows the request's X-Ray segment id.
    pub ids: Option<InvocationIds>,
}

/// The `resource` object of a batch's documents, written once per batch: every document whose
/// line does not state its own function name, version or service carries exactly these bytes,
/// so they are copied instead of being escaped and assembled again for each document.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceJson<'a> {
    /// The batch the bytes were written from: documents built on this very value use them.
    resource: BatchResource<'a>,
    /// `{"cloud":…}` as [`Document::write_json`] writes it for a line that adds nothing.
    bytes: Vec<u8>,
}

impl<'a> ResourceJson<'a> {
    /// Writes the `resource` object of `resource`'s documents.
    pub fn new(resource: &BatchResource<'a>) -> Self {
        let mut bytes = Vec::with_capacity(RESOURCE_JSON_CAPACITY);
        resource_view(resource, None, None).write_json(&mut bytes);
        ResourceJson {
            resource: resource.clone(),
            bytes,
        }
    }

    /// The batch's resource facts.
    pub fn resource(&self) -> &BatchResource<'a> {
        &self.resource
    }

    /// The JSON bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Typical size of a batch's `resource` object (account, region, function, log group and
/// stream names).
const RESOURCE_JSON_CAPACITY: usize = 320;

/// Marker appended to a truncated body.
pub const TRUNCATION_MARKER: &str = "…[truncated by shiplog]";

impl<'r> Document<'r> {
    /// Builds the view; truncates the body to `max_body_bytes` (at a char boundary) with a marker.
    pub fn new(
        id: &'r str,
        observed: EpochMillis,
        line: &'r ParsedLine<'r>,
        resource: &'r BatchResource<'r>,
        max_body_bytes: usize,
    ) -> Self {
        let (body, truncated_from) = truncate_body(&line.body, max_body_bytes);
        Document {
            id,
            observed,
            line,
            resource,
            body,
            truncated_from,
            metric: None,
            resource_json: None,
            ids: None,
        }
    }

    /// Sets the invocation's `traceId` and `spanId`.
    pub fn with_ids(mut self, ids: InvocationIds) -> Self {
        self.ids = Some(ids);
        self
    }

    /// Uses the batch's pre-written `resource` object when the line adds nothing to it. It is
    /// used only when this document's resource is the very one it was written from
    /// ([`ResourceJson::resource`]: one pointer comparison per document, no string compares);
    /// for any other `json` the resource is written as usual, so the output never depends on
    /// it, only the speed.
    pub fn with_resource_json(mut self, json: &'r ResourceJson<'r>) -> Self {
        self.resource_json = Some(json);
        self
    }

    /// `@timestamp`: the line's own timestamp when valid, else the CloudWatch event timestamp.
    pub fn timestamp(&self) -> EpochMillis {
        self.line.timestamp.unwrap_or(self.observed)
    }

    /// The UTC day (days since the epoch) of the CloudWatch event, which names its index: writers
    /// keep the last index name and build it again only when this changes.
    pub fn index_day(&self) -> i64 {
        self.observed.day()
    }

    /// Daily index `<prefix>-YYYY.MM.DD` by the CloudWatch event's UTC date, so a re-delivered
    /// event always lands in the same index with the same `_id`.
    pub fn index_name(&self, prefix: &str) -> String {
        let mut s = String::with_capacity(prefix.len() + 11);
        self.write_index_name(prefix, &mut s);
        s
    }

    /// Writes the index name into `out`.
    pub fn write_index_name(&self, prefix: &str, out: &mut String) {
        let (y, m, d) = self.observed.date();
        out.push_str(prefix);
        out.push('-');
        push_padded(out, y.clamp(0, 9999) as u32, 4);
        out.push('.');
        push_padded(out, m, 2);
        out.push('.');
        push_padded(out, d, 2);
    }
}

/// Pushes `v` in decimal, left-padded with zeros to `width` digits (no allocation: this runs
/// once per document).
fn push_padded(out: &mut String, v: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut n = v;
    let mut len = 0;
    loop {
        digits[digits.len() - 1 - len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    let start = digits.len() - len;
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(digits.get(start..).unwrap_or_default()).unwrap_or("0"));
}

fn truncate_body(body: &str, max: usize) -> (Cow<'_, str>, Option<usize>) {
    if body.len() <= max {
        return (Cow::Borrowed(body), None);
    }
    let cut = body.floor_char_boundary(max.saturating_sub(TRUNCATION_MARKER.len()));
    let mut s = String::with_capacity(cut + TRUNCATION_MARKER.len());
    s.push_str(body.get(..cut).unwrap_or(""));
    s.push_str(TRUNCATION_MARKER);
    (Cow::Owned(s), Some(body.len()))
}

/// The W3C trace id (32 lowercase hex) of an X-Ray trace id `1-<8 hex>-<24 hex>`.
pub fn w3c_trace_id(xray: &str) -> Option<String> {
    TraceId::from_xray(xray).map(|id| id.as_str().to_owned())
}

#[derive(Serialize)]
struct Severity {
    text: &'static str,
    number: u8,
}

#[derive(Serialize)]
struct EventView<'r> {
    name: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    exception: Option<&'r ErrorInfo>,
}

#[derive(Serialize)]
struct NameOnly<'r> {
    name: &'r str,
}

#[derive(Serialize)]
struct AccountView<'r> {
    id: &'r str,
}

#[derive(Serialize)]
struct CloudView<'r> {
    provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<AccountView<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'r str>,
}

#[derive(Serialize)]
struct FaasResource<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'r str>,
}

#[derive(Serialize)]
struct Names<'r> {
    names: &'r str,
}

#[derive(Serialize)]
struct LogResource<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<Names<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<Names<'r>>,
}

#[derive(Serialize)]
struct LambdaResource<'r> {
    capacity_provider: &'r str,
}

#[derive(Serialize)]
struct AwsResource<'r> {
    log: LogResource<'r>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lambda: Option<LambdaResource<'r>>,
}

#[derive(Serialize)]
struct ResourceView<'r> {
    cloud: CloudView<'r>,
    #[serde(skip_serializing_if = "Option::is_none")]
    faas: Option<FaasResource<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aws: Option<AwsResource<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<NameOnly<'r>>,
}

#[derive(Serialize)]
struct FaasAttributes<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    invocation_id: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coldstart: Option<bool>,
}

#[derive(Serialize)]
struct XrayView<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    segment_id: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sampled: Option<bool>,
}

/// `attributes.aws.lambda`: REPORT numbers or platform details (never both on one line).
enum LambdaView<'r> {
    Report(&'r Report),
    Platform(&'r PlatformDetails),
}

impl Serialize for LambdaView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LambdaView::Report(r) => r.serialize(s),
            LambdaView::Platform(p) => p.serialize(s),
        }
    }
}

#[derive(Serialize)]
struct AwsAttributes<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    xray: Option<XrayView<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lambda: Option<LambdaView<'r>>,
}

#[derive(Serialize)]
struct LogAttributes {
    format: Format,
}

#[derive(Serialize)]
struct ShiplogAttributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    metric_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metric_reason: Option<RejectReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<usize>,
}

struct CorrelationIds<'r>(&'r Map<String, Value>);

impl Serialize for CorrelationIds<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct AttributesView<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    faas: Option<FaasAttributes<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aws: Option<AwsAttributes<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_id: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation: Option<CorrelationIds<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'r Entries<'r>>,
    log: LogAttributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    shiplog: Option<ShiplogAttributes>,
}

#[derive(Serialize)]
struct SourceView<'r> {
    #[serde(rename = "@timestamp")]
    timestamp: EpochMillis,
    #[serde(rename = "observedTimestamp")]
    observed: EpochMillis,
    body: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<Severity>,
    #[serde(rename = "traceId", skip_serializing_if = "Option::is_none")]
    trace_id: Option<TraceId>,
    #[serde(rename = "spanId", skip_serializing_if = "Option::is_none")]
    span_id: Option<SpanId>,
    event: EventView<'r>,
    resource: ResourceView<'r>,
    /// `resource` written in advance, when it holds for this document.
    #[serde(skip)]
    resource_json: Option<&'r [u8]>,
    attributes: AttributesView<'r>,
}

/// The `resource` object of a line of a batch: the batch's facts, completed by what the line
/// states itself (function name and version, service, the platform line's version).
fn resource_view<'r>(
    res: &BatchResource<'r>,
    origin: Option<&'r Origin>,
    platform_version: Option<&'r str>,
) -> ResourceView<'r> {
    let function_name = res
        .function_name
        .or(origin.and_then(|o| o.function_name.as_deref()));
    let function_version = res
        .function_version
        .or(origin.and_then(|o| o.function_version.as_deref()))
        .or(platform_version);
    let faas = (function_name.is_some() || function_version.is_some()).then_some(FaasResource {
        name: function_name,
        version: function_version,
    });
    let aws = (res.log_group.is_some() || res.log_stream.is_some()).then(|| AwsResource {
        log: LogResource {
            group: res.log_group.map(|names| Names { names }),
            stream: res.log_stream.map(|names| Names { names }),
        },
        lambda: res
            .capacity_provider
            .map(|capacity_provider| LambdaResource { capacity_provider }),
    });
    ResourceView {
        cloud: CloudView {
            provider: "aws",
            account: res.account_id.map(|id| AccountView { id }),
            region: res.region,
        },
        faas,
        aws,
        service: origin
            .and_then(|o| o.service.as_deref())
            .map(|name| NameOnly { name }),
    }
}

impl ResourceView<'_> {
    /// True when the function name and version are exactly `name` and `version`.
    fn faas_is(&self, name: Option<&str>, version: Option<&str>) -> bool {
        match &self.faas {
            Some(f) => f.name == name && f.version == version,
            None => name.is_none() && version.is_none(),
        }
    }
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.view().serialize(s)
    }
}

impl<'r> Document<'r> {
    /// Writes the `_source` JSON into `out`: the same bytes as `serde_json::to_writer(out, self)`,
    /// about three times faster (keys are written as literals, strings escaped eight bytes at a
    /// time). On `Err` (a nested value serde_json could not write) `out` may hold a partial
    /// document: truncate it to its previous length.
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        self.view().write_json(out)
    }

    /// The serialisable shape of the document, every optional part resolved.
    fn view(&self) -> SourceView<'_> {
        let line = self.line;
        let ids = self.ids.unwrap_or_else(|| InvocationIds::of(line, None));
        let res = self.resource;
        let origin = line.origin.as_deref();
        let xray = line.trace.xray_trace_id.as_deref();
        let segment = line.trace.segment_id.as_deref();
        let platform_version = line.platform.as_deref().and_then(|p| p.version.as_deref());
        let resource = resource_view(res, origin, platform_version);
        let resource_json = self
            .resource_json
            .filter(|j| {
                std::ptr::eq(j.resource(), res)
                    && resource.faas_is(res.function_name, res.function_version)
                    && resource.service.is_none()
            })
            .map(ResourceJson::as_bytes);
        let correlation: Option<&Correlation> =
            line.correlation.as_deref().filter(|c| !c.is_empty());
        let xray_view = (xray.is_some() || segment.is_some() || line.trace.sampled.is_some())
            .then_some(XrayView {
                trace_id: xray,
                segment_id: segment,
                sampled: line.trace.sampled,
            });
        let lambda = match (&line.report, &line.platform) {
            (Some(r), _) => Some(LambdaView::Report(r)),
            (None, Some(p)) => Some(LambdaView::Platform(p)),
            (None, None) => None,
        };
        let aws = (xray_view.is_some() || lambda.is_some()).then_some(AwsAttributes {
            xray: xray_view,
            lambda,
        });
        let request_id = line.request_id.as_deref();
        let faas = (request_id.is_some() || line.cold_start.is_some()).then_some(FaasAttributes {
            invocation_id: request_id,
            coldstart: line.cold_start,
        });
        let (metric_status, metric_reason) = match self.metric {
            Some(MetricStatus::Extracted) => (Some("extracted"), None),
            Some(MetricStatus::Rejected(r)) => (Some("rejected"), Some(r)),
            None => (None, None),
        };
        let shiplog = (metric_status.is_some() || self.truncated_from.is_some()).then_some(
            ShiplogAttributes {
                metric_status,
                metric_reason,
                truncated: self.truncated_from,
            },
        );
        SourceView {
            timestamp: self.timestamp(),
            observed: self.observed,
            body: &self.body,
            severity: line.level.map(|l| Severity {
                text: l.as_str(),
                number: l.otel_number(),
            }),
            trace_id: ids.trace_id,
            span_id: ids.span_id,
            event: EventView {
                name: line.kind,
                exception: line.error.as_deref(),
            },
            resource,
            resource_json,
            attributes: AttributesView {
                faas,
                aws,
                correlation_id: correlation.and_then(|c| c.primary.as_deref()),
                correlation: correlation
                    .filter(|c| !c.ids.is_empty())
                    .map(|c| CorrelationIds(&c.ids)),
                fields: line.fields.as_ref().filter(|f| !f.is_empty()),
                log: LogAttributes {
                    format: line.format,
                },
                shiplog,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Level;
    use crate::model::Trace;
    use serde_json::json;

    fn resource() -> BatchResource<'static> {
        BatchResource {
            account_id: Some("123456789012"),
            region: Some("eu-west-1"),
            log_group: Some("/aws/lambda/order-api"),
            log_stream: Some("2024/05/05/[$LATEST]abc"),
            function_name: Some("order-api"),
            function_version: Some("$LATEST"),
            capacity_provider: None,
        }
    }

    #[test]
    fn document_has_the_spec_fields() {
        let line = ParsedLine {
            kind: Kind::App,
            format: Format::Nodejs,
            timestamp: EpochMillis::new(1_714_881_661_850),
            request_id: Some(Cow::Borrowed("501c51ae-75b0-4231-a51c-9fa99b57b5de")),
            level: Some(Level::Error),
            body: Cow::Borrowed("boom"),
            trace: Trace {
                xray_trace_id: Some(Cow::Borrowed("1-5759e988-bd862e3fe1be46a994272793")),
                segment_id: Some(Cow::Borrowed("3d752a1b1bbe37ef")),
                sampled: Some(true),
            },
            ..ParsedLine::default()
        };
        let res = resource();
        let doc = Document::new("3753", EpochMillis(1_714_881_662_000), &line, &res, 1024);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["@timestamp"], json!("2024-05-05T04:01:01.850Z"));
        assert_eq!(v["observedTimestamp"], json!("2024-05-05T04:01:02.000Z"));
        assert_eq!(v["body"], json!("boom"));
        assert_eq!(v["severity"], json!({"text": "ERROR", "number": 17}));
        assert_eq!(v["traceId"], json!("5759e988bd862e3fe1be46a994272793"));
        assert_eq!(v["spanId"], json!("3d752a1b1bbe37ef"));
        assert_eq!(v["event"]["name"], json!("app"));
        assert_eq!(
            v["resource"]["faas"],
            json!({"name": "order-api", "version": "$LATEST"})
        );
        assert_eq!(
            v["resource"]["aws"]["log"]["group"]["names"],
            json!("/aws/lambda/order-api")
        );
        assert_eq!(
            v["resource"]["cloud"],
            json!({"provider": "aws", "account": {"id": "123456789012"}, "region": "eu-west-1"})
        );
        assert_eq!(
            v["attributes"]["faas"]["invocation_id"],
            json!("501c51ae-75b0-4231-a51c-9fa99b57b5de")
        );
        assert_eq!(
            v["attributes"]["aws"]["xray"]["trace_id"],
            json!("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(v["attributes"]["log"]["format"], json!("nodejs"));
        assert_eq!(doc.index_name("shiplog"), "shiplog-2024.05.05");
    }

    /// The bytes of `doc` as the bulk body gets them.
    fn written(doc: &Document<'_>) -> serde_json::Value {
        let mut out = Vec::new();
        doc.write_json(&mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn pre_written_resource_is_used_only_when_the_line_adds_nothing_to_it() {
        let batch = BatchResource {
            function_name: None,
            function_version: None,
            ..resource()
        };
        let json = ResourceJson::new(&batch);
        let batch = json.resource();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(json.as_bytes()).unwrap(),
            json!({"cloud": {"provider": "aws", "account": {"id": "123456789012"},
                             "region": "eu-west-1"},
                   "aws": {"log": {"group": {"names": "/aws/lambda/order-api"},
                                   "stream": {"names": "2024/05/05/[$LATEST]abc"}}}})
        );
        let plain = ParsedLine::plain(Cow::Borrowed("hello"));
        let doc = Document::new("1", EpochMillis(0), &plain, batch, 1024).with_resource_json(&json);
        assert!(
            doc.view().resource_json.is_some(),
            "the pre-written bytes are used"
        );
        assert_eq!(
            written(&doc)["resource"],
            serde_json::to_value(&doc).unwrap()["resource"]
        );
        assert!(written(&doc)["resource"].get("faas").is_none());
        // A Powertools line names its function and service: they complete the resource.
        let stated = ParsedLine {
            origin: Some(Box::new(Origin {
                function_name: Some("billing".into()),
                function_version: Some("7".into()),
                service: Some("payments".into()),
            })),
            ..ParsedLine::plain(Cow::Borrowed("hello"))
        };
        let doc =
            Document::new("2", EpochMillis(0), &stated, batch, 1024).with_resource_json(&json);
        assert!(doc.view().resource_json.is_none());
        let resource = &written(&doc)["resource"];
        assert_eq!(resource["faas"], json!({"name": "billing", "version": "7"}));
        assert_eq!(resource["service"], json!({"name": "payments"}));
        // Another batch's bytes are never used, nor bytes written from an equal copy.
        let other = ResourceJson::new(&BatchResource::default());
        let doc =
            Document::new("3", EpochMillis(0), &plain, batch, 1024).with_resource_json(&other);
        assert!(doc.view().resource_json.is_none());
        let copy = batch.clone();
        let doc = Document::new("4", EpochMillis(0), &plain, &copy, 1024).with_resource_json(&json);
        assert!(doc.view().resource_json.is_none());
        assert_eq!(written(&doc), serde_json::to_value(&doc).unwrap());
        let doc =
            Document::new("3", EpochMillis(0), &plain, batch, 1024).with_resource_json(&other);
        assert_eq!(
            written(&doc)["resource"]["aws"]["log"]["group"]["names"],
            json!("/aws/lambda/order-api")
        );
    }

    #[test]
    fn a_capacity_provider_group_says_what_it_is_and_names_no_function() {
        let res = BatchResource {
            log_group: Some("/aws/lambda/capacity-provider/my-capacity-provider"),
            log_stream: Some("my-capacity-provider/managed-instances"),
            function_name: None,
            function_version: None,
            capacity_provider: Some("my-capacity-provider"),
            ..resource()
        };
        let json = ResourceJson::new(&res);
        let line = ParsedLine::plain(Cow::Borrowed("instance started"));
        let doc = Document::new("1", EpochMillis(0), &line, json.resource(), 1024)
            .with_resource_json(&json);
        let v = serde_json::to_value(&doc).unwrap();
        assert!(v["resource"].get("faas").is_none());
        assert_eq!(
            v["resource"]["aws"]["lambda"],
            json!({"capacity_provider": "my-capacity-provider"})
        );
        assert_eq!(written(&doc), v, "the fast writer writes the same bytes");
        // Other groups have no `resource.aws.lambda`.
        let plain = resource();
        let doc = Document::new("2", EpochMillis(0), &line, &plain, 1024);
        assert!(serde_json::to_value(&doc).unwrap()["resource"]["aws"]
            .get("lambda")
            .is_none());
    }

    #[test]
    fn line_without_timestamp_uses_event_time_and_invalid_xray_has_no_w3c_id() {
        let line = ParsedLine {
            body: Cow::Borrowed("x"),
            trace: Trace {
                xray_trace_id: Some(Cow::Borrowed("abcdef")),
                ..Trace::default()
            },
            ..ParsedLine::default()
        };
        let res = BatchResource::default();
        let doc = Document::new("1", EpochMillis(0), &line, &res, 1024);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["@timestamp"], json!("1970-01-01T00:00:00.000Z"));
        assert!(v.get("traceId").is_none());
        assert_eq!(v["attributes"]["aws"]["xray"]["trace_id"], json!("abcdef"));
        assert!(v["resource"].get("faas").is_none());
        assert!(v.get("severity").is_none());
    }

    #[test]
    fn oversized_body_is_truncated_with_marker_on_a_char_boundary() {
        let body = "é".repeat(1000);
        let line = ParsedLine::plain(Cow::Owned(body));
        let res = BatchResource::default();
        let doc = Document::new("1", EpochMillis(0), &line, &res, 101);
        assert!(doc.body.len() <= 101);
        assert!(doc.body.ends_with(TRUNCATION_MARKER));
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["attributes"]["shiplog"]["truncated"], json!(2000));
    }

    #[test]
    fn padded_numbers_have_at_least_the_width() {
        for (v, width, want) in [
            (7, 2, "07"),
            (12, 2, "12"),
            (2025, 4, "2025"),
            (5, 4, "0005"),
            (0, 2, "00"),
            (123_456, 4, "123456"),
            (u32::MAX, 4, "4294967295"),
        ] {
            let mut s = String::from("x");
            push_padded(&mut s, v, width);
            assert_eq!(s, format!("x{want}"));
        }
    }

    #[test]
    fn w3c_trace_id_requires_xray_shape() {
        assert_eq!(
            w3c_trace_id("1-5759E988-BD862E3FE1BE46A994272793").as_deref(),
            Some("5759e988bd862e3fe1be46a994272793")
        );
        assert_eq!(w3c_trace_id("1-5d9d007f-0a8c7fd02xmpl480aed55ef0"), None);
        assert_eq!(w3c_trace_id("2-5759e988-bd862e3fe1be46a994272793"), None);
        for wrong_shape in [
            "1-5759e988bd862e3fe1be46a994272793-",
            "1-5759e98-8bd862e3fe1be46a994272793",
            "1-5759e988-bd862e3fe1be46a99427279",
            "1-5759e988-bd862e3fe1be46a9942727933",
            "1-5759e988-bd862e3fe1be46a99427279é",
            "1-5759g988-bd862e3fe1be46a994272793",
            "1-5759e988-bd862e3fe1be46a99427279 ",
            "",
        ] {
            assert_eq!(w3c_trace_id(wrong_shape), None, "{wrong_shape}");
        }
    }
}
