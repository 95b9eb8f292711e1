//! # shiplog bench kit
//!
//! The floor, the stubbed transport and the cost model used by `shiplog bench` and the criterion
//! benches (`benches/`). Kept out of the production library: the Lambda functions never link it.
//!
//! Pure and deterministic like the core: no clock, no I/O. The CLI times and prints.
//!
//! - the workload itself comes from the core's test support, `shiplog::testing::workload`
//!   (the core's own tests use it too).
//! - [`floor`]: base64 + gunzip + borrowed JSON parse, then writing the very `_bulk` bytes the
//!   pipeline emitted and gzip'ing them: the least work any shipper of these documents must do.
//! - [`transport`]: delivery with the network stubbed out: the shipped bulk builder (chunks gzip'd
//!   while written) and PutMetricData preparation, then the bytes are dropped.
//! - [`cost`]: Lambda, PutMetricData and own-log costs per GB from measured figures.

pub mod cost;
pub mod floor;
pub mod transport;

pub use floor::{Floor, FloorOutcome};
pub use transport::{Delivery, StubTransport};
