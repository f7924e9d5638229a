import { connect, JSONCodec, type NatsConnection } from 'nats';
import { deployRequest } from '@greenlight/fixtures';
import { startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

const codec = JSONCodec<unknown>();

describe('orchestrator killed (SIGKILL) around an acknowledged request', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStack({
      services: ['orchestrator'],
      logDir: 'tmp/e2e-logs/orchestrator-crash',
    });
    nc = await connect({ servers: stack.nats });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.dispose();
  });

  const eventsOf = async (id: string) =>
    (await api.get<{ items: PhaseEvent[] }>(`/v1/deployments/${id}/events`)).body.items;

  it('keeps a deployment acknowledged over REST, with its events, none duplicated', async () => {
    const accepted = await api.post<{ id: string }>('/v1/deployments', deployRequest('crash-rest'));
    await stack.kill('orchestrator');
    await stack.start('orchestrator');

    const deployment = await api.get<{ id: string; phase: string }>(
      `/v1/deployments/${accepted.body.id}`,
    );
    const events = await waitFor(async () => {
      const e = await eventsOf(accepted.body.id);
      return e.length >= 2 ? e : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500)); // a restarted outbox sweep must not add copies
    const again = await eventsOf(accepted.body.id);

    expect(accepted.status).toBe(202);
    expect(deployment.body.phase).toBe('Provisioning');
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(again.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('after a kill in the middle of a burst of NATS requests, each becomes exactly one deployment with one copy of each event', async () => {
    const services = Array.from({ length: 8 }, (_, i) => `crash-nats-${i}`);
    const js = nc.jetstream();
    for (const service of services) {
      await js.publish('greenlight.deploy.requested', codec.encode(deployRequest(service)), {
        msgID: `burst-${service}`,
      });
    }
    // Kill while the burst is being handled: some requests acked, some in flight, some not yet taken.
    // Those the dead process held are redelivered once their ack deadline (10 s) passes.
    await waitFor(
      async () => {
        const items = (await api.get<{ items: unknown[] }>('/v1/deployments?limit=200')).body.items;
        return items.length >= 2 ? true : undefined;
      },
      { intervalMs: 5 },
    );
    await stack.kill('orchestrator');
    await stack.start('orchestrator');

    const ids = await waitFor(
      async () => {
        const found: string[] = [];
        for (const service of services) {
          const items = (
            await api.get<{ items: { id: string }[] }>(`/v1/deployments?service=${service}`)
          ).body.items;
          if (items.length !== 1) return undefined;
          found.push(items[0]!.id);
        }
        return found;
      },
      { timeoutMs: 40_000, what: 'one deployment per request' },
    );
    const logs = await waitFor(
      async () => {
        const all = await Promise.all(ids.map(eventsOf));
        return all.every((e) => e.length >= 2) ? all : undefined;
      },
      { timeoutMs: 20_000, what: 'both events of every deployment' },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const settled = await Promise.all(ids.map(eventsOf));

    for (const log of settled)
      expect(log.map((e) => `${e.seq}:${e.data.to}`)).toEqual(['1:Requested', '2:Provisioning']);
    expect(settled.map((l) => l.length)).toEqual(logs.map((l) => l.length));
  });
});
