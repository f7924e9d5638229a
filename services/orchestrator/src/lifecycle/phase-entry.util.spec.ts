import { DeployRequestSchema, type Deployment, type Phase } from '@greenlight/contracts';
import { deploymentRecord } from '@greenlight/fixtures';
import type { OutboxEntry } from '../deployments/outbox.util';
import { POOL_VERDICT_GRACE_MS } from './lifecycle.constants';
import { cachePrepEntries, phaseEntry } from './phase-entry.util';

const ID = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const NOW = Date.parse('2026-11-26T10:00:00.000Z');
const LIMITS = { verifyTimeoutMs: 3_600_000 };

const request = DeployRequestSchema.parse({
  service: 'chat',
  release: { version: 'v2', model: { id: 'meta-llama/Llama-3.1-8B-Instruct' } },
  pool: { driver: 'process', replicas: 2, command: 'greenlight-sim --port {port}' },
  strategy: { readiness: { timeout: '90s', warmupRequests: 2 } },
});

const BLUE = {
  release: { version: 'v1', model: { id: 'm' } },
  pool: { driver: 'static' as const, endpoints: ['http://127.0.0.1:8001'] },
  endpoints: [{ replica: 0, url: 'http://127.0.0.1:8001' }],
  generation: null,
};

function deployment(phase: Phase, overrides: Partial<Deployment> = {}): Deployment {
  return deploymentRecord(request, {
    id: ID,
    phase,
    seq: 4,
    version: 3,
    fence: 9,
    createdAt: new Date(NOW).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
    stepIndex: null,
    weights: { blue: 0, green: 0 },
    routingVersion: null,
    green: {
      endpoints: [
        { replica: 0, url: 'http://127.0.0.1:9001' },
        { replica: 1, url: 'http://127.0.0.1:9002' },
      ],
    },
    ...overrides,
  });
}

function commands(entries: OutboxEntry[]) {
  return entries.flatMap((e) =>
    e.kind === 'publish' ? [{ subject: e.subject, message: e.message }] : [],
  );
}

describe('phaseEntry', () => {
  it('Provisioning asks the pool host for the green replicas and bounds the wait', () => {
    const entries = phaseEntry(deployment('Provisioning'), 'Requested', NOW, LIMITS);

    const [provision] = commands(entries);
    expect(provision?.subject).toBe('greenlight.cmd.pool.provision.chat');
    expect(provision?.message).toMatchObject({
      id: `${ID}-4.pool.provision`,
      deploymentId: ID,
      data: { release: { version: 'v2' }, pool: { driver: 'process', replicas: 2 } },
    });
    expect(entries).toContainEqual(
      expect.objectContaining({
        kind: 'schedule-timer',
        timerId: `deadline:${ID}`,
        dueAt: NOW + 90_000 + POOL_VERDICT_GRACE_MS,
      }),
    );
  });

  it('WarmingUp sends the prober every green endpoint with an absolute deadline', () => {
    const entries = phaseEntry(deployment('WarmingUp'), 'Provisioning', NOW, LIMITS);

    const [probe] = commands(entries);
    expect(probe?.subject).toBe('greenlight.cmd.readiness.probe.chat');
    expect(probe?.message.data).toEqual({
      release: 'v2',
      servedModel: 'chat',
      endpoints: [
        { replica: 0, url: 'http://127.0.0.1:9001' },
        { replica: 1, url: 'http://127.0.0.1:9002' },
      ],
      warmupRequests: 2,
      deadline: new Date(NOW + 90_000).toISOString(),
    });
  });

  it('Verifying asks the eval-runner to judge green against blue, and bounds the wait', () => {
    const entries = phaseEntry(deployment('Verifying', { blue: BLUE }), 'WarmingUp', NOW, LIMITS);

    expect(commands(entries)[0]).toMatchObject({
      subject: 'greenlight.cmd.eval.run.chat',
      message: {
        data: {
          servedModel: 'chat',
          green: { release: 'v2', endpoints: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] },
          blue: { release: 'v1', endpoints: ['http://127.0.0.1:8001'] },
          suite: null,
          // Its own deadline falls before the orchestrator's backstop.
          deadline: new Date(NOW + 3_600_000 - 5_000).toISOString(),
        },
      },
    });
    expect(entries[1]).toMatchObject({
      kind: 'schedule-timer',
      timerId: `deadline:${ID}`,
      dueAt: NOW + 3_600_000,
      payload: { phase: 'Verifying', trigger: 'fail' },
    });
  });

  it('Draining asks the drainer to wait out blue, with a backstop past the drain timeout', () => {
    const entries = phaseEntry(deployment('Draining', { blue: BLUE }), 'Promoted', NOW, LIMITS);

    expect(commands(entries)[0]).toMatchObject({
      subject: 'greenlight.cmd.drain.start.chat',
      message: {
        data: { release: 'v1', endpoints: ['http://127.0.0.1:8001'], timeoutMs: 120_000 },
      },
    });
    expect(entries[1]).toMatchObject({
      kind: 'schedule-timer',
      dueAt: NOW + 120_000 + 30_000,
      payload: { phase: 'Draining', trigger: 'drain.completed' },
    });
  });

  it('Standby starts the standby window on the clock (so pause stops it)', () => {
    const entries = phaseEntry(deployment('Standby', { blue: BLUE }), 'Draining', NOW, LIMITS);

    expect(entries).toContainEqual(
      expect.objectContaining({
        kind: 'schedule-timer',
        timerId: `clock:${ID}`,
        dueAt: NOW + 24 * 3_600_000,
        payload: expect.objectContaining({ trigger: 'standby.expired', phase: 'Standby' }),
      }),
    );
  });

  it('Completed stops blue (not green, which now serves everyone) and frees the service', () => {
    const entries = phaseEntry(deployment('Completed', { blue: BLUE }), 'Standby', NOW, LIMITS);

    expect(commands(entries).map((c) => [c.subject, c.message.data])).toEqual([
      ['greenlight.cmd.pool.stop.chat', expect.objectContaining({ release: 'v1' })],
    ]);
    expect(entries.at(-1)).toMatchObject({ kind: 'release-lock' });
  });

  it('a rolled-back green finishes the streams it started before it is stopped', () => {
    const entries = phaseEntry(
      deployment('RolledBack', { blue: BLUE }),
      'RollingBack',
      NOW,
      LIMITS,
    );

    expect(commands(entries)[0]?.message.data).toEqual({
      release: 'v2',
      reason: 'deployment rolledback',
      drain: {
        endpoints: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'],
        timeoutMs: 120_000,
      },
    });
  });

  it('a ready green asks the cache-manager for its plan and pre-warm within the budget', () => {
    const warming = deployment('WarmingUp', { blue: { ...BLUE, generation: 'chat-v1-abc123' } });

    const entries = cachePrepEntries(warming, 'evt-1');

    expect(commands(entries)[0]).toMatchObject({
      subject: 'greenlight.cmd.cache.prepare.chat',
      message: {
        data: { blueGeneration: 'chat-v1-abc123', budgetMs: 60_000, green: { release: 'v2' } },
      },
    });
    expect(entries[1]).toMatchObject({
      timerId: `deadline:${ID}`,
      dueAt: expect.any(Number),
      payload: { trigger: 'pool.ready', phase: 'WarmingUp' },
    });
  });

  it('routing changes carry the generation each pool owns once the cache plan is known', () => {
    const canary = deployment('Canary', {
      stepIndex: 0,
      routingVersion: 3,
      blue: { ...BLUE, generation: 'chat-v1-abc123' },
      cachePlan: {
        prefix: 'prewarm',
        semantic: 'new-generation',
        backend: 'redis',
        generations: { blue: 'chat-v1-abc123', green: 'chat-v2-def456' },
        reasons: ['model changed'],
      },
    });

    const [set] = commands(phaseEntry(canary, 'Verifying', NOW, LIMITS));

    expect(set?.message.data).toMatchObject({
      pools: {
        blue: { generation: 'chat-v1-abc123' },
        green: { generation: 'chat-v2-def456' },
      },
    });
  });

  it('Failed stops the green pool, cancels the deadline and frees the service with its fence', () => {
    const failed = deployment('Failed', { reason: 'replica 1 never became ready' });

    const entries = phaseEntry(failed, 'WarmingUp', NOW, LIMITS);

    expect(entries.map((e) => e.kind)).toEqual([
      'cancel-timer',
      'cancel-timer',
      'publish',
      'release-lock',
    ]);
    expect(commands(entries)[0]).toMatchObject({
      subject: 'greenlight.cmd.pool.stop.chat',
      message: { data: { release: 'v2', reason: 'replica 1 never became ready' } },
    });
    expect(entries[3]).toMatchObject({ service: 'chat', deploymentId: ID, fence: 9 });
  });

  it('a deployment that ends before anything started stops nothing', () => {
    const entries = phaseEntry(deployment('Aborted'), 'Requested', NOW, LIMITS);

    expect(commands(entries)).toEqual([]);
    expect(entries.map((e) => e.kind)).toEqual(['cancel-timer', 'cancel-timer', 'release-lock']);
  });

  it("a step cancels the previous step's clock before asking for its split, so the cancel cannot delete the new bake", () => {
    const ramping = deployment('Ramping', { stepIndex: 1, routingVersion: 4 });

    const entries = phaseEntry(ramping, 'Canary', NOW, LIMITS);

    expect(entries.map((e) => e.kind)).toEqual(['cancel-timer', 'cancel-timer', 'publish']);
    expect(entries[0]).toMatchObject({ timerId: `clock:${ID}` });
  });

  it('a rollback asks for blue at 100 % before any bookkeeping', () => {
    const rollingBack = deployment('RollingBack', { stepIndex: 1, routingVersion: 5 });

    const entries = phaseEntry(rollingBack, 'Ramping', NOW, LIMITS);

    expect(entries.map((e) => e.kind)).toEqual(['publish', 'cancel-timer', 'cancel-timer']);
    expect(commands(entries)[0]?.message.data).toMatchObject({ weights: { blue: 100, green: 0 } });
  });

  it('a canary step asks for its weight with a fresh routing version and says where both pools are', () => {
    const canary = deployment('Canary', {
      stepIndex: 0,
      routingVersion: 12,
      weights: { blue: 100, green: 0 },
      blue: {
        release: { version: 'v1', model: { id: 'm' } },
        pool: { driver: 'static', endpoints: ['http://127.0.0.1:8001'] },
        endpoints: [{ replica: 0, url: 'http://127.0.0.1:8001' }],
        generation: null,
      },
    });

    const [set] = commands(phaseEntry(canary, 'Verifying', NOW, LIMITS));

    expect(set?.subject).toBe('greenlight.cmd.traffic.set.chat');
    expect(set?.message.data).toEqual({
      service: 'chat',
      weights: { blue: 99, green: 1 },
      version: 12,
      pools: {
        blue: { release: 'v1', endpoints: ['http://127.0.0.1:8001'] },
        green: { release: 'v2', endpoints: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] },
      },
      affinity: 'session',
    });
  });

  it('a rollback asks for blue 100 % and stops the clock', () => {
    const rollingBack = deployment('RollingBack', { stepIndex: 1, routingVersion: 13 });

    const entries = phaseEntry(rollingBack, 'Ramping', NOW, LIMITS);

    expect(entries[1]).toMatchObject({ kind: 'cancel-timer', timerId: `clock:${ID}` });
    expect(commands(entries)[0]?.message.data).toMatchObject({
      weights: { blue: 100, green: 0 },
      version: 13,
    });
  });
});
