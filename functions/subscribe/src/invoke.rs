//! Self-invocation that continues a backfill: an asynchronous `Invoke` (InvocationType `Event`)
//! of this very function with the continuation event. Asynchronous, so this invocation ends now
//! and the next one gets a full timeout.

use crate::retry::{classify, CallError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use aws_sdk_lambda::Client;
use shiplog::subscribe::continuation::Continuation;

/// HTTP status Lambda answers an accepted asynchronous invocation with.
const ACCEPTED: i32 = 202;

/// Why the continuation could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The invocation context carried no function ARN.
    #[error("no invoked function ARN in the invocation context")]
    NoFunctionArn,
    /// The call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// Lambda answered something else than 202 Accepted.
    #[error("Invoke answered status {0}, not 202")]
    NotAccepted(i32),
}

/// Invokes `function_arn` asynchronously with `continuation`.
pub async fn invoke_self(
    client: &Client,
    function_arn: &str,
    continuation: &Continuation,
) -> Result<(), InvokeError> {
    if function_arn.is_empty() {
        return Err(InvokeError::NoFunctionArn);
    }
    let payload = continuation.to_event().to_string();
    let output = client
        .invoke()
        .function_name(function_arn)
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(payload.into_bytes()))
        .send()
        .await
        .map_err(|e| classify("Invoke", &e))?;
    match output.status_code() {
        ACCEPTED => Ok(()),
        other => Err(InvokeError::NotAccepted(other)),
    }
}
