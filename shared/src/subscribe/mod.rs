//! # The `subscribe` decisions (pure)
//!
//! Everything the `subscribe` Lambda decides, without I/O and without AWS SDK types: the adapter
//! in `functions/subscribe` describes the world (log groups, their filters and tags, account
//! policies), calls these functions, and carries out what they return.
//!
//! ```text
//! Lambda event ─► event::detect ─► Inbound::{CloudTrail, Scheduled, CustomResource, Continuation}
//!   CloudTrail ─► event::decide_new_group (+ selection) ─► reconcile one group
//!   Scheduled / CustomResource / Continuation ─► reconcile all (selection per listed group)
//!   one group ─► filters::decide ─► Create | Update | Unchanged | AlreadyShipped
//!             ─► put answered LimitExceededException ─► filters::after_limit_exceeded
//!                ─► Changed (decide again) | NoFreeSlot (skip, report) | Retry
//!             ─► retention::decide ─► PutRetentionPolicy or not
//!   outcomes ─► report::Totals, report::VisibilityEvent, custom_resource::CustomResourceResponse
//! ```
//!
//! Modules: [`destination`] (what `DESTINATION_ARN` points at), [`selection`] (which groups),
//! [`event`] (event shapes, the lenient CloudTrail struct), [`filters`] (one group's reconcile),
//! [`retention`], [`continuation`] (cursor and hop counter of a backfill that outlives one
//! invocation), [`custom_resource`] (CloudFormation request and response body), [`report`]
//! (counts and EventBridge visibility events), [`account_policy`] (account-level mode).

pub mod account_policy;
pub mod continuation;
pub mod custom_resource;
pub mod destination;
pub mod event;
pub mod filters;
mod lenient;
pub mod report;
pub mod retention;
pub mod selection;

pub use continuation::{Continuation, Cursor};
pub use destination::{Destination, DestinationKind};
pub use event::{decide_new_group, detect, Inbound, NewGroupDecision};
pub use filters::{DesiredFilter, ExistingFilter, FilterDecision, LimitVerdict};
pub use report::{GroupOutcome, Totals};
pub use selection::{Exclusion, Selection};
