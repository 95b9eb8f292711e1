//! Line parsers, one family each, through the dispatcher (`parse_line`) as the pipeline calls
//! them; MONITORING payloads also through `monitoring::parse`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shiplog::parse::{monitoring, parse_line, ParseOptions};
use shiplog::testing::workload::{sample_lines, LineFamily};
use shiplog::time::EpochMillis;
use std::hint::black_box;

/// Lines per family and iteration.
const LINES: usize = 500;

fn families(c: &mut Criterion) {
    let opts = ParseOptions::default();
    let mut group = c.benchmark_group("parse_line");
    for (name, family) in [
        ("node_text", LineFamily::NodeText),
        ("python_text", LineFamily::PythonText),
        ("platform_report", LineFamily::PlatformReport),
        ("lambda_json", LineFamily::LambdaJson),
        ("structured_json", LineFamily::StructuredJson),
        ("monitoring", LineFamily::Monitoring),
    ] {
        let lines = sample_lines(family, LINES, 7);
        let bytes: usize = lines.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                lines
                    .iter()
                    .map(|l| parse_line(black_box(l), &opts).body.len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn monitoring_payloads(c: &mut Criterion) {
    let lines = sample_lines(LineFamily::Monitoring, LINES, 7);
    let event_time = EpochMillis(shiplog::testing::workload::WORKLOAD_START_MS);
    let mut group = c.benchmark_group("monitoring");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| monitoring::parse(black_box(l.trim_end()), event_time).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = families, monitoring_payloads
}
criterion_main!(benches);
