//! Checks pipeline output against the corpus oracles (`tests/fixtures/corpus/EXPECTED.md`):
//! maps the neutral oracle vocabulary onto document fields (README, Documents) and reports every mismatch.

use serde_json::{json, Value};

/// Looks up a dotted path in a nested document, also accepting dotted keys at any level.
pub fn get<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    if let Some(v) = doc.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    // Try progressively longer dotted heads: "a.b" as one key, then descend.
    let mut key = head.to_owned();
    let mut remainder = rest;
    loop {
        if let Some(child) = doc.get(&key) {
            if let Some(found) = get(child, remainder) {
                return Some(found);
            }
        }
        let mut next = remainder.splitn(2, '.');
        let seg = next.next()?;
        key.push('.');
        key.push_str(seg);
        match next.next() {
            Some(r) => remainder = r,
            None => return doc.get(&key),
        }
    }
}

/// Normalises an oracle timestamp to RFC 3339 UTC with milliseconds (what documents carry).
pub fn normalize_timestamp(s: &str) -> Option<String> {
    shiplog::time::parse_rfc3339ish(s).map(|t| t.to_rfc3339())
}

/// Report/platform oracle keys and their document field under `attributes.aws.lambda`.
const LAMBDA_KEYS: &[&str] = &[
    "duration_ms",
    "billed_duration_ms",
    "memory_size_mb",
    "max_memory_used_mb",
    "init_duration_ms",
    "restore_duration_ms",
    "billed_restore_duration_ms",
    "status",
    "error_type",
    "runtime_version",
    "runtime_version_arn",
    "phase",
    "timeout_seconds",
    "dropped_records",
    "name",
    "state",
    "events",
    "initialization_type",
    "tenant_id",
    "memory_scope",
    "durable",
];

/// `got` is `want`, or absent when `want` is `null`.
fn same_or_absent(got: Option<&Value>, want: &Value) -> bool {
    if want.is_null() {
        got.is_none()
    } else {
        got == Some(want)
    }
}

fn num_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// Compares one document against the oracle `expect` object of a line record; returns every
/// mismatch as text (empty = pass). Keys about metrics (`metrics`, `verdict`, `reject`,
/// `metric_ref`) and free text (`note`) are not checked here.
pub fn check_document(doc: &Value, expect: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(expect) = expect.as_object() else {
        return vec!["expect is not an object".into()];
    };
    let mut fail = |what: &str, got: Option<&Value>, want: &Value| {
        errs.push(format!(
            "{what}: want {want}, got {}",
            got.map_or("<absent>".to_string(), |g| g.to_string())
        ));
    };
    let emf = expect.get("emf").and_then(Value::as_bool) == Some(true);
    for (key, want) in expect {
        match key.as_str() {
            "kind" => {
                let want_name = if emf { json!("emf") } else { want.clone() };
                let got = get(doc, "event.name");
                if got != Some(&want_name) {
                    fail("kind (event.name)", got, &want_name);
                }
            }
            "level" => {
                let got = get(doc, "severity.text");
                if want.is_null() {
                    if got.is_some() {
                        fail("level (severity.text)", got, want);
                    }
                } else if got != Some(want) {
                    fail("level (severity.text)", got, want);
                }
            }
            "request_id" => {
                let got = get(doc, "attributes.faas.invocation_id");
                if (want.is_null() && got.is_some()) || (!want.is_null() && got != Some(want)) {
                    fail("request_id (attributes.faas.invocation_id)", got, want);
                }
            }
            "message" => {
                let got = get(doc, "body");
                if got != Some(want) {
                    fail("message (body)", got, want);
                }
            }
            "message_prefix" => {
                let got = get(doc, "body");
                let ok = matches!((got.and_then(Value::as_str), want.as_str()), (Some(g), Some(w)) if g.starts_with(w));
                if !ok {
                    fail("message_prefix (body)", got, want);
                }
            }
            "timestamp" => {
                let got = get(doc, "@timestamp");
                let want_ts = match want.as_str() {
                    Some(s) => normalize_timestamp(s).map(Value::String),
                    None => get(doc, "observedTimestamp").cloned(),
                };
                if got != want_ts.as_ref() || got.is_none() {
                    fail("timestamp (@timestamp)", got, want);
                }
            }
            "multiline" => {
                let multi = get(doc, "body")
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.contains('\n'));
                if Some(multi) != want.as_bool() {
                    fail("multiline (body has \\n)", get(doc, "body"), want);
                }
            }
            "json" => {
                let fmt = get(doc, "attributes.log.format").and_then(Value::as_str);
                let has_fields = get(doc, "attributes.fields").is_some();
                let is_json = matches!(fmt, Some("json" | "lambda_json")) || has_fields;
                if Some(is_json) != want.as_bool() {
                    fail(
                        "json (format json/lambda_json or attributes.fields)",
                        get(doc, "attributes.log.format"),
                        want,
                    );
                }
            }
            "fields" => {
                for (k, v) in want.as_object().into_iter().flatten() {
                    let got = get(doc, "attributes.fields").and_then(|f| f.get(k));
                    if got != Some(v) {
                        fail(&format!("fields.{k} (attributes.fields.{k})"), got, v);
                    }
                }
            }
            "error" => {
                for (k, v) in want.as_object().into_iter().flatten() {
                    match k.as_str() {
                        "type" | "message" => {
                            let got = get(doc, &format!("event.exception.{k}"));
                            if got != Some(v) {
                                fail(&format!("error.{k} (event.exception.{k})"), got, v);
                            }
                        }
                        "stack_frames" => {
                            let got = get(doc, "event.exception.stacktrace");
                            let n = got
                                .and_then(Value::as_str)
                                .map(|s| s.lines().filter(|l| !l.trim().is_empty()).count());
                            if n.map(|n| json!(n)) != Some(v.clone()) {
                                fail(
                                    "error.stack_frames (lines of event.exception.stacktrace)",
                                    got,
                                    v,
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            "report" => {
                for (k, v) in want.as_object().into_iter().flatten() {
                    let path = match k.as_str() {
                        "xray_trace_id" => "attributes.aws.xray.trace_id".to_string(),
                        "segment_id" => "attributes.aws.xray.segment_id".to_string(),
                        "sampled" => "attributes.aws.xray.sampled".to_string(),
                        other => format!("attributes.aws.lambda.{other}"),
                    };
                    let got = get(doc, &path);
                    if !got.is_some_and(|g| num_eq(g, v)) {
                        fail(&format!("report.{k} ({path})"), got, v);
                    }
                }
            }
            "xray_trace_id" => {
                let got = get(doc, "attributes.aws.xray.trace_id");
                if got != Some(want) {
                    fail("xray_trace_id (attributes.aws.xray.trace_id)", got, want);
                }
            }
            // `null` = absent, as for every resource key below.
            "function_name" => {
                let got = get(doc, "resource.faas.name");
                if !same_or_absent(got, want) {
                    fail("function_name (resource.faas.name)", got, want);
                }
            }
            "version" => {
                let got = get(doc, "resource.faas.version");
                if !same_or_absent(got, want) {
                    fail("version (resource.faas.version)", got, want);
                }
            }
            "capacity_provider" => {
                let got = get(doc, "resource.aws.lambda.capacity_provider");
                if !same_or_absent(got, want) {
                    fail(
                        "capacity_provider (resource.aws.lambda.capacity_provider)",
                        got,
                        want,
                    );
                }
            }
            "cold_start" => {
                let got = get(doc, "attributes.faas.coldstart");
                if got != Some(want) {
                    fail("cold_start (attributes.faas.coldstart)", got, want);
                }
            }
            "service" => {
                let got = get(doc, "resource.service.name");
                if got != Some(want) {
                    fail("service (resource.service.name)", got, want);
                }
            }
            "correlation_id" => {
                let got = get(doc, "attributes.correlation_id");
                if !same_or_absent(got, want) {
                    fail("correlation_id (attributes.correlation_id)", got, want);
                }
            }
            "correlation_ids" => {
                for (k, v) in want.as_object().into_iter().flatten() {
                    let got = get(doc, "attributes.correlation").and_then(|c| c.get(k));
                    if got != Some(v) {
                        fail(
                            &format!("correlation_ids.{k} (attributes.correlation.{k})"),
                            got,
                            v,
                        );
                    }
                }
            }
            k if LAMBDA_KEYS.contains(&k) => {
                let path = format!("attributes.aws.lambda.{k}");
                let got = get(doc, &path);
                if !got.is_some_and(|g| num_eq(g, want)) {
                    fail(&format!("{k} ({path})"), got, want);
                }
            }
            "emf" | "note" | "metrics" | "verdict" | "reason" | "reject" | "metric_ref" => {}
            other => fail(
                &format!("oracle key `{other}` is not mapped by the harness"),
                None,
                &Value::Null,
            ),
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_reads_nested_and_dotted_keys() {
        let doc = json!({"a": {"b": {"c": 1}}, "x.y": 2, "p": {"q.r": 3}});
        assert_eq!(get(&doc, "a.b.c"), Some(&json!(1)));
        assert_eq!(get(&doc, "x.y"), Some(&json!(2)));
        assert_eq!(get(&doc, "p.q.r"), Some(&json!(3)));
        assert_eq!(get(&doc, "a.b.d"), None);
    }

    #[test]
    fn resource_keys_with_null_mean_absent() {
        let doc = json!({"resource": {"aws": {"lambda": {"capacity_provider": "cp"}}}});
        let ok = json!({"function_name": null, "version": null, "capacity_provider": "cp"});
        assert!(check_document(&doc, &ok).is_empty());
        let errs = check_document(
            &doc,
            &json!({"capacity_provider": null, "function_name": "f"}),
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn mismatches_are_reported_with_the_field() {
        let doc = json!({"event": {"name": "app"}, "body": "hi"});
        let errs = check_document(&doc, &json!({"kind": "start", "message": "hi"}));
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("event.name"));
    }
}
