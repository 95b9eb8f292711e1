//! Retries for AWS calls: one pure classification of an error (retry, re-describe, not found,
//! broken deploy, give up), exponential backoff with full jitter (`shiplog::backoff`, the one retry toolkit), and the retry loop that also
//! takes a token from the client-side rate limiter before every attempt.
//!
//! The SDK clients are built with their own retries disabled ([`crate::deps`]) so that this is
//! the one retry layer: the SDK's standard mode does not retry `OperationAbortedException`,
//! `LimitExceededException` must not be blindly retried (it can mean "no free filter slot"), and
//! a refusal for the log group's class (`InvalidOperationException`) is never retried.

use crate::rate::RateLimiter;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use shiplog::backoff::{Backoff, BackoffPolicy};
use shiplog::subscribe::event::class_in_message;
use std::future::Future;
use std::time::Duration;

/// Error codes that mean "slow down or try again".
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "OperationAbortedException",
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServerError",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// The message CloudWatch Logs answers when it cannot invoke a Lambda destination.
pub const NOT_INVOKABLE_MESSAGE: &str = "Could not execute the lambda function";

/// What a failed call means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttling, `OperationAbortedException`, 5xx, transport: retry with backoff.
    Transient,
    /// `LimitExceededException`: throttling or no free slot; the caller re-describes.
    LimitExceeded,
    /// `ResourceNotFoundException`.
    NotFound,
    /// The operation is not valid for this log group (`InvalidOperationException`, or an
    /// `InvalidParameterException` naming a log group class): the group's class takes no
    /// subscription filter. Skip and report; never retried.
    UnsupportedClass,
    /// CloudWatch Logs cannot invoke the destination function: the deploy is broken.
    DestinationNotInvokable,
    /// Anything else: give up.
    Permanent,
}

/// A failed call, classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {code}: {message} (after {attempts} attempt(s))")]
pub struct CallError {
    /// The API operation.
    pub operation: &'static str,
    /// Its class.
    pub class: ErrorClass,
    /// Error code (or the transport failure kind).
    pub code: String,
    /// Error message.
    pub message: String,
    /// Attempts made.
    pub attempts: u32,
}

/// Classifies an error by code, message and HTTP status (pure).
pub fn classify_code(code: Option<&str>, message: Option<&str>, status: Option<u16>) -> ErrorClass {
    match code {
        Some("LimitExceededException") => ErrorClass::LimitExceeded,
        Some("ResourceNotFoundException") => ErrorClass::NotFound,
        Some("InvalidOperationException") => ErrorClass::UnsupportedClass,
        Some("InvalidParameterException") if message.is_some_and(names_a_class) => {
            ErrorClass::UnsupportedClass
        }
        Some("InvalidParameterException")
            if message.is_some_and(|m| m.contains(NOT_INVOKABLE_MESSAGE)) =>
        {
            ErrorClass::DestinationNotInvokable
        }
        Some(code) if TRANSIENT_CODES.contains(&code) => ErrorClass::Transient,
        _ if status.is_some_and(|s| s >= 500 || s == 429) => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    }
}

/// Whether an error message is about the log group's class.
fn names_a_class(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    class_in_message(message).is_some()
        || lower.contains("log-group-class")
        || lower.contains("log group class")
        || lower.contains("loggroupclass")
}

/// Classifies an SDK error of any operation.
pub fn classify<E>(operation: &'static str, error: &SdkError<E>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let (class, code, message) = match error {
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            let status = Some(context.raw().status().as_u16());
            let class = classify_code(service_error.code(), service_error.message(), status);
            let code = service_error
                .code()
                .map(str::to_owned)
                .or_else(|| status.map(|s| format!("HTTP {s}")))
                .unwrap_or_else(|| "Unknown".to_owned());
            let message = service_error
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| service_error.to_string());
            (class, code, message)
        }
        SdkError::TimeoutError(_) => (
            ErrorClass::Transient,
            "Timeout".to_owned(),
            format!("{error:?}"),
        ),
        SdkError::DispatchFailure(failure) => (
            ErrorClass::Transient,
            "DispatchFailure".to_owned(),
            format!("{failure:?}"),
        ),
        SdkError::ResponseError(_) => (
            ErrorClass::Transient,
            "ResponseError".to_owned(),
            format!("{error:?}"),
        ),
        _ => (
            ErrorClass::Permanent,
            "SdkError".to_owned(),
            format!("{error:?}"),
        ),
    };
    CallError {
        operation,
        class,
        code,
        message,
        attempts: 1,
    }
}

/// Runs `call` until it succeeds, fails non-transiently, or `policy.max_attempts` are spent,
/// taking a rate-limiter token before every attempt and sleeping with full jitter between.
pub async fn with_retry<T, E, F, Fut>(
    operation: &'static str,
    policy: &BackoffPolicy,
    limiter: &RateLimiter,
    call: F,
) -> Result<T, CallError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E>>>,
    E: ProvideErrorMetadata + std::error::Error,
{
    let mut backoff = Backoff::from_entropy(*policy);
    let mut attempt: u32 = 0;
    loop {
        limiter.acquire().await;
        let error = match call().await {
            Ok(value) => return Ok(value),
            Err(error) => classify(operation, &error),
        };
        attempt += 1;
        let delay = match backoff.delay(attempt, Duration::MAX) {
            Ok(delay) if error.class == ErrorClass::Transient => delay,
            _ => {
                return Err(CallError {
                    attempts: attempt,
                    ..error
                })
            }
        };
        tracing::debug!(operation, attempt, delay_ms = delay.as_millis() as u64, code = %error.code, "retrying");
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_aborted_and_5xx_are_transient() {
        assert_eq!(
            classify_code(Some("ThrottlingException"), None, Some(400)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify_code(Some("OperationAbortedException"), None, Some(400)),
            ErrorClass::Transient
        );
        assert_eq!(classify_code(None, None, Some(503)), ErrorClass::Transient);
        assert_eq!(
            classify_code(Some("SomethingNew"), None, Some(500)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify_code(Some("AccessDeniedException"), None, Some(400)),
            ErrorClass::Permanent
        );
    }

    #[test]
    fn limit_exceeded_is_not_blindly_retried() {
        assert_eq!(
            classify_code(
                Some("LimitExceededException"),
                Some("Resource limit exceeded."),
                Some(400)
            ),
            ErrorClass::LimitExceeded
        );
    }

    #[test]
    fn a_refusal_for_the_group_class_is_its_own_class_and_not_transient() {
        assert_eq!(
            classify_code(
                Some("InvalidOperationException"),
                Some("PutSubscriptionFilter is not supported for log-group-class DELIVERY"),
                Some(400)
            ),
            ErrorClass::UnsupportedClass
        );
        assert_eq!(
            classify_code(Some("InvalidOperationException"), None, Some(400)),
            ErrorClass::UnsupportedClass
        );
        assert_eq!(
            classify_code(
                Some("InvalidParameterException"),
                Some("Subscription filters are not supported for log groups in the INFREQUENT_ACCESS class"),
                Some(400)
            ),
            ErrorClass::UnsupportedClass
        );
    }

    #[test]
    fn could_not_execute_the_lambda_function_means_a_broken_deploy() {
        assert_eq!(
            classify_code(
                Some("InvalidParameterException"),
                Some("Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function."),
                Some(400)
            ),
            ErrorClass::DestinationNotInvokable
        );
        assert_eq!(
            classify_code(
                Some("InvalidParameterException"),
                Some("bad pattern"),
                Some(400)
            ),
            ErrorClass::Permanent
        );
    }
}
