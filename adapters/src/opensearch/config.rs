//! OpenSearch delivery configuration, parsed once by a pure function over an environment lookup.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `OPENSEARCH_ENDPOINT` | URL of the cluster (`https://…`; `http://` only to a loopback host or with auth `none`) | — |
//! | `OPENSEARCH_DOMAIN` | managed domain name, resolved once with DescribeDomain (VPC endpoint when present) | — |
//! | `OPENSEARCH_AUTH` | `sigv4` (service `es`), `sigv4-aoss` (Serverless), `basic`, `none` | `sigv4` |
//! | `OPENSEARCH_SECRET_ARN` | Secrets Manager secret (ARN or name) with `{"username","password"}`, for `basic` | — |
//! | `INDEX_PREFIX` | daily indices `<prefix>-YYYY.MM.DD`; the index template is named after it | `shiplog` |
//! | `OPENSEARCH_GZIP` | gzip request bodies (`true`/`false`) | `true` |
//! | `OPENSEARCH_BULK_MAX_BYTES` | uncompressed bytes per `_bulk` request | 5 MiB |
//! | `OPENSEARCH_BULK_MAX_ACTIONS` | documents per `_bulk` request | 5000 |
//! | `OPENSEARCH_MANAGE_TEMPLATE` | install/upgrade the index template (`true`/`false`) | `true` |
//! | `OPENSEARCH_DOCUMENT_IDS` | send `_id` = CloudWatch event id (`false` for Serverless time-series collections: at-least-once) | `true` |
//! | `DEAD_LETTER_BUCKET` | S3 bucket for documents that could not be indexed | — |
//! | `DEAD_LETTER_PREFIX` | key prefix of dead letters (ends with `/`) | `shiplog/dead-letter/` |
//!
//! Exactly one of `OPENSEARCH_ENDPOINT` and `OPENSEARCH_DOMAIN` must be set.

use shiplog::config_value;
use shiplog::delivery::bulk::ChunkLimits;
use shiplog::delivery::dead_letter::DEAD_LETTER_PREFIX;
use shiplog::delivery::encoding::Compression;
use shiplog::pipeline::DEFAULT_INDEX_PREFIX;
use std::collections::HashMap;

/// `OPENSEARCH_ENDPOINT`.
pub const ENDPOINT_ENV: &str = "OPENSEARCH_ENDPOINT";
/// `OPENSEARCH_DOMAIN`.
pub const DOMAIN_ENV: &str = "OPENSEARCH_DOMAIN";
/// `OPENSEARCH_AUTH`.
pub const AUTH_ENV: &str = "OPENSEARCH_AUTH";
/// `OPENSEARCH_SECRET_ARN`.
pub const SECRET_ARN_ENV: &str = "OPENSEARCH_SECRET_ARN";
/// `INDEX_PREFIX`.
pub const INDEX_PREFIX_ENV: &str = "INDEX_PREFIX";
/// `OPENSEARCH_GZIP`.
pub const GZIP_ENV: &str = "OPENSEARCH_GZIP";
/// `OPENSEARCH_BULK_MAX_BYTES`.
pub const BULK_MAX_BYTES_ENV: &str = "OPENSEARCH_BULK_MAX_BYTES";
/// `OPENSEARCH_BULK_MAX_ACTIONS`.
pub const BULK_MAX_ACTIONS_ENV: &str = "OPENSEARCH_BULK_MAX_ACTIONS";
/// `OPENSEARCH_MANAGE_TEMPLATE`.
pub const MANAGE_TEMPLATE_ENV: &str = "OPENSEARCH_MANAGE_TEMPLATE";
/// `OPENSEARCH_DOCUMENT_IDS`.
pub const DOCUMENT_IDS_ENV: &str = "OPENSEARCH_DOCUMENT_IDS";
/// `DEAD_LETTER_BUCKET`.
pub const DEAD_LETTER_BUCKET_ENV: &str = "DEAD_LETTER_BUCKET";
/// `DEAD_LETTER_PREFIX`.
pub const DEAD_LETTER_PREFIX_ENV: &str = "DEAD_LETTER_PREFIX";

/// How requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// SigV4, service `es` (managed domains).
    #[default]
    SigV4,
    /// SigV4, service `aoss`, with `x-amz-content-sha256` (OpenSearch Serverless).
    SigV4Aoss,
    /// HTTP basic, credentials from Secrets Manager.
    Basic,
    /// No authentication (local clusters).
    None,
}

impl AuthMode {
    /// Parses `sigv4` | `sigv4-aoss` | `basic` | `none` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sigv4" => Some(AuthMode::SigV4),
            "sigv4-aoss" => Some(AuthMode::SigV4Aoss),
            "basic" => Some(AuthMode::Basic),
            "none" => Some(AuthMode::None),
            _ => None,
        }
    }

    /// The configuration word.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::SigV4 => "sigv4",
            AuthMode::SigV4Aoss => "sigv4-aoss",
            AuthMode::Basic => "basic",
            AuthMode::None => "none",
        }
    }
}

/// Where the cluster is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// A URL.
    Url(String),
    /// A managed domain name to resolve with DescribeDomain.
    Domain(String),
}

/// Everything the OpenSearch delivery needs from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSearchConfig {
    /// Endpoint URL or domain.
    pub endpoint: EndpointSource,
    /// Authentication mode.
    pub auth: AuthMode,
    /// Secrets Manager secret for `basic`.
    pub secret_id: Option<String>,
    /// Index prefix.
    pub index_prefix: String,
    /// Request body encoding.
    pub compression: Compression,
    /// Bounds of one `_bulk` request.
    pub chunk_limits: ChunkLimits,
    /// Install/upgrade the index template.
    pub manage_template: bool,
    /// Actions carry `_id` = the CloudWatch event id (exactly-once); off for Serverless
    /// time-series collections (at-least-once).
    pub document_ids: bool,
    /// Dead-letter bucket.
    pub dead_letter_bucket: Option<String>,
    /// Key prefix of dead letters (ends with `/`).
    pub dead_letter_prefix: String,
}

/// Every configuration problem found, reported at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OpenSearch configuration: {}", problems.join("; "))]
pub struct ConfigError {
    /// One sentence per problem.
    pub problems: Vec<String>,
}

/// A switch, or `None` after noting the problem.
fn parse_bool(name: &str, v: &str, problems: &mut Vec<String>) -> Option<bool> {
    let parsed = config_value::parse_bool(v);
    if parsed.is_none() {
        problems.push(config_value::bool_problem(name, v));
    }
    parsed
}

fn parse_positive(name: &str, v: &str, problems: &mut Vec<String>) -> Option<usize> {
    match v.trim().parse::<usize>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            problems.push(format!("{name} must be a positive integer, got {v:?}"));
            None
        }
    }
}

/// Whether `host` (from a URL) is a loopback host.
fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks an endpoint URL: `https://host[:port][/]`, or `http://` to a loopback host or without
/// authentication. Returns the URL without a trailing slash.
pub fn check_endpoint_url(url: &str, auth: AuthMode) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| format!("endpoint {url:?} is not a URL (https://host[:port])"))?;
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.is_empty() => h,
        _ => authority,
    };
    if host.is_empty() {
        return Err(format!("endpoint {url:?} has no host"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(trimmed.to_owned()),
        "http" if is_loopback_host(host) || auth == AuthMode::None => Ok(trimmed.to_owned()),
        "http" => Err(format!(
            "endpoint {url:?}: plain http is only allowed to a loopback host or with auth none (credentials would travel in clear)"
        )),
        other => Err(format!("endpoint {url:?}: unsupported scheme {other:?}")),
    }
}

impl OpenSearchConfig {
    /// Parses the configuration from an environment lookup (`|k| std::env::var(k).ok()`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let mut problems = Vec::new();
        let auth = match get(AUTH_ENV) {
            None => AuthMode::default(),
            Some(v) => AuthMode::parse(&v).unwrap_or_else(|| {
                problems.push(format!(
                    "{AUTH_ENV} must be sigv4, sigv4-aoss, basic or none, got {v:?}"
                ));
                AuthMode::default()
            }),
        };
        let endpoint = match (get(ENDPOINT_ENV), get(DOMAIN_ENV)) {
            (Some(url), None) => match check_endpoint_url(&url, auth) {
                Ok(u) => Some(EndpointSource::Url(u)),
                Err(p) => {
                    problems.push(format!("{ENDPOINT_ENV}: {p}"));
                    None
                }
            },
            (None, Some(domain)) => Some(EndpointSource::Domain(domain.trim().to_owned())),
            (Some(_), Some(_)) => {
                problems.push(format!("set {ENDPOINT_ENV} or {DOMAIN_ENV}, not both"));
                None
            }
            (None, None) => {
                problems.push(format!(
                    "set {ENDPOINT_ENV} (URL) or {DOMAIN_ENV} (managed domain name)"
                ));
                None
            }
        };
        let secret_id = get(SECRET_ARN_ENV);
        if auth == AuthMode::Basic && secret_id.is_none() {
            problems.push(format!("{AUTH_ENV}=basic needs {SECRET_ARN_ENV} (credentials never come from plain environment variables)"));
        }
        let compression = match get(GZIP_ENV).map(|v| parse_bool(GZIP_ENV, &v, &mut problems)) {
            Some(Some(false)) => Compression::None,
            _ => Compression::Gzip,
        };
        let defaults = ChunkLimits::default();
        let chunk_limits = ChunkLimits {
            max_bytes: get(BULK_MAX_BYTES_ENV)
                .and_then(|v| parse_positive(BULK_MAX_BYTES_ENV, &v, &mut problems))
                .unwrap_or(defaults.max_bytes),
            max_actions: get(BULK_MAX_ACTIONS_ENV)
                .and_then(|v| parse_positive(BULK_MAX_ACTIONS_ENV, &v, &mut problems))
                .unwrap_or(defaults.max_actions),
        };
        let manage_template = get(MANAGE_TEMPLATE_ENV)
            .and_then(|v| parse_bool(MANAGE_TEMPLATE_ENV, &v, &mut problems))
            .unwrap_or(true);
        let document_ids = get(DOCUMENT_IDS_ENV)
            .and_then(|v| parse_bool(DOCUMENT_IDS_ENV, &v, &mut problems))
            .unwrap_or(true);
        let dead_letter_prefix = match get(DEAD_LETTER_PREFIX_ENV) {
            None => DEAD_LETTER_PREFIX.to_owned(),
            Some(p) if p.starts_with('/') => {
                problems.push(format!(
                    "{DEAD_LETTER_PREFIX_ENV} must not start with '/', got {p:?}"
                ));
                DEAD_LETTER_PREFIX.to_owned()
            }
            Some(p) if p.ends_with('/') => p,
            Some(p) => format!("{p}/"),
        };
        let index_prefix = get(INDEX_PREFIX_ENV).unwrap_or_else(|| DEFAULT_INDEX_PREFIX.to_owned());
        match endpoint {
            Some(endpoint) if problems.is_empty() => Ok(OpenSearchConfig {
                endpoint,
                auth,
                secret_id,
                index_prefix,
                compression,
                chunk_limits,
                manage_template,
                document_ids,
                dead_letter_bucket: get(DEAD_LETTER_BUCKET_ENV),
                dead_letter_prefix,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}

/// The endpoint URL of a managed domain from its DescribeDomain status: the VPC endpoint when
/// present (`endpoints["vpc"]`, then `endpoints["vpcv2"]`), else the public endpoint, else the
/// dual-stack one. DescribeDomain gives host names; the URL is `https://<host>`.
pub fn domain_endpoint_url(
    endpoint: Option<&str>,
    endpoints: Option<&HashMap<String, String>>,
    endpoint_v2: Option<&str>,
) -> Option<String> {
    let vpc = endpoints.and_then(|m| m.get("vpc").or(m.get("vpcv2")).map(String::as_str));
    let host = vpc.or(endpoint).or(endpoint_v2)?.trim();
    if host.is_empty() {
        return None;
    }
    if host.starts_with("https://") {
        return Some(host.trim_end_matches('/').to_owned());
    }
    Some(format!("https://{}", host.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::config_value::fixed_lookup as env;

    #[test]
    fn defaults_with_an_endpoint() {
        let c = OpenSearchConfig::from_lookup(env(&[(
            ENDPOINT_ENV,
            "https://search-x.eu-west-1.es.amazonaws.com/",
        )]))
        .unwrap();
        assert_eq!(
            c.endpoint,
            EndpointSource::Url("https://search-x.eu-west-1.es.amazonaws.com".into())
        );
        assert_eq!(c.auth, AuthMode::SigV4);
        assert_eq!(c.compression, Compression::Gzip);
        assert_eq!(c.chunk_limits, ChunkLimits::default());
        assert_eq!(c.index_prefix, "shiplog");
        assert!(c.manage_template);
        assert!(c.document_ids);
        assert_eq!(c.dead_letter_bucket, None);
        assert_eq!(c.dead_letter_prefix, "shiplog/dead-letter/");
    }

    #[test]
    fn every_setting_is_read() {
        let c = OpenSearchConfig::from_lookup(env(&[
            (DOMAIN_ENV, "logs"),
            (AUTH_ENV, "basic"),
            (
                SECRET_ARN_ENV,
                "arn:aws:secretsmanager:eu-west-1:1:secret:os",
            ),
            (INDEX_PREFIX_ENV, "acme"),
            (GZIP_ENV, "false"),
            (BULK_MAX_BYTES_ENV, "1000000"),
            (BULK_MAX_ACTIONS_ENV, "100"),
            (MANAGE_TEMPLATE_ENV, "off"),
            (DOCUMENT_IDS_ENV, "false"),
            (DEAD_LETTER_BUCKET_ENV, "dlq"),
            (DEAD_LETTER_PREFIX_ENV, "dead-letter"),
        ]))
        .unwrap();
        assert_eq!(c.endpoint, EndpointSource::Domain("logs".into()));
        assert_eq!(c.auth, AuthMode::Basic);
        assert_eq!(c.compression, Compression::None);
        assert_eq!(
            c.chunk_limits,
            ChunkLimits {
                max_bytes: 1_000_000,
                max_actions: 100
            }
        );
        assert!(!c.manage_template);
        assert!(!c.document_ids);
        assert_eq!(c.index_prefix, "acme");
        assert_eq!(c.dead_letter_bucket.as_deref(), Some("dlq"));
        assert_eq!(c.dead_letter_prefix, "dead-letter/");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = OpenSearchConfig::from_lookup(env(&[
            (AUTH_ENV, "basic"),
            (GZIP_ENV, "maybe"),
            (BULK_MAX_BYTES_ENV, "0"),
        ]))
        .unwrap_err();
        assert_eq!(err.problems.len(), 4, "{err}");
        let text = err.to_string();
        for needle in [ENDPOINT_ENV, SECRET_ARN_ENV, GZIP_ENV, BULK_MAX_BYTES_ENV] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        let both =
            OpenSearchConfig::from_lookup(env(&[(ENDPOINT_ENV, "https://a"), (DOMAIN_ENV, "b")]))
                .unwrap_err();
        assert!(both.to_string().contains("not both"));
        let bad_auth = OpenSearchConfig::from_lookup(env(&[
            (ENDPOINT_ENV, "https://a"),
            (AUTH_ENV, "kerberos"),
        ]))
        .unwrap_err();
        assert!(bad_auth.to_string().contains("kerberos"));
    }

    #[test]
    fn plain_http_only_to_loopback_or_without_auth() {
        assert!(check_endpoint_url("http://127.0.0.1:9200", AuthMode::SigV4).is_ok());
        assert!(check_endpoint_url("http://localhost:9200/", AuthMode::Basic).is_ok());
        assert!(check_endpoint_url("http://[::1]:9200", AuthMode::Basic).is_ok());
        assert!(check_endpoint_url("http://opensearch:9200", AuthMode::None).is_ok());
        assert!(check_endpoint_url("http://search.example.com", AuthMode::Basic).is_err());
        assert!(check_endpoint_url("ftp://x", AuthMode::None).is_err());
        assert!(check_endpoint_url("search.example.com", AuthMode::None).is_err());
        assert!(check_endpoint_url("https://", AuthMode::None).is_err());
    }

    #[test]
    fn auth_words_round_trip() {
        for m in [
            AuthMode::SigV4,
            AuthMode::SigV4Aoss,
            AuthMode::Basic,
            AuthMode::None,
        ] {
            assert_eq!(AuthMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(AuthMode::parse("SIGV4"), Some(AuthMode::SigV4));
    }

    #[test]
    fn domain_endpoint_prefers_the_vpc_endpoint() {
        let mut vpc = HashMap::new();
        vpc.insert(
            "vpc".to_owned(),
            "vpc-logs-abc.eu-west-1.es.amazonaws.com".to_owned(),
        );
        assert_eq!(
            domain_endpoint_url(
                Some("search-logs.eu-west-1.es.amazonaws.com"),
                Some(&vpc),
                None
            )
            .as_deref(),
            Some("https://vpc-logs-abc.eu-west-1.es.amazonaws.com")
        );
        assert_eq!(
            domain_endpoint_url(Some("search-logs.eu-west-1.es.amazonaws.com"), None, None)
                .as_deref(),
            Some("https://search-logs.eu-west-1.es.amazonaws.com")
        );
        assert_eq!(
            domain_endpoint_url(None, None, Some("x.aos.eu-west-1.on.aws")).as_deref(),
            Some("https://x.aos.eu-west-1.on.aws")
        );
        assert_eq!(domain_endpoint_url(None, None, None), None);
    }
}
