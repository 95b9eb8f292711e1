//! Everything after parsing: correlation, document serialisation, metric aggregation, bulk body
//! building (stub transport until the OpenSearch bulk builder is merged) and its gzip, and the
//! whole pipeline for reference.

mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use shiplog::correlate::Correlator;
use shiplog::delivery::encoding::{gzip, Compression};
use shiplog::document::{BatchResource, Document};
use shiplog::limits::DEFAULT_CORRELATION_CACHE_SIZE;
use shiplog::metrics::{aggregate, MetricPoint};
use shiplog::model::ParsedLine;
use shiplog::parse::{parse_line, ParseOptions};
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::workload::{generate_payload, payload_events, Flavor};
use shiplog::testing::CollectingSink;
use shiplog::time::EpochMillis;
use shiplog_bench::StubTransport;
use std::hint::black_box;

/// The messages of the Node.js text payload of the bench spec.
fn node_messages() -> Vec<String> {
    let (_, _, events) = payload_events(&common::spec(), common::payload_of(Flavor::NodeText));
    events.into_iter().map(|e| e.message).collect()
}

fn resource() -> BatchResource<'static> {
    BatchResource {
        account_id: Some("123456789012"),
        region: Some("eu-west-1"),
        log_group: Some("/aws/lambda/order-api-prod"),
        log_stream: Some("2025/11/20/[$LATEST]0f1e2d3c"),
        function_name: Some("order-api-prod"),
        function_version: Some("$LATEST"),
        capacity_provider: None,
    }
}

fn correlation(c: &mut Criterion) {
    let messages = node_messages();
    let opts = ParseOptions::default();
    let lines: Vec<ParsedLine<'_>> = messages.iter().map(|m| parse_line(m, &opts)).collect();
    let mut group = c.benchmark_group("correlate");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("node_text_payload", |b| {
        b.iter_batched(
            || {
                (
                    Correlator::new(DEFAULT_CORRELATION_CACHE_SIZE),
                    lines.clone(),
                )
            },
            |(mut correlator, mut lines)| {
                correlator.correlate(Some("2025/11/20/[$LATEST]0f1e2d3c"), &mut lines);
                lines
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn documents(c: &mut Criterion) {
    let messages = node_messages();
    let opts = ParseOptions::default();
    let mut lines: Vec<ParsedLine<'_>> = messages.iter().map(|m| parse_line(m, &opts)).collect();
    Correlator::new(DEFAULT_CORRELATION_CACHE_SIZE).correlate(Some("s"), &mut lines);
    let res = resource();
    let observed = EpochMillis(shiplog::testing::workload::WORKLOAD_START_MS);
    let mut out = Vec::with_capacity(8 << 20);
    let mut group = c.benchmark_group("document");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("write_json", |b| {
        b.iter(|| {
            out.clear();
            for line in &lines {
                let doc = Document::new("4242", observed, line, &res, 256 * 1024);
                let _ = doc.write_json(&mut out);
            }
            out.len()
        })
    });
    group.bench_function("serde_json_to_writer", |b| {
        b.iter(|| {
            out.clear();
            for line in &lines {
                let doc = Document::new("4242", observed, line, &res, 256 * 1024);
                let _ = serde_json::to_writer(&mut out, &doc);
            }
            out.len()
        })
    });
    group.finish();
}

/// The metric points of one payload of each flavour, through the pipeline.
fn points() -> Vec<MetricPoint> {
    let spec = common::spec();
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let mut sink = CollectingSink::new("shiplog");
    for i in 0..spec.payloads {
        let p = generate_payload(&spec, i);
        let _ = pipeline.process_input(&p.lambda_event, &mut sink);
    }
    sink.metrics
}

fn metrics(c: &mut Criterion) {
    let points = points();
    let mut group = c.benchmark_group("metrics");
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function("aggregate", |b| {
        b.iter_batched(|| points.clone(), aggregate, BatchSize::SmallInput)
    });
    group.finish();
}

fn bulk(c: &mut Criterion) {
    let spec = common::spec();
    let payload = generate_payload(&spec, common::payload_of(Flavor::NodeText));
    let mut group = c.benchmark_group("bulk");
    group.throughput(Throughput::Bytes(payload.raw_bytes as u64));
    for (name, compression) in [
        ("pipeline_into_bulk_body", Compression::None),
        ("pipeline_into_gzipped_bulk_body", Compression::Gzip),
    ] {
        let mut transport = StubTransport::with_compression("shiplog", compression);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut pipeline = Pipeline::new(PipelineConfig::default());
                let _ = pipeline.process_input(black_box(&payload.lambda_event), &mut transport);
                transport.deliver()
            })
        });
    }
    let mut transport = StubTransport::with_compression("shiplog", Compression::None);
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let _ = pipeline.process_input(&payload.lambda_event, &mut transport);
    let _ = transport.deliver();
    let body: Vec<u8> = transport
        .chunks()
        .iter()
        .flat_map(|c| c.body().to_vec())
        .collect();
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("gzip_body", |b| b.iter(|| gzip(black_box(&body))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = correlation, documents, metrics, bulk
}
criterion_main!(benches);
