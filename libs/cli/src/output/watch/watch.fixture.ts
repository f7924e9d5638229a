/** Test data for the watch specs (not used by the CLI itself). */
import type { WatchEnvelope, WatchInput, WatchRecord } from './watch.reducer';

/** One deployment of chat v1 → v2 and the events it goes through. */
export const ID = '01JB0000000000000000000001';
export const T0 = Date.parse('2025-11-26T12:00:00.000Z');

export function at(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

export function record(overrides: Partial<WatchRecord> = {}): WatchRecord {
  return {
    id: ID,
    service: 'chat',
    phase: 'Requested',
    paused: false,
    createdAt: at(0),
    updatedAt: at(0),
    stepIndex: null,
    weights: { blue: 100, green: 0 },
    reason: null,
    blue: { release: { version: 'v1' } },
    request: {
      release: { version: 'v2' },
      pool: { replicas: 2 },
      strategy: {
        steps: [
          { weight: 20, bake: 4_000 },
          { weight: 100, bake: 0 },
        ],
        drain: { timeout: 30_000 },
        standby: 60_000,
        analysis: { maxBakeExtensions: 3 },
      },
    },
    analysis: null,
    remainingMs: null,
    ...overrides,
  };
}

let counter = 0;

export function audit(
  ms: number,
  type: string,
  data: unknown,
  actor = 'system:orchestrator',
): WatchInput {
  counter += 1;
  const envelope: WatchEnvelope = {
    id: `${ID}-${type}-${counter}`,
    type,
    seq: counter,
    at: at(ms),
    actor,
    data,
  };
  return { kind: 'audit', envelope };
}

export function phase(
  ms: number,
  from: string | null,
  to: string,
  reason: string,
  actor = 'system:orchestrator',
): WatchInput {
  return audit(ms, 'deployment.phase_changed', { from, to, reason, actor }, actor);
}

const endpoints = [
  { replica: 0, url: 'http://127.0.0.1:9001' },
  { replica: 1, url: 'http://127.0.0.1:9002' },
];

function stages(ms: number) {
  return { connect: at(ms), health: at(ms), models: at(ms), warmup: at(ms) };
}

/** A whole successful deploy, as the stream replays it (record first, history, then `live`). */
export function successfulDeploy(): WatchInput[] {
  return [
    { kind: 'deployment', record: record() },
    phase(0, null, 'Requested', 'deploy requested', 'user:alice'),
    phase(100, 'Requested', 'Provisioning', 'starting the green pool'),
    audit(600, 'pool.provisioned', { release: 'v2', endpoints }, 'system:drainer'),
    phase(700, 'Provisioning', 'WarmingUp', '2 green replicas started; waiting for readiness'),
    audit(1_500, 'replica.ready', {
      release: 'v2',
      replica: 1,
      url: endpoints[1]!.url,
      stages: stages(1_500),
    }),
    audit(1_900, 'replica.ready', {
      release: 'v2',
      replica: 0,
      url: endpoints[0]!.url,
      stages: stages(1_900),
    }),
    audit(2_000, 'pool.ready', { release: 'v2', endpoints }),
    phase(
      2_100,
      'WarmingUp',
      'Verifying',
      'every green replica is ready (2); verifying before any user traffic',
    ),
    audit(5_000, 'eval.completed', {
      passed: true,
      scores: { green: 1, blue: 0.98 },
      pValue: null,
      reasons: [],
    }),
    phase(5_100, 'Verifying', 'Canary', 'green verified: pass rate 1.00 (blue 0.98)'),
    audit(5_300, 'traffic.shifted', {
      weights: { blue: 80, green: 20 },
      version: 3,
      requestedAt: at(5_100),
      appliedAt: at(5_300),
    }),
    audit(7_300, 'analysis.completed', {
      step: 0,
      verdict: 'pass',
      metrics: {
        errorRate: { green: 0, blue: 0.001 },
        ttftP95: { green: 120, blue: 118.4 },
      },
      samples: { green: 30, blue: 120 },
      elapsedMs: 2_000,
      reasons: [],
    }),
    phase(9_400, 'Canary', 'Ramping', 'step 1 (20 % green) passed analysis'),
    audit(9_500, 'traffic.shifted', {
      weights: { blue: 0, green: 100 },
      version: 4,
      requestedAt: at(9_400),
      appliedAt: at(9_500),
    }),
    phase(9_600, 'Ramping', 'Promoted', 'step 2 (100 % green) baked 0 s'),
    phase(9_700, 'Promoted', 'Draining', 'green takes 100 % (confirmed by the data plane)'),
    audit(10_000, 'drain.progress', { release: 'v1', inFlight: 4, streams: 2, elapsedMs: 300 }),
    audit(10_500, 'drain.progress', { release: 'v1', inFlight: 1, streams: 1, elapsedMs: 800 }),
    audit(11_000, 'drain.completed', {
      release: 'v1',
      inFlight: 0,
      timedOut: false,
      elapsedMs: 1_300,
    }),
    phase(
      11_100,
      'Draining',
      'Standby',
      'blue has nothing in flight (drained in 1.3 s); blue stays warm in standby',
    ),
    phase(71_100, 'Standby', 'Completed', 'standby window of 1m is over; retiring blue'),
    { kind: 'live' },
  ];
}
