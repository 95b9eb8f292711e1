//! TODO(helper): structured JSON log lines of logging libraries.

use crate::model::ParsedLine;
use serde_json::{Map, Value};

/// Reads any JSON object log line (Powertools, dazn, pino, bunyan, winston, log4j2, serilog, …).
pub fn from_object(obj: Map<String, Value>) -> ParsedLine<'static> {
    let _ = obj;
    ParsedLine::default()
}

/// Merges a JSON object found after a runtime prefix into the prefix's line: inner fields win for
/// display (message, level), the prefix's request id and timestamp are kept when the object has
/// none.
pub fn merge_into(line: &mut ParsedLine<'_>, obj: Map<String, Value>) {
    let _ = (line, obj);
}
