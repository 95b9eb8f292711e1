//! `shiplog redrive s3://bucket/prefix --to-opensearch URL`: re-sends dead-lettered documents.
//!
//! Every object under the prefix (default `shiplog/dead-letter/`) is read, its exact bulk lines
//! re-sent as `create` actions on their original index and `_id` (so a document that did make it
//! in the meantime answers 409 and counts as already present: redrive never duplicates). An
//! object whose documents are all in OpenSearch now is deleted with `--delete`, else kept; an
//! object with some documents still failing is rewritten with only those (and their new errors).

use crate::args::RedriveArgs;
use crate::ship::{connect, print_outcome};
use crate::{EXIT_OK, EXIT_UNDELIVERED, EXIT_USAGE};
use shiplog::delivery::bulk::ChunkLimits;
use shiplog::delivery::dead_letter::{to_chunks, DEAD_LETTER_PREFIX};
use shiplog_adapters::dead_letter::{DeadLetterStore, DeadLetterWriteError};
use shiplog_adapters::opensearch::{OpenSearchClient, Outcome};
use shiplog_adapters::{load_sdk_config, now_millis};
use std::time::Instant;

/// Splits `s3://bucket/prefix`; an empty prefix becomes the dead-letter prefix.
pub fn parse_s3_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("{url:?} is not an s3://bucket/prefix URL"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("{url:?} has no bucket"));
    }
    let prefix = if prefix.is_empty() {
        DEAD_LETTER_PREFIX
    } else {
        prefix
    };
    Ok((bucket.to_owned(), prefix.to_owned()))
}

/// What a redrive did.
#[derive(Debug, Default)]
pub struct RedriveReport {
    /// Objects found under the prefix.
    pub objects: usize,
    /// Objects whose documents are all in OpenSearch now.
    pub objects_done: usize,
    /// Objects deleted (`--delete`).
    pub objects_deleted: usize,
    /// Objects rewritten with their remaining documents.
    pub objects_rewritten: usize,
    /// Objects that could not be read, rewritten or deleted, with the error.
    pub errors: Vec<String>,
    /// Dead-lettered documents read.
    pub entries: usize,
    /// Documents still failing.
    pub remaining: usize,
    /// Delivery counts over all objects.
    pub outcome: Outcome,
}

/// Re-sends every dead letter under `prefix` in `store` to `client` (each object with its own
/// deadline from `deadline`).
pub async fn redrive(
    store: &DeadLetterStore,
    client: &OpenSearchClient,
    prefix: &str,
    limits: &ChunkLimits,
    deadline: impl Fn() -> Instant,
    delete: bool,
) -> Result<RedriveReport, DeadLetterWriteError> {
    let keys = store.list(prefix).await?;
    let mut report = RedriveReport {
        objects: keys.len(),
        ..RedriveReport::default()
    };
    for key in keys {
        let entries = match store.read(&key).await {
            Ok(e) => e,
            Err(e) => {
                report.errors.push(e.to_string());
                continue;
            }
        };
        report.entries += entries.len();
        let delivery = client
            .deliver(to_chunks(&entries, limits), deadline())
            .await;
        report.outcome.absorb(&delivery.outcome);
        if delivery.dead.is_empty() {
            report.objects_done += 1;
            if delete {
                match store.delete(&key).await {
                    Ok(()) => report.objects_deleted += 1,
                    Err(e) => report.errors.push(e.to_string()),
                }
            }
            continue;
        }
        report.remaining += delivery.dead.len();
        if delivery.dead.len() < entries.len() {
            let request_id = key
                .rsplit('/')
                .next()
                .and_then(|f| f.strip_suffix(".ndjson.gz"))
                .unwrap_or("redrive")
                .to_owned();
            let rewrite = store.write(&request_id, now_millis(), &delivery.dead).await;
            match rewrite {
                Ok(new_key) if new_key == key => report.objects_rewritten += 1,
                Ok(new_key) => {
                    // Written under today's date: drop the old object so nothing is kept twice.
                    report.objects_rewritten += 1;
                    if let Err(e) = store.delete(&key).await {
                        report.errors.push(format!(
                            "{e} (its remaining documents are also in {new_key})"
                        ));
                    }
                }
                Err(e) => report.errors.push(e.to_string()),
            }
        }
    }
    Ok(report)
}

/// Runs `shiplog redrive`; returns the exit status.
pub fn run(args: &RedriveArgs) -> u8 {
    let (bucket, prefix) = match parse_s3_url(&args.source) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("shiplog redrive: {e}");
            return EXIT_USAGE;
        }
    };
    if args.target.to_opensearch.is_none() {
        eprintln!("shiplog redrive: --to-opensearch URL is required");
        return EXIT_USAGE;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shiplog redrive: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    runtime.block_on(async {
        let sdk = load_sdk_config().await;
        let client = match connect(&args.target, &args.index_prefix, Some(&sdk)).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("shiplog redrive: {e}");
                return EXIT_USAGE;
            }
        };
        let store = DeadLetterStore::from_sdk_config(&sdk, &bucket);
        let limits = args.target.limits();
        match redrive(
            &store,
            &client,
            &prefix,
            &limits,
            || args.target.deadline(),
            args.delete,
        )
        .await
        {
            Ok(report) => {
                print_report(&bucket, &prefix, &report);
                if report.remaining > 0 || !report.errors.is_empty() {
                    EXIT_UNDELIVERED
                } else {
                    EXIT_OK
                }
            }
            Err(e) => {
                eprintln!("shiplog redrive: {e}");
                EXIT_USAGE
            }
        }
    })
}

fn print_report(bucket: &str, prefix: &str, r: &RedriveReport) {
    eprintln!(
        "redrive s3://{bucket}/{prefix}: {} object(s), {} document(s); {} object(s) fully delivered ({} deleted), {} rewritten, {} document(s) still failing",
        r.objects, r.entries, r.objects_done, r.objects_deleted, r.objects_rewritten, r.remaining
    );
    for e in &r.errors {
        eprintln!("  error: {e}");
    }
    print_outcome(&r.outcome);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_are_split_with_the_default_prefix() {
        assert_eq!(
            parse_s3_url("s3://dlq/shiplog/dead-letter/2024/").unwrap(),
            ("dlq".into(), "shiplog/dead-letter/2024/".into())
        );
        assert_eq!(
            parse_s3_url("s3://dlq").unwrap(),
            ("dlq".into(), DEAD_LETTER_PREFIX.into())
        );
        assert_eq!(
            parse_s3_url("s3://dlq/").unwrap(),
            ("dlq".into(), DEAD_LETTER_PREFIX.into())
        );
        assert!(parse_s3_url("dlq/x").is_err());
        assert!(parse_s3_url("s3:///x").is_err());
    }
}
