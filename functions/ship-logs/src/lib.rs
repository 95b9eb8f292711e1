//! # `ship-logs` — the production Lambda
//!
//! A thin async shell over the pure core of [`shiplog`]: CloudWatch Logs subscription payloads
//! (direct `awslogs`, Kinesis Data Streams records, Firehose transformation records; the shape
//! is detected from the event) become OpenSearch documents and CloudWatch metrics.
//!
//! - [`config`]: environment → [`config::Config`], once, every problem at once.
//! - [`deps`]: the pipeline (correlation cache), OpenSearch client, dead-letter store and metrics
//!   destination, built once per container.
//! - [`handler`]: one invocation: parse (into the core's
//!   [`shiplog::delivery::shipping::ShippingSink`]), ship and publish concurrently, answer.
//! - [`response`]: per-record verdicts and the Kinesis / Firehose answers (pure).
//! - [`telemetry`]: JSON logs at `warn`, one summary line and one self-metrics line at most.
//!
//! Configuration, error semantics and answers are documented in `docs/ship-logs.md`.

pub mod config;
pub mod deps;
pub mod handler;
pub mod response;
pub mod telemetry;
