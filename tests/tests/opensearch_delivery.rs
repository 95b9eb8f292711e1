//! OpenSearch delivery end to end: corpus payloads and samples/ through the pipeline into
//! `_bulk` chunks, shipped to the fake OpenSearch under every injected fault. The invariant:
//! each input event is indexed exactly once, or present in the dead letter (S3 on moto server),
//! including redelivery of the same payload.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::Value;
use shiplog::backoff::BackoffPolicy;
use shiplog::delivery::bulk::{BulkBodyBuilder, Chunk, ChunkLimits};
use shiplog::delivery::dead_letter::{DeadLetterEntry, GiveUp, DEAD_LETTER_PREFIX};
use shiplog::delivery::encoding::Compression;
use shiplog::delivery::item::{FailureReason, ItemErrorKind};
use shiplog::delivery::salvage::SALVAGED_FIELDS_KEY;
use shiplog::delivery::shipping::ShippingSink;
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::CollectingSink;
use shiplog_adapters::dead_letter::DeadLetterStore;
use shiplog_adapters::opensearch::{
    ship, Auth, DeliveryOptions, OpenSearchClient, Outcome, ShipError, SigV4Service, TemplateStatus,
};
use shiplog_tests::fake_opensearch::{
    FakeAuth, FakeOpenSearch, Faults, TEST_ACCESS_KEY, TEST_REGION, TEST_SECRET_KEY,
};
use shiplog_tests::inputs::delivery_inputs;
use shiplog_tests::moto::MotoServer;
use shiplog_tests::repo_root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

type Key = (String, String);

/// The chunks to send and what OpenSearch should end up holding: (index, id) → source, for the
/// documents and the invocation spans alike (both are bulk items).
struct Batch {
    chunks: Vec<Chunk>,
    expected: BTreeMap<Key, Value>,
}

impl Batch {
    fn documents(&self) -> usize {
        self.chunks.iter().map(Chunk::len).sum()
    }
}

fn batch(limits: ChunkLimits) -> Batch {
    batch_with_ids(limits, true)
}

fn batch_with_ids(limits: ChunkLimits, document_ids: bool) -> Batch {
    let mut p1 = Pipeline::new(PipelineConfig::default());
    let mut p2 = Pipeline::new(PipelineConfig::default());
    let mut sink =
        ShippingSink::new(BulkBodyBuilder::new("shiplog", limits).with_document_ids(document_ids));
    let mut collected = CollectingSink::new("shiplog");
    for path in delivery_inputs() {
        let bytes = std::fs::read(&path).unwrap();
        let _ = p1.process_input(&bytes, &mut sink);
        let _ = p2.process_input(&bytes, &mut collected);
    }
    let chunks = sink.finish().chunks;
    let mut expected = BTreeMap::new();
    for (index, id, source) in collected.documents.into_iter().chain(collected.spans) {
        assert!(
            expected.insert((index, id.clone()), source).is_none(),
            "event or span id {id} appears twice in the inputs"
        );
    }
    let b = Batch { chunks, expected };
    assert_eq!(b.documents(), b.expected.len());
    assert!(
        b.documents() > 50,
        "a meaningful number of documents ({})",
        b.documents()
    );
    b
}

fn small_chunks() -> ChunkLimits {
    ChunkLimits {
        max_bytes: 16 * 1024,
        max_actions: 40,
    }
}

fn options(compression: Compression) -> DeliveryOptions {
    DeliveryOptions {
        compression,
        backoff: BackoffPolicy {
            base: Duration::from_millis(2),
            cap: Duration::from_millis(20),
            max_attempts: 6,
            min_attempt_time: Duration::from_millis(20),
        },
        backoff_seed: Some(7),
        ..DeliveryOptions::default()
    }
}

fn client(fake: &FakeOpenSearch, auth: Auth) -> OpenSearchClient {
    OpenSearchClient::new(&fake.url(), auth, options(Compression::Gzip)).unwrap()
}

fn deadline(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

fn keys_of(dead: &[DeadLetterEntry]) -> BTreeSet<Key> {
    dead.iter()
        .map(|d| (d.index.clone(), d.id.clone()))
        .collect()
}

/// The issue's invariant: each expected document is stored exactly once (one successful write,
/// the expected source unless salvaged) or is dead-lettered, never both, nothing else stored.
fn assert_exactly_once_or_dead_lettered(
    fake: &FakeOpenSearch,
    expected: &BTreeMap<Key, Value>,
    dead: &[DeadLetterEntry],
    outcome: &Outcome,
) {
    let stored: BTreeMap<Key, Value> = fake
        .docs()
        .into_iter()
        .map(|d| ((d.index, d.id), d.source))
        .collect();
    let dead_keys = keys_of(dead);
    assert_eq!(
        dead_keys.len(),
        dead.len(),
        "a document is dead-lettered twice"
    );
    for (key, writes) in fake.writes() {
        assert_eq!(writes, 1, "{key:?} written {writes} times");
    }
    for key in stored.keys() {
        assert!(expected.contains_key(key), "unexpected document {key:?}");
        assert!(
            !dead_keys.contains(key),
            "{key:?} both indexed and dead-lettered"
        );
    }
    for key in expected.keys() {
        assert!(
            stored.contains_key(key) || dead_keys.contains(key),
            "{key:?} lost: neither indexed nor dead-lettered"
        );
    }
    for (key, source) in &stored {
        if source.pointer("/attributes/shiplog/salvaged").is_none() {
            assert_eq!(
                source, &expected[key],
                "{key:?} stored with a different source"
            );
        }
    }
    for d in dead {
        let src: Value = serde_json::from_slice(&d.source).unwrap();
        if !d.salvaged {
            assert_eq!(
                &src,
                &expected[&(d.index.clone(), d.id.clone())],
                "dead letter keeps the exact source"
            );
        }
    }
    assert_eq!(outcome.documents, expected.len());
    assert_eq!(
        outcome.indexed + outcome.already_present + outcome.dead_lettered,
        outcome.documents,
        "{outcome:?}"
    );
    assert_eq!(outcome.dead_lettered, dead.len());
}

#[tokio::test]
async fn every_document_is_indexed_once_in_its_daily_index_with_its_id_and_source() {
    let b = batch(small_chunks());
    assert!(b.chunks.len() > 3);
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(d.dead.is_empty(), "{:?}", d.dead.first());
    assert_eq!(d.outcome.indexed, b.documents());
    assert_eq!(d.outcome.requests, b.chunks.len());
    assert_eq!(d.outcome.retries, 0);
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
    let (spans, docs): (Vec<_>, Vec<_>) = fake
        .docs()
        .into_iter()
        .partition(|d| d.index.starts_with("otel-v1-apm-span-shiplog-"));
    assert!(!spans.is_empty(), "the invocations' spans are shipped too");
    for doc in docs {
        assert_eq!(doc.version, 1);
        let ts = doc.source["observedTimestamp"].as_str().unwrap();
        assert_eq!(doc.index, format!("shiplog-{}", ts[..10].replace('-', ".")));
    }
    for span in spans {
        assert_eq!(span.version, 1);
        assert_eq!(span.id, span.source["spanId"].as_str().unwrap());
    }
}

#[tokio::test]
async fn redelivery_of_the_same_payload_is_already_present_and_never_duplicates() {
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let c = client(&fake, Auth::None);
    let first = c.deliver(b.chunks.clone(), deadline(30)).await;
    assert_eq!(first.outcome.indexed, b.documents());
    let again = c.deliver(b.chunks.clone(), deadline(30)).await;
    assert_eq!(
        fake.connection_count(),
        1,
        "one keep-alive connection across deliveries (warm invocations)"
    );
    assert_eq!(again.outcome.indexed, 0);
    assert_eq!(again.outcome.already_present, b.documents());
    assert!(again.dead.is_empty());
    assert_eq!(fake.docs().len(), b.documents());
    assert!(fake.docs().iter().all(|d| d.version == 1));
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &again.dead, &again.outcome);
}

#[tokio::test]
async fn without_document_ids_for_serverless_time_series_delivery_is_at_least_once() {
    let b = batch_with_ids(small_chunks(), false);
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            item_429_first_attempts: 1,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let c = client(&fake, Auth::None);
    let d = c.deliver(b.chunks.clone(), deadline(30)).await;
    assert!(d.dead.is_empty());
    assert_eq!(d.outcome.indexed, b.documents());
    // Item-level retries re-send only refused items: still one copy of each line.
    let bodies: Vec<&Value> = b.expected.values().collect();
    let stored = fake.docs();
    assert_eq!(stored.len(), b.documents());
    assert!(stored.iter().all(|doc| !b
        .expected
        .contains_key(&(doc.index.clone(), doc.id.clone()))
        && bodies.contains(&&doc.source)));
    // A redelivery cannot be recognised without ids: documents are duplicated (documented).
    fake.set_faults(Faults::default());
    let again = c.deliver(b.chunks.clone(), deadline(30)).await;
    assert_eq!(again.outcome.indexed, b.documents());
    assert_eq!(fake.docs().len(), 2 * b.documents());
}

#[tokio::test]
async fn item_level_429_is_retried_alone_until_indexed() {
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            item_429_first_attempts: 2,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(d.dead.is_empty(), "{:?}", d.dead.first());
    assert_eq!(d.outcome.indexed, b.documents());
    assert_eq!(d.outcome.retried_items, 2 * b.documents());
    assert_eq!(fake.bulk_request_count(), 3 * b.chunks.len());
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
}

#[tokio::test]
async fn partial_429_retries_only_the_refused_items() {
    let b = batch(small_chunks());
    // The first delivery stores everything; a second batch with the same ids plus 429s shows
    // that retried items come back as 409 (already present), never as second writes.
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let c = client(&fake, Auth::None);
    let half: Vec<Chunk> = b.chunks.iter().step_by(2).cloned().collect();
    let first = c.deliver(half.clone(), deadline(30)).await;
    let half_docs: usize = half.iter().map(Chunk::len).sum();
    assert_eq!(first.outcome.indexed, half_docs);
    fake.set_faults(Faults {
        item_429_first_attempts: 2,
        ..Faults::default()
    });
    let all = c.deliver(b.chunks.clone(), deadline(30)).await;
    assert!(all.dead.is_empty());
    assert_eq!(all.outcome.indexed, b.documents() - half_docs);
    assert_eq!(all.outcome.already_present, half_docs);
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &all.dead, &all.outcome);
}

#[tokio::test]
async fn whole_request_503_is_retried_with_backoff() {
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            whole_503_first_requests: 3,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(d.dead.is_empty());
    assert_eq!(d.outcome.retries, 3);
    assert_eq!(d.outcome.requests, b.chunks.len() + 3);
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
}

#[tokio::test]
async fn too_large_requests_are_split_and_a_lone_oversized_document_is_dead_lettered() {
    let b = batch(ChunkLimits {
        max_bytes: 256 * 1024,
        max_actions: 1000,
    });
    let largest = b
        .chunks
        .iter()
        .flat_map(|c| (0..c.len()).map(move |i| c.lines(i).unwrap().len()))
        .max()
        .unwrap();
    // The largest document alone exceeds the limit; everything else fits after splits.
    let limit = largest - 1;
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            max_body_bytes: Some(limit),
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(d.outcome.splits > 0);
    let oversized: BTreeSet<Key> = b
        .chunks
        .iter()
        .flat_map(|c| {
            (0..c.len())
                .filter(|i| c.lines(*i).unwrap().len() > limit)
                .map(|i| (c.items()[i].index.to_string(), c.items()[i].id.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!oversized.is_empty());
    assert_eq!(
        keys_of(&d.dead),
        oversized,
        "only documents larger than the limit ({limit}) are dead-lettered"
    );
    assert!(d
        .dead
        .iter()
        .all(|e| e.error.status == 413 && e.given_up == GiveUp::Rejected));
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
}

/// A user field present in several documents (for the mapping-conflict fault).
fn common_user_field(expected: &BTreeMap<Key, Value>) -> (String, usize) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for src in expected.values() {
        if let Some(fields) = src.pointer("/attributes/fields").and_then(Value::as_object) {
            for k in fields.keys() {
                *counts.entry(k.clone()).or_default() += 1;
            }
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).unwrap()
}

#[tokio::test]
async fn mapping_conflicts_are_salvaged_and_the_line_stays_searchable() {
    let b = batch(small_chunks());
    let (field, n) = common_user_field(&b.expected);
    assert!(n >= 2);
    let path = format!("attributes.fields.{field}");
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            reject_field: Some(path.clone()),
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(d.dead.is_empty(), "{:?}", d.dead.first());
    assert_eq!(d.outcome.salvaged, n);
    assert_eq!(d.outcome.indexed, b.documents());
    let mut salvaged = 0;
    for doc in fake.docs() {
        let want = &b.expected[&(doc.index.clone(), doc.id.clone())];
        if want
            .pointer(&format!("/attributes/fields/{field}"))
            .is_none()
        {
            continue;
        }
        salvaged += 1;
        let src = &doc.source;
        assert_eq!(src["body"], want["body"], "the body stays searchable");
        assert_eq!(src["@timestamp"], want["@timestamp"]);
        assert!(src["attributes"].get("fields").is_none());
        let text = src["attributes"][SALVAGED_FIELDS_KEY].as_str().unwrap();
        assert_eq!(
            &serde_json::from_str::<Value>(text).unwrap(),
            &want["attributes"]["fields"]
        );
        assert_eq!(
            src["attributes"]["shiplog"]["salvaged"],
            serde_json::json!(true)
        );
        let reason = src["attributes"]["shiplog"]["salvage_reason"]
            .as_str()
            .unwrap();
        assert!(
            reason
                .starts_with("mapper_parsing_exception: failed to parse field [attributes.fields."),
            "{reason}"
        );
    }
    assert_eq!(salvaged, n);
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
}

#[tokio::test]
async fn every_fault_at_once_still_indexes_each_document_once_or_dead_letters_it() {
    let b = batch(ChunkLimits {
        max_bytes: 64 * 1024,
        max_actions: 200,
    });
    let (field, _) = common_user_field(&b.expected);
    let faults = Faults {
        item_429_first_attempts: 1,
        whole_503_first_requests: 2,
        max_body_bytes: Some(12 * 1024),
        reject_field: Some(format!("attributes.fields.{field}")),
        ..Faults::default()
    };
    let fake = FakeOpenSearch::start(FakeAuth::None, faults).await.unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(
        d.outcome.splits > 0 && d.outcome.retries > 0 && d.outcome.salvaged > 0,
        "{:?}",
        d.outcome
    );
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
    // Redelivery under the same faults: nothing new is written.
    let again = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert_eq!(
        again.outcome.indexed,
        d.dead.len() - again.dead.len(),
        "only former leftovers can be new"
    );
    for (_, w) in fake.writes() {
        assert_eq!(w, 1);
    }
}

#[tokio::test]
async fn retry_budget_exhaustion_dead_letters_with_the_last_error() {
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            item_429_first_attempts: 100,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert_eq!(d.dead.len(), b.documents());
    assert!(d
        .dead
        .iter()
        .all(|e| e.given_up == GiveUp::RetryBudget && e.error.status == 429 && e.attempts == 6));
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
}

#[tokio::test]
async fn gzip_is_on_by_default_and_switchable_off() {
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let d = client(&fake, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(fake
        .bulk_encodings()
        .iter()
        .all(|e| e.as_deref() == Some("gzip")));
    assert!(
        d.outcome.bytes_sent * 3 < d.outcome.bytes_raw,
        "{:?}",
        d.outcome
    );
    assert!(fake.bytes_received() < fake.bytes_decoded());
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);

    let plain = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let c = OpenSearchClient::new(&plain.url(), Auth::None, options(Compression::None)).unwrap();
    let d = c.deliver(b.chunks.clone(), deadline(30)).await;
    assert!(plain.bulk_encodings().iter().all(Option::is_none));
    assert_eq!(d.outcome.bytes_sent, d.outcome.bytes_raw);
    assert_exactly_once_or_dead_lettered(&plain, &b.expected, &d.dead, &d.outcome);
}

fn test_credentials(secret: &str) -> aws_credential_types::provider::SharedCredentialsProvider {
    aws_credential_types::provider::SharedCredentialsProvider::new(
        aws_credential_types::Credentials::new(TEST_ACCESS_KEY, secret, None, None, "test"),
    )
}

#[tokio::test]
async fn sigv4_for_managed_domains_and_serverless_is_verified_by_the_fake() {
    let b = batch(small_chunks());
    for (service, signing) in [("es", SigV4Service::Es), ("aoss", SigV4Service::Aoss)] {
        let fake = FakeOpenSearch::start(FakeAuth::sigv4(service), Faults::default())
            .await
            .unwrap();
        let auth = Auth::sigv4(signing, TEST_REGION, test_credentials(TEST_SECRET_KEY));
        let d = client(&fake, auth)
            .deliver(b.chunks.clone(), deadline(30))
            .await;
        assert_eq!(fake.auth_failures(), 0, "{service}");
        assert!(d.dead.is_empty(), "{service}: {:?}", d.dead.first());
        assert!(
            matches!(d.outcome.template, TemplateStatus::Installed { .. }),
            "template requests are signed too"
        );
        assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
    }
    // Wrong secret, and `es` signatures sent to a serverless collection, are refused (403) and
    // everything is dead-lettered, nothing stored.
    for (service, signing, secret) in [
        ("es", SigV4Service::Es, "wrong"),
        ("aoss", SigV4Service::Es, TEST_SECRET_KEY),
    ] {
        let fake = FakeOpenSearch::start(FakeAuth::sigv4(service), Faults::default())
            .await
            .unwrap();
        let d = client(
            &fake,
            Auth::sigv4(signing, TEST_REGION, test_credentials(secret)),
        )
        .deliver(b.chunks.clone(), deadline(30))
        .await;
        assert!(fake.auth_failures() > 0);
        assert_eq!(d.dead.len(), b.documents());
        assert!(d
            .dead
            .iter()
            .all(|e| e.error.status == 403 && e.given_up == GiveUp::Rejected));
        assert!(matches!(d.outcome.template, TemplateStatus::Failed(_)));
        assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
    }
}

#[tokio::test]
async fn index_template_is_installed_once_upgraded_when_older_and_never_blocks_shipping() {
    let b = batch(small_chunks());
    let ours = shiplog::delivery::index_template::template_version().unwrap();
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let c = client(&fake, Auth::None);
    let d = c.deliver(b.chunks[..1].to_vec(), deadline(30)).await;
    assert_eq!(
        d.outcome.template,
        TemplateStatus::Installed { version: ours }
    );
    let t = fake.template("shiplog").unwrap();
    assert_eq!(t["index_patterns"], serde_json::json!(["shiplog-*"]));
    assert_eq!(
        t["template"]["mappings"]["properties"]["attributes"]["properties"]["fields"]["type"],
        "flat_object"
    );
    let requests = fake.request_count();
    let d = c.deliver(b.chunks[1..2].to_vec(), deadline(30)).await;
    assert_eq!(
        d.outcome.template,
        TemplateStatus::Installed { version: ours }
    );
    assert_eq!(
        fake.request_count(),
        requests + 1,
        "checked once per container: only the _bulk request"
    );
    // A new container finds it current.
    let d = client(&fake, Auth::None)
        .deliver(b.chunks[2..3].to_vec(), deadline(30))
        .await;
    assert_eq!(
        d.outcome.template,
        TemplateStatus::Current { version: ours }
    );
    // The logs template and the span template, once each.
    assert_eq!(fake.template_puts(), 2);
    let spans = fake.template("otel-v1-apm-span-shiplog").unwrap();
    assert_eq!(
        spans["index_patterns"],
        serde_json::json!(["otel-v1-apm-span-shiplog-*"])
    );
    // An older template is upgraded; a newer one is left alone.
    let mut older = t.clone();
    older["version"] = serde_json::json!(ours - 1);
    fake.put_template("shiplog", older);
    let d = client(&fake, Auth::None)
        .deliver(b.chunks[3..4].to_vec(), deadline(30))
        .await;
    assert_eq!(
        d.outcome.template,
        TemplateStatus::Installed { version: ours }
    );
    assert_eq!(fake.template_puts(), 3);
    let mut newer = t;
    newer["version"] = serde_json::json!(ours + 5);
    fake.put_template("shiplog", newer);
    let d = client(&fake, Auth::None)
        .deliver(b.chunks[4..5].to_vec(), deadline(30))
        .await;
    assert_eq!(
        d.outcome.template,
        TemplateStatus::Current { version: ours + 5 }
    );
    assert_eq!(fake.template_puts(), 3);
    // A failing template API is reported, and documents are shipped regardless.
    let broken = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            template_status: Some(500),
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let d = client(&broken, Auth::None)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(
        matches!(&d.outcome.template, TemplateStatus::Failed(e) if e.to_string().contains("500"))
    );
    assert_exactly_once_or_dead_lettered(&broken, &b.expected, &d.dead, &d.outcome);
    assert!(d.dead.is_empty());
}

#[tokio::test]
async fn leftovers_without_a_dead_letter_bucket_are_an_error_carrying_the_outcome() {
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            item_429_first_attempts: 100,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let err = ship(
        &client(&fake, Auth::None),
        None,
        b.chunks.clone(),
        deadline(30),
        "req-1",
    )
    .await
    .unwrap_err();
    assert!(matches!(&err, ShipError::NoDeadLetterBucket { count, .. } if *count == b.documents()));
    assert_eq!(err.outcome().dead_lettered, b.documents());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_is_respected_leftovers_land_in_s3_and_redrive_indexes_them_exactly_once() {
    let moto = MotoServer::start().unwrap();
    let sdk = moto.sdk_config().await;
    let s3 = MotoServer::s3_client(&sdk);
    s3.create_bucket().bucket("dlq").send().await.unwrap();
    let store = DeadLetterStore::from_sdk_config(&sdk, "dlq");
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            latency: Duration::from_secs(3),
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let c = client(&fake, Auth::None);

    // Slow cluster, short deadline: ship returns by the deadline (+ the S3 write) and every
    // document is in the dead letter.
    let budget = Duration::from_millis(600);
    let started = Instant::now();
    let outcome = ship(
        &c,
        Some(&store),
        b.chunks.clone(),
        started + budget,
        "8c3f7a2e-deadline",
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert!(
        took < budget + Duration::from_millis(900),
        "returned after {took:?}"
    );
    assert_eq!(outcome.dead_lettered, b.documents());
    let key = outcome.dead_letter_key.clone().unwrap();
    assert!(
        key.starts_with(DEAD_LETTER_PREFIX) && key.ends_with("/8c3f7a2e-deadline.ndjson.gz"),
        "{key}"
    );
    let entries = store.read(&key).await.unwrap();
    assert_eq!(
        keys_of(&entries),
        b.expected.keys().cloned().collect::<BTreeSet<_>>()
    );
    assert!(entries.iter().all(|e| e.given_up == GiveUp::Deadline));
    assert!(entries
        .iter()
        .any(|e| e.error.kind == ItemErrorKind::Shiplog(FailureReason::Timeout)));
    for e in &entries {
        let src: Value = serde_json::from_slice(&e.source).unwrap();
        assert_eq!(&src, &b.expected[&(e.index.clone(), e.id.clone())]);
    }
    let raw = s3
        .get_object()
        .bucket("dlq")
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.content_type(), Some("application/gzip"));

    // Redrive once the cluster is healthy again. The slow requests the client gave up on may
    // still have landed (a timeout is ambiguous): redrive answers 409 for those, never a
    // second write.
    tokio::time::sleep(Duration::from_secs(3)).await;
    fake.set_faults(Faults::default());
    let limits = ChunkLimits::default();
    let report = shiplog_cli::redrive::redrive(
        &store,
        &c,
        DEAD_LETTER_PREFIX,
        &limits,
        || deadline(30),
        true,
    )
    .await
    .unwrap();
    assert_eq!(report.objects, 1);
    assert_eq!(report.objects_done, 1);
    assert_eq!(report.objects_deleted, 1);
    assert_eq!(report.remaining, 0);
    assert_eq!(report.outcome.delivered(), b.documents());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_exactly_once_or_dead_lettered(
        &fake,
        &b.expected,
        &[],
        &Outcome {
            documents: b.documents(),
            indexed: b.documents(),
            ..Outcome::default()
        },
    );
    assert!(store.list(DEAD_LETTER_PREFIX).await.unwrap().is_empty());

    // Partially failing redrive keeps only the still-failing documents.
    let (field, n) = common_user_field(&b.expected);
    let fresh = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            item_429_first_attempts: 100,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let fc = client(&fresh, Auth::None);
    let out = ship(
        &fc,
        Some(&store),
        b.chunks.clone(),
        deadline(30),
        "req-partial",
    )
    .await
    .unwrap();
    assert_eq!(out.dead_lettered, b.documents());
    fresh.set_faults(Faults {
        reject_field: Some(format!("attributes.fields.{field}")),
        item_429_first_attempts: 0,
        ..Faults::default()
    });
    // Salvage works on redrive too: every document gets in.
    let report = shiplog_cli::redrive::redrive(
        &store,
        &fc,
        DEAD_LETTER_PREFIX,
        &limits,
        || deadline(30),
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.remaining, 0);
    assert_eq!(report.outcome.salvaged, n);
    assert_eq!(report.objects_deleted, 0, "kept without --delete");

    // A dead letter that cannot be written is the caller's error.
    let nowhere = DeadLetterStore::new(s3, "no-such-bucket");
    let stuck = FakeOpenSearch::start(
        FakeAuth::None,
        Faults {
            item_429_first_attempts: 100,
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let err = ship(
        &client(&stuck, Auth::None),
        Some(&nowhere),
        b.chunks.clone(),
        deadline(30),
        "req-x",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ShipError::DeadLetter { count, .. } if *count == b.documents()),
        "{err}"
    );
    assert!(err.to_string().contains("no-such-bucket"));
}

#[tokio::test]
async fn basic_auth_credentials_come_from_secrets_manager() {
    let moto = MotoServer::start().unwrap();
    let sm = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    sm.create_secret()
        .name("shiplog/opensearch")
        .secret_string(r#"{"username":"shiplog","password":"s3cr3t:pw"}"#)
        .send()
        .await
        .unwrap();
    let b = batch(small_chunks());
    let fake = FakeOpenSearch::start(
        FakeAuth::Basic {
            username: "shiplog".into(),
            password: "s3cr3t:pw".into(),
        },
        Faults::default(),
    )
    .await
    .unwrap();
    let auth = Auth::basic_from_secrets_manager(&sm, "shiplog/opensearch")
        .await
        .unwrap();
    let d = client(&fake, auth)
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert!(d.dead.is_empty());
    assert_eq!(fake.auth_failures(), 0);
    assert_exactly_once_or_dead_lettered(&fake, &b.expected, &d.dead, &d.outcome);
    // Wrong password: 401, everything dead-lettered.
    let d = client(&fake, Auth::basic("shiplog", "nope"))
        .deliver(b.chunks.clone(), deadline(30))
        .await;
    assert_eq!(d.dead.len(), b.documents());
    assert!(d.dead.iter().all(|e| e.error.status == 401));
    // A missing secret is a typed error naming it.
    let err = Auth::basic_from_secrets_manager(&sm, "missing")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing"));
}

#[tokio::test]
async fn shipper_is_wired_from_the_environment_with_domain_lookup_and_s3_dead_letters() {
    use shiplog_adapters::opensearch::config::{
        AUTH_ENV, DEAD_LETTER_BUCKET_ENV, DEAD_LETTER_PREFIX_ENV, ENDPOINT_ENV, SECRET_ARN_ENV,
    };
    use shiplog_adapters::opensearch::{
        resolve_domain, DocumentDestination, OpenSearchConfig, OpenSearchError, OpenSearchShipper,
    };
    let moto = MotoServer::start().unwrap();
    let sdk = moto.sdk_config().await;

    // OPENSEARCH_DOMAIN: DescribeDomain gives the endpoint (the VPC one for a VPC domain).
    let os = aws_sdk_opensearch::Client::new(&sdk);
    os.create_domain().domain_name("logs").send().await.unwrap();
    os.create_domain()
        .domain_name("private")
        .vpc_options(
            aws_sdk_opensearch::types::VpcOptions::builder()
                .subnet_ids("subnet-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        resolve_domain(&os, "logs").await.unwrap(),
        "https://logs.us-east-1.es.amazonaws.com"
    );
    assert_eq!(
        resolve_domain(&os, "private").await.unwrap(),
        "https://private.us-east-1.es.amazonaws.com"
    );
    assert!(
        matches!(resolve_domain(&os, "missing").await, Err(OpenSearchError::Domain { domain, .. }) if domain == "missing")
    );

    // OPENSEARCH_ENDPOINT + basic auth from Secrets Manager + DEAD_LETTER_BUCKET, as ship-logs
    // builds them once per container.
    aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name("os-basic")
        .secret_string(r#"{"username":"ship","password":"logs"}"#)
        .send()
        .await
        .unwrap();
    MotoServer::s3_client(&sdk)
        .create_bucket()
        .bucket("dlq")
        .send()
        .await
        .unwrap();
    let fake = FakeOpenSearch::start(
        FakeAuth::Basic {
            username: "ship".into(),
            password: "logs".into(),
        },
        Faults::default(),
    )
    .await
    .unwrap();
    let env: BTreeMap<&str, String> = [
        (ENDPOINT_ENV, fake.url()),
        (AUTH_ENV, "basic".to_owned()),
        (SECRET_ARN_ENV, "os-basic".to_owned()),
        (DEAD_LETTER_PREFIX_ENV, "dead-letter/".to_owned()),
        (DEAD_LETTER_BUCKET_ENV, "dlq".to_owned()),
    ]
    .into_iter()
    .collect();
    let config = OpenSearchConfig::from_lookup(|k| env.get(k).cloned()).unwrap();
    let shipper = OpenSearchShipper::connect(&config, &sdk).await.unwrap();
    let b = batch(small_chunks());
    let outcome = shipper
        .ship(b.chunks.clone(), deadline(30), "req-ok")
        .await
        .unwrap();
    assert_eq!(outcome.indexed, b.documents());
    assert_eq!(outcome.dead_letter_key, None);
    // Under a persistent fault, the leftovers go to the configured bucket and ship succeeds.
    fake.set_faults(Faults {
        whole_503_first_requests: 1000,
        ..Faults::default()
    });
    let more = batch(small_chunks());
    let fresh = OpenSearchShipper::connect(&config, &sdk).await.unwrap();
    let outcome = fresh
        .ship(
            more.chunks.clone(),
            Instant::now() + Duration::from_millis(800),
            "req-503",
        )
        .await
        .unwrap();
    assert_eq!(outcome.dead_lettered, b.documents());
    let key = outcome.dead_letter_key.unwrap();
    assert!(
        key.starts_with("dead-letter/") && key.ends_with("/req-503.ndjson.gz"),
        "{key}"
    );
    let entries = DeadLetterStore::from_sdk_config(&sdk, "dlq")
        .read(&key)
        .await
        .unwrap();
    assert_eq!(entries.len(), b.documents());
    assert!(entries.iter().all(|e| e.error.status == 503));
}

#[test]
fn replay_to_opensearch_ships_samples_through_the_same_delivery() {
    use clap::Parser;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt
        .block_on(FakeOpenSearch::start(FakeAuth::None, Faults::default()))
        .unwrap();
    let out = std::env::temp_dir().join(format!("shiplog-replay-os-{}.ndjson", std::process::id()));
    let samples = repo_root().join("samples");
    let cli = shiplog_cli::Cli::parse_from([
        "shiplog",
        "replay",
        "--to-opensearch",
        &fake.url(),
        "--bulk-max-bytes",
        "8192",
        "--out",
        out.to_str().unwrap(),
        samples.to_str().unwrap(),
    ]);
    assert_eq!(shiplog_cli::run(cli), shiplog_cli::EXIT_OK);
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let mut collected = CollectingSink::new("shiplog");
    let mut files: Vec<PathBuf> = delivery_inputs()
        .into_iter()
        .filter(|p| p.starts_with(&samples))
        .collect();
    files.sort();
    for f in &files {
        let _ = pipeline.process_input(&std::fs::read(f).unwrap(), &mut collected);
    }
    let want: BTreeSet<Key> = collected
        .documents
        .iter()
        .chain(&collected.spans)
        .map(|(i, id, _)| (i.clone(), id.clone()))
        .collect();
    let got: BTreeSet<Key> = fake.docs().into_iter().map(|d| (d.index, d.id)).collect();
    assert_eq!(got, want);
    assert!(fake.bulk_request_count() > 1, "chunked by --bulk-max-bytes");
    let metrics = std::fs::read_to_string(&out).unwrap();
    assert!(
        metrics.lines().count() > 0 && metrics.lines().all(|l| l.contains(r#""type":"metric""#))
    );
    let _ = std::fs::remove_file(out);
    // Shipping the same inputs again is a clean no-op (all already present).
    let cli = shiplog_cli::Cli::parse_from([
        "shiplog",
        "replay",
        "--to-opensearch",
        &fake.url(),
        "--out",
        "/dev/null",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(shiplog_cli::run(cli), shiplog_cli::EXIT_OK);
    assert!(fake.writes().values().all(|w| *w == 1));
}

#[test]
fn replay_to_opensearch_with_emf_metrics_mode_prints_cloudwatch_emf_documents() {
    use clap::Parser;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt
        .block_on(FakeOpenSearch::start(FakeAuth::None, Faults::default()))
        .unwrap();
    let out =
        std::env::temp_dir().join(format!("shiplog-replay-emf-{}.ndjson", std::process::id()));
    // A payload written now, so its metric points fall inside CloudWatch's accepted window.
    let now = shiplog_adapters::now_millis().0;
    let payload = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/orders",
        "logStream": "2026/01/01/[$LATEST]abc", "subscriptionFilters": ["shiplog"],
        "logEvents": [
            {"id": "emf-1", "timestamp": now, "message": "MONITORING|12.5|milliseconds|latency|Shop|stage=prod\n"},
            {"id": "emf-2", "timestamp": now, "message": "MONITORING|7.5|milliseconds|latency|Shop|stage=prod\n"},
        ],
    });
    let input =
        std::env::temp_dir().join(format!("shiplog-replay-emf-{}.json", std::process::id()));
    std::fs::write(&input, payload.to_string()).unwrap();
    let cli = shiplog_cli::Cli::parse_from([
        "shiplog",
        "replay",
        "--to-opensearch",
        &fake.url(),
        "--metrics-mode",
        "emf",
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(shiplog_cli::run(cli), shiplog_cli::EXIT_OK);
    assert_eq!(fake.docs().len(), 2);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let emf = &lines[0];
    let directive = &emf["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Shop");
    assert_eq!(directive["Metrics"][0]["Name"], "latency");
    assert_eq!(directive["Metrics"][0]["Unit"], "Milliseconds");
    assert_eq!(emf["stage"], "prod");
    assert_eq!(emf["FunctionName"], "orders");
    assert_eq!(emf["latency"], serde_json::json!([12.5, 7.5]));
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(input);
}
