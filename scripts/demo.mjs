#!/usr/bin/env node
// `npm start`: the whole stack via `greenlight up`, then a deploy of examples/releases/chat-v2.yaml,
// its events printed as they arrive; the stack keeps running until Ctrl-C.
// GREENLIGHT_DEMO_EXIT=1: stop the stack and exit 0 after watching (for tests).
// Extra arguments go to `greenlight up`, e.g. `npm start -- --orchestrator-port 17070 --dir /tmp/gl`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'greenlight.js');
const manifest = join(root, 'examples', 'releases', 'chat-v2.yaml');
const upArgs = process.argv.slice(2);
const dirFlag = upArgs.indexOf('--dir');
const stateDir = resolve(dirFlag >= 0 && upArgs[dirFlag + 1] ? upArgs[dirFlag + 1] : '.greenlight');
const exitAfterWatch = process.env.GREENLIGHT_DEMO_EXIT === '1';
const watchSeconds = Number(process.env.GREENLIGHT_DEMO_WATCH_SECONDS ?? 15);
const STACK_TIMEOUT_MS = 120_000;

const formatPath = join(root, 'dist', 'libs', 'cli', 'src', 'output', 'format.util.js');
if (!existsSync(formatPath)) {
  console.error('greenlight is not built yet: run `npm run build` first');
  process.exit(1);
}
const { eventCells, alignColumns } = createRequire(import.meta.url)(formatPath);

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const bold = process.stdout.isTTY ? (text) => `\x1b[1m${text}\x1b[0m` : (text) => text;
const say = (text) => console.log(`\n${bold(`▸ ${text}`)}`);

// Own process group: a terminal Ctrl-C reaches only this script, which stops `up` exactly once.
const up = spawn(process.execPath, [cli, 'up', ...upArgs], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: true,
});
let upExit;
const upExited = new Promise((done) =>
  up.on('exit', (code, signal) => {
    upExit = code ?? signal;
    done(upExit);
  }),
);

let stopping = false;
async function stopStack(code) {
  if (!stopping) {
    stopping = true;
    if (upExit === undefined) up.kill('SIGINT');
  }
  const timer = setTimeout(() => up.kill('SIGKILL'), 60_000);
  await upExited;
  clearTimeout(timer);
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopStack(0));

function readStack() {
  try {
    if (readFileSync(join(stateDir, 'up.pid'), 'utf8').trim() !== String(up.pid)) return undefined;
    return JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

say('starting the stack: greenlight up ' + upArgs.join(' '));
const deadline = Date.now() + STACK_TIMEOUT_MS;
let stack;
while (!(stack = readStack())) {
  if (upExit !== undefined) {
    console.error(`greenlight up exited (${upExit}) before the stack was ready`);
    process.exit(1);
  }
  if (Date.now() > deadline) {
    console.error(`the stack was not ready within ${STACK_TIMEOUT_MS / 1000}s`);
    await stopStack(1);
  }
  await sleep(200);
}

const env = { ...process.env, GREENLIGHT_URL: stack.orchestrator, GREENLIGHT_TOKEN: stack.token };
function greenlight(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

say('greenlight deploy -f examples/releases/chat-v2.yaml');
const deploy = await greenlight(['deploy', '-f', manifest, '--json']);
if (deploy.code !== 0) {
  process.stderr.write(deploy.stderr);
  await stopStack(1);
}
const accepted = JSON.parse(deploy.stdout);
console.log(`deployment ${accepted.id} of ${accepted.service} accepted (phase ${accepted.phase})`);

const seen = new Set();
async function printNewEvents() {
  try {
    const response = await fetch(`${stack.orchestrator}/v1/deployments/${accepted.id}/events`, {
      headers: { authorization: `Bearer ${stack.token}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return;
    const { items } = await response.json();
    const fresh = items.filter((event) => !seen.has(event.id));
    for (const event of fresh) seen.add(event.id);
    if (fresh.length > 0) console.log(alignColumns(fresh.map(eventCells)));
  } catch {
    // The orchestrator may be busy or restarting; the next poll catches up.
  }
}

say(`events of ${accepted.id} as they arrive`);
const watchUntil = Date.now() + watchSeconds * 1000;
while (Date.now() < watchUntil) {
  await printNewEvents();
  await sleep(500);
}

if (exitAfterWatch) {
  say('stopping the stack (GREENLIGHT_DEMO_EXIT=1)');
  await stopStack(seen.size > 0 ? 0 : 1);
}

const flags = dirFlag >= 0 ? ` --url ${stack.orchestrator} --token ${stack.token}` : '';
say('the stack keeps running; Ctrl-C stops it. Meanwhile, in another terminal:');
console.log(
  [
    `  node bin/greenlight.js status${flags}`,
    `  node bin/greenlight.js status ${accepted.id}${flags}`,
    `  node bin/greenlight.js events ${accepted.id}${flags}`,
    `  curl -s ${stack.gateway}/v1/models`,
    `  orchestrator ${stack.orchestrator}  (docs: ${stack.orchestrator}/docs)`,
  ].join('\n'),
);
say('following events (Ctrl-C stops the stack)');
for (;;) {
  if (upExit !== undefined) {
    console.error(`greenlight up exited (${upExit})`);
    process.exit(1);
  }
  await printNewEvents();
  await sleep(1_000);
}
