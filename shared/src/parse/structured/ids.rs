//! X-Ray context, and the one recognizer of a JSON line's context keys: correlation ids,
//! Lambda durable functions' execution / operation / attempt, and the tenant id.
//!
//! Every JSON line shape goes through [`read_context`]: whole-line structured JSON,
//! JSON bodies after a runtime prefix (Node/Python tab-prefixed), and the extra top-level keys
//! of Lambda JSON-format app records (see `super::read_context`). So a correlation id is
//! recognised the same way whatever the line looks like:
//!
//! - Powertools `correlation_id` (and its .NET casings `CorrelationId`, `correlationId`): the
//!   primary id.
//! - dazn `x-correlation-*` keys (`x-correlation-id` is the primary id when there is no
//!   Powertools one), and on a dazn line `awsRequestId`, `debug-log-enabled`,
//!   `call-chain-length`.
//! - a nested `correlation_ids` object: each of its members is a correlation key by its own name.
//! - the durable execution ARN (`executionArn`): it ties the invocations of one durable execution
//!   together.
//!
//! Every key found is kept in `attributes.correlation.*` under its original name.
//!
//! An id is short: a value with a string longer than [`MAX_ID_BYTES`] (a dumped payload under a
//! correlation key) is not read as a correlation id, tenant id or execution ARN. It stays a user
//! field in `attributes.fields`, where delivery's salvage can still store an immense one.

use super::keys::{Keys, Slot};
use crate::json::Member;
use crate::model::{Correlation, DurableExecution, Trace};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Keys that name an X-Ray trace id explicitly: their value is kept verbatim (Powertools docs
/// use placeholder ids that are not valid X-Ray ids), or its `Root=` part for a trace header.
const XRAY_KEYS: &[Slot] = &[
    Slot::XrayTraceId,
    Slot::XrayTraceIdCamel,
    Slot::AwsXrayTraceId,
    Slot::XRayTraceIdCap,
    Slot::XRayTraceIdCamel,
];

/// Powertools correlation-id keys: snake case (Python, TypeScript, Java, .NET default) and the
/// .NET logger's PascalCase / camelCase output.
const POWERTOOLS_CORRELATION_KEYS: &[Slot] = &[
    Slot::CorrelationId,
    Slot::CorrelationIdCap,
    Slot::CorrelationIdCamel,
];

/// The key the durable execution ARN is kept under in `attributes.correlation.*`.
pub(super) const DURABLE_EXECUTION_KEY: &str = "executionArn";

/// The dazn primary key inside a nested `correlation_ids` object also names the primary id.
const NESTED_PRIMARY_KEYS: &[&str] = &["correlation_id", DAZN_PRIMARY_KEY];

/// Generic trace-id keys: read only when the value is X-Ray shaped or an X-Ray header, so an
/// OpenTelemetry or vendor trace id stays in `fields`.
const GENERIC_TRACE_KEYS: &[Slot] = &[Slot::TraceId, Slot::TraceIdSnake];

/// dazn's primary correlation id.
const DAZN_PRIMARY_KEY: &str = "x-correlation-id";

/// dazn keys that are correlation ids on a dazn line (`awsRequestId` is also a request id).
const DAZN_EXTRA_KEYS: &[Slot] = &[
    Slot::AwsRequestId,
    Slot::DebugLogEnabled,
    Slot::CallChainLength,
];

/// dazn keys that mark a line as a dazn line (with any `x-correlation-*` key).
const DAZN_MARKER_KEYS: &[Slot] = &[Slot::DebugLogEnabled, Slot::CallChainLength];

/// The longest string read as an id (correlation id, tenant id, durable execution ARN or
/// operation id), in bytes. The index template keeps ids as keywords with `ignore_above: 1024`,
/// so a longer value could not be found by its id anyway. And `attributes.correlation` is a
/// `flat_object`, which indexes every value as one term: a value over Lucene's 32 766-byte term
/// limit makes the engine refuse the document, and correlation ids are copied to every line of
/// their request, so one such value used to send a whole request to the dead letters.
pub const MAX_ID_BYTES: usize = 1024;

/// Length of `1-5759e988-bd862e3fe1be46a994272793`.
const XRAY_ID_LEN: usize = 35;

/// Reads the line's X-Ray context; the keys used leave `fields`. Lambda's
/// `tracing: {"type": "X-Amzn-Trace-Id", "value": "Root=…;Parent=…;Sampled=1"}` counts too.
pub(super) fn read_trace(keys: &mut Keys<'_>) -> Trace<'static> {
    if let Some(t) = keys.take_first(XRAY_KEYS, |v| explicit_trace(v.as_str()?)) {
        return t;
    }
    if let Some(t) = keys.take_first(GENERIC_TRACE_KEYS, |v| shaped_trace(v.as_str()?)) {
        return t;
    }
    let tracing = |v: &Member<'_>| header_trace(v.get("value")?.as_str()?);
    keys.take_if(Slot::Tracing, tracing).unwrap_or_default()
}

/// An explicitly named X-Ray id: a trace header's `Root=` part, or the value verbatim.
fn explicit_trace(s: &str) -> Option<Trace<'static>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    header_trace(s).or_else(|| {
        Some(Trace {
            xray_trace_id: Some(Cow::Owned(s.to_owned())),
            ..Trace::default()
        })
    })
}

/// A generic trace id that is an X-Ray id or an X-Ray trace header.
fn shaped_trace(s: &str) -> Option<Trace<'static>> {
    let s = s.trim();
    if is_xray_id(s) {
        return Some(Trace {
            xray_trace_id: Some(Cow::Owned(s.to_owned())),
            ..Trace::default()
        });
    }
    header_trace(s)
}

/// Parses an X-Ray trace header `Root=1-…;Parent=…;Sampled=1[;Lineage=…]`; `None` without `Root`.
pub fn header_trace(header: &str) -> Option<Trace<'static>> {
    let mut trace = Trace::default();
    for part in header.split(';') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Root" if !value.is_empty() => trace.xray_trace_id = Some(Cow::Owned(value.to_owned())),
            "Parent" if !value.is_empty() => trace.segment_id = Some(Cow::Owned(value.to_owned())),
            "Sampled" => trace.sampled = sampled_flag(value),
            _ => {}
        }
    }
    trace.xray_trace_id.is_some().then_some(trace)
}

fn sampled_flag(v: &str) -> Option<bool> {
    match v {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// `1-` + 8 + `-` + 24 alphanumerics (docs examples write `xmpl` inside ids, so not strict hex).
pub fn is_xray_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == XRAY_ID_LEN
        && b.starts_with(b"1-")
        && b.iter().enumerate().skip(2).all(|(i, c)| match i {
            10 => *c == b'-',
            _ => c.is_ascii_alphanumeric(),
        })
}

/// What the context keys of one JSON line state.
#[derive(Debug, Default)]
pub(super) struct Context {
    /// Correlation ids (see the module rules).
    pub(super) correlation: Option<Correlation>,
    /// `tenantId` (tenant isolation).
    pub(super) tenant_id: Option<String>,
    /// Durable execution facts (`executionArn`, and on such a line `operationId`, `attempt`).
    pub(super) durable: Option<DurableExecution>,
}

/// Reads the line's context keys; the keys used leave `fields`.
pub(super) fn read_context(keys: &mut Keys<'_>) -> Context {
    let durable = read_durable(keys);
    let tenant_id = keys.take_if(Slot::TenantId, |v| text_of(v.as_str()?));
    let arn = durable.as_ref().and_then(|d| d.execution_arn.as_deref());
    Context {
        correlation: read_correlation(keys, arn),
        tenant_id,
        durable,
    }
}

/// The durable execution SDK's keys. `operationId` and `attempt` are generic names: they are
/// read only on a line that names its durable execution (`executionArn`, an ARN).
fn read_durable(keys: &mut Keys<'_>) -> Option<DurableExecution> {
    let execution_arn = keys.take_if(Slot::ExecutionArn, |v| {
        v.as_str()
            .map(str::trim)
            .filter(|s| s.starts_with("arn:") && s.len() <= MAX_ID_BYTES)
            .map(str::to_owned)
    })?;
    let operation_id = keys.take_if(Slot::OperationId, |v| match v.as_json() {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => text_of(v.as_str()?),
    });
    let attempt = keys.take_if(Slot::Attempt, |v| match v.as_json() {
        Some(Value::Number(n)) => n.as_u64(),
        _ => v.as_str()?.trim().parse().ok(),
    });
    Some(DurableExecution {
        execution_arn: Some(execution_arn),
        operation_id,
        attempt,
    })
}

/// A non-blank string of id size, trimmed and owned.
fn text_of(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= MAX_ID_BYTES).then(|| s.to_owned())
}

/// True when every string of the value (members' names included) is at most [`MAX_ID_BYTES`]:
/// a value that can be a correlation id.
fn fits_an_id(v: &Member<'_>) -> bool {
    match v {
        Member::Str(s) => s.len() <= MAX_ID_BYTES,
        Member::Json(v) => value_fits_an_id(v),
    }
}

/// [`fits_an_id`] for a parsed value.
fn value_fits_an_id(v: &Value) -> bool {
    match v {
        Value::String(s) => s.len() <= MAX_ID_BYTES,
        Value::Array(items) => items.iter().all(value_fits_an_id),
        Value::Object(members) => members
            .iter()
            .all(|(k, v)| k.len() <= MAX_ID_BYTES && value_fits_an_id(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Reads the correlation ids (see the module rules); the keys used leave `fields`.
///
/// dazn's `awsRequestId`, `debug-log-enabled` and `call-chain-length` count as correlation ids
/// only on a dazn line (one with an `x-correlation-*` key or a dazn marker key): a bare
/// `awsRequestId` is just a request id.
fn read_correlation(keys: &mut Keys<'_>, durable_arn: Option<&str>) -> Option<Correlation> {
    let mut ids = Map::new();
    let mut primary = None;
    for slot in POWERTOOLS_CORRELATION_KEYS {
        if let Some(v) = keys.take_when(*slot, |v| !v.is_null() && fits_an_id(v)) {
            let v = v.into_value();
            if primary.is_none() {
                primary = id_text(&v);
            }
            ids.insert(slot.name().to_owned(), v);
        }
    }
    read_dazn(keys, &mut ids);
    read_nested(keys, &mut ids);
    if primary.is_none() {
        primary = NESTED_PRIMARY_KEYS
            .iter()
            .find_map(|k| ids.get(*k).and_then(id_text));
    }
    if let Some(arn) = durable_arn {
        ids.insert(
            DURABLE_EXECUTION_KEY.to_owned(),
            Value::String(arn.to_owned()),
        );
    }
    let correlation = Correlation { primary, ids };
    (!correlation.is_empty()).then_some(correlation)
}

/// A nested `correlation_ids` object: each string or number member is a correlation key by its
/// own name (a key already found at the top level wins). Other members stay in the object,
/// which stays in `fields` when anything is left.
fn read_nested(keys: &mut Keys<'_>, ids: &mut Map<String, Value>) {
    let is_object = |v: &Member<'_>| v.as_json().is_some_and(Value::is_object);
    let Some(Value::Object(nested)) = keys
        .take_when(Slot::CorrelationIds, is_object)
        .map(Member::into_value)
    else {
        return;
    };
    let mut left = Map::new();
    for (k, v) in nested {
        if id_text(&v).is_some() && k.len() <= MAX_ID_BYTES && value_fits_an_id(&v) {
            ids.entry(k).or_insert(v);
        } else {
            left.insert(k, v);
        }
    }
    if !left.is_empty() {
        keys.put_back(Slot::CorrelationIds, Member::Json(Value::Object(left)));
    }
}

/// Moves the correlation keys of a dazn line into `ids`, under their original names.
fn read_dazn(keys: &mut Keys<'_>, ids: &mut Map<String, Value>) {
    let is_dazn = keys.has_dazn_keys() || DAZN_MARKER_KEYS.iter().any(|s| keys.has(*s));
    if !is_dazn {
        return;
    }
    ids.extend(
        keys.take_dazn_when(|k, v| k.len() <= MAX_ID_BYTES && fits_an_id(v))
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_value())),
    );
    for slot in DAZN_EXTRA_KEYS {
        if let Some(v) = keys.take_when(*slot, fits_an_id) {
            ids.insert(slot.name().to_owned(), v.into_value());
        }
    }
}

/// A correlation id as text: strings as they are, numbers written out.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xray_shape_accepts_docs_ids_and_rejects_others() {
        assert!(is_xray_id("1-5759e988-bd862e3fe1be46a994272793"));
        assert!(is_xray_id("1-5e34a614-10bdxmplf1fb44f07bc535a1"));
        assert!(!is_xray_id("abcdef123456abcdef123456abcdef123456"));
        assert!(!is_xray_id("5759e988bd862e3fe1be46a994272793"));
        assert!(!is_xray_id("1-5759e988-bd862e3fe1be46a99427279é"));
    }

    #[test]
    fn trace_header_gives_root_parent_and_sampled() {
        let t = header_trace("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:0")
            .unwrap();
        assert_eq!(
            t.xray_trace_id.as_deref(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(t.segment_id.as_deref(), Some("53995c3f42cd8ad8"));
        assert_eq!(t.sampled, Some(true));
        assert_eq!(header_trace("Parent=53995c3f42cd8ad8;Sampled=0"), None);
    }
}
