//! The one reader of error objects and stack text, shared by every line shape (Node's
//! `Invoke Error` payload, Lambda JSON-format records, structured JSON lines).
//!
//! Rules:
//! - A stack given as a string is kept as written, minus its trailing line breaks (`\n`, `\r`).
//! - A stack given as an array has one frame per element. A string frame loses its trailing
//!   line breaks (Python's `traceback.format_list` ends every frame with `\n`); a frame that is
//!   not a string (an object, a number) is written as compact JSON, so nothing is lost; `null`
//!   frames are skipped. Frames are joined with `\n`.
//! - A stack that ends up empty is no stack.
//! - Lambda's error object (`errorType`, `errorMessage`, `stackTrace`) is an error report when
//!   it has a textual `errorType` or `errorMessage`, or a stack.

use crate::model::ErrorInfo;
use serde_json::{Map, Value};

/// The line breaks a stack or a frame loses at its end.
const TRAILING_BREAKS: [char; 2] = ['\n', '\r'];

/// A stack trace as text, one frame per line (see the module rules); `None` for anything that
/// is not a string or an array, and for a stack that ends up empty.
pub fn stack_text(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.trim_end_matches(TRAILING_BREAKS).to_owned(),
        Value::Array(frames) => {
            let mut out = String::new();
            for frame in frames {
                let piece = match frame {
                    Value::Null => continue,
                    Value::String(s) => s.trim_end_matches(TRAILING_BREAKS).to_owned(),
                    other => other.to_string(),
                };
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&piece);
            }
            out
        }
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// True for a value that holds a stack: a non-blank string, or an array with a string frame.
pub fn is_stack(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(frames) => frames.iter().any(Value::is_string),
        _ => false,
    }
}

/// Lambda's error object: `errorType`, `errorMessage` and `stackTrace` (an array of frames or
/// one string). `None` when the object states none of them.
pub fn lambda_error(obj: &Map<String, Value>) -> Option<ErrorInfo> {
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
    let info = ErrorInfo {
        kind: text("errorType"),
        message: text("errorMessage"),
        stacktrace: obj.get("stackTrace").and_then(stack_text),
    };
    (info != ErrorInfo::default()).then_some(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_stacks_lose_only_their_trailing_line_breaks() {
        assert_eq!(
            stack_text(&json!("Error: boom\n    at f (a.js:1:2)\r\n")).as_deref(),
            Some("Error: boom\n    at f (a.js:1:2)")
        );
        assert_eq!(
            stack_text(&json!("  indented first line\n")).as_deref(),
            Some("  indented first line")
        );
        assert_eq!(stack_text(&json!("\n\n")), None);
        assert_eq!(stack_text(&json!("")), None);
        assert_eq!(stack_text(&json!(42)), None);
        assert_eq!(stack_text(&json!({"a": 1})), None);
    }

    #[test]
    fn frame_arrays_join_one_frame_per_line_and_keep_non_string_frames() {
        let python = json!([
            "  File \"a.py\", line 1, in h\n    x = 1/0\n",
            "frame 2\r\n"
        ]);
        assert_eq!(
            stack_text(&python).as_deref(),
            Some("  File \"a.py\", line 1, in h\n    x = 1/0\nframe 2")
        );
        let mixed = json!(["at a", null, {"file": "b.js", "line": 3}, 7]);
        assert_eq!(
            stack_text(&mixed).as_deref(),
            Some("at a\n{\"file\":\"b.js\",\"line\":3}\n7")
        );
        assert_eq!(stack_text(&json!([])), None);
        assert_eq!(stack_text(&json!([null, ""])), None);
    }

    #[test]
    fn stacks_are_recognised_by_their_shape() {
        assert!(is_stack(&json!("Error: x\n at y")));
        assert!(is_stack(&json!([1, "at a"])));
        assert!(!is_stack(&json!("  ")));
        assert!(!is_stack(&json!([1, 2])));
        assert!(!is_stack(&json!({"stack": "x"})));
    }

    #[test]
    fn lambda_error_objects_read_type_message_and_stack() {
        let obj = json!({
            "errorType": "TypeError",
            "errorMessage": "boom",
            "stackTrace": ["TypeError: boom", "    at handler (/var/task/index.js:3:9)"]
        });
        let e = lambda_error(obj.as_object().unwrap()).unwrap();
        assert_eq!(e.kind.as_deref(), Some("TypeError"));
        assert_eq!(e.message.as_deref(), Some("boom"));
        assert_eq!(
            e.stacktrace.as_deref(),
            Some("TypeError: boom\n    at handler (/var/task/index.js:3:9)")
        );
        let stack_only = json!({"stackTrace": "java.lang.X: y\n\tat a.B.c(B.java:1)\n"});
        let e = lambda_error(stack_only.as_object().unwrap()).unwrap();
        assert_eq!(e.kind, None);
        assert_eq!(
            e.stacktrace.as_deref(),
            Some("java.lang.X: y\n\tat a.B.c(B.java:1)")
        );
        assert_eq!(
            lambda_error(json!({"errorType": 3}).as_object().unwrap()),
            None
        );
    }
}
