//! X-Ray context and correlation ids of a structured line.

use super::keys::{Keys, Slot};
use crate::json::Member;
use crate::model::{Correlation, Trace};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Keys that name an X-Ray trace id explicitly: their value is kept verbatim (Powertools docs
/// use placeholder ids that are not valid X-Ray ids), or its `Root=` part for a trace header.
const XRAY_KEYS: &[Slot] = &[
    Slot::XrayTraceId,
    Slot::XrayTraceIdCamel,
    Slot::AwsXrayTraceId,
];

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

/// Reads Powertools and dazn correlation ids; the keys used leave `fields`.
///
/// dazn's `awsRequestId`, `debug-log-enabled` and `call-chain-length` count as correlation ids
/// only on a dazn line (one with an `x-correlation-*` key or a dazn marker key): a bare
/// `awsRequestId` is just a request id.
pub(super) fn read_correlation(keys: &mut Keys<'_>) -> Option<Correlation> {
    let mut ids = Map::new();
    let powertools = keys
        .take_when(Slot::CorrelationId, |v| !v.is_null())
        .map(Member::into_value);
    let mut primary = powertools.as_ref().and_then(id_text);
    if let Some(v) = powertools {
        ids.insert(Slot::CorrelationId.name().to_owned(), v);
    }
    read_dazn(keys, &mut ids);
    if primary.is_none() {
        primary = ids.get(DAZN_PRIMARY_KEY).and_then(id_text);
    }
    let correlation = Correlation { primary, ids };
    (!correlation.is_empty()).then_some(correlation)
}

/// Moves the correlation keys of a dazn line into `ids`, under their original names.
fn read_dazn(keys: &mut Keys<'_>, ids: &mut Map<String, Value>) {
    let is_dazn = keys.has_dazn_keys() || DAZN_MARKER_KEYS.iter().any(|s| keys.has(*s));
    if !is_dazn {
        return;
    }
    ids.extend(
        keys.take_dazn()
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_value())),
    );
    for slot in DAZN_EXTRA_KEYS {
        if let Some(v) = keys.take(*slot) {
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
