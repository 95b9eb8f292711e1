//! Every query the product promises, run on the real OpenSearch node.
//!
//! samples/ and corpus payloads go through `Pipeline` into `BulkBodyBuilder` and are shipped with
//! `OpenSearchClient` (shiplog's own index template, installed by the client) under a prefix of
//! this test's own; the same documents are kept in memory as the oracle. Then every saved object
//! of `infra/opensearch/dashboards.ndjson` is checked: its DQL query, filters and aggregations are
//! translated to a `_search` body (the small translators below cover exactly the subset the file
//! uses and refuse anything else), run against the index pattern rewritten to the test prefix, and
//! compared with what the object promises, computed from the in-memory documents by independent
//! Rust predicates ("errors", "cold starts", REPORT percentiles, "one request" per id form…).
//! An object the test does not know how to check fails the test, and so does an aggregation on a
//! field the mapping cannot aggregate (`_field_caps` must say `aggregatable: true`).
//!
//! The last test pins what `attributes.fields.*` (`flat_object`) can and cannot do, as documented
//! in docs/opensearch-delivery.md ("Querying user fields").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::{json, Map, Value};
use shiplog::delivery::bulk::{BulkBodyBuilder, ChunkLimits};
use shiplog::document::Document;
use shiplog::metrics::MetricPoint;
use shiplog::pipeline::{Pipeline, PipelineConfig, RecordSummary, Sink};
use shiplog::rejection::Rejection;
use shiplog::testing::CollectingSink;
use shiplog_adapters::opensearch::{Auth, DeliveryOptions, OpenSearchClient, TemplateStatus};
use shiplog_tests::real_opensearch::RealOpenSearch;
use shiplog_tests::{cloudwatch_logs_event, corpus_path, repo_root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SAVED_OBJECTS: &str = "infra/opensearch/dashboards.ndjson";
/// The index pattern as shipped; the test rewrites it to `<prefix>-*`.
const SHIPPED_PATTERN: &str = "shiplog-*";
const PLACEHOLDER: &str = "PASTE-ID-HERE";
/// The list prices infra/README.md states for the cost estimate (x86_64, us-east-1).
const USD_PER_GB_SECOND: f64 = 0.0000166667;
const USD_PER_REQUEST: f64 = 0.0000002;
/// `interval: auto` depends on the time picker; the test fixes it to one hour, so that bucket
/// keys are the first 13 characters of `@timestamp` (RFC 3339, UTC).
const HISTOGRAM_INTERVAL: &str = "1h";
const HISTOGRAM_KEY_FORMAT: &str = "yyyy-MM-dd'T'HH";

// ---------------------------------------------------------------------------------------------
// Documents: shipped to the real node, and kept in memory.

/// One pipeline run feeds both the bulk builder (what is shipped) and the collector (the oracle).
struct Tee<'a>(&'a mut BulkBodyBuilder, &'a mut CollectingSink);

impl Sink for Tee<'_> {
    fn document(&mut self, doc: &Document<'_>) {
        self.0.push_document(doc).unwrap();
        self.1.document(doc);
    }
    fn metric(&mut self, point: MetricPoint) {
        self.1.metric(point);
    }
    fn rejection(&mut self, rejection: Rejection) {
        self.1.rejection(rejection);
    }
    fn record_start(&mut self, record_id: Option<&str>) {
        self.1.record_start(record_id);
    }
    fn record_end(&mut self, summary: &RecordSummary) {
        self.1.record_end(summary);
    }
}

fn json_files(dir: PathBuf, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// samples/ and the corpus's whole Lambda/Kinesis/Firehose events (inputs repeating event ids of
/// earlier ones are dropped: the corpus holds some payloads in two shapes), plus the corpus's
/// platform line files as two functions' log streams (many REPORT forms).
fn inputs() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    json_files(repo_root().join("samples"), &mut files);
    for d in [
        "06-subscription/lambda-event",
        "06-subscription/kinesis",
        "06-subscription/firehose",
        "04-multiline/split-across-events/lambda-event",
    ] {
        json_files(corpus_path(d), &mut files);
    }
    files.sort();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let mut probe = CollectingSink::new("probe");
        let _ = Pipeline::new(PipelineConfig::default()).process_input(&bytes, &mut probe);
        let ids: Vec<String> = probe.documents.into_iter().map(|(_, id, _)| id).collect();
        let unique: BTreeSet<&String> = ids.iter().collect();
        if unique.len() == ids.len() && !ids.iter().any(|id| seen.contains(id)) {
            seen.extend(ids);
            out.push(bytes);
        }
    }
    for (n, (rel, function)) in [
        ("01-lambda-text/platform.jsonl", "corpus-platform-text"),
        (
            "02-lambda-json-format/platform-events.jsonl",
            "corpus-platform-json",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let text = std::fs::read_to_string(corpus_path(rel)).unwrap();
        let messages: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let record: Value = serde_json::from_str(l).unwrap();
                record["message"].as_str().unwrap().to_owned()
            })
            .collect();
        let ids: Vec<String> = (0..messages.len())
            .map(|i| format!("9{n}{i:054}"))
            .collect();
        let events: Vec<(&str, &String)> =
            ids.iter().map(|id| id.as_str()).zip(&messages).collect();
        out.push(cloudwatch_logs_event(
            &format!("/aws/lambda/{function}"),
            &format!("2024/02/0{}/[$LATEST]0123456789abcdef", n + 1),
            &events,
            1_706_745_600_000 + n as i64 * 86_400_000,
        ));
    }
    out
}

/// A document as indexed: `_id` and `_source`.
#[derive(Clone, Debug)]
struct Doc {
    id: String,
    source: Value,
}

struct Shipped {
    os: RealOpenSearch,
    prefix: String,
    pattern: String,
    docs: Vec<Doc>,
}

/// Ships every input under a new unique prefix with shiplog's delivery code (template managed).
async fn ship(name: &str, inputs: &[Vec<u8>]) -> Shipped {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix(name);
    let mut builder = BulkBodyBuilder::new(&prefix, ChunkLimits::default());
    let mut collected = CollectingSink::new(&prefix);
    for input in inputs {
        // One pipeline (one correlation cache) per input: the fixtures come from unrelated
        // accounts and some reuse a request id, which real request ids never do.
        let _ = Pipeline::new(PipelineConfig::default())
            .process_input(input, &mut Tee(&mut builder, &mut collected));
    }
    let options = DeliveryOptions {
        index_prefix: prefix.clone(),
        manage_template: true,
        ..DeliveryOptions::default()
    };
    let client = OpenSearchClient::new(os.url(), Auth::None, options).unwrap();
    let delivery = client
        .deliver(builder.finish(), Instant::now() + Duration::from_secs(60))
        .await;
    assert!(
        matches!(delivery.outcome.template, TemplateStatus::Installed { .. }),
        "{:?}",
        delivery.outcome.template
    );
    assert!(delivery.dead.is_empty(), "{:?}", delivery.dead.first());
    assert_eq!(delivery.outcome.indexed, collected.documents.len());
    assert_eq!(delivery.outcome.salvaged, 0, "{:?}", delivery.outcome);
    let docs: Vec<Doc> = collected
        .documents
        .into_iter()
        .map(|(_, id, source)| Doc { id, source })
        .collect();
    let pattern = format!("{prefix}-*");
    assert_eq!(os.count(&pattern).await, docs.len() as u64);
    Shipped {
        os,
        prefix,
        pattern,
        docs,
    }
}

// ---------------------------------------------------------------------------------------------
// DQL (kuery) → Query DSL, for the subset dashboards.ndjson uses: `field:value`, `field:"quoted"`,
// `field:*` (exists), `field:(a or b)`, wildcards in bare values, `field >= n` (and > < <=),
// `and` / `or` / `not`, parentheses. The output follows what Dashboards' kuery compiler sends
// (match / match_phrase / exists / query_string / range, and = filter, or = should).

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Colon,
    Cmp(&'static str),
    Word(String),
    Quoted(String),
}

fn tokenize(q: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ':' => {
                toks.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    _ => Tok::Colon,
                });
                i += 1;
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                toks.push(Tok::Cmp(match (c, eq) {
                    ('<', false) => "lt",
                    ('<', true) => "lte",
                    ('>', false) => "gt",
                    _ => "gte",
                }));
                i += if eq { 2 } else { 1 };
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unterminated quote in {q:?}")),
                        Some('"') => break,
                        Some('\\') => {
                            s.push(*chars.get(i + 1).ok_or("dangling escape")?);
                            i += 2;
                        }
                        Some(&c) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                i += 1;
                toks.push(Tok::Quoted(s));
            }
            '\\' | '{' | '}' => return Err(format!("unsupported DQL syntax {c:?} in {q:?}")),
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !"()\":<>\\{}".contains(chars[i])
                {
                    i += 1;
                }
                toks.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn keyword(&mut self, kw: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw));
        self.at += usize::from(hit);
        hit
    }
    fn expect(&mut self, tok: &Tok) -> Result<(), String> {
        if self.peek() == Some(tok) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {tok:?}, found {:?}", self.peek()))
        }
    }
    fn or(&mut self, field: Option<&str>) -> Result<Value, String> {
        let mut parts = vec![self.and(field)?];
        while self.keyword("or") {
            parts.push(self.and(field)?);
        }
        Ok(combine(parts, "should"))
    }
    fn and(&mut self, field: Option<&str>) -> Result<Value, String> {
        let mut parts = vec![self.not(field)?];
        while self.keyword("and") {
            parts.push(self.not(field)?);
        }
        Ok(combine(parts, "filter"))
    }
    fn not(&mut self, field: Option<&str>) -> Result<Value, String> {
        if self.keyword("not") {
            return Ok(json!({"bool": {"must_not": [self.not(field)?]}}));
        }
        if self.peek() == Some(&Tok::Open) {
            self.at += 1;
            let inner = self.or(field)?;
            self.expect(&Tok::Close)?;
            return Ok(inner);
        }
        match field {
            Some(f) => self.value(f),
            None => self.clause(),
        }
    }
    /// `field:value…` or `field <op> value`.
    fn clause(&mut self) -> Result<Value, String> {
        let Some(Tok::Word(field)) = self.peek().cloned() else {
            return Err(format!("expected a field, found {:?}", self.peek()));
        };
        self.at += 1;
        match self.peek().cloned() {
            Some(Tok::Colon) => {
                self.at += 1;
                if self.peek() == Some(&Tok::Open) {
                    self.at += 1;
                    let inner = self.or(Some(&field))?;
                    self.expect(&Tok::Close)?;
                    Ok(inner)
                } else {
                    self.value(&field)
                }
            }
            Some(Tok::Cmp(op)) => {
                self.at += 1;
                let value = match self.peek().cloned() {
                    Some(Tok::Word(v) | Tok::Quoted(v)) => v,
                    other => return Err(format!("range on {field} without a value: {other:?}")),
                };
                self.at += 1;
                let number = value.parse::<f64>().map(Value::from);
                Ok(json!({"range": {field: {op: number.unwrap_or(Value::String(value))}}}))
            }
            _ => Err(format!(
                "free-text term {field:?} (no field): not in the supported subset"
            )),
        }
    }
    fn value(&mut self, field: &str) -> Result<Value, String> {
        let tok = self.peek().cloned();
        self.at += 1;
        match tok {
            Some(Tok::Quoted(v)) => Ok(json!({"match_phrase": {field: v}})),
            Some(Tok::Word(v)) if v == "*" => Ok(json!({"exists": {"field": field}})),
            Some(Tok::Word(v)) if v.contains('*') => Ok(json!({"query_string": {
                "fields": [field], "query": v, "analyze_wildcard": true}})),
            Some(Tok::Word(v)) => Ok(json!({"match": {field: v}})),
            other => Err(format!("expected a value for {field}, found {other:?}")),
        }
    }
}

fn combine(mut parts: Vec<Value>, occur: &str) -> Value {
    if parts.len() == 1 {
        return parts.remove(0);
    }
    if occur == "should" {
        json!({"bool": {"should": parts, "minimum_should_match": 1}})
    } else {
        json!({"bool": {"filter": parts}})
    }
}

/// The Query DSL of a DQL query (`match_all` for an empty one).
fn dql(query: &str) -> Result<Value, String> {
    let toks = tokenize(query)?;
    if toks.is_empty() {
        return Ok(json!({"match_all": {}}));
    }
    let mut p = Parser { toks, at: 0 };
    let q = p.or(None)?;
    if p.at != p.toks.len() {
        return Err(format!(
            "trailing tokens in {query:?}: {:?}",
            &p.toks[p.at..]
        ));
    }
    Ok(q)
}

/// A searchSourceJSON's query and enabled filters as one bool query, plus the time range filter
/// Dashboards adds on the index pattern's time field.
fn search_query(source: &Value, time_range: &Value) -> Result<Value, String> {
    let query = &source["query"];
    if query["language"] != "kuery" {
        return Err(format!(
            "query language {}: only kuery is supported",
            query["language"]
        ));
    }
    let mut filters = vec![
        dql(query["query"].as_str().unwrap_or_default())?,
        time_range.clone(),
    ];
    let mut must_not = Vec::new();
    for f in source["filter"].as_array().into_iter().flatten() {
        if f["meta"]["disabled"] == true {
            continue;
        }
        let mut dsl: Map<String, Value> = f.as_object().cloned().unwrap_or_default();
        dsl.remove("meta");
        dsl.remove("$state");
        let dsl = match dsl.remove("query") {
            Some(q) if dsl.is_empty() => q,
            Some(_) => return Err(format!("filter with query and other keys: {f}")),
            None if dsl.len() == 1 => Value::Object(dsl),
            None => return Err(format!("filter not understood: {f}")),
        };
        if f["meta"]["negate"] == true {
            must_not.push(dsl);
        } else {
            filters.push(dsl);
        }
    }
    Ok(json!({"bool": {"filter": filters, "must_not": must_not}}))
}

// ---------------------------------------------------------------------------------------------
// visState aggregations → `aggs`, and the answer back to flat rows.

#[derive(Clone, Debug)]
struct Agg {
    id: String,
    kind: String,
    params: Value,
}

impl Agg {
    fn field(&self) -> Option<&str> {
        self.params["field"].as_str()
    }
}

/// Splits visState aggs into bucket aggs (in nesting order: Dashboards nests bucket aggs in the
/// order they are listed, metrics innermost) and metric aggs; refuses unknown agg types.
fn vis_aggs(vis_state: &Value) -> Result<(Vec<Agg>, Vec<Agg>), String> {
    let mut buckets = Vec::new();
    let mut metrics = Vec::new();
    for a in vis_state["aggs"].as_array().ok_or("visState has no aggs")? {
        if a["enabled"] == false {
            continue;
        }
        let agg = Agg {
            id: a["id"].as_str().ok_or("agg without id")?.to_owned(),
            kind: a["type"].as_str().ok_or("agg without type")?.to_owned(),
            params: a["params"].clone(),
        };
        match (agg.kind.as_str(), a["schema"].as_str()) {
            ("terms" | "date_histogram", Some("segment" | "group" | "bucket" | "split")) => {
                buckets.push(agg);
            }
            ("count" | "avg" | "max" | "min" | "sum" | "percentiles", Some("metric")) => {
                metrics.push(agg);
            }
            (kind, schema) => return Err(format!("agg type {kind} as {schema:?}: not supported")),
        }
    }
    Ok((buckets, metrics))
}

/// The painless source of each scripted field of the index pattern.
type Scripted = BTreeMap<String, String>;

fn metric_dsl(agg: &Agg, scripted: &Scripted) -> Result<Option<Value>, String> {
    if agg.kind == "count" {
        return Ok(None);
    }
    let field = agg
        .field()
        .ok_or(format!("{} agg {} without field", agg.kind, agg.id))?;
    let target = match scripted.get(field) {
        Some(script) => json!({"script": {"source": script, "lang": "painless"}}),
        None => json!({"field": field}),
    };
    let mut body = target.as_object().cloned().unwrap_or_default();
    if agg.kind == "percentiles" {
        body.insert("percents".into(), agg.params["percents"].clone());
    }
    Ok(Some(json!({agg.kind.clone(): body})))
}

fn bucket_dsl(agg: &Agg, metrics: &[Agg]) -> Result<Value, String> {
    let field = agg
        .field()
        .ok_or(format!("{} agg without field", agg.kind))?;
    match agg.kind.as_str() {
        "date_histogram" => {
            if agg.params["interval"] != "auto" {
                return Err(format!(
                    "date_histogram interval {}",
                    agg.params["interval"]
                ));
            }
            Ok(
                json!({"date_histogram": {"field": field, "fixed_interval": HISTOGRAM_INTERVAL,
                "min_doc_count": agg.params["min_doc_count"].as_u64().unwrap_or(1),
                "format": HISTOGRAM_KEY_FORMAT}}),
            )
        }
        "terms" => {
            if agg.params["missingBucket"] == true {
                return Err("terms with a missing bucket: not supported".into());
            }
            let order_by = agg.params["orderBy"].as_str().unwrap_or_default();
            let by = metrics
                .iter()
                .find(|m| m.id == order_by)
                .ok_or(format!("terms ordered by unknown agg {order_by}"))?;
            let key = match by.kind.as_str() {
                "count" => "_count".to_owned(),
                "percentiles" => return Err("terms ordered by percentiles".into()),
                _ => by.id.clone(),
            };
            Ok(json!({"terms": {"field": field, "size": agg.params["size"],
                "order": {key: agg.params["order"]}}}))
        }
        other => Err(format!("bucket agg {other}")),
    }
}

/// The nested `aggs` of a visualisation.
fn aggs_dsl(buckets: &[Agg], metrics: &[Agg], scripted: &Scripted) -> Result<Value, String> {
    let mut inner = Map::new();
    for m in metrics {
        if let Some(dsl) = metric_dsl(m, scripted)? {
            inner.insert(m.id.clone(), dsl);
        }
    }
    for b in buckets.iter().rev() {
        let mut dsl = bucket_dsl(b, metrics)?;
        if !inner.is_empty() {
            dsl["aggs"] = Value::Object(inner);
        }
        inner = Map::new();
        inner.insert(b.id.clone(), dsl);
    }
    Ok(Value::Object(inner))
}

/// A metric's value: one number (or none), or percentiles (percent → value).
#[derive(Clone, Debug)]
enum Metric {
    One(Option<f64>),
    Percentiles(Vec<(f64, Option<f64>)>),
}

/// One innermost bucket: its keys (one per bucket agg), document count and metrics.
#[derive(Clone, Debug)]
struct Row {
    count: u64,
    metrics: BTreeMap<String, Metric>,
}

fn read_metrics(bucket: &Value, metrics: &[Agg]) -> BTreeMap<String, Metric> {
    let mut out = BTreeMap::new();
    for m in metrics {
        let v = &bucket[m.id.as_str()];
        let metric = match m.kind.as_str() {
            "count" => Metric::One(bucket["doc_count"].as_f64()),
            "percentiles" => Metric::Percentiles(
                v["values"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, x)| (k.parse().unwrap(), x.as_f64()))
                    .collect(),
            ),
            _ => Metric::One(v["value"].as_f64()),
        };
        out.insert(m.id.clone(), metric);
    }
    out
}

/// Flattens an aggregation answer into rows keyed by their bucket keys; checks on the way that
/// every terms level has no "other" documents (the oracle sees fewer than `size` functions) and
/// is ordered as asked.
fn flatten(
    node: &Value,
    buckets: &[Agg],
    metrics: &[Agg],
    keys: Vec<String>,
    out: &mut BTreeMap<Vec<String>, Row>,
    problems: &mut Vec<String>,
) {
    let Some((first, rest)) = buckets.split_first() else {
        let row = Row {
            count: node["doc_count"].as_u64().unwrap_or_default(),
            metrics: read_metrics(node, metrics),
        };
        out.insert(keys, row);
        return;
    };
    let level = &node[first.id.as_str()];
    let list = level["buckets"].as_array().cloned().unwrap_or_default();
    if first.kind == "terms" {
        if level["sum_other_doc_count"] != 0 {
            problems.push(format!(
                "terms {}: other bucket not empty: {level}",
                first.id
            ));
        }
        let order_by = first.params["orderBy"].as_str().unwrap_or_default();
        let order_values: Vec<f64> = list
            .iter()
            .map(|b| match metrics.iter().find(|m| m.id == order_by) {
                Some(m) if m.kind != "count" => {
                    b[m.id.as_str()]["value"].as_f64().unwrap_or(f64::MIN)
                }
                _ => b["doc_count"].as_f64().unwrap_or_default(),
            })
            .collect();
        if order_values.windows(2).any(|w| w[0] < w[1]) {
            problems.push(format!(
                "terms {} not in descending order: {order_values:?}",
                first.id
            ));
        }
    }
    for b in list {
        let key = b["key_as_string"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| b["key"].as_str().map(str::to_owned))
            .unwrap_or_else(|| b["key"].to_string());
        let mut k = keys.clone();
        k.push(key);
        flatten(&b, rest, metrics, k, out, problems);
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle: the same rows from the in-memory documents.

fn text<'a>(doc: &'a Value, dotted: &str) -> Option<&'a str> {
    dotted.split('.').try_fold(doc, |v, k| v.get(k))?.as_str()
}

fn at<'a>(doc: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(doc, |v, k| v.get(k))
        .filter(|v| !v.is_null())
}

fn number(doc: &Value, dotted: &str) -> Option<f64> {
    at(doc, dotted)?.as_f64()
}

fn event_name(doc: &Value) -> &str {
    text(doc, "event.name").unwrap_or_default()
}

fn is_report(doc: &Value) -> bool {
    event_name(doc) == "report"
}

fn lambda_status(doc: &Value) -> &str {
    text(doc, "attributes.aws.lambda.status").unwrap_or_default()
}

/// What each visualisation promises to count, in plain Rust over the documents (its description,
/// not its query).
fn promised_selection(id: &str) -> Option<fn(&Value) -> bool> {
    Some(match id {
        // "Lines at ERROR/FATAL, lines carrying an exception, and invocations whose REPORT says
        // error or timeout."
        "shiplog-vis-errors" => |d| {
            number(d, "severity.number").is_some_and(|n| n >= 17.0)
                || at(d, "event.exception.type").is_some()
                || ["error", "timeout"].contains(&lambda_status(d))
        },
        // "'Task timed out' lines and REPORT lines with status timeout."
        "shiplog-vis-timeouts" => |d| {
            let body = text(d, "body").unwrap_or_default();
            event_name(d) == "timeout"
                || body.contains("Task timed out")
                || (is_report(d) && lambda_status(d) == "timeout")
        },
        // "REPORT lines with an init or a restore (SnapStart) duration."
        "shiplog-vis-cold-starts" => |d| {
            is_report(d)
                && (at(d, "attributes.aws.lambda.init_duration_ms").is_some()
                    || at(d, "attributes.aws.lambda.restore_duration_ms").is_some())
        },
        // Duration, memory and cost: "from REPORT lines".
        "shiplog-vis-duration"
        | "shiplog-vis-duration-over-time"
        | "shiplog-vis-memory"
        | "shiplog-vis-cost" => is_report,
        _ => return None,
    })
}

/// The cost of one REPORT line at list price (None without billed duration or memory size).
fn cost_usd(doc: &Value) -> Option<f64> {
    let billed = number(doc, "attributes.aws.lambda.billed_duration_ms")?;
    let memory = number(doc, "attributes.aws.lambda.memory_size_mb")?;
    Some(billed / 1000.0 * memory / 1024.0 * USD_PER_GB_SECOND + USD_PER_REQUEST)
}

fn bucket_key(doc: &Value, agg: &Agg) -> Option<String> {
    let field = agg.field()?;
    match agg.kind.as_str() {
        "date_histogram" => {
            let ts = text(doc, field)?;
            assert!(
                ts.ends_with('Z') && ts.len() >= 20,
                "{field} {ts:?} not RFC 3339 UTC"
            );
            Some(ts[..13].to_owned())
        }
        _ => match at(doc, field)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
    }
}

/// Per bucket keys: the document count and, per metric, the values it aggregates.
type OracleRows = BTreeMap<Vec<String>, (u64, BTreeMap<String, Vec<f64>>)>;

/// Expected rows and, per metric, the raw values (for percentiles).
fn oracle_rows(
    docs: &[&Value],
    buckets: &[Agg],
    metrics: &[Agg],
    cost_field: Option<&str>,
) -> OracleRows {
    let mut rows = OracleRows::new();
    for doc in docs {
        let Some(keys) = buckets
            .iter()
            .map(|b| bucket_key(doc, b))
            .collect::<Option<Vec<_>>>()
        else {
            continue; // missingBucket: false
        };
        let row = rows.entry(keys).or_default();
        row.0 += 1;
        for m in metrics.iter().filter(|m| m.kind != "count") {
            let field = m.field().unwrap_or_default();
            let value = if Some(field) == cost_field {
                cost_usd(doc)
            } else {
                number(doc, field)
            };
            let values = row.1.entry(m.id.clone()).or_default();
            values.extend(value);
        }
    }
    rows
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-3)
}

/// A percentile of few values is interpolated (t-digest): it must lie between the order
/// statistics around its rank.
fn percentile_plausible(sorted: &[f64], percent: f64, got: f64) -> bool {
    let n = sorted.len();
    let rank = percent / 100.0 * (n - 1) as f64;
    let lo = (rank.floor() as usize).saturating_sub(1);
    let hi = (rank.ceil() as usize + 1).min(n - 1);
    got >= sorted[lo] - 1e-9 && got <= sorted[hi] + 1e-9
}

fn compare_metric(agg: &Agg, count: u64, values: &[f64], got: &Metric) -> Result<(), String> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let expected = match agg.kind.as_str() {
        "count" => Some(count as f64),
        "sum" => Some(values.iter().sum()),
        "max" => sorted.last().copied(),
        "min" => sorted.first().copied(),
        "avg" => (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64),
        "percentiles" => {
            let Metric::Percentiles(ps) = got else {
                return Err("no percentiles".into());
            };
            let asked: Vec<f64> = agg.params["percents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect();
            let answered: Vec<f64> = ps.iter().map(|p| p.0).collect();
            if answered != asked {
                return Err(format!("percents {answered:?}, asked {asked:?}"));
            }
            for (p, v) in ps {
                let Some(v) = v else {
                    return Err(format!("p{p} has no value over {sorted:?}"));
                };
                if !percentile_plausible(&sorted, *p, *v) {
                    return Err(format!("p{p} = {v} is not a percentile of {sorted:?}"));
                }
            }
            return Ok(());
        }
        other => return Err(format!("metric {other}")),
    };
    match (expected, got) {
        (e, Metric::One(g)) if e.is_none() && g.is_none() => Ok(()),
        (Some(e), Metric::One(Some(g))) if close(e, *g) => Ok(()),
        (e, g) => Err(format!(
            "{} {}: expected {e:?}, engine {g:?}",
            agg.kind, agg.id
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The engine's view of fields.

/// Whether the mapping can aggregate `field` (every mapped type `aggregatable: true`).
async fn aggregatable(os: &RealOpenSearch, pattern: &str, field: &str) -> Result<(), String> {
    let caps = os
        .get_ok(&format!("/{pattern}/_field_caps?fields={field}"))
        .await;
    let types = caps["fields"][field]
        .as_object()
        .filter(|t| !t.is_empty())
        .ok_or(format!("{field} is not in the mapping of {pattern}"))?;
    for (kind, cap) in types {
        if cap["aggregatable"] != true {
            return Err(format!(
                "{field} is mapped as {kind}, which is not aggregatable"
            ));
        }
    }
    Ok(())
}

/// `doc['field']` names a painless script reads.
fn script_fields(script: &str) -> Vec<String> {
    script
        .split("doc['")
        .skip(1)
        .filter_map(|s| s.split_once("']").map(|(f, _)| f.to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The checks, one per saved object type.

struct Ctx<'a> {
    shipped: &'a Shipped,
    time_range: Value,
    scripted: Scripted,
    /// The mapped type of every field (from the engine's `_field_caps`).
    caps: Value,
}

fn saved_objects() -> Vec<Value> {
    std::fs::read_to_string(repo_root().join(SAVED_OBJECTS))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn embedded(saved: &Value, pointer: &str) -> Value {
    let text = saved
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{}: no {pointer}", saved["id"]));
    serde_json::from_str(text).unwrap()
}

fn index_path(ctx: &Ctx<'_>, source: &Value, saved: &Value) -> Result<String, String> {
    let ref_name = source["indexRefName"].as_str().ok_or("no indexRefName")?;
    let target = saved["references"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == ref_name)
        .ok_or("index reference does not resolve")?;
    if target["id"] != "shiplog-index-pattern" {
        return Err(format!("unknown index pattern {}", target["id"]));
    }
    Ok(ctx.shipped.pattern.clone())
}

async fn check_index_pattern(ctx: &Ctx<'_>, saved: &Value) -> Result<String, String> {
    let attrs = &saved["attributes"];
    if attrs["title"] != SHIPPED_PATTERN {
        return Err(format!("title {}", attrs["title"]));
    }
    let time = attrs["timeFieldName"].as_str().ok_or("no time field")?;
    if ctx.caps["fields"][time]["date"].is_null() {
        return Err(format!(
            "time field {time} is not a date: {}",
            ctx.caps["fields"][time]
        ));
    }
    let fields = embedded(saved, "/attributes/fields");
    let mut checked = 0;
    for f in fields.as_array().ok_or("fields is not a list")? {
        let name = f["name"].as_str().unwrap_or_default();
        if name.starts_with('_') {
            continue;
        }
        if f["scripted"] == true {
            for read in script_fields(f["script"].as_str().unwrap_or_default()) {
                aggregatable(&ctx.shipped.os, &ctx.shipped.pattern, &read)
                    .await
                    .map_err(|e| format!("scripted {name} reads {read}: {e}"))?;
            }
            continue;
        }
        let es_type = f["esTypes"][0].as_str().unwrap_or_default();
        let cap = &ctx.caps["fields"][name][es_type];
        if cap.is_null() {
            return Err(format!(
                "{name}: the pattern says {es_type}, the engine maps {}",
                ctx.caps["fields"][name]
            ));
        }
        if cap["aggregatable"] != f["aggregatable"] || cap["searchable"] != f["searchable"] {
            return Err(format!(
                "{name}: the pattern says {f}, the engine says {cap}"
            ));
        }
        checked += 1;
    }
    Ok(format!(
        "{checked} fields: mapped types and aggregatable/searchable flags match the engine; \
         scripted fields read aggregatable fields"
    ))
}

const NO_PAINLESS: &str = "script_lang not supported [painless]";

async fn run_aggs(
    ctx: &Ctx<'_>,
    pattern: &str,
    query: &Value,
    buckets: &[Agg],
    metrics: &[Agg],
) -> shiplog_tests::real_opensearch::Answer {
    let body = match aggs_dsl(buckets, metrics, &ctx.scripted) {
        Ok(aggs) => json!({"size": 0, "track_total_hits": true, "query": query, "aggs": aggs}),
        Err(e) => panic!("translating the aggregations: {e}"),
    };
    let path = format!("/{pattern}/_search");
    ctx.shipped
        .os
        .request(reqwest::Method::POST, &path, Some(&body))
        .await
}

async fn check_visualization(ctx: &Ctx<'_>, saved: &Value) -> Result<String, String> {
    let id = saved["id"].as_str().unwrap_or_default();
    let select = promised_selection(id).ok_or("no promise known for this visualisation")?;
    let source = embedded(saved, "/attributes/kibanaSavedObjectMeta/searchSourceJSON");
    let pattern = index_path(ctx, &source, saved)?;
    let state = embedded(saved, "/attributes/visState");
    let (mut buckets, metrics) = vis_aggs(&state)?;
    aggs_dsl(&buckets, &metrics, &ctx.scripted)?;
    for agg in buckets.iter().chain(&metrics) {
        let Some(field) = agg.field() else { continue };
        match ctx.scripted.get(field) {
            Some(script) => {
                for read in script_fields(script) {
                    aggregatable(&ctx.shipped.os, &pattern, &read).await?;
                }
            }
            None => aggregatable(&ctx.shipped.os, &pattern, field).await?,
        }
    }
    let query = search_query(&source, &ctx.time_range)?;
    let (mut metrics, mut problems) = (metrics, Vec::new());
    let mut answer = run_aggs(ctx, &pattern, &query, &buckets, &metrics).await;
    if answer.status != 200 && answer.body.to_string().contains(NO_PAINLESS) {
        // The test node lacks the lang-painless module that every OpenSearch distribution (and
        // Amazon OpenSearch Service) has: say so, and check everything but the scripted metric.
        problems.push(format!(
            "the scripted metric cannot run on this node ({NO_PAINLESS}): the test node \
             (tests/opensearch-node) needs the lang-painless module; the other aggregations \
             were checked"
        ));
        metrics.retain(|m| !m.field().is_some_and(|f| ctx.scripted.contains_key(f)));
        let count = metrics
            .iter()
            .find(|m| m.kind == "count")
            .map(|m| m.id.clone());
        for b in &mut buckets {
            let order_by = b.params["orderBy"].as_str().unwrap_or_default().to_owned();
            if b.kind == "terms" && !metrics.iter().any(|m| m.id == order_by) {
                b.params["orderBy"] = Value::from(count.clone().ok_or("no count to order by")?);
            }
        }
        answer = run_aggs(ctx, &pattern, &query, &buckets, &metrics).await;
    }
    if answer.status != 200 {
        let reason = &answer.body["error"]["root_cause"][0];
        return Err(format!(
            "the engine refused the search: {} {reason}",
            answer.status
        ));
    }
    let mut got = BTreeMap::new();
    flatten(
        &answer.body["aggregations"],
        &buckets,
        &metrics,
        Vec::new(),
        &mut got,
        &mut problems,
    );

    let selected: Vec<&Value> = ctx
        .shipped
        .docs
        .iter()
        .map(|d| &d.source)
        .filter(|d| select(d))
        .collect();
    if selected.is_empty() {
        return Err("the oracle selects no document: the data proves nothing".into());
    }
    if answer.body["hits"]["total"]["value"] != selected.len() {
        problems.push(format!(
            "the query matches {} documents, the promise {}",
            answer.body["hits"]["total"]["value"],
            selected.len()
        ));
    }
    let cost_field = ctx.scripted.keys().next().map(String::as_str);
    let want = oracle_rows(&selected, &buckets, &metrics, cost_field);
    if want.keys().ne(got.keys()) {
        problems.push(format!(
            "buckets differ:\n  engine {:?}\n  oracle {:?}",
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        ));
    }
    for (keys, (count, values)) in &want {
        let Some(row) = got.get(keys) else { continue };
        if row.count != *count {
            problems.push(format!(
                "{keys:?}: {} documents, expected {count}",
                row.count
            ));
        }
        for m in &metrics {
            let vals = values.get(&m.id).map(Vec::as_slice).unwrap_or_default();
            if let Err(e) = compare_metric(m, *count, vals, &row.metrics[&m.id]) {
                problems.push(format!("{keys:?}: {e}"));
            }
        }
    }
    // Every metric must actually produce values somewhere (an unaggregatable field yields none).
    for m in &metrics {
        let some = got.values().any(|r| match &r.metrics[&m.id] {
            Metric::One(v) => v.is_some(),
            Metric::Percentiles(ps) => ps.iter().all(|p| p.1.is_some()),
        });
        if !some {
            problems.push(format!(
                "metric {} ({}) has no value in any bucket",
                m.id, m.kind
            ));
        }
    }
    if problems.is_empty() {
        Ok(format!(
            "{} matching documents, {} buckets of {} agg(s) equal the oracle",
            selected.len(),
            got.len(),
            buckets.len() + metrics.len()
        ))
    } else {
        Err(problems.join("\n    "))
    }
}

fn ids_of<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> BTreeSet<String> {
    docs.into_iter().map(|d| d.id.clone()).collect()
}

/// The "one request" search with `PASTE-ID-HERE` replaced by `id`: every hit's `_id`, in the
/// saved search's order.
async fn one_request_hits(
    ctx: &Ctx<'_>,
    saved: &Value,
    source: &Value,
    id: &str,
) -> Result<Vec<(String, String)>, String> {
    let mut source = source.clone();
    let query = source["query"]["query"].as_str().unwrap_or_default();
    if !query.contains(PLACEHOLDER) {
        return Err(format!("query {query:?} has no {PLACEHOLDER}"));
    }
    source["query"]["query"] = Value::String(query.replace(PLACEHOLDER, id));
    let sort: Vec<Value> = saved["attributes"]["sort"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| json!({s[0].as_str().unwrap_or_default(): {"order": s[1]}}))
        .collect();
    let body = json!({"size": 10_000, "query": search_query(&source, &ctx.time_range)?,
        "sort": sort, "_source": ["@timestamp"]});
    let pattern = index_path(ctx, &source, saved)?;
    let answer = ctx.shipped.os.search(&pattern, &body).await;
    Ok(answer["hits"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            let id = h["_id"].as_str().unwrap_or_default().to_owned();
            (
                id,
                h["_source"]["@timestamp"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect())
}

/// One id of each promised form, with the lines it must find: (form, id, expected `_id`s).
fn one_request_cases(docs: &[Doc]) -> Vec<(&'static str, String, BTreeSet<String>)> {
    let lines_where = |field: &str, value: &str| {
        ids_of(
            docs.iter()
                .filter(|d| text(&d.source, field) == Some(value)),
        )
    };
    // A request id with its START, END and REPORT lines and at least one line of its own.
    let request = docs
        .iter()
        .filter_map(|d| text(&d.source, "attributes.faas.invocation_id"))
        .find(|r| {
            let names: BTreeSet<&str> = docs
                .iter()
                .filter(|d| text(&d.source, "attributes.faas.invocation_id") == Some(r))
                .map(|d| event_name(&d.source))
                .collect();
            ["start", "end", "report", "app"]
                .iter()
                .all(|n| names.contains(n))
        })
        .expect("a request with START, END, REPORT and app lines");
    // A trace: every line of the requests it covers, whichever form is pasted.
    let trace_doc = docs
        .iter()
        .find(|d| {
            at(&d.source, "traceId").is_some()
                && at(&d.source, "attributes.aws.xray.trace_id").is_some()
        })
        .expect("a line with a trace id");
    let w3c = text(&trace_doc.source, "traceId").unwrap().to_owned();
    let xray = text(&trace_doc.source, "attributes.aws.xray.trace_id")
        .unwrap()
        .to_owned();
    assert_eq!(
        xray.replace('-', "")[1..],
        w3c,
        "X-Ray and W3C forms of one trace"
    );
    let trace_lines = lines_where("traceId", &w3c);
    assert_eq!(
        trace_lines,
        lines_where("attributes.aws.xray.trace_id", &xray)
    );
    let mut cases = vec![
        (
            "request id",
            request.to_owned(),
            lines_where("attributes.faas.invocation_id", request),
        ),
        ("trace id (W3C)", w3c, trace_lines.clone()),
        ("trace id (X-Ray)", xray, trace_lines),
    ];
    // Correlation ids: a Powertools `correlation_id` and a dazn `x-correlation-id`.
    for key in ["correlation_id", "x-correlation-id"] {
        let c = docs
            .iter()
            .find_map(|d| text(&d.source, &format!("attributes.correlation.{key}")))
            .unwrap_or_else(|| panic!("no line carries a {key}"));
        cases.push((
            "correlation id",
            c.to_owned(),
            lines_where("attributes.correlation_id", c),
        ));
    }
    cases
}

async fn check_one_request(ctx: &Ctx<'_>, saved: &Value) -> Result<String, String> {
    let source = embedded(saved, "/attributes/kibanaSavedObjectMeta/searchSourceJSON");
    let mut problems = Vec::new();
    let cases = one_request_cases(&ctx.shipped.docs);
    for (form, id, want) in &cases {
        let hits = one_request_hits(ctx, saved, &source, id).await?;
        let got: BTreeSet<String> = hits.iter().map(|h| h.0.clone()).collect();
        if want.len() < 2 {
            problems.push(format!(
                "{form} {id}: the oracle has {} line(s)",
                want.len()
            ));
        }
        if &got != want {
            problems.push(format!(
                "{form} {id}: missing {:?}, extra {:?}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(want).collect::<Vec<_>>()
            ));
        }
        if hits.windows(2).any(|w| w[0].1 > w[1].1) {
            problems.push(format!("{form} {id}: not oldest first"));
        }
    }
    for column in saved["attributes"]["columns"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = column.as_str().unwrap_or_default();
        if ctx.caps["fields"][name].is_null() {
            problems.push(format!("column {name} is not mapped"));
        }
    }
    if problems.is_empty() {
        Ok(format!(
            "{} ids (request, trace W3C + X-Ray, Powertools and dazn correlation) each return \
             exactly their lines, oldest first",
            cases.len()
        ))
    } else {
        Err(problems.join("\n    "))
    }
}

fn check_dashboard(saved: &Value, visualizations: &BTreeSet<String>) -> Result<String, String> {
    let source = embedded(saved, "/attributes/kibanaSavedObjectMeta/searchSourceJSON");
    if search_query(&source, &json!({"match_all": {}}))?
        != json!({"bool": {"filter": [{"match_all": {}}, {"match_all": {}}], "must_not": []}})
    {
        return Err(format!(
            "a dashboard-wide query or filter is not checked: {source}"
        ));
    }
    let panels = embedded(saved, "/attributes/panelsJSON");
    let mut n = 0;
    for p in panels.as_array().into_iter().flatten() {
        let name = p["panelRefName"].as_str().unwrap_or_default();
        let target = saved["references"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["name"] == name)
            .ok_or(format!("panel {name} has no reference"))?;
        let vis = target["id"].as_str().unwrap_or_default();
        if target["type"] != "visualization" || !visualizations.contains(vis) {
            return Err(format!(
                "panel {name} shows {target}, which is not a checked visualisation"
            ));
        }
        n += 1;
    }
    Ok(format!(
        "{n} panels, each a visualisation checked above; no dashboard-wide query"
    ))
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_saved_object_returns_what_it_promises_on_the_real_engine() {
    let started = Instant::now();
    let shipped = ship("queries", &inputs()).await;
    let docs = &shipped.docs;
    let functions: BTreeSet<&str> = docs
        .iter()
        .filter_map(|d| text(&d.source, "resource.faas.name"))
        .collect();
    assert!(
        functions.len() < 30,
        "top-30 terms (the dashboards' TOP_FUNCTIONS) would hide functions: {functions:?}"
    );
    assert!(docs.iter().filter(|d| is_report(&d.source)).count() >= 20);
    let stamps: Vec<&str> = docs
        .iter()
        .filter_map(|d| text(&d.source, "@timestamp"))
        .collect();
    assert_eq!(stamps.len(), docs.len(), "every document has an @timestamp");
    let time_range = json!({"range": {"@timestamp": {"gte": stamps.iter().min(), "lte": stamps.iter().max(),
        "format": "strict_date_optional_time"}}});

    let objects = saved_objects();
    let pattern_object = objects
        .iter()
        .find(|o| o["type"] == "index-pattern")
        .expect("an index pattern");
    let scripted: Scripted = embedded(pattern_object, "/attributes/fields")
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["scripted"] == true)
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["script"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        scripted.len() <= 1,
        "the oracle knows one scripted field (the cost)"
    );
    let caps = shipped
        .os
        .get_ok(&format!("/{}/_field_caps?fields=*", shipped.pattern))
        .await;
    let ctx = Ctx {
        shipped: &shipped,
        time_range,
        scripted,
        caps,
    };

    let visualizations: BTreeSet<String> = objects
        .iter()
        .filter(|o| o["type"] == "visualization")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for saved in &objects {
        let id = saved["id"].as_str().unwrap_or_default();
        let kind = saved["type"].as_str().unwrap_or_default();
        let result = match (kind, id) {
            ("index-pattern", _) => check_index_pattern(&ctx, saved).await,
            ("visualization", _) => check_visualization(&ctx, saved).await,
            ("search", "shiplog-one-request") => check_one_request(&ctx, saved).await,
            ("dashboard", _) => check_dashboard(saved, &visualizations),
            _ => Err("the test does not know how to check this saved object".to_owned()),
        };
        match result {
            Ok(how) => report.push(format!("ok   {kind} {id}: {how}")),
            Err(why) => failures.push(format!("FAIL {kind} {id}:\n    {why}")),
        }
    }
    shipped
        .os
        .delete(&shipped.pattern, Some(&shipped.prefix))
        .await;
    eprintln!(
        "{} documents, {:.1} s\n{}",
        docs.len(),
        started.elapsed().as_secs_f64(),
        report.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(report.len(), objects.len());
}

/// The aggregatability check is what makes a visualisation on `body` (text) or on a
/// `attributes.fields.*` key (flat_object) fail: the engine itself answers such a terms agg with
/// an error (text) or, worse, silently with no bucket (flat_object sub-key).
#[tokio::test]
async fn user_fields_are_searchable_by_exact_value_but_not_aggregatable_or_numeric() {
    let samples = ["order-api-node.json", "checkout-json-log-format.json"]
        .map(|f| std::fs::read(repo_root().join("samples/cloudwatch").join(f)).unwrap());
    let shipped = ship("flat-object", &samples).await;
    let (os, pattern) = (&shipped.os, shipped.pattern.as_str());
    let with = |field: &str| {
        ids_of(
            shipped
                .docs
                .iter()
                .filter(|d| at(&d.source, field).is_some()),
        )
    };
    let order = with("attributes.fields.orderId");
    assert_eq!(order.len(), 1, "the sample has one line with orderId");
    let order_doc = shipped.docs.iter().find(|d| order.contains(&d.id)).unwrap();
    let order_id = text(&order_doc.source, "attributes.fields.orderId").unwrap();
    let amount = number(&order_doc.source, "attributes.fields.amount").unwrap();
    // Promised: exact values by dotted path (DQL `attributes.fields.orderId:o-20931`), numbers
    // included as their text, and prefix wildcards.
    for q in [
        format!("attributes.fields.orderId:{order_id}"),
        format!("attributes.fields.amount:{amount}"),
        format!("attributes.fields.orderId:\"{order_id}\""),
        format!("attributes.fields.orderId:{}*", &order_id[..3]),
    ] {
        assert_eq!(hits(os, pattern, dql(&q).unwrap()).await, order, "{q}");
    }

    // Not promised, and pinned so the docs stay true: no aggregation, no numeric range, no exists
    // on a sub-key.
    for field in ["body", "attributes.fields.orderId", "attributes.fields"] {
        let e = aggregatable(os, pattern, field).await.unwrap_err();
        assert!(
            e.contains("not aggregatable") || e.contains("not in the mapping"),
            "{e}"
        );
    }
    let terms = os
        .search(
            pattern,
            &json!({"size": 0, "aggs": {"t": {"terms": {"field": "attributes.fields.orderId"}}}}),
        )
        .await;
    assert_eq!(terms["aggregations"]["t"]["buckets"], json!([]), "{terms}");
    assert_eq!(amount, 42.5, "the sample's amount");
    for (q, found) in [
        ("attributes.fields.amount < 100", BTreeSet::new()),
        ("attributes.fields.amount > 100", order.clone()),
    ] {
        assert_eq!(
            hits(os, pattern, dql(q).unwrap()).await,
            found,
            "sub-keys compare as text: {q}"
        );
    }
    // `key:*` finds a first-level key only; a nested key is found by its value.
    assert_eq!(
        hits(os, pattern, dql("attributes.fields.orderId:*").unwrap()).await,
        order
    );
    let span = with("attributes.fields.tracing.spanId");
    assert!(!span.is_empty(), "the checkout sample has tracing.spanId");
    assert_eq!(
        hits(os, pattern, dql("attributes.fields.tracing:*").unwrap()).await,
        span
    );
    assert!(hits(
        os,
        pattern,
        dql("attributes.fields.tracing.spanId:*").unwrap()
    )
    .await
    .is_empty());
    let span_doc = shipped.docs.iter().find(|d| span.contains(&d.id)).unwrap();
    let span_id = text(&span_doc.source, "attributes.fields.tracing.spanId").unwrap();
    let by_value = hits(
        os,
        pattern,
        dql(&format!("attributes.fields.tracing.spanId:{span_id}")).unwrap(),
    )
    .await;
    assert_eq!(by_value, span);
    assert_eq!(
        hits(os, pattern, dql("attributes.fields:*").unwrap()).await,
        with("attributes.fields"),
        "exists on the object"
    );
    shipped.os.delete(pattern, Some(&shipped.prefix)).await;
}

/// The `_id`s `query` finds.
async fn hits(os: &RealOpenSearch, pattern: &str, query: Value) -> BTreeSet<String> {
    let a = os
        .search(
            pattern,
            &json!({"query": query, "_source": false, "size": 1000}),
        )
        .await;
    a["hits"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn dql_translation_of_the_subset_in_use() {
    assert_eq!(dql("").unwrap(), json!({"match_all": {}}));
    assert_eq!(
        dql("severity.number >= 17 or event.exception.type:* or attributes.aws.lambda.status:(error or timeout)")
            .unwrap(),
        json!({"bool": {"should": [
            {"range": {"severity.number": {"gte": 17.0}}},
            {"exists": {"field": "event.exception.type"}},
            {"bool": {"should": [
                {"match": {"attributes.aws.lambda.status": "error"}},
                {"match": {"attributes.aws.lambda.status": "timeout"}}], "minimum_should_match": 1}}],
            "minimum_should_match": 1}})
    );
    assert_eq!(
        dql("event.name:report and not (a:\"x:y\" or b:c*)").unwrap(),
        json!({"bool": {"filter": [{"match": {"event.name": "report"}}, {"bool": {"must_not": [
            {"bool": {"should": [{"match_phrase": {"a": "x:y"}},
                {"query_string": {"fields": ["b"], "query": "c*", "analyze_wildcard": true}}],
                "minimum_should_match": 1}}]}}]}})
    );
    for unsupported in ["freetext", "a:b or", "a:{b}", "a:\"open", "(a:b"] {
        assert!(dql(unsupported).is_err(), "{unsupported}");
    }
}

#[test]
fn percentile_plausibility_brackets_the_rank() {
    let v = [1.0, 2.0, 3.0, 4.0, 100.0];
    assert!(percentile_plausible(&v, 50.0, 3.0));
    assert!(percentile_plausible(&v, 99.0, 97.0));
    assert!(!percentile_plausible(&v, 50.0, 50.0));
    assert!(!percentile_plausible(&v, 99.0, 2.0));
    assert!(percentile_plausible(&[7.0], 99.0, 7.0));
}
