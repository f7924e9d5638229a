import { Logger } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription, SubscriptionOptions } from 'nats';
import { Registry } from 'prom-client';
import { ABORT_REASONS } from './readiness.constants';
import { ReadinessCancellationService } from './readiness-cancellation.service';
import { ReadinessMetrics } from './readiness.metrics';
import {
  ProbeInterruptedError,
  ReadinessService,
  type ReadinessCommand,
} from './readiness.service';
import { FakeProbeTransport } from './testing/fake-probe.transport';

const DEPLOYMENT = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const START = Date.parse('2025-01-01T00:00:00Z');
const URL0 = 'http://10.0.0.1:8000';

function command(timeoutMs = 300_000): ReadinessCommand {
  return {
    id: 'cmd-1',
    type: 'readiness.probe',
    deploymentId: DEPLOYMENT,
    service: 'chat',
    seq: 3,
    at: new Date(START).toISOString(),
    actor: 'system:orchestrator',
    causationId: null,
    data: {
      release: 'v2',
      servedModel: 'chat',
      endpoints: [{ replica: 0, url: URL0 }],
      warmupRequests: 1,
      deadline: new Date(START + timeoutMs).toISOString(),
    },
  };
}

/** The service with a fake network and a fake NATS subscription we can push phase events into. */
function setUp() {
  const transport = new FakeProbeTransport();
  let deliver: (payload: unknown) => void = () => undefined;
  const nc = {
    subscribe: jest.fn((_subject: string, options: SubscriptionOptions) => {
      deliver = (payload) => options.callback?.(null, { json: () => payload } as Msg);
      return { unsubscribe: jest.fn() } as unknown as Subscription;
    }),
  };
  const cancellation = new ReadinessCancellationService(nc as unknown as NatsConnection);
  cancellation.onModuleInit();
  const registry = new Registry();
  const service = new ReadinessService(
    () => transport,
    cancellation,
    new ReadinessMetrics(registry),
  );
  const phaseChanged = (to: string): void =>
    deliver({
      id: `${DEPLOYMENT}-9`,
      type: 'deployment.phase_changed',
      deploymentId: DEPLOYMENT,
      service: 'chat',
      seq: 9,
      at: new Date().toISOString(),
      actor: 'user:alice',
      causationId: null,
      data: { from: 'WarmingUp', to, reason: 'operator', actor: 'user:alice' },
    });
  const outcomes = async (): Promise<Record<string, number>> => {
    const metric = await registry.getSingleMetric('greenlight_readiness_outcomes_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [String(v.labels['outcome']), v.value]));
  };
  return { transport, nc, cancellation, service, registry, phaseChanged, outcomes };
}

describe('ReadinessService', () => {
  beforeAll(() => {
    Logger.overrideLogger(['warn', 'error']);
  });
  beforeEach(() => jest.useFakeTimers({ now: START }));
  afterEach(() => jest.useRealTimers());

  it('records how long each stage took and counts the ready outcome', async () => {
    const { transport, service, registry, outcomes } = setUp();
    transport.replica(URL0);

    const outcome = await service.probe(command(), async () => undefined);

    expect(outcome.outcome).toBe('ready');
    expect(transport.closed).toBe(true);
    expect(await outcomes()).toEqual({ ready: 1 });
    const text = await registry.metrics();
    for (const stage of ['connect', 'health', 'models', 'warmup']) {
      expect(text).toContain(`greenlight_readiness_stage_seconds_count{stage="${stage}"} 1`);
    }
  });

  it('stops probing when the deployment ends, publishing nothing more', async () => {
    const { transport, nc, service, phaseChanged, outcomes } = setUp();
    transport.replica(URL0, { accepting: false });
    const onReady = jest.fn(async () => undefined);

    const pending = service.probe(command(), onReady);
    await jest.advanceTimersByTimeAsync(1_000);
    phaseChanged('Canary'); // not terminal: probing goes on
    await jest.advanceTimersByTimeAsync(1_000);
    const stillProbing = transport.calls.at(-1)!.at > START + 1_000;
    phaseChanged('Aborted');

    expect(nc.subscribe).toHaveBeenCalledWith(
      'greenlight.evt.deployment.phase_changed.>',
      expect.anything(),
    );
    expect(stillProbing).toBe(true);
    expect(await pending).toEqual({ outcome: 'cancelled', reason: ABORT_REASONS.deploymentEnded });
    expect(onReady).not.toHaveBeenCalled();
    expect(transport.closed).toBe(true);
    expect(await outcomes()).toEqual({ cancelled: 1 });
  });

  it('does not start probing a deployment that already ended', async () => {
    const { transport, service, cancellation } = setUp();
    transport.replica(URL0);
    cancellation.end(DEPLOYMENT);

    const outcome = await service.probe(command(), async () => undefined);

    expect(outcome.outcome).toBe('cancelled');
    expect(transport.calls).toEqual([]);
  });

  it('fails the command on shutdown so it is redelivered, not answered', async () => {
    const { transport, service, cancellation, outcomes } = setUp();
    transport.replica(URL0, { accepting: false });

    const pending = service.probe(command(), async () => undefined).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(500);
    cancellation.onModuleDestroy();

    expect(await pending).toBeInstanceOf(ProbeInterruptedError);
    expect(await outcomes()).toEqual({});
  });

  it('states the readiness timeout the orchestrator gave in the failure', async () => {
    const { transport, service, outcomes } = setUp();
    transport.replica(URL0, { accepting: false });

    const pending = service.probe(command(45_000), async () => undefined);
    await jest.advanceTimersByTimeAsync(45_000);

    expect(await pending).toMatchObject({
      outcome: 'failed',
      stage: 'connect',
      reason: expect.stringMatching(
        /^replica 0 \(http:\/\/10\.0\.0\.1:8000\) not ready after 45 s: /,
      ),
    });
    expect(await outcomes()).toEqual({ failed: 1 });
  });
});
