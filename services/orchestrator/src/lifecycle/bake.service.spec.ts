import { DeployRequestSchema, type Deployment, type EventEnvelope } from '@greenlight/contracts';
import { deploymentRecord, FIXTURE_DEPLOYMENT_ID } from '@greenlight/fixtures';
import type { OutboxEntry } from '../deployments/outbox.util';
import { BakeService } from './bake.service';
import type { LifecycleService } from './lifecycle.service';

const ID = FIXTURE_DEPLOYMENT_ID;

const request = DeployRequestSchema.parse({
  service: 'chat',
  release: { version: 'v2', model: { id: 'm' } },
  pool: { driver: 'static', endpoints: ['http://127.0.0.1:9101'] },
  strategy: {
    steps: [{ weight: 1, bake: '10m' }, { weight: 100 }],
    analysis: { maxBakeExtensions: 2 },
  },
});

function canary(overrides: Partial<Deployment> = {}): Deployment {
  return deploymentRecord(request, overrides);
}

/** The narrow port BakeService uses, recording what it was asked to do. */
function fakeLifecycle(deployment: Deployment) {
  const amended: { change: Partial<Deployment>; entries: OutboxEntry[] }[] = [];
  const fake = {
    get: jest.fn(async () => deployment),
    advance: jest.fn(async () => ({ status: 'moved' as const, deployment })),
    amend: jest.fn(
      async (
        _id: string,
        decide: (d: Deployment) => { change: Partial<Deployment>; entries: OutboxEntry[] } | null,
      ) => {
        const decision = decide(deployment);
        if (!decision) return null;
        amended.push(decision);
        return { ...deployment, ...decision.change };
      },
    ),
  };
  return { fake, amended, service: new BakeService(fake as unknown as LifecycleService) };
}

const timer = {
  deploymentId: ID,
  trigger: 'bake.elapsed' as const,
  phase: 'Canary' as const,
  step: 0,
  reason: 'bake elapsed',
};

function verdict(
  data: Partial<EventEnvelope<'analysis.completed'>['data']>,
  at = '2026-11-26T10:05:00.000Z',
) {
  return {
    id: `${ID}-7:analysis.completed:3`,
    type: 'analysis.completed' as const,
    deploymentId: ID,
    service: 'chat',
    seq: 7,
    at,
    actor: 'system:health-prober',
    causationId: `${ID}-7.analysis.start`,
    data: {
      step: 0,
      verdict: 'pass' as const,
      metrics: {},
      samples: { green: 120, blue: 11_000 },
      elapsedMs: 300_000,
      reasons: [],
      ...data,
    },
  };
}

describe('BakeService: the end of a bake', () => {
  it('moves on when the latest verdict of the step is pass', async () => {
    const at = new Date().toISOString();
    const { fake, service } = fakeLifecycle(
      canary({ analysis: { step: 0, verdict: 'pass', at, extensions: 0, reasons: ['ok'] } }),
    );

    await service.elapsed(timer, `clock:${ID}`);

    expect(fake.advance).toHaveBeenCalledWith(
      ID,
      'step.passed',
      expect.objectContaining({
        onlyAtStep: 0,
        reason: expect.stringContaining('passed analysis'),
      }),
    );
  });

  it('does not pass on a verdict from before the prober went quiet: the bake is extended', async () => {
    // The prober looks every 30 s (the default interval); its last pass is 10 minutes old.
    const at = new Date(Date.now() - 600_000).toISOString();
    const { fake, amended, service } = fakeLifecycle(
      canary({ analysis: { step: 0, verdict: 'pass', at, extensions: 0, reasons: ['ok'] } }),
    );

    await service.elapsed(timer, `clock:${ID}`);

    expect(fake.advance).not.toHaveBeenCalled();
    expect(amended[0]?.change.analysis).toMatchObject({ extensions: 1 });
  });

  it('rolls back on a stale pass after the last extension, saying why', async () => {
    const at = new Date(Date.now() - 600_000).toISOString();
    const { fake, service } = fakeLifecycle(
      canary({ analysis: { step: 0, verdict: 'pass', at, extensions: 2, reasons: ['ok'] } }),
    );

    await service.elapsed(timer, `clock:${ID}`);

    expect(fake.advance).toHaveBeenCalledWith(
      ID,
      'analysis.failed',
      expect.objectContaining({ reason: expect.stringContaining('too old to end the bake on') }),
    );
  });

  it('extends the bake by one bake when inconclusive, without passing', async () => {
    const { fake, amended, service } = fakeLifecycle(
      canary({
        analysis: {
          step: 0,
          verdict: 'inconclusive',
          at: 'x',
          extensions: 1,
          reasons: ['42 of 50 green requests'],
        },
      }),
    );

    await service.elapsed(timer, `clock:${ID}`);

    expect(fake.advance).not.toHaveBeenCalled();
    expect(amended[0]?.change.analysis).toMatchObject({ extensions: 2, verdict: 'inconclusive' });
    expect(amended[0]?.entries[0]).toMatchObject({
      kind: 'schedule-timer',
      timerId: `clock:${ID}`,
      payload: { trigger: 'bake.elapsed', step: 0 },
    });
  });

  it('rolls back when still inconclusive after the last extension: never a pass by default', async () => {
    const { fake, service } = fakeLifecycle(
      canary({
        analysis: { step: 0, verdict: 'inconclusive', at: 'x', extensions: 2, reasons: [] },
      }),
    );

    await service.elapsed(timer, `clock:${ID}`);

    expect(fake.advance).toHaveBeenCalledWith(
      ID,
      'analysis.failed',
      expect.objectContaining({ reason: expect.stringContaining('never passes by default') }),
    );
  });

  it('treats no verdict at all like inconclusive (the health-prober may be down)', async () => {
    const { fake, amended, service } = fakeLifecycle(canary());

    await service.elapsed(timer, `clock:${ID}`);

    expect(fake.advance).not.toHaveBeenCalled();
    expect(amended[0]?.change.analysis).toMatchObject({ extensions: 1 });
  });

  it('does nothing while paused or once the step is left', async () => {
    for (const d of [canary({ paused: true }), canary({ stepIndex: 1, phase: 'Ramping' })]) {
      const { fake, service } = fakeLifecycle(d);
      await service.elapsed(timer, `clock:${ID}`);
      expect(fake.advance).not.toHaveBeenCalled();
      expect(fake.amend).not.toHaveBeenCalled();
    }
  });
});

describe('BakeService: verdicts while a step bakes', () => {
  it('rolls back at once on fail, only for the step it judged', async () => {
    const { fake, service } = fakeLifecycle(canary());

    await service.onVerdict(
      verdict({ verdict: 'fail', reasons: ['green error rate 5.1 % vs blue 1.0 %'] }),
    );

    expect(fake.advance).toHaveBeenCalledWith(
      ID,
      'analysis.failed',
      expect.objectContaining({
        onlyAtStep: 0,
        reason: 'canary analysis failed at step 1: green error rate 5.1 % vs blue 1.0 %',
      }),
    );
  });

  it('keeps the latest pass/inconclusive and the extensions already taken', async () => {
    const { amended, service } = fakeLifecycle(
      canary({
        analysis: {
          step: 0,
          verdict: 'inconclusive',
          at: '2026-11-26T10:01:00.000Z',
          extensions: 1,
          reasons: [],
        },
      }),
    );

    await service.onVerdict(verdict({ verdict: 'pass', reasons: ['no metric worse'] }));

    expect(amended[0]?.change.analysis).toEqual({
      step: 0,
      verdict: 'pass',
      at: '2026-11-26T10:05:00.000Z',
      extensions: 1,
      reasons: ['no metric worse'],
    });
  });

  it('ignores a verdict older than the one recorded, and one for another step', async () => {
    const recorded = {
      step: 0,
      verdict: 'pass' as const,
      at: '2026-11-26T10:06:00.000Z',
      extensions: 0,
      reasons: [],
    };
    const { amended, service } = fakeLifecycle(canary({ analysis: recorded }));

    await service.onVerdict(verdict({ verdict: 'inconclusive' }, '2026-11-26T10:05:00.000Z'));
    await service.onVerdict(verdict({ step: 1, verdict: 'pass' }));

    expect(amended).toEqual([]);
  });
});
