//! The document's `_source` written straight into a byte buffer, byte for byte what
//! `serde_json::to_writer` writes for the same view (a test holds the two together), without
//! serde's per-key escaping: keys are literals, strings go through the JSON writer of
//! [`crate::json`], and only the rare nested values (REPORT numbers, platform details, error reports, structured
//! fields) go through serde_json.

use super::{
    AttributesView, AwsAttributes, CloudView, EventView, FaasAttributes, FaasResource, LambdaView,
    LogResource, ResourceView, ShiplogAttributes, SourceView, XrayView,
};
use crate::json::object::{write_u64, Obj};
use crate::json::{json_key as k, write_json_map};
use crate::model::{ErrorInfo, Format, Report};

/// The `event.name` / `attributes.log.format` word of a [`Format`] (its serde name).
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Plain => "plain",
        Format::Platform => "platform",
        Format::Nodejs => "nodejs",
        Format::Python => "python",
        Format::Java => "java",
        Format::Go => "go",
        Format::Dotnet => "dotnet",
        Format::Ruby => "ruby",
        Format::Rust => "rust",
        Format::LambdaJson => "lambda_json",
        Format::Json => "json",
    }
}

impl SourceView<'_> {
    /// Writes the view as serde_json would.
    pub(super) fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut o = Obj::open(out);
        // Most lines carry no time of their own, or the event's: format it once.
        let observed = self.observed.rfc3339_bytes();
        let timestamp = if self.timestamp == self.observed {
            observed
        } else {
            self.timestamp.rfc3339_bytes()
        };
        write_plain_ascii(o.key(k!("@timestamp")), &timestamp);
        write_plain_ascii(o.key(k!("observedTimestamp")), &observed);
        o.str(k!("body"), self.body);
        if let Some(sev) = &self.severity {
            let mut s = Obj::open(o.key(k!("severity")));
            s.str(k!("text"), sev.text);
            write_u64(s.key(k!("number")), u64::from(sev.number));
            s.close();
        }
        if let Some(id) = &self.trace_id {
            write_plain_ascii(o.key(k!("traceId")), id.as_bytes());
        }
        if let Some(id) = &self.span_id {
            write_plain_ascii(o.key(k!("spanId")), id.as_bytes());
        }
        self.event.write_json(o.key(k!("event")))?;
        match self.resource_json {
            Some(bytes) => o.key(k!("resource")).extend_from_slice(bytes),
            None => self.resource.write_json(o.key(k!("resource"))),
        }
        self.attributes.write_json(o.key(k!("attributes")))?;
        o.close();
        Ok(())
    }
}

/// Writes ASCII text that never needs an escape (formatted times, hex ids) between quotes as it
/// is, without the escape scan.
fn write_plain_ascii(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(bytes);
    out.push(b'"');
}

/// `event.exception` as serde_json writes an [`ErrorInfo`] (a stack trace can be kilobytes:
/// it goes through the fast string writer).
fn write_exception(out: &mut Vec<u8>, e: &ErrorInfo) {
    let mut o = Obj::open(out);
    o.opt_str(k!("type"), e.kind.as_deref());
    o.opt_str(k!("message"), e.message.as_deref());
    o.opt_str(k!("stacktrace"), e.stacktrace.as_deref());
    o.close();
}

/// `attributes.aws.lambda` of a REPORT line, as serde_json writes a [`Report`].
fn write_report(out: &mut Vec<u8>, r: &Report) -> serde_json::Result<()> {
    let mut o = Obj::open(out);
    o.opt_f64(k!("duration_ms"), r.duration_ms)?;
    o.opt_f64(k!("billed_duration_ms"), r.billed_duration_ms)?;
    o.opt_f64(k!("memory_size_mb"), r.memory_size_mb)?;
    o.opt_f64(k!("max_memory_used_mb"), r.max_memory_used_mb)?;
    o.opt_f64(k!("init_duration_ms"), r.init_duration_ms)?;
    o.opt_f64(k!("restore_duration_ms"), r.restore_duration_ms)?;
    o.opt_f64(
        k!("billed_restore_duration_ms"),
        r.billed_restore_duration_ms,
    )?;
    o.opt_str(k!("status"), r.status.as_deref());
    o.opt_str(k!("error_type"), r.error_type.as_deref());
    o.opt_str(k!("tenant_id"), r.tenant_id.as_deref());
    o.opt_str(k!("memory_scope"), r.memory_scope);
    o.close();
    Ok(())
}

impl EventView<'_> {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut o = Obj::open(out);
        o.str(k!("name"), self.name.as_str());
        if let Some(e) = self.exception {
            write_exception(o.key(k!("exception")), e);
        }
        o.close();
        Ok(())
    }
}

impl ResourceView<'_> {
    pub(super) fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        self.cloud.write_json(o.key(k!("cloud")));
        if let Some(f) = &self.faas {
            f.write_json(o.key(k!("faas")));
        }
        if let Some(aws) = &self.aws {
            let mut a = Obj::open(o.key(k!("aws")));
            aws.log.write_json(a.key(k!("log")));
            if let Some(lambda) = &aws.lambda {
                let mut l = Obj::open(a.key(k!("lambda")));
                l.str(k!("capacity_provider"), lambda.capacity_provider);
                l.close();
            }
            a.close();
        }
        if let Some(service) = &self.service {
            let mut s = Obj::open(o.key(k!("service")));
            s.str(k!("name"), service.name);
            s.close();
        }
        o.close();
    }
}

impl CloudView<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.str(k!("provider"), self.provider);
        if let Some(account) = &self.account {
            let mut a = Obj::open(o.key(k!("account")));
            a.str(k!("id"), account.id);
            a.close();
        }
        o.opt_str(k!("region"), self.region);
        o.close();
    }
}

impl FaasResource<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.opt_str(k!("name"), self.name);
        o.opt_str(k!("version"), self.version);
        o.close();
    }
}

impl LogResource<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        for (key, names) in [(k!("group"), &self.group), (k!("stream"), &self.stream)] {
            if let Some(n) = names {
                let mut g = Obj::open(o.key(key));
                g.str(k!("names"), n.names);
                g.close();
            }
        }
        o.close();
    }
}

impl AttributesView<'_> {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut o = Obj::open(out);
        if let Some(f) = &self.faas {
            f.write_json(o.key(k!("faas")));
        }
        if let Some(aws) = &self.aws {
            aws.write_json(o.key(k!("aws")))?;
        }
        o.opt_str(k!("correlation_id"), self.correlation_id);
        if let Some(ids) = &self.correlation {
            write_json_map(o.key(k!("correlation")), ids.0);
        }
        if let Some(fields) = self.fields {
            fields.write_json(o.key(k!("fields")));
        }
        let mut log = Obj::open(o.key(k!("log")));
        log.str(k!("format"), format_name(self.log.format));
        log.close();
        if let Some(s) = &self.shiplog {
            s.write_json(o.key(k!("shiplog")))?;
        }
        o.close();
        Ok(())
    }
}

impl FaasAttributes<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.opt_str(k!("invocation_id"), self.invocation_id);
        o.opt_bool(k!("coldstart"), self.coldstart);
        o.close();
    }
}

impl AwsAttributes<'_> {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut o = Obj::open(out);
        if let Some(x) = &self.xray {
            x.write_json(o.key(k!("xray")));
        }
        match &self.lambda {
            Some(LambdaView::Report(r)) => write_report(o.key(k!("lambda")), r)?,
            Some(LambdaView::Platform(p)) => o.serde(k!("lambda"), *p)?,
            None => {}
        }
        o.close();
        Ok(())
    }
}

impl XrayView<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut o = Obj::open(out);
        o.opt_str(k!("trace_id"), self.trace_id);
        o.opt_str(k!("segment_id"), self.segment_id);
        o.opt_bool(k!("sampled"), self.sampled);
        o.close();
    }
}

impl ShiplogAttributes {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut o = Obj::open(out);
        o.opt_str(k!("metric_status"), self.metric_status);
        if let Some(reason) = &self.metric_reason {
            o.serde(k!("metric_reason"), reason)?;
        }
        if let Some(n) = self.truncated {
            write_u64(o.key(k!("truncated")), n as u64);
        }
        o.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_and_exceptions_are_written_like_serde_json() {
        let full = Report {
            duration_ms: Some(12.34),
            billed_duration_ms: Some(13.0),
            memory_size_mb: Some(128.0),
            max_memory_used_mb: Some(70.0),
            init_duration_ms: Some(0.1 + 0.2),
            restore_duration_ms: Some(1e21),
            billed_restore_duration_ms: Some(f64::NAN),
            status: Some("timeout".into()),
            error_type: Some("Runtime.\"Exit\"".into()),
            tenant_id: Some("tenant-\"a\"".into()),
            memory_scope: Some(crate::model::MEMORY_SCOPE_ENVIRONMENT),
        };
        for r in [
            full,
            Report::default(),
            Report {
                duration_ms: Some(2.0),
                ..Report::default()
            },
        ] {
            let mut out = Vec::new();
            write_report(&mut out, &r).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&r).unwrap()
            );
        }
        let stack = "Error: boom\n    at handler (/var/task/index.js:3:9)\t\u{1}\"q\"\\".repeat(40);
        for e in [
            ErrorInfo {
                kind: Some("TypeError".into()),
                message: Some("x \"y\"".into()),
                stacktrace: Some(stack),
            },
            ErrorInfo::default(),
            ErrorInfo {
                message: Some("only".into()),
                ..ErrorInfo::default()
            },
        ] {
            let mut out = Vec::new();
            write_exception(&mut out, &e);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&e).unwrap()
            );
        }
    }

    #[test]
    fn numbers_are_plain_decimals() {
        for n in [0u64, 7, 10, 99, 12_345, u64::MAX] {
            let mut out = Vec::new();
            write_u64(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn format_names_are_the_serde_names() {
        for f in [
            Format::Plain,
            Format::Platform,
            Format::Nodejs,
            Format::Python,
            Format::Java,
            Format::Go,
            Format::Dotnet,
            Format::Ruby,
            Format::Rust,
            Format::LambdaJson,
            Format::Json,
        ] {
            let serde = serde_json::to_string(&f).unwrap();
            assert_eq!(format!("\"{}\"", format_name(f)), serde);
        }
    }

    #[test]
    fn kind_names_are_the_serde_names() {
        use crate::model::Kind;
        for k in [
            Kind::App,
            Kind::Start,
            Kind::End,
            Kind::Report,
            Kind::InitStart,
            Kind::InitReport,
            Kind::RestoreStart,
            Kind::RestoreReport,
            Kind::Extension,
            Kind::LogsSubscription,
            Kind::RuntimeDone,
            Kind::LogsDropped,
            Kind::Platform,
            Kind::Timeout,
            Kind::RuntimeExit,
            Kind::Metric,
            Kind::Emf,
        ] {
            assert_eq!(
                format!("\"{}\"", k.as_str()),
                serde_json::to_string(&k).unwrap()
            );
        }
    }

    /// Every message of the corpus and of the benchmark workload, as documents in every
    /// metric state and with and without a truncated body.
    fn messages() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "jsonl") {
                    for line in std::fs::read_to_string(&path).unwrap().lines() {
                        let record: serde_json::Value = serde_json::from_str(line).unwrap();
                        if let Some(m) = record["message"].as_str() {
                            out.push(m.to_owned());
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus");
        walk(std::path::Path::new(corpus), &mut out);
        assert!(out.len() > 200, "corpus messages: {}", out.len());
        let spec = crate::testing::workload::WorkloadSpec {
            payloads: 10,
            events_per_payload: 300,
            seed: 4,
        };
        for i in 0..spec.payloads {
            let (_, _, events) = crate::testing::workload::payload_events(&spec, i);
            out.extend(events.into_iter().map(|e| e.message));
        }
        out
    }

    #[test]
    fn documents_are_written_byte_for_byte_like_serde_json() {
        use crate::document::{BatchResource, Document, MetricStatus, ResourceJson};
        use crate::parse::{parse_line, ParseOptions};
        use crate::rejection::RejectReason;
        use crate::time::EpochMillis;
        let full = BatchResource {
            account_id: Some("123456789012"),
            region: Some("eu-west-1"),
            log_group: Some("/aws/lambda/order \"api\""),
            log_stream: Some("2025/11/20/[$LATEST]abc"),
            function_name: Some("order-api"),
            function_version: Some("$LATEST"),
            capacity_provider: Some("provider \"one\""),
        };
        let empty = BatchResource::default();
        let (full_json, empty_json) = (ResourceJson::new(&full), ResourceJson::new(&empty));
        let opts = ParseOptions::default();
        let metrics = [
            None,
            Some(MetricStatus::Extracted),
            Some(MetricStatus::Rejected(RejectReason::MetricValueNotFinite)),
        ];
        let mut checked = 0;
        let mut pre_written = 0;
        for (i, message) in messages().iter().enumerate() {
            let line = parse_line(message, &opts);
            let (own, other) = if i.is_multiple_of(3) {
                (&empty_json, &full_json)
            } else {
                (&full_json, &empty_json)
            };
            let resource = own.resource();
            let max_body = if i.is_multiple_of(5) { 40 } else { 1 << 20 };
            let mut doc = Document::new(
                "4242",
                EpochMillis(1_763_640_000_123),
                &line,
                resource,
                max_body,
            );
            // Every other document uses its batch's pre-written resource, every seventh one
            // the other batch's (which must be ignored).
            if i % 2 == 1 {
                doc = doc.with_resource_json(own);
            } else if i % 7 == 0 {
                doc = doc.with_resource_json(other);
            }
            pre_written += usize::from(doc.view().resource_json.is_some());
            doc.metric = metrics[i % metrics.len()];
            let mut fast = b"prefix".to_vec();
            doc.write_json(&mut fast).unwrap();
            let mut serde = b"prefix".to_vec();
            serde_json::to_writer(&mut serde, &doc).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&serde),
                "message {message:?}"
            );
            checked += 1;
        }
        assert!(checked > 3000, "{checked}");
        assert!(
            pre_written > 1000,
            "{pre_written} documents used a pre-written resource"
        );
    }
}
