//! `shiplog replay`: the local main job (README, `shiplog replay`). Reads Lambda events from files and
//! directories, runs them through the same core as the ship-logs Lambda and prints, as NDJSON,
//! exactly what it would send: documents and rejections in input order, then aggregated metrics.

use crate::inputs;
use crate::ndjson::{write_metric_lines, NdjsonSink};
use crate::{EXIT_OK, EXIT_UNDECODABLE, EXIT_USAGE};
use clap::Args;
use shiplog::metrics::{aggregate, MetricDefaults, MetricPoint};
use shiplog::pipeline::{Pipeline, PipelineConfig, RecordOutcome, DEFAULT_INDEX_PREFIX};
use shiplog::span::SpanConfig;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `shiplog replay`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  shiplog replay samples/                       # every *.json below samples/, NDJSON on stdout
  shiplog replay --out shipped.ndjson payload.json
  shiplog replay --namespace MyApp --no-function-dimension events/ 2>/dev/null | jq 'select(.type==\"metric\")'
  shiplog replay --to-opensearch http://127.0.0.1:9200 samples/      # ship for real to a local cluster
  shiplog replay --to-opensearch https://search-logs-x.eu-west-1.es.amazonaws.com --auth sigv4 \\
      --dead-letter-bucket my-dlq exported/

Inputs: CloudWatch Logs subscription events ({\"awslogs\":{\"data\":…}}), Kinesis and Firehose
events, or already-decoded DATA_MESSAGE JSON.
Exit status: 0 every input decoded (rejected lines allowed), 1 at least one input could not be
decoded at all, 2 usage error, 3 (--to-opensearch) documents left neither indexed nor
dead-lettered.")]
pub struct ReplayArgs {
    /// Default CloudWatch namespace for metrics whose line names none.
    #[arg(long, value_name = "NS", default_value = "shiplog")]
    pub namespace: String,
    /// Index prefix: documents go to `<prefix>-YYYY.MM.DD`.
    #[arg(long, value_name = "P", default_value = DEFAULT_INDEX_PREFIX)]
    pub index_prefix: String,
    /// Do not add a `FunctionName` dimension to metrics.
    #[arg(long)]
    pub no_function_dimension: bool,
    /// Write the NDJSON to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not ship MONITORING lines as documents (their metrics are still extracted).
    #[arg(long)]
    pub no_metric_documents: bool,
    /// Emit no invocation spans (`{"type":"span",…}` lines, or the span index with
    /// --to-opensearch); documents still carry their invocation's traceId and spanId.
    #[arg(long)]
    pub no_spans: bool,
    /// Worker threads (default: available cores). Inputs are split into contiguous chunks so
    /// correlation across consecutive payloads of a stream still works.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Ship for real to OpenSearch (see --to-opensearch) instead of printing documents.
    #[command(flatten)]
    pub ship: crate::args::ShipArgs,
    /// Files or directories (every `*.json` below a directory, in path order).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// What one input produced.
#[derive(Debug)]
struct InputResult {
    display: String,
    ndjson: Vec<u8>,
    metrics: Vec<MetricPoint>,
    rejections_by_reason: BTreeMap<&'static str, usize>,
    records: usize,
    events: usize,
    documents: usize,
    spans: usize,
    decoded: bool,
    note: String,
}

fn pipeline_config(args: &ReplayArgs) -> PipelineConfig {
    PipelineConfig {
        index_prefix: args.index_prefix.clone(),
        metrics: MetricDefaults {
            namespace: args.namespace.clone(),
            function_dimension: !args.no_function_dimension,
        },
        ship_metric_lines: !args.no_metric_documents,
        spans: SpanConfig {
            enabled: !args.no_spans,
            ..SpanConfig::default()
        },
        ..PipelineConfig::default()
    }
}

fn process_one(pipeline: &mut Pipeline, path: &std::path::Path, index_prefix: &str) -> InputResult {
    let display = path.display().to_string();
    let mut result = InputResult {
        display: display.clone(),
        ndjson: Vec::new(),
        metrics: Vec::new(),
        rejections_by_reason: BTreeMap::new(),
        records: 0,
        events: 0,
        documents: 0,
        spans: 0,
        decoded: false,
        note: String::new(),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            result.note = format!("unreadable: {e}");
            return result;
        }
    };
    let mut sink = NdjsonSink::new(index_prefix, &display);
    match pipeline.process_input(&bytes, &mut sink) {
        Ok(summary) => {
            result.records = summary.records;
            result.events = summary.events;
            result.decoded = summary.records == 0 || summary.failed_records < summary.records;
            let control = sink
                .records
                .iter()
                .filter(|r| r.outcome == RecordOutcome::Control)
                .count();
            if !result.decoded {
                result.note = "no record could be decoded".to_owned();
            } else if control > 0 {
                result.note = format!("{control} control message(s) skipped");
            }
        }
        Err(rejection) => {
            result.note = format!("{}: {}", rejection.reason, rejection.detail);
            sink.input_rejection(rejection);
        }
    }
    sink.end_input();
    result.documents = sink.documents;
    result.spans = sink.spans;
    result.rejections_by_reason = std::mem::take(&mut sink.rejections_by_reason);
    result.metrics = std::mem::take(&mut sink.metrics);
    result.ndjson = std::mem::take(&mut sink.out);
    result
}

/// Runs `shiplog replay`; returns the exit status.
pub fn run(args: &ReplayArgs) -> u8 {
    let paths = match inputs::expand(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("shiplog replay: {e}");
            return EXIT_USAGE;
        }
    };
    if paths.is_empty() {
        eprintln!("shiplog replay: no *.json input found under the given paths");
        return EXIT_USAGE;
    }
    let config = pipeline_config(args);
    if args.ship.target.to_opensearch.is_some() {
        #[cfg(feature = "opensearch")]
        return crate::ship::run(&paths, config, &args.ship, args.out.as_deref());
        #[cfg(not(feature = "opensearch"))]
        return crate::without_opensearch("replay --to-opensearch");
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut out: Box<dyn Write> = match &args.out {
        Some(file) => match std::fs::File::create(file) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("shiplog replay: cannot write {}: {e}", file.display());
                return EXIT_USAGE;
            }
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    // Each thread has its own pipeline over a contiguous chunk of the inputs; documents are
    // written in input order as soon as the inputs before them are done, so the first chunk's
    // output never waits in memory.
    let mut results = Vec::with_capacity(paths.len());
    let mut write_ok = true;
    crate::parallel::stream_chunks(
        &paths,
        jobs,
        || Pipeline::new(config.clone()),
        |pipeline, path| process_one(pipeline, path, &config.index_prefix),
        |mut result: InputResult| {
            write_ok &= out.write_all(&result.ndjson).is_ok();
            result.ndjson = Vec::new();
            results.push(result);
        },
    );
    let mut points = Vec::new();
    for r in &results {
        points.extend(r.metrics.iter().cloned());
    }
    let point_count = points.len();
    let datums = aggregate(points);
    let mut metric_lines = Vec::new();
    write_metric_lines(&mut metric_lines, &datums);
    write_ok &= out.write_all(&metric_lines).is_ok();
    write_ok &= out.flush().is_ok();
    drop(out);
    if !write_ok {
        eprintln!("shiplog replay: writing the output failed");
        return EXIT_USAGE;
    }
    print_summary(&results, point_count, datums.len());
    if results.iter().any(|r| !r.decoded) {
        EXIT_UNDECODABLE
    } else {
        EXIT_OK
    }
}

fn print_summary(results: &[InputResult], points: usize, datums: usize) {
    let mut err = std::io::stderr().lock();
    let width = results
        .iter()
        .map(|r| r.display.len())
        .max()
        .unwrap_or(5)
        .clamp(5, 60);
    let _ = writeln!(
        err,
        "{:<width$}  {:>7} {:>7} {:>7} {:>7} {:>8}  status",
        "input", "records", "events", "docs", "metrics", "rejected"
    );
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut events, mut docs, mut rejected, mut undecodable) = (0, 0, 0, 0);
    let mut spans = 0;
    for r in results {
        let rej: usize = r.rejections_by_reason.values().sum();
        for (k, v) in &r.rejections_by_reason {
            *by_reason.entry(k).or_default() += v;
        }
        events += r.events;
        docs += r.documents;
        spans += r.spans;
        rejected += rej;
        if !r.decoded {
            undecodable += 1;
        }
        let status = match (r.decoded, r.note.is_empty()) {
            (true, true) => "ok".to_owned(),
            (true, false) => format!("ok ({})", r.note),
            (false, _) => format!("UNDECODABLE ({})", r.note),
        };
        let name = shorten(&r.display, width);
        let _ = writeln!(
            err,
            "{name:<width$}  {:>7} {:>7} {:>7} {:>7} {:>8}  {status}",
            r.records,
            r.events,
            r.documents,
            r.metrics.len(),
            rej
        );
    }
    let _ = writeln!(
        err,
        "total: {} input(s) ({undecodable} undecodable), {events} events, {docs} documents, {spans} spans, {points} metric points → {datums} datums, {rejected} rejections",
        results.len()
    );
    if !by_reason.is_empty() {
        let _ = writeln!(err, "rejections by reason:");
        for (reason, n) in by_reason {
            let _ = writeln!(err, "  {reason:<32} {n:>6}");
        }
    }
}

fn shorten(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_owned();
    }
    let tail: String = s.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}
