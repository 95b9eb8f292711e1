//! What the id given to `shiplog slice` can be, and the query clauses that find it: a request
//! id, a trace id in X-Ray or W3C form (each also looked up in the other form), a correlation id
//! (primary, or any key of `attributes.correlation`), or the value of a field the user names.

use serde_json::{json, Value};
use shiplog::span::TraceId;

/// Request id of every document of an invocation.
pub(crate) const REQUEST_FIELD: &str = "attributes.faas.invocation_id";
/// X-Ray trace id (`1-5759e988-bd862e3fe1be46a994272793`).
pub(crate) const XRAY_FIELD: &str = "attributes.aws.xray.trace_id";
/// W3C trace id (32 lowercase hex).
pub(crate) const W3C_FIELD: &str = "traceId";
/// Primary correlation id.
pub(crate) const CORRELATION_FIELD: &str = "attributes.correlation_id";
/// Every correlation key by its original name (`flat_object`: a term on the root field matches
/// any of its values).
pub(crate) const CORRELATIONS_FIELD: &str = "attributes.correlation";

/// The two spellings of one trace id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TraceForms {
    /// `1-<8 hex>-<24 hex>`.
    pub(crate) xray: String,
    /// 32 lowercase hex.
    pub(crate) w3c: String,
}

/// `id` read as a trace id: X-Ray form (`1-5759e988-bd862e3fe1be46a994272793`) or W3C form
/// (32 hex digits), by the core's rule for trace ids (`TraceId::parse`: an all-zero id is no
/// trace id); `None` for anything else.
pub(crate) fn trace_forms(id: &str) -> Option<TraceForms> {
    let trace = TraceId::parse(id.trim())?;
    Some(TraceForms {
        xray: trace.to_xray(),
        w3c: trace.as_str().to_owned(),
    })
}

/// What the user asked for: `id`, looked up in `field` when one is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seed {
    /// The id as given (surrounding blanks removed).
    pub(crate) id: String,
    /// The field to look it up in (`--field`).
    pub(crate) field: Option<String>,
}

impl Seed {
    /// The seed of `shiplog slice ID [--field F]`; an empty id or field is a usage error.
    pub(crate) fn new(id: &str, field: Option<&str>) -> Result<Self, String> {
        let id = id.trim();
        if id.is_empty() {
            return Err("the id is empty".to_owned());
        }
        let field = match field.map(str::trim) {
            Some("") => return Err("--field is empty".to_owned()),
            Some(f) => Some(f.to_owned()),
            None => None,
        };
        Ok(Seed {
            id: id.to_owned(),
            field,
        })
    }

    /// The query clauses (any of them matches) of the documents the id names.
    pub(crate) fn clauses(&self) -> Vec<Value> {
        if let Some(field) = &self.field {
            return vec![term(field, &self.id)];
        }
        let mut clauses: Vec<Value> = [
            REQUEST_FIELD,
            CORRELATION_FIELD,
            CORRELATIONS_FIELD,
            XRAY_FIELD,
            W3C_FIELD,
        ]
        .iter()
        .map(|f| term(f, &self.id))
        .collect();
        if let Some(forms) = trace_forms(&self.id) {
            clauses.push(term(XRAY_FIELD, &forms.xray));
            clauses.push(term(W3C_FIELD, &forms.w3c));
        }
        clauses
    }

    /// How the id was read, for messages: "trace id", "request or correlation id", "<field>".
    pub(crate) fn describe(&self) -> String {
        match (&self.field, trace_forms(&self.id)) {
            (Some(f), _) => format!("{f} = {:?}", self.id),
            (None, Some(_)) => format!("trace id {:?}", self.id),
            (None, None) => format!("request or correlation id {:?}", self.id),
        }
    }
}

/// `{"term":{field: value}}`.
pub(crate) fn term(field: &str, value: &str) -> Value {
    json!({ "term": { field: value } })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn an_xray_trace_id_has_its_w3c_form_and_back() {
        let forms = trace_forms("1-5759e988-bd862e3fe1be46a994272793").unwrap();
        assert_eq!(forms.w3c, "5759e988bd862e3fe1be46a994272793");
        assert_eq!(forms.xray, "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(
            trace_forms("5759E988BD862E3FE1BE46A994272793"),
            Some(forms),
            "upper case W3C is read too"
        );
    }

    #[test]
    fn request_ids_and_correlation_ids_are_not_trace_ids() {
        for id in [
            "4d6f8a0c-2e4b-4d6f-9a1c-3e5b7d9f1a2c",
            "order-7f3a9e12",
            "1-5759e988-bd862e3fe1be46a99427279",
            "1-5759e98g-bd862e3fe1be46a994272793",
            "5759e988bd862e3fe1be46a99427279",
            "00000000000000000000000000000000",
            "",
        ] {
            assert_eq!(trace_forms(id), None, "{id}");
        }
    }

    #[test]
    fn a_plain_id_is_looked_up_in_every_id_field() {
        let seed = Seed::new(" order-7f3a ", None).unwrap();
        let clauses = seed.clauses();
        let fields: Vec<String> = clauses
            .iter()
            .filter_map(|c| c["term"].as_object())
            .flat_map(|t| t.keys().cloned())
            .collect();
        assert_eq!(
            fields,
            [
                REQUEST_FIELD,
                CORRELATION_FIELD,
                CORRELATIONS_FIELD,
                XRAY_FIELD,
                W3C_FIELD
            ]
        );
        assert!(clauses.iter().all(|c| c["term"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v == "order-7f3a")));
        assert_eq!(seed.describe(), "request or correlation id \"order-7f3a\"");
    }

    #[test]
    fn a_trace_id_is_looked_up_in_both_forms() {
        let seed = Seed::new("5759e988bd862e3fe1be46a994272793", None).unwrap();
        let clauses = seed.clauses();
        assert!(clauses.contains(&term(XRAY_FIELD, "1-5759e988-bd862e3fe1be46a994272793")));
        assert!(clauses.contains(&term(W3C_FIELD, "5759e988bd862e3fe1be46a994272793")));
    }

    #[test]
    fn a_field_seed_is_one_term_on_that_field() {
        let seed = Seed::new("o-88213", Some("attributes.fields.order_id")).unwrap();
        assert_eq!(
            seed.clauses(),
            vec![json!({"term": {"attributes.fields.order_id": "o-88213"}})]
        );
        assert_eq!(Seed::new("  ", None).unwrap_err(), "the id is empty");
        assert_eq!(Seed::new("x", Some("")).unwrap_err(), "--field is empty");
    }
}
