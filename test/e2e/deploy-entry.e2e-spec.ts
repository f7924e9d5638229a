import { connect, JSONCodec, type NatsConnection } from 'nats';
import { deployRequest } from '@greenlight/fixtures';
import { startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

const codec = JSONCodec<Record<string, unknown>>();

interface Rejection {
  type: string;
  data: { reason: string; issues: { path: string; message: string }[]; requestId: string | null };
}

describe('deploy entry points: NATS and REST (whole stack, real nats-server and redis-server)', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStack({ logDir: 'tmp/e2e-logs/deploy-entry' });
    nc = await connect({ servers: stack.nats });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.dispose();
  });

  const deploymentsOf = async (service: string) =>
    (
      await api.get<{ items: { id: string; phase: string }[] }>(
        `/v1/deployments?service=${service}`,
      )
    ).body.items;

  const phasesOf = async (id: string) => {
    const events = (await api.get<{ items: PhaseEvent[] }>(`/v1/deployments/${id}/events`)).body
      .items;
    return events.map((e) => `${e.seq}:${e.data.from ?? '-'}→${e.data.to}`);
  };

  /** Collects what greenlight answers on greenlight.deploy.rejected while `act` runs. */
  async function rejectionsDuring(act: () => Promise<void>, count: number): Promise<Rejection[]> {
    const sub = nc.subscribe('greenlight.deploy.rejected', { max: count, timeout: 10_000 });
    await nc.flush();
    await act();
    const out: Rejection[] = [];
    for await (const m of sub) out.push(codec.decode(m.data) as unknown as Rejection);
    return out;
  }

  it('a request published on NATS by a plain client becomes a deployment whose audit log shows its phases in order', async () => {
    await nc
      .jetstream()
      .publish('greenlight.deploy.requested', codec.encode(deployRequest('chat-nats')), {
        msgID: 'client-req-1',
      });

    const [deployment] = await waitFor(
      async () => {
        const items = await deploymentsOf('chat-nats');
        return items.length > 0 ? items : undefined;
      },
      { what: 'the deployment created from NATS' },
    );
    const phases = await waitFor(async () => {
      const p = await phasesOf(deployment!.id);
      return p.length >= 2 ? p : undefined;
    });

    // It goes on (the pool host starts the replicas); the log begins with these two, in order.
    expect(['Provisioning', 'WarmingUp', 'Verifying']).toContain(deployment!.phase);
    expect(phases.slice(0, 2)).toEqual(['1:-→Requested', '2:Requested→Provisioning']);
  });

  it('a request through REST is accepted with 202 and an id, and its audit log names the caller', async () => {
    const created = await api.post<{ id: string; phase: string }>(
      '/v1/deployments',
      deployRequest('chat-rest'),
    );

    const events = await waitFor(async () => {
      const e = (
        await api.get<{ items: PhaseEvent[] }>(`/v1/deployments/${created.body.id}/events`)
      ).body.items;
      return e.length >= 2 ? e : undefined;
    });
    expect(created.status).toBe(202);
    expect(created.body.phase).toBe('Provisioning');
    expect(events.slice(0, 2).map((e) => [e.seq, e.data.to])).toEqual([
      [1, 'Requested'],
      [2, 'Provisioning'],
    ]);
    expect(events[0]!.actor).toMatch(/^user:/);
  });

  it('a malformed request on NATS is answered with deploy.rejected naming the bad fields, and creates nothing', async () => {
    const bad = deployRequest('chat-bad-nats', 'v2', {
      strategy: { steps: [{ weight: 150 }], drain: { timeout: '-5s' } },
    });
    const [rejection] = await rejectionsDuring(async () => {
      await nc
        .jetstream()
        .publish('greenlight.deploy.requested', codec.encode(bad), { msgID: 'bad-req-1' });
    }, 1);

    expect(rejection!.type).toBe('deploy.rejected');
    expect(rejection!.data.requestId).toBe('bad-req-1');
    const paths = rejection!.data.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['strategy.steps[0].weight', 'strategy.drain.timeout']),
    );
    expect(await deploymentsOf('chat-bad-nats')).toEqual([]);
  });

  it('a malformed request through REST gets 400 naming each bad field, and creates nothing', async () => {
    const response = await api.post<{ issues: { path: string }[] }>('/v1/deployments', {
      ...deployRequest('chat-bad-rest'),
      pool: { driver: 'process', replicas: 0 },
      surprise: true,
    });

    expect(response.status).toBe(400);
    expect(response.body.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['pool.replicas', 'pool.command', 'surprise']),
    );
    expect(await deploymentsOf('chat-bad-rest')).toEqual([]);
  });

  it('a second active deployment of one service is refused on both paths, naming the active one', async () => {
    const first = await api.post<{ id: string }>('/v1/deployments', deployRequest('chat-lock'));
    const second = await api.post<{ holder: string }>(
      '/v1/deployments',
      deployRequest('chat-lock', 'v3'),
    );
    const [rejection] = await rejectionsDuring(async () => {
      await nc
        .jetstream()
        .publish('greenlight.deploy.requested', codec.encode(deployRequest('chat-lock', 'v4')));
    }, 1);

    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.body.holder).toBe(first.body.id);
    expect(rejection!.data.reason).toContain(first.body.id);
    expect((await deploymentsOf('chat-lock')).map((d) => d.id)).toEqual([first.body.id]);
  });

  it('a retried REST request with the same Idempotency-Key returns the same deployment', async () => {
    const headers = { 'idempotency-key': 'ci-run-4711' };
    const a = await api.post<{ id: string; duplicate: boolean }>(
      '/v1/deployments',
      deployRequest('chat-idem'),
      headers,
    );
    const b = await api.post<{ id: string; duplicate: boolean }>(
      '/v1/deployments',
      deployRequest('chat-idem'),
      headers,
    );

    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body).toMatchObject({ id: a.body.id, duplicate: true });
  });

  it('answers bad ids and query values with 400 naming what is wrong, and an unknown id with 404', async () => {
    const badId = await api.get<{ message: string }>('/v1/deployments/..%2F..%2Fetc');
    const badLimit = await api.get<{ message: string }>('/v1/deployments?limit=0');
    const badService = await api.get<{ message: string }>('/v1/events?service=a.b');
    const badSince = await api.get<{ message: string }>('/v1/events?since=yesterday');
    const unknown = await api.get('/v1/deployments/01JZZZZZZZZZZZZZZZZZZZZZZZ/events');

    expect([badId.status, badLimit.status, badService.status, badSince.status]).toEqual([
      400, 400, 400, 400,
    ]);
    expect(badId.body.message).toMatch(/is not a deployment id/);
    expect(badLimit.body.message).toBe('limit must be an integer from 1 to 200');
    expect(badService.body.message).toMatch(/not a valid service name/);
    expect(badSince.body.message).toMatch(/since must be an ISO-8601 time/);
    expect(unknown.status).toBe(404);
  });

  it('requests without a token, with an unknown token or with a viewer token for a change are refused', async () => {
    const anonymous = await fetch(`${stack.urls.orchestrator}/v1/deployments`);
    const unknown = await apiClient(stack.urls.orchestrator, 'not-a-real-token-at-all').get(
      '/v1/deployments',
    );
    const viewer = apiClient(stack.urls.orchestrator, stack.viewerToken);
    const viewerRead = await viewer.get('/v1/deployments');
    const viewerWrite = await viewer.post('/v1/deployments', deployRequest('chat-viewer'));

    expect([anonymous.status, unknown.status, viewerRead.status, viewerWrite.status]).toEqual([
      401, 401, 200, 403,
    ]);
    expect(await deploymentsOf('chat-viewer')).toEqual([]);
  });
});
