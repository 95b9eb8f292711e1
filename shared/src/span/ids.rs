//! The trace and span ids of an invocation, the same on its span and on every document of it.
//!
//! | id | rule |
//! |---|---|
//! | `traceId` | the W3C form of the request's X-Ray trace id (`1-5759e988-bd862e3f…` → `5759e988bd862e3f…`); without one, FNV-1a 128 of the request's primary correlation id; without one, FNV-1a 128 of its request id (32 lowercase hex) |
//! | `spanId` | the request's X-Ray segment id (REPORT `XRAY … SegmentId`, the `Parent` of a `platform.*` record's or a line's trace header; 16 hex), as noted from any line of the request, else the line's own; without one, FNV-1a 64 of the request id (16 lowercase hex) |
//!
//! The hashes are the plain FNV-1a of the id's UTF-8 bytes (no prefix, no salt), so anyone can
//! compute the trace id of a correlation id in any language, and a request whose own request id
//! is the correlation id its downstream requests carry (a common choice) lands in their trace.
//! FNV is not a secure hash: ids are identifiers, not secrets.

use crate::hash::{fnv1a_128, fnv1a_64};
use crate::model::ParsedLine;
use serde::{Serialize, Serializer};

/// A W3C trace id: 32 lowercase hex digits, held inline (no allocation per document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId([u8; 32]);

/// A W3C span id: 16 lowercase hex digits, held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId([u8; 16]);

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `value`'s `N` low nibbles as lowercase hex, most significant first.
fn hex_digits<const N: usize>(value: u128) -> [u8; N] {
    let mut out = [b'0'; N];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 4 * (N - 1 - i);
        *slot = HEX[((value >> shift) & 0xf) as usize];
    }
    out
}

/// `Some(bytes lowercased)` when `s` is exactly `N` hex digits, not all zero (W3C forbids zero ids).
fn lower_hex<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    let src: &[u8; N] = s.try_into().ok()?;
    let mut out = *src;
    if !out.iter().fold(true, |hex, b| hex & b.is_ascii_hexdigit()) {
        return None;
    }
    out.make_ascii_lowercase();
    (out.iter().any(|b| *b != b'0')).then_some(out)
}

impl TraceId {
    /// The W3C form of an X-Ray trace id `1-<8 hex>-<24 hex>`; `None` for any other shape.
    pub fn from_xray(xray: &str) -> Option<TraceId> {
        // Fixed positions: `1-` at 0, `-` at 10, 35 bytes in all (this runs for most documents).
        let bytes = xray.as_bytes();
        if bytes.len() != 35 || !bytes.starts_with(b"1-") || bytes.get(10) != Some(&b'-') {
            return None;
        }
        let mut joined = [0u8; 32];
        let (time, id) = joined.split_at_mut(8);
        time.copy_from_slice(bytes.get(2..10)?);
        id.copy_from_slice(bytes.get(11..)?);
        lower_hex::<32>(&joined).map(TraceId)
    }

    /// A trace id given as 32 hex digits (W3C) or in X-Ray form.
    pub fn parse(s: &str) -> Option<TraceId> {
        lower_hex::<32>(s.as_bytes())
            .map(TraceId)
            .or_else(|| TraceId::from_xray(s))
    }

    /// The trace id derived from a correlation id or a request id: FNV-1a 128 of its bytes.
    pub fn derived(key: &str) -> TraceId {
        let mut h = fnv1a_128(key.as_bytes());
        if h == 0 {
            h = 1;
        }
        TraceId(hex_digits::<32>(h))
    }

    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The 32 hex digits (ASCII, never escaped in JSON).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The X-Ray form of this id (`1-<8 hex>-<24 hex>`): meaningful for ids that came from X-Ray.
    pub fn to_xray(&self) -> String {
        let s = self.as_str();
        format!(
            "1-{}-{}",
            s.get(..8).unwrap_or(""),
            s.get(8..).unwrap_or("")
        )
    }
}

impl SpanId {
    /// A span id given as 16 hex digits (an X-Ray segment id); `None` for any other shape.
    pub fn parse(s: &str) -> Option<SpanId> {
        lower_hex::<16>(s.as_bytes()).map(SpanId)
    }

    /// The span id derived from a request id: FNV-1a 64 of its bytes.
    pub fn derived(request_id: &str) -> SpanId {
        let mut h = fnv1a_64(request_id.as_bytes());
        if h == 0 {
            h = 1;
        }
        SpanId(hex_digits::<16>(u128::from(h)))
    }

    /// The 16 hex digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The 16 hex digits (ASCII, never escaped in JSON).
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl Serialize for TraceId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for SpanId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The ids a document or a span carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvocationIds {
    /// `traceId`.
    pub trace_id: Option<TraceId>,
    /// `spanId`.
    pub span_id: Option<SpanId>,
}

impl InvocationIds {
    /// The ids of `line` by the rules of this module; `segment` is its request's X-Ray segment id
    /// when known (from any platform line of the request). A line without a request id belongs
    /// to no invocation: its trace id is its own X-Ray id's, its span id its own segment id's.
    pub fn of(line: &ParsedLine<'_>, segment: Option<&str>) -> InvocationIds {
        let xray = line
            .trace
            .xray_trace_id
            .as_deref()
            .and_then(TraceId::from_xray);
        let Some(request_id) = line.request_id.as_deref().filter(|r| !r.is_empty()) else {
            return InvocationIds {
                trace_id: xray,
                span_id: line.trace.segment_id.as_deref().and_then(SpanId::parse),
            };
        };
        let trace_id = xray.unwrap_or_else(|| {
            let primary = line
                .correlation
                .as_deref()
                .and_then(|c| c.primary.as_deref())
                .filter(|p| !p.is_empty());
            TraceId::derived(primary.unwrap_or(request_id))
        });
        // A line's own segment id (REPORT `SegmentId`, the `Parent` of the trace header Lambda
        // gives the function) is its request's, even before the tracker saw one.
        let own_segment = line.trace.segment_id.as_deref();
        let span_id = segment
            .and_then(SpanId::parse)
            .or_else(|| own_segment.and_then(SpanId::parse))
            .unwrap_or_else(|| SpanId::derived(request_id));
        InvocationIds {
            trace_id: Some(trace_id),
            span_id: Some(span_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Correlation, Trace};
    use std::borrow::Cow;
    use std::sync::Arc;

    #[test]
    fn xray_ids_become_w3c_and_back() {
        let id = TraceId::from_xray("1-5759E988-BD862E3FE1BE46A994272793").unwrap();
        assert_eq!(id.as_str(), "5759e988bd862e3fe1be46a994272793");
        assert_eq!(id.to_xray(), "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(TraceId::parse("5759e988bd862e3fe1be46a994272793"), Some(id));
        assert_eq!(
            TraceId::parse("1-5759e988-bd862e3fe1be46a994272793"),
            Some(id)
        );
        for wrong in [
            "2-5759e988-bd862e3fe1be46a994272793",
            "1-5d9d007f-0a8c7fd02xmpl480aed55ef0",
            "1-00000000-000000000000000000000000",
            "5759e988bd862e3f",
            "",
        ] {
            assert_eq!(TraceId::parse(wrong), None, "{wrong}");
        }
        assert_eq!(
            SpanId::parse("3D752A1B1BBE37EF").map(|s| s.as_str().to_owned()),
            Some("3d752a1b1bbe37ef".to_owned())
        );
        assert_eq!(SpanId::parse("0000000000000000"), None);
        assert_eq!(SpanId::parse("3d75"), None);
    }

    #[test]
    fn derived_ids_are_fnv_of_the_key_in_hex() {
        assert_eq!(
            TraceId::derived("a").as_str(),
            "d228cb696f1a8caf78912b704e4a8964"
        );
        assert_eq!(SpanId::derived("a").as_str(), "af63dc4c8601ec8c");
        assert_eq!(TraceId::derived("order-1"), TraceId::derived("order-1"));
        assert_ne!(TraceId::derived("order-1"), TraceId::derived("order-2"));
    }

    fn line<'a>(
        request: Option<&'a str>,
        xray: Option<&'a str>,
        primary: Option<&str>,
    ) -> ParsedLine<'a> {
        ParsedLine {
            request_id: request.map(Cow::Borrowed),
            trace: Trace {
                xray_trace_id: xray.map(Cow::Borrowed),
                ..Trace::default()
            },
            correlation: primary.map(|p| {
                Arc::new(Correlation {
                    primary: Some(p.to_owned()),
                    ..Correlation::default()
                })
            }),
            ..ParsedLine::default()
        }
    }

    #[test]
    fn the_trace_id_prefers_xray_then_the_correlation_id_then_the_request_id() {
        let xray = "1-5759e988-bd862e3fe1be46a994272793";
        let ids = InvocationIds::of(&line(Some("r1"), Some(xray), Some("c1")), None);
        assert_eq!(
            ids.trace_id.unwrap().as_str(),
            "5759e988bd862e3fe1be46a994272793"
        );
        let ids = InvocationIds::of(&line(Some("r1"), None, Some("c1")), None);
        assert_eq!(ids.trace_id, Some(TraceId::derived("c1")));
        let ids = InvocationIds::of(&line(Some("r1"), None, None), None);
        assert_eq!(ids.trace_id, Some(TraceId::derived("r1")));
        // A request whose id is its downstream's correlation id shares their trace.
        assert_eq!(
            InvocationIds::of(&line(Some("c1"), None, None), None).trace_id,
            InvocationIds::of(&line(Some("r2"), None, Some("c1")), None).trace_id
        );
    }

    #[test]
    fn the_span_id_is_the_segment_id_else_derived_from_the_request_id() {
        let l = line(Some("r1"), None, None);
        assert_eq!(
            InvocationIds::of(&l, Some("3d752a1b1bbe37ef"))
                .span_id
                .unwrap()
                .as_str(),
            "3d752a1b1bbe37ef"
        );
        assert_eq!(
            InvocationIds::of(&l, None).span_id,
            Some(SpanId::derived("r1"))
        );
        assert_eq!(
            InvocationIds::of(&l, Some("not-a-segment")).span_id,
            Some(SpanId::derived("r1"))
        );
    }

    #[test]
    fn a_line_of_no_request_keeps_only_its_own_ids() {
        assert_eq!(
            InvocationIds::of(&line(None, None, Some("c1")), None),
            InvocationIds::default()
        );
        let mut l = line(None, Some("1-5759e988-bd862e3fe1be46a994272793"), None);
        l.trace.segment_id = Some(Cow::Borrowed("3d752a1b1bbe37ef"));
        let ids = InvocationIds::of(&l, None);
        assert!(ids.trace_id.is_some());
        assert_eq!(ids.span_id.unwrap().as_str(), "3d752a1b1bbe37ef");
    }
}
