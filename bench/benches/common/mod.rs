//! Shared setup of the criterion benches: quick settings (CI runs `cargo bench --no-run`; a
//! local `cargo bench` finishes in a couple of minutes) and small deterministic inputs. Each
//! bench uses a part of it.
#![allow(dead_code)]

use criterion::Criterion;
use shiplog::testing::workload::{self, WorkloadSpec};
use std::time::Duration;

/// Samples per benchmark (criterion's minimum is 10).
const SAMPLES: usize = 10;
/// Measurement time per benchmark.
const MEASUREMENT: Duration = Duration::from_millis(1500);
/// Warm-up time per benchmark.
const WARM_UP: Duration = Duration::from_millis(300);

/// Criterion configured for quick runs.
pub(crate) fn quick() -> Criterion {
    Criterion::default()
        .sample_size(SAMPLES)
        .measurement_time(MEASUREMENT)
        .warm_up_time(WARM_UP)
}

/// One payload of each function flavour, 1 000 events each (the default seed).
pub(crate) fn spec() -> WorkloadSpec {
    WorkloadSpec {
        payloads: workload::Flavor::ALL.len(),
        events_per_payload: 1_000,
        ..WorkloadSpec::default()
    }
}

/// The payload index of each flavour in [`spec`]'s cycle (first occurrence).
pub(crate) fn payload_of(flavor: workload::Flavor) -> usize {
    (0..10)
        .find(|&i| workload::Flavor::of_payload(i) == flavor)
        .unwrap_or(0)
}
