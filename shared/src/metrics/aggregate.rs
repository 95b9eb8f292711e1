//! Aggregation of metric points into CloudWatch `Values`/`Counts` datums.
//!
//! Points with the same (namespace, name, dimensions, unit, minute) collapse into one datum whose
//! `Values` are the distinct values and `Counts` how often each occurred. Timestamps are floored
//! to the minute: shiplog publishes at standard resolution (`StorageResolution` 60), which
//! CloudWatch stores per minute anyway, so the bucketing loses nothing CloudWatch would keep.
//!
//! The multiset of (metric, value) is conserved exactly: every point is counted once, in exactly
//! one datum. Values are compared by bit pattern after turning `-0.0` into `0.0`.
//!
//! **Output order** (deterministic for a given input order): datums sorted by namespace, name,
//! dimensions, unit, then minute; within one key, values in the order first seen. A key with more
//! than [`MAX_VALUES_PER_DATUM`] distinct values spills into further datums with the same key,
//! in that order.

use super::point::MetricPoint;
use super::units::StandardUnit;
use crate::time::EpochMillis;
use foldhash::{HashMap, HashMapExt};
use serde::Serialize;
use std::cmp::Ordering;

/// Most distinct values CloudWatch accepts in one datum's `Values` array.
pub const MAX_VALUES_PER_DATUM: usize = 150;

/// Length of one standard-resolution bucket.
const MINUTE_MS: i64 = 60_000;

/// One aggregated CloudWatch datum: every point with the same (namespace, name, dimensions, unit,
/// minute) collapsed into distinct values and their counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDatum {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub name: String,
    /// Unit.
    pub unit: StandardUnit,
    /// Start of the minute the points fall in.
    pub timestamp: EpochMillis,
    /// Dimensions sorted by name.
    pub dimensions: Vec<(String, String)>,
    /// Distinct values (≤ 150).
    pub values: Vec<f64>,
    /// How often each value occurred.
    pub counts: Vec<f64>,
}

/// Start of the minute `t` falls in (saturating at the far past, never overflowing).
fn minute_of(t: EpochMillis) -> i64 {
    t.0.saturating_sub(t.0.rem_euclid(MINUTE_MS))
}

/// `-0.0` and `0.0` are the same value for CloudWatch.
fn normalise(value: f64) -> f64 {
    if value == 0.0 {
        0.0
    } else {
        value
    }
}

/// The aggregation key order: namespace, name, dimensions, unit, minute.
fn compare_keys(a: &MetricPoint, b: &MetricPoint) -> Ordering {
    a.namespace
        .cmp(&b.namespace)
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.dimensions.cmp(&b.dimensions))
        .then_with(|| a.unit.cmp(&b.unit))
        .then_with(|| minute_of(a.timestamp).cmp(&minute_of(b.timestamp)))
}

/// The aggregation key of a point, borrowed: equal exactly when [`compare_keys`] says so.
#[derive(PartialEq, Eq, Hash)]
struct Key<'p> {
    namespace: &'p str,
    name: &'p str,
    dimensions: &'p [(String, String)],
    unit: StandardUnit,
    minute: i64,
}

impl<'p> Key<'p> {
    fn of(p: &'p MetricPoint) -> Self {
        Key {
            namespace: &p.namespace,
            name: &p.name,
            dimensions: &p.dimensions,
            unit: p.unit,
            minute: minute_of(p.timestamp),
        }
    }
}

/// The points grouped by key (indices, each group in input order), the groups in key order:
/// grouped with a hash map, then only the groups (far fewer than the points: one per metric and
/// minute) are sorted.
fn key_groups(points: &[MetricPoint]) -> Vec<Vec<usize>> {
    let mut group_of: HashMap<Key<'_>, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let next = groups.len();
        let g = *group_of.entry(Key::of(p)).or_insert(next);
        match groups.get_mut(g) {
            Some(group) => group.push(i),
            None => groups.push(vec![i]),
        }
    }
    let first = |group: &[usize]| group.first().and_then(|&i| points.get(i));
    groups.sort_unstable_by(|a, b| match (first(a), first(b)) {
        (Some(pa), Some(pb)) => compare_keys(pa, pb),
        _ => Ordering::Equal,
    });
    groups
}

/// Aggregates points into datums; the multiset of (metric, value) is conserved.
///
/// Groups point indices by key (each key's points in input order, so input order decides value
/// order), then walks each group once. Key strings and dimensions are moved out of the group's
/// first point, and cloned only when a key spills into a further datum.
pub fn aggregate(mut points: Vec<MetricPoint>) -> Vec<MetricDatum> {
    let mut datums = Vec::new();
    // Distinct value bits of the current key → (datum index, position in its values).
    let mut seen: HashMap<u64, (usize, usize)> = HashMap::new();
    for run in key_groups(&points) {
        seen.clear();
        collapse_run(&mut points, &run, &mut seen, &mut datums);
    }
    datums
}

/// Turns one run of same-key points (indices into `points`) into one or more datums.
fn collapse_run(
    points: &mut [MetricPoint],
    run: &[usize],
    seen: &mut HashMap<u64, (usize, usize)>,
    datums: &mut Vec<MetricDatum>,
) {
    // Key fields are identical across the run: move them out of the first point.
    let Some(first) = run.first().and_then(|&i| points.get_mut(i)) else {
        return;
    };
    let template = MetricDatum {
        namespace: std::mem::take(&mut first.namespace),
        name: std::mem::take(&mut first.name),
        unit: first.unit,
        timestamp: EpochMillis(minute_of(first.timestamp)),
        dimensions: std::mem::take(&mut first.dimensions),
        values: Vec::new(),
        counts: Vec::new(),
    };
    let first_datum = datums.len();
    let mut template = Some(template);
    for value in run
        .iter()
        .filter_map(|&i| points.get(i))
        .map(|p| normalise(p.value))
    {
        let bits = value.to_bits();
        if let Some(&(d, pos)) = seen.get(&bits) {
            if let Some(count) = datums
                .get_mut(d)
                .and_then(|datum| datum.counts.get_mut(pos))
            {
                *count += 1.0;
            }
            continue;
        }
        let needs_new = datums.len() == first_datum
            || datums
                .last()
                .is_none_or(|d| d.values.len() >= MAX_VALUES_PER_DATUM);
        if needs_new {
            let next = match template.take() {
                Some(t) => t,
                None => spill_from(datums.get(first_datum)),
            };
            datums.push(next);
        }
        let d = datums.len() - 1;
        if let Some(datum) = datums.last_mut() {
            seen.insert(bits, (d, datum.values.len()));
            datum.values.push(value);
            datum.counts.push(1.0);
        }
    }
}

/// An empty datum with the same key as `like` (for a key with more than 150 distinct values).
fn spill_from(like: Option<&MetricDatum>) -> MetricDatum {
    match like {
        Some(d) => MetricDatum {
            namespace: d.namespace.clone(),
            name: d.name.clone(),
            unit: d.unit,
            timestamp: d.timestamp,
            dimensions: d.dimensions.clone(),
            values: Vec::new(),
            counts: Vec::new(),
        },
        // Unreachable: a spill always follows the key's first datum. An empty key is harmless.
        None => MetricDatum {
            namespace: String::new(),
            name: String::new(),
            unit: StandardUnit::None,
            timestamp: EpochMillis(0),
            dimensions: Vec::new(),
            values: Vec::new(),
            counts: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn point(name: &str, dims: &[(&str, &str)], ts: i64, value: f64) -> MetricPoint {
        MetricPoint {
            namespace: "acme".to_owned(),
            name: name.to_owned(),
            value,
            unit: StandardUnit::Milliseconds,
            timestamp: EpochMillis(ts),
            dimensions: dims
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    const T0: i64 = 1_700_000_040_000; // 22:14:00.000Z, a minute boundary

    #[test]
    fn ten_thousand_points_with_three_values_in_one_minute_make_one_datum() {
        let points: Vec<MetricPoint> = (0..10_000)
            .map(|i| {
                point(
                    "latency",
                    &[("FunctionName", "f")],
                    T0 + (i % 60_000),
                    [1.0, 2.5, 7.0][i as usize % 3],
                )
            })
            .collect();
        let datums = aggregate(points);
        assert_eq!(datums.len(), 1);
        let d = &datums[0];
        assert_eq!(d.values, [1.0, 2.5, 7.0]);
        assert_eq!(d.counts, [3334.0, 3333.0, 3333.0]);
        assert_eq!(d.timestamp, EpochMillis(T0));
        assert_eq!((d.namespace.as_str(), d.name.as_str()), ("acme", "latency"));
        assert_eq!(d.dimensions, [("FunctionName".to_owned(), "f".to_owned())]);
        assert_eq!(d.unit, StandardUnit::Milliseconds);
    }

    #[test]
    fn timestamps_are_floored_to_the_minute_and_minutes_stay_apart() {
        let datums = aggregate(vec![
            point("m", &[], T0 + 59_999, 1.0),
            point("m", &[], T0 + 60_000, 1.0),
            point("m", &[], T0, 1.0),
        ]);
        assert_eq!(datums.len(), 2);
        assert_eq!(
            (datums[0].timestamp, datums[0].counts.as_slice()),
            (EpochMillis(T0), &[2.0][..])
        );
        assert_eq!(datums[1].timestamp, EpochMillis(T0 + 60_000));
    }

    type Dims = Vec<(String, String)>;

    #[test]
    fn different_dimensions_or_units_are_different_datums() {
        let mut bytes = point("m", &[], T0, 1.0);
        bytes.unit = StandardUnit::Bytes;
        let datums = aggregate(vec![
            point("m", &[("k", "a")], T0, 1.0),
            point("m", &[("k", "b")], T0, 1.0),
            bytes,
            point("m", &[("k", "a")], T0, 1.0),
        ]);
        let keys: Vec<(Dims, StandardUnit, Vec<f64>)> = datums
            .into_iter()
            .map(|d| (d.dimensions, d.unit, d.counts))
            .collect();
        assert_eq!(
            keys,
            [
                (vec![], StandardUnit::Bytes, vec![1.0]),
                (
                    vec![("k".to_owned(), "a".to_owned())],
                    StandardUnit::Milliseconds,
                    vec![2.0]
                ),
                (
                    vec![("k".to_owned(), "b".to_owned())],
                    StandardUnit::Milliseconds,
                    vec![1.0]
                ),
            ]
        );
    }

    #[test]
    fn negative_zero_counts_as_zero() {
        let datums = aggregate(vec![point("m", &[], T0, -0.0), point("m", &[], T0, 0.0)]);
        assert_eq!(datums.len(), 1);
        assert_eq!(datums[0].values.len(), 1);
        assert!(datums[0].values[0].is_sign_positive());
        assert_eq!(datums[0].counts, [2.0]);
    }

    #[test]
    fn more_than_150_distinct_values_spill_and_repeats_stay_in_their_datum() {
        let mut points: Vec<MetricPoint> = (0..400)
            .map(|i| point("m", &[("k", "v")], T0, f64::from(i)))
            .collect();
        // Repeats of a value that lives in the first datum, after the spill.
        points.push(point("m", &[("k", "v")], T0, 3.0));
        points.push(point("m", &[("k", "v")], T0, 399.0));
        let datums = aggregate(points);
        assert_eq!(
            datums.iter().map(|d| d.values.len()).collect::<Vec<_>>(),
            [150, 150, 100]
        );
        assert_eq!(datums[0].values[..3], [0.0, 1.0, 2.0], "first-seen order");
        assert_eq!(datums[0].counts[3], 2.0);
        assert_eq!(datums[2].counts[99], 2.0);
        for d in &datums {
            assert_eq!((d.name.as_str(), d.timestamp), ("m", EpochMillis(T0)));
            assert_eq!(d.dimensions, [("k".to_owned(), "v".to_owned())]);
        }
    }

    #[test]
    fn output_is_sorted_by_key_whatever_the_input_order() {
        let datums = aggregate(vec![
            point("b", &[], T0, 1.0),
            point("a", &[], T0 + 60_000, 1.0),
            point("a", &[], T0, 1.0),
        ]);
        let keys: Vec<(&str, i64)> = datums
            .iter()
            .map(|d| (d.name.as_str(), d.timestamp.0))
            .collect();
        assert_eq!(keys, [("a", T0), ("a", T0 + 60_000), ("b", T0)]);
    }

    #[test]
    fn no_points_no_datums() {
        assert!(aggregate(Vec::new()).is_empty());
    }

    type Key = (String, String, Vec<(String, String)>, StandardUnit, i64);

    fn key_of_point(p: &MetricPoint) -> Key {
        (
            p.namespace.clone(),
            p.name.clone(),
            p.dimensions.clone(),
            p.unit,
            minute_of(p.timestamp),
        )
    }

    fn key_of_datum(d: &MetricDatum) -> Key {
        (
            d.namespace.clone(),
            d.name.clone(),
            d.dimensions.clone(),
            d.unit,
            d.timestamp.0,
        )
    }

    fn arb_point() -> impl Strategy<Value = MetricPoint> {
        (
            prop::sample::select(vec!["ns1", "ns2"]),
            prop::sample::select(vec!["a", "b", "c"]),
            prop::sample::select(vec![StandardUnit::Count, StandardUnit::None]),
            0i64..240_000,
            prop::collection::vec(
                (
                    prop::sample::select(vec!["x", "y"]),
                    prop::sample::select(vec!["1", "2"]),
                ),
                0..2,
            ),
            prop_oneof![
                (0u32..200).prop_map(f64::from),
                Just(-0.0),
                any::<f64>().prop_filter("finite", |v| v.is_finite()),
            ],
        )
            .prop_map(|(ns, name, unit, offset, dims, value)| {
                let mut dimensions: Vec<(String, String)> = dims
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                dimensions.sort();
                dimensions.dedup_by(|a, b| a.0 == b.0);
                MetricPoint {
                    namespace: ns.to_owned(),
                    name: name.to_owned(),
                    value,
                    unit,
                    timestamp: EpochMillis(T0 + offset),
                    dimensions,
                }
            })
    }

    proptest! {
        #[test]
        fn aggregation_conserves_every_key_and_value(points in prop::collection::vec(arb_point(), 0..800)) {
            let mut want_per_key: BTreeMap<Key, usize> = BTreeMap::new();
            let mut want_per_value: BTreeMap<(Key, u64), usize> = BTreeMap::new();
            // Each key's distinct values in the order they first occur in the input.
            let mut want_value_order: BTreeMap<Key, Vec<u64>> = BTreeMap::new();
            for p in &points {
                let order = want_value_order.entry(key_of_point(p)).or_default();
                let bits = normalise(p.value).to_bits();
                if !order.contains(&bits) {
                    order.push(bits);
                }
                *want_per_key.entry(key_of_point(p)).or_default() += 1;
                *want_per_value.entry((key_of_point(p), normalise(p.value).to_bits())).or_default() += 1;
            }
            let datums = aggregate(points);
            let mut got_per_key: BTreeMap<Key, usize> = BTreeMap::new();
            let mut got_per_value: BTreeMap<(Key, u64), usize> = BTreeMap::new();
            for d in &datums {
                prop_assert_eq!(d.values.len(), d.counts.len());
                prop_assert!(!d.values.is_empty() && d.values.len() <= MAX_VALUES_PER_DATUM);
                prop_assert_eq!(d.timestamp.0 % MINUTE_MS, 0);
                for (v, c) in d.values.iter().zip(&d.counts) {
                    prop_assert!(*c >= 1.0 && c.fract() == 0.0);
                    *got_per_key.entry(key_of_datum(d)).or_default() += *c as usize;
                    let slot = got_per_value.entry((key_of_datum(d), v.to_bits())).or_default();
                    prop_assert_eq!(*slot, 0, "a value appears in one datum of its key only");
                    *slot += *c as usize;
                }
            }
            prop_assert_eq!(got_per_key, want_per_key);
            prop_assert_eq!(got_per_value, want_per_value);
            let mut got_value_order: BTreeMap<Key, Vec<u64>> = BTreeMap::new();
            for d in &datums {
                got_value_order.entry(key_of_datum(d)).or_default().extend(d.values.iter().map(|v| v.to_bits()));
            }
            prop_assert_eq!(got_value_order, want_value_order);
            let keys: Vec<Key> = datums.iter().map(key_of_datum).collect();
            let mut sorted = keys.clone();
            sorted.sort_by(|a, b| (&a.0, &a.1, &a.2, a.3, a.4).cmp(&(&b.0, &b.1, &b.2, b.3, b.4)));
            prop_assert_eq!(keys, sorted);
        }
    }
}
