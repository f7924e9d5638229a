import { probePool, type PoolOutcome, type PoolProbeHooks, type ReadyReplica } from './pool-prober';
import { FakeProbeTransport } from './testing/fake-probe.transport';

const URL0 = 'http://10.0.0.1:8000';
const URL1 = 'http://10.0.0.2:8000';
const START = Date.parse('2025-01-01T00:00:00Z');
const TIMEOUT_MS = 300_000;

describe('probePool', () => {
  let transport: FakeProbeTransport;
  let ready: ReadyReplica[];

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    transport = new FakeProbeTransport();
    ready = [];
  });
  afterEach(() => jest.useRealTimers());

  /** Starts a probe of URL0 and URL1 with a 300 s deadline; advance time to see it progress. */
  function start(hooks: Partial<PoolProbeHooks> = {}): {
    outcome: () => PoolOutcome | undefined;
    done: Promise<PoolOutcome>;
  } {
    let outcome: PoolOutcome | undefined;
    const done = probePool(
      {
        endpoints: [
          { replica: 0, url: URL0 },
          { replica: 1, url: URL1 },
        ],
        servedModel: 'chat',
        warmupRequests: 2,
        deadline: new Date(START + TIMEOUT_MS),
        timeoutMs: TIMEOUT_MS,
      },
      {
        transport,
        onReplicaReady: async (r) => {
          ready.push(r);
        },
        ...hooks,
      },
    ).then((o) => (outcome = o));
    return { outcome: () => outcome, done };
  }

  it('reports each replica as it passes, then the pool with every endpoint', async () => {
    const slow = transport.replica(URL0, { accepting: false });
    transport.replica(URL1);
    setTimeout(() => (slow.accepting = true), 5_000);

    const probe = start();
    await jest.advanceTimersByTimeAsync(1_000);
    const readyBeforeSlowOne = ready.map((r) => r.replica);
    await jest.advanceTimersByTimeAsync(5_000);

    expect(readyBeforeSlowOne).toEqual([1]);
    expect(await probe.done).toEqual({
      outcome: 'ready',
      endpoints: [
        { replica: 0, url: URL0 },
        { replica: 1, url: URL1 },
      ],
      replicas: expect.any(Array),
    });
    expect(ready.map((r) => r.replica)).toEqual([1, 0]);
  });

  it('fails at the deadline naming the replica, its stage and its last error', async () => {
    transport.replica(URL0);
    transport.replica(URL1, { models: ['other'] });

    const probe = start();
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS - 1_000);
    expect(probe.outcome()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1_000);

    expect(await probe.done).toEqual({
      outcome: 'failed',
      replica: 1,
      stage: 'models',
      reason:
        'replica 1 (http://10.0.0.2:8000) not ready after 300 s: /v1/models does not list "chat" (it lists "other")',
    });
    expect(ready.map((r) => r.replica)).toEqual([0]);
  });

  it('names the replica that got least far, and says others were not ready either', async () => {
    transport.replica(URL0, { healthStatus: 503 });
    transport.replica(URL1, { accepting: false });

    const probe = start();
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);

    expect(await probe.done).toMatchObject({
      outcome: 'failed',
      replica: 1,
      stage: 'connect',
      reason:
        'replica 1 (http://10.0.0.2:8000) not ready after 300 s: connection refused (the server is still loading or crashed) (1 other replica was not ready either)',
    });
  });

  it('stops probing every replica at the deadline', async () => {
    transport.replica(URL0, { accepting: false });
    transport.replica(URL1, { accepting: false });

    const probe = start();
    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    await probe.done;
    const callsAtDeadline = transport.calls.length;
    await jest.advanceTimersByTimeAsync(10_000);

    expect(transport.calls.length).toBe(callsAtDeadline);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ends as cancelled, without reporting anything more, when the caller aborts', async () => {
    transport.replica(URL0, { accepting: false });
    transport.replica(URL1, { accepting: false });
    const cancel = new AbortController();

    const probe = start({ signal: cancel.signal });
    await jest.advanceTimersByTimeAsync(2_000);
    cancel.abort('deployment ended');
    const callsAtCancel = transport.calls.length;
    await jest.advanceTimersByTimeAsync(2_000);

    expect(await probe.done).toEqual({ outcome: 'cancelled', reason: 'deployment ended' });
    expect(transport.calls.length).toBe(callsAtCancel);
    expect(ready).toEqual([]);
  });

  it('stops and rethrows when reporting a ready replica fails (the command is retried)', async () => {
    transport.replica(URL0);
    transport.replica(URL1, { accepting: false });

    const probe = start({
      onReplicaReady: () => Promise.reject(new Error('NATS is unreachable')),
    });
    const settled = probe.done.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(1_000);
    const callsAfter = transport.calls.length;
    await jest.advanceTimersByTimeAsync(2_000);

    expect(await settled).toEqual(new Error('NATS is unreachable'));
    expect(transport.calls.length).toBe(callsAfter);
  });
});
