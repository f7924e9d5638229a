import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, JSONCodec, type KV, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { BusModule, EventBus, JetStreamServer } from '@greenlight/bus';
import {
  DATA_PLANE_SUBJECTS,
  deploymentEventsFilter,
  HEARTBEAT_MS,
  loadConfig,
  ROUTES_BUCKET,
  SUBJECTS,
  type Envelope,
  type RoutingTable,
} from '@greenlight/contracts';
import { METRICS_REGISTRY, TelemetryModule } from '@greenlight/telemetry';
import {
  sleep,
  startHaproxy,
  startNatsServer,
  waitFor,
  type HaproxyHandle,
  type ServerHandle,
} from '@greenlight/testing';
import { TrafficShifterConfigSchema } from '../config/traffic-shifter.config';
import type { TrafficSetCommand } from './traffic-shifter.service';
import { TrafficModule } from './traffic.module';

const COMPONENT = 'traffic-shifter';
const codec = JSONCodec<unknown>();

type Event = Envelope<Record<string, unknown>>;

/** A stand-in for one gateway process, speaking the real data-plane protocol over real NATS. */
class TestGatewayInstance {
  private readonly tables: Record<string, number> = {};
  private readonly inBucket = new Map<string, number>();
  private readonly held = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private silent = false;

  private stopWatching?: () => void;

  private constructor(
    private readonly nc: NatsConnection,
    readonly id: string,
    held: string[],
  ) {
    for (const service of held) this.held.add(service);
    this.heartbeat();
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  /** Watches the routes bucket like a gateway; acks each table unless its service is held. */
  static async start(
    nc: NatsConnection,
    id: string,
    held: string[] = [],
  ): Promise<TestGatewayInstance> {
    const instance = new TestGatewayInstance(nc, id, held);
    const kv: KV = await nc.jetstream().views.kv(ROUTES_BUCKET);
    const watch = await kv.watch();
    instance.stopWatching = () => watch.stop();
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation === 'PUT') instance.seen(entry.key, entry.json<RoutingTable>().version);
      }
    })();
    await nc.flush();
    return instance;
  }

  /** Acknowledge what the bucket holds for `service` from now on. */
  release(service: string): void {
    this.held.delete(service);
    this.apply(service);
  }

  /** Stop heartbeating and acking, as a process that hangs or dies would. */
  silence(): void {
    this.silent = true;
    clearInterval(this.timer);
  }

  stop(): void {
    this.silence();
    this.stopWatching?.();
  }

  private seen(service: string, version: number): void {
    this.inBucket.set(service, version);
    if (!this.held.has(service)) this.apply(service);
  }

  private apply(service: string): void {
    const version = this.inBucket.get(service);
    if (this.silent || version === undefined) return;
    this.tables[service] = version;
    this.nc.publish(
      DATA_PLANE_SUBJECTS.ack,
      codec.encode({ instance: this.id, service, version, appliedAt: new Date().toISOString() }),
    );
  }

  private heartbeat(): void {
    if (this.silent) return;
    this.nc.publish(
      DATA_PLANE_SUBJECTS.heartbeat,
      codec.encode({ instance: this.id, at: new Date().toISOString(), tables: this.tables }),
    );
  }
}

/** A replica that names itself; /stream sends 10 chunks over about a second. */
async function startBackend(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`data: ${name} ${sent}\n\n`);
        if (++sent === 10) {
          clearInterval(timer);
          res.end('data: [DONE]\n\n');
        }
      }, 100);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('traffic.set over NATS (real nats-server and haproxy)', () => {
  let nats: ServerHandle;
  let haproxy: HaproxyHandle;
  let app: INestMicroservice;
  let bus: EventBus;
  let registry: Registry;
  let client: NatsConnection;
  let routes: KV;
  const backends: Record<string, { url: string; server: Server }> = {};
  const gateways: TestGatewayInstance[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    [nats, haproxy] = await Promise.all([
      startNatsServer(),
      startHaproxy({ services: [{ name: 'chat' }], slots: 4 }),
    ]);
    for (const name of ['blue1', 'blue2', 'green1', 'green2'])
      backends[name] = await startBackend(name);
    const config = loadConfig(TrafficShifterConfigSchema, {
      NATS_URL: nats.url,
      HAPROXY_SOCKET: haproxy.socket,
      HAPROXY_SLOTS: '4',
      CONFIRM_TIMEOUT_MS: '5000',
    });
    const ref = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ component: COMPONENT, logLevel: 'error' }),
        BusModule.forRoot({ servers: nats.url, component: COMPONENT }),
        TrafficModule.register(config),
      ],
    }).compile();
    app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen();
    bus = ref.get(EventBus);
    registry = ref.get(METRICS_REGISTRY);
    client = await connect({ servers: nats.url });
    routes = await client.jetstream().views.kv(ROUTES_BUCKET);
  });

  afterAll(async () => {
    for (const gateway of gateways) gateway.stop();
    await Promise.all(
      Object.values(backends).map(
        ({ server }) =>
          new Promise((resolve) => {
            server.closeAllConnections();
            server.close(resolve);
          }),
      ),
    );
    await client?.close();
    await app?.close();
    await Promise.all([nats?.dispose(), haproxy?.dispose()]);
  });

  async function gateway(id: string, held: string[] = []): Promise<TestGatewayInstance> {
    const instance = await TestGatewayInstance.start(client, id, held);
    gateways.push(instance);
    return instance;
  }

  function command(
    service: string,
    data: Omit<TrafficSetCommand['data'], 'service'>,
    deploymentId = ulid(),
  ): TrafficSetCommand {
    return {
      id: `${deploymentId}-${data.version}.traffic.set`,
      type: 'traffic.set',
      deploymentId,
      service,
      seq: data.version,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: null,
      data: { service, ...data },
    };
  }

  async function send(message: TrafficSetCommand): Promise<void> {
    await bus.sendCommand('traffic.set', message.service, message, { msgID: message.id });
  }

  async function answer(message: TrafficSetCommand, timeoutMs = 10_000): Promise<Event> {
    return waitFor(
      async () => {
        const stored = await bus.read<Event>(deploymentEventsFilter(message.deploymentId));
        return stored.map((m) => m.data).find((e) => e.causationId === message.id);
      },
      { timeoutMs, what: `an answer to ${message.id}` },
    );
  }

  async function answers(message: TrafficSetCommand): Promise<Event[]> {
    const stored = await bus.read<Event>(deploymentEventsFilter(message.deploymentId));
    return stored.map((m) => m.data).filter((e) => e.causationId === message.id);
  }

  async function stored(
    service: string,
  ): Promise<{ table: RoutingTable; revision: number } | null> {
    const entry = await routes.get(service);
    return entry ? { table: entry.json<RoutingTable>(), revision: entry.revision } : null;
  }

  /** Sends `n` requests through HAProxy one after another and counts who answered. */
  async function countPools(n: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const response = await fetch(`${haproxy.url('chat')}/v1/chat/completions`);
      const pool = response.headers.get('x-greenlight-pool') ?? `status ${response.status}`;
      await response.text();
      counts[pool] = (counts[pool] ?? 0) + 1;
    }
    return counts;
  }

  const pool = (...names: string[]) => ({
    release: names[0]!.startsWith('blue') ? 'v1' : 'v2',
    endpoints: names.map((n) => backends[n]!.url),
  });

  describe('HAProxy and the routes bucket', () => {
    it('applies the first table of a service and confirms it at once when no gateway runs', async () => {
      const first = command('chat', {
        version: 1,
        weights: { blue: 100, green: 0 },
        pools: { blue: pool('blue1', 'blue2'), green: null },
      });

      await send(first);

      expect(await answer(first)).toMatchObject({
        type: 'traffic.shifted',
        actor: 'system:traffic-shifter',
        data: { weights: { blue: 100, green: 0 }, version: 1, requestedAt: first.at },
      });
      expect((await stored('chat'))?.table).toEqual({
        service: 'chat',
        version: 1,
        affinity: 'session',
        pools: { blue: { ...pool('blue1', 'blue2'), weight: 100 }, green: null },
      });
      expect(await countPools(20)).toEqual({ blue: 20 });
    });

    it('ramps a canary 1 → 25 → 100 % through HAProxy and rolls back to blue', async () => {
      const id = ulid();
      const canary = command(
        'chat',
        {
          version: 2,
          weights: { blue: 99, green: 1 },
          pools: { blue: pool('blue1', 'blue2'), green: pool('green1', 'green2') },
        },
        id,
      );
      await send(canary);
      expect((await answer(canary)).type).toBe('traffic.shifted');
      const servers = await haproxy.servers('chat');
      expect(servers.map((s) => [s.server, s.weight, s.opState])).toEqual([
        ['blue1', 99, 2],
        ['blue2', 99, 2],
        ['blue3', 1, 0],
        ['blue4', 1, 0],
        ['green1', 1, 2],
        ['green2', 1, 2],
        ['green3', 1, 0],
        ['green4', 1, 0],
      ]);
      const atOne = await countPools(200);
      expect(atOne['green']).toBeGreaterThanOrEqual(1);
      expect(atOne['green']).toBeLessThanOrEqual(4);

      const quarter = command('chat', { version: 3, weights: { blue: 75, green: 25 } }, id);
      await send(quarter);
      expect((await answer(quarter)).type).toBe('traffic.shifted');
      const atQuarter = await countPools(200);
      expect(atQuarter['green']).toBeGreaterThanOrEqual(40);
      expect(atQuarter['green']).toBeLessThanOrEqual(60);
      expect(atQuarter['blue']).toBe(200 - atQuarter['green']!);

      const full = command('chat', { version: 4, weights: { blue: 0, green: 100 } }, id);
      await send(full);
      expect((await answer(full)).type).toBe('traffic.shifted');
      expect(await countPools(20)).toEqual({ green: 20 });

      const rollback = command('chat', { version: 5, weights: { blue: 100, green: 0 } }, id);
      await send(rollback);
      expect((await answer(rollback)).type).toBe('traffic.shifted');
      expect(await countPools(20)).toEqual({ blue: 20 });
    });

    it('lets a stream in flight on blue finish after blue lost all its weight', async () => {
      const stream = fetch(`${haproxy.url('chat')}/stream`).then(async (r) => ({
        pool: r.headers.get('x-greenlight-pool'),
        body: await r.text(),
      }));
      await sleep(200); // the stream has started on blue

      const flip = command('chat', { version: 6, weights: { blue: 0, green: 100 } });
      await send(flip);
      expect((await answer(flip)).type).toBe('traffic.shifted');
      expect(await countPools(4)).toEqual({ green: 4 });

      const { pool: streamedFrom, body } = await stream;
      expect(streamedFrom).toBe('blue');
      expect(body.match(/^data: blue\d \d$/gm)).toHaveLength(10);
      expect(body).toContain('data: [DONE]');
    });

    it('refuses bad commands with a reason, leaving the bucket and HAProxy as they were', async () => {
      const before = { entry: await stored('chat'), servers: await haproxy.servers('chat') };
      const id = ulid();

      const stale = command('chat', { version: 2, weights: { blue: 50, green: 50 } }, id);
      await send(stale);
      expect(await answer(stale)).toMatchObject({
        type: 'command.rejected',
        data: {
          command: 'traffic.set',
          reason: 'version 2 of chat is stale: version 6 is already applied (versions only grow)',
        },
      });

      const unknown = command('summarize', { version: 1, weights: { blue: 100, green: 0 } }, id);
      await send(unknown);
      expect(await answer(unknown)).toMatchObject({
        type: 'command.rejected',
        data: {
          reason:
            'no routing table for service summarize yet: its first traffic.set must give the pools',
        },
      });

      const tooMany = command(
        'chat',
        {
          version: 7,
          weights: { blue: 50, green: 50 },
          pools: {
            blue: pool('blue1'),
            green: pool('green1', 'green2', 'green1', 'green2', 'green1'),
          },
        },
        id,
      );
      await send(tooMany);
      expect(await answer(tooMany)).toMatchObject({
        type: 'command.rejected',
        data: {
          reason:
            'green pool of chat has 5 endpoints, but HAProxy backend gl_chat has 4 green slots (HAPROXY_SLOTS)',
        },
      });

      const notSumming = command('chat', { version: 8, weights: { blue: 60, green: 60 } }, id);
      await send(notSumming);
      const rejection = await waitFor(
        async () => {
          const all = await bus.read<Event>(SUBJECTS.commandRejected);
          return all.map((m) => m.data).find((e) => e.causationId === notSumming.id);
        },
        { what: 'the transport rejection' },
      );
      expect(rejection.data['reason']).toMatch(/^data\.weights: .*sum to 100/);

      expect(await stored('chat')).toEqual(before.entry);
      expect(await stored('summarize')).toBeNull();
      const after = await haproxy.servers('chat');
      const comparable = (s: typeof after) =>
        s.map(({ server, addr, port, weight, opState }) => ({
          server,
          addr,
          port,
          weight,
          opState,
        }));
      expect(comparable(after)).toEqual(comparable(before.servers));
    });
  });

  describe('embedded gateway instances', () => {
    it('says traffic.shifted only after the live gateway instance acknowledged the table', async () => {
      const gw = await gateway('gw-hold', ['embed']);
      await sleep(HEARTBEAT_MS); // its heartbeat has reached the shifter
      const first = command('embed', {
        version: 1,
        weights: { blue: 100, green: 0 },
        pools: { blue: pool('blue1'), green: null },
      });

      await send(first);
      await waitFor(async () => (await stored('embed'))?.table.version === 1, {
        what: 'the table in the bucket',
      });
      await sleep(500);
      expect(await answers(first)).toEqual([]);

      gw.release('embed');
      expect(await answer(first)).toMatchObject({
        type: 'traffic.shifted',
        data: { version: 1 },
      });
    });

    it('stops waiting for a gateway instance that fell silent', async () => {
      await gateway('gw-fine');
      const fading = await gateway('gw-fading', ['fade']);
      await sleep(HEARTBEAT_MS);
      const first = command('fade', {
        version: 1,
        weights: { blue: 100, green: 0 },
        pools: { blue: pool('blue1'), green: null },
      });

      await send(first);
      await waitFor(async () => (await stored('fade'))?.table.version === 1, {
        what: 'the table in the bucket',
      });
      fading.silence();

      expect(await answer(first)).toMatchObject({ type: 'traffic.shifted', data: { version: 1 } });
    });

    it('retries while an instance that is alive does not acknowledge, and confirms once it does', async () => {
      const slow = await gateway('gw-slow', ['late']);
      await sleep(HEARTBEAT_MS);
      const first = command('late', {
        version: 1,
        weights: { blue: 100, green: 0 },
        pools: { blue: pool('blue1'), green: null },
      });

      await send(first);
      await waitFor(
        async () =>
          (await registry.metrics()).includes(
            'greenlight_traffic_changes_total{outcome="failed",component="traffic-shifter"}',
          ),
        { timeoutMs: 15_000, what: 'the unconfirmed attempt to fail' },
      );
      expect(await answers(first)).toEqual([]);

      slow.release('late');
      expect(await answer(first)).toMatchObject({ type: 'traffic.shifted', data: { version: 1 } });
    });

    it('confirms a repeated command again without writing a new revision', async () => {
      const data = {
        version: 1,
        weights: { blue: 100, green: 0 },
        pools: { blue: pool('blue1'), green: null },
      };
      const first = command('repeat', data);
      await send(first);
      expect((await answer(first)).type).toBe('traffic.shifted');
      const revision = (await stored('repeat'))?.revision;

      const again = command('repeat', data);
      await send(again);

      expect(await answer(again)).toMatchObject({ type: 'traffic.shifted', data: { version: 1 } });
      expect((await stored('repeat'))?.revision).toBe(revision);
    });
  });
});
