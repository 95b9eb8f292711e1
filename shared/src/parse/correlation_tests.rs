//! One recognizer of correlation ids for every JSON line shape: the same ids, written the same
//! way (`attributes.correlation_id` = the primary id, `attributes.correlation.*` = every key by
//! its original name), whether they come in a whole-line structured object, a JSON body after a
//! Node or Python runtime prefix, a pino / bunyan / winston object, the extra top-level keys of
//! a Lambda JSON-format record, a JSON message inside such a record, or a nested
//! `correlation_ids` object.

use crate::model::{Correlation, Format, ParsedLine};
use crate::parse::{parse_line, ParseOptions};
use serde_json::{json, Value};

const REQUEST_ID: &str = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";

/// The keys every shape below carries, as they must come out.
fn expected() -> Correlation {
    Correlation {
        primary: Some("c-123".to_owned()),
        ids: json!({"correlation_id": "c-123", "x-correlation-user-id": "u-9"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}

/// The correlation keys of every shape, as a JSON object text to embed.
const KEYS: &str = r#""correlation_id":"c-123","x-correlation-user-id":"u-9""#;

fn parsed(msg: &str) -> ParsedLine<'static> {
    crate::parse::into_owned(parse_line(msg, &ParseOptions::default()))
}

fn correlation_of(msg: &str) -> (Format, Option<Correlation>, Option<Value>) {
    let line = parsed(msg);
    let fields = line.fields.clone().map(|f| Value::Object(f.into_map()));
    (line.format, line.correlation.as_deref().cloned(), fields)
}

#[test]
fn every_json_line_shape_gives_the_same_correlation() {
    let shapes: Vec<(&str, Format, String)> = vec![
        (
            "powertools (whole-line JSON)",
            Format::Json,
            format!(r#"{{"level":"INFO","message":"paid","service":"payment",{KEYS}}}"#),
        ),
        (
            "pino object",
            Format::Json,
            format!(r#"{{"level":30,"time":1531171074631,"msg":"paid",{KEYS}}}"#),
        ),
        (
            "bunyan object",
            Format::Json,
            format!(
                r#"{{"name":"api","hostname":"h","pid":1,"level":30,"msg":"paid","time":"2025-11-20T09:00:00.000Z","v":0,{KEYS}}}"#
            ),
        ),
        (
            "winston object",
            Format::Json,
            format!(r#"{{"level":"info","message":"paid",{KEYS}}}"#),
        ),
        (
            "Node tab-prefixed JSON body",
            Format::Nodejs,
            format!(
                "2025-11-20T09:00:00.000Z\t{REQUEST_ID}\tINFO\t{{\"message\":\"paid\",{KEYS}}}"
            ),
        ),
        (
            "Python tab-prefixed JSON body",
            Format::Python,
            format!(
                "[INFO]\t2025-11-20T09:00:00.000Z\t{REQUEST_ID}\t{{\"message\":\"paid\",{KEYS}}}\n"
            ),
        ),
        (
            "Lambda JSON-format record, extra top-level keys",
            Format::LambdaJson,
            format!(
                r#"{{"timestamp":"2025-11-20T09:00:00.000Z","level":"INFO","requestId":"{REQUEST_ID}","message":"paid",{KEYS}}}"#
            ),
        ),
        (
            "Lambda JSON-format record, JSON object in message",
            Format::LambdaJson,
            format!(
                r#"{{"timestamp":"2025-11-20T09:00:00.000Z","level":"INFO","requestId":"{REQUEST_ID}","message":{}}}"#,
                Value::String(format!(r#"{{"message":"paid",{KEYS}}}"#))
            ),
        ),
        (
            "nested correlation_ids object",
            Format::Json,
            format!(r#"{{"level":"INFO","message":"paid","correlation_ids":{{{KEYS}}}}}"#),
        ),
    ];
    for (shape, format, msg) in shapes {
        let (got_format, correlation, fields) = correlation_of(&msg);
        assert_eq!(got_format, format, "{shape}: format");
        assert_eq!(correlation, Some(expected()), "{shape}: correlation");
        let leaked = fields.as_ref().is_some_and(|f| {
            ["correlation_id", "x-correlation-user-id", "correlation_ids"]
                .iter()
                .any(|k| f.get(k).is_some())
        });
        assert!(
            !leaked,
            "{shape}: correlation keys stay out of fields: {fields:?}"
        );
    }
}

#[test]
fn dazn_primary_and_dotnet_casings_name_the_primary_id() {
    let dazn = r#"{"level":20,"sLevel":"INFO","message":"hi","x-correlation-id":"d-1","call-chain-length":2,"awsRequestId":"r-1"}"#;
    let (_, c, _) = correlation_of(dazn);
    let c = c.unwrap_or_default();
    assert_eq!(c.primary.as_deref(), Some("d-1"));
    assert_eq!(
        Value::Object(c.ids),
        json!({"x-correlation-id": "d-1", "call-chain-length": 2, "awsRequestId": "r-1"})
    );
    for key in ["CorrelationId", "correlationId"] {
        let msg = format!(r#"{{"Level":"Information","Message":"m","{key}":"n-7"}}"#);
        let (_, c, _) = correlation_of(&msg);
        let c = c.unwrap_or_default();
        assert_eq!(c.primary.as_deref(), Some("n-7"), "{key}");
        assert_eq!(Value::Object(c.ids), json!({ key: "n-7" }), "{key}");
    }
}

#[test]
fn durable_execution_arn_is_a_correlation_key_in_every_shape() {
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:wf:$LATEST/durable-execution/order-42/inv-1";
    let shapes = [
        // The SDK's default logger (a Lambda JSON-format-shaped line).
        format!(r#"{{"timestamp":"2025-12-02T10:15:00.000Z","executionArn":"{arn}","level":"INFO","requestId":"{REQUEST_ID}","operationId":"op-1","attempt":1,"message":"step"}}"#),
        // Powertools as the durable logger (structured line).
        format!(r#"{{"level":"INFO","message":"step","service":"wf","executionArn":"{arn}","operationId":"op-1","attempt":1}}"#),
        // A JSON body after the Node prefix.
        format!("2025-12-02T10:15:00.000Z\t{REQUEST_ID}\tINFO\t{{\"message\":\"step\",\"executionArn\":\"{arn}\",\"operationId\":\"op-1\",\"attempt\":1}}"),
    ];
    for msg in &shapes {
        let line = parsed(msg);
        let c = line.correlation.as_deref().cloned().unwrap_or_default();
        assert_eq!(c.primary, None, "{msg}");
        assert_eq!(
            Value::Object(c.ids),
            json!({ "executionArn": arn }),
            "{msg}"
        );
        let durable = line.platform.as_deref().and_then(|p| p.durable.clone());
        let durable = durable.unwrap_or_default();
        assert_eq!(durable.execution_arn.as_deref(), Some(arn), "{msg}");
        assert_eq!(durable.operation_id.as_deref(), Some("op-1"), "{msg}");
        assert_eq!(durable.attempt, Some(1), "{msg}");
        assert_eq!(
            line.fields.as_ref().and_then(|f| f.get("attempt")),
            None,
            "{msg}"
        );
    }
    // Without an execution ARN, `operationId` and `attempt` are ordinary keys.
    let line = parsed(r#"{"message":"retry","operationId":"x","attempt":3}"#);
    assert!(line.platform.is_none());
    assert!(line
        .fields
        .as_ref()
        .is_some_and(|f| f.get("attempt").is_some()));
}

/// A value too long to be an id (a dumped payload under a correlation key) is not read as one:
/// it stays a user field, in every shape, and the short ids beside it are still read.
#[test]
fn a_value_longer_than_an_id_stays_a_user_field() {
    use crate::parse::structured::MAX_ID_BYTES;
    let long = "y".repeat(MAX_ID_BYTES + 1);
    let at_limit = "z".repeat(MAX_ID_BYTES);
    let shapes = [
        (
            "powertools",
            format!(r#"{{"level":"INFO","message":"m","correlation_id":"{long}","x-correlation-user-id":"u-9"}}"#),
            "correlation_id",
        ),
        (
            "dazn",
            format!(r#"{{"level":"INFO","message":"m","x-correlation-session":"{long}","x-correlation-user-id":"u-9"}}"#),
            "x-correlation-session",
        ),
        (
            "dazn, object value",
            format!(r#"{{"level":"INFO","message":"m","x-correlation-session":{{"dump":"{long}"}},"x-correlation-user-id":"u-9"}}"#),
            "x-correlation-session",
        ),
        (
            "Node body",
            format!("2025-11-20T09:00:00.000Z\t{REQUEST_ID}\tINFO\t{{\"message\":\"m\",\"x-correlation-session\":\"{long}\",\"x-correlation-user-id\":\"u-9\"}}"),
            "x-correlation-session",
        ),
        (
            "Lambda JSON-format extra key",
            format!(r#"{{"timestamp":"2025-11-20T09:00:00.000Z","level":"INFO","requestId":"{REQUEST_ID}","message":"m","x-correlation-session":"{long}","x-correlation-user-id":"u-9"}}"#),
            "x-correlation-session",
        ),
    ];
    for (shape, msg, key) in &shapes {
        let (_, c, fields) = correlation_of(msg);
        let c = c.unwrap_or_default();
        assert_eq!(
            Value::Object(c.ids),
            json!({"x-correlation-user-id": "u-9"}),
            "{shape}: only the short id is a correlation id"
        );
        assert_eq!(c.primary, None, "{shape}");
        let kept = fields.as_ref().and_then(|f| f.get(*key)).cloned();
        let kept_text = kept.map(|v| v.to_string()).unwrap_or_default();
        assert!(
            kept_text.contains(&long),
            "{shape}: the long value stays in fields under {key}: {fields:?}"
        );
    }
    // A nested correlation_ids object keeps its long member, and a value at the limit is an id.
    let msg = format!(
        r#"{{"level":"INFO","message":"m","correlation_ids":{{"order":"{long}","x-correlation-id":"{at_limit}"}}}}"#
    );
    let (_, c, fields) = correlation_of(&msg);
    let c = c.unwrap_or_default();
    assert_eq!(c.primary.as_deref(), Some(at_limit.as_str()));
    assert_eq!(
        Value::Object(c.ids),
        json!({ "x-correlation-id": at_limit })
    );
    assert_eq!(
        fields.and_then(|f| f.get("correlation_ids").cloned()),
        Some(json!({ "order": long }))
    );
    // Tenant ids and durable execution ARNs are ids too.
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:wf/{long}");
    let msg =
        format!(r#"{{"level":"INFO","message":"m","tenantId":"{long}","executionArn":"{arn}"}}"#);
    let line = parsed(&msg);
    assert!(line.correlation.is_none(), "{:?}", line.correlation);
    assert!(line.platform.is_none(), "{:?}", line.platform);
    let fields = line.fields.map(|f| Value::Object(f.into_map()));
    assert_eq!(
        fields.as_ref().and_then(|f| f.get("tenantId")),
        Some(&json!(long))
    );
    assert_eq!(
        fields.as_ref().and_then(|f| f.get("executionArn")),
        Some(&json!(arn))
    );
}
