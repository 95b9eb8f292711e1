//! The HTTP side of OpenSearch: one pooled HTTP client per container, one authenticated request
//! at a time (SigV4 / basic / none, from [`super::auth`]). A transport failure comes back as an
//! [`ItemError`] of shiplog's own reason, with status 0.

use super::auth::{Auth, AuthError};
use crate::error_chain;
use shiplog::delivery::item::{FailureReason, ItemError};
use std::time::Duration;

/// Idle pooled connections are dropped after this (below the usual 60 s server/LB idle timeouts).
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(55);
/// TCP connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `Content-Type` of `_bulk` bodies.
pub(super) const NDJSON: &str = "application/x-ndjson";
/// `Content-Type` of JSON bodies.
pub(super) const JSON: &str = "application/json";

/// Errors building the client.
#[derive(Debug, thiserror::Error)]
pub enum OpenSearchError {
    /// The endpoint URL is unusable.
    #[error("OpenSearch endpoint {url:?}: {detail}")]
    Endpoint {
        /// The URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// DescribeDomain failed or gave no endpoint.
    #[error("DescribeDomain {domain}: {detail}")]
    Domain {
        /// Domain name.
        domain: String,
        /// What went wrong.
        detail: String,
    },
    /// Authentication could not be set up.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// SigV4 needs a region.
    #[error("SigV4 needs an AWS region (AWS_REGION)")]
    NoRegion,
    /// SigV4 needs a credentials provider.
    #[error("SigV4 needs AWS credentials; no credentials provider is configured")]
    NoCredentials,
    /// `basic` without a secret id.
    #[error("auth basic needs a Secrets Manager secret id")]
    NoSecret,
    /// The HTTP client could not be built (TLS setup).
    #[error("HTTP client: {0}")]
    HttpClient(String),
}

/// An HTTP answer.
pub(super) struct Answer {
    /// HTTP status.
    pub(super) status: u16,
    /// The body.
    pub(super) body: Vec<u8>,
}

/// The authenticated HTTP client of one endpoint.
#[derive(Debug)]
pub(super) struct HttpClient {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    auth: Auth,
}

/// The `Host` header value for `url` (host, plus the port when not the scheme's default).
fn host_header(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

impl HttpClient {
    /// A client for `endpoint` (`https://host[:port]`, or `http://` for loopback tests).
    pub(super) fn new(endpoint: &str, auth: Auth) -> Result<Self, OpenSearchError> {
        let trimmed = endpoint.trim().trim_end_matches('/');
        let url = reqwest::Url::parse(trimmed).map_err(|e| OpenSearchError::Endpoint {
            url: endpoint.to_owned(),
            detail: e.to_string(),
        })?;
        let host = host_header(&url).ok_or_else(|| OpenSearchError::Endpoint {
            url: endpoint.to_owned(),
            detail: "no host".to_owned(),
        })?;
        let http = reqwest::Client::builder()
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(Duration::from_secs(30))
            .build()
            .map_err(|e| OpenSearchError::HttpClient(error_chain(&e)))?;
        Ok(HttpClient {
            http,
            endpoint: trimmed.to_owned(),
            host,
            auth,
        })
    }

    /// The endpoint URL in use.
    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One authenticated request. Transport failures come back as an [`ItemError`] with status 0.
    pub(super) async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        content_encoding: Option<&str>,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Answer, ItemError> {
        let url = format!("{}{path}", self.endpoint);
        let mut signed: Vec<(&str, &str)> = vec![("host", self.host.as_str())];
        if let Some(ct) = content_type {
            signed.push(("content-type", ct));
        }
        if let Some(ce) = content_encoding {
            signed.push(("content-encoding", ce));
        }
        let auth_headers = self
            .auth
            .headers(method.as_str(), &url, &signed, &body)
            .await
            .map_err(|e| ItemError::transport(FailureReason::AuthError, e.to_string()))?;
        let mut req = self.http.request(method, &url).timeout(timeout);
        for (k, v) in signed.iter().filter(|(k, _)| *k != "host") {
            req = req.header(*k, *v);
        }
        for (k, v) in &auth_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let exchange = async {
            let resp = req.body(body).send().await?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await?;
            Ok::<_, reqwest::Error>(Answer {
                status,
                body: bytes.to_vec(),
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => {
                let why = if e.is_timeout() {
                    FailureReason::Timeout
                } else if e.is_connect() {
                    FailureReason::ConnectionError
                } else {
                    FailureReason::TransportError
                };
                Err(ItemError::transport(why, error_chain(&e)))
            }
            Err(_) => Err(ItemError::transport(
                FailureReason::Timeout,
                format!("no answer within {timeout:?}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_keeps_non_default_ports() {
        let u = reqwest::Url::parse("http://127.0.0.1:9200/x").unwrap();
        assert_eq!(host_header(&u).as_deref(), Some("127.0.0.1:9200"));
        let u = reqwest::Url::parse("https://search-x.es.amazonaws.com:443").unwrap();
        assert_eq!(
            host_header(&u).as_deref(),
            Some("search-x.es.amazonaws.com")
        );
        let u = reqwest::Url::parse("http://[::1]:9200").unwrap();
        assert_eq!(host_header(&u).as_deref(), Some("[::1]:9200"));
    }

    #[test]
    fn an_endpoint_without_host_is_refused() {
        assert!(matches!(
            HttpClient::new("not a url", Auth::None),
            Err(OpenSearchError::Endpoint { .. })
        ));
    }
}
