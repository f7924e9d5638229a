#!/usr/bin/env node
// `npm start`: the whole stack (`greenlight up`), a blue pool of two simulated replicas on v1
// (examples/releases/chat-v1.yaml), then steady chat traffic through the gateway while
// examples/releases/chat-v2.yaml deploys, watched live; ends with a summary of the phases and of
// what clients saw. The stack keeps running until Ctrl-C.
// `npm run demo:bad` (`--bad`): against the stack `npm start` left running (or a new one), a
// release that passes the eval but is slow under real traffic (chat-v3-slow.yaml): the canary
// analysis rolls it back.
// GREENLIGHT_DEMO_EXIT=1: stop the stack this script started and exit, 0 if the deployment ended
// as expected with no failed request, else 1 (for tests).
// Other arguments go to `greenlight up`, e.g. `npm start -- --orchestrator-port 17070 --dir /tmp/gl`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'greenlight.js');
const SERVICE = 'chat';
const RELEASES = join(root, 'examples', 'releases');
const BLUE_MANIFEST = join(RELEASES, 'chat-v1.yaml');
const SCENARIOS = {
  good: { manifest: join(RELEASES, 'chat-v2.yaml'), expected: 'Completed' },
  bad: { manifest: join(RELEASES, 'chat-v3-slow.yaml'), expected: 'RolledBack' },
};
// Generous: a busy 2-core machine starts a dozen processes slowly.
const STACK_TIMEOUT_MS = 180_000;
const BLUE_TIMEOUT_MS = 240_000;
const DEPLOY_TIMEOUT_MS = 480_000;
const TRAFFIC = { clients: 6, streamShare: 0.3, streamTokens: 40, shortTokens: 4 };
const DEMO_ERRORS = {
  notBuilt: 'greenlight is not built yet: run `npm run build` first',
  upExited: (code) => `greenlight up exited (${code}) before the stack was ready`,
  stackTimeout: `the stack was not ready within ${STACK_TIMEOUT_MS / 1000}s`,
  deployRefused: (file) => `greenlight deploy -f ${file} was refused`,
  notEnded: (id, ms) => `deployment ${id} did not end within ${ms / 1000}s`,
  blueNotServing: (phase) => `the blue pool (v1) did not go live: its deployment ended ${phase}`,
  gatewayNotServing: `the gateway does not serve ${SERVICE} yet`,
};

const args = process.argv.slice(2);
const scenarioName = args.includes('--bad') ? 'bad' : 'good';
const scenario = SCENARIOS[scenarioName];
const upArgs = args.filter((arg) => arg !== '--bad');
const dirFlag = upArgs.indexOf('--dir');
const stateDir = resolve(dirFlag >= 0 && upArgs[dirFlag + 1] ? upArgs[dirFlag + 1] : '.greenlight');
const exitWhenDone = process.env.GREENLIGHT_DEMO_EXIT === '1';

const dist = (...path) => join(root, 'dist', 'libs', ...path);
const formatPath = dist('cli', 'src', 'output', 'format.util.js');
if (!existsSync(formatPath)) {
  console.error(DEMO_ERRORS.notBuilt);
  process.exit(1);
}
const load = createRequire(import.meta.url);
const { eventCells, alignColumns, formatTable } = load(formatPath);
const { startTraffic } = load(dist('fixtures', 'src', 'traffic.fixture.js'));
const { TERMINAL_PHASES } = load(dist('contracts', 'src', 'deployment', 'phase.constants.js'));

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const bold = process.stdout.isTTY ? (text) => `\x1b[1m${text}\x1b[0m` : (text) => text;
const say = (text) => console.log(`\n${bold(`▸ ${text}`)}`);
const shown = (path) => relative(process.cwd(), path) || '.';

// ---- the stack ------------------------------------------------------------------------------

/** `greenlight up` when this script started it (its own process group: Ctrl-C reaches us only). */
let up;
let upExit;
let upExited = Promise.resolve();

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function upPid() {
  const pid = Number(readJson(join(stateDir, 'up.pid')));
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** The stack a previous `npm start` left running from the same state directory. */
async function runningStack() {
  const pid = upPid();
  const stack = pid === undefined ? undefined : readJson(join(stateDir, 'stack.json'));
  if (!stack) return undefined;
  try {
    const response = await fetch(`${stack.orchestrator}/healthz`, {
      signal: AbortSignal.timeout(5_000),
    });
    return response.ok ? stack : undefined;
  } catch {
    return undefined;
  }
}

async function startStack() {
  // Replicas stop with the stack, so a previous run's data would name a live release nobody
  // serves: start from a clean state, keeping the last one aside.
  const data = join(stateDir, 'data');
  if (existsSync(data) && upPid() === undefined) {
    rmSync(`${data}.previous`, { recursive: true, force: true });
    renameSync(data, `${data}.previous`);
    console.log(`(the previous run's state is in ${shown(data)}.previous)`);
  }
  say(`starting the stack: greenlight up ${upArgs.join(' ')}`.trimEnd());
  up = spawn(process.execPath, [cli, 'up', ...upArgs], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  upExited = new Promise((done) =>
    up.on('exit', (code, signal) => {
      upExit = code ?? signal;
      done(upExit);
    }),
  );
  const deadline = Date.now() + STACK_TIMEOUT_MS;
  for (;;) {
    if (readJson(join(stateDir, 'up.pid')) === up.pid) {
      const stack = readJson(join(stateDir, 'stack.json'));
      if (stack) return stack;
    }
    if (upExit !== undefined) await finish(1, DEMO_ERRORS.upExited(upExit));
    if (Date.now() > deadline) await finish(1, DEMO_ERRORS.stackTimeout);
    await sleep(200);
  }
}

let traffic;
let finishing = false;
/** Stops what this script started (traffic, the stack if it is ours), then exits. */
async function finish(code, message) {
  if (message) console.error(message);
  if (finishing) return new Promise(() => {});
  finishing = true;
  await traffic?.stop().catch(() => undefined);
  if (up && upExit === undefined) {
    up.kill('SIGINT');
    const timer = setTimeout(() => up.kill('SIGKILL'), 60_000);
    await upExited;
    clearTimeout(timer);
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void finish(0));

const existing = scenarioName === 'bad' ? await runningStack() : undefined;
if (existing) say(`using the stack running from ${shown(stateDir)} (${existing.orchestrator})`);
const stack = existing ?? (await startStack());

// ---- the orchestrator and the CLI -------------------------------------------------------------

const env = { ...process.env, GREENLIGHT_URL: stack.orchestrator, GREENLIGHT_TOKEN: stack.token };

async function api(path) {
  const response = await fetch(`${stack.orchestrator}${path}`, {
    headers: { authorization: `Bearer ${stack.token}` },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: response.ok ? await response.json() : undefined };
}

/** Retries while the orchestrator is busy; the caller bounds the wait. */
async function deployment(id) {
  try {
    return (await api(`/v1/deployments/${id}`)).body;
  } catch {
    return undefined;
  }
}

async function eventsOf(id) {
  try {
    return (await api(`/v1/deployments/${id}/events`)).body?.items ?? [];
  } catch {
    return [];
  }
}

function greenlight(cliArgs) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...cliArgs], {
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

async function deploy(manifest) {
  say(`greenlight deploy -f ${relative(root, manifest)}`);
  const result = await greenlight(['deploy', '-f', manifest, '--json']);
  if (result.code !== 0) {
    process.stderr.write(result.stderr);
    await finish(1, DEMO_ERRORS.deployRefused(relative(root, manifest)));
  }
  const accepted = JSON.parse(result.stdout);
  console.log(
    `deployment ${accepted.id} of ${accepted.service} accepted (phase ${accepted.phase})`,
  );
  return accepted.id;
}

async function ended(id, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const current = await deployment(id);
    if (current && TERMINAL_PHASES.includes(current.phase)) return current;
    await sleep(500);
  }
  return finish(1, DEMO_ERRORS.notEnded(id, timeoutMs));
}

/** The CLI's event columns; an analysis look also says its verdict and sample sizes. */
function eventLine(event) {
  const cells = eventCells(event);
  const { verdict, samples, reasons } = event.data ?? {};
  if (event.type !== 'analysis.completed' || !samples) return cells;
  cells[cells.length - 1] =
    `${verdict}: green ${samples.green} vs blue ${samples.blue} requests; ${reasons?.[0] ?? ''}`;
  return cells;
}

/** Prints the deployment's events as they arrive until it ends. */
async function printEvents(id, timeoutMs) {
  const seen = new Set();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = (await eventsOf(id)).filter((event) => !seen.has(event.id));
    for (const event of fresh) seen.add(event.id);
    if (fresh.length > 0) console.log(alignColumns(fresh.map(eventLine)));
    const current = await deployment(id);
    if ((current && TERMINAL_PHASES.includes(current.phase)) || Date.now() > deadline) return;
    await sleep(500);
  }
}

/**
 * The live view: `greenlight watch ID` (timeline, weights, canary vs blue) when this CLI has it,
 * else the events as they arrive. Returns when the deployment has ended (or the view gave up).
 */
async function watchLive(id, timeoutMs) {
  const help = spawnSync(process.execPath, [cli, 'watch', '--help'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (help.status !== 0 || !help.stdout.includes('greenlight watch')) {
    return printEvents(id, timeoutMs);
  }
  const watch = spawn(process.execPath, [cli, 'watch', id], { cwd: root, env, stdio: 'inherit' });
  const timer = setTimeout(() => watch.kill('SIGINT'), timeoutMs);
  await new Promise((done) => watch.on('exit', done));
  clearTimeout(timer);
}

// ---- blue: v1 serving ---------------------------------------------------------------------

async function activeDeployment() {
  const listed = (await api(`/v1/deployments?service=${SERVICE}`).catch(() => ({}))).body;
  const items = Array.isArray(listed) ? listed : (listed?.items ?? []);
  return items.find((d) => d.service === SERVICE && !TERMINAL_PHASES.includes(d.phase));
}

/** One request through the gateway, as a client would send it. */
async function gatewayServes() {
  try {
    const response = await fetch(`${stack.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': `demo-probe-${Date.now()}` },
      body: JSON.stringify({
        model: SERVICE,
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 2,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.text();
    return response.ok ? response.headers.get('x-greenlight-version') : undefined;
  } catch {
    return undefined;
  }
}

async function ensureBlue() {
  // A deployment still running (e.g. `npm start`'s in its standby window) ends first, unless it
  // is in Standby: a new deployment retires that pool by itself.
  const active = await activeDeployment();
  if (active && active.phase !== 'Standby') {
    say(`waiting for deployment ${active.id} (${active.phase}) to end first`);
    await ended(active.id, DEPLOY_TIMEOUT_MS);
  }
  const serving = await gatewayServes();
  if (serving) return serving;
  const id = await deploy(BLUE_MANIFEST);
  say('v1 is the first release of chat: no blue to compare with, it takes 100 % once ready');
  await printEvents(id, BLUE_TIMEOUT_MS);
  const done = await ended(id, BLUE_TIMEOUT_MS);
  if (done.phase !== 'Completed') await finish(1, DEMO_ERRORS.blueNotServing(done.phase));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const version = await gatewayServes();
    if (version) return version;
    if (Date.now() > deadline) return finish(1, DEMO_ERRORS.gatewayNotServing);
    await sleep(500);
  }
}

// ---- the summary ----------------------------------------------------------------------------

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** Each phase with its start offset and how long it lasted (the last one is where it ended). */
function phaseTimeline(events) {
  const changes = events.filter((e) => e.type === 'deployment.phase_changed');
  const start = Date.parse(changes[0]?.at ?? new Date().toISOString());
  return changes.map((event, i) => {
    const at = Date.parse(event.at);
    const next = changes[i + 1];
    const until = next ? Date.parse(next.at) : undefined;
    // The canary/ramp weight the data plane confirmed while in this phase.
    const shifted = events.filter(
      (e) =>
        e.type === 'traffic.shifted' &&
        Date.parse(e.at) >= at &&
        (until === undefined || Date.parse(e.at) < until),
    );
    const weight = shifted.at(-1)?.data?.weights?.green;
    return {
      phase: event.data.to,
      atMs: at - start,
      durationMs: until === undefined ? null : until - at,
      ...(weight === undefined ? {} : { greenWeight: weight }),
    };
  });
}

function countBy(outcomes, key) {
  const counts = {};
  for (const o of outcomes) counts[key(o)] = (counts[key(o)] ?? 0) + 1;
  return counts;
}

/**
 * What clients saw, from the response headers. A release keeps the pool name it went live in
 * (a first release is "green") until the next deployment makes it blue.
 */
function trafficSummary(outcomes, faultyVersion) {
  const poolVersion = (o) => `${o.pool || 'none'}/${o.version || 'none'}`;
  const cut = (o) => o.stream && o.status === 200;
  const caused = (o) => faultyVersion !== undefined && o.version === faultyVersion;
  const bad = outcomes.filter((o) => !o.complete);
  return {
    requests: countBy(outcomes, poolVersion),
    versions: countBy(outcomes, (o) => o.version || 'none'),
    streams: outcomes.filter((o) => o.stream).length,
    failures: bad.filter((o) => !cut(o) && !caused(o)).length,
    cutStreams: bad.filter((o) => cut(o) && !caused(o)).length,
    ...(faultyVersion === undefined ? {} : { failuresOfTheBadRelease: bad.filter(caused).length }),
  };
}

function printSummary(summary, outcomes) {
  say(`summary of ${summary.id}: ${summary.service} ${summary.version} ended ${summary.phase}`);
  console.log(
    formatTable(
      ['PHASE', 'AT', 'FOR', 'GREEN'],
      summary.phases.map((p) => [
        p.phase,
        `+${seconds(p.atMs)}`,
        p.durationMs === null ? '(final)' : seconds(p.durationMs),
        p.greenWeight === undefined ? '' : `${p.greenWeight} %`,
      ]),
    ),
  );
  console.log('');
  const streams = countBy(
    outcomes.filter((o) => o.stream),
    (o) => `${o.pool || 'none'}/${o.version || 'none'}`,
  );
  console.log(
    formatTable(
      ['POOL/VERSION', 'REQUESTS', 'STREAMS'],
      Object.entries(summary.requests).map(([key, n]) => [
        key,
        String(n),
        String(streams[key] ?? 0),
      ]),
    ),
  );
  const versions = Object.keys(summary.requests).map((key) => key.split('/')[1]);
  if (new Set(versions).size < versions.length) {
    console.log(
      "(a release keeps the pool name it went live in until the next deployment's canary makes it blue)",
    );
  }
  console.log('');
  const lines = [
    ['requests', String(outcomes.length)],
    ['streams', String(summary.streams)],
    ['failures', String(summary.failures)],
    ['cut streams', String(summary.cutStreams)],
  ];
  if (summary.failuresOfTheBadRelease !== undefined) {
    lines.push([
      `failed on ${summary.version} (its fault)`,
      String(summary.failuresOfTheBadRelease),
    ]);
  }
  lines.push(['final phase', summary.phase], ['took', seconds(summary.durationMs)]);
  if (summary.reason) lines.push(['why', summary.reason]);
  console.log(alignColumns(lines));
  console.log(`summary: ${JSON.stringify(summary)}`);
}

// ---- the demo -------------------------------------------------------------------------------

const blueVersion = await ensureBlue();
say(`chat is live on ${blueVersion}; steady traffic through the gateway ${stack.gateway}`);
console.log(
  `${TRAFFIC.clients} clients, ${TRAFFIC.streamShare * 100} % streaming, a session header on each request`,
);
traffic = startTraffic({
  origin: stack.gateway,
  model: SERVICE,
  maxRequests: Number.MAX_SAFE_INTEGER,
  ...TRAFFIC,
});

const id = await deploy(scenario.manifest);
const version = readFileSync(scenario.manifest, 'utf8').match(/^\s+version:\s*(\S+)/m)?.[1];
say(`deployment ${id} live (greenlight watch ${id})`);
await watchLive(id, DEPLOY_TIMEOUT_MS);
const done = await ended(id, DEPLOY_TIMEOUT_MS);
const outcomes = await traffic.stop();
traffic = undefined;

const phases = phaseTimeline(await eventsOf(id));
const summary = {
  demo: scenarioName,
  id,
  service: SERVICE,
  version: done.request?.release?.version ?? version,
  phase: done.phase,
  expected: scenario.expected,
  durationMs: phases.at(-1)?.atMs ?? 0,
  phases,
  ...trafficSummary(outcomes, scenarioName === 'bad' ? version : undefined),
  ...(done.reason ? { reason: done.reason } : {}),
};
summary.ok =
  summary.phase === summary.expected && summary.failures === 0 && summary.cutStreams === 0;
printSummary(summary, outcomes);

if (exitWhenDone) {
  if (up) say('stopping the stack (GREENLIGHT_DEMO_EXIT=1)');
  await finish(summary.ok ? 0 : 1);
}

const defaultDir = resolve(root, '.greenlight') === stateDir;
const gl = 'node bin/greenlight.js';
const tries = [
  ...(scenarioName === 'good'
    ? [
        [`roll v2 back: a new deployment of ${blueVersion}`, `${gl} rollback ${id}`],
        [
          'a slow release the canary analysis catches and rolls back',
          `npm run demo:bad${defaultDir ? '' : ` -- --dir ${stateDir}`}`,
        ],
      ]
    : []),
  ['the deployment now', `${gl} status ${id}`],
  ['its audit log: every phase change, who caused it and why', `${gl} events ${id}`],
  ['the dashboard', `${stack.orchestrator}/#token=${stack.token}`],
  ['the gateway (OpenAI-compatible)', `curl -s ${stack.gateway}/v1/models`],
];
say(up ? 'the stack keeps running; Ctrl-C stops it. Meanwhile, in another terminal:' : 'try next:');
// The CLI finds .greenlight/stack.json by itself; another state directory needs the address.
if (!defaultDir) {
  console.log(`  export GREENLIGHT_URL=${stack.orchestrator} GREENLIGHT_TOKEN=${stack.token}`);
}
console.log(tries.map(([what, command]) => `  # ${what}\n  ${command}`).join('\n'));
if (!up) process.exit(summary.ok ? 0 : 1);
await upExited;
// Ctrl-C: finish() stops the stack and exits; otherwise `up` ended by itself.
if (!finishing) await finish(1, `greenlight up exited (${upExit})`);
