import { connect, type NatsConnection } from 'nats';
import { ROUTES_BUCKET } from '@greenlight/contracts';
import { seedLiveRelease, deployRequest } from '@greenlight/fixtures';
import {
  startSimulator,
  startStack,
  waitFor,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { apiClient, cliFor, type PhaseEvent } from '../support/api.util';

const SERVICE = 'chat-rb';
const SIM =
  'greenlight-sim --port {port} --model {model} --version {version} --chat-template {template}';

interface Routes {
  version: number;
  pools: { blue: { weight: number; release: string } | null; green: { weight: number } | null };
}

async function poolsServing(gateway: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const response = await fetch(`${gateway}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': `s-${i}-${Math.random()}` },
        body: JSON.stringify({
          model: SERVICE,
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 2,
        }),
      });
      await response.text();
      if (response.status !== 200) throw new Error(`gateway answered ${response.status}`);
      const pool = response.headers.get('x-greenlight-pool') ?? 'none';
      counts[pool] = (counts[pool] ?? 0) + 1;
    }),
  );
  return counts;
}

describe('canary and rollback: the orchestrator drives the traffic-shifter, the gateway applies it', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let api: ReturnType<typeof apiClient>;
  const blue: SimulatorHandle[] = [];
  const others: SimulatorHandle[] = [];

  beforeAll(async () => {
    stack = await startStack({ logDir: 'tmp/e2e-logs/canary-rollback' });
    nc = await connect({ servers: stack.nats });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    for (let i = 0; i < 2; i++) blue.push(await startSimulator({ model: SERVICE, version: 'v1' }));
    await seedLiveRelease(
      stack.redis,
      SERVICE,
      'v1',
      blue.map((s) => s.url),
    );
  });
  afterAll(async () => {
    await Promise.all([...blue, ...others].map((s) => s.stop()));
    await nc?.close();
    await stack?.dispose();
  });

  const phasesOf = async (id: string) =>
    (await api.get<{ items: PhaseEvent[] }>(`/v1/deployments/${id}/events`)).body.items
      .filter((e) => e.type === 'deployment.phase_changed')
      .map((e) => e.data.to);

  it('a verified release takes its canary share through the gateway, and a rollback puts every new request back on blue', async () => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, 'v2', {
        pool: { driver: 'process', replicas: 2, command: SIM },
        strategy: {
          readiness: { timeout: '60s', warmupRequests: 1 },
          steps: [{ weight: 50, bake: '10m' }, { weight: 100 }],
        },
      }),
    );
    expect(created.status).toBe(202);
    const id = created.body.id;
    await waitFor(async () => (await phasesOf(id)).includes('Verifying'), {
      what: 'Verifying',
      timeoutMs: 60_000,
    });

    const canary = await waitFor(
      async () => {
        const d = (
          await api.get<{ phase: string; weights: { green: number } }>(`/v1/deployments/${id}`)
        ).body;
        return d.phase === 'Canary' && d.weights.green === 50 ? d : undefined;
      },
      { what: 'the canary split confirmed by the data plane', timeoutMs: 30_000 },
    );
    expect(canary.phase).toBe('Canary');
    const routes = await api.get<Routes>(`/v1/services/${SERVICE}/routes`);
    expect(routes.body.pools.blue).toMatchObject({ release: 'v1', weight: 50 });
    expect(routes.body.pools.green).toMatchObject({ weight: 50 });
    const split = await poolsServing(stack.urls.gateway, 200);
    expect(split['blue']).toBeGreaterThan(50);
    expect(split['green']).toBeGreaterThan(50);

    const rollback = await api.post<{ phase: string }>(`/v1/deployments/${id}/rollback`, {
      reason: 'e2e',
    });
    expect(rollback.status).toBe(202);
    await waitFor(async () => (await phasesOf(id)).includes('RolledBack'), {
      what: 'RolledBack',
      timeoutMs: 30_000,
    });

    expect(await poolsServing(stack.urls.gateway, 200)).toEqual({ blue: 200 });
    const phases = await phasesOf(id);
    expect(phases).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'RollingBack',
      'RolledBack',
    ]);
    const after = await api.get<Routes>(`/v1/services/${SERVICE}/routes`);
    expect(after.body.version).toBeGreaterThan(routes.body.version);
    expect(after.body.pools.blue).toMatchObject({ release: 'v1', weight: 100 });
    // A second rollback of an ended deployment is refused and changes nothing.
    const again = await api.post(`/v1/deployments/${id}/rollback`);
    expect(again.status).toBe(409);
  });

  it('a routing counter behind the data plane (Redis restored from an older copy) is moved past it, and the canary still starts', async () => {
    const service = 'chat-rv';
    const sims = [
      await startSimulator({ model: service, version: 'v1' }),
      await startSimulator({ model: service, version: 'v2' }),
    ];
    others.push(...sims);
    const [v1, v2] = sims.map((sim) => sim.url) as [string, string];
    await seedLiveRelease(stack.redis, service, 'v1', [v1]);
    // The data plane already serves version 1000 of this service's table.
    const kv = await nc.jetstream().views.kv(ROUTES_BUCKET, { history: 5 });
    await kv.put(
      service,
      JSON.stringify({
        service,
        version: 1000,
        affinity: 'session',
        pools: { blue: { release: 'v1', endpoints: [v1], weight: 100 }, green: null },
      }),
    );

    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(service, 'v2', {
        pool: { driver: 'static', endpoints: [v2] },
        strategy: {
          readiness: { timeout: '30s', warmupRequests: 1 },
          steps: [{ weight: 10, bake: '10m' }, { weight: 100 }],
        },
      }),
    );
    const id = created.body.id;
    await waitFor(async () => (await phasesOf(id)).includes('Verifying'), {
      what: 'Verifying',
      timeoutMs: 60_000,
    });

    const canary = await waitFor(
      async () => {
        const d = (
          await api.get<{ phase: string; weights: { green: number }; routingVersion: number }>(
            `/v1/deployments/${id}`,
          )
        ).body;
        return d.phase === 'Canary' && d.weights.green === 10 ? d : undefined;
      },
      { what: 'the canary confirmed past the stale version', timeoutMs: 30_000 },
    );
    expect(canary.routingVersion).toBeGreaterThan(1000);
    const routes = await api.get<Routes>(`/v1/services/${service}/routes`);
    expect(routes.body.version).toBe(canary.routingVersion);
    expect(routes.body.pools.green).toMatchObject({ weight: 10 });

    // The CLI rolls it back; asked again, it says why not and exits 1.
    const cli = cliFor(stack.urls.orchestrator, stack.operatorToken);
    const rolled = cli('rollback', id, '--reason', 'e2e via the CLI', '--json');
    expect(rolled.status).toBe(0);
    expect(JSON.parse(rolled.stdout)).toEqual({ id, phase: 'RollingBack', paused: false });
    await waitFor(async () => (await phasesOf(id)).includes('RolledBack'), {
      what: 'RolledBack',
      timeoutMs: 30_000,
    });
    const again = cli('rollback', id);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/cannot 'rollback' a deployment in phase RolledBack/);
  });

  it('each step bakes on a durable timer from the moment the data plane confirmed it, then the ramp goes on to Promoted with green at 100 %, blue drains and stays warm in Standby', async () => {
    const service = 'chat-ramp';
    const [v1, v2] = [
      await startSimulator({ model: service, version: 'v1' }),
      await startSimulator({ model: service, version: 'v2' }),
    ];
    others.push(v1, v2);
    await seedLiveRelease(stack.redis, service, 'v1', [v1.url]);
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(service, 'v2', {
        pool: { driver: 'static', endpoints: [v2.url] },
        strategy: {
          readiness: { timeout: '30s', warmupRequests: 1 },
          steps: [{ weight: 20, bake: '1s' }, { weight: 60, bake: '1s' }, { weight: 100 }],
          // No client traffic in this test: nothing to judge, so no minimum sample.
          analysis: { interval: '1s', minSamples: 0 },
          drain: { timeout: '10s' },
        },
      }),
    );
    const id = created.body.id;
    await waitFor(async () => (await phasesOf(id)).includes('Verifying'), {
      what: 'Verifying',
      timeoutMs: 60_000,
    });

    await waitFor(async () => (await phasesOf(id)).includes('Standby'), {
      what: 'Standby',
      timeoutMs: 60_000,
    });

    const events = (
      await api.get<{ items: (PhaseEvent & { at: string })[] }>(`/v1/deployments/${id}/events`)
    ).body.items;
    const shifted = events
      .filter((e) => e.type === 'traffic.shifted')
      .map((e) => (e.data as unknown as { weights: { green: number } }).weights.green);
    expect(shifted).toEqual([20, 60, 100]);
    expect(await phasesOf(id)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'Ramping',
      'Ramping',
      'Promoted',
      'Draining',
      'Standby',
    ]);
    // A bake starts when its split is confirmed, so no step is left before its second is up.
    const at = (predicate: (e: PhaseEvent) => boolean) =>
      events.filter(predicate).map((e) => Date.parse(e.at));
    const confirmed = at((e) => e.type === 'traffic.shifted');
    const left = at(
      (e) => e.type === 'deployment.phase_changed' && ['Ramping', 'Promoted'].includes(e.data.to),
    );
    expect(left[0]! - confirmed[0]!).toBeGreaterThanOrEqual(950);
    expect(left[1]! - confirmed[1]!).toBeGreaterThanOrEqual(950);
    const routes = await api.get<Routes>(`/v1/services/${service}/routes`);
    expect(routes.body.pools.green).toMatchObject({ weight: 100 });
    expect(routes.body.pools.blue).toMatchObject({ weight: 0 });
  });
});
