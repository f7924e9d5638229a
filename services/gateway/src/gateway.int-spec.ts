import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StorageType, type KV, type NatsConnection } from 'nats';
import {
  DATA_PLANE_SUBJECTS,
  DataPlaneAckSchema,
  gatewayMetricsSubject,
  GatewayHeartbeatSchema,
  GatewayMetricsSchema,
  loadConfig,
  ROUTES_BUCKET,
  type DataPlaneAck,
  type GatewayMetrics,
  type RoutingTable,
} from '@greenlight/contracts';
import {
  freePort,
  sseData,
  startNatsServer,
  startRedisServer,
  startSimulator,
  waitFor,
  type ServerHandle,
  type SimulatorHandle,
} from '@greenlight/testing';
import { GatewayConfigSchema } from './config/gateway.config';
import { startGateway, type GatewayHandle } from './gateway-server';

const ITL_MS = 40;
const INSTANCE = 'gw-int';

describe('gateway (in process, real nats-server and simulators)', () => {
  let dir: string;
  let nats: ServerHandle;
  let redis: ServerHandle;
  let nc: NatsConnection;
  let kv: KV;
  let blue1: SimulatorHandle;
  let blue2: SimulatorHandle;
  let green: SimulatorHandle;
  let gateway: GatewayHandle;
  let version = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-int-'));
    const simArgs = ['--itl', `${ITL_MS}ms`, '--ttft-overhead', '5ms'];
    [nats, redis, blue1, blue2, green] = await Promise.all([
      startNatsServer(),
      startRedisServer(),
      startSimulator({ model: 'chat', version: 'v1', args: simArgs }),
      startSimulator({ model: 'chat', version: 'v1', args: simArgs }),
      startSimulator({ model: 'chat', version: 'v2', args: simArgs }),
    ]);
    gateway = await startGateway(
      loadConfig(GatewayConfigSchema, {
        NATS_URL: nats.url,
        REDIS_URL: redis.url,
        PORT: '0',
        LOG_LEVEL: 'error',
        GATEWAY_INSTANCE: INSTANCE,
        ROUTES_FILE: join(dir, 'routes.json'),
      }),
    );
    nc = await connect({ servers: nats.url });
    kv = await nc.jetstream().views.kv(ROUTES_BUCKET, { history: 5, storage: StorageType.File });
  });

  afterAll(async () => {
    await nc?.close();
    await gateway?.close(1_000);
    await Promise.all([blue1, blue2, green].map((sim) => sim?.kill()));
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  function table(
    pools: { blue?: [number, string[]]; green?: [number, string[]] },
    v = ++version,
  ): RoutingTable {
    const pool = (release: string, spec?: [number, string[]]) =>
      spec ? { release, weight: spec[0], endpoints: spec[1] } : null;
    return {
      service: 'chat',
      version: v,
      affinity: 'session',
      pools: { blue: pool('v1', pools.blue), green: pool('v2', pools.green) },
    };
  }

  /** Resolves with the first message on `subject` that `match` accepts, or undefined after `ms`. */
  function nextMessage<T>(subject: string, match: (data: T) => boolean, ms = 5_000) {
    const sub = nc.subscribe(subject);
    const timer = setTimeout(() => sub.unsubscribe(), ms);
    return (async (): Promise<T | undefined> => {
      for await (const msg of sub) {
        const data = msg.json<T>();
        if (match(data)) {
          clearTimeout(timer);
          sub.unsubscribe();
          return data;
        }
      }
      return undefined;
    })();
  }

  /** Puts the table in the KV bucket and resolves with this gateway's ack (undefined: none came). */
  async function putTable(routes: RoutingTable, ms = 5_000): Promise<DataPlaneAck | undefined> {
    const ack = nextMessage<DataPlaneAck>(
      DATA_PLANE_SUBJECTS.ack,
      (a) =>
        a.instance === INSTANCE && a.service === routes.service && a.version === routes.version,
      ms,
    );
    await nc.flush();
    await kv.put(routes.service, JSON.stringify(routes));
    return ack;
  }

  function complete(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        model: 'chat',
        messages: [{ role: 'user', content: 'Say something' }],
        max_tokens: 3,
        ...body,
      }),
    });
  }

  async function metricsText(): Promise<string> {
    return (await fetch(`${gateway.url}/metrics`)).text();
  }

  it('applies a table put in the KV bucket, acks its version and routes by it', async () => {
    const routes = table({ blue: [100, [blue1.url, blue2.url]], green: [0, [green.url]] });
    const heartbeat = nextMessage<unknown>(
      DATA_PLANE_SUBJECTS.heartbeat,
      (h) => (h as { tables?: Record<string, number> }).tables?.['chat'] === routes.version,
    );

    const ack = await putTable(routes);
    const response = await complete({});

    expect(DataPlaneAckSchema.parse(ack)).toEqual({
      instance: INSTANCE,
      service: 'chat',
      version: routes.version,
      appliedAt: expect.any(String),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-greenlight-pool')).toBe('blue');
    expect(response.headers.get('x-greenlight-version')).toBe('v1');
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
    expect(GatewayHeartbeatSchema.parse(await heartbeat)).toEqual({
      instance: INSTANCE,
      at: expect.any(String),
      tables: { chat: routes.version },
    });
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((m) => m.id)).toEqual(['chat']);
  });

  it('streams chunk by chunk: the first tokens arrive long before the stream ends', async () => {
    await putTable(table({ blue: [100, [blue1.url]] }));
    const sent = Date.now();
    const response = await complete({ stream: true, max_tokens: 12 });
    const arrivals: { at: number; data: string }[] = [];
    for await (const data of sseData(response)) arrivals.push({ at: Date.now() - sent, data });

    const firstContent = arrivals.find((a) => /"content":"[^"]/.test(a.data));
    const end = arrivals[arrivals.length - 1]!;
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-greenlight-pool')).toBe('blue');
    expect(end.data).toBe('[DONE]');
    // 12 tokens ~40 ms apart: buffered, everything would arrive at once at the end.
    expect(end.at - firstContent!.at).toBeGreaterThan(5 * ITL_MS);
  });

  it('answers an unknown model with 404 naming it, bad JSON and a missing model with 400', async () => {
    const unknown = await complete({ model: 'no-such-model' });
    const badJson = await fetch(`${gateway.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "chat",',
    });
    const noModel = await fetch(`${gateway.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'hi' }),
    });

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: {
        message: expect.stringContaining('`no-such-model` does not exist'),
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { message: string } }).error.message).toMatch(
      /^request body is not valid JSON/,
    );
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { param: string } }).error.param).toBe('model');
  });

  it('retries a refused connection on another replica of the pool', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await putTable(table({ blue: [100, [closed, blue1.url]] }));

    const responses = await Promise.all(Array.from({ length: 10 }, () => complete({})));

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(responses.map((r) => r.headers.get('x-sim-replica')))).toEqual(
      new Set([String(blue1.port)]),
    );
    const retried = new RegExp(
      `greenlight_gateway_upstream_retries_total\\{[^}]*replica="${closed}"[^}]*\\} ([1-9]\\d*)`,
    );
    expect(await metricsText()).toMatch(retried);
  });

  it('answers 502 naming the pool when none of its replicas can be reached', async () => {
    const closed = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    await putTable(table({ blue: [100, closed] }));

    const response = await complete({});

    expect(response.status).toBe(502);
    expect(response.headers.get('x-greenlight-pool')).toBe('blue');
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringMatching(/^the blue pool \(v1\) could not be reached: /),
        type: 'api_error',
        param: null,
        code: null,
      },
    });
  });

  it('ignores a stale version: no ack, and the newer table stays in force', async () => {
    const newer = table({ green: [100, [green.url]] }, version + 2);
    const stale = table({ blue: [100, [blue1.url]] }, version + 1);
    version += 2;
    await putTable(newer);

    const ack = await putTable(stale, 1_500);
    const response = await complete({});

    expect(ack).toBeUndefined();
    expect(response.headers.get('x-greenlight-pool')).toBe('green');
    expect(response.headers.get('x-greenlight-version')).toBe('v2');
  });

  it('lets a running stream finish on its replica when the table flips', async () => {
    await putTable(table({ blue: [100, [blue1.url]], green: [0, [green.url]] }));
    const long = await complete({ stream: true, max_tokens: 25 });
    const events = sseData(long);
    const first = await events.next();

    await putTable(table({ blue: [0, [blue1.url]], green: [100, [green.url]] }));
    const after = await complete({});
    const rest: string[] = [];
    for await (const data of events) rest.push(data);

    expect(first.done).toBe(false);
    expect(long.headers.get('x-greenlight-pool')).toBe('blue');
    expect(after.headers.get('x-greenlight-pool')).toBe('green');
    expect(rest[rest.length - 1]).toBe('[DONE]');
    const all = [first.done ? '' : first.value, ...rest];
    expect(all.filter((d) => /"content":"[^"]/.test(d))).toHaveLength(25);
  });

  it('aborts the replica’s request when the client walks away mid-stream', async () => {
    await putTable(table({ blue: [100, [blue2.url]] }));
    const running = async () => {
      const text = await (await fetch(`${blue2.url}/metrics`)).text();
      return Number(/^vllm:num_requests_running\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    const response = await complete({ stream: true, max_tokens: 500 });
    const reader = response.body!.getReader();
    await reader.read();
    expect(await running()).toBe(1);

    await reader.cancel();

    // 500 tokens at 40 ms would keep it busy for 20 s.
    await waitFor(async () => (await running()) === 0, { timeoutMs: 5_000, what: 'replica idle' });
    await waitFor(
      async () =>
        /greenlight_gateway_aborted_streams_total\{[^}]*release="v1",replica="[^"]+",reason="client"[^}]*\} 1/.test(
          await metricsText(),
        ),
      { timeoutMs: 3_000, what: 'client abort counted' },
    );
  });

  it('publishes cumulative per-pool metrics on NATS every second', async () => {
    await putTable(table({ blue: [50, [blue1.url, blue2.url]], green: [50, [green.url]] }));
    const subject = gatewayMetricsSubject('chat');
    const before = await nextMessage<GatewayMetrics>(subject, () => true);

    const seen = { blue: 0, green: 0 };
    for (let i = 0; i < 30; i++) {
      const response = await complete({ max_tokens: 1 }, { 'x-session-id': `user-${i}` });
      await response.arrayBuffer();
      seen[response.headers.get('x-greenlight-pool') as 'blue' | 'green']++;
    }
    const requests = (m: GatewayMetrics | undefined, pool: 'blue' | 'green') =>
      m?.pools[pool]?.requests ?? 0;
    const after = await nextMessage<GatewayMetrics>(
      subject,
      (m) =>
        requests(m, 'blue') - requests(before, 'blue') === seen.blue &&
        requests(m, 'green') - requests(before, 'green') === seen.green,
    );

    expect(seen.blue).toBeGreaterThan(0);
    expect(seen.green).toBeGreaterThan(0);
    const snapshot = GatewayMetricsSchema.parse(after);
    expect(snapshot).toMatchObject({ instance: INSTANCE, service: 'chat', version });
    expect(snapshot.pools.green).toMatchObject({ release: 'v2', inFlight: 0 });
    expect(Object.keys(snapshot.pools.blue!.replicas).sort()).toEqual(
      [blue1.url, blue2.url].sort(),
    );
    expect(snapshot.pools.green!.ttft.count - (before?.pools.green?.ttft.count ?? 0)).toBe(
      seen.green,
    );
  });
});
