'use strict';
// Writes the _bulk body shipper.js builds for each Lambda event file of a directory
// (`shiplog bench --generate DIR`), one `<event file name>.ndjson` per event, so that the storage
// benchmark (scripts/storage-bench.py) can send the blueprint's documents to a real OpenSearch
// node exactly as the blueprint would: one uncompressed `_bulk` request per Lambda event,
// `index` actions, no index template (dynamic mapping).
// Usage: node bulk-bodies.js EVENTS_DIR OUT_DIR [--index-prefix P]   (default prefix: cwl)

const fs = require('fs');
const path = require('path');
const { transform } = require('./shipper');

function parseArgs(argv) {
  const args = { dir: null, out: null, prefix: 'cwl' };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--index-prefix') args.prefix = argv[++i];
    else rest.push(argv[i]);
  }
  [args.dir, args.out] = rest;
  if (!args.dir || !args.out || !args.prefix) {
    console.error('usage: node bulk-bodies.js EVENTS_DIR OUT_DIR [--index-prefix P]');
    process.exit(2);
  }
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.out, { recursive: true });
  const files = fs.readdirSync(args.dir).filter((f) => f.endsWith('.json')).sort();
  let events = 0;
  let bytes = 0;
  for (const f of files) {
    const event = JSON.parse(fs.readFileSync(path.join(args.dir, f), 'utf8'));
    const out = transform(event, args.prefix);
    fs.writeFileSync(path.join(args.out, f.replace(/\.json$/, '.ndjson')), out.body);
    events += out.events;
    bytes += Buffer.byteLength(out.body);
  }
  console.log(`${files.length} bulk bodies, ${events} events, ${(bytes / 1e6).toFixed(1)} MB -> ${args.out}`);
}

main();
