//! Error reports inside plain text bodies: Java / .NET / Node.js stack traces and Python
//! tracebacks written inside one log event.
//!
//! Detection is conservative: a body must span several lines and carry a real stack (a
//! `Traceback (most recent call last):` header, or an exception line followed by `at …(…)`
//! frames). A single `Type: message` line is not enough: `Sent: stocks: asx.db is ready` and
//! `LAMBDA_WARNING: Unhandled exception.` are ordinary messages. Pretty-printed JSON and
//! environment dumps have no frame lines, so they never produce an error.

pub mod report;

use crate::model::ErrorInfo;

/// Longest exception type name accepted (`org.example.deeply.nested.SomethingException`).
pub const MAX_EXCEPTION_TYPE_BYTES: usize = 256;

/// The header Python prints before the frames of a traceback.
const PYTHON_TRACEBACK_HEADER: &str = "Traceback (most recent call last):";

/// Prefix the JVM prints before an uncaught exception of a thread.
const JAVA_THREAD_PREFIX: &str = "Exception in thread \"";

/// Finds an error report (exception type, message, stack) in a text body.
pub fn detect(body: &str) -> Option<ErrorInfo> {
    // Every stack spans several lines: single-line bodies are decided by one memchr.
    memchr::memchr(b'\n', body.as_bytes())?;
    java_runtime_report(body)
        .or_else(|| python_traceback(body))
        .or_else(|| stack_with_frames(body))
}

/// The Java runtime's own event for an unhandled exception (`UserFault.reportableError` of the
/// runtime interface client, logged at ERROR in the JSON log format):
/// `<message>: <exception class>\n<printStackTrace output>`, e.g.
/// `woops: java.lang.RuntimeException\njava.lang.RuntimeException: woops\n\tat …`. Recognised by
/// its first line ending in `: <class>` and the stack's first line starting with that class.
pub fn java_runtime_report(body: &str) -> Option<ErrorInfo> {
    let (first, stack) = body.split_once('\n')?;
    let (message, class) = first.rsplit_once(": ")?;
    let class = class.trim_end();
    let qualified = class.contains('.') && looks_like_exception_type(class);
    let stack_head = stack.strip_prefix(class)?;
    if !qualified || !(stack_head.is_empty() || stack_head.starts_with([':', '\n', '\r'])) {
        return None;
    }
    let message = message.trim();
    Some(error_info(
        class,
        (!message.is_empty() && message != class).then_some(message),
        stack,
    ))
}

/// True when `s` has the shape of an exception type name: a (possibly dotted) identifier such
/// as `ZeroDivisionError`, `Runtime.ImportModuleError`, `java.lang.IllegalStateException` or
/// `Namespace.Outer+InnerException` (.NET nested types). No spaces, no trailing dot.
pub fn looks_like_exception_type(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    b.len() <= MAX_EXCEPTION_TYPE_BYTES
        && (first.is_ascii_alphabetic() || first == b'_' || first == b'$')
        && b.last() != Some(&b'.')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b'+' | b'`'))
}

/// Splits an exception line `Type: message` (or a bare `Type`) into its parts; `None` when the
/// line does not start with an exception type.
pub fn split_exception_line(line: &str) -> Option<(&str, Option<&str>)> {
    let (kind, message) = match line.split_once(':') {
        Some((kind, rest)) => (kind, Some(rest.trim())),
        None => (line.trim_end(), None),
    };
    if !looks_like_exception_type(kind) {
        return None;
    }
    Some((kind, message.filter(|m| !m.is_empty())))
}

/// Builds an [`ErrorInfo`] from an exception line and the stack text around it.
fn error_info(kind: &str, message: Option<&str>, stacktrace: &str) -> ErrorInfo {
    let stacktrace = stacktrace.trim_end();
    ErrorInfo {
        kind: Some(kind.to_owned()),
        message: message.map(str::to_owned),
        stacktrace: (!stacktrace.is_empty()).then(|| stacktrace.to_owned()),
    }
}

/// Lines of `s` with the byte offset where each starts.
fn lines_with_offsets(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split('\n').scan(0usize, |offset, line| {
        let start = *offset;
        *offset += line.len() + 1;
        Some((start, line))
    })
}

/// True when a line starts with indentation (space, tab, or the U+00A0 the Python runtime uses).
fn is_indented(line: &str) -> bool {
    line.starts_with(char::is_whitespace)
}

/// A Python traceback: `Traceback (most recent call last):`, indented frames, then the raised
/// exception `Type: message`. With chained exceptions the last traceback names the exception
/// that was raised; the stack text covers every traceback.
fn python_traceback(body: &str) -> Option<ErrorInfo> {
    let headers = memchr::memmem::find_iter(body.as_bytes(), PYTHON_TRACEBACK_HEADER)
        .filter(|&i| i == 0 || body.as_bytes().get(i - 1) == Some(&b'\n'));
    let mut first = None;
    let mut last = None;
    for i in headers {
        first.get_or_insert(i);
        last = Some(i);
    }
    let (first, last) = (first?, last?);
    let after_header = last + PYTHON_TRACEBACK_HEADER.len();
    let tail = body.get(after_header..)?;
    let mut end = after_header;
    for (offset, line) in lines_with_offsets(tail).skip(1) {
        let line_end = after_header + offset + line.len();
        if is_indented(line) {
            end = line_end;
            continue;
        }
        let stack = body.get(first..line_end).unwrap_or_default();
        return Some(match split_exception_line(line) {
            Some((kind, message)) => error_info(kind, message, stack),
            None => stack_only(body.get(first..end).unwrap_or_default()),
        });
    }
    // The runtime's own report of an unhandled error has no final exception line.
    Some(stack_only(body.get(first..end).unwrap_or_default()))
}

/// An error report that shows a stack but names no exception.
fn stack_only(stack: &str) -> ErrorInfo {
    let stack = stack.trim_end();
    ErrorInfo {
        kind: None,
        message: None,
        stacktrace: (!stack.is_empty()).then(|| stack.to_owned()),
    }
}

/// A stack frame line of Java (`\tat a.B.c(B.java:1)`), .NET (`   at A.B() in f.cs:line 3`) or
/// Node.js (`    at fn (/var/task/index.js:1:2)`): indented `at ` followed by a location that has
/// a parenthesis or a colon (so that `  at 5pm` in prose is not a frame).
fn is_frame_line(line: &str) -> bool {
    if !is_indented(line) {
        return false;
    }
    line.trim_start()
        .strip_prefix("at ")
        .is_some_and(|frame| frame.contains(['(', ':']))
}

/// Lines that continue a stack after its frames: more frames, `Caused by:` chains, `... 3 more`,
/// .NET `--- End of inner exception stack trace ---`.
fn continues_stack(line: &str) -> bool {
    is_indented(line)
        || line.starts_with("Caused by:")
        || line.starts_with("Suppressed:")
        || line.starts_with("---")
        || line.starts_with("...")
}

/// An exception line immediately followed by frame lines (Java, .NET, Node.js). The first such
/// exception is the outermost one; the stack text runs from it to the end of the frames.
fn stack_with_frames(body: &str) -> Option<ErrorInfo> {
    let mut lines = lines_with_offsets(body);
    let (mut prev_start, mut prev) = lines.next()?;
    for (start, line) in lines.by_ref() {
        if is_frame_line(line) {
            if let Some((kind, message)) = split_exception_line(strip_thread_prefix(prev)) {
                let frame_end = start + line.len();
                let mut end = frame_end;
                // The slice starts at the frame's `\n`: its first "line" is empty.
                for (offset, next) in lines_with_offsets(body.get(frame_end..)?).skip(1) {
                    if !continues_stack(next) {
                        break;
                    }
                    end = frame_end + offset + next.len();
                }
                return Some(error_info(kind, message, body.get(prev_start..end)?));
            }
        }
        prev_start = start;
        prev = line;
    }
    None
}

/// `Exception in thread "main" java.lang.X: msg` → `java.lang.X: msg`.
fn strip_thread_prefix(line: &str) -> &str {
    line.strip_prefix(JAVA_THREAD_PREFIX)
        .and_then(|rest| rest.split_once("\" "))
        .map_or(line, |(_, exception)| exception)
}

#[cfg(test)]
pub(crate) mod oracle;

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(body: &str) -> ErrorInfo {
        detect(body).unwrap_or_else(|| panic!("no error detected in {body:?}"))
    }

    #[test]
    fn java_stack_in_one_event_names_outer_exception() {
        let e = detected(
            "java.lang.IllegalStateException: closed\n\tat com.example.Pool.get(Pool.java:88)\n\
             \tat com.example.Api.handle(Api.java:12)",
        );
        assert_eq!(e.kind.as_deref(), Some("java.lang.IllegalStateException"));
        assert_eq!(e.message.as_deref(), Some("closed"));
        assert_eq!(e.stacktrace.as_deref().map(|s| s.lines().count()), Some(3));
    }

    #[test]
    fn java_runtime_unhandled_exception_event_names_class_and_message() {
        // UserFaultTest's expected reportableError texts (aws-lambda-java-libs).
        let e = detected(
            "woops: java.lang.RuntimeException\njava.lang.RuntimeException: woops\n\
             \tat testpkg.StackTraceHelper.throwRuntimeException(StackTraceHelper.java:8)\n",
        );
        assert_eq!(e.kind.as_deref(), Some("java.lang.RuntimeException"));
        assert_eq!(e.message.as_deref(), Some("woops"));
        assert_eq!(
            e.stacktrace.as_deref(),
            Some(
                "java.lang.RuntimeException: woops\n\
                 \tat testpkg.StackTraceHelper.throwRuntimeException(StackTraceHelper.java:8)"
            )
        );
        let no_frames = detected(
            "Name John Doe is invalid: java.lang.Exception\njava.lang.Exception: Name John Doe is invalid\n",
        );
        assert_eq!(no_frames.kind.as_deref(), Some("java.lang.Exception"));
        assert_eq!(
            no_frames.message.as_deref(),
            Some("Name John Doe is invalid")
        );
        assert_eq!(
            no_frames.stacktrace.as_deref(),
            Some("java.lang.Exception: Name John Doe is invalid")
        );
        // Ordinary two-line text whose first line ends in a dotted word is not the event.
        assert_eq!(java_runtime_report("see: docs.example\nthen more"), None);
        assert_eq!(java_runtime_report("a: b.C\nb.Cx: no"), None);
    }

    #[test]
    fn java_caused_by_chain_stays_in_the_stack() {
        let body = "Unable to process\njava.lang.IllegalArgumentException: java.lang.NullPointerException: boom\n\
                    \tat example.Handler.handleRequest(Handler.java:31)\n\
                    Caused by: java.lang.NullPointerException: boom\n\t... 3 more\nafter the stack";
        let e = detected(body);
        assert_eq!(
            e.kind.as_deref(),
            Some("java.lang.IllegalArgumentException")
        );
        assert_eq!(
            e.message.as_deref(),
            Some("java.lang.NullPointerException: boom")
        );
        let stack = e.stacktrace.unwrap_or_default();
        assert!(
            stack.starts_with("java.lang.IllegalArgumentException"),
            "{stack}"
        );
        assert!(stack.ends_with("\t... 3 more"), "{stack}");
    }

    #[test]
    fn java_uncaught_thread_exception_drops_thread_prefix() {
        let e = detected(
            "Exception in thread \"main\" java.lang.RuntimeException: x\n\tat a.B.c(B.java:1)",
        );
        assert_eq!(e.kind.as_deref(), Some("java.lang.RuntimeException"));
        assert_eq!(e.message.as_deref(), Some("x"));
    }

    #[test]
    fn dotnet_exception_after_message_line_is_found() {
        let e = detected(
            "Order failed\nSystem.InvalidOperationException: Sequence contains no elements\n   \
             at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at F.H(Order input) in \
             /src/Function.cs:line 31",
        );
        assert_eq!(e.kind.as_deref(), Some("System.InvalidOperationException"));
        assert_eq!(e.message.as_deref(), Some("Sequence contains no elements"));
        assert_eq!(e.stacktrace.as_deref().map(|s| s.lines().count()), Some(3));
    }

    #[test]
    fn node_error_without_message_is_reported_by_type() {
        let e = detected(
            "Error\n    at Runtime.module.exports.main [as handler] (/var/task/handler.js:23:17)\n    \
             at Runtime.handleOnce (/var/runtime/Runtime.js:66:25)",
        );
        assert_eq!(e.kind.as_deref(), Some("Error"));
        assert_eq!(e.message, None);
    }

    #[test]
    fn python_traceback_takes_the_final_exception_line() {
        let body = "[エラー通知] Something went wrong!\nTraceback (most recent call last):\n  \
                    File \"/var/task/f.py\", line 8, in handler\n    do_something()\n\
                    ZeroDivisionError: division by zero";
        let e = detected(body);
        assert_eq!(e.kind.as_deref(), Some("ZeroDivisionError"));
        assert_eq!(e.message.as_deref(), Some("division by zero"));
        let stack = e.stacktrace.unwrap_or_default();
        assert!(
            stack.starts_with("Traceback (most recent call last):"),
            "{stack}"
        );
        assert!(
            stack.ends_with("ZeroDivisionError: division by zero"),
            "{stack}"
        );
    }

    #[test]
    fn chained_python_traceback_reports_the_raised_exception() {
        let body = "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'x'\n\n\
                    During handling of the above exception, another exception occurred:\n\n\
                    Traceback (most recent call last):\n  File \"a.py\", line 3\n\
                    ValueError: bad";
        let e = detected(body);
        assert_eq!(e.kind.as_deref(), Some("ValueError"));
        assert_eq!(e.message.as_deref(), Some("bad"));
        assert!(e.stacktrace.unwrap_or_default().contains("KeyError: 'x'"));
    }

    #[test]
    fn python_traceback_with_nbsp_indent_and_no_final_line_keeps_the_stack() {
        let body = "oops\nTraceback (most recent call last):\n\u{a0}\u{a0}File \"f.py\", line 8";
        let e = detected(body);
        assert_eq!(e.kind, None);
        assert_eq!(
            e.stacktrace.as_deref(),
            Some("Traceback (most recent call last):\n\u{a0}\u{a0}File \"f.py\", line 8")
        );
    }

    #[test]
    fn ordinary_multiline_messages_are_not_errors() {
        let bodies = [
            "ENVIRONMENT VARIABLES\n{\n  \"PATH\": \"/var/lang/bin:/usr/bin\",\n  ...\n}",
            "EVENT: {\n  \"Records\": [\n    {\n      \"body\": \"Hello\"\n",
            "Summary:\n  at 5pm we meet\n  at noon we eat",
            "this is a two\nline log",
            "Error handling request\nplease retry",
            "Sent: stocks: asx.db is ready",
            "java.lang.IllegalStateException: closed",
        ];
        for body in bodies {
            assert_eq!(detect(body), None, "{body:?}");
        }
    }

    #[test]
    fn exception_type_shape_is_a_dotted_identifier() {
        for ok in [
            "Error",
            "Runtime.ImportModuleError",
            "java.lang.X",
            "Outer+Inner",
            "_E",
        ] {
            assert!(looks_like_exception_type(ok), "{ok}");
        }
        for bad in ["", "Order failed", "java.", "[x]", "1Error", "Grüße"] {
            assert!(!looks_like_exception_type(bad), "{bad}");
        }
    }

    #[test]
    fn corpus_java_and_multiline_records_meet_their_oracles() {
        oracle::check_file(
            include_str!("../../../tests/fixtures/corpus/04-multiline/single-event.jsonl"),
            oracle::SINGLE_EVENT_SKIPS,
        );
    }

    #[test]
    fn corpus_bad_lines_meet_their_oracles() {
        oracle::check_file(
            include_str!("../../../tests/fixtures/corpus/08-bad-inputs/lines-bad.jsonl"),
            oracle::LINES_BAD_SKIPS,
        );
    }

    proptest::proptest! {
        #[test]
        fn detect_never_panics(s in "(\\PC|\n|\t|\u{a0}){0,120}") {
            let _ = detect(&s);
        }

        #[test]
        fn detect_never_panics_on_stack_shapes(
            head in "[A-Za-z.é🚀]{0,12}(: [^\n]{0,8})?",
            frames in proptest::collection::vec("(\tat |   at |    at |  File |\u{a0}|Caused by: |\\.\\.\\. )[(:a-zé🚀\u{a0}]{0,10}", 0..5),
            tail in "(Traceback \\(most recent call last\\):)?[^\n]{0,10}",
        ) {
            let body = format!("{head}\n{}\n{tail}", frames.join("\n"));
            let _ = detect(&body);
        }
    }
}
