import type { EventSourceMessage } from 'eventsource-parser';
import { OrchestratorClient } from '@greenlight/cli';
import { deployRequest } from '@greenlight/fixtures';
import { startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient } from '../support/api.util';

interface AuditEnvelope {
  id: string;
  type: string;
  seq: number;
  actor: string;
  data: { to?: string };
}

/** Reads a live stream in the background; `until` waits for what the reader has collected. */
function reader(client: OrchestratorClient, id: string) {
  const controller = new AbortController();
  const messages: EventSourceMessage[] = [];
  let failure: unknown;
  const done = (async () => {
    for await (const message of client.follow(id, controller.signal)) messages.push(message);
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    messages,
    audit: () =>
      messages.filter((m) => m.event === 'audit').map((m) => JSON.parse(m.data) as AuditEnvelope),
    records: () =>
      messages
        .filter((m) => m.event === 'deployment')
        .map((m) => JSON.parse(m.data) as { phase: string }),
    until: <T>(probe: () => T | undefined | false) =>
      waitFor(
        () => {
          if (failure) throw failure as Error;
          return probe() || undefined;
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      ),
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

describe('live deployment stream (GET /v1/deployments/:id/stream, real orchestrator, NATS, Redis)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Only the orchestrator: the deployment waits in Provisioning for a pool that never comes.
    stack = await startStack({
      services: ['orchestrator'],
      logDir: 'tmp/e2e-logs/deployment-stream',
    });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('sends the record and the history first, then each new event live, to a viewer', async () => {
    const operator = apiClient(stack.urls.orchestrator, stack.operatorToken);
    const accepted = await operator.post<{ id: string }>(
      '/v1/deployments',
      deployRequest('chat-stream'),
    );
    expect(accepted.status).toBe(202);
    const id = accepted.body.id;
    await waitFor(async () => {
      const { body } = await operator.get<{ phase: string }>(`/v1/deployments/${id}`);
      return body.phase === 'Provisioning' || undefined;
    });

    const viewer = new OrchestratorClient({
      url: stack.urls.orchestrator,
      token: stack.viewerToken,
    });
    const stream = reader(viewer, id);
    await stream.until(() => stream.messages.some((m) => m.event === 'live'));
    const history = stream.audit();
    expect(stream.messages[0]?.event).toBe('deployment');
    expect(history.map((e) => e.data.to).filter(Boolean)).toEqual(['Requested', 'Provisioning']);
    expect(history.map((e) => e.seq)).toEqual([...history.map((e) => e.seq)].sort((a, b) => a - b));

    expect(
      (await operator.post(`/v1/deployments/${id}/abort`, { reason: 'stream test' })).status,
    ).toBe(202);
    await stream.until(() => stream.records().some((r) => r.phase === 'Aborted'));
    const live = stream.audit().slice(history.length);
    expect(live).toContainEqual(
      expect.objectContaining({
        type: 'deployment.phase_changed',
        actor: expect.stringMatching(/^user:/),
        data: expect.objectContaining({ to: 'Aborted' }),
      }),
    );
    // Each event once, even though history and live overlap while connecting.
    const ids = stream.audit().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    await stream.stop();
  });

  it('refuses a stream without a token, and names an unknown deployment', async () => {
    const anonymous = await fetch(
      `${stack.urls.orchestrator}/v1/deployments/01JAAAAAAAAAAAAAAAAAAAAAAA/stream`,
    );
    expect(anonymous.status).toBe(401);
    const viewer = new OrchestratorClient({
      url: stack.urls.orchestrator,
      token: stack.viewerToken,
    });
    await expect(
      (async () => {
        for await (const message of viewer.follow('01JAAAAAAAAAAAAAAAAAAAAAAA')) return message;
      })(),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('lists deployments, then sends each one that changes phase', async () => {
    const operator = apiClient(stack.urls.orchestrator, stack.operatorToken);
    const controller = new AbortController();
    const response = await fetch(`${stack.urls.orchestrator}/v1/stream?service=chat-list`, {
      headers: { authorization: `Bearer ${stack.viewerToken}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const read = async (pattern: RegExp) =>
      waitFor(
        async () => {
          const { value } = await body.read();
          text += decoder.decode(value ?? new Uint8Array(), { stream: true });
          return pattern.test(text) || undefined;
        },
        { timeoutMs: 20_000, intervalMs: 1 },
      );
    await read(/event: live/);
    expect(text).toMatch(/event: deployments\ndata: \{"items":\[\]\}/);

    const accepted = await operator.post<{ id: string }>(
      '/v1/deployments',
      deployRequest('chat-list'),
    );
    await read(
      new RegExp(
        `event: deployment\\ndata: \\{[^\\n]*"id":"${accepted.body.id}"[^\\n]*"phase":"Provisioning"`,
      ),
    );
    controller.abort();
    await operator.post(`/v1/deployments/${accepted.body.id}/abort`, { reason: 'done' });
  });
});
