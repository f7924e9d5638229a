import { ModelClient } from '../model-client/model-client';
import { FakeModelTransport } from '../model-client/testing/fake-model.transport';
import { runSmokeChecks, type SmokeResult } from './smoke-checks';

const R0 = 'http://10.0.0.1:8000';
const R1 = 'http://10.0.0.2:8000';

describe('smoke checks on every green replica', () => {
  let transport: FakeModelTransport;

  beforeEach(() => {
    transport = new FakeModelTransport();
  });

  async function smoke(endpoints = [R0, R1]): Promise<Record<string, SmokeResult>> {
    const client = new ModelClient(transport, 1_000, new AbortController().signal);
    const results = await runSmokeChecks(client, endpoints, 'chat');
    return Object.fromEntries(results.map((r) => [r.check, r]));
  }

  it('passes healthy replicas on every check', async () => {
    transport.replica(R0);
    transport.replica(R1);

    const results = await smoke();

    expect(Object.keys(results)).toEqual(['models', 'chat', 'stream', 'template-leak', 'tokenize']);
    expect(Object.values(results).flatMap((r) => r.reasons)).toEqual([]);
    expect(transport.calls.filter((c) => c.path === '/tokenize').map((c) => c.origin)).toEqual([
      R0,
      R1,
    ]);
  });

  it('names the replica that does not serve the model, and what it lists', async () => {
    transport.replica(R0);
    transport.replica(R1, { models: ['other'] });

    const { models } = await smoke();

    expect(models?.outcome.passed).toBe(false);
    expect(models?.reasons).toEqual([
      `smoke check models failed on replica 1 (${R1}): /v1/models does not list "chat" (it lists "other")`,
    ]);
  });

  it('fails a stream without [DONE] or usage, and a completion without finish_reason', async () => {
    transport.replica(R0, { done: false });
    transport.replica(R1, { usage: false, finishReason: null });

    const { stream, chat } = await smoke();

    expect(stream?.reasons).toEqual([
      `smoke check stream failed on replica 0 (${R0}): the stream did not end with data: [DONE]`,
      `smoke check stream failed on replica 1 (${R1}): /v1/chat/completions answered without a finish_reason`,
    ]);
    expect(chat?.reasons).toEqual([
      `smoke check chat failed on replica 1 (${R1}): /v1/chat/completions answered without a finish_reason`,
    ]);
  });

  it('names the leaked template token and every replica that leaks it', async () => {
    transport.replica(R0, { text: 'Hi!<|im_end|>' });
    transport.replica(R1, { text: 'Hi!<|im_end|>' });

    const leak = (await smoke())['template-leak'];

    expect(leak?.reasons).toEqual([
      `template leak: green's answer contains '<|im_end|>' (replica 0 (${R0}), replica 1 (${R1}))`,
    ]);
  });

  it('fails when replicas tokenize the canonical conversation differently', async () => {
    transport.replica(R0, { tokens: [1, 2, 3] });
    transport.replica(R1, { tokens: [1, 2, 4, 5] });

    const { tokenize } = await smoke();

    expect(tokenize?.outcome.passed).toBe(false);
    expect(tokenize?.reasons).toEqual([
      `smoke check tokenize failed on green: replicas tokenize the same conversation differently: replica 0 (${R0}) → 3 ids; replica 1 (${R1}) → 4 ids`,
    ]);
  });

  it('does not fail a server without /tokenize, and says it was not compared', async () => {
    transport.replica(R0, { tokens: null });
    transport.replica(R1, { tokens: null });

    const { tokenize } = await smoke();

    expect(tokenize?.outcome).toMatchObject({
      passed: true,
      detail: 'no /tokenize on any replica (404): not compared',
    });
  });

  it('reports a replica that refuses connections on every check it could not run', async () => {
    transport.replica(R0);

    const results = await smoke();

    expect(results['models']?.reasons).toEqual([
      `smoke check models failed on replica 1 (${R1}): connection refused (the server is down or still loading)`,
    ]);
    expect(results['tokenize']?.outcome.passed).toBe(false);
  });
});
