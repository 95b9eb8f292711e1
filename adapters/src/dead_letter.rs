//! Dead letters in S3 (`DEAD_LETTER_BUCKET`): written by [`crate::opensearch::ship()`] when
//! documents could not be indexed, listed and read back by `shiplog redrive`. The key and the
//! object format are pure ([`shiplog::delivery::dead_letter`]).

use crate::{error_chain, SdkConfig};
use aws_sdk_s3::primitives::ByteStream;
use shiplog::delivery::dead_letter::{self, DeadLetterEntry, DeadLetterError};
use shiplog::time::EpochMillis;

/// `Content-Type` of dead-letter objects (gzip'd NDJSON).
const CONTENT_TYPE: &str = "application/gzip";

/// Errors talking to the dead-letter bucket.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterWriteError {
    /// The entries could not be encoded.
    #[error("encoding the dead letter: {0}")]
    Encode(#[from] DeadLetterError),
    /// PutObject failed.
    #[error("PutObject s3://{bucket}/{key}: {detail}")]
    Put {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// SDK error.
        detail: String,
    },
    /// ListObjectsV2 failed.
    #[error("ListObjectsV2 s3://{bucket}/{prefix}: {detail}")]
    List {
        /// Bucket.
        bucket: String,
        /// Prefix.
        prefix: String,
        /// SDK error.
        detail: String,
    },
    /// GetObject failed.
    #[error("GetObject s3://{bucket}/{key}: {detail}")]
    Get {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// SDK error.
        detail: String,
    },
    /// The object is not a dead letter.
    #[error("s3://{bucket}/{key}: {source}")]
    Decode {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Why.
        source: DeadLetterError,
    },
    /// DeleteObject failed.
    #[error("DeleteObject s3://{bucket}/{key}: {detail}")]
    Delete {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// SDK error.
        detail: String,
    },
}

/// The dead-letter bucket.
#[derive(Debug, Clone)]
pub struct DeadLetterStore {
    s3: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
}

impl DeadLetterStore {
    /// A store over an S3 client.
    pub fn new(s3: aws_sdk_s3::Client, bucket: &str) -> Self {
        DeadLetterStore {
            s3,
            bucket: bucket.to_owned(),
            prefix: dead_letter::DEAD_LETTER_PREFIX.to_owned(),
        }
    }

    /// Writes under `prefix` instead of `shiplog/dead-letter/` (`DEAD_LETTER_PREFIX`).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// The key prefix new dead letters are written under.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A store with an S3 client from `sdk` (path-style addressing when a custom endpoint such as
    /// a local emulator is configured).
    pub fn from_sdk_config(sdk: &SdkConfig, bucket: &str) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        DeadLetterStore::new(aws_sdk_s3::Client::from_conf(conf), bucket)
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Writes `entries` as `<prefix>YYYY/MM/DD/<request id>.ndjson.gz` (dated `at`); returns the
    /// key.
    pub async fn write(
        &self,
        request_id: &str,
        at: EpochMillis,
        entries: &[DeadLetterEntry],
    ) -> Result<String, DeadLetterWriteError> {
        let key = dead_letter::object_key(&self.prefix, at, request_id);
        let body = dead_letter::encode(entries)?;
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(CONTENT_TYPE)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| DeadLetterWriteError::Put {
                bucket: self.bucket.clone(),
                key: key.clone(),
                detail: error_chain(&e),
            })?;
        Ok(key)
    }

    /// Keys under `prefix`, in key order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, DeadLetterWriteError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| DeadLetterWriteError::List {
                    bucket: self.bucket.clone(),
                    prefix: prefix.to_owned(),
                    detail: error_chain(&e),
                })?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Reads one dead-letter object.
    pub async fn read(&self, key: &str) -> Result<Vec<DeadLetterEntry>, DeadLetterWriteError> {
        let get_err = |detail: String| DeadLetterWriteError::Get {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            detail,
        };
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| get_err(error_chain(&e)))?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| get_err(error_chain(&e)))?
            .into_bytes();
        dead_letter::decode(&bytes).map_err(|source| DeadLetterWriteError::Decode {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            source,
        })
    }

    /// Deletes one object (after a complete redrive).
    pub async fn delete(&self, key: &str) -> Result<(), DeadLetterWriteError> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| DeadLetterWriteError::Delete {
                bucket: self.bucket.clone(),
                key: key.to_owned(),
                detail: error_chain(&e),
            })?;
        Ok(())
    }
}
