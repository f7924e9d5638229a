import { deployRequest } from '@greenlight/fixtures';
import { spawnManaged, startStack, SERVICE_NAMES, waitFor, type Stack } from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

describe('the seven services (separate processes, real nats-server and redis-server)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ logDir: 'tmp/e2e-logs/services' });
  });
  afterAll(() => stack?.dispose());

  const health = async (url: string) => {
    const response = await fetch(`${url}/healthz`);
    return {
      status: response.status,
      body: (await response.json()) as { info?: object; error?: object },
    };
  };

  it('every service reports NATS and Redis up on /healthz and serves Prometheus metrics', async () => {
    for (const name of SERVICE_NAMES) {
      const { status, body } = await health(stack.urls[name]);
      const metrics = await (await fetch(`${stack.urls[name]}/metrics`)).text();

      expect({ name, status, body: body.info }).toEqual({
        name,
        status: 200,
        body: { nats: expect.objectContaining({ status: 'up' }), redis: { status: 'up' } },
      });
      expect(metrics).toContain(`greenlight_process_resident_memory_bytes{component="${name}"}`);
    }
  });

  it('publishes an OpenAPI document of the REST API at /docs', async () => {
    const doc = (await (await fetch(`${stack.urls.orchestrator}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };

    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/deployments',
        '/v1/deployments/{id}',
        '/v1/deployments/{id}/events',
        '/v1/events',
      ]),
    );
  });

  it('reports Redis down (503) while redis-server is stopped, and up again after it restarts', async () => {
    await stack.infra.redis.stop();
    const down = await waitFor(async () => {
      const h = await health(stack.urls.orchestrator);
      return h.status === 503 ? h : undefined;
    });
    await stack.infra.redis.restart();
    const up = await waitFor(
      async () => {
        const h = await health(stack.urls.orchestrator);
        return h.status === 200 ? h : undefined;
      },
      { timeoutMs: 15_000 },
    );

    expect(down.body.error).toEqual({ redis: expect.objectContaining({ status: 'down' }) });
    expect(up.body.info).toEqual(expect.objectContaining({ redis: { status: 'up' } }));
  });

  it('accepts a deploy while NATS is down and publishes its audit events once NATS is back', async () => {
    const api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    await stack.infra.nats.stop();
    await waitFor(async () => (await health(stack.urls.orchestrator)).status === 503);
    const accepted = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest('chat-nats-outage'),
    );
    const auditDuringOutage = await api.get(`/v1/deployments/${accepted.body.id}/events`);
    await stack.infra.nats.restart();

    const events = await waitFor(
      async () => {
        const r = await api.get<{ items: PhaseEvent[] }>(
          `/v1/deployments/${accepted.body.id}/events`,
        );
        return r.status === 200 && r.body.items.length >= 2 ? r.body.items : undefined;
      },
      { timeoutMs: 30_000, what: 'the audit events after NATS came back' },
    );

    expect(accepted.status).toBe(202);
    expect(auditDuringOutage.status).toBe(503);
    expect(events.slice(0, 2).map((e) => `${e.seq}:${e.data.to}`)).toEqual([
      '1:Requested',
      '2:Provisioning',
    ]);
  });

  it('refuses to start with a bad setting, naming the variable', async () => {
    const proc = spawnManaged(
      'orchestrator',
      process.execPath,
      ['dist/services/orchestrator/src/main.js'],
      {
        env: {
          ...process.env,
          PORT: 'eighty',
          GREENLIGHT_OPERATOR_TOKENS: 'ops:0123456789abcdef0123',
        },
      },
    );
    const code = await proc.exited;

    expect(code).toBe(78);
    expect(proc.output()).toMatch(/PORT: must be a port number/);
    expect(proc.output()).not.toContain('0123456789abcdef0123');
  });
});
