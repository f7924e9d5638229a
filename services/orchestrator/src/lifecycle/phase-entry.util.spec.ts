import {
  DEPLOYMENT_PROGRESS_DEFAULTS,
  DeployRequestSchema,
  type Deployment,
  type Phase,
} from '@greenlight/contracts';
import type { OutboxEntry } from '../deployments/outbox.util';
import { POOL_VERDICT_GRACE_MS } from './lifecycle.constants';
import { phaseEntry } from './phase-entry.util';

const ID = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const NOW = Date.parse('2026-11-26T10:00:00.000Z');
const LIMITS = { verifyTimeoutMs: 3_600_000 };

const request = DeployRequestSchema.parse({
  service: 'chat',
  release: { version: 'v2', model: { id: 'meta-llama/Llama-3.1-8B-Instruct' } },
  pool: { driver: 'process', replicas: 2, command: 'greenlight-sim --port {port}' },
  strategy: { readiness: { timeout: '90s', warmupRequests: 2 } },
});

function deployment(phase: Phase, overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: ID,
    service: 'chat',
    request,
    phase,
    paused: false,
    seq: 4,
    version: 3,
    fence: 9,
    actor: 'user:alice',
    createdAt: new Date(NOW).toISOString(),
    updatedAt: new Date(NOW).toISOString(),
    stepIndex: null,
    weights: { blue: 0, green: 0 },
    routingVersion: null,
    blue: null,
    green: {
      endpoints: [
        { replica: 0, url: 'http://127.0.0.1:9001' },
        { replica: 1, url: 'http://127.0.0.1:9002' },
      ],
    },
    reason: null,
    previousDeploymentId: null,
    idempotencyKey: null,
    ...DEPLOYMENT_PROGRESS_DEFAULTS,
    ...overrides,
  };
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

  it('Verifying replaces the readiness deadline with one for the eval verdict', () => {
    expect(phaseEntry(deployment('Verifying'), 'WarmingUp', NOW, LIMITS)).toEqual([
      expect.objectContaining({
        kind: 'schedule-timer',
        timerId: `deadline:${ID}`,
        dueAt: NOW + 3_600_000,
        payload: expect.objectContaining({ phase: 'Verifying', trigger: 'fail' }),
      }),
    ]);
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

  it('a rollback asks for blue 100 % and stops the bake', () => {
    const rollingBack = deployment('RollingBack', { stepIndex: 1, routingVersion: 13 });

    const entries = phaseEntry(rollingBack, 'Ramping', NOW, LIMITS);

    expect(entries[1]).toMatchObject({ kind: 'cancel-timer', timerId: `bake:${ID}` });
    expect(commands(entries)[0]?.message.data).toMatchObject({
      weights: { blue: 100, green: 0 },
      version: 13,
    });
  });
});
