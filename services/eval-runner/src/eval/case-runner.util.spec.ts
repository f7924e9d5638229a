import { ModelClient } from '../model-client/model-client';
import { FakeModelTransport } from '../model-client/testing/fake-model.transport';
import { parseSuite, type PreparedCase } from '../suites/suite-loader.util';
import { runCases } from './case-runner.util';

const R0 = 'http://10.0.0.1:8000';
const R1 = 'http://10.0.0.2:8000';

function cases(n: number): PreparedCase[] {
  const yaml = `cases:\n${Array.from(
    { length: n },
    (_, i) =>
      `  - { id: c${i}, prompt: q${i}, assertions: [{ type: equals, value: Hello there. }] }`,
  ).join('\n')}`;
  const loaded = parseSuite('evals/t.yaml', yaml);
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.suite.cases;
}

describe('runCases', () => {
  it('keeps at most `concurrency` requests in flight and spreads cases over the replicas', async () => {
    const transport = new FakeModelTransport();
    transport.replica(R0, { delayMs: 5 });
    transport.replica(R1, { delayMs: 5 });
    const client = new ModelClient(transport, 1_000, new AbortController().signal);

    const outcomes = await runCases(client, cases(20), {
      endpoints: [R0, R1],
      servedModel: 'chat',
      concurrency: 3,
      signal: new AbortController().signal,
    });

    expect(outcomes.every((o) => o?.passed)).toBe(true);
    expect(transport.maxInFlight).toBe(3);
    const perReplica = [R0, R1].map((r) => transport.calls.filter((c) => c.origin === r).length);
    expect(perReplica).toEqual([10, 10]);
    expect(transport.calls[0]?.json).toMatchObject({ model: 'chat', prompt: 'q0', temperature: 0 });
  });

  it('fails a case whose request fails, with the reason, and goes on with the others', async () => {
    const transport = new FakeModelTransport();
    transport.replica(R0);
    const client = new ModelClient(transport, 1_000, new AbortController().signal);

    const outcomes = await runCases(client, cases(2), {
      endpoints: [R0, R1],
      servedModel: 'chat',
      concurrency: 2,
      signal: new AbortController().signal,
    });

    expect(outcomes[0]).toMatchObject({ passed: true });
    expect(outcomes[1]).toMatchObject({
      passed: false,
      detail: 'connection refused (the server is down or still loading)',
    });
  });

  it('stops at the abort, leaving unfinished cases undefined', async () => {
    const transport = new FakeModelTransport();
    transport.replica(R0, { delayMs: 50 });
    const run = new AbortController();
    const client = new ModelClient(transport, 1_000, run.signal);
    setTimeout(() => run.abort('eval deadline passed'), 120);

    const outcomes = await runCases(client, cases(10), {
      endpoints: [R0],
      servedModel: 'chat',
      concurrency: 1,
      signal: run.signal,
    });

    const finished = outcomes.filter((o) => o !== undefined).length;
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(finished).toBeLessThan(10);
    expect(transport.inFlight).toBe(0);
  });
});
