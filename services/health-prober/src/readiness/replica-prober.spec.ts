import { ReplicaProber, retryDelay, type ReplicaResult } from './replica-prober';
import { FakeProbeTransport } from './testing/fake-probe.transport';

const URL0 = 'http://10.0.0.1:8000';
const POST = 'POST /v1/chat/completions';

/** Runs the prober under fake timers for `ms`, then ends the run (as the deadline would). */
async function probeFor(
  prober: ReplicaProber,
  ms: number,
): Promise<{ result: ReplicaResult; endedAt: number }> {
  const run = new AbortController();
  const pending = prober.probe(run.signal);
  let settled = false;
  void pending.finally(() => (settled = true));
  for (let t = 0; t < ms && !settled; t += 50) await jest.advanceTimersByTimeAsync(50);
  run.abort(new Error('deadline'));
  const result = await pending;
  return { result, endedAt: Date.now() };
}

/** Consecutive repeats collapsed: the order stages were visited in. */
function stagesVisited(calls: string[]): string[] {
  return calls.filter((c, i) => c !== calls[i - 1]);
}

describe('ReplicaProber', () => {
  let transport: FakeProbeTransport;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
    transport = new FakeProbeTransport();
  });
  afterEach(() => jest.useRealTimers());

  function prober(warmupRequests = 3): ReplicaProber {
    return new ReplicaProber(
      { replica: 0, url: URL0 },
      { transport, servedModel: 'chat', warmupRequests },
    );
  }

  it('backs off 100 ms, doubling, capped at 250 ms', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(retryDelay)).toEqual([100, 200, 250, 250, 250, 250, 250]);
  });

  it('retries a refusing port with capped backoff', async () => {
    transport.replica(URL0, { accepting: false });

    await probeFor(prober(), 3_000);

    const times = transport.calls.map((c) => c.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps.slice(0, 7)).toEqual([100, 200, 250, 250, 250, 250, 250]);
  });

  it('passes connect → /health → /v1/models → warm-up in order, never going back to connect', async () => {
    const replica = transport.replica(URL0, {
      accepting: false,
      healthStatus: 503,
      models: ['other'],
    });
    setTimeout(() => (replica.accepting = true), 250);
    setTimeout(() => (replica.healthStatus = 200), 1_000);
    setTimeout(() => (replica.models = ['chat']), 2_000);

    const { result } = await probeFor(prober(), 10_000);

    const calls = transport.callsTo(URL0);
    expect(stagesVisited(calls)).toEqual(['connect', 'GET /health', 'GET /v1/models', POST]);
    expect(calls.filter((c) => c === POST)).toHaveLength(3);
    expect(result.ready).toBe(true);
    if (!result.ready) return;
    const { connect, health, models, warmup } = result.stages;
    expect(Date.parse(connect)).toBeGreaterThanOrEqual(Date.parse('2025-01-01T00:00:00.250Z'));
    expect(Date.parse(health)).toBeGreaterThanOrEqual(Date.parse('2025-01-01T00:00:01Z'));
    expect(Date.parse(models)).toBeGreaterThanOrEqual(Date.parse('2025-01-01T00:00:02Z'));
    expect(Date.parse(warmup)).toBeGreaterThanOrEqual(Date.parse(models));
  });

  it('sees a replica ready within 1 s of it becoming able to serve', async () => {
    const replica = transport.replica(URL0, { accepting: false });
    setTimeout(() => (replica.accepting = true), 30_000);

    const { result } = await probeFor(prober(), 40_000);

    expect(result.ready).toBe(true);
    if (result.ready) {
      expect(Date.parse(result.stages.warmup) - Date.parse('2025-01-01T00:00:30Z')).toBeLessThan(
        1_000,
      );
    }
  });

  it('restarts the warm-up count after a failed completion', async () => {
    transport.replica(URL0, { completionStatuses: [200, 500] });

    const { result } = await probeFor(prober(3), 5_000);

    expect(result.ready).toBe(true);
    // one success, one failure, then three in a row
    expect(transport.callsTo(URL0).filter((c) => c === POST)).toHaveLength(5);
  });

  it('passes warm-up at once when no warm-up requests are asked for', async () => {
    transport.replica(URL0);

    const { result } = await probeFor(prober(0), 1_000);

    expect(result.ready).toBe(true);
    expect(transport.callsTo(URL0)).not.toContain(POST);
  });

  it('does not count an empty completion as a warm-up', async () => {
    transport.replica(URL0, { completionContent: '' });

    const { result } = await probeFor(prober(1), 2_000);

    expect(result).toMatchObject({
      ready: false,
      stage: 'warmup',
      lastError:
        'warm-up completion 1 of 1 failed: /v1/chat/completions answered 200 without a message (choices[0].message is empty)',
    });
  });

  it('reports where a replica is stuck and why, in words', async () => {
    transport.replica(URL0, { healthStatus: 503 });

    const { result } = await probeFor(prober(), 2_000);

    expect(result).toEqual({
      replica: 0,
      url: URL0,
      ready: false,
      stage: 'health',
      lastError: '/health answered 503',
    });
  });

  it('gives each attempt its own timeout', async () => {
    transport.replica(URL0, { hang: true });

    const { result } = await probeFor(prober(), 5_000);

    expect(result).toMatchObject({
      stage: 'connect',
      lastError: 'no TCP connection within 2 s',
    });
  });

  it('says which endpoint did not answer in time', async () => {
    transport.replica(URL0, { hangOn: 'GET /health' });

    const { result } = await probeFor(prober(), 5_000);

    expect(result).toMatchObject({
      stage: 'health',
      lastError: '/health did not answer within 2 s',
    });
  });

  it('names a warm-up completion that fails with the server’s message', async () => {
    transport.replica(URL0, { completionStatuses: [500, 500, 500, 500, 500, 500, 500, 500] });

    const { result } = await probeFor(prober(2), 1_000);

    expect(result).toMatchObject({
      stage: 'warmup',
      lastError:
        'warm-up completion 1 of 2 failed: /v1/chat/completions answered 500: simulated failure',
    });
  });
});
