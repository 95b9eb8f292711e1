//! Request correlation (README, Documents): lines of one request share its trace id, correlation ids and
//! cold-start flag; lines without a request id inside START…END of the same log stream inherit it.
//!
//! Except in a stream whose requests run concurrently (Lambda Managed Instances: one execution
//! environment serves several requests at once, their lines interleave in one stream, and every
//! runtime line carries its own `requestId`): there a line is never attributed to a request by
//! its position. Such a stream is recognised by what it shows ([`shows_concurrency`]): a request
//! starting while another one of the same stream is still open, or a `platform.report` of the
//! Managed Instances shape (a duration without billed duration or memory size). Once seen, the
//! stream is remembered as concurrent. Its REPORTs get `memory_scope` =
//! [`MEMORY_SCOPE_ENVIRONMENT`]: memory there is the execution environment's, shared by every
//! request in it.
//!
//! A bounded cache survives across warm invocations so that a request split over two payloads
//! (START in one, REPORT with the X-Ray id in the next) still correlates.

use crate::model::{Correlation, Format, Kind, ParsedLine, MEMORY_SCOPE_ENVIRONMENT};
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::sync::Arc;

/// What one request is known to carry. Within one batch the strings borrow from the lines and
/// the correlation ids are shared (`Arc`) by every line of the request instead of copied; what is
/// remembered across batches owns its strings (`RequestTraits<'static>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestTraits<'a> {
    /// X-Ray trace id (X-Ray form).
    pub xray_trace_id: Option<Cow<'a, str>>,
    /// Correlation ids.
    pub correlation: Option<Arc<Correlation>>,
    /// Cold start: `Some(true)` as soon as any line says so.
    pub cold_start: Option<bool>,
}

/// Adds the ids of `from` that `into` lacks (the primary id only when `into` has none).
fn merge_ids(into: &mut Arc<Correlation>, from: &Arc<Correlation>) {
    if Arc::ptr_eq(into, from) {
        return;
    }
    let lacks_primary = into.primary.is_none() && from.primary.is_some();
    let lacks_ids = from.ids.keys().any(|k| !into.ids.contains_key(k));
    if !lacks_primary && !lacks_ids {
        return;
    }
    let mine = Arc::make_mut(into);
    if mine.primary.is_none() {
        mine.primary.clone_from(&from.primary);
    }
    for (k, v) in &from.ids {
        mine.ids.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

/// `into` gets `from`'s correlation ids: shared when it has none, merged when it has some.
fn take_correlation(into: &mut Option<Arc<Correlation>>, from: &Arc<Correlation>) {
    match into {
        None => *into = Some(Arc::clone(from)),
        Some(mine) => merge_ids(mine, from),
    }
}

/// The cold-start flag a line lends to the other lines of its request: a REPORT's `false` (no
/// init or restore duration) is a fact about the report alone, so only its `true` is lent;
/// any other line's statement (Powertools `cold_start`) is lent as it is.
fn shared_cold_start(line: &ParsedLine<'_>) -> Option<bool> {
    match line.kind {
        Kind::Report => line.cold_start.filter(|cold| *cold),
        _ => line.cold_start,
    }
}

impl<'a> RequestTraits<'a> {
    fn absorb(&mut self, line: &ParsedLine<'a>) {
        if self.xray_trace_id.is_none() {
            self.xray_trace_id.clone_from(&line.trace.xray_trace_id);
        }
        if let Some(c) = line.correlation.as_ref().filter(|c| !c.is_empty()) {
            take_correlation(&mut self.correlation, c);
        }
        match (self.cold_start, shared_cold_start(line)) {
            (_, Some(true)) => self.cold_start = Some(true),
            (None, Some(false)) => self.cold_start = Some(false),
            _ => {}
        }
    }

    fn merge_from(&mut self, older: &RequestTraits<'_>) {
        if self.xray_trace_id.is_none() {
            self.xray_trace_id = older
                .xray_trace_id
                .as_deref()
                .map(|x| Cow::Owned(x.to_owned()));
        }
        if let Some(c) = &older.correlation {
            take_correlation(&mut self.correlation, c);
        }
        if older.cold_start == Some(true) || self.cold_start.is_none() {
            self.cold_start = older.cold_start.or(self.cold_start);
        }
    }

    fn is_empty(&self) -> bool {
        self.xray_trace_id.is_none() && self.correlation.is_none() && self.cold_start.is_none()
    }

    /// The same traits, owning their strings (to be remembered across batches).
    fn into_owned(self) -> RequestTraits<'static> {
        RequestTraits {
            xray_trace_id: self.xray_trace_id.map(|x| Cow::Owned(x.into_owned())),
            correlation: self.correlation,
            cold_start: self.cold_start,
        }
    }

    fn apply_to(&self, line: &mut ParsedLine<'a>) {
        if line.trace.xray_trace_id.is_none() {
            line.trace.xray_trace_id.clone_from(&self.xray_trace_id);
        }
        if let Some(c) = &self.correlation {
            take_correlation(&mut line.correlation, c);
        }
        if line.cold_start.is_none() {
            line.cold_start = self.cold_start;
        }
    }
}

/// A map bounded to `capacity` entries that evicts the least recently used quarter when full
/// (amortised O(1) per access; no unsafe). Request ids are hashed with foldhash (randomly seeded
/// per process): SipHash cost more than the rest of a lookup, and the maps are bounded.
#[derive(Debug)]
struct BoundedLru<V> {
    capacity: usize,
    tick: u64,
    map: HashMap<String, (u64, V)>,
}

impl<V> BoundedLru<V> {
    fn new(capacity: usize) -> Self {
        BoundedLru {
            capacity: capacity.max(1),
            tick: 0,
            map: HashMap::new(),
        }
    }

    fn get(&mut self, key: &str) -> Option<&V> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(key).map(|(t, v)| {
            *t = tick;
            &*v
        })
    }

    fn insert(&mut self, key: String, value: V) {
        self.tick += 1;
        self.map.insert(key, (self.tick, value));
        if self.map.len() > self.capacity {
            self.evict();
        }
    }

    fn remove(&mut self, key: &str) {
        self.map.remove(key);
    }

    fn evict(&mut self) {
        let keep = self.capacity - self.capacity / 4;
        let mut ticks: Vec<u64> = self.map.values().map(|(t, _)| *t).collect();
        ticks.sort_unstable();
        let cut = ticks
            .get(ticks.len().saturating_sub(keep))
            .copied()
            .unwrap_or(0);
        self.map.retain(|_, (t, _)| *t >= cut);
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// True when the lines show requests running concurrently in one stream: a `platform.start`
/// (the JSON log format, the only one Managed Instances write) while another request is still
/// open (no END, `platform.runtimeDone` or REPORT of it yet; `open` is
/// the request left open by the stream's previous batch), or a `platform.report` has the Lambda
/// Managed Instances shape (a duration, but neither billed duration nor memory size).
pub fn shows_concurrency(lines: &[ParsedLine<'_>], open: Option<&str>) -> bool {
    let mut open = open;
    for line in lines {
        let id = line.request_id.as_deref();
        match (line.kind, id) {
            (Kind::Start, Some(id)) => {
                // Managed Instances write the JSON log format only: a text START after a lost
                // END (a crashed runtime, dropped logs, a payload replayed) is not concurrency.
                if line.format == Format::LambdaJson && open.is_some_and(|o| o != id) {
                    return true;
                }
                open = Some(id);
            }
            (Kind::End | Kind::RuntimeDone | Kind::Report, Some(id)) if open == Some(id) => {
                open = None;
            }
            _ => {}
        }
        if line.kind == Kind::Report && line.format == Format::LambdaJson {
            let managed_instances_shape = line.report.as_deref().is_some_and(|r| {
                r.duration_ms.is_some()
                    && r.billed_duration_ms.is_none()
                    && r.memory_size_mb.is_none()
            });
            if managed_instances_shape {
                return true;
            }
        }
    }
    false
}

/// Correlates the lines of each batch; keeps what it learned for the next batches.
#[derive(Debug)]
pub struct Correlator {
    requests: BoundedLru<RequestTraits<'static>>,
    open_by_stream: BoundedLru<String>,
    /// Streams seen running requests concurrently (no inheritance by position there).
    concurrent_streams: BoundedLru<()>,
}

impl Correlator {
    /// A correlator remembering at most `capacity` requests (and as many open streams).
    pub fn new(capacity: usize) -> Self {
        Correlator {
            requests: BoundedLru::new(capacity),
            open_by_stream: BoundedLru::new(capacity),
            concurrent_streams: BoundedLru::new(capacity),
        }
    }

    /// Number of requests currently remembered.
    pub fn remembered_requests(&self) -> usize {
        self.requests.len()
    }

    /// Correlates the lines of one batch (one log stream, in delivery order), in place.
    pub fn correlate<'a>(&mut self, log_stream: Option<&str>, lines: &mut [ParsedLine<'a>]) {
        let stream_key = log_stream.unwrap_or("");
        // Pass 1: request-id inheritance within START…END (the id is borrowed from the START
        // line, not copied), and what each request carries.
        let mut open: Option<Cow<'a, str>> = self
            .open_by_stream
            .get(stream_key)
            .map(|id| Cow::Owned(id.clone()));
        let concurrent = log_stream.is_some()
            && (self.concurrent_streams.get(stream_key).is_some()
                || shows_concurrency(lines, open.as_deref()));
        if concurrent {
            self.concurrent_streams.insert(stream_key.to_owned(), ());
            open = None;
        }
        let mut gathered: HashMap<Cow<'a, str>, RequestTraits<'a>> = HashMap::new();
        for line in lines.iter_mut() {
            if concurrent {
                if let Some(report) = line.report.as_deref_mut() {
                    report.memory_scope = Some(MEMORY_SCOPE_ENVIRONMENT);
                }
            }
            match (line.kind, &line.request_id) {
                _ if concurrent => {}
                (Kind::Start, Some(id)) => open = Some(id.clone()),
                (Kind::End, Some(id)) if open.as_deref() == Some(id.as_ref()) => open = None,
                (Kind::App | Kind::Metric | Kind::Emf, None) => line.request_id.clone_from(&open),
                _ => {}
            }
            if let Some(id) = &line.request_id {
                let carries = line.trace.xray_trace_id.is_some()
                    || line.correlation.as_deref().is_some_and(|c| !c.is_empty())
                    || shared_cold_start(line).is_some();
                if carries {
                    gathered.entry(id.clone()).or_default().absorb(line);
                }
            }
        }
        match open {
            Some(id) => self
                .open_by_stream
                .insert(stream_key.to_owned(), id.into_owned()),
            None => self.open_by_stream.remove(stream_key),
        }
        // Merge with what earlier payloads told about the same requests.
        for (id, traits) in gathered.iter_mut() {
            if let Some(older) = self.requests.get(id) {
                traits.merge_from(older);
            }
        }
        // Pass 2: apply.
        for line in lines.iter_mut() {
            let Some(id) = line.request_id.as_deref() else {
                continue;
            };
            if let Some(traits) = gathered.get(id) {
                traits.apply_to(line);
            } else if let Some(traits) = self.requests.get(id) {
                traits.apply_to(line);
            }
        }
        for (id, traits) in gathered {
            if !traits.is_empty() {
                self.requests.insert(id.into_owned(), traits.into_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Trace;

    fn line(kind: Kind, req: Option<&'static str>) -> ParsedLine<'static> {
        ParsedLine {
            kind,
            request_id: req.map(Cow::Borrowed),
            ..ParsedLine::default()
        }
    }

    fn with_xray(mut l: ParsedLine<'static>, x: &'static str) -> ParsedLine<'static> {
        l.trace = Trace {
            xray_trace_id: Some(Cow::Borrowed(x)),
            ..Trace::default()
        };
        l
    }

    #[test]
    fn report_xray_id_reaches_every_line_of_the_request() {
        let mut c = Correlator::new(16);
        let mut lines = vec![
            line(Kind::Start, Some("r1")),
            line(Kind::App, Some("r1")),
            line(Kind::End, Some("r1")),
            with_xray(
                line(Kind::Report, Some("r1")),
                "1-5759e988-bd862e3fe1be46a994272793",
            ),
            line(Kind::App, Some("r2")),
        ];
        c.correlate(Some("s"), &mut lines);
        assert_eq!(
            lines[1].trace.xray_trace_id.as_deref(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(
            lines[0].trace.xray_trace_id.as_deref(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(lines[4].trace.xray_trace_id, None);
    }

    #[test]
    fn unprefixed_lines_inherit_request_id_only_inside_start_end() {
        let mut c = Correlator::new(16);
        let mut lines = vec![
            line(Kind::App, None),
            line(Kind::Start, Some("r1")),
            line(Kind::App, None),
            line(Kind::End, Some("r1")),
            line(Kind::App, None),
        ];
        c.correlate(Some("s"), &mut lines);
        assert_eq!(lines[0].request_id, None);
        assert_eq!(lines[2].request_id.as_deref(), Some("r1"));
        assert_eq!(lines[4].request_id, None);
    }

    /// A `platform.start` record of request `req`.
    fn json_start(req: &'static str) -> ParsedLine<'static> {
        ParsedLine {
            format: Format::LambdaJson,
            ..line(Kind::Start, Some(req))
        }
    }

    fn report(req: &'static str, billed: Option<f64>) -> ParsedLine<'static> {
        ParsedLine {
            format: Format::LambdaJson,
            report: Some(Box::new(crate::model::Report {
                duration_ms: Some(2.5),
                billed_duration_ms: billed,
                memory_size_mb: billed.map(|_| 128.0),
                ..crate::model::Report::default()
            })),
            ..line(Kind::Report, Some(req))
        }
    }

    #[test]
    fn interleaved_requests_are_never_attributed_by_position() {
        let mut c = Correlator::new(16);
        let mut lines = vec![
            json_start("a"),
            json_start("b"),
            line(Kind::App, Some("a")),
            line(Kind::App, None),
            line(Kind::App, Some("b")),
            line(Kind::RuntimeDone, Some("a")),
            line(Kind::App, None),
            report("a", Some(3.0)),
            line(Kind::RuntimeDone, Some("b")),
            report("b", Some(3.0)),
        ];
        c.correlate(Some("2026/01/08/[$LATEST]env"), &mut lines);
        let ids: Vec<Option<&str>> = lines.iter().map(|l| l.request_id.as_deref()).collect();
        assert_eq!(
            ids,
            [
                Some("a"),
                Some("b"),
                Some("a"),
                None,
                Some("b"),
                Some("a"),
                None,
                Some("a"),
                Some("b"),
                Some("b")
            ]
        );
        for r in [&lines[7], &lines[9]] {
            let scope = r.report.as_deref().and_then(|r| r.memory_scope);
            assert_eq!(scope, Some(MEMORY_SCOPE_ENVIRONMENT));
        }
        // The stream stays concurrent in the next batch, even with one request at a time.
        let mut next = vec![
            json_start("c"),
            line(Kind::App, None),
            report("c", Some(3.0)),
        ];
        c.correlate(Some("2026/01/08/[$LATEST]env"), &mut next);
        assert_eq!(next[1].request_id, None);
        assert_eq!(
            next[2].report.as_deref().and_then(|r| r.memory_scope),
            Some(MEMORY_SCOPE_ENVIRONMENT)
        );
    }

    #[test]
    fn sequential_requests_are_not_concurrent() {
        let text = [
            line(Kind::Start, Some("a")),
            line(Kind::End, Some("a")),
            line(Kind::Report, Some("a")),
            line(Kind::Start, Some("b")),
        ];
        assert!(!shows_concurrency(&text, None));
        let json = [
            json_start("a"),
            line(Kind::RuntimeDone, Some("a")),
            report("a", Some(3.0)),
            json_start("b"),
            line(Kind::App, None),
            report("b", Some(3.0)),
        ];
        assert!(!shows_concurrency(&json, None));
        let mut lines = json.to_vec();
        let mut c = Correlator::new(4);
        c.correlate(Some("s"), &mut lines);
        assert_eq!(lines[4].request_id.as_deref(), Some("b"));
        assert_eq!(
            lines[5].report.as_deref().and_then(|r| r.memory_scope),
            None
        );
        // A request still open from the previous batch, then another one starts.
        assert!(shows_concurrency(&[json_start("b")], Some("a")));
        // A text START after a lost END is not concurrency (Managed Instances write JSON only).
        assert!(!shows_concurrency(
            &[line(Kind::Start, Some("b"))],
            Some("a")
        ));
    }

    #[test]
    fn a_managed_instances_report_marks_its_stream_concurrent() {
        assert!(shows_concurrency(&[report("a", None)], None));
        let mut c = Correlator::new(4);
        let mut lines = vec![
            line(Kind::Start, Some("a")),
            line(Kind::App, None),
            report("a", None),
        ];
        c.correlate(Some("s"), &mut lines);
        assert_eq!(lines[1].request_id, None);
    }

    #[test]
    fn request_split_over_two_payloads_still_correlates() {
        let mut c = Correlator::new(16);
        let mut first = vec![line(Kind::Start, Some("r1")), line(Kind::App, None)];
        c.correlate(Some("s"), &mut first);
        // Second payload: the open request continues, and the REPORT brings the trace id.
        let mut second = vec![
            line(Kind::App, None),
            line(Kind::End, Some("r1")),
            with_xray(
                line(Kind::Report, Some("r1")),
                "1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb",
            ),
        ];
        c.correlate(Some("s"), &mut second);
        assert_eq!(second[0].request_id.as_deref(), Some("r1"));
        assert_eq!(
            second[0].trace.xray_trace_id.as_deref(),
            Some("1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb")
        );
        // A third payload with a late line of r1 gets the cached trace id.
        let mut third = vec![line(Kind::Timeout, Some("r1"))];
        c.correlate(Some("s"), &mut third);
        assert_eq!(
            third[0].trace.xray_trace_id.as_deref(),
            Some("1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb")
        );
    }

    #[test]
    fn other_streams_do_not_inherit() {
        let mut c = Correlator::new(16);
        let mut a = vec![line(Kind::Start, Some("r1"))];
        c.correlate(Some("a"), &mut a);
        let mut b = vec![line(Kind::App, None)];
        c.correlate(Some("b"), &mut b);
        assert_eq!(b[0].request_id, None);
    }

    #[test]
    fn cold_start_true_wins_over_false() {
        let mut c = Correlator::new(16);
        let mut a = line(Kind::App, Some("r1"));
        a.cold_start = Some(false);
        let mut r = line(Kind::Report, Some("r1"));
        r.cold_start = Some(true);
        let mut lines = vec![line(Kind::App, Some("r1")), a, r];
        c.correlate(None, &mut lines);
        assert_eq!(lines[0].cold_start, Some(true));
        assert_eq!(
            lines[1].cold_start,
            Some(false),
            "a line's own statement is kept"
        );
    }

    #[test]
    fn a_warm_report_keeps_its_false_to_itself() {
        let mut c = Correlator::new(16);
        let mut warm = line(Kind::Report, Some("r1"));
        warm.cold_start = Some(false);
        let mut lines = vec![
            line(Kind::Start, Some("r1")),
            line(Kind::App, Some("r1")),
            line(Kind::End, Some("r1")),
            warm,
        ];
        c.correlate(Some("s"), &mut lines);
        let cold: Vec<_> = lines.iter().map(|l| l.cold_start).collect();
        assert_eq!(cold, [None, None, None, Some(false)]);
        // A later line of the same request learns nothing either.
        let mut late = vec![line(Kind::Timeout, Some("r1"))];
        c.correlate(Some("s"), &mut late);
        assert_eq!(late[0].cold_start, None);
        // A cold REPORT (init or restore duration) still lends its `true` to the request.
        let mut cold_report = line(Kind::Report, Some("r2"));
        cold_report.cold_start = Some(true);
        let mut lines = vec![line(Kind::App, Some("r2")), cold_report];
        c.correlate(Some("s"), &mut lines);
        assert_eq!(lines[0].cold_start, Some(true));
        // Another line's `false` (Powertools) is lent as before.
        let mut said = line(Kind::App, Some("r3"));
        said.cold_start = Some(false);
        let mut lines = vec![line(Kind::App, Some("r3")), said];
        c.correlate(Some("s"), &mut lines);
        assert_eq!(lines[0].cold_start, Some(false));
    }

    #[test]
    fn cache_stays_bounded() {
        let mut c = Correlator::new(100);
        for i in 0..10_000 {
            let id: &'static str = Box::leak(format!("r{i}").into_boxed_str());
            let mut lines = vec![with_xray(
                line(Kind::Report, Some(id)),
                "1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb",
            )];
            c.correlate(Some("s"), &mut lines);
            assert!(c.remembered_requests() <= 100);
        }
        assert!(c.remembered_requests() >= 75);
    }
}
