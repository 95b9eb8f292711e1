//! Request authentication: SigV4 with `aws-sigv4` (service `es`, or `aoss` with
//! `x-amz-content-sha256`), HTTP basic (credentials read once from Secrets Manager), or none.

use crate::error_chain;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use std::time::{Duration, SystemTime};

/// Cached SigV4 credentials are refreshed this long before they expire.
pub const CREDENTIALS_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Errors while authenticating a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials could be had from the provider chain.
    #[error("no AWS credentials for SigV4: {0}")]
    Credentials(String),
    /// The request could not be signed.
    #[error("SigV4 signing failed: {0}")]
    Signing(String),
    /// The Secrets Manager secret could not be read or is not `{"username","password"}`.
    #[error("basic-auth secret {secret_id}: {detail}")]
    Secret {
        /// Secret name or ARN.
        secret_id: String,
        /// What went wrong.
        detail: String,
    },
}

/// SigV4 signing service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigV4Service {
    /// `es`: managed OpenSearch domains.
    Es,
    /// `aoss`: OpenSearch Serverless (adds `x-amz-content-sha256`).
    Aoss,
}

impl SigV4Service {
    /// The signing name.
    pub fn name(self) -> &'static str {
        match self {
            SigV4Service::Es => "es",
            SigV4Service::Aoss => "aoss",
        }
    }
}

/// SigV4 credentials source with a small cache (the SDK's default chain does not cache by itself
/// outside SDK clients).
#[derive(Debug)]
pub struct SigV4 {
    service: SigV4Service,
    region: String,
    provider: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

/// How requests are authenticated (resolved: secrets read, providers built).
#[derive(Debug)]
pub enum Auth {
    /// No authentication.
    None,
    /// `Authorization: Basic …`.
    Basic {
        /// The full header value.
        header: String,
    },
    /// SigV4.
    SigV4(SigV4),
}

impl Auth {
    /// HTTP basic with these credentials.
    pub fn basic(username: &str, password: &str) -> Self {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        Auth::Basic {
            header: format!("Basic {token}"),
        }
    }

    /// HTTP basic from a Secrets Manager secret string `{"username":…,"password":…}`.
    pub fn basic_from_secret_json(secret_id: &str, json: &str) -> Result<Self, AuthError> {
        #[derive(serde::Deserialize)]
        struct Secret {
            username: String,
            password: String,
        }
        let s: Secret = serde_json::from_str(json).map_err(|e| AuthError::Secret {
            secret_id: secret_id.to_owned(),
            // Never the serde message: it may quote the secret's values.
            detail: format!(
                "not {{\"username\",\"password\"}} JSON ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        })?;
        Ok(Auth::basic(&s.username, &s.password))
    }

    /// HTTP basic with credentials read (once) from Secrets Manager.
    pub async fn basic_from_secrets_manager(
        client: &aws_sdk_secretsmanager::Client,
        secret_id: &str,
    ) -> Result<Self, AuthError> {
        let out = client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| AuthError::Secret {
                secret_id: secret_id.to_owned(),
                detail: error_chain(&e),
            })?;
        let json = out.secret_string().ok_or_else(|| AuthError::Secret {
            secret_id: secret_id.to_owned(),
            detail: "the secret has no SecretString".to_owned(),
        })?;
        Auth::basic_from_secret_json(secret_id, json)
    }

    /// SigV4 for `service` in `region` with credentials from `provider`.
    pub fn sigv4(service: SigV4Service, region: &str, provider: SharedCredentialsProvider) -> Self {
        Auth::SigV4(SigV4 {
            service,
            region: region.to_owned(),
            provider,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// The headers to add to a request (`name`, `value`). `headers` are the request's own
    /// headers that must be signed (host, content-type, content-encoding).
    pub async fn headers(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, AuthError> {
        match self {
            Auth::None => Ok(Vec::new()),
            Auth::Basic { header } => Ok(vec![("authorization".to_owned(), header.clone())]),
            Auth::SigV4(s) => {
                let creds = s.credentials().await?;
                sigv4_headers(
                    &creds,
                    &s.region,
                    s.service,
                    method,
                    url,
                    headers,
                    body,
                    SystemTime::now(),
                )
            }
        }
    }
}

impl SigV4 {
    async fn credentials(&self) -> Result<Credentials, AuthError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|exp| exp > SystemTime::now() + CREDENTIALS_REFRESH_MARGIN);
            if fresh {
                return Ok(c.clone());
            }
        }
        let creds = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| AuthError::Credentials(error_chain(&e)))?;
        *cached = Some(creds.clone());
        Ok(creds)
    }
}

/// The SigV4 headers (`x-amz-date`, `authorization`, `x-amz-security-token` when the credentials
/// have a session token, and `x-amz-content-sha256` for `aoss`) for one request signed at `time`.
#[allow(clippy::too_many_arguments)]
pub fn sigv4_headers(
    creds: &Credentials,
    region: &str,
    service: SigV4Service,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(String, String)>, AuthError> {
    let identity = creds.clone().into();
    let mut settings = SigningSettings::default();
    if service == SigV4Service::Aoss {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service.name())
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| AuthError::Signing(e.to_string()))?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| AuthError::Signing(e.to_string()))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| AuthError::Signing(e.to_string()))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    const T: u64 = 1_714_881_662; // 2024-05-05T04:01:02Z

    #[test]
    fn es_signature_covers_host_content_headers_and_date() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(T);
        let h = sigv4_headers(
            &creds(None),
            "eu-west-1",
            SigV4Service::Es,
            "POST",
            "https://search-x.eu-west-1.es.amazonaws.com/_bulk",
            &[
                ("host", "search-x.eu-west-1.es.amazonaws.com"),
                ("content-type", "application/x-ndjson"),
                ("content-encoding", "gzip"),
            ],
            b"body",
            time,
        )
        .unwrap();
        assert_eq!(header(&h, "x-amz-date"), Some("20240505T040102Z"));
        let auth = header(&h, "authorization").unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240505/eu-west-1/es/aws4_request, SignedHeaders=content-encoding;content-type;host;x-amz-date, Signature="), "{auth}");
        assert_eq!(header(&h, "x-amz-content-sha256"), None);
        assert_eq!(header(&h, "x-amz-security-token"), None);
    }

    #[test]
    fn aoss_adds_the_payload_hash_and_session_tokens_are_sent() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(T);
        let h = sigv4_headers(
            &creds(Some("TOKEN")),
            "us-east-1",
            SigV4Service::Aoss,
            "POST",
            "https://abc.us-east-1.aoss.amazonaws.com/_bulk",
            &[("host", "abc.us-east-1.aoss.amazonaws.com")],
            b"",
            time,
        )
        .unwrap();
        // sha256 of the empty body.
        assert_eq!(
            header(&h, "x-amz-content-sha256"),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(header(&h, "x-amz-security-token"), Some("TOKEN"));
        assert!(header(&h, "authorization")
            .unwrap()
            .contains("/us-east-1/aoss/aws4_request"));
    }

    #[test]
    fn signatures_depend_on_the_body() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(T);
        let sign_body = |b: &[u8]| {
            let h = sigv4_headers(
                &creds(None),
                "eu-west-1",
                SigV4Service::Es,
                "POST",
                "https://h/_bulk",
                &[("host", "h")],
                b,
                time,
            )
            .unwrap();
            header(&h, "authorization").unwrap().to_owned()
        };
        assert_ne!(sign_body(b"a"), sign_body(b"b"));
        assert_eq!(sign_body(b"a"), sign_body(b"a"));
    }

    #[test]
    fn basic_header_and_secret_parsing() {
        let Auth::Basic { header } = Auth::basic("admin", "p@ss:word") else {
            panic!()
        };
        assert_eq!(header, "Basic YWRtaW46cEBzczp3b3Jk");
        assert!(matches!(
            Auth::basic_from_secret_json("s", r#"{"username":"u","password":"p"}"#),
            Ok(Auth::Basic { .. })
        ));
        let err = Auth::basic_from_secret_json("s", r#"{"user":"u"}"#).unwrap_err();
        assert!(err.to_string().contains("basic-auth secret s"));
        // The secret's content never appears in the error.
        let err =
            Auth::basic_from_secret_json("s", r#"{"username":"u","password":12345}"#).unwrap_err();
        assert!(!err.to_string().contains("12345"));
    }
}
