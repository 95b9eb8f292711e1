//! Error reports inside structured lines: `error`/`err` objects (pino, Powertools TypeScript),
//! Lambda's `errorType`/`errorMessage`/`stackTrace`, Powertools Python `exception_name` +
//! `exception`, Serilog `@x` / `Exception`, and pino v2's top-level `type` + `stack`.

use super::keys::{Keys, Slot};
use crate::json::Member;
use crate::model::ErrorInfo;
use crate::parse::errors::report::{is_stack, stack_text};
use serde_json::{Map, Value};

/// Keys holding an error object `{name|type, message, stack}`.
const ERROR_OBJECT_KEYS: &[Slot] = &[Slot::Error, Slot::Err];

/// Sub-keys of an error object naming its type, in precedence order.
const ERROR_TYPE_SUBKEYS: &[&str] = &["name", "type"];

/// Serilog CLEF `@x` and the default `JsonFormatter`'s `Exception`: `Type: message\n   at …`.
const DOTNET_EXCEPTION_KEYS: &[Slot] = &[Slot::AtX, Slot::ExceptionCap];

/// Reads the line's error report, consuming the keys used. `line_message` is the line's own
/// message, the error message of last resort.
pub(super) fn read(keys: &mut Keys<'_>, line_message: Option<&str>) -> Option<ErrorInfo> {
    read_error_object(keys)
        .or_else(|| read_lambda_error(keys))
        .or_else(|| read_python_exception(keys))
        .or_else(|| read_dotnet_exception(keys))
        .or_else(|| read_top_level_stack(keys, line_message))
}

/// `error`/`err` objects (pino, Powertools TypeScript). The mapped sub-keys leave the object;
/// what remains (e.g. Powertools' `location`) stays in `fields` under the same key.
fn read_error_object(keys: &mut Keys<'_>) -> Option<ErrorInfo> {
    let slot = ERROR_OBJECT_KEYS.iter().copied().find(|s| {
        keys.get(*s)
            .and_then(Member::as_json)
            .and_then(Value::as_object)
            .is_some_and(is_error_object)
    })?;
    let Some(Member::Json(Value::Object(mut obj))) = keys.take(slot) else {
        return None;
    };
    let kind = ERROR_TYPE_SUBKEYS
        .iter()
        .find_map(|k| take_string(&mut obj, k));
    let message = take_string(&mut obj, "message");
    let stack = match obj.remove("stack") {
        Some(v) if is_stack(&v) => stack_text(&v),
        Some(other) => {
            obj.insert("stack".to_owned(), other);
            None
        }
        None => None,
    };
    if !obj.is_empty() {
        keys.put_back(slot, Member::Json(Value::Object(obj)));
    }
    Some(with_stack_fallbacks(kind, message, stack))
}

/// True when an object has a string `name`/`type`/`message` or a stack.
fn is_error_object(obj: &Map<String, Value>) -> bool {
    ERROR_TYPE_SUBKEYS
        .iter()
        .chain(&["message"])
        .any(|k| obj.get(*k).is_some_and(Value::is_string))
        || obj.get("stack").is_some_and(is_stack)
}

/// Removes `key` from `obj` when it holds a string, handing the string over.
fn take_string(obj: &mut Map<String, Value>, key: &str) -> Option<String> {
    if !obj.get(key).is_some_and(Value::is_string) {
        return None;
    }
    match obj.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// Lambda's `errorType` / `errorMessage` / `stackTrace` (string or array of frames): Node
/// `Invoke Error` payloads, the Python JSON log format.
fn read_lambda_error(keys: &mut Keys<'_>) -> Option<ErrorInfo> {
    let kind = keys.take_string(Slot::ErrorType);
    let message = keys.take_string(Slot::ErrorMessage);
    if kind.is_none() && message.is_none() {
        return None;
    }
    let stacktrace = keys
        .take_when(Slot::StackTrace, is_stack_member)
        .and_then(|m| stack_text(&m.into_value()));
    Some(ErrorInfo {
        kind,
        message,
        stacktrace,
    })
}

/// Powertools Python `logger.exception`: `exception_name` and the traceback text in
/// `exception`; the message is what follows `Type: ` on the traceback's last line.
fn read_python_exception(keys: &mut Keys<'_>) -> Option<ErrorInfo> {
    let name = keys.take_string(Slot::ExceptionName);
    let traceback = keys.take_string(Slot::Exception);
    if name.is_none() && traceback.is_none() {
        return None;
    }
    let last_line = traceback
        .as_deref()
        .and_then(|t| t.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    let message = match name.as_deref() {
        Some(name) => message_after_type(last_line, name).map(str::to_owned),
        None => last_type_and_message(last_line).and_then(|(_, m)| m.map(str::to_owned)),
    };
    let kind = name.or_else(|| last_type_and_message(last_line).map(|(k, _)| k.to_owned()));
    Some(ErrorInfo {
        kind,
        message,
        stacktrace: traceback,
    })
}

/// Serilog `@x` / `Exception`: `System.InvalidOperationException: msg\n   at …`.
fn read_dotnet_exception(keys: &mut Keys<'_>) -> Option<ErrorInfo> {
    let non_blank_string = |v: &Member<'_>| v.as_str().is_some_and(|s| !s.trim().is_empty());
    let slot = DOTNET_EXCEPTION_KEYS
        .iter()
        .copied()
        .find(|s| keys.get(*s).is_some_and(non_blank_string))?;
    let text = keys.take_string(slot)?;
    Some(with_stack_fallbacks(None, None, Some(text)))
}

/// pino v2: top-level `stack` (multi-line, first line `Type: message`) with an optional `type`.
/// A `stack` that does not look like a stack trace (e.g. a CloudFormation stack name) is left.
fn read_top_level_stack(keys: &mut Keys<'_>, line_message: Option<&str>) -> Option<ErrorInfo> {
    let looks_like_stack = |v: &Member<'_>| {
        v.as_str().is_some_and(|s| {
            s.contains('\n') && s.lines().next().and_then(split_error_line).is_some()
        })
    };
    let stack = keys
        .take_when(Slot::Stack, looks_like_stack)?
        .into_string()?;
    let top_type = keys.take_string(Slot::Type);
    let first = stack.lines().next().and_then(split_error_line);
    let kind = top_type.or_else(|| first.map(|(k, _)| k.to_owned()));
    let message = first
        .and_then(|(_, m)| m)
        .or(line_message)
        .map(str::to_owned);
    Some(ErrorInfo {
        kind,
        message,
        stacktrace: Some(stack),
    })
}

/// Fills a missing type or message from the stack's first line (`TypeError: boom`).
fn with_stack_fallbacks(
    kind: Option<String>,
    message: Option<String>,
    stack: Option<String>,
) -> ErrorInfo {
    let first = stack
        .as_deref()
        .and_then(|s| s.lines().next())
        .and_then(split_error_line);
    let kind = kind.or_else(|| first.map(|(k, _)| k.to_owned()));
    let message = message.or_else(|| first.and_then(|(_, m)| m).map(str::to_owned));
    ErrorInfo {
        kind,
        message,
        stacktrace: stack,
    }
}

/// [`is_stack`] of a member value.
fn is_stack_member(v: &Member<'_>) -> bool {
    match v {
        Member::Str(s) => !s.trim().is_empty(),
        Member::Json(v) => is_stack(v),
    }
}

/// `TypeError: boom` → (`TypeError`, `boom`); `KeyboardInterrupt` → (`KeyboardInterrupt`, –).
/// `None` when the part before `: ` is not a type name (qualified names allowed).
pub(crate) fn split_error_line(line: &str) -> Option<(&str, Option<&str>)> {
    let line = line.trim();
    match line.split_once(": ") {
        Some((head, tail)) => is_type_name(head).then(|| (head, non_blank(tail))),
        None => is_type_name(line).then_some((line, None)),
    }
}

/// The message after `<name>: ` on a traceback line, wherever the name sits on it.
fn message_after_type<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    if name.is_empty() {
        return None;
    }
    line.match_indices(name)
        .find_map(|(i, _)| line.get(i + name.len()..)?.strip_prefix(": "))
        .and_then(non_blank)
}

/// Type and message of a traceback's last line, also when the frame text precedes them on the
/// same line (`… in <module> RuntimeError: msg`).
fn last_type_and_message(line: &str) -> Option<(&str, Option<&str>)> {
    if let Some(found) = split_error_line(line) {
        return Some(found);
    }
    let (head, tail) = line.split_once(": ")?;
    let kind = head.rsplit(char::is_whitespace).next()?;
    is_type_name(kind).then(|| (kind, non_blank(tail)))
}

fn non_blank(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// A (possibly qualified) type name: `Error`, `java.lang.IllegalStateException`, `Runtime.ExitError`.
fn is_type_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_split_into_type_and_message() {
        assert_eq!(
            split_error_line("TypeError: boom"),
            Some(("TypeError", Some("boom")))
        );
        assert_eq!(
            split_error_line("requests.exceptions.HTTPError: 500 Server Error: x"),
            Some(("requests.exceptions.HTTPError", Some("500 Server Error: x")))
        );
        assert_eq!(
            split_error_line("KeyboardInterrupt"),
            Some(("KeyboardInterrupt", None))
        );
        assert_eq!(split_error_line("Something went wrong: sorry"), None);
        assert_eq!(split_error_line(""), None);
    }

    #[test]
    fn traceback_message_follows_the_named_type() {
        let line =
            "  File \"<input>\", line 2, in <module> RuntimeError: Unable to fullfil request";
        assert_eq!(
            message_after_type(line, "RuntimeError"),
            Some("Unable to fullfil request")
        );
        assert_eq!(
            last_type_and_message(line),
            Some(("RuntimeError", Some("Unable to fullfil request")))
        );
        assert_eq!(message_after_type("HTTPErrorX", "HTTPError"), None);
    }
}
