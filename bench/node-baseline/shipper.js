'use strict';
// A LogsToElasticsearch-style shipper: the shape of the classic AWS blueprint that streams
// CloudWatch Logs to Amazon ES, written here from its description for benchmarking only.
// Per Lambda event: base64 decode, gunzip, JSON.parse the subscription payload; per log event:
// a daily index name, the message's embedded JSON (from the first '{') parsed when it is valid,
// a few fields pulled out with regular expressions, and one action line + one source line
// appended to the _bulk body string. No metrics, no correlation, no error parsing.

const zlib = require('zlib');

const REQUEST_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const LEVEL = /\b(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\b/;
const REPORT = /^REPORT RequestId: \S+\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms/;

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

function indexName(prefix, timestamp) {
  const d = new Date(timestamp);
  return prefix + '-' + d.getUTCFullYear() + '.' + pad(d.getUTCMonth() + 1) + '.' + pad(d.getUTCDate());
}

// The JSON object embedded in a message (from its first '{'), when it parses.
function embeddedJson(message) {
  const start = message.indexOf('{');
  if (start < 0) return null;
  try {
    const value = JSON.parse(message.substring(start));
    return value !== null && typeof value === 'object' ? value : null;
  } catch (e) {
    return null;
  }
}

function buildSource(message) {
  const source = embeddedJson(message) || {};
  const id = REQUEST_ID.exec(message);
  if (id) source.request_id = id[0];
  const level = LEVEL.exec(message);
  if (level) source.level = level[1];
  const report = REPORT.exec(message);
  if (report) {
    source.duration_ms = Number(report[1]);
    source.billed_duration_ms = Number(report[2]);
  }
  return source;
}

// One Lambda event ({"awslogs":{"data":…}}) → the _bulk body and counts.
function transform(event, indexPrefix) {
  const zipped = Buffer.from(event.awslogs.data, 'base64');
  const raw = zlib.gunzipSync(zipped);
  const payload = JSON.parse(raw.toString('utf8'));
  if (payload.messageType === 'CONTROL_MESSAGE') {
    return { body: '', events: 0, rawBytes: raw.length };
  }
  let body = '';
  for (const logEvent of payload.logEvents) {
    const source = buildSource(logEvent.message);
    source['@id'] = logEvent.id;
    source['@timestamp'] = new Date(logEvent.timestamp).toISOString();
    source['@message'] = logEvent.message;
    source['@owner'] = payload.owner;
    source['@log_group'] = payload.logGroup;
    source['@log_stream'] = payload.logStream;
    const action = { index: { _index: indexName(indexPrefix, logEvent.timestamp), _id: logEvent.id } };
    body += JSON.stringify(action) + '\n' + JSON.stringify(source) + '\n';
  }
  return { body, events: payload.logEvents.length, rawBytes: raw.length };
}

module.exports = { transform, buildSource, indexName };
