//! The CloudFormation custom-resource response: a PUT of the JSON body to the pre-signed S3
//! `ResponseURL`, retried a few times (without it the stack operation hangs for an hour).

use reqwest::header::CONTENT_TYPE;
use shiplog::subscribe::custom_resource::CustomResourceResponse;
use std::time::Duration;

/// Attempts to deliver the response.
pub const RESPONSE_ATTEMPTS: u32 = 3;
/// Pause after the first failed attempt (doubled after each).
pub const RESPONSE_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The response could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// Transport failure.
    #[error("PUT to the CloudFormation ResponseURL failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// Non-2xx answer.
    #[error("the CloudFormation ResponseURL answered HTTP {status}: {body}")]
    Status {
        /// Status code.
        status: u16,
        /// Start of the body.
        body: String,
    },
}

/// Bytes of an error body kept in the error.
const ERROR_BODY_BYTES: usize = 300;

/// PUTs `response` to `url`. The pre-signed URL is signed without a content type, so the body
/// is sent with an empty `Content-Type`, as CloudFormation's own helper does.
pub async fn send_response(
    http: &reqwest::Client,
    url: &str,
    response: &CustomResourceResponse,
) -> Result<(), ResponseError> {
    let body = response.to_body();
    let mut pause = RESPONSE_RETRY_PAUSE;
    let mut attempt = 1;
    loop {
        match put_once(http, url, body.clone()).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt >= RESPONSE_ATTEMPTS => return Err(error),
            Err(error) => {
                tracing::warn!(%error, attempt, "CloudFormation response failed; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
        }
    }
}

async fn put_once(http: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<(), ResponseError> {
    let answer = http
        .put(url)
        .header(CONTENT_TYPE, "")
        .body(body)
        .send()
        .await?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let text = answer.text().await.unwrap_or_default();
    Err(ResponseError::Status {
        status: status.as_u16(),
        body: prefix(&text, ERROR_BODY_BYTES).to_owned(),
    })
}

/// At most `max` bytes of `text`, cut at a char boundary.
fn prefix(text: &str, max: usize) -> &str {
    text.get(..text.floor_char_boundary(max))
        .unwrap_or_default()
}
