//! Benchmark support (issue 9): the deterministic workload generator, the floor, the stubbed
//! transport and the cost model used by `shiplog bench` and the criterion benches.
//!
//! Pure and deterministic like the rest of the core: no clock, no I/O. The CLI times and prints.
//!
//! - [`workload`]: realistic subscription payloads (Node.js and Python text, Powertools JSON,
//!   the Lambda JSON log format, MONITORING lines in every dialect, multi-line stack traces,
//!   START/END/REPORT with XRAY), wrapped as `{"awslogs":{"data":…}}` Lambda events.
//! - [`floor`]: base64 + gunzip + borrowed JSON parse + writing the same bytes: the least work.
//! - [`transport`]: delivery with the network stubbed out: the shipped bulk builder (chunks gzip'd
//!   while written) and PutMetricData preparation, then the bytes are dropped.
//! - [`cost`]: Lambda, PutMetricData and own-log costs per GB from measured figures.

pub mod cost;
pub mod floor;
pub mod lines;
pub mod rng;
pub mod transport;
pub mod workload;

pub use floor::{Floor, FloorOutcome};
pub use transport::{Delivery, StubTransport};
pub use workload::{generate, generate_payload, GeneratedPayload, LineFamily, WorkloadSpec};
