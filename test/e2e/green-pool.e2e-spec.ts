import { readdirSync, readFileSync } from 'node:fs';
import { deployRequest } from '@greenlight/fixtures';
import { connectionRefused, startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

interface AuditEvent {
  id: string;
  type: string;
  seq: number;
  at: string;
  data: Record<string, unknown>;
}

interface ReplicaReady {
  replica: number;
  url: string;
  stages: Record<'connect' | 'health' | 'models' | 'warmup', string>;
}

const SIM =
  'greenlight-sim --port {port} --model {model} --version {version} --chat-template {template}';

/** Processes whose command line carries `--port <port>`: a simulated replica still running. */
function processesOnPort(port: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const at = argv.indexOf('--port');
        return at >= 0 && argv[at + 1] === port && argv.some((a) => a.includes('greenlight-sim'));
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

describe('green pool: the process driver starts the simulator, readiness waits out its cold start', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStack({ logDir: 'tmp/e2e-logs/green-pool' });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const eventsOf = async (id: string) =>
    (await api.get<{ items: AuditEvent[] }>(`/v1/deployments/${id}/events`)).body.items;
  const phasesOf = async (id: string) =>
    (await eventsOf(id))
      .filter((e) => e.type === 'deployment.phase_changed')
      .map((e) => (e as unknown as PhaseEvent).data.to);

  it('a release with a 5 s cold start is started, probed through every stage, and leaves WarmingUp only when both replicas serve', async () => {
    const request = deployRequest('chat-pool', 'v2', {
      pool: { driver: 'process', replicas: 2, command: `${SIM} --cold-start 5s` },
      strategy: { readiness: { timeout: '60s', warmupRequests: 2 } },
    });

    const created = await api.post<{ id: string }>('/v1/deployments', request);
    expect(created.status).toBe(202);
    const id = created.body.id;

    await waitFor(async () => (await phasesOf(id)).includes('Verifying'), {
      what: 'WarmingUp to end',
      timeoutMs: 60_000,
    });
    const events = await eventsOf(id);
    const phases = await phasesOf(id);
    expect(phases).toEqual(['Requested', 'Provisioning', 'WarmingUp', 'Verifying']);

    const provisioned = events.find((e) => e.type === 'pool.provisioned');
    const ready = events
      .filter((e) => e.type === 'replica.ready')
      .map((e) => e.data as unknown as ReplicaReady);
    const poolReady = events.find((e) => e.type === 'pool.ready');
    const verifying = events.find(
      (e) => e.type === 'deployment.phase_changed' && (e.data as { to: string }).to === 'Verifying',
    );
    expect(provisioned).toBeDefined();
    expect(ready.map((r) => r.replica).sort()).toEqual([0, 1]);
    for (const replica of ready) {
      const { connect, health, models, warmup } = replica.stages;
      // Nothing was declared before the cold start ended: the port refused until then.
      expect(Date.parse(connect) - Date.parse(provisioned!.at)).toBeGreaterThanOrEqual(4_500);
      expect(Date.parse(health)).toBeGreaterThanOrEqual(Date.parse(connect));
      expect(Date.parse(models)).toBeGreaterThanOrEqual(Date.parse(health));
      expect(Date.parse(warmup)).toBeGreaterThanOrEqual(Date.parse(models));
    }
    expect(Date.parse(poolReady!.at)).toBeLessThanOrEqual(Date.parse(verifying!.at));
    expect(events.findIndex((e) => e.type === 'pool.ready')).toBeLessThan(
      events.indexOf(verifying!),
    );

    const deployment = await api.get<{ phase: string; green: { endpoints: { url: string }[] } }>(
      `/v1/deployments/${id}`,
    );
    expect(deployment.body.phase).toBe('Verifying');
    expect(deployment.body.green.endpoints.map((e) => e.url)).toEqual(
      ready.sort((a, b) => a.replica - b.replica).map((r) => r.url),
    );
    // The replicas really serve: the simulator answers on the endpoints greenlight reported.
    const models = await fetch(`${deployment.body.green.endpoints[0]!.url}/v1/models`);
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain(
      'chat-pool',
    );
  });

  it('a release that never becomes ready fails after its readiness timeout, and its replicas are stopped', async () => {
    const request = deployRequest('chat-never', 'v3', {
      pool: { driver: 'process', replicas: 2, command: `${SIM} --never-ready` },
      strategy: { readiness: { timeout: '5s', warmupRequests: 1 } },
    });

    const created = await api.post<{ id: string }>('/v1/deployments', request);
    expect(created.status).toBe(202);
    const id = created.body.id;

    await waitFor(async () => (await eventsOf(id)).some((e) => e.type === 'pool.decommissioned'), {
      what: 'the failed pool to be stopped',
      timeoutMs: 60_000,
    });
    const events = await eventsOf(id);
    expect(await phasesOf(id)).toEqual(['Requested', 'Provisioning', 'WarmingUp', 'Failed']);
    const failed = events.find(
      (e) => e.type === 'deployment.phase_changed' && (e.data as { to: string }).to === 'Failed',
    );
    expect((failed!.data as { reason: string }).reason).toMatch(/not ready after 5 s.*health/i);

    const endpoints = (
      events.find((e) => e.type === 'pool.provisioned')!.data as {
        endpoints: { url: string }[];
      }
    ).endpoints;
    for (const { url } of endpoints) {
      expect(await connectionRefused(Number(new URL(url).port))).toBe(true);
      expect(processesOnPort(new URL(url).port)).toEqual([]);
    }
    // The service is free again: the next release of it is accepted.
    const next = await api.post(
      '/v1/deployments',
      deployRequest('chat-never', 'v4', {
        pool: { driver: 'static', endpoints: ['http://127.0.0.1:9'] },
        strategy: { readiness: { timeout: '1s' } },
      }),
    );
    expect(next.status).toBe(202);
  });

  it('the pool host and the prober killed (SIGKILL) during WarmingUp: after a restart the same replicas become ready, none started twice', async () => {
    const request = deployRequest('chat-crash', 'v2', {
      pool: { driver: 'process', replicas: 2, command: `${SIM} --cold-start 4s` },
      strategy: { readiness: { timeout: '60s', warmupRequests: 1 } },
    });
    const created = await api.post<{ id: string }>('/v1/deployments', request);
    const id = created.body.id;
    await waitFor(async () => (await phasesOf(id)).includes('WarmingUp'), {
      what: 'WarmingUp',
      timeoutMs: 30_000,
    });

    await Promise.all([stack.kill('drainer'), stack.kill('health-prober')]);
    await Promise.all([stack.start('drainer'), stack.start('health-prober')]);

    await waitFor(async () => (await phasesOf(id)).includes('Verifying'), {
      what: 'Verifying after the restarts',
      timeoutMs: 60_000,
    });
    const events = await eventsOf(id);
    const provisioned = events.filter((e) => e.type === 'pool.provisioned');
    expect(provisioned).toHaveLength(1);
    expect(await phasesOf(id)).toEqual(['Requested', 'Provisioning', 'WarmingUp', 'Verifying']);
    const ports = (provisioned[0]!.data as { endpoints: { url: string }[] }).endpoints.map(
      (e) => new URL(e.url).port,
    );
    // Exactly the two replicas first started are running: the restarted host started none.
    expect(ports.map((port) => processesOnPort(port).length)).toEqual([1, 1]);
  });
});
