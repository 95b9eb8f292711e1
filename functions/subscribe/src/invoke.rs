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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::invoke::InvokeOutput;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use shiplog::subscribe::continuation::Cursor;
    use shiplog::subscribe::report::Totals;
    use std::sync::{Arc, Mutex};

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:shiplog-subscribe";

    fn continuation() -> Continuation {
        Continuation {
            run_id: "run-1".into(),
            hop: 3,
            cursor: Cursor {
                scan: 0,
                page_token: Some("next-page".into()),
                skip: 1,
            },
            totals: Totals {
                scanned: 9,
                ..Totals::default()
            },
        }
    }

    #[tokio::test]
    async fn continuation_is_an_asynchronous_self_invocation_carrying_the_cursor() {
        let payloads: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let record = Arc::clone(&payloads);
        let invoke = mock!(aws_sdk_lambda::Client::invoke)
            .match_requests(move |request| {
                record.lock().unwrap().push(
                    request
                        .payload()
                        .map(|p| p.as_ref().to_vec())
                        .unwrap_or_default(),
                );
                request.function_name() == Some(ARN)
                    && request.invocation_type() == Some(&InvocationType::Event)
            })
            .then_output(|| InvokeOutput::builder().status_code(202).build());
        let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&invoke]);
        invoke_self(&client, ARN, &continuation()).await.unwrap();
        assert_eq!(invoke.num_calls(), 1);
        let payload: serde_json::Value =
            serde_json::from_slice(&payloads.lock().unwrap()[0]).unwrap();
        assert_eq!(payload, continuation().to_event());
        assert_eq!(
            payload["shiplogContinuation"]["cursor"]["pageToken"],
            "next-page"
        );
    }

    #[tokio::test]
    async fn a_missing_function_arn_or_a_refused_invocation_is_an_error() {
        let invoke = mock!(aws_sdk_lambda::Client::invoke)
            .then_output(|| InvokeOutput::builder().status_code(200).build());
        let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&invoke]);
        assert_eq!(
            invoke_self(&client, "", &continuation()).await,
            Err(InvokeError::NoFunctionArn)
        );
        assert_eq!(
            invoke_self(&client, ARN, &continuation()).await,
            Err(InvokeError::NotAccepted(200))
        );
    }
}
