#!/usr/bin/env python3
"""Writes dashboards.ndjson (OpenSearch Dashboards saved objects) next to this script.

The index pattern's field list is derived from index-template.json, so the saved objects can
never name a field the documents do not have (tests/tests/infra.rs checks the result against
fields.txt). Run it after changing the index template or a visualization:

    python3 infra/opensearch/generate_dashboards.py          # rewrite dashboards.ndjson
    python3 infra/opensearch/generate_dashboards.py --check  # exit 1 when it is stale

Standard library only. The output is deterministic (sorted keys, fixed ids).
"""

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
TEMPLATE = HERE / "index-template.json"
OUTPUT = HERE / "dashboards.ndjson"

INDEX_PATTERN_ID = "shiplog-index-pattern"
INDEX_REF_NAME = "kibanaSavedObjectMeta.searchSourceJSON.index"
FUNCTION = "resource.faas.name"
REPORTS = "event.name:report"
TOP_FUNCTIONS = 30

# Lambda list price (x86_64, us-east-1, first tier): USD per GB-second and per request.
# arm64 is about 20 % cheaper per GB-second; the figure is an estimate, not a bill.
PRICE_PER_GB_SECOND = 0.0000166667
PRICE_PER_REQUEST = 0.0000002
COST_FIELD = "estimated_cost_usd"
COST_SCRIPT = (
    "if (doc['attributes.aws.lambda.billed_duration_ms'].size() == 0"
    " || doc['attributes.aws.lambda.memory_size_mb'].size() == 0) { return null; }"
    " double gbSeconds = doc['attributes.aws.lambda.billed_duration_ms'].value / 1000.0"
    " * doc['attributes.aws.lambda.memory_size_mb'].value / 1024.0;"
    f" return gbSeconds * {PRICE_PER_GB_SECOND} + {PRICE_PER_REQUEST};"
)

# OpenSearch mapping type -> Dashboards field type.
OSD_TYPES = {
    "date": "date",
    "text": "string",
    "match_only_text": "string",
    "keyword": "string",
    "flat_object": "string",
    "boolean": "boolean",
    "integer": "number",
    "long": "number",
    "double": "number",
    "float": "number",
}
META_FIELDS = [("_id", "string"), ("_index", "string"), ("_score", "number"), ("_source", "_source")]


def leaf_mappings(properties, prefix=""):
    """Yields (dotted name, mapping type, doc values on) for every leaf of a mappings
    `properties` tree."""
    for name, spec in sorted(properties.items()):
        dotted = f"{prefix}{name}"
        if "properties" in spec:
            yield from leaf_mappings(spec["properties"], f"{dotted}.")
        else:
            yield dotted, spec["type"], spec.get("doc_values", True)


def field_spec(name, es_type, doc_values=True):
    """One entry of the index pattern's cached field list, as Dashboards exports it."""
    aggregatable = doc_values and es_type not in ("text", "match_only_text", "flat_object")
    return {
        "aggregatable": aggregatable,
        "count": 0,
        "esTypes": [es_type],
        "name": name,
        "readFromDocValues": aggregatable,
        "scripted": False,
        "searchable": True,
        "type": OSD_TYPES[es_type],
    }


def meta_field_spec(name, osd_type):
    return {
        "aggregatable": name in ("_id", "_index"),
        "count": 0,
        "esTypes": [] if name == "_score" else [name],
        "name": name,
        "readFromDocValues": False,
        "scripted": False,
        "searchable": name in ("_id", "_index"),
        "type": osd_type,
    }


def index_pattern(template):
    leaves = list(leaf_mappings(template["template"]["mappings"]["properties"]))
    fields = [meta_field_spec(n, t) for n, t in META_FIELDS]
    fields += [field_spec(n, t, dv) for n, t, dv in leaves]
    fields.append(
        {
            "aggregatable": True,
            "count": 0,
            "lang": "painless",
            "name": COST_FIELD,
            "readFromDocValues": False,
            "script": COST_SCRIPT,
            "scripted": True,
            "searchable": True,
            "type": "number",
        }
    )
    title = template["index_patterns"][0]
    return {
        "attributes": {
            "fieldFormatMap": json.dumps(
                {COST_FIELD: {"id": "number", "params": {"pattern": "$0,0.0000"}}}, sort_keys=True
            ),
            "fields": json.dumps(fields, sort_keys=True),
            "timeFieldName": "@timestamp",
            "title": title,
        },
        "id": INDEX_PATTERN_ID,
        "migrationVersion": {"index-pattern": "7.6.0"},
        "references": [],
        "type": "index-pattern",
    }


def search_source(query):
    return json.dumps(
        {"filter": [], "indexRefName": INDEX_REF_NAME, "query": {"language": "kuery", "query": query}},
        sort_keys=True,
    )


def index_reference():
    return [{"id": INDEX_PATTERN_ID, "name": INDEX_REF_NAME, "type": "index-pattern"}]


def count_agg(agg_id="1"):
    return {"enabled": True, "id": agg_id, "params": {}, "schema": "metric", "type": "count"}


def metric_agg(agg_id, agg_type, field, label, extra=None):
    params = {"field": field, "customLabel": label}
    params.update(extra or {})
    return {"enabled": True, "id": agg_id, "params": params, "schema": "metric", "type": agg_type}


def over_time(agg_id="2"):
    return {
        "enabled": True,
        "id": agg_id,
        "params": {
            "drop_partials": False,
            "extended_bounds": {},
            "field": "@timestamp",
            "interval": "auto",
            "min_doc_count": 1,
            "scaleMetricValues": False,
            "useNormalizedOpenSearchInterval": True,
        },
        "schema": "segment",
        "type": "date_histogram",
    }


def per_function(agg_id, schema, order_by="1"):
    return {
        "enabled": True,
        "id": agg_id,
        "params": {
            "customLabel": "function",
            "field": FUNCTION,
            "missingBucket": False,
            "missingBucketLabel": "Missing",
            "order": "desc",
            "orderBy": order_by,
            "otherBucket": True,
            "otherBucketLabel": "Other",
            "size": TOP_FUNCTIONS,
        },
        "schema": schema,
        "type": "terms",
    }


def chart_params(chart_type, axis_title, series_label, mode):
    return {
        "addLegend": True,
        "addTimeMarker": False,
        "addTooltip": True,
        "categoryAxes": [
            {
                "id": "CategoryAxis-1",
                "labels": {"filter": True, "show": True, "truncate": 100},
                "position": "bottom",
                "scale": {"type": "linear"},
                "show": True,
                "style": {},
                "title": {},
                "type": "category",
            }
        ],
        "grid": {"categoryLines": False},
        "labels": {"show": False},
        "legendPosition": "right",
        "seriesParams": [
            {
                "data": {"id": "1", "label": series_label},
                "drawLinesBetweenPoints": True,
                "lineWidth": 2,
                "mode": mode,
                "show": True,
                "showCircles": True,
                "type": chart_type,
                "valueAxis": "ValueAxis-1",
            }
        ],
        "thresholdLine": {"color": "#E7664C", "show": False, "style": "full", "value": 10, "width": 1},
        "times": [],
        "type": chart_type,
        "valueAxes": [
            {
                "id": "ValueAxis-1",
                "labels": {"filter": False, "rotate": 0, "show": True, "truncate": 100},
                "name": "LeftAxis-1",
                "position": "left",
                "scale": {"mode": "normal", "type": "linear"},
                "show": True,
                "style": {},
                "title": {"text": axis_title},
                "type": "value",
            }
        ],
    }


def table_params():
    return {
        "perPage": TOP_FUNCTIONS,
        "percentageCol": "",
        "showMetricsAtAllLevels": False,
        "showPartialRows": False,
        "showTotal": True,
        "totalFunc": "sum",
    }


def visualization(vis_id, title, description, vis_type, params, aggs, query):
    vis_state = {"aggs": aggs, "params": params, "title": title, "type": vis_type}
    return {
        "attributes": {
            "description": description,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(query)},
            "title": title,
            "uiStateJSON": "{}",
            "version": 1,
            "visState": json.dumps(vis_state, sort_keys=True),
        },
        "id": vis_id,
        "migrationVersion": {"visualization": "7.10.0"},
        "references": index_reference(),
        "type": "visualization",
    }


def stacked_count_over_time(vis_id, title, description, label, query):
    aggs = [count_agg(), over_time(), per_function("3", "group")]
    params = chart_params("histogram", label, "Count", "stacked")
    return visualization(vis_id, title, description, "histogram", params, aggs, query)


def visualizations():
    errors = stacked_count_over_time(
        "shiplog-vis-errors",
        "shiplog · Errors per function",
        "Lines at ERROR/FATAL, lines carrying an exception, and invocations whose REPORT says error or timeout.",
        "Error lines",
        "severity.number >= 17 or event.exception.type:* or attributes.aws.lambda.status:(error or timeout)",
    )
    timeouts = stacked_count_over_time(
        "shiplog-vis-timeouts",
        "shiplog · Timeouts per function",
        "'Task timed out' lines and REPORT lines with status timeout.",
        "Timeouts",
        "event.name:timeout or attributes.aws.lambda.status:timeout",
    )
    cold_starts = stacked_count_over_time(
        "shiplog-vis-cold-starts",
        "shiplog · Cold starts per function",
        "REPORT lines with an init or a restore (SnapStart) duration.",
        "Cold starts",
        f"{REPORTS} and attributes.faas.coldstart:true",
    )
    duration_percents = {"percents": [50, 99]}
    duration_table = visualization(
        "shiplog-vis-duration",
        "shiplog · Duration p50 / p99 per function (ms)",
        "From REPORT lines: duration percentiles, init duration and invocation count.",
        "table",
        table_params(),
        [
            metric_agg("1", "percentiles", "attributes.aws.lambda.duration_ms", "duration ms", duration_percents),
            count_agg("2"),
            metric_agg("3", "max", "attributes.aws.lambda.duration_ms", "max duration ms"),
            metric_agg("4", "avg", "attributes.aws.lambda.init_duration_ms", "avg init ms"),
            per_function("5", "bucket", order_by="2"),
        ],
        REPORTS,
    )
    duration_line = visualization(
        "shiplog-vis-duration-over-time",
        "shiplog · Duration p50 / p99 over time (ms)",
        "From REPORT lines, all functions together.",
        "line",
        chart_params("line", "duration ms", "duration ms", "normal"),
        [
            metric_agg("1", "percentiles", "attributes.aws.lambda.duration_ms", "duration ms", duration_percents),
            over_time(),
        ],
        REPORTS,
    )
    memory = visualization(
        "shiplog-vis-memory",
        "shiplog · Memory per function (MB)",
        "From REPORT lines: configured memory against the most and the average used.",
        "table",
        table_params(),
        [
            metric_agg("1", "max", "attributes.aws.lambda.memory_size_mb", "memory size MB"),
            metric_agg("2", "max", "attributes.aws.lambda.max_memory_used_mb", "max used MB"),
            metric_agg("3", "avg", "attributes.aws.lambda.max_memory_used_mb", "avg max used MB"),
            per_function("4", "bucket", order_by="2"),
        ],
        REPORTS,
    )
    cost = visualization(
        "shiplog-vis-cost",
        "shiplog · Estimated cost per function (USD)",
        "Billed GB-seconds and requests from REPORT lines at x86_64 us-east-1 list price "
        "(arm64 is about 20 % cheaper); an estimate, not a bill.",
        "table",
        table_params(),
        [
            metric_agg("1", "sum", COST_FIELD, "estimated USD"),
            count_agg("2"),
            metric_agg("3", "sum", "attributes.aws.lambda.billed_duration_ms", "billed ms"),
            per_function("4", "bucket", order_by="1"),
        ],
        REPORTS,
    )
    return [errors, timeouts, cold_starts, duration_table, duration_line, memory, cost]


def dashboard(panels):
    width, height = 24, 15
    panel_states = []
    references = []
    for position, vis in enumerate(panels):
        ref_name = f"panel_{position}"
        panel_states.append(
            {
                "embeddableConfig": {},
                "gridData": {
                    "h": height,
                    "i": str(position + 1),
                    "w": width,
                    "x": (position % 2) * width,
                    "y": (position // 2) * height,
                },
                "panelIndex": str(position + 1),
                "panelRefName": ref_name,
                "version": "7.10.2",
            }
        )
        references.append({"id": vis["id"], "name": ref_name, "type": "visualization"})
    return {
        "attributes": {
            "description": "Errors, timeouts, cold starts, duration, memory and estimated cost per Lambda function, from shiplog documents.",
            "hits": 0,
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"filter": [], "query": {"language": "kuery", "query": ""}}, sort_keys=True)},
            "optionsJSON": json.dumps({"hidePanelTitles": False, "useMargins": True}, sort_keys=True),
            "panelsJSON": json.dumps(panel_states, sort_keys=True),
            "timeFrom": "now-24h",
            "timeRestore": True,
            "timeTo": "now",
            "title": "Lambda health",
            "version": 1,
        },
        "id": "shiplog-lambda-health",
        "migrationVersion": {"dashboard": "7.9.3"},
        "references": references,
        "type": "dashboard",
    }


def one_request_search():
    placeholder = '"PASTE-ID-HERE"'
    query = " or ".join(
        f"{field}:{placeholder}"
        for field in ("traceId", "attributes.aws.xray.trace_id", "attributes.correlation_id", "attributes.faas.invocation_id")
    )
    return {
        "attributes": {
            "columns": [FUNCTION, "severity.text", "event.name", "attributes.faas.invocation_id", "body"],
            "description": "Every line of one request across functions, oldest first: replace PASTE-ID-HERE with a trace id (W3C or X-Ray form), a correlation id or a request id.",
            "hits": 0,
            "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(query)},
            "sort": [["@timestamp", "asc"]],
            "title": "one request",
            "version": 1,
        },
        "id": "shiplog-one-request",
        "migrationVersion": {"search": "7.9.3"},
        "references": index_reference(),
        "type": "search",
    }


def render():
    template = json.loads(TEMPLATE.read_text())
    panels = visualizations()
    objects = [index_pattern(template), *panels, dashboard(panels), one_request_search()]
    lines = [json.dumps(obj, sort_keys=True, ensure_ascii=False) for obj in objects]
    return "\n".join(lines) + "\n"


def main(argv):
    """Writes dashboards.ndjson; with --check, only reports whether it is up to date."""
    content = render()
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != content:
            print(f"{OUTPUT.name} is out of date: run python3 {pathlib.Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
