//! The cost model behind the README's "Cost model" section: what shipping 1 GB of Lambda logs
//! costs in the shipper's own Lambda time, CloudWatch API calls and own log bytes, computed from
//! figures `shiplog bench` measures.
//!
//! **Price table** (AWS, us-east-1, first pricing tier; written down on 2026-11-21 — check the
//! AWS Lambda, CloudWatch and CloudWatch Logs pricing pages before quoting):
//!
//! | item | price |
//! |---|---|
//! | Lambda duration, x86_64 | $0.0000166667 per GB-second |
//! | Lambda duration, arm64 | $0.0000133334 per GB-second |
//! | Lambda requests | $0.20 per million |
//! | CloudWatch PutMetricData | $0.01 per 1 000 requests |
//! | CloudWatch Logs ingestion (Standard) | $0.50 per GB |
//!
//! **CPU model.** Lambda gives a function CPU in proportion to its memory: 1 769 MB is one full
//! vCPU (Lambda developer guide, "Configure Lambda function memory"), so a 128 MB function gets
//! 128 / 1 769 ≈ 7.2 % of a core and CPU-bound work takes ≈ 13.8× as long as on one full core.
//! The model scales the single-core ms per MB measured by `shiplog bench` by that factor. It
//! counts CPU only: the `_bulk` round trip is billed too, but it depends on the OpenSearch
//! domain, not on the shipper. arm64 is assumed as fast per core as the measuring machine (it
//! is not measured here).

use shiplog::delivery::self_metrics::SelfMetrics;
use shiplog::rejection::RejectReason;
use shiplog::time::EpochMillis;

/// The date the price table above was written down.
pub const PRICE_TABLE_DATE: &str = "2026-11-21";
/// Memory at which a Lambda function has one full vCPU.
pub const FULL_VCPU_MEMORY_MB: f64 = 1769.0;
/// Lambda request price per invocation ($0.20 per million).
pub const LAMBDA_REQUEST_PRICE: f64 = 0.20 / 1e6;
/// CloudWatch PutMetricData price per request ($0.01 per 1 000).
pub const PUT_METRIC_DATA_PRICE: f64 = 0.01 / 1000.0;
/// CloudWatch Logs ingestion price per byte ($0.50 per GB).
pub const LOGS_INGESTION_PRICE_PER_BYTE: f64 = 0.50 / 1e9;
/// Memory size the cost model is computed for.
pub const MODEL_MEMORY_MB: f64 = 128.0;
/// Bytes in the model's "1 GB of logs" (decompressed subscription payloads, SI units).
pub const GB: f64 = 1e9;
/// Bytes in one MB of the "ms per MB" figures (SI units).
pub const MB: f64 = 1e6;

/// One Lambda architecture and its duration price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LambdaPrice {
    /// `x86_64` or `arm64`.
    pub architecture: &'static str,
    /// Dollars per GB-second.
    pub per_gb_second: f64,
}

/// x86_64 duration price.
pub const X86_64: LambdaPrice = LambdaPrice {
    architecture: "x86_64",
    per_gb_second: 0.000_016_666_7,
};
/// arm64 (Graviton) duration price.
pub const ARM64: LambdaPrice = LambdaPrice {
    architecture: "arm64",
    per_gb_second: 0.000_013_333_4,
};

/// What one shipper costs per GB of logs at [`MODEL_MEMORY_MB`] on one architecture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LambdaCost {
    /// Billed CPU-bound ms per invocation at this memory size.
    pub ms_per_invocation: f64,
    /// GB-seconds per GB of logs.
    pub gb_seconds_per_gb: f64,
    /// Invocations per GB of logs.
    pub invocations_per_gb: f64,
    /// Duration dollars per GB of logs.
    pub duration_cost: f64,
    /// Request dollars per GB of logs.
    pub request_cost: f64,
}

impl LambdaCost {
    /// Duration plus requests.
    pub fn total(&self) -> f64 {
        self.duration_cost + self.request_cost
    }
}

/// Factor by which CPU-bound work slows down at `memory_mb` compared with one full core.
pub fn cpu_slowdown(memory_mb: f64) -> f64 {
    (FULL_VCPU_MEMORY_MB / memory_mb).max(1.0)
}

/// Lambda cost of shipping 1 GB of decompressed logs, from the single-core `ms_per_mb` and the
/// average decompressed bytes per invocation.
pub fn lambda_cost_per_gb(
    ms_per_mb: f64,
    payload_bytes: f64,
    memory_mb: f64,
    price: LambdaPrice,
) -> LambdaCost {
    let ms_per_mb_here = ms_per_mb * cpu_slowdown(memory_mb);
    let seconds_per_gb = ms_per_mb_here * (GB / MB) / 1000.0;
    let gb_seconds_per_gb = seconds_per_gb * memory_mb / 1024.0;
    let invocations_per_gb = if payload_bytes > 0.0 {
        GB / payload_bytes
    } else {
        0.0
    };
    LambdaCost {
        ms_per_invocation: ms_per_mb_here * payload_bytes / MB,
        gb_seconds_per_gb,
        invocations_per_gb,
        duration_cost: gb_seconds_per_gb * price.per_gb_second,
        request_cost: invocations_per_gb * LAMBDA_REQUEST_PRICE,
    }
}

/// PutMetricData calls per 10 000 MONITORING lines.
pub fn calls_per_10k_lines(calls: usize, monitoring_lines: usize) -> f64 {
    if monitoring_lines == 0 {
        return 0.0;
    }
    calls as f64 * 10_000.0 / monitoring_lines as f64
}

/// The platform lines Lambda writes for every invocation of any shipper (START, END, REPORT
/// without X-Ray), as they reach CloudWatch Logs.
pub fn platform_lines_example() -> [String; 3] {
    let id = "8f5b3c2e-1d4a-4b6f-9e7d-0c1b2a3f4e5d";
    [
        format!("START RequestId: {id} Version: $LATEST\n"),
        format!("END RequestId: {id}\n"),
        format!(
            "REPORT RequestId: {id}\tDuration: 61.32 ms\tBilled Duration: 62 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\t\n"
        ),
    ]
}

/// The self-metrics line ship-logs writes once per invocation (EMF, by the shipped
/// [`SelfMetrics`]), for an input of `events` events of which a few were rejected. At its default
/// log level (`warn`) this is all ship-logs writes for an invocation that went well; the
/// black-box test `cold_start_and_peak_rss_are_measured` measures the real process's output.
pub fn shiplog_emf_line_example(events: usize) -> String {
    let Ok(mut metrics) = SelfMetrics::new("shiplog", Some("shiplog-ship-logs")) else {
        return String::new();
    };
    metrics.add_events_in(events);
    metrics.add_documents_out(events);
    for _ in 0..3 {
        metrics.add_rejection(RejectReason::MetricTimestampOutOfRange);
    }
    metrics.record_event_time(EpochMillis(1_763_640_000_000));
    let mut line = metrics.take_line(EpochMillis(1_763_640_001_000));
    line.push('\n');
    line
}

/// The lines a LogsToElasticsearch-style Node.js shipper writes per successful invocation: the
/// runtime-prefixed "Response:" and "Success:" lines of the blueprint's shape.
pub fn node_blueprint_lines_example(events: usize) -> [String; 2] {
    let prefix = "2025-11-20T12:00:00.061Z\t8f5b3c2e-1d4a-4b6f-9e7d-0c1b2a3f4e5d\tINFO\t";
    [
        format!("{prefix}Response: {{\"statusCode\":200}}\n"),
        format!(
            "{prefix}Success: {{\"attemptedItems\":{events},\"successfulItems\":{events},\"failedItems\":0}}\n"
        ),
    ]
}

/// Own CloudWatch Logs bytes per invocation of ship-logs: platform lines + its EMF
/// self-metrics line.
pub fn shiplog_log_bytes_per_invocation(events: usize) -> usize {
    platform_lines_example()
        .iter()
        .map(String::len)
        .sum::<usize>()
        + shiplog_emf_line_example(events).len()
}

/// Own CloudWatch Logs bytes per invocation of the Node.js blueprint-style shipper.
pub fn node_log_bytes_per_invocation(events: usize) -> usize {
    platform_lines_example()
        .iter()
        .map(String::len)
        .sum::<usize>()
        + node_blueprint_lines_example(events)
            .iter()
            .map(String::len)
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128_mb_function_has_a_fraction_of_a_core() {
        let s = cpu_slowdown(128.0);
        assert!((13.8..13.9).contains(&s), "{s}");
        assert_eq!(cpu_slowdown(4096.0), 1.0);
    }

    #[test]
    fn cost_per_gb_follows_the_price_table() {
        // 5 ms per MB on one core, 1.6 MB payloads, 128 MB x86_64.
        let c = lambda_cost_per_gb(5.0, 1.6e6, 128.0, X86_64);
        let expected_gbs = 5.0 * (1769.0 / 128.0) * 1000.0 / 1000.0 * 0.125;
        assert!((c.gb_seconds_per_gb - expected_gbs).abs() < 1e-9);
        assert!((c.duration_cost - expected_gbs * 0.000_016_666_7).abs() < 1e-12);
        assert!((c.invocations_per_gb - 625.0).abs() < 1e-9);
        assert!((c.request_cost - 625.0 * 0.2e-6).abs() < 1e-12);
        let arm = lambda_cost_per_gb(5.0, 1.6e6, 128.0, ARM64);
        assert!(arm.total() < c.total());
    }

    #[test]
    fn calls_per_10k_lines_scales() {
        assert_eq!(calls_per_10k_lines(3, 1000), 30.0);
        assert_eq!(calls_per_10k_lines(3, 0), 0.0);
    }

    #[test]
    fn the_emf_line_is_the_shipped_self_metrics_line() {
        let line = shiplog_emf_line_example(5000);
        assert!(line.ends_with('\n'));
        let emf: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!(emf["_aws"]["CloudWatchMetrics"].is_array());
        assert_eq!(emf["EventsIn"], 5000.0);
        assert_eq!(emf["Rejections"], 3.0);
        assert_eq!(
            shiplog_log_bytes_per_invocation(5000),
            platform_lines_example()
                .iter()
                .map(String::len)
                .sum::<usize>()
                + line.len()
        );
    }
}
