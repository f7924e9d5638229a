'use strict';
// A stand-in model server for the pool driver tests: listens on --port, answers every GET with
// what it was started with, and misbehaves on request (slow or ignored SIGTERM, crash, workers).
//   node fixture-server.js --port 9001 [--host H] [--term-delay MS] [--ignore-term]
//     [--exit-after MS] [--exit-code N] [--pid-file FILE] [--worker]
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { parseArgs } = require('node:util');

// Not strict: a pool command may pass flags the fixture does not know; it echoes them back.
const { values, positionals } = parseArgs({
  strict: false,
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'term-delay': { type: 'string', default: '0' },
    'ignore-term': { type: 'boolean', default: false },
    'exit-after': { type: 'string' },
    'exit-code': { type: 'string', default: '0' },
    'pid-file': { type: 'string' },
    worker: { type: 'boolean', default: false },
  },
});

const log = (line) => process.stdout.write(`fixture[${process.pid}] ${line}\n`);

if (!values.port) {
  process.stderr.write('fixture-server: --port is required\n');
  process.exit(2);
}
if (values['pid-file']) writeFileSync(values['pid-file'], String(process.pid));

// A worker process in the same process group, like vLLM's engine processes.
const worker = values.worker
  ? spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' })
  : undefined;

const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      port: Number(values.port),
      pid: process.pid,
      workerPid: worker ? worker.pid : null,
      argv: process.argv.slice(2),
      positionals,
      greeting: process.env.FIXTURE_GREETING ?? null,
    }),
  );
});
server.listen(Number(values.port), values.host, () =>
  log(`listening on ${values.host}:${values.port}`),
);

process.on('SIGTERM', () => {
  if (values['ignore-term']) {
    log('SIGTERM ignored');
    return;
  }
  log('SIGTERM received, shutting down');
  server.close();
  setTimeout(() => process.exit(0), Number(values['term-delay']));
});

if (values['exit-after'] !== undefined) {
  setTimeout(() => {
    log(`exiting with code ${values['exit-code']}`);
    process.exit(Number(values['exit-code']));
  }, Number(values['exit-after']));
}
