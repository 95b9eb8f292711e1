//! One invocation's summary (function, start, duration, cold start, errors, estimated cost): from
//! its span (`otel-v1-apm-span-*`) when one exists, else from its REPORT document and its lines.
//!
//! The summary search ([`summary_body`]) aggregates per request: first and last timestamp, the
//! function, the count of error lines, the REPORT document and whether any line says cold start.

use super::id::REQUEST_FIELD;
use serde_json::{json, Value};
use shiplog::cost::{self, Architecture};
use shiplog::model::Report;

/// Where the numbers of a summary come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The invocation's span.
    Span,
    /// Its REPORT document.
    Report,
    /// Neither: only its lines (start, errors).
    Lines,
}

impl Source {
    /// The word used in the JSON output.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Span => "span",
            Source::Report => "report",
            Source::Lines => "lines",
        }
    }
}

/// One invocation of the slice.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invocation {
    /// Request id.
    pub(crate) request_id: String,
    /// Function name (`resource.faas.name` / the span's `serviceName`).
    pub(crate) function: Option<String>,
    /// First line's timestamp (RFC 3339).
    pub(crate) start: Option<String>,
    /// First line's timestamp, epoch milliseconds (ordering).
    pub(crate) start_ms: f64,
    /// Last line's timestamp (RFC 3339).
    pub(crate) end: Option<String>,
    /// Lines of the invocation.
    pub(crate) lines: u64,
    /// Duration, ms.
    pub(crate) duration_ms: Option<f64>,
    /// Billed duration, ms.
    pub(crate) billed_duration_ms: Option<f64>,
    /// Memory size, MB.
    pub(crate) memory_size_mb: Option<f64>,
    /// Max memory used, MB.
    pub(crate) max_memory_used_mb: Option<f64>,
    /// Init duration, ms (cold start).
    pub(crate) init_duration_ms: Option<f64>,
    /// Cold start, when known.
    pub(crate) cold_start: Option<bool>,
    /// Error lines (ERROR / FATAL, exceptions, timeouts), or the span's error count.
    pub(crate) errors: u64,
    /// REPORT status (`timeout`, `error`, …).
    pub(crate) status: Option<String>,
    /// Estimated cost, US dollars.
    pub(crate) estimated_cost_usd: Option<f64>,
    /// Where the numbers come from.
    pub(crate) source: Source,
}

/// Estimated cost of one invocation from its billed duration and memory size, by the core's
/// price rule (x86_64, on demand: the REPORT does not say the architecture).
fn estimated_cost_usd(billed_ms: f64, memory_mb: f64) -> Option<f64> {
    let report = Report {
        billed_duration_ms: Some(billed_ms),
        memory_size_mb: Some(memory_mb),
        ..Report::default()
    };
    cost::estimated_cost_usd(&report, Architecture::X86_64)
}

/// The summary search over the documents of `query` (the slice's requests): one `filters`
/// bucket per request (the request id field has no doc values, so no `terms` aggregation).
pub(crate) fn summary_body(query: Value, requests: &[&str]) -> Value {
    let filters: serde_json::Map<String, Value> = requests
        .iter()
        .map(|r| ((*r).to_owned(), json!({ "term": { REQUEST_FIELD: r } })))
        .collect();
    json!({
        "size": 0,
        "query": query,
        "aggs": {
            "requests": {
                "filters": { "filters": filters },
                "aggs": {
                    "first": { "min": { "field": "@timestamp" } },
                    "last": { "max": { "field": "@timestamp" } },
                    "function": { "terms": { "field": "resource.faas.name", "size": 1 } },
                    "errors": { "filter": { "bool": { "should": [
                        { "terms": { "severity.text": ["ERROR", "FATAL"] } },
                        { "exists": { "field": "event.exception.type" } },
                        { "term": { "event.name": "timeout" } }
                    ], "minimum_should_match": 1 } } },
                    "cold": { "filter": { "term": { "attributes.faas.coldstart": true } } },
                    "report": {
                        "filter": { "term": { "event.name": "report" } },
                        "aggs": { "doc": { "top_hits": {
                            "size": 1,
                            "_source": ["attributes.aws.lambda", "attributes.faas.coldstart"]
                        } } }
                    }
                }
            }
        }
    })
}

/// The span search of `requests` (Data Prepper's attribute keys: `@` for dots).
pub(crate) fn spans_body(requests: &[&str]) -> Value {
    json!({
        "size": requests.len().max(1),
        "query": { "terms": { "span.attributes.faas@invocation_id": requests } },
    })
}

/// The invocations of a summary search's answer, in time order (first line, then request id).
pub(crate) fn invocations(response: &Value) -> Vec<Invocation> {
    let mut out: Vec<Invocation> = response["aggregations"]["requests"]["buckets"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, bucket)| bucket["doc_count"].as_u64().unwrap_or(0) > 0)
        .map(|(request, bucket)| from_bucket(request, bucket))
        .collect();
    out.sort_by(|a, b| {
        a.start_ms
            .total_cmp(&b.start_ms)
            .then_with(|| a.request_id.cmp(&b.request_id))
    });
    out
}

fn from_bucket(request_id: &str, bucket: &Value) -> Invocation {
    let report = &bucket["report"]["doc"]["hits"]["hits"][0]["_source"];
    let lambda = &report["attributes"]["aws"]["lambda"];
    let number = |key: &str| lambda[key].as_f64();
    let has_report = report.is_object();
    let cold_lines = bucket["cold"]["doc_count"].as_u64().unwrap_or(0) > 0;
    let cold_start = match report["attributes"]["faas"]["coldstart"].as_bool() {
        Some(c) => Some(c || cold_lines),
        None => cold_lines.then_some(true),
    };
    let billed = number("billed_duration_ms");
    let memory = number("memory_size_mb");
    Invocation {
        function: bucket["function"]["buckets"][0]["key"]
            .as_str()
            .map(str::to_owned),
        start: bucket["first"]["value_as_string"]
            .as_str()
            .map(str::to_owned),
        start_ms: bucket["first"]["value"].as_f64().unwrap_or(f64::MAX),
        end: bucket["last"]["value_as_string"]
            .as_str()
            .map(str::to_owned),
        lines: bucket["doc_count"].as_u64().unwrap_or(0),
        duration_ms: number("duration_ms"),
        billed_duration_ms: billed,
        memory_size_mb: memory,
        max_memory_used_mb: number("max_memory_used_mb"),
        init_duration_ms: number("init_duration_ms"),
        cold_start,
        errors: bucket["errors"]["doc_count"].as_u64().unwrap_or(0),
        status: lambda["status"].as_str().map(str::to_owned),
        estimated_cost_usd: billed
            .zip(memory)
            .and_then(|(b, m)| estimated_cost_usd(b, m)),
        source: if has_report {
            Source::Report
        } else {
            Source::Lines
        },
        request_id: request_id.to_owned(),
    }
}

/// `path` in `value`, whether its dots are nested objects or part of a flattened key (Data
/// Prepper writes `"span.attributes.faas@coldstart"` as one key).
fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if let Some(v) = value.get(path) {
        return Some(v);
    }
    path.match_indices('.').find_map(|(i, _)| {
        value
            .get(&path[..i])
            .and_then(|child| lookup(child, &path[i + 1..]))
    })
}

impl Invocation {
    /// Takes the numbers the span has (a span's are the reference; the REPORT's stay where the
    /// span has none).
    pub(crate) fn apply_span(&mut self, span: &Value) {
        let attr = |key: &str| lookup(span, &format!("span.attributes.{key}"));
        let number = |key: &str| attr(key).and_then(Value::as_f64);
        if let Some(nanos) = lookup(span, "durationInNanos").and_then(Value::as_f64) {
            self.duration_ms = Some(nanos / 1_000_000.0);
        }
        if self.function.is_none() {
            self.function = lookup(span, "serviceName")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        for (key, slot) in [
            (
                "aws@lambda@billed_duration_ms",
                &mut self.billed_duration_ms,
            ),
            ("aws@lambda@memory_size_mb", &mut self.memory_size_mb),
            (
                "aws@lambda@max_memory_used_mb",
                &mut self.max_memory_used_mb,
            ),
            ("aws@lambda@init_duration_ms", &mut self.init_duration_ms),
            ("shiplog@estimated_cost_usd", &mut self.estimated_cost_usd),
        ] {
            if let Some(n) = number(key) {
                *slot = Some(n);
            }
        }
        if let Some(cold) = attr("faas@coldstart").and_then(Value::as_bool) {
            self.cold_start = Some(cold);
        }
        if let Some(errors) = attr("shiplog@error_count").and_then(Value::as_u64) {
            self.errors = self.errors.max(errors);
        }
        self.source = Source::Span;
    }

    /// Its request id as a span names it.
    pub(crate) fn span_request_id(span: &Value) -> Option<&str> {
        lookup(span, "span.attributes.faas@invocation_id").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn bucket(first_ms: f64, report: Option<Value>, errors: u64) -> Value {
        let hits = report
            .map(|r| vec![json!({"_source": r})])
            .unwrap_or_default();
        json!({
            "doc_count": 6,
            "first": {"value": first_ms, "value_as_string": format!("t{first_ms}")},
            "last": {"value": first_ms + 10.0, "value_as_string": "later"},
            "function": {"buckets": [{"key": "shop-api", "doc_count": 6}]},
            "errors": {"doc_count": errors},
            "cold": {"doc_count": 0},
            "report": {"doc_count": 1, "doc": {"hits": {"hits": hits}}},
        })
    }

    fn report() -> Value {
        json!({"attributes": {"aws": {"lambda": {"duration_ms": 24.61, "billed_duration_ms": 25,
            "memory_size_mb": 256, "max_memory_used_mb": 76}}, "faas": {"coldstart": false}}})
    }

    #[test]
    fn the_report_gives_the_numbers_and_invocations_come_in_time_order() {
        let response = json!({"aggregations": {"requests": {"buckets": {
            "late": bucket(2000.0, None, 0),
            "early": bucket(1000.0, Some(report()), 1),
            "outside-the-time-range": {"doc_count": 0},
        }}}});
        let all = invocations(&response);
        assert_eq!(
            all.iter()
                .map(|i| i.request_id.as_str())
                .collect::<Vec<_>>(),
            ["early", "late"]
        );
        let early = &all[0];
        assert_eq!(early.source, Source::Report);
        assert_eq!(early.duration_ms, Some(24.61));
        assert_eq!(early.cold_start, Some(false));
        assert_eq!(early.errors, 1);
        assert_eq!(early.function.as_deref(), Some("shop-api"));
        let cost = early.estimated_cost_usd.unwrap();
        assert!((cost - (0.025 * 0.25 * 0.000_016_666_7 + 0.000_000_2)).abs() < 1e-15);
        let late = &all[1];
        assert_eq!(late.source, Source::Lines);
        assert_eq!((late.duration_ms, late.cold_start), (None, None));
        assert_eq!(late.estimated_cost_usd, None);
    }

    #[test]
    fn a_span_overrides_the_report_with_flattened_or_nested_attributes() {
        let response = json!({"aggregations": {"requests": {"buckets": {
            "r1": bucket(1000.0, Some(report()), 0),
        }}}});
        let mut inv = invocations(&response).remove(0);
        let flat = json!({
            "durationInNanos": 30_000_000, "serviceName": "shop-api",
            "span.attributes.faas@invocation_id": "r1",
            "span.attributes.faas@coldstart": true,
            "span.attributes.shiplog@estimated_cost_usd": 0.5,
            "span.attributes.shiplog@error_count": 2,
        });
        assert_eq!(Invocation::span_request_id(&flat), Some("r1"));
        inv.apply_span(&flat);
        assert_eq!(inv.source, Source::Span);
        assert_eq!(inv.duration_ms, Some(30.0));
        assert_eq!(inv.cold_start, Some(true));
        assert_eq!(inv.estimated_cost_usd, Some(0.5));
        assert_eq!(inv.errors, 2);
        assert_eq!(inv.billed_duration_ms, Some(25.0), "kept from the REPORT");
        let nested = json!({"span": {"attributes": {"faas@invocation_id": "r2"}}});
        assert_eq!(Invocation::span_request_id(&nested), Some("r2"));
    }

    #[test]
    fn the_summary_search_asks_one_bucket_per_request() {
        let body = summary_body(json!({"match_all": {}}), &["r1", "r2"]);
        assert_eq!(
            body["aggs"]["requests"]["filters"]["filters"]["r2"],
            json!({"term": {"attributes.faas.invocation_id": "r2"}})
        );
        assert_eq!(body["size"], 0);
        assert_eq!(
            spans_body(&["a", "b"])["query"]["terms"]["span.attributes.faas@invocation_id"],
            json!(["a", "b"])
        );
    }
}
