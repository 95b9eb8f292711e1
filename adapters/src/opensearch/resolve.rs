//! Endpoint and secret resolution, once per container: a managed domain's endpoint from
//! DescribeDomain, the basic-auth secret from Secrets Manager, region and credentials provider
//! for SigV4 from the AWS configuration.

use super::auth::{Auth, SigV4Service};
use super::client::OpenSearchError;
use super::config::{self, AuthMode, EndpointSource, OpenSearchConfig};
use super::delivery::{DeliveryOptions, OpenSearchClient};
use crate::{error_chain, SdkConfig};

impl OpenSearchClient {
    /// A client from the environment configuration: resolves `OPENSEARCH_DOMAIN` with
    /// DescribeDomain, reads the basic-auth secret, takes region and credentials from `sdk`.
    pub async fn connect(
        config: &OpenSearchConfig,
        sdk: &SdkConfig,
    ) -> Result<Self, OpenSearchError> {
        let endpoint = match &config.endpoint {
            EndpointSource::Url(u) => u.clone(),
            EndpointSource::Domain(d) => {
                resolve_domain(&aws_sdk_opensearch::Client::new(sdk), d).await?
            }
        };
        let auth = resolve_auth(config.auth, config.secret_id.as_deref(), sdk).await?;
        OpenSearchClient::new(&endpoint, auth, DeliveryOptions::from_config(config))
    }
}

/// The [`Auth`] for `mode`: reads the basic-auth secret from Secrets Manager (once), or takes
/// region and credentials provider from `sdk` for SigV4.
pub async fn resolve_auth(
    mode: AuthMode,
    secret_id: Option<&str>,
    sdk: &SdkConfig,
) -> Result<Auth, OpenSearchError> {
    Ok(match mode {
        AuthMode::None => Auth::None,
        AuthMode::Basic => {
            let id = secret_id.ok_or(OpenSearchError::NoSecret)?;
            Auth::basic_from_secrets_manager(&aws_sdk_secretsmanager::Client::new(sdk), id).await?
        }
        AuthMode::SigV4 | AuthMode::SigV4Aoss => {
            let region = sdk.region().ok_or(OpenSearchError::NoRegion)?;
            let provider = sdk
                .credentials_provider()
                .ok_or(OpenSearchError::NoCredentials)?;
            let service = if mode == AuthMode::SigV4Aoss {
                SigV4Service::Aoss
            } else {
                SigV4Service::Es
            };
            Auth::sigv4(service, region.as_ref(), provider)
        }
    })
}

/// Resolves a managed domain's endpoint URL with DescribeDomain (VPC endpoint when present).
pub async fn resolve_domain(
    client: &aws_sdk_opensearch::Client,
    domain: &str,
) -> Result<String, OpenSearchError> {
    let out = client
        .describe_domain()
        .domain_name(domain)
        .send()
        .await
        .map_err(|e| OpenSearchError::Domain {
            domain: domain.to_owned(),
            detail: error_chain(&e),
        })?;
    let status = out.domain_status();
    config::domain_endpoint_url(
        status.and_then(|s| s.endpoint()),
        status.and_then(|s| s.endpoints()),
        status.and_then(|s| s.endpoint_v2()),
    )
    .ok_or_else(|| OpenSearchError::Domain {
        domain: domain.to_owned(),
        detail: "the domain has no endpoint yet (still being created?)".to_owned(),
    })
}
