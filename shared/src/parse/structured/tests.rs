//! Corpus table tests and properties of the structured-line reader.

use super::*;
use crate::json::parse_object;
use crate::parse::text::normalize_message;
use proptest::prelude::*;
use serde_json::json;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus");

const OTHER_LIBS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/03-structured-libs/other-libs.jsonl"
));
const POWERTOOLS_PY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/03-structured-libs/powertools-python.jsonl"
));
const POWERTOOLS_TS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/03-structured-libs/powertools-typescript.jsonl"
));
const EMF: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/05-monitoring/emf.jsonl"
));
const PYTHON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/01-lambda-text/python.jsonl"
));
const NODEJS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/01-lambda-text/nodejs.jsonl"
));
const LINES_BAD: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/08-bad-inputs/lines-bad.jsonl"
));

const MAX_DEPTH: usize = crate::limits::DEFAULT_MAX_JSON_DEPTH;

/// One corpus record: its id, exact CloudWatch message and oracle.
struct Record {
    id: String,
    message: String,
    expect: Value,
}

fn records(file: &str) -> Vec<Record> {
    file.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Record {
                id: v["id"].as_str().unwrap().to_owned(),
                message: v["message"].as_str().unwrap().to_owned(),
                expect: v["expect"].clone(),
            }
        })
        .collect()
}

fn record(file: &str, id: &str) -> Record {
    records(file)
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("corpus record {id} missing under {CORPUS}"))
}

/// What the dispatcher would produce from `message`, limited to what this module decides:
/// whole-line JSON goes through [`from_object`]; a Node runtime prefix (the Node parser is
/// another module) is split here into the facts the oracle implies and the JSON body merged
/// with [`merge_into`]; anything else is plain text.
fn parse(message: &str) -> (ParsedLine<'static>, bool) {
    let msg = normalize_message(message).into_owned();
    if let Some(obj) = parse_object(&msg, MAX_DEPTH) {
        let emf = emf::is_emf(&obj);
        return (crate::parse::into_owned(from_object(obj)), emf);
    }
    let mut line = node_prefix(&msg).unwrap_or_else(|| ParsedLine::plain(Cow::Owned(msg.clone())));
    let mut emf = false;
    if let Some(obj) = parse_object(&line.body.clone(), MAX_DEPTH).map(Entries::into_owned) {
        emf = emf::is_emf(&obj);
        merge_into(&mut line, obj);
    }
    (line, emf)
}

/// `ts\treq\tLEVEL\tbody` or the legacy `ts\treq\tbody`.
fn node_prefix(msg: &str) -> Option<ParsedLine<'static>> {
    let (ts, rest) = msg.split_once('\t')?;
    let timestamp = Some(time::parse_rfc3339ish(ts)?);
    let (req, rest) = rest.split_once('\t')?;
    let (level, body) = match rest.split_once('\t') {
        Some((word, body)) if Level::from_upper_word(word).is_some() => {
            (Level::from_upper_word(word), body)
        }
        _ => (None, rest),
    };
    Some(ParsedLine {
        format: Format::Nodejs,
        timestamp,
        request_id: text::request_id(req).map(|r| Cow::Owned(r.to_owned())),
        level,
        body: Cow::Owned(body.to_owned()),
        ..ParsedLine::default()
    })
}

/// Asserts every oracle key of `expect` on `line`; an oracle key this checker does not know
/// fails the test, so nothing is skipped silently.
fn check(id: &str, line: &ParsedLine<'_>, emf: bool, expect: &Value) {
    let Value::Object(expect) = expect else {
        panic!("{id}: expect is not an object")
    };
    for (key, want) in expect {
        match key.as_str() {
            "note" | "multiline" => {}
            "kind" => assert_eq!(line.kind.as_str(), want.as_str().unwrap(), "{id}: kind"),
            "level" => {
                let want = want.as_str().map(|w| Level::from_word(w).unwrap());
                assert_eq!(line.level, want, "{id}: level");
            }
            "message" => assert_eq!(line.body, want.as_str().unwrap(), "{id}: message"),
            "message_prefix" => {
                let prefix = want.as_str().unwrap();
                assert!(line.body.starts_with(prefix), "{id}: body {:?}", line.body);
            }
            "timestamp" => {
                let want = want.as_str().map(normalised_timestamp);
                let got = line.timestamp.map(EpochMillis::to_rfc3339);
                assert_eq!(got, want, "{id}: timestamp");
            }
            "request_id" => {
                assert_eq!(
                    line.request_id.as_deref(),
                    want.as_str(),
                    "{id}: request_id"
                )
            }
            "json" => assert_eq!(Some(line.json), want.as_bool(), "{id}: json"),
            "emf" => assert_eq!(Some(emf), want.as_bool(), "{id}: emf"),
            "fields" => check_fields(id, line, want),
            "correlation_ids" => check_correlation(id, line, want),
            "xray_trace_id" => assert_eq!(
                line.trace.xray_trace_id.as_deref(),
                want.as_str(),
                "{id}: xray_trace_id"
            ),
            "error" => check_error(id, line, want),
            "function_name" => {
                let got = line
                    .origin
                    .as_ref()
                    .and_then(|o| o.function_name.as_deref());
                assert_eq!(got, want.as_str(), "{id}: function_name");
            }
            "service" => {
                let got = line.origin.as_ref().and_then(|o| o.service.as_deref());
                assert_eq!(got, want.as_str(), "{id}: service");
            }
            "cold_start" => assert_eq!(line.cold_start, want.as_bool(), "{id}: cold_start"),
            other => panic!("{id}: oracle key {other} not checked by this module"),
        }
    }
}

/// The oracle's timestamp in the document form: UTC, milliseconds, `Z`. Written without the
/// parser under test: `2016-06-07T03:44:57.8532799Z` → `2016-06-07T03:44:57.853Z`; zone
/// offsets other than UTC are converted by hand in the table below.
fn normalised_timestamp(oracle: &str) -> String {
    const OFFSETS: &[(&str, &str)] =
        &[("2021-05-03T11:47:12.494+00:00", "2021-05-03T11:47:12.494Z")];
    if let Some((_, utc)) = OFFSETS.iter().find(|(o, _)| *o == oracle) {
        return (*utc).to_owned();
    }
    let body = oracle
        .strip_suffix('Z')
        .unwrap_or_else(|| panic!("add {oracle} to OFFSETS"));
    let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut ms: String = frac.chars().take(3).collect();
    while ms.len() < 3 {
        ms.push('0');
    }
    format!("{secs}.{ms}Z")
}

fn check_fields(id: &str, line: &ParsedLine<'_>, want: &Value) {
    let got = line
        .fields
        .clone()
        .map(Entries::into_map)
        .unwrap_or_else(|| panic!("{id}: no fields"));
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(got.get(k), Some(v), "{id}: fields.{k} in {got:?}");
    }
}

fn check_correlation(id: &str, line: &ParsedLine<'_>, want: &Value) {
    let got = line
        .correlation
        .as_ref()
        .unwrap_or_else(|| panic!("{id}: no correlation"));
    let want = want.as_object().unwrap();
    for (k, v) in want {
        assert_eq!(got.ids.get(k), Some(v), "{id}: correlation.{k}");
    }
    let primary = want
        .get("correlation_id")
        .or_else(|| want.get("x-correlation-id"))
        .and_then(Value::as_str);
    assert_eq!(
        got.primary.as_deref(),
        primary,
        "{id}: primary correlation id"
    );
}

fn check_error(id: &str, line: &ParsedLine<'_>, want: &Value) {
    let got = line
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("{id}: no error"));
    for (k, v) in want.as_object().unwrap() {
        match k.as_str() {
            "type" => assert_eq!(got.kind.as_deref(), v.as_str(), "{id}: error.type"),
            "message" => assert_eq!(got.message.as_deref(), v.as_str(), "{id}: error.message"),
            other => panic!("{id}: error.{other} not checked by this module"),
        }
    }
}

fn check_record(r: &Record) {
    let (line, emf) = parse(&r.message);
    check(&r.id, &line, emf, &r.expect);
}

#[test]
fn every_other_libs_record_meets_its_oracle() {
    let all = records(OTHER_LIBS);
    assert_eq!(all.len(), 14);
    all.iter().for_each(check_record);
}

#[test]
fn every_powertools_python_record_meets_its_oracle() {
    let all = records(POWERTOOLS_PY);
    assert_eq!(all.len(), 5);
    all.iter().for_each(check_record);
}

#[test]
fn every_powertools_typescript_record_meets_its_oracle() {
    let all = records(POWERTOOLS_TS);
    assert_eq!(all.len(), 3);
    all.iter().for_each(check_record);
}

#[test]
fn every_emf_record_meets_its_oracle() {
    let all = records(EMF);
    assert_eq!(all.len(), 4);
    all.iter().for_each(check_record);
}

#[test]
fn runtime_text_records_with_json_meet_their_oracles() {
    check_record(&record(PYTHON, "py-11-powertools-json-raw"));
    for id in [
        "node-06-legacy-no-level-json",
        "node-11-json-after-prefix",
        "node-17-dazn-logger",
    ] {
        check_record(&record(NODEJS, id));
    }
    check_record(&record(OTHER_LIBS, "pino-04-with-node-prefix"));
}

#[test]
fn bad_json_lines_meet_their_oracles() {
    for id in [
        "linebad-02-json-with-nan",
        "linebad-03-json-array",
        "linebad-04-json-scalar",
        "linebad-05-leading-space-json",
        "linebad-12-level-json-numeric-string",
        "linebad-13-requestid-key-variants",
    ] {
        check_record(&record(LINES_BAD, id));
    }
}

#[test]
fn nan_array_and_scalar_lines_are_not_json_objects() {
    for id in [
        "linebad-02-json-with-nan",
        "linebad-03-json-array",
        "linebad-04-json-scalar",
    ] {
        let r = record(LINES_BAD, id);
        assert_eq!(
            parse_object(&normalize_message(&r.message), MAX_DEPTH),
            None,
            "{id}"
        );
    }
}

#[test]
fn request_id_key_precedence_is_deterministic() {
    let r = record(LINES_BAD, "linebad-13-requestid-key-variants");
    let (line, _) = parse(&r.message);
    assert_eq!(
        line.request_id.as_deref(),
        Some("5e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b")
    );
    let fields = line.fields.unwrap().into_map();
    assert!(
        !fields.contains_key("AWSRequestId"),
        "used key leaves fields"
    );
    assert_eq!(
        fields.get("awsRequestId"),
        Some(&json!("ffffffff-0000-4000-8000-000000000000")),
        "the disagreeing lower-precedence id is kept"
    );
}

fn line_of(v: Value) -> ParsedLine<'static> {
    let Value::Object(obj) = v else {
        panic!("not an object")
    };
    from_object(obj.into())
}

#[test]
fn powertools_timestamp_with_comma_and_offset_is_utc_millis() {
    let r = record(POWERTOOLS_PY, "ptpy-01-inject-context");
    let (line, _) = parse(&r.message);
    // "2021-05-03 11:47:12,494+0200"
    assert_eq!(
        line.timestamp.unwrap().to_rfc3339(),
        "2021-05-03T09:47:12.494Z"
    );
}

#[test]
fn numeric_and_log4j2_instant_timestamps_are_read() {
    let (pino, _) = parse(&record(OTHER_LIBS, "pino-01").message);
    assert_eq!(
        pino.timestamp.unwrap().to_rfc3339(),
        "2018-07-09T21:17:54.631Z"
    );
    let (log4j, _) = parse(&record(OTHER_LIBS, "log4j2-02-instant-contextmap").message);
    assert_eq!(
        log4j.timestamp.unwrap().to_rfc3339(),
        "2021-11-11T13:59:49.190Z"
    );
    let (serilog, _) = parse(&record(OTHER_LIBS, "serilog-03-default-jsonformatter").message);
    assert_eq!(
        serilog.timestamp.unwrap().to_rfc3339(),
        "2016-06-07T03:44:57.853Z"
    );
}

#[test]
fn mapped_keys_leave_fields_and_the_rest_stays() {
    let (line, _) = parse(&record(POWERTOOLS_PY, "ptpy-01-inject-context").message);
    let fields = line.fields.unwrap().into_map();
    for gone in [
        "level",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_request_id",
    ] {
        assert!(!fields.contains_key(gone), "{gone} is mapped");
    }
    assert_eq!(fields.get("message"), Some(&json!("Collecting payment")));
    assert_eq!(fields.get("location"), Some(&json!("collect.handler:9")));
    assert_eq!(fields.get("function_memory_size"), Some(&json!(128)));
    assert_eq!(
        fields.get("function_arn"),
        Some(&json!("arn:aws:lambda:eu-west-1:12345678910:function:test"))
    );
}

#[test]
fn dict_message_renders_compact_json_and_stays_in_fields() {
    let (line, _) = parse(&record(POWERTOOLS_PY, "ptpy-02-dict-message").message);
    assert_eq!(
        line.body,
        r#"{"operation":"collect_payment","charge_id":"ch_AZFlk2345C0"}"#
    );
}

#[test]
fn line_without_message_ships_its_whole_json_as_body() {
    let (line, _) = parse(&record(OTHER_LIBS, "dd-metric-json-line").message);
    let body: Value = serde_json::from_str(&line.body).unwrap();
    assert_eq!(body["m"], json!("aws.lambda.enhanced.invocations"));
    assert_eq!(body["v"], json!(1));
    assert_eq!(
        line.fields.unwrap().into_map().get("e"),
        Some(&json!(1583425836.114))
    );
}

#[test]
fn line_without_message_but_with_error_shows_the_error() {
    let line = line_of(json!({
        "errorType": "ZeroDivisionError",
        "errorMessage": "division by zero",
        "stackTrace": ["  File \"/var/task/app.py\", line 3, in handler\n    1/0\n"]
    }));
    assert_eq!(line.body, "ZeroDivisionError: division by zero");
    assert_eq!(
        line.level,
        Some(Level::Error),
        "error implies ERROR without a level"
    );
    let e = line.error.unwrap();
    assert_eq!(
        e.stacktrace.as_deref(),
        Some("  File \"/var/task/app.py\", line 3, in handler\n    1/0")
    );
    assert!(line.fields.is_none(), "every key was mapped");
}

#[test]
fn dazn_string_level_wins_over_numeric_level() {
    let line = line_of(json!({"message": "m", "level": 30, "sLevel": "WARN"}));
    assert_eq!(line.level, Some(Level::Warn));
    let line = line_of(json!({"message": "m", "level": "30"}));
    assert_eq!(
        line.level,
        Some(Level::Info),
        "numeric string on the bunyan scale"
    );
    let line = line_of(json!({"message": "m", "level": "loud", "severity": "error"}));
    assert_eq!(
        line.level,
        Some(Level::Error),
        "unreadable level falls through"
    );
    assert_eq!(
        line.fields.unwrap().into_map().get("level"),
        Some(&json!("loud"))
    );
}

#[test]
fn error_implies_error_level_only_when_none_is_stated() {
    let line = line_of(json!({"level": "warn", "msg": "x", "err": {"type": "E", "message": "m"}}));
    assert_eq!(line.level, Some(Level::Warn));
}

#[test]
fn error_object_keeps_unmapped_subkeys_in_fields() {
    let (line, _) = parse(&record(POWERTOOLS_TS, "ptts-03-error-object").message);
    let e = line.error.unwrap();
    assert!(e
        .stacktrace
        .unwrap()
        .starts_with("Error: Unexpected error #1\n    at lambdaHandler"));
    let fields = line.fields.unwrap().into_map();
    assert_eq!(
        fields.get("error"),
        Some(&json!({"location": "/path/to/my/source-code/my-service/handler.ts:18"}))
    );
    assert_eq!(
        line.trace.xray_trace_id.as_deref(),
        Some("abcdef123456abcdef123456abcdef123456"),
        "explicit xray key kept verbatim"
    );
}

#[test]
fn powertools_exception_message_is_read_from_the_traceback() {
    let (line, _) = parse(&record(POWERTOOLS_PY, "ptpy-04-exception").message);
    assert_eq!(
        line.error.unwrap().message.as_deref(),
        Some("Unable to fullfil request")
    );
    let (line, _) = parse(&record(POWERTOOLS_PY, "ptpy-05-stack-trace-xray").message);
    let e = line.error.unwrap();
    assert_eq!(
        e.message.as_deref(),
        Some("500 Server Error: INTERNAL SERVER ERROR for url: http://httpbin.org/status/500")
    );
    assert!(
        line.fields.unwrap().contains_key("stack_trace"),
        "structured frames kept"
    );
}

#[test]
fn string_error_values_stay_fields_not_errors() {
    let line = line_of(json!({"level": "error", "message": "Widget update failed",
        "error": "SecretUnavailableError"}));
    assert!(line.error.is_none());
    assert_eq!(
        line.fields.unwrap().into_map().get("error"),
        Some(&json!("SecretUnavailableError"))
    );
}

#[test]
fn serilog_exception_and_default_level() {
    let line = line_of(
        json!({"@t": "2016-06-07T03:44:57.8532799Z", "@mt": "Failed {Id}",
        "@x": "System.InvalidOperationException: boom\n   at Program.Main()", "Id": 7}),
    );
    assert_eq!(
        line.level,
        Some(Level::Info),
        "CLEF without @l is Information"
    );
    let e = line.error.unwrap();
    assert_eq!(e.kind.as_deref(), Some("System.InvalidOperationException"));
    assert_eq!(e.message.as_deref(), Some("boom"));
    let line = line_of(json!({"@t": "2016-06-07T03:44:57Z", "@m": "x", "@l": "Warning"}));
    assert_eq!(line.level, Some(Level::Warn));
}

#[test]
fn a_stack_key_that_is_not_a_stack_trace_stays_a_field() {
    let line = line_of(json!({"msg": "deployed", "stack": "prod-api"}));
    assert!(line.error.is_none());
    assert_eq!(
        line.fields.unwrap().into_map().get("stack"),
        Some(&json!("prod-api"))
    );
}

#[test]
fn generic_trace_ids_are_read_only_when_xray_shaped() {
    let line = line_of(json!({"msg": "a", "traceId": "5759e988bd862e3fe1be46a994272793"}));
    assert_eq!(line.trace.xray_trace_id, None);
    assert!(line.fields.unwrap().contains_key("traceId"));
    let line = line_of(json!({"msg": "a", "traceId": "1-65a5066b-6e5f4d3c2b1a09f8e7d6c5b4"}));
    assert_eq!(
        line.trace.xray_trace_id.as_deref(),
        Some("1-65a5066b-6e5f4d3c2b1a09f8e7d6c5b4")
    );
    let line = line_of(json!({"msg": "a", "tracing": {"type": "X-Amzn-Trace-Id",
        "value": "Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}));
    assert_eq!(
        line.trace.xray_trace_id.as_deref(),
        Some("1-62e900b2-710d76f009d6e7785905449a")
    );
    assert_eq!(line.trace.segment_id.as_deref(), Some("0efbd19962d95b05"));
    assert_eq!(line.trace.sampled, Some(true));
}

#[test]
fn dazn_correlation_keys_leave_fields_and_x_correlation_id_is_primary() {
    let (line, _) = parse(&record(NODEJS, "node-17-dazn-logger").message);
    let fields = line.fields.unwrap().into_map();
    for gone in [
        "x-correlation-id",
        "awsRequestId",
        "debug-log-enabled",
        "call-chain-length",
    ] {
        assert!(!fields.contains_key(gone), "{gone}");
    }
    assert_eq!(fields.get("userId"), Some(&json!("theburningmonk")));
    assert_eq!(
        fields.get("level"),
        Some(&json!(30)),
        "lower-precedence level key is kept"
    );
    let origin = line.origin.unwrap();
    assert_eq!(origin.function_name.as_deref(), Some("hello-devopsdays"));
    assert_eq!(origin.function_version.as_deref(), Some("$LATEST"));
}

#[test]
fn bare_aws_request_id_is_a_request_id_not_a_correlation_id() {
    let line =
        line_of(json!({"msg": "hi", "awsRequestId": "63cdfa76-f4f8-4ee8-a2f3-dc189533753d"}));
    assert_eq!(
        line.request_id.as_deref(),
        Some("63cdfa76-f4f8-4ee8-a2f3-dc189533753d")
    );
    assert!(line.correlation.is_none());
    assert!(!line.fields.unwrap().contains_key("awsRequestId"));
}

#[test]
fn placeholder_request_ids_fall_through_to_the_next_key() {
    let line = line_of(
        json!({"msg": "x", "requestId": "", "AWSRequestId": "undefined",
        "function_request_id": "52fdfc07-2182-154f-163f-5f0f9a621d72"}),
    );
    assert_eq!(
        line.request_id.as_deref(),
        Some("52fdfc07-2182-154f-163f-5f0f9a621d72")
    );
}

#[test]
fn implausible_or_invalid_timestamps_are_absent_and_kept_in_fields() {
    let line = line_of(json!({"msg": "x", "time": 100, "timestamp": "yesterday"}));
    assert_eq!(line.timestamp, None);
    let fields = line.fields.unwrap().into_map();
    assert_eq!(fields.get("time"), Some(&json!(100)));
    assert_eq!(fields.get("timestamp"), Some(&json!("yesterday")));
}

#[test]
fn merge_keeps_prefix_request_id_and_timestamp_and_inner_level_wins() {
    let mut line = node_prefix(
        "2024-01-15T10:20:36.000Z\t0d2b1e6c-3f6a-4f4a-9d2e-0b4a1c2d3e4f\tINFO\t{\"level\":50}",
    )
    .unwrap();
    let Value::Object(obj) = json!({"level": 50, "msg": "boom", "time": 1_600_000_000_000_u64,
        "requestId": "ffffffff-0000-4000-8000-000000000000"})
    else {
        unreachable!()
    };
    merge_into(&mut line, obj.into());
    assert_eq!(line.level, Some(Level::Error));
    assert_eq!(line.body, "boom");
    assert_eq!(
        line.request_id.as_deref(),
        Some("0d2b1e6c-3f6a-4f4a-9d2e-0b4a1c2d3e4f")
    );
    assert_eq!(
        line.timestamp.unwrap().to_rfc3339(),
        "2024-01-15T10:20:36.000Z"
    );
    assert_eq!(line.format, Format::Nodejs);
    assert!(line.json);
}

#[test]
fn merge_fills_request_id_and_timestamp_the_prefix_lacks() {
    let mut line = ParsedLine::plain(Cow::Borrowed("{}"));
    let Value::Object(obj) = json!({"message": "m", "timestamp": "2024-01-15T10:20:30Z",
        "requestId": "a4b1d0b2-4c5f-4f7e-8c1a-2f3e4d5c6b7a", "err": {"message": "bad"}})
    else {
        unreachable!()
    };
    merge_into(&mut line, obj.into());
    assert_eq!(
        line.request_id.as_deref(),
        Some("a4b1d0b2-4c5f-4f7e-8c1a-2f3e4d5c6b7a")
    );
    assert_eq!(
        line.timestamp.unwrap().to_rfc3339(),
        "2024-01-15T10:20:30.000Z"
    );
    assert_eq!(
        line.level,
        Some(Level::Error),
        "implied by the error, no level anywhere"
    );
}

/// JSON values for the properties, biased toward the keys this module maps.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e15f64..1e15).prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        Just(json!("2021-05-03 11:47:12,494+0200")),
        Just(json!(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=x;Sampled=1"
        )),
        Just(json!("TypeError: boom\n    at f (a.js:1:1)")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            arb_map(inner).prop_map(Value::Object),
        ]
    })
}

fn arb_key() -> impl Strategy<Value = String> {
    let known: Vec<&'static str> = keys::Slot::ALL
        .iter()
        .map(|s| s.name())
        .chain([
            "x-correlation-id",
            "x-correlation-user",
            "name",
            "value",
            "CloudWatchMetrics",
            "epochSecond",
            "nanoOfSecond",
            "_aws",
        ])
        .collect();
    prop_oneof![
        prop::sample::select(known).prop_map(str::to_owned),
        "[a-z@_-]{0,8}",
    ]
}

fn arb_map(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((arb_key(), value), 0..8).prop_map(|kv| kv.into_iter().collect())
}

proptest! {
    #[test]
    fn any_object_reads_without_panicking_and_keeps_its_message(obj in arb_map(arb_json())) {
        let message = MESSAGE_KEYS.iter().find_map(|k| obj.get(k.name()).filter(|v| !v.is_null())).cloned();
        let input_keys: Vec<String> = obj.keys().cloned().collect();
        let line = from_object(obj.into());
        match message {
            Some(Value::String(s)) => prop_assert_eq!(line.body.as_ref(), s.as_str()),
            Some(other) => prop_assert_eq!(line.body.as_ref(), other.to_string()),
            None => prop_assert!(!line.body.is_empty()),
        }
        for k in line.fields.iter().flat_map(|f| f.keys()) {
            prop_assert!(input_keys.iter().any(|i| i == k), "field {} was invented", k);
        }
        prop_assert!(line.request_id.as_deref().is_none_or(|r| !r.is_empty() && r != "undefined"));
    }

    #[test]
    fn any_object_merges_without_panicking(obj in arb_map(arb_json()), prefixed in any::<bool>()) {
        let mut line = if prefixed {
            node_prefix("2024-01-15T10:20:36.000Z\treq-1\tINFO\t{}").unwrap()
        } else {
            ParsedLine::plain(Cow::Borrowed("{}"))
        };
        merge_into(&mut line, obj.into());
        prop_assert!(line.json);
        if prefixed {
            prop_assert_eq!(line.request_id.as_deref(), Some("req-1"));
        }
    }

    #[test]
    fn any_text_line_never_panics(s in ".{0,200}") {
        let _ = parse(&s);
    }
}
