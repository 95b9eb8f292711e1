//! Request correlation (SPEC §2): lines of one request share its trace id, correlation ids and
//! cold-start flag; lines without a request id inside START…END of the same log stream inherit it.
//!
//! A bounded cache survives across warm invocations so that a request split over two payloads
//! (START in one, REPORT with the X-Ray id in the next) still correlates.

use crate::model::{Correlation, Kind, ParsedLine};
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

/// Correlates the lines of each batch; keeps what it learned for the next batches.
#[derive(Debug)]
pub struct Correlator {
    requests: BoundedLru<RequestTraits<'static>>,
    open_by_stream: BoundedLru<String>,
}

impl Correlator {
    /// A correlator remembering at most `capacity` requests (and as many open streams).
    pub fn new(capacity: usize) -> Self {
        Correlator {
            requests: BoundedLru::new(capacity),
            open_by_stream: BoundedLru::new(capacity),
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
        let mut gathered: HashMap<Cow<'a, str>, RequestTraits<'a>> = HashMap::new();
        for line in lines.iter_mut() {
            match (line.kind, &line.request_id) {
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
