import { Global, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { BusModule, durableName, EventBus, JetStreamServer } from '@greenlight/bus';
import {
  commandTypeFilter,
  deploymentEventsFilter,
  gatewayMetricsSubject,
  INSTANCE_TTL_MS,
  STREAMS,
  type Envelope,
  type GatewayMetrics,
  type PoolMetrics,
} from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { METRICS_REGISTRY, TelemetryModule } from '@greenlight/telemetry';
import {
  freePort,
  sseData,
  startNatsServer,
  startSimulator,
  waitFor,
  type ServerHandle,
  type SimulatorHandle,
} from '@greenlight/testing';
import type { DrainerConfig } from '../config/drainer.config';
import { DrainModule } from './drain.module';
import type { DrainCommand } from './drain.service';

const COMPONENT = 'drainer';
const ITL_MS = 50;
const codec = JSONCodec<unknown>();

interface Received {
  at: number;
  event: Envelope<Record<string, unknown>>;
}

const config: Pick<DrainerConfig, 'DRAIN_POLL_MS' | 'DRAIN_SCRAPE_TIMEOUT_MS'> = {
  DRAIN_POLL_MS: 250,
  DRAIN_SCRAPE_TIMEOUT_MS: 1_000,
};

@Global()
@Module({ providers: [{ provide: SERVICE_CONFIG, useValue: config }], exports: [SERVICE_CONFIG] })
class TestConfigModule {}

describe('drain.start over NATS (real nats-server and simulators)', () => {
  let nats: ServerHandle;
  let app: INestApplication;
  let bus: EventBus;
  let client: NatsConnection;
  let registry: Registry;
  let blue: SimulatorHandle;
  let idle: SimulatorHandle;
  /** A replica that already stopped: nothing listens on its port. */
  let goneUrl: string;
  const subscriptions: Subscription[] = [];
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    await startDrainer();
    client = await connect({ servers: nats.url });
    const args = ['--itl', `${ITL_MS}ms`, '--ttft-overhead', '5ms'];
    [blue, idle] = await Promise.all([
      startSimulator({ version: 'v1', args }),
      startSimulator({ version: 'v1', args }),
    ]);
    goneUrl = `http://127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const s of subscriptions) s.unsubscribe();
    await Promise.all([blue?.stop(2_000), idle?.stop(2_000)]);
    await client?.close();
    await app?.close();
    await nats?.dispose();
  });

  /** The drainer's drain feature as its own process would host it (a restart starts it again). */
  async function startDrainer(): Promise<void> {
    const ref = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ component: COMPONENT, logLevel: 'warn' }),
        BusModule.forRoot({ servers: nats.url, component: COMPONENT }),
        TestConfigModule,
        DrainModule,
      ],
    }).compile();
    // Hosted as runService hosts it (HTTP app + JetStream), so close() runs shutdown in its order.
    app = ref.createNestApplication({ logger: ['warn', 'error'] });
    app.connectMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.startAllMicroservices();
    await app.init();
    bus = ref.get(EventBus);
    registry = ref.get(METRICS_REGISTRY);
  }

  function command(service: string, endpoints: string[], timeoutMs: number): DrainCommand {
    const deploymentId = ulid();
    return {
      id: `${deploymentId}-9.drain.start`,
      type: 'drain.start',
      deploymentId,
      service,
      seq: 9,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: `${deploymentId}-8`,
      data: { release: 'v1', endpoints, timeoutMs },
    };
  }

  /** Every event of the deployment as it arrives, with the time it arrived. */
  function watch(deploymentId: string): Received[] {
    const received: Received[] = [];
    const sub = client.subscribe(deploymentEventsFilter(deploymentId), {
      callback: (_error, m) =>
        received.push({ at: Date.now(), event: codec.decode(m.data) as Received['event'] }),
    });
    subscriptions.push(sub);
    return received;
  }

  const ofType = (received: Received[], type: string) =>
    received.filter((r) => r.event.type === type);

  async function send(message: DrainCommand, msgID = message.id): Promise<void> {
    await bus.sendCommand('drain.start', message.service, message, { msgID });
  }

  async function commandsSettled(): Promise<boolean> {
    const jsm = await client.jetstreamManager();
    const info = await jsm.consumers.info(
      STREAMS.commands,
      durableName(COMPONENT, commandTypeFilter('drain.start')),
    );
    return info.num_pending + info.num_ack_pending === 0;
  }

  /** A streamed completion of `tokens` tokens; resolves once the first token arrived. */
  async function stream(url: string, tokens: number, signal?: AbortSignal) {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat',
        messages: [{ role: 'user', content: 'Tell me a long story.' }],
        max_tokens: tokens,
        stream: true,
      }),
      ...(signal ? { signal } : {}),
    });
    const chunks = sseData(response);
    await chunks.next();
    let lastTokenAt = Date.now();
    const ended = (async () => {
      for await (const data of chunks) if (data !== '[DONE]') lastTokenAt = Date.now();
      return { endedAt: Date.now(), lastTokenAt };
    })();
    return { ended };
  }

  /** A gateway instance publishing its gauges for `service` every 250 ms, as the gateway does each second. */
  function gateway(
    service: string,
    instance: string,
    gauges: { inFlight: number; streams: number },
  ) {
    const pool = (): PoolMetrics => {
      const empty = { le: [0.1, 1], counts: [0, 0], count: 0, sum: 0 };
      return {
        release: 'v1',
        inFlight: gauges.inFlight,
        inFlightStreams: gauges.streams,
        requests: 10,
        errors: 0,
        abortedStreams: 0,
        ttft: empty,
        itl: empty,
        e2ePerToken: empty,
        replicas: {},
      };
    };
    const publish = (): void => {
      const snapshot: GatewayMetrics = {
        instance,
        service,
        at: new Date().toISOString(),
        version: 3,
        pools: { blue: pool(), green: { ...pool(), release: 'v2', inFlight: 7 } },
      };
      client.publish(gatewayMetricsSubject(service), codec.encode(snapshot));
    };
    publish();
    const timer = setInterval(publish, 250);
    timers.push(timer);
    return { silence: () => clearInterval(timer) };
  }

  it('replies drain.completed within 1.5 s of the last stream on blue finishing, and not before', async () => {
    const { ended } = await stream(blue.url, 100); // ~5 s of tokens
    const drain = command('chat', [blue.url, idle.url, goneUrl], 30_000);
    const received = watch(drain.deploymentId);

    await send(drain);
    const { endedAt, lastTokenAt } = await ended;
    const completedWhileStreaming = ofType(received, 'drain.completed').length;
    const completed = await waitFor(() => ofType(received, 'drain.completed')[0], {
      timeoutMs: 5_000,
      what: 'drain.completed',
    });

    expect(completedWhileStreaming).toBe(0);
    expect(completed.at).toBeGreaterThanOrEqual(lastTokenAt);
    expect(completed.at - endedAt).toBeLessThan(1_500);
    expect(completed.event).toMatchObject({
      id: `${drain.id}:drain.completed`,
      actor: 'system:drainer',
      causationId: drain.id,
      data: { release: 'v1', inFlight: 0, timedOut: false },
    });
    expect(completed.event.data['elapsedMs']).toBeGreaterThanOrEqual(3_000);
    const progress = ofType(received, 'drain.progress').map((r) => r.event.data);
    expect(progress[0]).toMatchObject({ release: 'v1', inFlight: 1, streams: 0 });
  });

  it('a redelivered command drains again and its answer is stored once', async () => {
    const drain = command('chat', [blue.url, idle.url], 30_000);
    const received = watch(drain.deploymentId);

    await send(drain);
    await waitFor(() => ofType(received, 'drain.completed').length === 1, { what: 'first answer' });
    await send(drain, `${drain.id}:again`);
    await waitFor(() => ofType(received, 'drain.completed').length === 2, {
      what: 'second answer',
    });
    await waitFor(commandsSettled, { what: 'both deliveries acked' });

    const stored = await bus.read<Envelope>(deploymentEventsFilter(drain.deploymentId));
    expect(stored.map((m) => m.data.type)).toEqual(['drain.completed']);
  });

  it('when the stream outlasts the drain timeout, replies timedOut with what is still in flight', async () => {
    const cut = new AbortController();
    await stream(blue.url, 100, cut.signal);
    const drain = command('chat', [blue.url, idle.url], 1_500);
    const received = watch(drain.deploymentId);

    await send(drain);
    const completed = await waitFor(() => ofType(received, 'drain.completed')[0], {
      timeoutMs: 5_000,
      what: 'drain.completed',
    });
    cut.abort();

    const data = completed.event.data as { inFlight: number; timedOut: boolean; elapsedMs: number };
    expect(data.timedOut).toBe(true);
    expect(data.inFlight).toBeGreaterThanOrEqual(1);
    expect(data.elapsedMs).toBeGreaterThanOrEqual(1_500);
    expect(data.elapsedMs).toBeLessThan(2_500);
    const metrics = await registry.getSingleMetricAsString('greenlight_drains_total');
    expect(metrics).toMatch(/greenlight_drains_total\{outcome="timed_out"[^}]*\} 1$/m);
  });

  it('requests in flight at a gateway hold the drain though every replica is idle', async () => {
    const gauges = { inFlight: 2, streams: 1 };
    gateway('chat-gw', 'gw-test-1', gauges);
    const drain = command('chat-gw', [idle.url], 30_000);
    const received = watch(drain.deploymentId);

    await send(drain);
    await new Promise((r) => setTimeout(r, 2_000));
    const heldFor2s = ofType(received, 'drain.completed').length;
    gauges.inFlight = 0;
    gauges.streams = 0;
    const emptiedAt = Date.now();
    const completed = await waitFor(() => ofType(received, 'drain.completed')[0], {
      timeoutMs: 5_000,
      what: 'drain.completed',
    });

    expect(heldFor2s).toBe(0);
    // Green's requests on the same gateway (release v2) are not blue's.
    expect(ofType(received, 'drain.progress')[0]?.event.data).toMatchObject({
      inFlight: 2,
      streams: 1,
    });
    expect(completed.event.data).toMatchObject({ inFlight: 0, timedOut: false });
    expect(completed.at - emptiedAt).toBeLessThan(1_500);
  });

  it('stops without an answer when the deployment leaves Draining (rolled back)', async () => {
    gateway('chat-rb', 'gw-test-2', { inFlight: 1, streams: 1 });
    const drain = command('chat-rb', [idle.url], 30_000);
    const received = watch(drain.deploymentId);

    await send(drain);
    await waitFor(() => ofType(received, 'drain.progress').length > 0, { what: 'drain.progress' });
    await bus.publishEvent({
      id: `${drain.deploymentId}-10`,
      type: 'deployment.phase_changed',
      deploymentId: drain.deploymentId,
      service: 'chat-rb',
      seq: 10,
      at: new Date().toISOString(),
      actor: 'user:alice',
      causationId: null,
      data: { from: 'Draining', to: 'RollingBack', reason: 'manual rollback', actor: 'user:alice' },
    });
    await waitFor(commandsSettled, { what: 'the command to be acked' });
    await new Promise((r) => setTimeout(r, 500));

    expect(ofType(received, 'drain.completed')).toEqual([]);
    const metrics = await registry.getSingleMetricAsString('greenlight_drains_total');
    expect(metrics).toMatch(/greenlight_drains_total\{outcome="cancelled"[^}]*\} 1$/m);
  });

  it('a gateway instance that falls silent (it died) stops holding the drain once its snapshots expire', async () => {
    const instance = gateway('chat-gone', 'gw-test-3', { inFlight: 3, streams: 3 });
    const drain = command('chat-gone', [idle.url], 30_000);
    const received = watch(drain.deploymentId);

    await send(drain);
    await waitFor(() => ofType(received, 'drain.progress').length > 0, { what: 'drain.progress' });
    instance.silence();
    const silentAt = Date.now();
    const completed = await waitFor(() => ofType(received, 'drain.completed')[0], {
      timeoutMs: 10_000,
      what: 'drain.completed',
    });

    expect(completed.event.data).toMatchObject({ inFlight: 0, timedOut: false });
    // Not before the instance could be called gone (INSTANCE_TTL_MS), and not long after.
    expect(completed.at - silentAt).toBeGreaterThanOrEqual(INSTANCE_TTL_MS - 300);
    expect(completed.at - silentAt).toBeLessThan(INSTANCE_TTL_MS + 1_500);
  });

  it('a drain interrupted by a restart is not acknowledged; the restarted drainer finishes it under the same id', async () => {
    const gauges = { inFlight: 1, streams: 1 };
    gateway('chat-restart', 'gw-test-4', gauges);
    const drain = command('chat-restart', [idle.url], 60_000);
    const received = watch(drain.deploymentId);
    await send(drain);
    await waitFor(() => ofType(received, 'drain.progress').length > 0, { what: 'drain.progress' });

    await app.close();
    const settledWhileDown = await commandsSettled();
    await startDrainer();
    gauges.inFlight = 0;
    gauges.streams = 0;
    const completed = await waitFor(() => ofType(received, 'drain.completed')[0], {
      timeoutMs: 15_000,
      what: 'drain.completed after the restart',
    });

    expect(settledWhileDown).toBe(false);
    expect(completed.event).toMatchObject({
      id: `${drain.id}:drain.completed`,
      data: { inFlight: 0, timedOut: false },
    });
    await waitFor(commandsSettled, { what: 'the command to be acked' });
  });
});
