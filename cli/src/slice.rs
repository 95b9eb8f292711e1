//! `shiplog slice ID --opensearch URL`: follow one user action across functions.
//!
//! 1. Expansion (`expand`): from the documents ID matches (`id`) to every request
//!    sharing their trace or correlation ids, round after round, bounded (`--max-rounds`,
//!    `--max-requests`); it reads only the id fields of a page of documents at a time.
//! 2. Summary (`summary`): one search aggregates each request (function, first line, errors,
//!    REPORT, cold start); spans, when indexed, give the numbers instead.
//! 3. Output (`render`): for each invocation in time order, its header, then its documents
//!    paged in time order (`search`: `search_after` in a point in time), printed page by page;
//!    then the documents matched by the slice's ids that belong to no invocation.
//!
//! Exit status: 0 found, 1 nothing matches ID, 2 usage or connection error.

mod expand;
mod id;
mod render;
mod search;
mod summary;

use crate::args::{SliceArgs, SliceFormat, TargetArgs};
use crate::ship::connect;
use crate::{EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE};
use expand::{Bounds, Expansion, Page, Progress};
use id::Seed;
use render::Style;
use search::{PageError, SearchError, Searcher};
use serde_json::{json, Value};
use shiplog::delivery::bulk::DEFAULT_MAX_CHUNK_BYTES;
use std::io::{IsTerminal, Write};
use summary::Invocation;

/// Runs `shiplog slice`; returns the exit status.
pub fn run(args: &SliceArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shiplog slice: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    match runtime.block_on(run_async(args)) {
        Ok(status) => status,
        Err(message) => {
            eprintln!("shiplog slice: {message}");
            EXIT_USAGE
        }
    }
}

/// What went wrong, as the message for stderr.
type Failure = String;

fn target(args: &SliceArgs) -> TargetArgs {
    TargetArgs {
        to_opensearch: Some(args.opensearch.clone()),
        auth: args.auth,
        secret_id: args.secret_id.clone(),
        no_gzip: false,
        no_document_ids: false,
        bulk_max_bytes: DEFAULT_MAX_CHUNK_BYTES,
        timeout: 60,
    }
}

/// The message of a failed search against `url`.
fn failure(url: &str, e: &SearchError) -> Failure {
    format!("{url}: {e}")
}

async fn run_async(args: &SliceArgs) -> Result<u8, Failure> {
    let seed = Seed::new(&args.id, args.field.as_deref())?;
    let client = connect(&target(args), &args.index_prefix, None).await?;
    let url = client.endpoint().to_owned();
    let searcher = Searcher::new(&client, args.page_size);
    let pattern = format!("{}-*", args.index_prefix);

    let mut expansion = Expansion::new(
        &seed,
        expand::time_range(args.since.as_deref(), args.until.as_deref()),
        Bounds {
            max_rounds: args.max_rounds,
            max_requests: args.max_requests,
        },
    );
    let counted = searcher
        .search(&pattern, &expansion.count_body())
        .await
        .map_err(|e| failure(&url, &e))?;
    if counted["hits"]["total"]["value"].as_u64().unwrap_or(0) == 0 {
        eprintln!(
            "shiplog slice: nothing matches {} in {pattern} at {url}{}",
            seed.describe(),
            if args.since.is_some() || args.until.is_some() {
                " (within --since/--until)"
            } else {
                ""
            }
        );
        return Ok(EXIT_NOT_FOUND);
    }
    run_expansion(&searcher, &pattern, &mut expansion)
        .await
        .map_err(|e| failure(&url, &e))?;
    if let Some(cut) = expansion.cut {
        eprintln!(
            "shiplog slice: the slice is incomplete: the expansion stopped at --{} ({} requests, \
             {} rounds); raise it to follow further",
            cut.as_str(),
            expansion.ids.requests.len(),
            expansion.rounds
        );
    }

    let requests: Vec<&str> = expansion.ids.requests.iter().map(String::as_str).collect();
    let mut invocations = if requests.is_empty() {
        Vec::new()
    } else {
        let body = summary::summary_body(expansion.requests_query(&requests), &requests);
        let response = searcher
            .search(&pattern, &body)
            .await
            .map_err(|e| failure(&url, &e))?;
        summary::invocations(&response)
    };
    apply_spans(&searcher, &args.index_prefix, &mut invocations).await;

    let output = Output::new(args.format);
    let width = invocations
        .iter()
        .filter_map(|i| i.function.as_deref().map(str::len))
        .max()
        .unwrap_or(1);
    let mut pit = searcher
        .open_pit(&pattern)
        .await
        .map_err(|e| failure(&url, &e))?;
    let printed = print_slice(
        &searcher,
        &pattern,
        &mut pit,
        &expansion,
        &invocations,
        width,
        &output,
    )
    .await;
    if let Some(pit) = &pit {
        searcher.close_pit(pit).await;
    }
    let documents = match printed {
        Ok(n) => n,
        Err(PageError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(EXIT_OK)
        }
        Err(PageError::Output(e)) => return Err(format!("writing the output failed: {e}")),
        Err(PageError::Search(e)) => return Err(failure(&url, &e)),
    };
    let complete = expansion.cut.is_none();
    match args.format {
        SliceFormat::Json => {
            let last = json!({
                "type": "slice",
                "id": seed.id,
                "field": seed.field,
                "invocations": invocations.len(),
                "documents": documents,
                "rounds": expansion.rounds,
                "complete": complete,
                "cut": expansion.cut.map(|c| c.as_str()),
            });
            output
                .write(&last.to_string())
                .map_err(|e| format!("writing the output failed: {e}"))?;
        }
        SliceFormat::Text => eprintln!(
            "slice: {} invocation(s), {documents} document(s), {} expansion round(s){}",
            invocations.len(),
            expansion.rounds,
            if complete { "" } else { " (incomplete)" }
        ),
    }
    Ok(if documents == 0 {
        EXIT_NOT_FOUND
    } else {
        EXIT_OK
    })
}

/// Runs the expansion's rounds (see [`expand`]).
async fn run_expansion(
    searcher: &Searcher<'_>,
    pattern: &str,
    expansion: &mut Expansion,
) -> Result<(), SearchError> {
    loop {
        expansion.begin_round();
        loop {
            let page = searcher
                .search(pattern, &expansion.discovery_body())
                .await?;
            if expansion.absorb_page(&page) != Page::More {
                break;
            }
        }
        if expansion.end_round() != Progress::Grew {
            return Ok(());
        }
    }
}

/// Reads the invocations' spans when spans are indexed; a failure leaves the REPORT numbers.
async fn apply_spans(searcher: &Searcher<'_>, prefix: &str, invocations: &mut [Invocation]) {
    if invocations.is_empty() {
        return;
    }
    let requests: Vec<&str> = invocations.iter().map(|i| i.request_id.as_str()).collect();
    let pattern = format!("otel-v1-apm-span-{prefix}-*");
    let Ok(response) = searcher
        .search(&pattern, &summary::spans_body(&requests))
        .await
    else {
        return;
    };
    let spans = response["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for span in spans.iter().map(|h| &h["_source"]) {
        let Some(request) = Invocation::span_request_id(span) else {
            continue;
        };
        if let Some(inv) = invocations.iter_mut().find(|i| i.request_id == request) {
            inv.apply_span(span);
        }
    }
}

/// Where and how the slice is written.
struct Output {
    format: SliceFormat,
    style: Style,
}

impl Output {
    fn new(format: SliceFormat) -> Self {
        #[allow(clippy::disallowed_methods)] // the CLI reads its NO_COLOR setting here
        let no_color = std::env::var("NO_COLOR").ok();
        Output {
            format,
            style: Style::new(std::io::stdout().is_terminal(), no_color.as_deref()),
        }
    }

    fn write(&self, line: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(line.as_bytes())?;
        stdout.write_all(b"\n")
    }

    fn header(&self, invocation: Option<&Invocation>) -> std::io::Result<()> {
        match (self.format, invocation) {
            (SliceFormat::Json, Some(inv)) => self.write(&render::invocation_json(inv).to_string()),
            (SliceFormat::Json, None) => Ok(()),
            (SliceFormat::Text, Some(inv)) => self.write(&render::header(inv, self.style)),
            (SliceFormat::Text, None) => self.write(&render::outside_header(self.style)),
        }
    }

    fn page(&self, hits: &[Value], request_id: Option<&str>, width: usize) -> std::io::Result<()> {
        let mut text = String::new();
        for hit in hits {
            let line = match self.format {
                SliceFormat::Json => render::document_json(hit, request_id).to_string(),
                SliceFormat::Text => render::line(&hit["_source"], width, self.style),
            };
            text.push_str(&line);
            text.push('\n');
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }
}

/// Prints every invocation (header, then its documents page by page), then the documents of no
/// invocation; returns the number of documents printed.
async fn print_slice(
    searcher: &Searcher<'_>,
    pattern: &str,
    pit: &mut Option<String>,
    expansion: &Expansion,
    invocations: &[Invocation],
    width: usize,
    output: &Output,
) -> Result<u64, PageError> {
    let mut documents = 0;
    for inv in invocations {
        output.header(Some(inv)).map_err(PageError::Output)?;
        let query = expansion.requests_query(&[inv.request_id.as_str()]);
        documents += searcher
            .pages(pattern, pit, &query, |hits| {
                output.page(hits, Some(&inv.request_id), width)
            })
            .await?;
    }
    let mut header_done = false;
    documents += searcher
        .pages(
            pattern,
            pit,
            &expansion.outside_invocations_query(),
            |hits| {
                if !header_done && !hits.is_empty() {
                    header_done = true;
                    output.header(None)?;
                }
                output.page(hits, None, width)
            },
        )
        .await?;
    Ok(documents)
}
