//! What an invocation costs: the AWS Lambda price table (us-east-1, on-demand) and the estimate
//! of one invocation's cost from its REPORT numbers. Used by the usage metrics and the spans.

use crate::model::Report;
use std::str::FromStr;

/// The date the price table below was checked against the AWS Lambda pricing page.
pub const PRICE_TABLE_DATE: &str = "2026-11-21";

/// Price of a request, US dollars (us-east-1: $0.20 per million requests, both architectures).
pub const PRICE_PER_REQUEST_USD: f64 = 0.20 / 1_000_000.0;
/// Price of a GB-second on x86_64, US dollars (us-east-1, first tier: the first 6 billion
/// GB-seconds of a month).
pub const PRICE_PER_GB_SECOND_X86_64_USD: f64 = 0.000_016_666_7;
/// Price of a GB-second on arm64 (Graviton), US dollars (us-east-1, first tier: the first 7.5
/// billion GB-seconds of a month).
pub const PRICE_PER_GB_SECOND_ARM64_USD: f64 = 0.000_013_333_4;
/// Megabytes in the "GB" of a GB-second (Lambda counts 1 GB = 1024 MB: 128 MB is 0.125 GB).
const MB_PER_GB: f64 = 1024.0;
/// Milliseconds in a second.
const MS_PER_SECOND: f64 = 1000.0;

/// Instruction set of the monitored functions (the REPORT line does not say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Architecture {
    /// x86_64 (Lambda's default).
    #[default]
    X86_64,
    /// arm64 (Graviton).
    Arm64,
}

impl Architecture {
    /// Price of a GB-second in US dollars (see the constants for the table and its date).
    pub fn price_per_gb_second_usd(self) -> f64 {
        match self {
            Architecture::X86_64 => PRICE_PER_GB_SECOND_X86_64_USD,
            Architecture::Arm64 => PRICE_PER_GB_SECOND_ARM64_USD,
        }
    }
}

/// An architecture name that is neither `x86_64` nor `arm64`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Lambda architecture {0:?} (expected x86_64 or arm64)")]
pub struct UnknownArchitecture(pub String);

impl FromStr for Architecture {
    type Err = UnknownArchitecture;

    /// `x86_64` (also `x86-64`, `amd64`) or `arm64` (also `aarch64`), case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" | "amd64" => Ok(Architecture::X86_64),
            "arm64" | "aarch64" => Ok(Architecture::Arm64),
            _ => Err(UnknownArchitecture(s.to_owned())),
        }
    }
}

/// Estimated cost of one invocation in US dollars: billed duration (s) × memory size (GB, of
/// 1024 MB) × the architecture's GB-second price, plus the request price. `None` without a
/// billed duration or memory size.
///
/// Prices: us-east-1, first pricing tier, as published on the AWS Lambda pricing page and checked
/// on [`PRICE_TABLE_DATE`]: x86_64 $0.0000166667 and arm64 $0.0000133334 per GB-second, $0.20 per
/// million requests. Not included: the free tier, volume tiers, Savings Plans, other regions,
/// provisioned concurrency, ephemeral storage above 512 MB, SnapStart cache and restore charges,
/// data transfer. The on-demand init phase is included where Lambda bills it (its billed duration
/// already contains it).
pub fn estimated_cost_usd(report: &Report, architecture: Architecture) -> Option<f64> {
    let billed_ms = report.billed_duration_ms?;
    let memory_mb = report.memory_size_mb?;
    let gb_seconds = (billed_ms / MS_PER_SECOND) * (memory_mb / MB_PER_GB);
    Some(gb_seconds * architecture.price_per_gb_second_usd() + PRICE_PER_REQUEST_USD)
}
