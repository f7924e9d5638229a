import { DeployRequestSchema, type Deployment } from '@greenlight/contracts';
import { deploymentRecord, FIXTURE_DEPLOYMENT_ID } from '@greenlight/fixtures';
import type { TimerStore } from '@greenlight/store';
import type { OutboxEntry } from '../deployments/outbox.util';
import type { DeploymentsService } from '../deployments/deployments.service';
import type { LifecycleService } from '../lifecycle/lifecycle.service';
import { ControlService } from './control.service';

const ID = FIXTURE_DEPLOYMENT_ID;

const request = DeployRequestSchema.parse({
  service: 'chat',
  release: { version: 'v2', model: { id: 'm' } },
  pool: { driver: 'static', endpoints: ['http://127.0.0.1:9101'] },
  strategy: { steps: [{ weight: 10, bake: '10m' }, { weight: 100 }] },
});

function canary(overrides: Partial<Deployment>): Deployment {
  return deploymentRecord(request, {
    seq: 9,
    version: 4,
    weights: { blue: 90, green: 10 },
    routingVersion: 3,
    blue: {
      release: { version: 'v1', model: { id: 'm' } },
      pool: { driver: 'static', endpoints: ['http://127.0.0.1:9001'] },
      endpoints: [{ replica: 0, url: 'http://127.0.0.1:9001' }],
      generation: null,
    },
    green: { endpoints: [{ replica: 0, url: 'http://127.0.0.1:9101' }] },
    ...overrides,
  });
}

/** ControlService over narrow fakes: the record, its clock timer, what amend was asked to write. */
function setup(deployment: Deployment, clockDueAt: number | null) {
  const written: { change: Partial<Deployment>; entries: OutboxEntry[] }[] = [];
  const lifecycle = {
    get: jest.fn(async () => deployment),
    amend: jest.fn(
      async (
        _id: string,
        decide: (d: Deployment) => { change: Partial<Deployment>; entries: OutboxEntry[] } | null,
      ) => {
        const decision = decide(deployment);
        if (!decision) return null;
        written.push(decision);
        return { ...deployment, ...decision.change };
      },
    ),
  };
  const timers = {
    get: jest.fn(async () =>
      clockDueAt === null ? null : { id: `clock:${ID}`, dueAt: clockDueAt, payload: {} },
    ),
  };
  const service = new ControlService(
    lifecycle as unknown as LifecycleService,
    {} as DeploymentsService,
    timers as unknown as TimerStore,
  );
  return { service, written };
}

const kinds = (entries: OutboxEntry[]) =>
  entries.map((e) => (e.kind === 'publish' ? e.message.type : e.kind));

describe('ControlService: pause and resume', () => {
  it('pausing keeps what was left of the bake and stops the clock, in the audit log with the actor', async () => {
    const { service, written } = setup(canary({}), Date.now() + 240_000);

    const outcome = await service.apply(ID, 'pause', 'user:bob', 'checking a report');

    expect(outcome.status).toBe('accepted');
    expect(written[0]?.change).toMatchObject({ paused: true, seq: 10 });
    expect(written[0]?.change.remainingMs).toBeGreaterThan(239_000);
    expect(kinds(written[0]!.entries)).toEqual(['deployment.control', 'cancel-timer']);
  });

  it('resuming restarts the clock with what was left and judges the rest of the bake afresh', async () => {
    const { service, written } = setup(canary({ paused: true, remainingMs: 120_000 }), null);

    await service.apply(ID, 'resume', 'user:bob');

    expect(written[0]?.change).toMatchObject({ paused: false, remainingMs: null, seq: 10 });
    const [event, clock, analysis] = written[0]!.entries;
    expect(kinds(written[0]!.entries)).toEqual([
      'deployment.control',
      'schedule-timer',
      'analysis.start',
    ]);
    expect(event).toMatchObject({ message: { actor: 'user:bob', data: { action: 'resume' } } });
    expect(clock).toMatchObject({
      dueAt: expect.any(Number),
      payload: { trigger: 'bake.elapsed' },
    });
    expect(analysis).toMatchObject({ message: { data: { step: 0, bakeMs: 120_000 } } });
  });

  it('refuses to pause a phase without a clock, and says why', async () => {
    const { service, written } = setup(canary({ phase: 'Verifying', stepIndex: null }), null);

    const outcome = await service.apply(ID, 'pause', 'user:bob');

    expect(outcome).toMatchObject({
      status: 'refused',
      reason:
        'cannot pause a deployment in phase Verifying: only Canary, Ramping and Standby have a clock to stop',
    });
    // The refusal itself is recorded (with the actor) and nothing else changes.
    expect(written.map((w) => kinds(w.entries))).toEqual([['deployment.control']]);
    expect(written[0]?.change).toEqual({ seq: 10 });
  });
});
