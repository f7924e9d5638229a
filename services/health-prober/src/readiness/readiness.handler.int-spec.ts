import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { BusModule, durableName, EventBus, JetStreamServer } from '@greenlight/bus';
import {
  commandTypeFilter,
  deploymentEventsFilter,
  STREAMS,
  type Envelope,
} from '@greenlight/contracts';
import { METRICS_REGISTRY, TelemetryModule } from '@greenlight/telemetry';
import {
  startNatsServer,
  startSimulator,
  waitFor,
  type ServerHandle,
  type SimulatorHandle,
} from '@greenlight/testing';
import { ReadinessModule } from './readiness.module';
import type { ReadinessCommand } from './readiness.service';

const COMPONENT = 'health-prober';

describe('readiness.probe over NATS (real nats-server and simulators)', () => {
  let nats: ServerHandle;
  let app: INestMicroservice;
  let bus: EventBus;
  let client: NatsConnection;
  let registry: Registry;
  const sims: SimulatorHandle[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    const ref = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ component: COMPONENT, logLevel: 'warn' }),
        BusModule.forRoot({ servers: nats.url, component: COMPONENT }),
        ReadinessModule,
      ],
    }).compile();
    app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen();
    bus = ref.get(EventBus);
    registry = ref.get(METRICS_REGISTRY);
    client = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop(2_000)));
    await client?.close();
    await app?.close();
    await nats?.dispose();
  });

  async function sim(...args: Parameters<typeof startSimulator>): Promise<SimulatorHandle> {
    const handle = await startSimulator(...args);
    sims.push(handle);
    return handle;
  }

  function command(deploymentId: string, urls: string[], timeoutMs: number): ReadinessCommand {
    const now = Date.now();
    return {
      id: `${deploymentId}-cmd-4`,
      type: 'readiness.probe',
      deploymentId,
      service: 'chat',
      seq: 4,
      at: new Date(now).toISOString(),
      actor: 'system:orchestrator',
      causationId: `${deploymentId}-3`,
      data: {
        release: 'v2',
        servedModel: 'chat',
        endpoints: urls.map((url, replica) => ({ replica, url })),
        warmupRequests: 2,
        deadline: new Date(now + timeoutMs).toISOString(),
      },
    };
  }

  async function send(message: ReadinessCommand, msgID = message.id): Promise<void> {
    await bus.sendCommand('readiness.probe', message.service, message, { msgID });
  }

  async function events(deploymentId: string): Promise<Envelope<Record<string, unknown>>[]> {
    const stored = await bus.read<Envelope<Record<string, unknown>>>(
      deploymentEventsFilter(deploymentId),
    );
    return stored.map((m) => m.data);
  }

  /** The probe command was handled and acked: nothing left for the prober's consumer. */
  async function commandsSettled(): Promise<boolean> {
    const jsm = await client.jetstreamManager();
    const info = await jsm.consumers.info(
      STREAMS.commands,
      durableName(COMPONENT, commandTypeFilter('readiness.probe')),
    );
    return info.num_pending + info.num_ack_pending === 0;
  }

  it('reports replica.ready for each replica, then pool.ready with the endpoints', async () => {
    const [a, b] = await Promise.all([sim({ coldStart: '3s', waitReady: false }), sim()]);
    const id = ulid();
    const probe = command(id, [a.url, b.url], 30_000);

    await send(probe);
    const log = await waitFor(
      async () => {
        const all = await events(id);
        return all.some((e) => e.type === 'pool.ready') && all;
      },
      { timeoutMs: 20_000, what: 'pool.ready' },
    );

    expect(log.map((e) => e.type)).toEqual(['replica.ready', 'replica.ready', 'pool.ready']);
    expect(log.slice(0, 2).map((e) => e.data['replica'])).toEqual([1, 0]); // the cold one is last
    for (const event of log) {
      expect(event).toMatchObject({
        service: 'chat',
        actor: 'system:health-prober',
        causationId: probe.id,
      });
    }
    const stages = log[0]!.data['stages'] as Record<string, string>;
    const times = ['connect', 'health', 'models', 'warmup'].map((s) => Date.parse(stages[s]!));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(log[2]!.data).toEqual({
      release: 'v2',
      endpoints: [
        { replica: 0, url: a.url },
        { replica: 1, url: b.url },
      ],
    });
    await waitFor(commandsSettled, { what: 'the command to be acked' });

    // The same command again (as after a crash before the ack): probed again, stored once.
    await send(probe, `${probe.id}-redelivered`);
    await waitFor(commandsSettled, { what: 'the repeated command to be acked' });
    expect((await events(id)).map((e) => e.type)).toEqual([
      'replica.ready',
      'replica.ready',
      'pool.ready',
    ]);
  });

  it('publishes pool.failed naming the replica and stage when the deadline passes', async () => {
    const [healthy, neverReady] = await Promise.all([sim(), sim({ args: ['--never-ready'] })]);
    const id = ulid();

    await send(command(id, [healthy.url, neverReady.url], 3_000));
    const log = await waitFor(
      async () => {
        const all = await events(id);
        return all.some((e) => e.type === 'pool.failed') && all;
      },
      { timeoutMs: 15_000, what: 'pool.failed' },
    );

    expect(log.map((e) => e.type)).toEqual(['replica.ready', 'pool.failed']);
    expect(log[1]!.data).toMatchObject({
      release: 'v2',
      replica: 1,
      stage: 'health',
      reason: expect.stringMatching(
        new RegExp(`^replica 1 \\(${neverReady.url}\\) not ready after 3 s: /health answered 503`),
      ),
    });
  });

  it('stops probing, publishing nothing, when the deployment ends', async () => {
    const loading = await sim({ coldStart: '60s', waitReady: false });
    const id = ulid();
    await send(command(id, [loading.url], 60_000));
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await bus.publishEvent({
      id: `${id}-9`,
      type: 'deployment.phase_changed',
      deploymentId: id,
      service: 'chat',
      seq: 9,
      at: new Date().toISOString(),
      actor: 'user:alice',
      causationId: null,
      data: {
        from: 'WarmingUp',
        to: 'Aborted',
        reason: 'aborted by user:alice',
        actor: 'user:alice',
      },
    });
    await waitFor(commandsSettled, { timeoutMs: 5_000, what: 'the cancelled probe to be acked' });

    expect((await events(id)).map((e) => e.type)).toEqual(['deployment.phase_changed']);
    expect(await registry.metrics()).toContain(
      'greenlight_readiness_outcomes_total{outcome="cancelled",component="health-prober"} 1',
    );
  });
});
