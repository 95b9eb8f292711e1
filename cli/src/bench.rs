//! `shiplog bench`: the performance budget of issue 9, measured.
//!
//! Runs the full pipeline over generated (default) or given Lambda events with the transport
//! stubbed ([`StubTransport`]: the `_bulk` chunks built and gzip'd by ship-logs' own builder,
//! metric points aggregated and packed into PutMetricData calls) and, in the same run, the floor
//! ([`Floor`]: base64 + gunzip + JSON read, then writing the very `_bulk` bytes the pipeline
//! emitted, taken as given, and gzip'ing them at the requests' level). Prints events/s, MB/s of
//! decompressed input, ns per event, the ratio pipeline / floor, peak RSS, bulk bytes raw vs
//! gzip, a whole-process multi-threaded figure (all cores across payloads, like `replay`) and the
//! cost model figures.
//!
//! Timing: single-core figures are the on-CPU time of the measuring thread
//! (`/proc/thread-self/schedstat`, nanoseconds; wall time where that is unavailable), so other
//! processes on a shared machine do not inflate them; each is the best of `--rounds` rounds. A
//! round runs the floor, then the pipeline, over every input. The whole-process figure is wall
//! time (that is its point); the load average is printed beside it.

// The report on stdout is what `shiplog bench` is for.
#![allow(clippy::print_stdout)]

use crate::inputs;
use crate::parallel::map_chunks;
use crate::{EXIT_OK, EXIT_UNDECODABLE, EXIT_USAGE};
use clap::Args;
use shiplog::delivery::encoding::Compression;
use shiplog::pipeline::{Pipeline, PipelineConfig, DEFAULT_INDEX_PREFIX};
use shiplog::span::SpanConfig;
use shiplog::testing::workload::{self, WorkloadSpec};
use shiplog_bench::cost::{self, LambdaPrice};
use shiplog_bench::{Delivery, Floor, StubTransport};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Arguments of `shiplog bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  shiplog bench                                  # default workload: 20 payloads x 5 000 events
  shiplog bench --generate /tmp/workload         # write the workload as Lambda event files
  shiplog bench /tmp/workload                    # measure given files instead
  shiplog bench --payloads 4 --events 1000 --rounds 1

Build it in release mode for meaningful numbers: cargo run --release -p shiplog-cli -- bench")]
pub struct BenchArgs {
    /// Write the workload's Lambda events as files into DIR and exit.
    #[arg(long, value_name = "DIR")]
    pub generate: Option<PathBuf>,
    /// Payloads (Lambda events) to generate.
    #[arg(long, value_name = "N", default_value_t = workload::DEFAULT_PAYLOADS)]
    pub payloads: usize,
    /// Log events per generated payload.
    #[arg(long, value_name = "N", default_value_t = workload::DEFAULT_EVENTS_PER_PAYLOAD)]
    pub events: usize,
    /// Seed of the generated workload.
    #[arg(long, value_name = "S", default_value_t = workload::DEFAULT_SEED)]
    pub seed: u64,
    /// Timed rounds; each figure is the best round.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub rounds: usize,
    /// Threads of the whole-process figure (default: available cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Single-core ms per MB of a baseline shipper (e.g. the Node.js one in bench/node-baseline),
    /// to print its cost model beside shiplog's.
    #[arg(long, value_name = "MS")]
    pub baseline_ms_per_mb: Option<f64>,
    /// Measure without invocation spans (documents only, as a shipper without spans would
    /// write; the floor then writes and gzips only the documents' bytes).
    #[arg(long)]
    pub no_spans: bool,
    /// Lambda event files or directories to measure instead of the generated workload.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// One Lambda event in memory.
struct Input {
    bytes: Vec<u8>,
}

/// Totals of one timed pass over every input.
#[derive(Debug, Clone, Copy, Default)]
struct Pass {
    /// Decode, parse, correlate, documents into plain bulk chunks, metric aggregation and
    /// PutMetricData packing.
    build: Duration,
    /// The same with the chunks gzip'd while written, as ship-logs holds and sends them.
    total: Duration,
}

impl Pass {
    fn total(&self) -> Duration {
        self.total
    }
}

/// What a run measured.
struct Measurements {
    events: usize,
    decompressed_bytes: usize,
    input_bytes: usize,
    floor: Duration,
    /// gzip bytes the floor wrote (the pipeline's chunks gzip'd once more, for comparison).
    floor_gzip_bytes: usize,
    pipeline: Pass,
    parallel: Duration,
    jobs: usize,
    delivery: Delivery,
    payloads: usize,
}

/// Runs `shiplog bench`; returns the exit status.
pub fn run(args: &BenchArgs) -> u8 {
    let spec = WorkloadSpec {
        payloads: args.payloads,
        events_per_payload: args.events,
        seed: args.seed,
    };
    if let Some(dir) = &args.generate {
        return generate_files(&spec, dir);
    }
    let inputs = match load_inputs(args, &spec) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("shiplog bench: {e}");
            return EXIT_USAGE;
        }
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let config = PipelineConfig {
        spans: SpanConfig {
            enabled: !args.no_spans,
            ..SpanConfig::default()
        },
        ..PipelineConfig::default()
    };
    match measure(&inputs, &config, args.rounds.max(1), jobs) {
        Ok(m) => {
            print_report(&m, args.baseline_ms_per_mb);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("shiplog bench: {e}");
            EXIT_UNDECODABLE
        }
    }
}

/// Generates the workload on every core (payloads are independent).
fn generate_all(spec: &WorkloadSpec) -> Vec<workload::GeneratedPayload> {
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let indices: Vec<usize> = (0..spec.payloads).collect();
    map_chunks(&indices, jobs, |part| {
        part.iter()
            .map(|&i| workload::generate_payload(spec, i))
            .collect()
    })
}

/// `--generate DIR`: writes every payload as a file.
fn generate_files(spec: &WorkloadSpec, dir: &Path) -> u8 {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("shiplog bench: cannot create {}: {e}", dir.display());
        return EXIT_USAGE;
    }
    let payloads = generate_all(spec);
    let (mut raw, mut gz, mut files) = (0, 0, 0);
    for p in &payloads {
        let path = dir.join(&p.file_name);
        if let Err(e) = std::fs::write(&path, &p.lambda_event) {
            eprintln!("shiplog bench: cannot write {}: {e}", path.display());
            return EXIT_USAGE;
        }
        raw += p.raw_bytes;
        gz += p.gzip_bytes;
        files += p.lambda_event.len();
    }
    println!(
        "wrote {} payloads x {} events to {}: {:.1} MB decompressed, {:.2} MB gzip, {:.2} MB of event files",
        payloads.len(),
        spec.events_per_payload,
        dir.display(),
        mb(raw),
        mb(gz),
        mb(files)
    );
    EXIT_OK
}

/// The given files, or the generated workload.
fn load_inputs(args: &BenchArgs, spec: &WorkloadSpec) -> Result<Vec<Input>, String> {
    if args.paths.is_empty() {
        if spec.payloads == 0 || spec.events_per_payload == 0 {
            return Err("--payloads and --events must be at least 1".to_owned());
        }
        return Ok(generate_all(spec)
            .into_iter()
            .map(|p| Input {
                bytes: p.lambda_event,
            })
            .collect());
    }
    let paths = inputs::expand(&args.paths)?;
    if paths.is_empty() {
        return Err("no *.json input found under the given paths".to_owned());
    }
    paths
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|bytes| Input { bytes })
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// Warm-up pass, then `rounds` timed rounds of floor and pipeline, then the parallel figure.
fn measure(
    inputs: &[Input],
    config: &PipelineConfig,
    rounds: usize,
    jobs: usize,
) -> Result<Measurements, String> {
    // Warm-up: the pipeline's `_bulk` chunks are what the floor writes and gzips.
    let mut transport = StubTransport::new(&config.index_prefix);
    let mut pipeline = Pipeline::new(config.clone());
    let mut delivery = Delivery::default();
    let mut emitted: Vec<Vec<Vec<u8>>> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        pipeline
            .process_input(&input.bytes, &mut transport)
            .map_err(|r| format!("input {i}: {}: {}", r.reason, r.detail))?;
        let d = transport.deliver();
        emitted.push(
            transport
                .chunks()
                .iter()
                .map(|c| c.body().to_vec())
                .collect(),
        );
        delivery.add(&d);
    }
    let mut floor = Floor::new();
    let (mut events, mut decompressed, mut floor_gzip) = (0, 0, 0);
    for (input, chunks) in inputs.iter().zip(&emitted) {
        let o = floor
            .run(&input.bytes, chunks)
            .map_err(|e| format!("the floor needs CloudWatch Logs events: {e}"))?;
        events += o.events;
        decompressed += o.decompressed_bytes;
        floor_gzip += o.gzip_bytes;
    }
    let mut best_floor = Duration::MAX;
    let mut best: Option<Pass> = None;
    for _ in 0..rounds {
        best_floor = best_floor.min(time_floor(&mut floor, inputs, &emitted));
        let pass = time_pipeline(inputs, config, &mut transport);
        if best.is_none_or(|b| pass.total() < b.total()) {
            best = Some(pass);
        }
    }
    let parallel = (0..rounds)
        .map(|_| time_parallel(inputs, config, jobs))
        .min()
        .unwrap_or_default();
    Ok(Measurements {
        events,
        decompressed_bytes: decompressed,
        input_bytes: inputs.iter().map(|i| i.bytes.len()).sum(),
        floor: best_floor,
        floor_gzip_bytes: floor_gzip,
        pipeline: best.unwrap_or_default(),
        parallel,
        jobs,
        delivery,
        payloads: inputs.len(),
    })
}

/// A point in time: wall clock and, where Linux tells it, this thread's on-CPU nanoseconds.
#[derive(Debug, Clone, Copy)]
struct Stamp {
    wall: Instant,
    cpu_ns: Option<u64>,
}

impl Stamp {
    #[allow(clippy::disallowed_methods)] // a benchmark measures wall time
    fn now() -> Stamp {
        Stamp {
            wall: Instant::now(),
            cpu_ns: thread_cpu_ns(),
        }
    }

    /// Time from `earlier` to `self`: on-CPU time when both stamps have it, else wall time.
    fn since(self, earlier: Stamp) -> Duration {
        match (self.cpu_ns, earlier.cpu_ns) {
            (Some(b), Some(a)) => Duration::from_nanos(b.saturating_sub(a)),
            _ => self.wall.saturating_duration_since(earlier.wall),
        }
    }
}

/// On-CPU nanoseconds of the calling thread (first field of `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// The 1-minute load average (`/proc/loadavg`).
fn load_average() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn time_floor(floor: &mut Floor, inputs: &[Input], emitted: &[Vec<Vec<u8>>]) -> Duration {
    let start = Stamp::now();
    for (input, chunks) in inputs.iter().zip(emitted) {
        let _ = std::hint::black_box(floor.run(&input.bytes, chunks));
    }
    Stamp::now().since(start)
}

/// One single-threaded pass with fresh pipelines (a new container): every input through plain
/// chunks (the body built), then through gzip'd ones (the whole delivery preparation).
fn time_pipeline(inputs: &[Input], config: &PipelineConfig, t: &mut StubTransport) -> Pass {
    let mut plain = StubTransport::with_compression(&config.index_prefix, Compression::None);
    let mut plain_pipeline = Pipeline::new(config.clone());
    let mut pipeline = Pipeline::new(config.clone());
    let mut pass = Pass::default();
    for input in inputs {
        let start = Stamp::now();
        let _ = plain_pipeline.process_input(&input.bytes, &mut plain);
        let _ = std::hint::black_box(plain.deliver());
        let built = Stamp::now();
        let _ = pipeline.process_input(&input.bytes, t);
        let _ = std::hint::black_box(t.deliver());
        let end = Stamp::now();
        pass.build += built.since(start);
        pass.total += end.since(built);
    }
    pass
}

/// The whole workload on `jobs` threads, contiguous chunks of inputs per thread (as `replay`).
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn time_parallel(inputs: &[Input], config: &PipelineConfig, jobs: usize) -> Duration {
    let start = Instant::now();
    let _: Vec<()> = map_chunks(inputs, jobs, |part| {
        let mut pipeline = Pipeline::new(config.clone());
        let mut t = StubTransport::new(DEFAULT_INDEX_PREFIX);
        for input in part {
            let _ = pipeline.process_input(&input.bytes, &mut t);
            let _ = std::hint::black_box(t.deliver());
        }
        Vec::new()
    });
    start.elapsed()
}

/// Peak resident set size of this process in KiB (`VmHWM` of `/proc/self/status`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / cost::MB
}

/// Events/s, MB/s and ns/event of `d` over the workload.
fn rates(m: &Measurements, d: Duration) -> (f64, f64, f64) {
    let s = d.as_secs_f64().max(1e-9);
    (
        m.events as f64 / s,
        mb(m.decompressed_bytes) / s,
        s * 1e9 / m.events.max(1) as f64,
    )
}

fn print_rate_line(label: &str, m: &Measurements, d: Duration) {
    let (eps, mbps, ns) = rates(m, d);
    println!(
        "  {label:<34} {:>9.1} ms {:>12.0} events/s {:>8.1} MB/s {:>8.0} ns/event",
        d.as_secs_f64() * 1e3,
        eps,
        mbps,
        ns
    );
}

fn print_report(m: &Measurements, baseline_ms_per_mb: Option<f64>) {
    let d = &m.delivery;
    println!(
        "workload: {} payloads, {} events, {:.1} MB decompressed, {:.2} MB of Lambda events",
        m.payloads,
        m.events,
        mb(m.decompressed_bytes),
        mb(m.input_bytes)
    );
    let clock = if thread_cpu_ns().is_some() {
        "on-CPU time"
    } else {
        "wall time"
    };
    println!("single core ({clock}, best of the rounds):");
    print_rate_line("floor (decode+write+gzip output)", m, m.floor);
    print_rate_line("pipeline, bulk body built", m, m.pipeline.build);
    print_rate_line("pipeline + bulk gzip (total)", m, m.pipeline.total());
    let ratio = m.pipeline.total().as_secs_f64() / m.floor.as_secs_f64().max(1e-9);
    println!(
        "  ratio pipeline / floor: {ratio:.2}x (target <= 1.5x); the floor wrote the pipeline's {:.1} MB of _bulk bytes and gzip'd them to {:.2} MB",
        mb(m.delivery.bulk_raw_bytes),
        mb(m.floor_gzip_bytes)
    );
    println!(
        "  on-CPU ms per MB of input: pipeline {:.2}, floor {:.2}",
        ms_per_mb(m, m.pipeline.total()),
        ms_per_mb(m, m.floor)
    );
    let load = load_average().map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}"));
    println!(
        "whole process, {} threads across payloads (wall time; load average {load}):",
        m.jobs
    );
    print_rate_line("pipeline + bulk gzip", m, m.parallel);
    match peak_rss_kib() {
        Some(kib) => println!(
            "peak RSS: {:.1} MiB (whole process, workload held in memory)",
            kib as f64 / 1024.0
        ),
        None => println!("peak RSS: unavailable (no /proc/self/status)"),
    }
    println!(
        "bulk: {} documents in {} requests, {:.1} MB raw NDJSON -> {:.2} MB gzip ({:.1} %; target <= 25 %)",
        d.documents,
        d.bulk_requests,
        mb(d.bulk_raw_bytes),
        mb(d.bulk_gzip_bytes),
        100.0 * d.bulk_gzip_bytes as f64 / d.bulk_raw_bytes.max(1) as f64
    );
    println!(
        "metrics: {} MONITORING lines -> {} points -> {} datums -> {} PutMetricData calls ({:.1} calls per 10 000 lines); {} rejections",
        d.monitoring_lines,
        d.metric_points,
        d.datums,
        d.put_metric_data_calls,
        cost::calls_per_10k_lines(d.put_metric_data_calls, d.monitoring_lines),
        d.rejections
    );
    print_cost_model(m, baseline_ms_per_mb);
}

/// Milliseconds of `d` per MB of decompressed input.
fn ms_per_mb(m: &Measurements, d: Duration) -> f64 {
    d.as_secs_f64() * 1e3 / mb(m.decompressed_bytes).max(1e-9)
}

fn print_cost_model(m: &Measurements, baseline_ms_per_mb: Option<f64>) {
    let shiplog_ms_per_mb = ms_per_mb(m, m.pipeline.total());
    let payload_bytes = m.decompressed_bytes as f64 / m.payloads.max(1) as f64;
    let events_per_payload = m.events / m.payloads.max(1);
    println!(
        "cost model (128 MB Lambda = {:.1}% of a core; prices of {}, see shiplog_bench::cost):",
        100.0 / cost::cpu_slowdown(cost::MODEL_MEMORY_MB),
        cost::PRICE_TABLE_DATE
    );
    println!(
        "  {:<22} {:>10} {:>14} {:>16} {:>16}",
        "shipper", "ms per MB", "ms/invocation", "$/GB x86_64", "$/GB arm64"
    );
    let row = |name: &str, ms: f64| {
        let cell =
            |p: LambdaPrice| cost::lambda_cost_per_gb(ms, payload_bytes, cost::MODEL_MEMORY_MB, p);
        let (x86, arm) = (cell(cost::X86_64), cell(cost::ARM64));
        println!(
            "  {name:<22} {ms:>10.2} {:>14.0} {:>16.6} {:>16.6}",
            x86.ms_per_invocation,
            x86.total(),
            arm.total()
        );
    };
    row("shiplog", shiplog_ms_per_mb);
    if let Some(b) = baseline_ms_per_mb {
        row("baseline", b);
    }
    let invocations_per_gb = cost::GB / payload_bytes.max(1.0);
    let own = cost::shiplog_log_bytes_per_invocation(events_per_payload);
    let node = cost::node_log_bytes_per_invocation(events_per_payload);
    println!(
        "  own CloudWatch Logs bytes per invocation: shiplog {own} B (platform lines + 1 EMF self-metrics line), LogsToElasticsearch-style {node} B; per GB shipped: {:.0} invocations, shiplog ${:.6}, node ${:.6}",
        invocations_per_gb,
        own as f64 * invocations_per_gb * cost::LOGS_INGESTION_PRICE_PER_BYTE,
        node as f64 * invocations_per_gb * cost::LOGS_INGESTION_PRICE_PER_BYTE
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rss_is_read_from_proc() {
        let kib = peak_rss_kib().expect("Linux /proc");
        assert!(kib > 100, "{kib}");
    }

    #[test]
    fn measure_counts_every_event_of_a_small_workload() {
        let spec = WorkloadSpec {
            payloads: 3,
            events_per_payload: 120,
            seed: 1,
        };
        let inputs: Vec<Input> = generate_all(&spec)
            .into_iter()
            .map(|p| Input {
                bytes: p.lambda_event,
            })
            .collect();
        let m = measure(&inputs, &PipelineConfig::default(), 1, 2).unwrap();
        assert_eq!(m.events, 360);
        assert_eq!(m.delivery.documents, 360);
        assert!(m.delivery.spans > 0, "{:?}", m.delivery);
        // Without spans: the same documents, no span, fewer bytes written.
        let no_spans = PipelineConfig {
            spans: SpanConfig {
                enabled: false,
                ..SpanConfig::default()
            },
            ..PipelineConfig::default()
        };
        let d = measure(&inputs, &no_spans, 1, 2).unwrap().delivery;
        assert_eq!((d.documents, d.spans), (360, 0), "{d:?}");
        assert!(d.bulk_raw_bytes < m.delivery.bulk_raw_bytes);
        assert!(m.delivery.bulk_gzip_bytes < m.delivery.bulk_raw_bytes);
        // The floor gzip'd the pipeline's bytes at the same level and chunking: the same size
        // within a few per cent (the pipeline feeds its gzip stream in smaller writes).
        let (floor, pipeline) = (m.floor_gzip_bytes as f64, m.delivery.bulk_gzip_bytes as f64);
        assert!(
            (floor / pipeline - 1.0).abs() < 0.03,
            "{floor} vs {pipeline}"
        );
        assert!(m.decompressed_bytes > m.input_bytes);
    }

    #[test]
    fn inputs_that_are_not_cloudwatch_events_are_an_error() {
        let inputs = vec![Input {
            bytes: b"[1,2]".to_vec(),
        }];
        assert!(measure(&inputs, &PipelineConfig::default(), 1, 1).is_err());
    }
}
