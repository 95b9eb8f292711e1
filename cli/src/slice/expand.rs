//! The transitive expansion of a slice, bounded: from the documents the seed matches to every
//! request sharing one of their trace or correlation ids, round after round.
//!
//! The id fields are indexed without doc values (near-unique ids are never aggregated), so the
//! ids are read from documents: a round's query matches the seed or any id known when the round
//! began, minus the documents of the requests already known; each page (`DISCOVERY_PAGE`
//! documents, only their id fields) therefore names at least one new request, whose trace and
//! correlation ids join the next round. A round ends on an empty page. The expansion stops when a
//! round names nothing new (settled), after `max_rounds` rounds, or when more than
//! `max_requests` requests are named (cut: the slice is then reported as incomplete). Memory is
//! the id sets plus one page.

use super::id::{
    Seed, CORRELATIONS_FIELD, CORRELATION_FIELD, REQUEST_FIELD, W3C_FIELD, XRAY_FIELD,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Documents per discovery page.
pub(crate) const DISCOVERY_PAGE: usize = 100;

/// The bounds of an expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Rounds at most (the first reads the seed).
    pub(crate) max_rounds: usize,
    /// Requests at most.
    pub(crate) max_requests: usize,
}

/// Why an expansion stopped before settling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The last allowed round still named new ids.
    Rounds,
    /// More requests than allowed were named; the slice keeps `max_requests` of them.
    Requests,
}

impl Cut {
    /// The flag named in messages and in the `slice` JSON line.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Cut::Rounds => "max-rounds",
            Cut::Requests => "max-requests",
        }
    }
}

/// The ids known so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ids {
    /// Request ids.
    pub(crate) requests: BTreeSet<String>,
    /// X-Ray trace ids.
    pub(crate) xray: BTreeSet<String>,
    /// W3C trace ids.
    pub(crate) w3c: BTreeSet<String>,
    /// Primary correlation ids.
    pub(crate) correlation: BTreeSet<String>,
}

impl Ids {
    /// `terms` clauses for every non-empty set (a correlation id also matches any key of
    /// `attributes.correlation`).
    fn clauses(&self) -> Vec<Value> {
        let mut clauses = Vec::new();
        for (values, field) in [
            (&self.requests, REQUEST_FIELD),
            (&self.xray, XRAY_FIELD),
            (&self.w3c, W3C_FIELD),
            (&self.correlation, CORRELATION_FIELD),
            (&self.correlation, CORRELATIONS_FIELD),
        ] {
            if !values.is_empty() {
                clauses.push(json!({ "terms": { field: values } }));
            }
        }
        clauses
    }

    /// Adds the ids of one document's source; true when one was new.
    fn absorb(&mut self, source: &Value) -> bool {
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let mut grew = false;
        for (set, value) in [
            (
                &mut self.requests,
                &source["attributes"]["faas"]["invocation_id"],
            ),
            (
                &mut self.xray,
                &source["attributes"]["aws"]["xray"]["trace_id"],
            ),
            (&mut self.w3c, &source["traceId"]),
            (
                &mut self.correlation,
                &source["attributes"]["correlation_id"],
            ),
        ] {
            if let Some(id) = text(value) {
                grew |= set.insert(id);
            }
        }
        grew
    }
}

/// What a discovery page brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    /// New requests: read another page of this round.
    More,
    /// Nothing more in this round.
    RoundDone,
    /// More requests than allowed.
    Cut,
}

/// What a round brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// New ids: another round may find more.
    Grew,
    /// Nothing new: the slice is complete.
    Settled,
    /// A bound stopped the expansion.
    Cut(Cut),
}

/// The state of an expansion.
#[derive(Debug, Clone)]
pub(crate) struct Expansion {
    seed: Vec<Value>,
    time_range: Option<Value>,
    bounds: Bounds,
    /// The clauses of the current round (the seed and the ids known when it began).
    frontier: Vec<Value>,
    grew: bool,
    /// The ids known so far.
    pub(crate) ids: Ids,
    /// Rounds begun.
    pub(crate) rounds: usize,
    /// Why it stopped early, if it did.
    pub(crate) cut: Option<Cut>,
}

impl Expansion {
    /// A new expansion from `seed`, within `time_range` (a `range` clause) when given.
    pub(crate) fn new(seed: &Seed, time_range: Option<Value>, bounds: Bounds) -> Self {
        Expansion {
            seed: seed.clauses(),
            time_range,
            bounds: Bounds {
                max_rounds: bounds.max_rounds.max(1),
                max_requests: bounds.max_requests.max(1),
            },
            frontier: Vec::new(),
            grew: false,
            ids: Ids::default(),
            rounds: 0,
            cut: None,
        }
    }

    fn reach(&self) -> Vec<Value> {
        let mut should = self.seed.clone();
        should.extend(self.ids.clauses());
        should
    }

    /// The query of everything the slice reaches so far: the seed or any known id.
    pub(crate) fn query(&self) -> Value {
        bool_query(self.reach(), self.time_range.clone(), None)
    }

    /// The search counting the documents the seed matches (before any expansion).
    pub(crate) fn count_body(&self) -> Value {
        json!({ "size": 0, "track_total_hits": true, "query": self.query() })
    }

    /// Documents matching the slice's ids that belong to no invocation (no request id).
    pub(crate) fn outside_invocations_query(&self) -> Value {
        bool_query(
            self.reach(),
            self.time_range.clone(),
            Some(json!({ "exists": { "field": REQUEST_FIELD } })),
        )
    }

    /// The documents of `requests`.
    pub(crate) fn requests_query(&self, requests: &[&str]) -> Value {
        bool_query(
            vec![json!({ "terms": { REQUEST_FIELD: requests } })],
            self.time_range.clone(),
            None,
        )
    }

    /// Begins a round: its query is the seed and the ids known now.
    pub(crate) fn begin_round(&mut self) {
        self.rounds += 1;
        self.frontier = self.reach();
        self.grew = false;
    }

    /// The next discovery page of the round: documents of requests not known yet, id fields only.
    pub(crate) fn discovery_body(&self) -> Value {
        let mut query = bool_query(
            self.frontier.clone(),
            self.time_range.clone(),
            (!self.ids.requests.is_empty())
                .then(|| json!({ "terms": { REQUEST_FIELD: &self.ids.requests } })),
        );
        let exists = json!({ "exists": { "field": REQUEST_FIELD } });
        match query["bool"]["filter"].as_array_mut() {
            Some(filter) => filter.push(exists),
            None => query["bool"]["filter"] = json!([exists]),
        }
        json!({
            "size": DISCOVERY_PAGE,
            "track_total_hits": false,
            "_source": [REQUEST_FIELD, XRAY_FIELD, W3C_FIELD, CORRELATION_FIELD],
            "query": query,
        })
    }

    /// Absorbs a discovery page (the search response).
    pub(crate) fn absorb_page(&mut self, response: &Value) -> Page {
        let before = self.ids.requests.len();
        let hits = response["hits"]["hits"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        for hit in hits {
            self.grew |= self.ids.absorb(&hit["_source"]);
        }
        if self.ids.requests.len() > self.bounds.max_requests {
            let keep: BTreeSet<String> = self
                .ids
                .requests
                .iter()
                .take(self.bounds.max_requests)
                .cloned()
                .collect();
            self.ids.requests = keep;
            self.cut = Some(Cut::Requests);
            return Page::Cut;
        }
        // Every page of documents of unknown requests names a new one: an empty page, or one
        // naming nothing new (which the query excludes), ends the round.
        if self.ids.requests.len() > before {
            Page::More
        } else {
            Page::RoundDone
        }
    }

    /// Ends a round: says whether to begin another.
    pub(crate) fn end_round(&mut self) -> Progress {
        if let Some(cut) = self.cut {
            return Progress::Cut(cut);
        }
        if !self.grew {
            return Progress::Settled;
        }
        if self.rounds >= self.bounds.max_rounds {
            self.cut = Some(Cut::Rounds);
            return Progress::Cut(Cut::Rounds);
        }
        Progress::Grew
    }
}

/// `bool` with `should` (at least one), the time range as a filter, `must_not` when given.
fn bool_query(should: Vec<Value>, time_range: Option<Value>, must_not: Option<Value>) -> Value {
    let mut query = json!({ "should": should, "minimum_should_match": 1 });
    if let Some(range) = time_range {
        query["filter"] = json!([range]);
    }
    if let Some(not) = must_not {
        query["must_not"] = json!([not]);
    }
    json!({ "bool": query })
}

/// The `range` clause on `@timestamp` of `--since` / `--until`; `None` without either.
pub(crate) fn time_range(since: Option<&str>, until: Option<&str>) -> Option<Value> {
    let mut range = serde_json::Map::new();
    if let Some(since) = since {
        range.insert("gte".to_owned(), json!(since));
    }
    if let Some(until) = until {
        range.insert("lte".to_owned(), json!(until));
    }
    (!range.is_empty()).then(|| json!({ "range": { "@timestamp": range } }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A discovery page: one hit per (request, xray, correlation).
    fn page(docs: &[(&str, Option<&str>, Option<&str>)]) -> Value {
        let hits: Vec<Value> = docs
            .iter()
            .map(|(request, xray, correlation)| {
                json!({"_source": {
                    "attributes": {
                        "faas": {"invocation_id": request},
                        "aws": {"xray": {"trace_id": xray}},
                        "correlation_id": correlation,
                    }
                }})
            })
            .collect();
        json!({"hits": {"hits": hits}})
    }

    fn expansion(max_rounds: usize, max_requests: usize) -> Expansion {
        Expansion::new(
            &Seed::new("order-1", None).unwrap(),
            None,
            Bounds {
                max_rounds,
                max_requests,
            },
        )
    }

    #[test]
    fn rounds_grow_until_nothing_new_turns_up() {
        let mut e = expansion(5, 10);
        e.begin_round();
        assert_eq!(
            e.absorb_page(&page(&[("r1", Some("1-a"), None)])),
            Page::More
        );
        assert_eq!(e.absorb_page(&page(&[])), Page::RoundDone);
        assert_eq!(e.end_round(), Progress::Grew);
        e.begin_round();
        let body = e.discovery_body().to_string();
        for needle in [
            r#""must_not":[{"terms":{"attributes.faas.invocation_id":["r1"]}}]"#,
            r#"{"terms":{"attributes.aws.xray.trace_id":["1-a"]}}"#,
            r#"{"exists":{"field":"attributes.faas.invocation_id"}}"#,
            r#""_source":["attributes.faas.invocation_id""#,
        ] {
            assert!(body.contains(needle), "{needle} in {body}");
        }
        assert_eq!(
            e.absorb_page(&page(&[("r2", None, Some("order-1")), ("r2", None, None)])),
            Page::More
        );
        assert_eq!(e.absorb_page(&page(&[])), Page::RoundDone);
        assert_eq!(e.end_round(), Progress::Grew);
        e.begin_round();
        assert_eq!(e.absorb_page(&page(&[])), Page::RoundDone);
        assert_eq!(e.end_round(), Progress::Settled);
        assert_eq!(e.rounds, 3);
        assert_eq!(e.cut, None);
        assert_eq!(e.ids.requests.iter().collect::<Vec<_>>(), ["r1", "r2"]);
        let query = e.query().to_string();
        assert!(
            query.contains(r#"{"terms":{"attributes.correlation":["order-1"]}}"#),
            "{query}"
        );
    }

    #[test]
    fn the_round_query_is_frozen_when_the_round_begins() {
        let mut e = expansion(5, 10);
        e.begin_round();
        assert_eq!(
            e.absorb_page(&page(&[("r1", Some("1-a"), None)])),
            Page::More
        );
        let body = e.discovery_body().to_string();
        assert!(
            !body.contains("1-a"),
            "the new trace id waits for the next round: {body}"
        );
    }

    #[test]
    fn the_last_allowed_round_still_growing_cuts_the_slice() {
        let mut e = expansion(1, 10);
        e.begin_round();
        assert_eq!(e.absorb_page(&page(&[("r1", None, None)])), Page::More);
        assert_eq!(e.absorb_page(&page(&[])), Page::RoundDone);
        assert_eq!(e.end_round(), Progress::Cut(Cut::Rounds));
        assert_eq!(e.cut, Some(Cut::Rounds));
        assert_eq!(Cut::Rounds.as_str(), "max-rounds");
    }

    #[test]
    fn too_many_requests_cut_the_slice_to_the_bound() {
        let mut e = expansion(5, 2);
        e.begin_round();
        assert_eq!(
            e.absorb_page(&page(&[
                ("r3", None, None),
                ("r1", None, None),
                ("r2", None, None)
            ])),
            Page::Cut
        );
        assert_eq!(e.ids.requests.len(), 2);
        assert_eq!(e.end_round(), Progress::Cut(Cut::Requests));
    }

    #[test]
    fn a_page_naming_nothing_new_ends_the_round() {
        let mut e = expansion(5, 10);
        e.begin_round();
        assert_eq!(e.absorb_page(&page(&[("r1", None, None)])), Page::More);
        assert_eq!(e.absorb_page(&page(&[("r1", None, None)])), Page::RoundDone);
        assert_eq!(e.absorb_page(&json!({})), Page::RoundDone);
    }

    #[test]
    fn the_time_range_filters_every_query() {
        let range = time_range(Some("now-1h"), None).unwrap();
        assert_eq!(range, json!({"range": {"@timestamp": {"gte": "now-1h"}}}));
        assert_eq!(time_range(None, None), None);
        let mut e = Expansion::new(
            &Seed::new("x", None).unwrap(),
            time_range(Some("2025-11-20T12:00:00Z"), Some("2025-11-20T13:00:00Z")),
            Bounds {
                max_rounds: 1,
                max_requests: 1,
            },
        );
        e.begin_round();
        for q in [
            e.query(),
            e.outside_invocations_query(),
            e.requests_query(&["r"]),
            e.discovery_body()["query"].clone(),
            e.count_body()["query"].clone(),
        ] {
            assert_eq!(
                q["bool"]["filter"][0]["range"]["@timestamp"]["lte"], "2025-11-20T13:00:00Z",
                "{q}"
            );
        }
        assert_eq!(
            e.outside_invocations_query()["bool"]["must_not"][0]["exists"]["field"],
            REQUEST_FIELD
        );
    }
}
