import {
  deployRequest,
  ENDED_PHASES,
  FAST_CACHES,
  fastSimCommand,
  fastStrategy,
  failuresOf,
  startTraffic,
  type Traffic,
} from '@greenlight/fixtures';
import { connectionRefused, startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

/**
 * The whole pipeline on real processes: NATS, Redis, every greenlight service, simulated
 * replicas started by the process driver, and steady client traffic through the gateway (30 %
 * long streams) during every deploy. Durations are compressed; the order of phases is not.
 */
const SERVICE = 'chat-pipe';
/** The simulator answers the eval suite's questions from the suite's knowledge file. */
const SIM = fastSimCommand();

/** Steps big enough that a 20 % canary sees a sample within seconds of load. */
const STRATEGY = fastStrategy({
  steps: [{ weight: 20, bake: '4s' }, { weight: 60, bake: '3s' }, { weight: 100 }],
  // A sample big enough that a bad canary cannot pass on a lucky handful of requests.
  analysis: { maxBakeExtensions: 6, minSamples: 20 },
  standby: '3s',
});
const CACHES = FAST_CACHES;

interface DeploymentView {
  id: string;
  phase: string;
  paused: boolean;
  weights: { blue: number; green: number };
  blue: { endpoints: { url: string }[] } | null;
  green: { endpoints: { url: string }[] } | null;
  reason: string | null;
}

interface EventItem extends Omit<PhaseEvent, 'data'> {
  data: Record<string, unknown>;
}

describe('the whole pipeline: each release ends where it should, and clients never notice', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let traffic: Traffic | undefined;

  const deploy = async (version: string, simFlags = '', strategy: Record<string, unknown> = {}) => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, version, {
        pool: { driver: 'process', replicas: 2, command: `${SIM} ${simFlags}`.trim() },
        strategy: { ...STRATEGY, ...strategy },
        caches: CACHES,
      }),
    );
    expect(created.status).toBe(202);
    return created.body.id;
  };
  const get = async (id: string) => (await api.get<DeploymentView>(`/v1/deployments/${id}`)).body;
  const events = async (id: string) =>
    (await api.get<{ items: EventItem[] }>(`/v1/deployments/${id}/events`)).body.items;
  const phasesOf = async (id: string) =>
    (await events(id))
      .filter((e) => e.type === 'deployment.phase_changed')
      .map((e) => e.data['to'] as string);
  const ended = (id: string, timeoutMs = 120_000) =>
    waitFor(
      async () => {
        const d = await get(id);
        return ENDED_PHASES.includes(d.phase) ? d : undefined;
      },
      { what: `deployment ${id} to end`, timeoutMs, intervalMs: 250 },
    );
  const inPhase = (id: string, phase: string, timeoutMs = 90_000) =>
    waitFor(
      async () => {
        const d = await get(id);
        if (ENDED_PHASES.includes(d.phase) && d.phase !== phase) {
          throw new Error(`ended ${d.phase} (${d.reason ?? ''}) before reaching ${phase}`);
        }
        return d.phase === phase ? d : undefined;
      },
      { what: `${phase}`, timeoutMs, intervalMs: 200 },
    );
  /** Load for one scenario; returns what clients saw. */
  const withTraffic = async <T>(run: () => Promise<T>) => {
    traffic = startTraffic({ origin: stack.urls.gateway, model: SERVICE, clients: 8 });
    try {
      const result = await run();
      return { result, outcomes: await traffic.stop() };
    } finally {
      traffic = undefined;
    }
  };

  beforeAll(async () => {
    stack = await startStack({ logDir: 'tmp/e2e-logs/pipeline' });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    // The service's first release: no blue, so it goes to 100 % once verified and completes.
    const first = await deploy('v1');
    const done = await ended(first);
    expect(done.phase).toBe('Completed');
    expect(await phasesOf(first)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Promoted',
      'Completed',
    ]);
  });
  afterAll(async () => {
    await traffic?.stop();
    await stack?.dispose();
  });

  it('a quality regression is stopped in Verifying: Aborted, and green never served a user', async () => {
    const { result: id, outcomes } = await withTraffic(async () => {
      const id = await deploy('v2-dumb', '--quality 0.3');
      await ended(id);
      return id;
    });

    const done = await get(id);
    expect(done.phase).toBe('Aborted');
    expect(done.reason).toMatch(/verification/);
    expect(await phasesOf(id)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Aborted',
    ]);
    expect(outcomes.filter((o) => o.version === 'v2-dumb')).toEqual([]);
    expect(failuresOf(outcomes)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(20);
  });

  it('a chat template that leaks special tokens is stopped in Verifying', async () => {
    const { result: done, outcomes } = await withTraffic(async () =>
      ended(await deploy('v2-leaky', '--leak-template')),
    );

    expect(done.phase).toBe('Aborted');
    expect(done.reason).toMatch(/<\|eot_id\|>|special token|leak/i);
    expect(outcomes.filter((o) => o.version === 'v2-leaky')).toEqual([]);
    expect(failuresOf(outcomes)).toEqual([]);
  });

  it('a release that never becomes ready fails within its readiness timeout; its replicas are stopped', async () => {
    const { result: done, outcomes } = await withTraffic(async () =>
      ended(await deploy('v2-stuck', '--never-ready', { readiness: { timeout: '5s' } })),
    );

    expect(done.phase).toBe('Failed');
    expect(done.reason).toMatch(/green pool failed/);
    const ports = (done.green?.endpoints ?? []).map((e) => Number(new URL(e.url).port));
    expect(ports).toHaveLength(2);
    await waitFor(
      async () => (await Promise.all(ports.map((port) => connectionRefused(port)))).every(Boolean),
      {
        what: 'the stuck replicas stopped',
        timeoutMs: 15_000,
      },
    );
    expect(outcomes.filter((o) => o.version === 'v2-stuck')).toEqual([]);
    expect(failuresOf(outcomes)).toEqual([]);
  });

  /** A release that passes verification and goes bad under real traffic: faults switched on in the canary. */
  const regressInCanary = async (version: string, faults: Record<string, unknown>) => {
    const id = await deploy(version);
    const canary = await inPhase(id, 'Canary');
    for (const { url } of canary.green?.endpoints ?? []) {
      const response = await fetch(`${url}/admin/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
      });
      expect(response.status).toBe(200);
    }
    await ended(id);
    return id;
  };

  it('an error-rate regression is rolled back during the canary; only green answered errors', async () => {
    const { result: id, outcomes } = await withTraffic(() =>
      regressInCanary('v2-flaky', { errorRate: 0.4 }),
    );

    const done = await get(id);
    expect(done.phase).toBe('RolledBack');
    expect(done.reason).toMatch(/analysis failed at step 1/);
    expect(await phasesOf(id)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'RollingBack',
      'RolledBack',
    ]);
    // Green served (and failed) some of the canary's share; nothing else failed.
    expect(outcomes.some((o) => o.version === 'v2-flaky')).toBe(true);
    expect(failuresOf(outcomes, ['v2-flaky'])).toEqual([]);
  });

  it('a latency regression (TTFT and ITL ×3) is rolled back during the canary', async () => {
    const { result: id, outcomes } = await withTraffic(() =>
      regressInCanary('v2-slow', { latencyFactor: 3 }),
    );

    const done = await get(id);
    expect(done.phase).toBe('RolledBack');
    expect(done.reason).toMatch(/analysis failed at step 1/);
    expect(done.reason).toMatch(/ttft|itl|e2e/i);
    expect(failuresOf(outcomes)).toEqual([]);
  });

  it('a green replica that crashes mid-ramp is rolled back; blue never dropped a request', async () => {
    const { result: id, outcomes } = await withTraffic(async () => {
      // Enough requests to pass readiness and eval, then it dies while serving users.
      const id = await deploy('v2-crashy', '--crash-after 90', {
        steps: [{ weight: 30, bake: '60s' }, { weight: 100 }],
      });
      await ended(id);
      return id;
    });

    const done = await get(id);
    expect(done.phase).toBe('RolledBack');
    expect(done.reason).toMatch(/green replica failed while serving users/);
    expect(await phasesOf(id)).toContain('Canary');
    expect(failuresOf(outcomes, ['v2-crashy'])).toEqual([]);
  });

  it('a good release goes all the way: Completed, every phase in order, blue decommissioned after its standby', async () => {
    const { result: id, outcomes } = await withTraffic(async () => {
      const id = await deploy('v2');
      await ended(id, 150_000);
      return id;
    });

    const done = await get(id);
    expect(done.phase).toBe('Completed');
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
      'Completed',
    ]);
    const audit = await events(id);
    const seqs = audit.filter((e) => e.type === 'deployment.phase_changed').map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(audit.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'eval.completed',
        'analysis.completed',
        'drain.completed',
        'pool.decommissioned',
      ]),
    );
    // Blue's replicas (v1) are stopped: their ports refuse connections.
    const blueUrls = (done.blue?.endpoints ?? []).map((e) => e.url);
    expect(blueUrls).toHaveLength(2);
    await waitFor(
      async () => {
        const refused = await Promise.all(
          blueUrls.map((url) => connectionRefused(Number(new URL(url).port))),
        );
        return refused.every(Boolean);
      },
      { what: 'blue replicas stopped', timeoutMs: 15_000 },
    );
    // Both releases served clients during the deploy, and nothing failed or was cut short.
    expect(new Set(outcomes.map((o) => o.version))).toEqual(new Set(['v1', 'v2']));
    expect(failuresOf(outcomes)).toEqual([]);
  });

  it('a manual rollback during Standby gives blue 100 % again at once, on the replicas that stayed warm', async () => {
    const { result, outcomes } = await withTraffic(async () => {
      const id = await deploy('v3', '', { standby: '10m' });
      const standby = await inPhase(id, 'Standby', 150_000);
      const blueUrls = (standby.blue?.endpoints ?? []).map((e) => e.url);
      const asked = Date.now();
      const rollback = await api.post(`/v1/deployments/${id}/rollback`, { reason: 'e2e' });
      expect(rollback.status).toBe(202);
      const done = await ended(id, 30_000);
      const endedAt = Date.now();
      // Keep the load on a little longer: every request from now on is blue's.
      await new Promise((r) => setTimeout(r, 2_000));
      return { id, done, blueUrls, tookMs: endedAt - asked, endedAt };
    });

    expect(result.done.phase).toBe('RolledBack');
    // No cold start: the standby replicas answer at once and were never restarted.
    expect(result.tookMs).toBeLessThan(10_000);
    const routes = await api.get<{
      pools: { blue: { release: string; weight: number; endpoints: string[] } };
    }>(`/v1/services/${SERVICE}/routes`);
    expect(routes.body.pools.blue).toMatchObject({ release: 'v2', weight: 100 });
    expect(routes.body.pools.blue.endpoints).toEqual(result.blueUrls);
    const after = outcomes.filter((o) => o.startedAt > result.endedAt);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((o) => o.version === 'v2')).toBe(true);
    expect(failuresOf(outcomes)).toEqual([]);
    const audit = await events(result.id);
    expect(audit.find((e) => e.data['to'] === 'RollingBack')?.actor).toBe('user:operator');
  });
});
