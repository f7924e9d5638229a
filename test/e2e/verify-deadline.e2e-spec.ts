import { deployRequest } from '@greenlight/fixtures';
import {
  startSimulator,
  startStack,
  waitFor,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

const SERVICE = 'chat-verdict';

describe('Verifying without a verdict: the orchestrator does not wait on the eval-runner forever', () => {
  let stack: Stack;
  let sim: SimulatorHandle;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStack({
      services: ['orchestrator', 'health-prober', 'drainer'],
      env: { VERIFY_TIMEOUT_MS: '2000' },
      logDir: 'tmp/e2e-logs/verify-deadline',
    });
    sim = await startSimulator({ model: SERVICE, version: 'v2' });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
  });
  afterAll(async () => {
    await sim?.stop();
    await stack?.dispose();
  });

  it('fails the deployment once its verdict is overdue, before any user traffic, and frees the service', async () => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, 'v2', {
        pool: { driver: 'static', endpoints: [sim.url] },
        strategy: { readiness: { timeout: '30s', warmupRequests: 1 } },
        // No caches to prepare: Verifying follows readiness at once (no cache-manager here).
        caches: { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } },
      }),
    );
    const id = created.body.id;

    const log = await waitFor(
      async () => {
        const items = (await api.get<{ items: PhaseEvent[] }>(`/v1/deployments/${id}/events`)).body
          .items;
        return items.some((e) => e.data.to === 'Failed') ? items : undefined;
      },
      { what: 'Failed', timeoutMs: 30_000 },
    );

    const phases = log.filter((e) => e.type === 'deployment.phase_changed');
    expect(phases.map((e) => e.data.to)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Failed',
    ]);
    expect(phases.at(-1)!.data.reason).toMatch(/no verdict from the eval-runner/);
    expect(log.some((e) => e.type === 'traffic.shifted')).toBe(false);
    const next = await api.post(
      '/v1/deployments',
      deployRequest(SERVICE, 'v3', {
        pool: { driver: 'static', endpoints: [sim.url] },
      }),
    );
    expect(next.status).toBe(202);
  });
});
