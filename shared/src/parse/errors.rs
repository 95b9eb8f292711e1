//! TODO(helper): error reports inside plain text bodies (Java stack traces, Python tracebacks).

use crate::model::ErrorInfo;

/// Finds an error report (exception type, message, stack) in a text body.
pub fn detect(_body: &str) -> Option<ErrorInfo> {
    None
}
