import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { BusModule, EventBus, JetStreamServer } from '@greenlight/bus';
import { deploymentEventsFilter, loadConfig, type Envelope } from '@greenlight/contracts';
import { METRICS_REGISTRY, TelemetryModule } from '@greenlight/telemetry';
import { startNatsServer, waitFor, type ServerHandle } from '@greenlight/testing';
import { TrafficShifterConfigSchema } from '../../config/traffic-shifter.config';
import type { TrafficSetCommand } from '../../traffic/traffic-shifter.service';
import { TrafficModule } from '../../traffic/traffic.module';

const COMPONENT = 'traffic-shifter';
const TOKEN = 'sa-token-for-the-traffic-shifter';
const ROUTE_PATH = '/apis/gateway.networking.k8s.io/v1/namespaces/ml/httproutes/chat-route';
/** How long the fake Gateway controller takes to reconcile a new generation. */
const RECONCILE_MS = 300;

type Event = Envelope<Record<string, unknown>>;
type Json = Record<string, unknown>;
interface Meta {
  generation: number;
  resourceVersion: string;
}

/**
 * The Kubernetes API server for one HTTPRoute, plus the Gateway controller that reconciles it:
 * bearer auth, merge patches guarded by resourceVersion, generation bumps on spec changes, and a
 * status written RECONCILE_MS after each change (Accepted=True, or False while `refusing`).
 */
class FakeApiServer {
  readonly requests: { method: string; path: string; contentType?: string }[] = [];
  route: Json = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'chat-route', namespace: 'ml', generation: 1, resourceVersion: '1' },
    spec: {
      parentRefs: [{ name: 'public', namespace: 'gateway' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [] }],
    },
  };
  /** When each generation was reported Accepted=True. */
  readonly acceptedAt = new Map<number, number>();
  refusing = false;
  private server?: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  get meta(): Meta {
    return this.route['metadata'] as Meta;
  }

  get backendRefs(): unknown {
    return (this.route['spec'] as { rules: Json[] }).rules[0]!['backendRefs'];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The controller looks at the route again (after `refusing` changed). */
  reconcile(): void {
    const generation = this.meta.generation;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const accepted = this.refusing
        ? {
            status: 'False',
            reason: 'NotAllowedByListeners',
            message: 'no listener allows routes from namespace ml',
          }
        : { status: 'True', reason: 'Accepted', message: 'Route is accepted' };
      this.route['status'] = {
        parents: [
          {
            parentRef: {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              namespace: 'gateway',
              name: 'public',
            },
            controllerName: 'example.net/gateway-controller',
            conditions: [{ type: 'Accepted', observedGeneration: generation, ...accepted }],
          },
        ],
      };
      if (!this.refusing) this.acceptedAt.set(generation, Date.now());
    }, RECONCILE_MS);
    this.timers.add(timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const contentType = req.headers['content-type'];
    this.requests.push({
      method: req.method!,
      path: req.url!,
      ...(contentType ? { contentType } : {}),
    });
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return answer(401, { message: 'Unauthorized' });
    if (req.url !== ROUTE_PATH) return answer(404, { message: 'not found' });
    if (req.method === 'GET') return answer(200, this.route);
    if (req.method !== 'PATCH') return answer(405, { message: 'method not allowed' });
    if (contentType !== 'application/merge-patch+json') {
      return answer(415, { message: `unsupported patch type ${contentType}` });
    }
    const patch = JSON.parse(text) as { metadata: { resourceVersion: string }; spec: Json };
    if (patch.metadata.resourceVersion !== this.meta.resourceVersion) {
      return answer(409, { message: 'the object has been modified' });
    }
    this.route['spec'] = { ...(this.route['spec'] as Json), ...patch.spec };
    this.meta.generation++;
    this.meta.resourceVersion = String(Number(this.meta.resourceVersion) + 1);
    this.reconcile();
    return answer(200, this.route);
  }
}

describe('traffic.set through a Gateway API HTTPRoute (real nats-server, loopback API server)', () => {
  let nats: ServerHandle;
  let api: FakeApiServer;
  let app: INestMicroservice;
  let bus: EventBus;
  let registry: Registry;
  let secrets: string;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    secrets = mkdtempSync(join(tmpdir(), 'gl-sa-'));
    writeFileSync(join(secrets, 'token'), `${TOKEN}\n`);
    api = new FakeApiServer();
    const [natsHandle, apiUrl] = await Promise.all([startNatsServer(), api.start()]);
    nats = natsHandle;
    const config = loadConfig(TrafficShifterConfigSchema, {
      NATS_URL: nats.url,
      TRAFFIC_HTTPROUTE: 'chat=ml/chat-route',
      KUBE_API_URL: apiUrl,
      KUBE_TOKEN_FILE: join(secrets, 'token'),
      KUBE_CA_FILE: join(secrets, 'ca.crt'), // absent: plain HTTP here
      CONFIRM_TIMEOUT_MS: '2000',
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
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.dispose(), api?.stop()]);
    rmSync(secrets, { recursive: true, force: true });
  });

  const deploymentId = ulid();

  function command(data: Omit<TrafficSetCommand['data'], 'service'>): TrafficSetCommand {
    return {
      id: `${deploymentId}-${data.version}.traffic.set`,
      type: 'traffic.set',
      deploymentId,
      service: 'chat',
      seq: data.version,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: null,
      data: { service: 'chat', ...data },
    };
  }

  async function send(message: TrafficSetCommand): Promise<void> {
    await bus.sendCommand('traffic.set', message.service, message, { msgID: message.id });
  }

  async function events(message: TrafficSetCommand): Promise<Event[]> {
    const stored = await bus.read<Event>(deploymentEventsFilter(message.deploymentId));
    return stored.map((m) => m.data).filter((e) => e.causationId === message.id);
  }

  async function answer(message: TrafficSetCommand, timeoutMs = 10_000): Promise<Event> {
    return waitFor(async () => (await events(message))[0], {
      timeoutMs,
      what: `an answer to ${message.id}`,
    });
  }

  const blue = { release: 'v1', endpoints: ['http://chat-v1.ml.svc:8000'] };
  const green = {
    release: 'v2',
    endpoints: ['http://chat-v2.ml.svc:8000', 'http://chat-v2.ml.svc:8000'],
  };

  it('writes the weights into the HTTPRoute and answers traffic.shifted only once the Gateway accepted them', async () => {
    const first = command({
      version: 1,
      weights: { blue: 100, green: 0 },
      pools: { blue, green: null },
    });
    await send(first);
    expect(await answer(first)).toMatchObject({ type: 'traffic.shifted', data: { version: 1 } });
    expect(api.backendRefs).toEqual([{ name: 'chat-v1', port: 8000, weight: 100 }]);

    const canary = command({ version: 2, weights: { blue: 99, green: 1 }, pools: { blue, green } });
    await send(canary);
    const shifted = await answer(canary);

    expect(shifted).toMatchObject({
      type: 'traffic.shifted',
      actor: 'system:traffic-shifter',
      data: { weights: { blue: 99, green: 1 }, version: 2 },
    });
    expect(api.backendRefs).toEqual([
      { name: 'chat-v1', port: 8000, weight: 99 },
      { name: 'chat-v2', port: 8000, weight: 1 },
    ]);
    expect(api.meta.generation).toBe(3);
    const appliedAt = Date.parse(shifted.data['appliedAt'] as string);
    expect(appliedAt).toBeGreaterThanOrEqual(api.acceptedAt.get(3)!);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([
      { method: 'PATCH', path: ROUTE_PATH, contentType: 'application/merge-patch+json' },
      { method: 'PATCH', path: ROUTE_PATH, contentType: 'application/merge-patch+json' },
    ]);
  });

  it('retries while the Gateway refuses the route, and answers once it accepts it', async () => {
    api.refusing = true;
    const quarter = command({ version: 3, weights: { blue: 75, green: 25 } });

    await send(quarter);
    await waitFor(
      async () =>
        (await registry.metrics()).includes(
          'greenlight_traffic_changes_total{outcome="failed",component="traffic-shifter"}',
        ),
      { timeoutMs: 10_000, what: 'the unconfirmed attempt to fail' },
    );
    expect(await events(quarter)).toEqual([]);
    const generation = api.meta.generation;

    api.refusing = false;
    api.reconcile();

    expect(await answer(quarter)).toMatchObject({ type: 'traffic.shifted', data: { version: 3 } });
    // The retry found its weights in place: no second write, no new generation.
    expect(api.meta.generation).toBe(generation);
    expect(api.backendRefs).toEqual([
      { name: 'chat-v1', port: 8000, weight: 75 },
      { name: 'chat-v2', port: 8000, weight: 25 },
    ]);
  });

  it('refuses a green pool that is not a Kubernetes Service, leaving the HTTPRoute as it was', async () => {
    const before = structuredClone(api.route);
    const direct = command({
      version: 4,
      weights: { blue: 50, green: 50 },
      pools: { blue, green: { release: 'v3', endpoints: ['http://10.1.2.3:8000'] } },
    });

    await send(direct);

    expect(await answer(direct)).toMatchObject({
      type: 'command.rejected',
      data: {
        command: 'traffic.set',
        reason: expect.stringContaining(
          'green endpoint http://10.1.2.3:8000 of chat is not a Kubernetes Service address',
        ) as unknown,
      },
    });
    expect(api.route).toEqual(before);
  });
});
