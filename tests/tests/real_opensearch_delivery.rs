#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! OpenSearch delivery against the REAL engine (the OpenSearch 2.19 node of the test run, see
//! `shiplog_tests::real_opensearch`), where `opensearch_delivery.rs` uses the in-repo fake: what
//! the engine itself decides. The shipped index template is accepted and upgraded, and yields
//! exactly the mapping `infra/opensearch/fields.txt` declares; every document of the corpus,
//! `samples/` and a 20 000-event generated workload is stored once with its `_id` and source,
//! and a redelivery is answered `409` throughout; without document ids every event is stored
//! exactly once; real item errors are salvaged or dead-lettered to S3 (moto); gzip'd and plain
//! bodies, chunked at a small byte bound, store the same documents in the daily index of their
//! event date.
//!
//! Every test works under its own index prefix (`RealOpenSearch::unique_prefix`), which also
//! names its index template, and deletes both at the end.

use serde_json::{json, Value};
use shiplog::delivery::bulk::{BulkBodyBuilder, Chunk, ChunkLimits};
use shiplog::delivery::dead_letter::GiveUp;
use shiplog::delivery::encoding::Compression;
use shiplog::delivery::index_template::{render_template, template_version};
use shiplog::delivery::salvage::SALVAGED_FIELDS_KEY;
use shiplog::document::Document;
use shiplog::metrics::MetricPoint;
use shiplog::pipeline::{Pipeline, PipelineConfig, Sink};
use shiplog::rejection::Rejection;
use shiplog::testing::workload::{self, WorkloadSpec};
use shiplog::testing::CollectingSink;
use shiplog_adapters::dead_letter::DeadLetterStore;
use shiplog_adapters::opensearch::{
    ship, Auth, Delivery, DeliveryOptions, OpenSearchClient, TemplateStatus,
};
use shiplog_tests::inputs::delivery_inputs;
use shiplog_tests::json_paths::{leaf_paths, mapped_leaves};
use shiplog_tests::moto::MotoServer;
use shiplog_tests::real_opensearch::RealOpenSearch;
use shiplog_tests::{cloudwatch_logs_event, repo_root};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// (index, `_id`).
type Key = (String, String);

/// Events of the generated workload (4 payloads of 5 000 events).
const WORKLOAD_EVENTS: usize = 20_000;

/// Lucene's cap on one indexed term (UTF-8 bytes); a `flat_object` value is one term.
const MAX_TERM_BYTES: usize = 32_766;

// ---------------------------------------------------------------------------------- inputs

/// samples/ and the corpus's whole Lambda events, as `opensearch_delivery.rs` picks them (not
/// the decoded copies, and no input that repeats event ids of an earlier one): file bytes.
fn corpus_inputs() -> &'static [Vec<u8>] {
    static INPUTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        delivery_inputs()
            .into_iter()
            .map(|f| std::fs::read(f).unwrap())
            .collect()
    })
}

/// The generated workload (`shiplog bench`'s generator, default seed): 4 CloudWatch Logs
/// subscription events of 5 000 log events each, every function flavour but one.
fn workload_inputs() -> &'static [Vec<u8>] {
    static INPUTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let spec = WorkloadSpec {
            payloads: 4,
            events_per_payload: WORKLOAD_EVENTS / 4,
            seed: workload::DEFAULT_SEED,
        };
        // One thread per payload (each is generated alone from the seed and its index).
        std::thread::scope(|s| {
            let spec = &spec;
            let handles: Vec<_> = (0..spec.payloads)
                .map(|i| s.spawn(move || workload::generate_payload(spec, i).lambda_event))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    })
}

/// A small workload with every function flavour (10 payloads of 100 events).
fn flavours_inputs() -> &'static [Vec<u8>] {
    static INPUTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let spec = WorkloadSpec {
            payloads: 10,
            events_per_payload: 100,
            seed: workload::DEFAULT_SEED ^ 0xf1a7,
        };
        workload::generate(&spec)
            .into_iter()
            .map(|p| p.lambda_event)
            .collect()
    })
}

/// The chunks to send and what OpenSearch should end up holding: (index, id) → source.
struct Batch {
    chunks: Vec<Chunk>,
    expected: BTreeMap<Key, Value>,
    /// Documents made from each group of inputs, in order.
    per_group: Vec<usize>,
}

impl Batch {
    fn documents(&self) -> usize {
        self.chunks.iter().map(Chunk::len).sum()
    }

    /// Expected documents per index.
    fn per_index(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (index, _) in self.expected.keys() {
            *out.entry(index.clone()).or_default() += 1;
        }
        out
    }
}

/// Feeds one pipeline run to several bulk builders and to the collector of expected documents.
struct Tee<'a> {
    builders: Vec<BulkBodyBuilder>,
    collected: &'a mut CollectingSink,
}

impl Sink for Tee<'_> {
    fn document(&mut self, doc: &Document<'_>) {
        for b in &mut self.builders {
            b.push_document(doc).unwrap();
        }
        self.collected.document(doc);
    }
    fn metric(&mut self, _point: MetricPoint) {}
    fn rejection(&mut self, _rejection: Rejection) {}
}

/// One pipeline run over `inputs` into `_bulk` chunks per target (index prefix, chunk limits,
/// document ids on or off), with the documents expected in OpenSearch for each.
fn batches(targets: &[(&str, ChunkLimits, bool)], inputs: &[&[Vec<u8>]]) -> Vec<Batch> {
    const COLLECT: &str = "collect";
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let mut collected = CollectingSink::new(COLLECT);
    let mut tee = Tee {
        builders: targets
            .iter()
            .map(|(prefix, limits, ids)| {
                BulkBodyBuilder::new(prefix, *limits).with_document_ids(*ids)
            })
            .collect(),
        collected: &mut collected,
    };
    let mut per_group = Vec::new();
    for group in inputs {
        let before = tee.collected.documents.len();
        for bytes in group.iter() {
            let _ = pipeline.process_input(bytes, &mut tee);
        }
        per_group.push(tee.collected.documents.len() - before);
    }
    let builders = std::mem::take(&mut tee.builders);
    let mut by_key = BTreeMap::new();
    for (index, id, source) in collected.documents {
        let day = index[COLLECT.len()..].to_owned();
        assert!(
            by_key.insert((day, id.clone()), source).is_none(),
            "event id {id} appears twice in the inputs"
        );
    }
    targets
        .iter()
        .zip(builders)
        .map(|((prefix, _, _), builder)| {
            let b = Batch {
                chunks: builder.finish(),
                expected: by_key
                    .iter()
                    .map(|((day, id), src)| ((format!("{prefix}{day}"), id.clone()), src.clone()))
                    .collect(),
                per_group: per_group.clone(),
            };
            assert_eq!(b.documents(), b.expected.len());
            b
        })
        .collect()
}

/// [`batches`] for one target.
fn batch(prefix: &str, inputs: &[&[Vec<u8>]], limits: ChunkLimits, document_ids: bool) -> Batch {
    batches(&[(prefix, limits, document_ids)], inputs)
        .pop()
        .unwrap()
}

/// The corpus, samples/ and the 20 000-event workload, run through the pipeline once, for two
/// tests with their own prefixes: `_id`s on, and `_id`s off.
struct Volume {
    with_ids: (String, Batch),
    without_ids: (String, Batch),
}

fn volume(os: &RealOpenSearch) -> &'static Volume {
    static VOLUME: OnceLock<Volume> = OnceLock::new();
    VOLUME.get_or_init(|| {
        let (a, b) = (os.unique_prefix("volume"), os.unique_prefix("no-ids"));
        let limits = ChunkLimits::default();
        let mut built = batches(
            &[(&a, limits, true), (&b, limits, false)],
            &[corpus_inputs(), workload_inputs()],
        );
        let without = built.pop().unwrap();
        let with = built.pop().unwrap();
        assert!(
            with.per_group[0] > 50,
            "corpus and samples: {}",
            with.per_group[0]
        );
        assert_eq!(
            with.per_group[1], WORKLOAD_EVENTS,
            "one document per workload event"
        );
        Volume {
            with_ids: (a, with),
            without_ids: (b, without),
        }
    })
}

fn options(prefix: &str, compression: Compression) -> DeliveryOptions {
    DeliveryOptions {
        index_prefix: prefix.to_owned(),
        compression,
        manage_template: true,
        backoff_seed: Some(7),
        ..DeliveryOptions::default()
    }
}

fn client(os: &RealOpenSearch, prefix: &str, compression: Compression) -> OpenSearchClient {
    OpenSearchClient::new(os.url(), Auth::None, options(prefix, compression)).unwrap()
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(120)
}

/// Delivers `b` and asserts that the engine answered every item with a success.
async fn deliver_all(c: &OpenSearchClient, b: &Batch) -> Delivery {
    let d = c.deliver(b.chunks.clone(), deadline()).await;
    assert!(
        d.dead.is_empty(),
        "{} dead-lettered, first: {:?}",
        d.dead.len(),
        d.dead
            .first()
            .map(|e| (&e.error, String::from_utf8_lossy(&e.source)))
    );
    assert_eq!(d.outcome.documents, b.documents());
    assert_eq!(d.outcome.indexed, b.documents(), "{:?}", d.outcome);
    assert_eq!(d.outcome.requests, b.chunks.len(), "no retries, no splits");
    assert_eq!(
        d.outcome.template,
        TemplateStatus::Installed {
            version: template_version().unwrap()
        }
    );
    d
}

// ------------------------------------------------------------------------- engine queries

/// Only what [`all_hits`] reads of a search answer.
const HITS_ONLY: &str = "filter_path=_scroll_id,hits.hits._index,hits.hits._id,hits.hits._source";

/// Every stored document under `pattern` (index, `_id`, `_source`), read with a scroll.
async fn all_hits(os: &RealOpenSearch, pattern: &str) -> Vec<(String, String, Value)> {
    os.refresh(pattern).await;
    let mut out = Vec::new();
    let mut page = os
        .post_ok(
            &format!("/{pattern}/_search?scroll=1m&allow_no_indices=true&{HITS_ONLY}"),
            &json!({"size": 5000, "sort": ["_doc"], "query": {"match_all": {}}}),
        )
        .await;
    loop {
        // filter_path leaves out an empty hit list.
        let hits = match page["hits"]["hits"].take() {
            Value::Array(hits) => hits,
            Value::Null if page.get("_scroll_id").is_some() => Vec::new(),
            _ => panic!("not a search answer: {page}"),
        };
        if hits.is_empty() {
            break;
        }
        for mut h in hits {
            out.push((
                h["_index"].as_str().unwrap().to_owned(),
                h["_id"].as_str().unwrap().to_owned(),
                h["_source"].take(),
            ));
        }
        let id = page["_scroll_id"].as_str().unwrap().to_owned();
        page = os
            .post_ok(
                &format!("/_search/scroll?{HITS_ONLY}"),
                &json!({"scroll": "1m", "scroll_id": id}),
            )
            .await;
    }
    if let Some(id) = page["_scroll_id"].as_str() {
        let _ = os
            .request(
                reqwest::Method::DELETE,
                "/_search/scroll",
                Some(&json!({ "scroll_id": id })),
            )
            .await;
    }
    out
}

/// Every stored document under `pattern` by (index, `_id`); a key stored twice fails.
async fn stored(os: &RealOpenSearch, pattern: &str) -> BTreeMap<Key, Value> {
    let mut out = BTreeMap::new();
    for (index, id, source) in all_hits(os, pattern).await {
        let key = (index, id);
        assert!(!out.contains_key(&key), "{key:?} stored twice");
        out.insert(key, source);
    }
    out
}

/// Documents per index as `_cat/indices` reports them.
async fn cat_counts(os: &RealOpenSearch, pattern: &str) -> BTreeMap<String, u64> {
    os.refresh(pattern).await;
    let rows = os
        .get_ok(&format!(
            "/_cat/indices/{pattern}?format=json&h=index,docs.count&expand_wildcards=all"
        ))
        .await;
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_str().unwrap().to_owned(),
                r["docs.count"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// Deleted (replaced) documents under `pattern`, as `_cat/indices` reports them.
async fn deleted_docs(os: &RealOpenSearch, pattern: &str) -> u64 {
    os.refresh(pattern).await;
    let rows = os
        .get_ok(&format!(
            "/_cat/indices/{pattern}?format=json&h=index,docs.deleted&expand_wildcards=all"
        ))
        .await;
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["docs.deleted"].as_str().unwrap().parse::<u64>().unwrap())
        .sum()
}

/// Each index `<prefix>-YYYY.MM.DD` holds only documents whose `observedTimestamp` (the
/// CloudWatch event time) falls on that UTC day, as the engine's own date parsing sees it.
async fn assert_daily_indices(os: &RealOpenSearch, prefix: &str, counts: &BTreeMap<String, u64>) {
    assert!(!counts.is_empty());
    for (index, n) in counts {
        let day = index
            .strip_prefix(&format!("{prefix}-"))
            .unwrap_or_else(|| panic!("{index} is not under {prefix}"));
        assert!(
            day.len() == 10 && day.split('.').count() == 3,
            "{index} is not a daily index"
        );
        let date = day.replace('.', "-");
        let on_day = json!({"range": {"observedTimestamp": {
            "gte": date, "lt": format!("{date}||+1d"), "format": "yyyy-MM-dd"}}});
        let inside = os
            .post_ok(&format!("/{index}/_count"), &json!({ "query": on_day }))
            .await;
        assert_eq!(inside["count"], json!(n), "{index}: documents of its day");
        let outside = os
            .post_ok(
                &format!("/{index}/_count"),
                &json!({"query": {"bool": {"must_not": on_day}}}),
            )
            .await;
        assert_eq!(
            outside["count"],
            json!(0),
            "{index}: documents of other days"
        );
    }
}

/// Asserts the engine holds exactly `b.expected` under `prefix`: same keys, same sources.
async fn assert_stored_exactly(os: &RealOpenSearch, prefix: &str, b: &Batch) {
    let pattern = format!("{prefix}-*");
    assert_eq!(os.count(&pattern).await, b.documents() as u64);
    let got = stored(os, &pattern).await;
    assert_eq!(got.len(), b.expected.len());
    for (key, want) in &b.expected {
        let source = got
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} is not in OpenSearch"));
        assert_eq!(source, want, "{key:?} stored with another source");
    }
}

async fn cleanup(os: &RealOpenSearch, prefix: &str) {
    os.delete(&format!("{prefix}-*"), Some(prefix)).await;
}

// ------------------------------------------------------------------------------- mapping

/// fields.txt: one dotted field per line; `x.*` = any key under the object `x`.
fn fields_txt() -> BTreeSet<String> {
    std::fs::read_to_string(repo_root().join("infra/opensearch/fields.txt"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The template is accepted by the real `PUT _index_template`, replaces an older version, is
/// never downgraded, and the indices it creates have exactly the fields of fields.txt with the
/// template's types: after indexing every document shape shiplog produces, no field was added
/// (`dynamic: false`), none is missing, and every field of every stored document is mapped
/// (nothing sits unsearchable in `_source`).
#[tokio::test]
async fn shipped_template_is_accepted_upgrades_an_older_one_and_maps_exactly_fields_txt() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("template");
    let ours = template_version().unwrap();
    let rendered: Value = serde_json::from_slice(&render_template(&prefix).unwrap()).unwrap();
    let path = format!("/_index_template/{prefix}");

    // An older release's template: lower version, and without one of today's fields, so that
    // a missed upgrade shows in the mapping below.
    let mut older = rendered.clone();
    older["version"] = json!(ours - 1);
    older["template"]["mappings"]["properties"]["attributes"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove(SALVAGED_FIELDS_KEY)
        .unwrap();
    os.put_ok(&path, &older).await;

    let c = client(&os, &prefix, Compression::Gzip);
    assert_eq!(
        c.ensure_template(deadline()).await,
        TemplateStatus::Installed { version: ours },
        "the engine accepts the shipped template as an upgrade"
    );
    let got = os.get_ok(&path).await;
    let installed = &got["index_templates"][0]["index_template"];
    assert_eq!(installed["version"], json!(ours));
    assert_eq!(installed["index_patterns"], json!([format!("{prefix}-*")]));
    assert_eq!(installed["priority"], rendered["priority"]);
    assert_eq!(
        installed["template"]["mappings"], rendered["template"]["mappings"],
        "the engine stored the shipped mapping as it is"
    );
    assert_eq!(
        installed["template"]["settings"]["index"]["mapping"]["ignore_malformed"],
        json!("true")
    );

    // Every document shape shiplog produces: corpus, samples, every workload flavour.
    let b = batch(
        &prefix,
        &[corpus_inputs(), flavours_inputs()],
        ChunkLimits::default(),
        true,
    );
    deliver_all(&c, &b).await;
    let pattern = format!("{prefix}-*");
    assert_eq!(os.count(&pattern).await, b.documents() as u64);

    let mut template_types = BTreeMap::new();
    mapped_leaves(
        &rendered["template"]["mappings"]["properties"],
        "",
        &mut template_types,
    );
    let declared = fields_txt();
    let mappings = os.get_ok(&format!("/{pattern}/_mapping")).await;
    let indices = mappings.as_object().unwrap();
    assert_eq!(indices.len(), b.per_index().len());
    let mut doc_fields = BTreeSet::new();
    for source in b.expected.values() {
        leaf_paths(source, "", &mut doc_fields);
    }
    for (index, m) in indices {
        let m = &m["mappings"];
        assert_eq!(m["dynamic"], json!("false"), "{index}");
        let mut leaves = BTreeMap::new();
        mapped_leaves(&m["properties"], "", &mut leaves);
        assert_eq!(
            leaves, template_types,
            "{index}: the engine's mapping differs from the template's"
        );
        let names: BTreeSet<String> = leaves
            .iter()
            .map(|(name, kind)| match kind.as_str() {
                "flat_object" => format!("{name}.*"),
                _ => name.clone(),
            })
            .collect();
        let unlisted: Vec<&String> = names.difference(&declared).collect();
        let unmapped: Vec<&String> = declared.difference(&names).collect();
        assert!(
            unlisted.is_empty() && unmapped.is_empty(),
            "{index}: mapped but not in fields.txt: {unlisted:?}; in fields.txt but not \
             mapped: {unmapped:?}"
        );
        // Under dynamic: false a field outside the mapping is kept in _source but never
        // indexed: every field the documents carry must be mapped.
        let unsearchable: Vec<&String> = doc_fields
            .iter()
            .filter(|f| {
                !leaves.contains_key(*f)
                    && !leaves.iter().any(|(name, kind)| {
                        kind == "flat_object"
                            && (*f == name
                                || f.strip_prefix(name.as_str())
                                    .is_some_and(|r| r.starts_with('.')))
                    })
            })
            .collect();
        assert!(
            unsearchable.is_empty(),
            "document fields the mapping does not index: {unsearchable:?}"
        );
    }

    // A fresh container finds the template current; a newer one is never downgraded.
    assert_eq!(
        client(&os, &prefix, Compression::Gzip)
            .ensure_template(deadline())
            .await,
        TemplateStatus::Current { version: ours }
    );
    let mut newer = rendered.clone();
    newer["version"] = json!(ours + 5);
    os.put_ok(&path, &newer).await;
    assert_eq!(
        client(&os, &prefix, Compression::Gzip)
            .ensure_template(deadline())
            .await,
        TemplateStatus::Current { version: ours + 5 }
    );
    let got = os.get_ok(&path).await;
    assert_eq!(
        got["index_templates"][0]["index_template"]["version"],
        json!(ours + 5)
    );
    cleanup(&os, &prefix).await;
}

// ------------------------------------------------------------------------------- volume

/// Every document of the corpus, samples/ and a 20 000-event workload is stored in the real
/// engine once, under its `_id`, with its exact source; shipping the same chunks again is
/// answered `409` for every item (`already_present`) and stores nothing new.
#[tokio::test]
async fn corpus_samples_and_workload_are_indexed_once_and_redelivery_is_all_409() {
    let os = RealOpenSearch::shared();
    let (prefix, b) = &volume(&os).with_ids;
    let c = client(&os, prefix, Compression::Gzip);
    let d = deliver_all(&c, b).await;
    assert_eq!(d.outcome.already_present, 0);
    assert_stored_exactly(&os, prefix, b).await;

    let again = c.deliver(b.chunks.clone(), deadline()).await;
    assert!(again.dead.is_empty(), "{:?}", again.dead.first());
    assert_eq!(again.outcome.indexed, 0, "{:?}", again.outcome);
    assert_eq!(again.outcome.already_present, b.documents());
    let pattern = format!("{prefix}-*");
    assert_eq!(os.count(&pattern).await, b.documents() as u64);
    assert_eq!(cat_counts(&os, &pattern).await, b.per_index());
    // Not overwritten either: an overwrite would leave the replaced copy as a deleted doc.
    assert_eq!(deleted_docs(&os, &pattern).await, 0);
    cleanup(&os, prefix).await;
}

/// With document ids off (OpenSearch Serverless time-series collections), the engine assigns
/// the ids; every event of the corpus, samples/ and the workload is stored exactly once: the
/// stored sources are the expected ones, each as often as it was shipped.
#[tokio::test]
async fn without_document_ids_every_event_is_indexed_exactly_once() {
    let os = RealOpenSearch::shared();
    let (prefix, b) = &volume(&os).without_ids;
    assert!(
        b.chunks.iter().all(|c| (0..c.len()).all(|i| c
            .action(i)
            .is_some_and(|a| !String::from_utf8_lossy(a).contains("\"_id\"")))),
        "create actions without _id"
    );
    let c = client(&os, prefix, Compression::Gzip);
    deliver_all(&c, b).await;
    let pattern = format!("{prefix}-*");
    assert_eq!(os.count(&pattern).await, b.documents() as u64);
    let hits = all_hits(&os, &pattern).await;
    assert_eq!(hits.len(), b.documents());
    let mut want: BTreeMap<(String, String), usize> = BTreeMap::new();
    for ((index, _), source) in &b.expected {
        *want.entry((index.clone(), source.to_string())).or_default() += 1;
    }
    let mut got: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (index, id, source) in &hits {
        assert!(
            !b.expected.contains_key(&(index.clone(), id.clone())),
            "the engine assigned the ids"
        );
        *got.entry((index.clone(), source.to_string())).or_default() += 1;
    }
    assert!(
        got == want,
        "stored documents differ from the events shipped"
    );
    cleanup(&os, prefix).await;
}

// ---------------------------------------------------------------------- salvage, dead letter

/// Whether any string under `v` is longer than one Lucene term can be.
fn has_immense_string(v: &Value) -> bool {
    match v {
        Value::String(s) => s.len() > MAX_TERM_BYTES,
        Value::Array(a) => a.iter().any(has_immense_string),
        Value::Object(m) => m.values().any(has_immense_string),
        _ => false,
    }
}

/// 2024-05-05T04:01:02Z.
const DAY_MS: i64 = 1_714_881_662_000;

/// 2023-02-28T12:00:00Z, a day no corpus document falls on, and its daily index suffix.
const FOREIGN_DAY_MS: i64 = 1_677_585_600_000;
const FOREIGN_DAY: &str = "2023.02.28";

/// What the shipped template still lets the engine refuse, and what happens then.
/// `dynamic: false` and `ignore_malformed` make wrong scalar types and unknown fields harmless,
/// and `attributes.fields` / `attributes.correlation` are `flat_object`, so a key that is a number
/// in one line and an object in the next cannot conflict. But a `flat_object` indexes each value as
/// one keyword term, and Lucene refuses a term over 32 766 bytes: the engine rejects the whole
/// document with `400 illegal_argument_exception` ("immense term"). A user field that large (a
/// dumped payload in a JSON log line) is salvaged: moved to the text field
/// `attributes.fields_text`, the line is stored. A value that large under a correlation key
/// (`x-correlation-*`) is not read as a correlation id (the core's `MAX_ID_BYTES`): it stays a
/// user field and is salvaged the same way, so no pipeline document reaches the engine in a form
/// salvage cannot fix. What the engine still refuses after salvage — here an index of another
/// tool under the same name, whose `body` is a number — goes to the S3 dead letter (moto), with
/// the engine's reason. Nothing is lost: indexed + dead-lettered = shipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immense_values_are_salvaged_and_what_the_engine_still_refuses_is_dead_lettered_to_s3() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("salvage");
    let big = |c: char| c.to_string().repeat(MAX_TERM_BYTES + 1000);
    let messages = [
        json!({"level": "INFO", "message": "export done", "rows": 3, "blob": big('x')}),
        json!({"level": "INFO", "x-correlation-session": big('y')}),
        json!({"level": "ERROR", "message": "charge failed", "amount": 5,
            "x-correlation-trace": big('z'), "x-correlation-id": "order-17"}),
        json!({"level": "INFO", "message": "small line", "amount": 1}),
    ]
    .map(|m| m.to_string());
    let events: Vec<(String, &String)> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("real-salvage-{i}"), m))
        .collect();
    let events: Vec<(&str, &String)> = events.iter().map(|(id, m)| (id.as_str(), *m)).collect();
    // The other tool's index: a day no corpus document falls on.
    let foreign_index = format!("{prefix}-{FOREIGN_DAY}");
    os.put_ok(
        &format!("/{foreign_index}"),
        &json!({"mappings": {"properties": {"body": {"type": "long"}}}}),
    )
    .await;
    let foreign_messages = [
        json!({"level": "INFO", "message": "refused with fields", "rows": 1}).to_string(),
        "refused plain line".to_owned(),
    ];
    let foreign_events: Vec<(&str, &String)> = ["real-refused-0", "real-refused-1"]
        .into_iter()
        .zip(foreign_messages.iter())
        .collect();
    let crafted = vec![
        cloudwatch_logs_event(
            "/aws/lambda/orders",
            "2024/05/05/[$LATEST]0123456789abcdef",
            &events,
            DAY_MS,
        ),
        cloudwatch_logs_event(
            "/aws/lambda/orders",
            "2023/02/28/[$LATEST]0123456789abcdef",
            &foreign_events,
            FOREIGN_DAY_MS,
        ),
    ];
    let b = batch(
        &prefix,
        &[corpus_inputs(), &crafted],
        ChunkLimits::default(),
        true,
    );
    let immense = |src: &Value, field: &str| has_immense_string(&src["attributes"][field]);
    assert!(
        !b.expected.values().any(|s| immense(s, "correlation")),
        "no correlation id is immense"
    );
    let want_dead: BTreeSet<Key> = b
        .expected
        .keys()
        .filter(|(index, _)| *index == foreign_index)
        .cloned()
        .collect();
    let want_salvaged: BTreeSet<Key> = b
        .expected
        .iter()
        .filter(|(_, s)| immense(s, "fields"))
        .map(|(k, _)| k.clone())
        .collect();
    let dead_with_fields = want_dead
        .iter()
        .filter(|k| b.expected[*k]["attributes"].get("fields").is_some())
        .count();
    assert_eq!(
        (want_dead.len(), want_salvaged.len(), dead_with_fields),
        (2, 3, 1),
        "the crafted lines map as intended: {:?}",
        b.expected
            .iter()
            .filter(|((_, id), _)| id.starts_with("real-"))
            .map(|(_, s)| {
                let mut paths = BTreeSet::new();
                leaf_paths(&s["attributes"], "", &mut paths);
                paths
            })
            .collect::<Vec<_>>()
    );
    let session_line = b
        .expected
        .iter()
        .find(|((_, id), _)| id == "real-salvage-2")
        .map(|(_, s)| s.clone())
        .unwrap();
    assert_eq!(
        session_line["attributes"]["correlation_id"],
        json!("order-17"),
        "the short id beside the immense value is still a correlation id"
    );

    let moto = MotoServer::start().unwrap();
    let sdk = moto.sdk_config().await;
    MotoServer::s3_client(&sdk)
        .create_bucket()
        .bucket("dlq")
        .send()
        .await
        .unwrap();
    let store = DeadLetterStore::from_sdk_config(&sdk, "dlq");
    let c = client(&os, &prefix, Compression::Gzip);
    let outcome = ship(
        &c,
        Some(&store),
        b.chunks.clone(),
        deadline(),
        "req-real-salvage",
    )
    .await
    .unwrap();
    assert_eq!(outcome.documents, b.documents());
    assert_eq!(outcome.dead_lettered, want_dead.len(), "{outcome:?}");
    assert_eq!(outcome.salvaged, want_salvaged.len(), "{outcome:?}");
    assert_eq!(outcome.already_present, 0);
    assert_eq!(
        outcome.indexed + outcome.dead_lettered,
        b.documents(),
        "nothing lost: {outcome:?}"
    );

    // The dead letter in S3: exactly the refused documents, with the engine's error.
    let key = outcome.dead_letter_key.clone().unwrap();
    assert!(key.ends_with("/req-real-salvage.ndjson.gz"), "{key}");
    let entries = store.read(&key).await.unwrap();
    let dead_keys: BTreeSet<Key> = entries
        .iter()
        .map(|e| (e.index.clone(), e.id.clone()))
        .collect();
    assert_eq!(dead_keys, want_dead);
    assert_eq!(entries.len(), want_dead.len());
    for e in &entries {
        assert_eq!(e.given_up, GiveUp::Rejected, "{e:?}");
        assert_eq!(
            (e.error.status, e.error.kind.opensearch_type()),
            (400, Some("mapper_parsing_exception")),
            "{e:?}"
        );
        assert!(e.error.reason.contains("[body]"), "{}", e.error.reason);
        let src: Value = serde_json::from_slice(&e.source).unwrap();
        let want = &b.expected[&(e.index.clone(), e.id.clone())];
        if want["attributes"].get("fields").is_some() {
            // Salvaged once, refused again: the salvaged form is kept, with the original
            // fields in it.
            assert!(e.salvaged && e.attempts == 2, "{e:?}");
            assert_eq!(src["attributes"]["shiplog"]["salvaged"], json!(true));
            let text = src["attributes"][SALVAGED_FIELDS_KEY].as_str().unwrap();
            assert_eq!(
                serde_json::from_str::<Value>(text).unwrap(),
                want["attributes"]["fields"]
            );
        } else {
            assert!(!e.salvaged && e.attempts == 1, "{e:?}");
            assert_eq!(&src, want, "the dead letter keeps the exact source");
        }
    }

    // The engine holds everything else; the salvaged lines are stored and searchable.
    let pattern = format!("{prefix}-*");
    let got = stored(&os, &pattern).await;
    assert_eq!(got.len(), outcome.indexed);
    for (key, want) in &b.expected {
        if want_dead.contains(key) {
            assert!(
                !got.contains_key(key),
                "{key:?} both stored and dead-lettered"
            );
            continue;
        }
        let src = got.get(key).unwrap_or_else(|| panic!("{key:?} lost"));
        if !want_salvaged.contains(key) {
            assert_eq!(src, want, "{key:?}");
            continue;
        }
        assert_eq!(src["body"], want["body"]);
        assert_eq!(src["@timestamp"], want["@timestamp"]);
        assert_eq!(
            src["attributes"]["correlation"],
            want["attributes"]["correlation"]
        );
        assert!(src["attributes"].get("fields").is_none());
        let text = src["attributes"][SALVAGED_FIELDS_KEY].as_str().unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap(),
            want["attributes"]["fields"]
        );
        let reason = src["attributes"]["shiplog"]["salvage_reason"]
            .as_str()
            .unwrap();
        assert!(
            reason.starts_with(
                "illegal_argument_exception: Document contains at least one immense term in \
                 field=\"attributes.fields"
            ),
            "{reason}"
        );
    }
    let salvaged = os
        .post_ok(
            &format!("/{pattern}/_count"),
            &json!({"query": {"bool": {"filter": [
                {"term": {"attributes.shiplog.salvaged": true}},
                {"match_phrase": {"body": "export done"}},
                {"match": {"attributes.fields_text": "rows"}}]}}}),
        )
        .await;
    assert_eq!(
        salvaged["count"],
        json!(1),
        "the salvaged line is searchable"
    );
    let by_correlation = os
        .post_ok(
            &format!("/{pattern}/_count"),
            &json!({"query": {"term": {"attributes.correlation_id": "order-17"}}}),
        )
        .await;
    assert_eq!(
        by_correlation["count"],
        json!(1),
        "the line with the immense value is found by its short correlation id"
    );
    cleanup(&os, &prefix).await;
}

/// The classic type conflict, number in one line and object in another, cannot happen under the
/// shipped template (`flat_object`). It still happens on an index created before the template
/// was installed (or by an older, looser template): there user fields are mapped dynamically,
/// the first line maps `attributes.fields.amount` as `long` and `attributes.fields.user` as an
/// object, and the engine refuses the next lines that disagree with `400
/// mapper_parsing_exception`. Salvage stores them with their fields as text.
#[tokio::test]
async fn a_type_conflict_on_an_index_created_before_the_template_is_salvaged() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("conflict");
    let index = format!("{prefix}-2024.05.05");
    os.put_ok(&format!("/{index}"), &json!({})).await;
    let messages = [
        json!({"level": "INFO", "message": "priced", "amount": 12, "user": {"id": 7}}),
        json!({"level": "INFO", "message": "priced in euro",
            "amount": {"value": 12, "currency": "EUR"}}),
        json!({"level": "INFO", "message": "anonymous visit", "user": "anonymous"}),
        json!({"level": "INFO", "message": "priced again", "amount": 13, "user": {"id": 8}}),
    ]
    .map(|m| m.to_string());
    let ids = ["conflict-0", "conflict-1", "conflict-2", "conflict-3"];
    let events: Vec<(&str, &String)> = ids.iter().copied().zip(messages.iter()).collect();
    let crafted = vec![cloudwatch_logs_event(
        "/aws/lambda/shop",
        "2024/05/05/[$LATEST]fedcba9876543210",
        &events,
        DAY_MS,
    )];
    let b = batch(&prefix, &[&crafted], ChunkLimits::default(), true);
    assert_eq!(b.documents(), 4);
    let c = client(&os, &prefix, Compression::Gzip);
    let d = c.deliver(b.chunks.clone(), deadline()).await;
    assert!(d.dead.is_empty(), "{:?}", d.dead.first());
    assert_eq!(
        (d.outcome.indexed, d.outcome.salvaged),
        (4, 2),
        "{:?}",
        d.outcome
    );

    let mapping = os.get_ok(&format!("/{index}/_mapping")).await;
    let fields = &mapping[&index]["mappings"]["properties"]["attributes"]["properties"]["fields"];
    assert_eq!(
        fields["properties"]["amount"]["type"],
        json!("long"),
        "{fields}"
    );
    assert!(fields["properties"]["user"].get("properties").is_some());

    let got = stored(&os, &format!("{prefix}-*")).await;
    assert_eq!(got.len(), 4);
    for (i, (key, want)) in b.expected.iter().enumerate() {
        let src = &got[key];
        let reason = src["attributes"]["shiplog"]["salvage_reason"].as_str();
        match key.1.as_str() {
            "conflict-1" | "conflict-2" => {
                let field = if key.1 == "conflict-1" {
                    "amount"
                } else {
                    "user"
                };
                let reason = reason.unwrap_or_else(|| panic!("{key:?} not salvaged: {src}"));
                assert!(
                    reason.starts_with("mapper_parsing_exception: ")
                        && reason.contains(&format!("attributes.fields.{field}")),
                    "{reason}"
                );
                let text = src["attributes"][SALVAGED_FIELDS_KEY].as_str().unwrap();
                assert_eq!(
                    serde_json::from_str::<Value>(text).unwrap(),
                    want["attributes"]["fields"]
                );
                assert_eq!(src["body"], want["body"]);
            }
            _ => assert_eq!(src, want, "line {i} stored as it is"),
        }
    }
    cleanup(&os, &prefix).await;
}

// --------------------------------------------------------------- gzip, chunks, daily indices

/// The same documents through gzip'd and through plain `_bulk` bodies, chunked at a small byte
/// bound (many requests): the engine accepts `Content-Encoding: gzip`, both store exactly the
/// expected documents, the same per daily index, and each index `<prefix>-YYYY.MM.DD` holds
/// only events of that UTC day.
#[tokio::test]
async fn gzip_and_plain_bodies_chunked_at_the_byte_bound_store_the_same_daily_indices() {
    let os = RealOpenSearch::shared();
    let limits = ChunkLimits {
        max_bytes: 8 * 1024,
        max_actions: 10_000,
    };
    let prefixes = [os.unique_prefix("gzip"), os.unique_prefix("plain")];
    let built = batches(
        &[(&prefixes[0], limits, true), (&prefixes[1], limits, true)],
        &[corpus_inputs(), flavours_inputs()],
    );
    let mut per_mode = Vec::new();
    for ((prefix, b), compression) in prefixes
        .iter()
        .zip(&built)
        .zip([Compression::Gzip, Compression::None])
    {
        assert!(b.chunks.len() > 50, "{} chunks", b.chunks.len());
        assert!(
            b.chunks
                .iter()
                .all(|c| c.byte_len() <= limits.max_bytes || c.len() == 1),
            "chunks keep to the byte bound"
        );
        let c = client(&os, prefix, compression);
        let d = deliver_all(&c, b).await;
        match compression {
            Compression::Gzip => assert!(
                d.outcome.bytes_sent * 2 < d.outcome.bytes_raw,
                "{:?}",
                d.outcome
            ),
            Compression::None => assert_eq!(d.outcome.bytes_sent, d.outcome.bytes_raw),
        }
        assert_stored_exactly(&os, prefix, b).await;
        let pattern = format!("{prefix}-*");
        let counts = cat_counts(&os, &pattern).await;
        assert_eq!(counts, b.per_index());
        assert!(counts.len() > 1, "several days: {counts:?}");
        assert_daily_indices(&os, prefix, &counts).await;
        // Per day (index name without the prefix): documents, ids and sources.
        let by_day: BTreeMap<Key, Value> = stored(&os, &pattern)
            .await
            .into_iter()
            .map(|((index, id), src)| ((index[prefix.len()..].to_owned(), id), src))
            .collect();
        let ndjson_without_prefix = d.outcome.bytes_raw - (b.documents() * prefix.len()) as u64;
        per_mode.push((d.outcome.requests, ndjson_without_prefix, by_day));
        cleanup(&os, prefix).await;
    }
    let (plain, gzip) = (per_mode.pop().unwrap(), per_mode.pop().unwrap());
    assert_eq!(
        gzip.1, plain.1,
        "the same NDJSON (but for the index prefix) both ways"
    );
    assert!(
        gzip.2 == plain.2,
        "gzip'd and plain bodies store the same documents"
    );
}
