import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StorageType, type NatsConnection } from 'nats';
import {
  DATA_PLANE_SUBJECTS,
  ROUTES_BUCKET,
  type DataPlaneAck,
  type RoutingTable,
} from '@greenlight/contracts';
import {
  findRepoRoot,
  freePort,
  serviceEntry,
  spawnManaged,
  sseData,
  startInfra,
  startSimulator,
  waitFor,
  type Infra,
  type ManagedProcess,
  type SimulatorHandle,
} from '@greenlight/testing';

const INSTANCE = 'gw-fail-static';

interface Health {
  status: string;
  info: Record<string, unknown>;
  error: Record<string, unknown>;
  tables: Record<string, number>;
}

describe('gateway process: fail-static on its last routing table', () => {
  const root = findRepoRoot();
  let dir: string;
  let infra: Infra;
  let blue: SimulatorHandle;
  let green: SimulatorHandle;
  let nc: NatsConnection;
  let port: number;
  let url: string;
  let gateway: ManagedProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-fail-static-'));
    [infra, blue, green] = await Promise.all([
      startInfra(),
      startSimulator({ model: 'chat', version: 'v1', args: ['--itl', '5ms'] }),
      startSimulator({ model: 'chat', version: 'v2', args: ['--itl', '5ms'] }),
    ]);
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    nc = await connect({
      servers: infra.nats.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    });
  });

  afterAll(async () => {
    await gateway?.kill();
    await nc?.close();
    await Promise.all([blue?.kill(), green?.kill()]);
    await infra?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function health(): Promise<{ status: number; body: Health }> {
    const response = await fetch(`${url}/healthz`);
    return { status: response.status, body: (await response.json()) as Health };
  }

  /** The built gateway as its own process; resolves once /healthz answers (NATS or not). */
  async function startGatewayProcess(): Promise<ManagedProcess> {
    const proc = spawnManaged('gateway', process.execPath, [serviceEntry(root, 'gateway')], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: infra.nats.url,
        REDIS_URL: infra.redis.url,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        GATEWAY_INSTANCE: INSTANCE,
        ROUTES_FILE: join(dir, 'routes.json'),
      },
    });
    gateway = proc;
    await waitFor(async () => (await health()).status === 200, {
      timeoutMs: 15_000,
      what: `gateway /healthz\n${proc.output()}`,
    });
    return proc;
  }

  async function putTable(table: RoutingTable): Promise<void> {
    // The test's own connection rides out NATS restarts too; wait until it is back.
    await waitFor(async () => (await nc.rtt()) >= 0, { what: 'test NATS connection' });
    const acked = new Promise<void>((resolve) => {
      const sub = nc.subscribe(DATA_PLANE_SUBJECTS.ack, {
        callback: (_error, msg) => {
          const ack = msg.json<DataPlaneAck>();
          if (ack.instance === INSTANCE && ack.version === table.version) {
            sub.unsubscribe();
            resolve();
          }
        },
      });
    });
    await nc.flush();
    const kv = await nc.jetstream().views.kv(ROUTES_BUCKET, {
      history: 5,
      storage: StorageType.File,
    });
    await kv.put(table.service, JSON.stringify(table));
    await acked;
  }

  async function complete(stream = false) {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chat',
        messages: [{ role: 'user', content: 'hello' }],
        max_tokens: 4,
        stream,
      }),
    });
    const events: string[] = [];
    if (stream) for await (const data of sseData(response)) events.push(data);
    else await response.arrayBuffer();
    return {
      status: response.status,
      pool: response.headers.get('x-greenlight-pool'),
      version: response.headers.get('x-greenlight-version'),
      replica: response.headers.get('x-sim-replica'),
      last: events[events.length - 1],
    };
  }

  const bluePool = (version: number): RoutingTable => ({
    service: 'chat',
    version,
    affinity: 'none',
    pools: {
      blue: { release: 'v1', endpoints: [blue.url], weight: 100 },
      green: { release: 'v2', endpoints: [green.url], weight: 0 },
    },
  });

  it('serves the last table after kill -9 and a restart while NATS is stopped', async () => {
    await startGatewayProcess();
    await putTable(bluePool(1));
    const served = await complete();

    await infra.nats.stop();
    await gateway!.kill();
    await startGatewayProcess();
    const afterRestart = await Promise.all([complete(), complete(true), complete()]);
    const { status, body } = await health();

    const onBlue = { status: 200, pool: 'blue', version: 'v1', replica: String(blue.port) };
    expect(served).toMatchObject(onBlue);
    expect(afterRestart).toEqual([
      { ...onBlue, last: undefined },
      { ...onBlue, last: '[DONE]' },
      { ...onBlue, last: undefined },
    ]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'degraded', tables: { chat: 1 } });
    expect(body.error).toHaveProperty('nats');
  });

  it('keeps serving while Redis is down too', async () => {
    await infra.redis.stop();
    try {
      const answers = await Promise.all([complete(), complete(true)]);
      const { status, body } = await health();

      expect(answers.map((a) => [a.status, a.pool, a.version])).toEqual([
        [200, 'blue', 'v1'],
        [200, 'blue', 'v1'],
      ]);
      expect(status).toBe(200);
      expect(body.error).toHaveProperty('redis');
    } finally {
      await infra.redis.restart();
    }
  });

  it('applies and acks routing changes again once NATS is back', async () => {
    await infra.nats.restart();
    await waitFor(async () => 'nats' in (await health()).body.info, {
      timeoutMs: 15_000,
      what: 'gateway reconnected to NATS',
    });

    await putTable({
      ...bluePool(2),
      pools: {
        blue: { release: 'v1', endpoints: [blue.url], weight: 0 },
        green: { release: 'v2', endpoints: [green.url], weight: 100 },
      },
    });

    expect(await complete()).toMatchObject({ status: 200, pool: 'green', version: 'v2' });
    // Healthy again once both servers are back (Redis was restarted by the test before).
    const healthy = await waitFor(
      async () => ((h) => (h.status === 'ok' ? h : undefined))((await health()).body),
      { timeoutMs: 10_000, what: 'gateway healthy again' },
    );
    expect(healthy).toMatchObject({ status: 'ok', tables: { chat: 2 } });
  });

  it('follows the bucket again after NATS restarts under a running gateway', async () => {
    await infra.nats.restart();
    const during = await complete();
    await waitFor(async () => 'nats' in (await health()).body.info, {
      timeoutMs: 15_000,
      what: 'gateway reconnected to NATS',
    });

    await putTable(bluePool(3));

    expect(during).toMatchObject({ status: 200, pool: 'green' });
    expect(await complete()).toMatchObject({ status: 200, pool: 'blue', version: 'v1' });
  });
});
