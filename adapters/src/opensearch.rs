//! The OpenSearch `_bulk` adapter: a thin async shell over [`shiplog::delivery`], by concern:
//!
//! - `client`: the pooled HTTP client and one authenticated request (with [`auth`]);
//! - `template`: the index template, ensured once per container;
//! - `delivery`: the delivery loop ([`OpenSearchClient::deliver`]: send, classify, retry, split,
//!   salvage, give up);
//! - `resolve`: endpoint and secret resolution ([`OpenSearchClient::connect`], [`resolve_auth`],
//!   [`resolve_domain`]), from the environment configuration ([`config`]);
//! - `ship`: [`ship`], delivery then the dead letter, the one path of the ship-logs Lambda and
//!   `shiplog replay --to-opensearch`.
//!
//! Dependencies run one way: auth → client → template → delivery → resolve → ship.
//!
//! Build one [`OpenSearchClient`] per container: its HTTP connection pool (keep-alive), resolved
//! endpoint, basic-auth secret and SigV4 credentials cache are reused across warm invocations,
//! and it ensures the index template once.

pub mod auth;
mod client;
pub mod config;
mod delivery;
mod resolve;
mod ship;
mod template;

pub use auth::{Auth, AuthError, SigV4Service};
pub use client::{OpenSearchError, CONNECT_TIMEOUT, POOL_IDLE_TIMEOUT};
pub use config::{AuthMode, ConfigError, EndpointSource, OpenSearchConfig};
pub use delivery::{Delivery, DeliveryOptions, OpenSearchClient, Outcome, DEFAULT_REQUEST_TIMEOUT};
pub use resolve::{resolve_auth, resolve_domain};
pub use ship::{ship, DocumentDestination, OpenSearchShipper, ShipError};
pub use template::{TemplateStatus, TEMPLATE_RETRY_INTERVAL, TEMPLATE_TIMEOUT};
