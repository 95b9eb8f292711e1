//! Shipping: delivery, then the dead letter for what is left. [`ship`] is the one path every
//! shipper takes (the ship-logs Lambda through [`OpenSearchShipper`], `shiplog replay
//! --to-opensearch` directly): `Ok` when every document is in OpenSearch or in a dead letter;
//! `Err` only when leftovers could not be written (the caller fails, Lambda's retry re-delivers,
//! and deterministic `_id`s make that safe).

use super::client::OpenSearchError;
use super::config::OpenSearchConfig;
use super::delivery::{Delivery, OpenSearchClient, Outcome};
use crate::dead_letter::{DeadLetterStore, DeadLetterWriteError};
use crate::{now_millis, SdkConfig};
use shiplog::delivery::bulk::Chunk;
use shiplog::delivery::item::ItemError;
use std::future::Future;
use std::time::Instant;

/// Errors returned by [`ship`]: documents were left over and could not be dead-lettered. The
/// caller should fail the invocation so that it is retried.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    /// No dead-letter bucket is configured.
    #[error("{count} document(s) could not be indexed and no dead-letter bucket is configured")]
    NoDeadLetterBucket {
        /// Documents left over.
        count: usize,
        /// `_id`s of the documents left over (a Kinesis or Firehose handler maps them back to
        /// the records that must be reported as failed).
        undelivered: Vec<String>,
        /// The last error of the first document left over.
        first_error: Option<Box<ItemError>>,
        /// What the delivery did.
        outcome: Box<Outcome>,
    },
    /// Writing the dead letter failed.
    #[error("{count} document(s) could not be indexed and the dead letter write failed: {source}")]
    DeadLetter {
        /// Documents left over.
        count: usize,
        /// The write error.
        source: Box<DeadLetterWriteError>,
        /// `_id`s of the documents left over.
        undelivered: Vec<String>,
        /// The last error of the first document left over.
        first_error: Option<Box<ItemError>>,
        /// What the delivery did.
        outcome: Box<Outcome>,
    },
}

impl ShipError {
    /// What the delivery did before failing.
    pub fn outcome(&self) -> &Outcome {
        match self {
            ShipError::NoDeadLetterBucket { outcome, .. }
            | ShipError::DeadLetter { outcome, .. } => outcome,
        }
    }

    /// `_id`s of the documents that are neither in OpenSearch nor in a dead letter.
    pub fn undelivered(&self) -> &[String] {
        match self {
            ShipError::NoDeadLetterBucket { undelivered, .. }
            | ShipError::DeadLetter { undelivered, .. } => undelivered,
        }
    }

    /// The last error of the first document left over.
    pub fn first_error(&self) -> Option<&ItemError> {
        match self {
            ShipError::NoDeadLetterBucket { first_error, .. }
            | ShipError::DeadLetter { first_error, .. } => first_error.as_deref(),
        }
    }
}

/// Delivers `chunks` and dead-letters what is left under `request_id`: `Ok` when every document
/// is in OpenSearch or in the dead letter; `Err` only when leftovers could not be written (fail
/// the invocation).
pub async fn ship(
    client: &OpenSearchClient,
    dead_letters: Option<&DeadLetterStore>,
    chunks: Vec<Chunk>,
    deadline: Instant,
    request_id: &str,
) -> Result<Outcome, ShipError> {
    let Delivery { mut outcome, dead } = client.deliver(chunks, deadline).await;
    if dead.is_empty() {
        return Ok(outcome);
    }
    let count = dead.len();
    let undelivered = || dead.iter().map(|d| d.id.clone()).collect();
    let first_error = dead.first().map(|d| Box::new(d.error.clone()));
    let Some(store) = dead_letters else {
        return Err(ShipError::NoDeadLetterBucket {
            count,
            undelivered: undelivered(),
            first_error,
            outcome: Box::new(outcome),
        });
    };
    match store.write(request_id, now_millis(), &dead).await {
        Ok(key) => {
            outcome.dead_letter_key = Some(key);
            Ok(outcome)
        }
        Err(source) => Err(ShipError::DeadLetter {
            count,
            source: Box::new(source),
            undelivered: undelivered(),
            first_error,
            outcome: Box::new(outcome),
        }),
    }
}

/// Where documents go: the seam the ship-logs handler is tested through (a recording fake
/// implements it in tests; [`OpenSearchShipper`] in production).
pub trait DocumentDestination {
    /// Ships `chunks` within `deadline`; leftovers are dead-lettered under `request_id`.
    fn ship(
        &self,
        chunks: Vec<Chunk>,
        deadline: Instant,
        request_id: &str,
    ) -> impl Future<Output = Result<Outcome, ShipError>> + Send;
}

/// OpenSearch plus its dead-letter store.
#[derive(Debug)]
pub struct OpenSearchShipper {
    /// The client.
    pub client: OpenSearchClient,
    /// The dead-letter store (`DEAD_LETTER_BUCKET`).
    pub dead_letters: Option<DeadLetterStore>,
}

impl OpenSearchShipper {
    /// Builds both from the environment configuration (once per container).
    pub async fn connect(
        config: &OpenSearchConfig,
        sdk: &SdkConfig,
    ) -> Result<Self, OpenSearchError> {
        let client = OpenSearchClient::connect(config, sdk).await?;
        let dead_letters = config.dead_letter_bucket.as_deref().map(|bucket| {
            DeadLetterStore::from_sdk_config(sdk, bucket).with_prefix(&config.dead_letter_prefix)
        });
        Ok(OpenSearchShipper {
            client,
            dead_letters,
        })
    }
}

impl DocumentDestination for OpenSearchShipper {
    async fn ship(
        &self,
        chunks: Vec<Chunk>,
        deadline: Instant,
        request_id: &str,
    ) -> Result<Outcome, ShipError> {
        ship(
            &self.client,
            self.dead_letters.as_ref(),
            chunks,
            deadline,
            request_id,
        )
        .await
    }
}
