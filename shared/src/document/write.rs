//! The document's `_source` written straight into a byte buffer, byte for byte what
//! `serde_json::to_writer` writes for the same view (a test holds the two together), without
//! serde's per-key escaping: keys are literals, strings are scanned sixteen bytes at a time, and
//! only the rare nested values (REPORT numbers, platform details, error reports, structured
//! fields) go through serde_json.

use super::{
    AttributesView, AwsAttributes, CloudView, EventView, FaasAttributes, FaasResource, LambdaView,
    LogResource, ResourceView, ShiplogAttributes, SourceView, XrayView,
};
use crate::model::{ErrorInfo, Format, Report};
use serde::Serialize;
use serde_json::{Map, Value};

/// Bytes examined per step of the escape scan.
const WORD: usize = 8;
/// Lowercase hex digits of `\u00XX` escapes (serde_json writes lowercase).
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The escape serde_json writes for `b`, or `None` when `b` is written as is.
fn escape_of(b: u8) -> Option<&'static [u8]> {
    match b {
        b'"' => Some(b"\\\""),
        b'\\' => Some(b"\\\\"),
        b'\n' => Some(b"\\n"),
        b'\r' => Some(b"\\r"),
        b'\t' => Some(b"\\t"),
        0x08 => Some(b"\\b"),
        0x0c => Some(b"\\f"),
        0x00..=0x1f => Some(b"\\u00"),
        _ => None,
    }
}

/// True when JSON escapes `b` (a control character, `"` or `\`).
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_le_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);

/// A word whose high bit is set in the lowest byte of `word` (little-endian) that JSON escapes;
/// bytes above that one may be set too (borrows), bytes below it never are, so the trailing zero
/// count finds exactly the first one. Zero when no byte needs an escape.
fn escape_bits(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_byte(quote) | zero_byte(backslash) | control) & HIGH_BITS
}

/// Position of the first byte at or after `from` that JSON escapes: eight bytes per step, the
/// byte found from the word's bits (no byte loop, so the short runs between escapes in JSON log
/// lines cost one or two steps), then byte by byte for the last few bytes.
pub(crate) fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(WORD);
    let mut offset = from;
    for word in words.by_ref() {
        let mut le = [0u8; WORD];
        le.copy_from_slice(word);
        let bits = escape_bits(u64::from_le_bytes(le));
        if bits != 0 {
            return Some(offset + bits.trailing_zeros() as usize / 8);
        }
        offset += WORD;
    }
    words
        .remainder()
        .iter()
        .position(|&b| needs_escape(b))
        .map(|p| offset + p)
}

/// Writes `s` as a JSON string literal (quotes included), escaping exactly as serde_json does:
/// `"` `\` and control characters; everything else, non-ASCII included, as is.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut i = 0;
    while let Some(at) = next_escape(bytes, i) {
        let b = bytes.get(at).copied().unwrap_or(b' ');
        out.extend_from_slice(bytes.get(i..at).unwrap_or_default());
        if let Some(escape) = escape_of(b) {
            out.extend_from_slice(escape);
            if escape == b"\\u00" {
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        i = at + 1;
    }
    out.extend_from_slice(bytes.get(i..).unwrap_or_default());
    out.push(b'"');
}

/// Writes `value` as serde_json writes it (compact; object members in their order), strings
/// through [`write_json_str`]. Nesting is bounded by the depth cap of the JSON parsers that built
/// the value.
pub fn write_json_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Formatting a number into a Vec cannot fail.
        Value::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, n);
        }
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => write_json_map(out, members),
    }
}

/// Writes a JSON object of `members`, as [`write_json_value`].
pub fn write_json_map(out: &mut Vec<u8>, members: &Map<String, Value>) {
    write_json_members(
        out,
        members.iter().map(|(k, v)| (k.as_str(), v)),
        write_json_value,
    );
}

/// Writes a JSON object of `members` as serde_json writes one (compact, in the order given,
/// keys escaped), each value by `write_value`: for maps and for member lists alike.
pub fn write_json_members<'m, V>(
    out: &mut Vec<u8>,
    members: impl IntoIterator<Item = (&'m str, V)>,
    mut write_value: impl FnMut(&mut Vec<u8>, V),
) {
    out.push(b'{');
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

/// Writes the decimal digits of `n`.
fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(at..).unwrap_or_default());
}

/// `k!("name")` is the literal `"name":` (a member's key, written in one copy).
macro_rules! k {
    ($name:literal) => {
        concat!("\"", $name, "\":")
    };
}

/// One JSON object being written: commas between members, keys as literals.
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, empty: true }
    }

    /// Writes a member's `"key":`, given as [`k!`] makes it (quotes and colon included, no
    /// character that needs escaping), after a comma unless it is the first member.
    fn key(&mut self, quoted_key: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.extend_from_slice(quoted_key.as_bytes());
        self.out
    }

    fn str(&mut self, key: &str, value: &str) {
        write_json_str(self.key(key), value);
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    fn opt_bool(&mut self, key: &str, value: Option<bool>) {
        if let Some(v) = value {
            let text: &[u8] = if v { b"true" } else { b"false" };
            self.key(key).extend_from_slice(text);
        }
    }

    /// A number as serde_json writes an `f64` (shortest round-trip form; `null` when not
    /// finite).
    fn opt_f64(&mut self, key: &str, value: Option<f64>) -> serde_json::Result<()> {
        match value {
            Some(v) => serde_json::to_writer(&mut *self.key(key), &v),
            None => Ok(()),
        }
    }

    fn serde<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> serde_json::Result<()> {
        serde_json::to_writer(&mut *self.key(key), value)
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

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
        o.opt_str(k!("spanId"), self.span_id);
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
    use proptest::prelude::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_json_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_escape_scan_stops_at_exactly_the_bytes_that_have_an_escape() {
        for b in 0..=u8::MAX {
            assert_eq!(needs_escape(b), escape_of(b).is_some(), "byte {b:#04x}");
        }
    }

    /// The first byte at or after `from` that needs an escape, one byte at a time.
    fn naive_next_escape(bytes: &[u8], from: usize) -> Option<usize> {
        (from..bytes.len()).find(|&i| needs_escape(bytes[i]))
    }

    #[test]
    fn the_word_scan_finds_every_byte_at_every_position_of_a_word() {
        for b in 0..=u8::MAX {
            for at in 0..20 {
                // Bytes around the one placed that borrow or carry in the word arithmetic.
                for filler in [b'a', 0x7f, 0x80, 0xff, 0x21, 0x5d] {
                    let mut bytes = vec![filler; 20];
                    bytes[at] = b;
                    for from in [0, at.saturating_sub(3), at] {
                        assert_eq!(
                            next_escape(&bytes, from),
                            naive_next_escape(&bytes, from),
                            "byte {b:#04x} at {at} from {from} among {filler:#04x}"
                        );
                    }
                }
            }
        }
        assert_eq!(next_escape(b"abc", 4), None);
    }

    proptest::proptest! {
        #[test]
        fn the_word_scan_agrees_with_a_byte_scan(
            bytes in proptest::collection::vec(proptest::sample::select(vec![0u8, 0x1f, 0x20, b'"', b'\\', b'a', 0x7f, 0x80, 0xff]), 0..40),
            from in 0usize..42,
        ) {
            proptest::prop_assert_eq!(next_escape(&bytes, from), naive_next_escape(&bytes, from));
        }
    }

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
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "",
            "plain ascii text that is longer than one word",
            "quote \" and backslash \\ inside",
            "tab\tnewline\nreturn\rbell\u{7}nul\u{0}esc\u{1b}del\u{7f}",
            "\u{8}\u{c}\u{1f}",
            "unicode é … 日本語 \u{a0}\u{a0}File",
            "\"",
            "ends with backslash\\",
        ] {
            assert_eq!(escaped(s), serde_json::to_string(s).unwrap(), "{s:?}");
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
        let spec = crate::bench::WorkloadSpec {
            payloads: 10,
            events_per_payload: 300,
            seed: 4,
        };
        for i in 0..spec.payloads {
            let (_, _, events) = crate::bench::workload::payload_events(&spec, i);
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

    /// Arbitrary JSON values: scalars (integers, floats, strings with escapes) nested up to four
    /// levels in arrays and objects.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_like_serde_json(s in any::<String>()) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn any_json_value_is_written_like_serde_json(v in json_value()) {
            let mut fast = Vec::new();
            write_json_value(&mut fast, &v);
            prop_assert_eq!(String::from_utf8(fast).unwrap(), serde_json::to_string(&v).unwrap());
        }

        #[test]
        fn control_heavy_strings_are_escaped_like_serde_json(
            s in proptest::collection::vec(
                prop_oneof![Just('"'), Just('\\'), Just('\n'), Just('a'), Just('é'),
                            (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('x'))],
                0..40,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }
    }
}
