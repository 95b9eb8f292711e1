//! # `subscribe` — the "deploy once, every new function is shipped" Lambda
//!
//! A thin async shell over the pure decisions of [`shiplog::subscribe`]:
//!
//! - [`config`]: environment → [`config::Config`], once, every problem at once.
//! - [`handler`]: event shape → flow (new group, backfill, CloudFormation, continuation).
//! - [`reconcile`]: carries out the decisions against CloudWatch Logs, deadline-aware.
//! - [`logs`]: the CloudWatch Logs adapter; [`retry`] (classification, backoff with full
//!   jitter) and [`rate`] (client-side rate limit) under it.
//! - [`events`] (EventBridge visibility events), [`invoke`] (self-invocation that continues a
//!   backfill), [`cfn`] (custom-resource response), [`deps`] (clients built once),
//!   [`telemetry`] (JSON logs).

pub mod cfn;
pub mod config;
pub mod deps;
pub mod events;
pub mod handler;
pub mod invoke;
pub mod logs;
pub mod rate;
pub mod reconcile;
pub mod retry;
pub mod telemetry;

#[cfg(test)]
mod test_support;
