//! CloudWatch Embedded Metric Format (EMF): datums rendered as JSON log lines that CloudWatch
//! Logs turns into metrics itself (`METRICS_MODE=emf`): no PutMetricData call at all. The lines
//! go to the shipper's own stdout, i.e. its own log group, which is never subscribed.
//!
//! One document (one line) looks like:
//!
//! ```json
//! {"_aws":{"Timestamp":1700000040000,
//!          "CloudWatchMetrics":[{"Namespace":"acme","Dimensions":[["FunctionName","service"]],
//!                                "Metrics":[{"Name":"latency","Unit":"Milliseconds"}]}]},
//!  "FunctionName":"checkout","service":"cart","latency":[12.0,12.0,40.5]}
//! ```
//!
//! **Layout.** Dimension values and metric values are members of the document's root, shared by
//! every metric of the document; so one document holds datums of one (namespace, minute,
//! dimensions), with exactly one dimension set: the datum's own dimension names (`[[]]` when it
//! has none: a metric without dimensions). A metric name appears at most once per document.
//!
//! **Values and counts.** EMF has no `Counts`: a value array lists observations, each entry one
//! sample. So a datum's value `v` with count `n` is written `n` times: CloudWatch then computes
//! exactly the same SampleCount, Sum, Minimum, Maximum and percentiles as from PutMetricData's
//! `Values`/`Counts`. Counts are rounded to the nearest whole number (at least 1; aggregated
//! datums only have whole counts).
//!
//! **Limits** (EMF specification): at most [`MAX_METRICS_PER_DOCUMENT`] metrics per document,
//! [`MAX_VALUES_PER_METRIC`] values per metric, [`MAX_DIMENSIONS_PER_SET`] dimensions per set. A
//! metric with more observations continues in the next document (same timestamp and dimensions),
//! which CloudWatch aggregates as if they had been one. Documents are also kept under
//! [`MAX_DOCUMENT_BYTES`], well below a log event's 256 KB.
//!
//! Datums are validated first with the same rules as PutMetricData
//! ([`super::metric_requests::validate_datum`]); in EMF a metric may also not be named like one
//! of its dimensions or `_aws` ([`RejectReason::MetricNameConflict`]). Invalid datums are dropped
//! and counted, never written.

use super::metric_requests::{validate_datum, ReasonCounts};
use crate::metrics::{MetricDatum, StandardUnit};
use crate::rejection::RejectReason;
use crate::time::EpochMillis;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{self, Write};

/// Most metrics (`MetricDefinition`s) one EMF document may declare.
pub const MAX_METRICS_PER_DOCUMENT: usize = 100;
/// Most values one metric's array may hold in one document.
pub const MAX_VALUES_PER_METRIC: usize = 100;
/// Most dimension keys one dimension set may hold.
pub const MAX_DIMENSIONS_PER_SET: usize = 30;
/// Largest document shiplog writes, in (estimated) bytes: under a CloudWatch Logs event's 256 KB
/// with room to spare.
pub const MAX_DOCUMENT_BYTES: usize = 200_000;
/// Most observations one datum may expand to (sum of its counts). Aggregated datums stay far
/// below (one observation per log line); a datum above is malformed and dropped.
pub const MAX_OBSERVATIONS_PER_DATUM: f64 = 1_000_000.0;
/// The EMF metadata member.
const METADATA_KEY: &str = "_aws";
/// Upper bound of one number written as JSON, separator included.
const NUMBER_BOUND: usize = 25;
/// Upper bound of a document's fixed parts (`_aws`, `Timestamp`, directive keys, braces).
const DOCUMENT_OVERHEAD: usize = 160;
/// Upper bound of one metric's fixed parts (`{"Name":…,"Unit":…}`, quotes, separators).
const METRIC_OVERHEAD: usize = 64;

/// EMF lines for a set of datums, and what was dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmfRendering {
    /// One EMF document per line, without the trailing newline.
    pub lines: Vec<String>,
    /// Datums rendered.
    pub datums: usize,
    /// Datums dropped by validation, by reason.
    pub dropped: ReasonCounts,
}

/// One metric series inside a document group: every observation of one (name, unit).
struct Series<'a> {
    name: &'a str,
    unit: StandardUnit,
    observations: Vec<f64>,
    written: usize,
}

/// What datums sharing a document have in common: (namespace, minute, dimensions).
type GroupKey<'a> = (&'a str, EpochMillis, &'a [(String, String)]);

/// Datums of one (namespace, minute, dimensions): they can share documents.
struct Group<'a> {
    namespace: &'a str,
    timestamp: EpochMillis,
    dimensions: &'a [(String, String)],
    series: Vec<Series<'a>>,
    /// (name, unit) → position in `series`.
    index: HashMap<(&'a str, StandardUnit), usize>,
}

/// Renders datums as EMF documents (see the module documentation), validated against `now` (the
/// wall clock when the lines are written). Order: groups in the order first seen, then documents
/// of each group.
pub fn render(datums: &[MetricDatum], now: EpochMillis) -> EmfRendering {
    let mut out = EmfRendering::default();
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<GroupKey<'_>, usize> = HashMap::new();
    for datum in datums {
        if let Err((reason, _)) = check_for_emf(datum, now) {
            out.dropped.add(reason);
            continue;
        }
        out.datums += 1;
        let key = (
            datum.namespace.as_str(),
            datum.timestamp,
            datum.dimensions.as_slice(),
        );
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(Group {
                namespace: &datum.namespace,
                timestamp: datum.timestamp,
                dimensions: &datum.dimensions,
                series: Vec::new(),
                index: HashMap::new(),
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(g) {
            add_observations(group, datum);
        }
    }
    for mut group in groups {
        render_group(&mut group, &mut out.lines);
    }
    out
}

/// The PutMetricData rules, the EMF name rule and the observation cap.
fn check_for_emf(datum: &MetricDatum, now: EpochMillis) -> Result<(), (RejectReason, String)> {
    validate_datum(datum, now)?;
    if datum.name == METADATA_KEY || datum.dimensions.iter().any(|(n, _)| *n == datum.name) {
        return Err((
            RejectReason::MetricNameConflict,
            format!(
                "metric \"{}\" has the name of a dimension or of _aws",
                crate::rejection::excerpt(&datum.name, 40)
            ),
        ));
    }
    let observations: f64 = datum.counts.iter().map(|&c| repeat_count(c) as f64).sum();
    if observations > MAX_OBSERVATIONS_PER_DATUM {
        return Err((
            RejectReason::MetricDatumMalformed,
            format!("{observations} observations (at most {MAX_OBSERVATIONS_PER_DATUM})"),
        ));
    }
    Ok(())
}

/// How many times a value with count `c` is written: `c` rounded, at least 1.
fn repeat_count(c: f64) -> usize {
    // `c` is finite and positive (validated); `as` saturates.
    (c.round() as usize).max(1)
}

/// Appends a datum's observations to the series of the same (name, unit), or a new one.
fn add_observations<'a>(group: &mut Group<'a>, datum: &'a MetricDatum) {
    let next = group.series.len();
    let pos = *group
        .index
        .entry((datum.name.as_str(), datum.unit))
        .or_insert(next);
    if pos == next {
        group.series.push(Series {
            name: &datum.name,
            unit: datum.unit,
            observations: Vec::new(),
            written: 0,
        });
    }
    let Some(series) = group.series.get_mut(pos) else {
        return;
    };
    for (&value, &count) in datum.values.iter().zip(&datum.counts) {
        let n = repeat_count(count);
        series.observations.extend(std::iter::repeat_n(value, n));
    }
}

/// JSON length bound of a string (quotes, escapes, separator).
fn string_bound(s: &str) -> usize {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    s.len() + escapes + 4
}

/// Writes every document of one group: each round takes up to 100 values of up to 100 series
/// with distinct names, within [`MAX_DOCUMENT_BYTES`].
fn render_group(group: &mut Group<'_>, lines: &mut Vec<String>) {
    let base: usize = DOCUMENT_OVERHEAD
        + string_bound(group.namespace)
        + group
            .dimensions
            .iter()
            .map(|(n, v)| 2 * string_bound(n) + string_bound(v))
            .sum::<usize>();
    loop {
        let mut chosen: Vec<(usize, usize, usize)> = Vec::new(); // (series, from, to)
        let mut size = base;
        for (i, s) in group.series.iter().enumerate() {
            if chosen.len() >= MAX_METRICS_PER_DOCUMENT {
                break;
            }
            let remaining = s.observations.len().saturating_sub(s.written);
            if remaining == 0 {
                continue;
            }
            let same_name = chosen
                .iter()
                .any(|&(c, _, _)| group.series.get(c).is_some_and(|o| o.name == s.name));
            if same_name {
                continue;
            }
            let take = remaining.min(MAX_VALUES_PER_METRIC);
            let cost = METRIC_OVERHEAD + 2 * string_bound(s.name) + take * NUMBER_BOUND;
            if !chosen.is_empty() && size + cost > MAX_DOCUMENT_BYTES {
                break;
            }
            size += cost;
            chosen.push((i, s.written, s.written + take));
        }
        if chosen.is_empty() {
            return;
        }
        lines.push(document(group, &chosen));
        for &(i, _, to) in &chosen {
            if let Some(s) = group.series.get_mut(i) {
                s.written = to;
            }
        }
    }
}

/// One EMF document for the chosen slices of the group's series.
fn document(group: &Group<'_>, chosen: &[(usize, usize, usize)]) -> String {
    let mut root = Map::new();
    let mut definitions = Vec::with_capacity(chosen.len());
    for &(i, from, to) in chosen {
        let Some(s) = group.series.get(i) else {
            continue;
        };
        let values = s.observations.get(from..to).unwrap_or_default();
        let member = match values {
            [single] => json!(single),
            many => json!(many),
        };
        root.insert(s.name.to_owned(), member);
        definitions.push(json!({"Name": s.name, "Unit": s.unit.as_str()}));
    }
    let mut dimension_set = Vec::with_capacity(group.dimensions.len());
    for (name, value) in group.dimensions {
        root.insert(name.clone(), Value::String(value.clone()));
        dimension_set.push(Value::String(name.clone()));
    }
    root.insert(
        METADATA_KEY.to_owned(),
        json!({
            "Timestamp": group.timestamp.0,
            "CloudWatchMetrics": [{
                "Namespace": group.namespace,
                "Dimensions": [dimension_set],
                "Metrics": definitions,
            }],
        }),
    );
    Value::Object(root).to_string()
}

/// Writes rendered lines to `out` (the Lambda passes its stdout), one per line, then flushes.
pub fn write_lines<W: Write + ?Sized>(lines: &[String], out: &mut W) -> io::Result<()> {
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::aggregate::aggregate;
    use crate::metrics::MetricPoint;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    const NOW: i64 = 1_763_700_000_000;
    const T0: i64 = NOW - 120_000;

    fn datum(name: &str, dims: &[(&str, &str)], values: &[f64], counts: &[f64]) -> MetricDatum {
        MetricDatum {
            namespace: "acme".to_owned(),
            name: name.to_owned(),
            unit: StandardUnit::Milliseconds,
            timestamp: EpochMillis(T0),
            dimensions: dims
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            values: values.to_vec(),
            counts: counts.to_vec(),
        }
    }

    /// Observations keyed by (namespace, name, unit, timestamp, dimensions) → sorted values.
    type Observed = BTreeMap<(String, String, String, i64, Vec<(String, String)>), Vec<f64>>;

    /// Same keys, same number of observations, same values: serde_json's default float parsing
    /// (used here to read the lines back) may be a few ULPs off the exact shortest form that was
    /// written, so values are compared to 1e-15 relative.
    fn same(got: &Observed, want: &Observed) -> bool {
        got.len() == want.len()
            && got.iter().zip(want).all(|((gk, gv), (wk, wv))| {
                gk == wk
                    && gv.len() == wv.len()
                    && gv
                        .iter()
                        .zip(wv)
                        .all(|(a, b)| a == b || (a - b).abs() <= 1e-15 * a.abs().max(b.abs()))
            })
    }

    /// Parses every line back, checks it against the EMF specification and shiplog's limits,
    /// and returns every observation it carries.
    fn check_and_collect(lines: &[String]) -> Observed {
        let units: Vec<&str> = StandardUnit::all().iter().map(|u| u.as_str()).collect();
        let mut observed = Observed::new();
        for line in lines {
            assert!(!line.contains('\n'), "one document per line");
            assert!(line.len() <= MAX_DOCUMENT_BYTES, "{}", line.len());
            let doc: Value = serde_json::from_str(line).unwrap();
            let root = doc.as_object().expect("root is an object");
            let aws = root["_aws"].as_object().expect("_aws is an object");
            let ts = aws["Timestamp"]
                .as_i64()
                .expect("Timestamp is an integer of ms");
            let directives = aws["CloudWatchMetrics"].as_array().unwrap();
            assert!(!directives.is_empty());
            for directive in directives {
                let d = directive.as_object().unwrap();
                let ns = d["Namespace"].as_str().unwrap();
                assert!(!ns.is_empty() && !ns.starts_with("AWS/"));
                let sets = d["Dimensions"].as_array().unwrap();
                assert_eq!(sets.len(), 1, "one dimension set");
                let set = sets[0].as_array().unwrap();
                assert!(set.len() <= MAX_DIMENSIONS_PER_SET);
                let mut dims = Vec::new();
                for key in set {
                    let key = key.as_str().unwrap();
                    let value = root[key].as_str().expect("dimension member is a string");
                    dims.push((key.to_owned(), value.to_owned()));
                }
                let metrics = d["Metrics"].as_array().unwrap();
                assert!(!metrics.is_empty() && metrics.len() <= MAX_METRICS_PER_DOCUMENT);
                let mut names = std::collections::HashSet::new();
                for m in metrics {
                    let m = m.as_object().unwrap();
                    let name = m["Name"].as_str().unwrap();
                    assert!(names.insert(name), "metric {name} declared twice");
                    let unit = m["Unit"].as_str().unwrap();
                    assert!(units.contains(&unit), "{unit}");
                    let values: Vec<f64> = match &root[name] {
                        Value::Number(n) => vec![n.as_f64().unwrap()],
                        Value::Array(a) => a.iter().map(|v| v.as_f64().unwrap()).collect(),
                        other => panic!("metric member {name} is {other}"),
                    };
                    assert!(!values.is_empty() && values.len() <= MAX_VALUES_PER_METRIC);
                    observed
                        .entry((
                            ns.to_owned(),
                            name.to_owned(),
                            unit.to_owned(),
                            ts,
                            dims.clone(),
                        ))
                        .or_default()
                        .extend(values);
                }
            }
        }
        for v in observed.values_mut() {
            v.sort_by(f64::total_cmp);
        }
        observed
    }

    fn expected(datums: &[MetricDatum]) -> Observed {
        let mut want = Observed::new();
        for d in datums {
            let e = want
                .entry((
                    d.namespace.clone(),
                    d.name.clone(),
                    d.unit.as_str().to_owned(),
                    d.timestamp.0,
                    d.dimensions.clone(),
                ))
                .or_default();
            for (v, c) in d.values.iter().zip(&d.counts) {
                e.extend(std::iter::repeat_n(*v, repeat_count(*c)));
            }
        }
        for v in want.values_mut() {
            v.sort_by(f64::total_cmp);
        }
        want
    }

    fn assert_same(lines: &[String], want: &Observed) {
        let got = check_and_collect(lines);
        assert!(same(&got, want), "{got:?} != {want:?}");
    }

    #[test]
    fn one_datum_renders_one_document_with_values_repeated_by_count() {
        let d = datum(
            "latency",
            &[("FunctionName", "checkout")],
            &[12.0, 40.5],
            &[2.0, 1.0],
        );
        let r = render(std::slice::from_ref(&d), EpochMillis(NOW));
        assert_eq!(r.lines.len(), 1);
        let doc: Value = serde_json::from_str(&r.lines[0]).unwrap();
        assert_eq!(
            doc,
            json!({
                "_aws": {
                    "Timestamp": T0,
                    "CloudWatchMetrics": [{
                        "Namespace": "acme",
                        "Dimensions": [["FunctionName"]],
                        "Metrics": [{"Name": "latency", "Unit": "Milliseconds"}],
                    }],
                },
                "FunctionName": "checkout",
                "latency": [12.0, 12.0, 40.5],
            })
        );
        assert_same(&r.lines, &expected(&[d]));
    }

    #[test]
    fn a_single_observation_is_a_number_and_no_dimensions_is_an_empty_set() {
        let r = render(&[datum("hits", &[], &[1.0], &[1.0])], EpochMillis(NOW));
        let doc: Value = serde_json::from_str(&r.lines[0]).unwrap();
        assert_eq!(doc["hits"], json!(1.0));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
    }

    #[test]
    fn metrics_sharing_namespace_minute_and_dimensions_share_a_document() {
        let dims = [("FunctionName", "f")];
        let datums = [
            datum("a", &dims, &[1.0], &[1.0]),
            datum("b", &dims, &[2.0], &[1.0]),
            datum("c", &[("FunctionName", "g")], &[3.0], &[1.0]),
        ];
        let r = render(&datums, EpochMillis(NOW));
        assert_eq!(r.lines.len(), 2);
        assert_same(&r.lines, &expected(&datums));
        let first: Value = serde_json::from_str(&r.lines[0]).unwrap();
        assert_eq!(
            first["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{"Name": "a", "Unit": "Milliseconds"}, {"Name": "b", "Unit": "Milliseconds"}])
        );
    }

    #[test]
    fn more_than_100_observations_continue_in_further_documents() {
        let d = datum("latency", &[], &[1.0, 2.0, 3.0], &[100.0, 60.0, 1.0]);
        let r = render(std::slice::from_ref(&d), EpochMillis(NOW));
        assert_eq!(r.lines.len(), 2);
        assert_same(&r.lines, &expected(&[d]));
    }

    #[test]
    fn more_than_100_metrics_continue_in_further_documents() {
        let datums: Vec<MetricDatum> = (0..250)
            .map(|i| datum(&format!("m{i}"), &[("k", "v")], &[f64::from(i)], &[1.0]))
            .collect();
        let r = render(&datums, EpochMillis(NOW));
        assert_eq!(r.lines.len(), 3);
        assert_same(&r.lines, &expected(&datums));
    }

    #[test]
    fn ten_thousand_metrics_of_one_function_make_one_hundred_documents() {
        let datums: Vec<MetricDatum> = (0..10_000)
            .map(|i| datum(&format!("m{i}"), &[("FunctionName", "f")], &[1.0], &[1.0]))
            .collect();
        let r = render(&datums, EpochMillis(NOW));
        assert_eq!(r.lines.len(), 100);
        assert_same(&r.lines, &expected(&datums));
    }

    #[test]
    fn same_name_with_two_units_never_shares_a_document() {
        let mut bytes = datum("size", &[], &[5.0], &[1.0]);
        bytes.unit = StandardUnit::Bytes;
        let datums = [datum("size", &[], &[1.0], &[1.0]), bytes];
        let r = render(&datums, EpochMillis(NOW));
        assert_eq!(r.lines.len(), 2);
        assert_same(&r.lines, &expected(&datums));
    }

    #[test]
    fn thirty_long_dimensions_and_full_documents_stay_under_the_size_cap() {
        let dims: Vec<(String, String)> = (0..30)
            .map(|k| (format!("{k:0>255}"), "v".repeat(1024)))
            .collect();
        let dim_refs: Vec<(&str, &str)> =
            dims.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let datums: Vec<MetricDatum> = (0..100)
            .map(|i| {
                let values: Vec<f64> = (0..100).map(|v| f64::from(v) * 1.000_000_1).collect();
                datum(&format!("m{i:0>254}"), &dim_refs, &values, &[1.0; 100])
            })
            .collect();
        let r = render(&datums, EpochMillis(NOW));
        assert!(r.lines.len() > 1, "split by size");
        assert_same(&r.lines, &expected(&datums));
    }

    #[test]
    fn invalid_datums_are_dropped_and_counted_never_written() {
        let mut aws = datum("a", &[], &[1.0], &[1.0]);
        aws.namespace = "AWS/Lambda".to_owned();
        let mut old = datum("old", &[], &[1.0], &[1.0]);
        old.timestamp = EpochMillis(NOW - 15 * 86_400_000);
        let datums = [
            datum("ok", &[], &[1.0], &[1.0]),
            aws,
            old,
            datum("nan", &[], &[f64::NAN], &[1.0]),
            datum("service", &[("service", "cart")], &[1.0], &[1.0]),
            datum("_aws", &[], &[1.0], &[1.0]),
            datum("huge", &[], &[1.0], &[2e6]),
        ];
        let r = render(&datums, EpochMillis(NOW));
        assert_eq!(r.datums, 1);
        assert_eq!(r.lines.len(), 1);
        assert!(r.lines[0].contains("\"ok\""));
        assert_eq!(r.dropped.get(RejectReason::MetricInvalidNamespace), 1);
        assert_eq!(r.dropped.get(RejectReason::MetricTimestampOutOfRange), 1);
        assert_eq!(r.dropped.get(RejectReason::MetricValueNotFinite), 1);
        assert_eq!(r.dropped.get(RejectReason::MetricNameConflict), 2);
        assert_eq!(r.dropped.get(RejectReason::MetricDatumMalformed), 1);
    }

    #[test]
    fn nothing_to_render_writes_nothing() {
        let r = render(&[], EpochMillis(NOW));
        assert!(r.lines.is_empty());
        let mut out = Vec::new();
        write_lines(&r.lines, &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn write_lines_puts_one_document_per_line() {
        let r = render(
            &[
                datum("a", &[], &[1.0], &[1.0]),
                datum("b", &[("k", "v")], &[1.0], &[1.0]),
            ],
            EpochMillis(NOW),
        );
        let mut out = Vec::new();
        write_lines(&r.lines, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            serde_json::from_str::<Value>(line).unwrap();
        }
    }

    #[test]
    fn corpus_emf_lines_are_recognised_by_the_core_as_emf() {
        // What shiplog writes must look like the EMF the core already recognises (and never
        // re-publishes): the corpus EMF records and our output satisfy the same detector.
        let r = render(
            &[datum("latency", &[("service", "cart")], &[3.0], &[2.0])],
            EpochMillis(NOW),
        );
        let obj: Map<String, Value> = serde_json::from_str(&r.lines[0]).unwrap();
        assert!(crate::parse::emf::is_emf(&obj));
    }

    fn arb_point() -> impl Strategy<Value = MetricPoint> {
        (
            prop::sample::select(vec!["ns1", "ns2"]),
            prop::sample::select(vec!["a", "b", "c", "d"]),
            prop::sample::select(vec![StandardUnit::Count, StandardUnit::Milliseconds]),
            0i64..180_000,
            prop::sample::select(vec![vec![], vec![("k", "1")], vec![("k", "2"), ("z", "x")]]),
            prop_oneof![
                (0u32..300).prop_map(f64::from),
                any::<f64>().prop_filter("normal", |v| v.is_normal() && v.abs() < 1e100)
            ],
        )
            .prop_map(|(ns, name, unit, offset, dims, value)| MetricPoint {
                namespace: ns.to_owned(),
                name: name.to_owned(),
                value,
                unit,
                timestamp: EpochMillis(NOW - 600_000 + offset),
                dimensions: dims
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_observation_is_written_once_within_the_emf_limits(
            points in prop::collection::vec(arb_point(), 0..1200),
        ) {
            let datums = aggregate(points);
            let r = render(&datums, EpochMillis(NOW));
            prop_assert!(r.dropped.is_empty());
            prop_assert_eq!(r.datums, datums.len());
            let (got, want) = (check_and_collect(&r.lines), expected(&datums));
            prop_assert!(same(&got, &want), "{:?} != {:?}", got, want);
        }
    }
}
