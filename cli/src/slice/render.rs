//! How a slice is printed: text (a header per invocation, then its lines
//! `timestamp | function | level | message`, colour on a terminal) or NDJSON.

use super::summary::Invocation;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// ANSI styles, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    colour: bool,
}

const RESET: &str = "\x1b[0m";
const BOLD_CYAN: &str = "\x1b[1;36m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";

impl Style {
    /// Colour when `terminal` and `no_color` (the NO_COLOR variable) is unset or empty.
    pub(crate) fn new(terminal: bool, no_color: Option<&str>) -> Self {
        Style {
            colour: terminal && no_color.is_none_or(str::is_empty),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour && !text.is_empty() {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

/// `12.34 ms`, `1.88 s`.
fn duration(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.2} ms")
    }
}

/// The header line of an invocation (no newline).
pub(crate) fn header(inv: &Invocation, style: Style) -> String {
    let mut parts = vec![
        inv.function.clone().unwrap_or_else(|| "?".to_owned()),
        inv.request_id.clone(),
        inv.start.clone().unwrap_or_else(|| "?".to_owned()),
        inv.duration_ms
            .map_or_else(|| "duration ?".to_owned(), duration),
    ];
    parts.push(match (inv.cold_start, inv.init_duration_ms) {
        (Some(true), Some(init)) => format!("cold start (init {})", duration(init)),
        (Some(true), None) => "cold start".to_owned(),
        (Some(false), _) => "warm".to_owned(),
        (None, _) => "cold start ?".to_owned(),
    });
    parts.push(match inv.errors {
        0 => "no errors".to_owned(),
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    });
    if let Some(status) = inv.status.as_deref().filter(|s| *s != "success") {
        parts.push(format!("status {status}"));
    }
    parts.push(
        inv.estimated_cost_usd
            .map_or_else(|| "cost ?".to_owned(), |c| format!("${c:.9}")),
    );
    style.paint(BOLD_CYAN, &format!("── {}", parts.join("  ")))
}

/// The header of the documents that belong to no invocation.
pub(crate) fn outside_header(style: Style) -> String {
    style.paint(
        BOLD_CYAN,
        "── outside any invocation (matched by a trace or correlation id, no request id)",
    )
}

/// One document as `timestamp | function | level | message`; continuation lines of a
/// multi-line message are indented under the message column, tabs become spaces (REPORT lines
/// are tab-separated). `width` pads the function name.
pub(crate) fn line(source: &Value, width: usize, style: Style) -> String {
    let timestamp = source["@timestamp"].as_str().unwrap_or("?");
    let function = source["resource"]["faas"]["name"].as_str().unwrap_or("?");
    let level = source["severity"]["text"].as_str().unwrap_or("");
    let body = source["body"].as_str().unwrap_or("");
    let level_cell = format!("{level:<5}");
    let level_cell = match level {
        "ERROR" | "FATAL" => style.paint(RED, &level_cell),
        "WARN" => style.paint(YELLOW, &level_cell),
        "DEBUG" | "TRACE" => style.paint(DIM, &level_cell),
        _ => level_cell,
    };
    let prefix = format!("{timestamp} | {function:<width$} | {level_cell} | ");
    let indent = " ".repeat(timestamp.len() + width + 5 + 9);
    let mut out = prefix;
    for (i, text) in body.trim_end().lines().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&indent);
        }
        let _ = write!(out, "{}", text.replace('\t', " ").trim_end());
    }
    out
}

/// The NDJSON line of an invocation.
pub(crate) fn invocation_json(inv: &Invocation) -> Value {
    json!({
        "type": "invocation",
        "request_id": inv.request_id,
        "function": inv.function,
        "start": inv.start,
        "end": inv.end,
        "lines": inv.lines,
        "duration_ms": inv.duration_ms,
        "billed_duration_ms": inv.billed_duration_ms,
        "memory_size_mb": inv.memory_size_mb,
        "max_memory_used_mb": inv.max_memory_used_mb,
        "init_duration_ms": inv.init_duration_ms,
        "cold_start": inv.cold_start,
        "errors": inv.errors,
        "status": inv.status,
        "estimated_cost_usd": inv.estimated_cost_usd,
        "summary_from": inv.source.as_str(),
    })
}

/// The NDJSON line of a document (a search hit).
pub(crate) fn document_json(hit: &Value, request_id: Option<&str>) -> Value {
    json!({
        "type": "document",
        "request_id": request_id,
        "index": hit["_index"],
        "id": hit["_id"],
        "source": hit["_source"],
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::summary::Source;
    use super::*;

    fn invocation() -> Invocation {
        Invocation {
            request_id: "4d6f8a0c".to_owned(),
            function: Some("shop-api".to_owned()),
            start: Some("2025-11-20T12:10:00.087Z".to_owned()),
            start_ms: 0.0,
            end: None,
            lines: 6,
            duration_ms: Some(1884.7),
            billed_duration_ms: Some(1885.0),
            memory_size_mb: Some(512.0),
            max_memory_used_mb: None,
            init_duration_ms: Some(201.77),
            cold_start: Some(true),
            errors: 2,
            status: Some("timeout".to_owned()),
            estimated_cost_usd: Some(0.000_015_908),
            source: Source::Report,
        }
    }

    #[test]
    fn the_header_says_function_request_start_duration_cold_start_errors_and_cost() {
        assert_eq!(
            header(&invocation(), Style::new(false, None)),
            "── shop-api  4d6f8a0c  2025-11-20T12:10:00.087Z  1.88 s  cold start (init 201.77 ms)  \
             2 errors  status timeout  $0.000015908"
        );
        let mut unknown = invocation();
        unknown.duration_ms = None;
        unknown.cold_start = None;
        unknown.errors = 0;
        unknown.status = Some("success".to_owned());
        unknown.estimated_cost_usd = None;
        assert_eq!(
            header(&unknown, Style::new(false, None)),
            "── shop-api  4d6f8a0c  2025-11-20T12:10:00.087Z  duration ?  cold start ?  no errors  \
             cost ?"
        );
    }

    #[test]
    fn a_line_is_timestamp_function_level_message_with_continuations_indented() {
        let doc = json!({
            "@timestamp": "2025-11-20T12:10:01.616Z", "body": "boom\n  at x\n",
            "severity": {"text": "ERROR"}, "resource": {"faas": {"name": "worker"}},
        });
        let text = line(&doc, 8, Style::new(false, None));
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            rows[0],
            "2025-11-20T12:10:01.616Z | worker   | ERROR | boom"
        );
        let column = rows[0].find("boom").unwrap();
        assert_eq!(rows[1].len(), column + "  at x".len());
        assert_eq!(&rows[1][column..], "  at x", "its own indentation kept");
        assert!(rows[1][..column].chars().all(|c| c == ' '));
        let platform = json!({"@timestamp": "t", "body": "START RequestId: r", "resource": {"faas": {"name": "f"}}});
        assert_eq!(
            line(&platform, 1, Style::new(false, None)),
            "t | f |       | START RequestId: r"
        );
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let doc = json!({"@timestamp": "t", "body": "b", "severity": {"text": "ERROR"},
            "resource": {"faas": {"name": "f"}}});
        assert!(line(&doc, 1, Style::new(true, None)).contains("\x1b[31mERROR"));
        assert!(!line(&doc, 1, Style::new(true, Some("1"))).contains('\x1b'));
        assert!(!line(&doc, 1, Style::new(false, None)).contains('\x1b'));
        assert!(line(&doc, 1, Style::new(true, Some(""))).contains('\x1b'));
        assert!(header(&invocation(), Style::new(true, None)).starts_with(BOLD_CYAN));
    }

    #[test]
    fn json_lines_carry_the_summary_and_the_document() {
        let inv = invocation_json(&invocation());
        assert_eq!(inv["type"], "invocation");
        assert_eq!(inv["summary_from"], "report");
        assert_eq!(inv["errors"], 2);
        let hit = json!({"_index": "i", "_id": "d", "_source": {"body": "b"}});
        assert_eq!(
            document_json(&hit, Some("r")),
            json!({"type": "document", "request_id": "r", "index": "i", "id": "d", "source": {"body": "b"}})
        );
    }
}
