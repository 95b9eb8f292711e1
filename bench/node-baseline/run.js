'use strict';
// Times shipper.js over the Lambda event files of a directory (`shiplog bench --generate DIR`),
// the way `shiplog bench` times shiplog: every file in memory first, best of N rounds, the
// _bulk body built (and, with --gzip, gzip'd at level 1 as shiplog does), nothing sent.
// Usage: node run.js DIR [--rounds N] [--gzip]
// --rounds 0: one pass and exit (for whole-process timing with /usr/bin/time, like
// `shiplog replay`).
// Prints events/s, MB/s of decompressed input, ns per event and ms per MB, on process CPU time
// (process.cpuUsage: user + system, GC threads included) and on wall time.

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { transform } = require('./shipper');

function parseArgs(argv) {
  const args = { dir: null, rounds: 5, gzip: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') args.rounds = Number(argv[++i]);
    else if (argv[i] === '--gzip') args.gzip = true;
    else args.dir = argv[i];
  }
  if (!args.dir) {
    console.error('usage: node run.js DIR [--rounds N] [--gzip]');
    process.exit(2);
  }
  return args;
}

function loadEvents(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

// One pass over every event: parse the Lambda event, transform, optionally gzip.
function pass(files, gzip) {
  let events = 0;
  let rawBytes = 0;
  let bodyBytes = 0;
  let gzipBytes = 0;
  for (const text of files) {
    const out = transform(JSON.parse(text), 'cwl');
    events += out.events;
    rawBytes += out.rawBytes;
    const body = Buffer.from(out.body, 'utf8');
    bodyBytes += body.length;
    if (gzip) gzipBytes += zlib.gzipSync(body, { level: 1 }).length;
  }
  return { events, rawBytes, bodyBytes, gzipBytes };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const files = loadEvents(args.dir);
  const warm = pass(files, args.gzip);
  let bestCpu = Infinity;
  let bestWall = Infinity;
  for (let r = 0; r < args.rounds; r++) {
    const cpu0 = process.cpuUsage();
    const wall0 = process.hrtime.bigint();
    pass(files, args.gzip);
    const wall = Number(process.hrtime.bigint() - wall0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e3);
    bestWall = Math.min(bestWall, wall);
  }
  const mb = warm.rawBytes / 1e6;
  const line = (label, ms) =>
    console.log(
      `  ${label.padEnd(10)} ${ms.toFixed(1).padStart(9)} ms ${Math.round((warm.events / ms) * 1e3).toString().padStart(10)} events/s ${(mb / (ms / 1e3)).toFixed(1).padStart(7)} MB/s ${Math.round((ms * 1e6) / warm.events).toString().padStart(7)} ns/event ${(ms / mb).toFixed(2).padStart(7)} ms/MB`,
    );
  console.log(
    `node ${process.version} LogsToElasticsearch-style shipper: ${files.length} payloads, ${warm.events} events, ${mb.toFixed(1)} MB decompressed, bulk ${(warm.bodyBytes / 1e6).toFixed(1)} MB` +
      (args.gzip ? ` -> ${(warm.gzipBytes / 1e6).toFixed(2)} MB gzip` : ' (not gzip\'d, as the blueprint)'),
  );
  if (args.rounds > 0) {
    console.log(`best of ${args.rounds} rounds:`);
    line('cpu time', bestCpu);
    line('wall time', bestWall);
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
}

main();
