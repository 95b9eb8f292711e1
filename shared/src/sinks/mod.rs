//! Thin async adapters over AWS and OpenSearch (feature `aws`): OpenSearch `_bulk` with SigV4 /
//! basic / no auth and S3 dead letters, CloudWatch `PutMetricData`. Every decision they make
//! (what to retry, what to split, what to dead-letter) is a pure function in
//! [`crate::delivery`], tested without a socket.

pub mod cloudwatch;
