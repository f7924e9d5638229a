import { join } from 'node:path';
import { deployRequest } from '@greenlight/fixtures';
import { startSimulator, startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient as client, type Api } from './api.util';
import { STACK_READY_TIMEOUT_MS } from './bench.constants';
import { percentile, round, table } from './load.util';

const SERVICE = 'bench-oh';
/** Measured rollouts after the first (unmeasured) deploy of v1; the figure is their median. */
const DEPLOYS = Number(process.env['OVERHEAD_DEPLOYS'] ?? 3);
const COLD_START_MS = 1_000;
const BAKE_MS = 2_000;
const STANDBY_MS = 2_000;
/** The health-prober looks every second, so each 2 s bake has a verdict well before it ends. */
const ANALYSIS_INTERVAL = '1s';
const STEPS = [
  { weight: 25, bake: BAKE_MS },
  { weight: 75, bake: BAKE_MS },
  { weight: 100, bake: 0 },
];
/** The simulator answers at once: what is measured is greenlight, not token generation. */
const SIM = `greenlight-sim --port {port} --model {model} --version {version} --chat-template {template} --cold-start ${COLD_START_MS}ms --ttft-overhead 0 --itl 0`;
const DEPLOY_TIMEOUT_MS = 90_000;

/** The waits the manifest configures (no traffic: the drain has nothing to wait for). */
export const CONFIGURED_WAIT_MS =
  COLD_START_MS + STEPS.reduce((sum, s) => sum + s.bake, 0) + STANDBY_MS;

interface AuditEvent {
  id: string;
  type: string;
  at: string;
  seq: number;
  causationId: string | null;
  data: Record<string, unknown>;
}

/** One stretch of the critical path: from one event to the next, less the wait configured in it. */
export interface Segment {
  label: string;
  ms: number;
  waitMs: number;
}

export interface DeployTiming {
  version: string;
  wallMs: number;
  overheadMs: number;
  segments: Segment[];
  /** Phase changes caused by another service's event: that event's `at` to the change's `at`. */
  eventLatenciesMs: number[];
  /** Clock-driven phase changes (bake, standby): how late after the clock was due. */
  timerLatenessMs: number[];
}

/** Events that run beside the critical path (progress, per-look verdicts): not stretches of it. */
const SIDE_EVENTS = new Set([
  'analysis.completed',
  'drain.progress',
  'replica.ready',
  'cache.plan',
]);

/** Why a stretch takes what it takes, for the reader of the table. */
const STRETCH_NOTES: Record<string, string> = {
  '→WarmingUp → pool.ready':
    'cold start + simulator boot + readiness probe retry backoff (100→250 ms) + warm-up request',
  '→Draining → drain.completed':
    "gateways' snapshots taken at the flip + each replica's vLLM gauges (polled every 250 ms)",
};
const CLOCK_NOTE = 'configured wait (durable timer, fired when due)';

const isPhase = (e: AuditEvent) => e.type === 'deployment.phase_changed';

/**
 * Splits one deployment's wall time into the stretches between consecutive critical-path events
 * (request → Requested → Provisioning → pool.provisioned → … → Completed) and takes each wait the
 * manifest configures off the stretch it falls in.
 */
export function timingOf(version: string, requestedAt: number, events: AuditEvent[]): DeployTiming {
  const completedAt = Date.parse(
    events.find((e) => isPhase(e) && e.data['to'] === 'Completed')?.at ?? '',
  );
  // What follows Completed (blue's decommission) is not part of the rollout the user waits for.
  const path = events
    .filter((e) => !SIDE_EVENTS.has(e.type) && !(Date.parse(e.at) > completedAt))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
  const byId = new Map(events.map((e) => [e.id, e]));
  const segments: Segment[] = [];
  const eventLatenciesMs: number[] = [];
  const timerLatenessMs: number[] = [];
  let previous = { label: 'POST', at: requestedAt };
  let provisionedAt: number | null = null;
  /** When the current step's split was confirmed: its bake runs from there. */
  let shiftedAt: number | null = null;
  let step = -1;

  for (const e of path) {
    const at = Date.parse(e.at);
    let waitMs = 0;
    let name = e.type;
    if (e.type === 'pool.provisioned') provisionedAt = at;
    if (e.type === 'pool.ready' && provisionedAt !== null) {
      // The replicas' cold start runs from their spawn to readiness.
      waitMs = Math.min(COLD_START_MS, at - provisionedAt);
    }
    if (e.type === 'traffic.shifted') shiftedAt = at;
    if (isPhase(e)) {
      const from = String(e.data['from']);
      const to = String(e.data['to']);
      name = `→${to}`;
      if ((from === 'Canary' || from === 'Ramping') && shiftedAt !== null) {
        const bake = STEPS[step]?.bake ?? 0;
        waitMs = Math.min(bake, at - previous.at);
        if (bake > 0) timerLatenessMs.push(at - (shiftedAt + bake));
      }
      if (from === 'Standby') {
        waitMs = Math.min(STANDBY_MS, at - previous.at);
        timerLatenessMs.push(at - (previous.at + STANDBY_MS));
      }
      if (to === 'Canary' || to === 'Ramping') {
        step++;
        name = `→${to} ${STEPS[step]?.weight ?? '?'} %`;
      }
      const cause = e.causationId ? byId.get(e.causationId) : undefined;
      if (cause && !isPhase(cause)) eventLatenciesMs.push(at - Date.parse(cause.at));
    }
    segments.push({ label: `${previous.label} → ${name}`, ms: at - previous.at, waitMs });
    previous = { label: name, at };
  }
  const wallMs = completedAt - requestedAt;
  return {
    version,
    wallMs,
    overheadMs: wallMs - CONFIGURED_WAIT_MS,
    segments,
    eventLatenciesMs,
    timerLatenessMs,
  };
}

/**
 * greenlight's own overhead on a real v1 → v2 rollout: all seven services, process-driver pools
 * of simulated replicas, known waits (cold start, two bakes, standby). Overhead = wall time from
 * the REST request to Completed minus those waits; the baseline is the waits themselves.
 */
export async function runOverheadBench(): Promise<Record<string, number>> {
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      env: { LOG_LEVEL: 'warn' },
      logDir: join('tmp', 'bench', 'overhead'),
      readyTimeoutMs: STACK_READY_TIMEOUT_MS,
    });
    const api = client(stack.urls.orchestrator, stack.operatorToken);
    const timings: DeployTiming[] = [];
    const boots: number[] = [];
    for (let i = 1; i <= DEPLOYS + 1; i++) {
      const timing = await rollout(api, `v${i}`);
      // The first release has no blue (no canary, no standby): it only sets the stage.
      if (i === 1) continue;
      timings.push(timing);
      // Between rollouts, so it sees the same machine load as they do.
      boots.push(await simulatorBootMs());
    }
    return report(timings, percentile(boots, 50));
  } finally {
    await stack?.dispose();
  }
}

async function rollout(api: Api, version: string): Promise<DeployTiming> {
  const manifest = deployRequest(SERVICE, version, {
    pool: { driver: 'process', replicas: 2, command: SIM },
    strategy: {
      readiness: { timeout: '30s', warmupRequests: 1 },
      steps: STEPS.map((s) =>
        s.bake > 0 ? { weight: s.weight, bake: `${s.bake}ms` } : { weight: s.weight },
      ),
      // No traffic in this bench: a step passes on the replicas' health alone.
      analysis: { interval: ANALYSIS_INTERVAL, minSamples: 0 },
      drain: { timeout: '30s' },
      standby: `${STANDBY_MS}ms`,
    },
  });
  // The previous deployment's lock is released just after its Completed.
  const created = await waitFor(
    async () => {
      const requestedAt = Date.now();
      const response = await api('POST', '/v1/deployments', manifest);
      if (response.status === 409) return undefined;
      if (response.status !== 202)
        throw new Error(`deploy ${version} refused: ${JSON.stringify(response.body)}`);
      return { id: (response.body as { id: string }).id, requestedAt };
    },
    { timeoutMs: 10_000, intervalMs: 20, what: `deploy ${version} accepted` },
  );
  const done = await waitFor(
    async () => {
      const d = (await api('GET', `/v1/deployments/${created.id}`)).body as {
        phase: string;
        reason: string | null;
      };
      return ['Completed', 'RolledBack', 'Failed', 'Aborted'].includes(d.phase) ? d : undefined;
    },
    { timeoutMs: DEPLOY_TIMEOUT_MS, intervalMs: 100, what: `deploy ${version} to end` },
  );
  if (done.phase !== 'Completed')
    throw new Error(`deploy ${version} ended ${done.phase}: ${done.reason ?? ''}`);
  const events = (await api('GET', `/v1/deployments/${created.id}/events`)).body as {
    items: AuditEvent[];
  };
  if (process.env['OVERHEAD_DUMP'])
    console.log(JSON.stringify(events.items.map((e) => [e.type, e.at, e.data['to'] ?? ''])));
  return timingOf(version, created.requestedAt, events.items);
}

/**
 * How long a pool's two simulators take from spawn to listening beyond their cold start: Node's
 * and Nest's start, which a real model server does not have but every rollout here pays.
 */
async function simulatorBootMs(): Promise<number> {
  const t0 = Date.now();
  const pair = await Promise.all(
    [0, 1].map(() => startSimulator({ model: SERVICE, coldStart: `${COLD_START_MS}ms` })),
  );
  const bootMs = Date.now() - t0 - COLD_START_MS;
  await Promise.all(pair.map((sim) => sim.stop()));
  return bootMs;
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

function report(timings: DeployTiming[], simBootMs: number): Record<string, number> {
  const labels = [...new Set(timings.flatMap((t) => t.segments.map((s) => s.label)))];
  const rows: (string | number)[][] = [
    ['stretch of the critical path', 'median ms', 'wait ms', 'overhead ms', 'what it is'],
  ];
  for (const name of labels) {
    const of = (t: DeployTiming) => t.segments.filter((s) => s.label === name);
    const ms = median(timings.map((t) => of(t).reduce((sum, s) => sum + s.ms, 0)));
    const wait = median(timings.map((t) => of(t).reduce((sum, s) => sum + s.waitMs, 0)));
    const note = STRETCH_NOTES[name] ?? (wait > 0 ? CLOCK_NOTE : '');
    rows.push([name, ms, wait, ms - wait, note]);
  }
  const wall = median(timings.map((t) => t.wallMs));
  const overhead = median(timings.map((t) => t.overheadMs));
  rows.push(['total (median wall)', wall, CONFIGURED_WAIT_MS, overhead, '']);
  console.log(table(rows));
  console.log(
    table([
      ['rollout', 'wall ms', 'configured waits ms', 'overhead ms'],
      ...timings.map((t) => [t.version, t.wallMs, CONFIGURED_WAIT_MS, t.overheadMs]),
    ]),
  );
  const events = timings.flatMap((t) => t.eventLatenciesMs);
  const timers = timings.flatMap((t) => t.timerLatenessMs);
  console.log(
    `event → the phase change it causes: p50 ${percentile(events, 50)} ms, max ${Math.max(...events)} ms (${events.length}); ` +
      `bake/standby clock late by p50 ${percentile(timers, 50)} ms, max ${Math.max(...timers)} ms; ` +
      `the simulator's own boot beyond its cold start (2 at once, between rollouts, median): ${simBootMs} ms`,
  );
  // A model server's cold start is its whole start-up: the simulator's process boot is part of it,
  // measured alone in this run, so it counts as a wait, not as greenlight's overhead.
  return {
    overhead_ms: overhead - simBootMs,
    wall_ms: wall,
    configured_waits_ms: CONFIGURED_WAIT_MS,
    ratio: round(wall / (CONFIGURED_WAIT_MS + simBootMs), 3),
    deploys: timings.length,
    overhead_incl_sim_boot_ms: overhead,
    event_latency_p50_ms: percentile(events, 50),
    timer_lateness_p50_ms: percentile(timers, 50),
    sim_boot_ms: simBootMs,
  };
}
