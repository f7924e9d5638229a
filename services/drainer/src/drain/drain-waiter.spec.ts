import {
  assessDrain,
  waitForDrain,
  type DrainOutcome,
  type DrainProgress,
  type GatewayReading,
  type ReplicaReading,
} from './drain-waiter';

const R0 = 'http://10.0.0.1:8000';
const R1 = 'http://10.0.0.2:8000';
const START = Date.parse('2025-01-01T00:00:00Z');
const POLL_MS = 250;

const NO_GATEWAYS: GatewayReading = {
  discovered: true,
  instances: 0,
  stale: 0,
  inFlight: 0,
  streams: 0,
};

/** Replicas whose in-flight count the test sets; a gateway instance that reports when told to. */
class FakeSources {
  readonly replicas = new Map<string, ReplicaReading>();
  readonly scrapes: string[] = [];
  gatewayInstance?: { at: number; inFlight: number; streams: number };
  discovered = true;

  count(url: string, inFlight: number): void {
    this.replicas.set(url, { url, state: 'count', inFlight });
  }

  /** The gateway instance publishes its snapshot now. */
  gatewayReports(inFlight: number, streams = 0): void {
    this.gatewayInstance = { at: Date.now(), inFlight, streams };
  }

  gateway = (since: number): GatewayReading => {
    const instance = this.gatewayInstance;
    if (!instance) return { ...NO_GATEWAYS, discovered: this.discovered };
    return {
      discovered: this.discovered,
      instances: 1,
      stale: instance.at <= since ? 1 : 0,
      inFlight: instance.inFlight,
      streams: instance.streams,
    };
  };

  replica = (url: string): Promise<ReplicaReading> => {
    this.scrapes.push(url);
    return Promise.resolve(this.replicas.get(url) ?? { url, state: 'gone' });
  };
}

describe('waitForDrain', () => {
  let sources: FakeSources;
  let progress: DrainProgress[];
  let controller: AbortController;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    sources = new FakeSources();
    progress = [];
    controller = new AbortController();
  });
  afterEach(() => jest.useRealTimers());

  function start(options: { timeoutMs?: number; issuedAt?: number; endpoints?: string[] } = {}): {
    outcome: () => DrainOutcome | undefined;
    done: Promise<DrainOutcome>;
  } {
    let outcome: DrainOutcome | undefined;
    const issuedAt = options.issuedAt ?? START;
    const done = waitForDrain(
      {
        endpoints: options.endpoints ?? [R0, R1],
        issuedAt,
        deadline: issuedAt + (options.timeoutMs ?? 120_000),
        pollMs: POLL_MS,
        scrapeTimeoutMs: 1_000,
      },
      {
        sources,
        signal: controller.signal,
        onProgress: async (p) => {
          progress.push(p);
        },
      },
    ).then((o) => (outcome = o));
    return { outcome: () => outcome, done };
  }

  it('ends within one poll of the last replica emptying, reporting the count as it falls', async () => {
    sources.count(R0, 3);
    sources.count(R1, 1);
    setTimeout(() => sources.count(R1, 0), 2_000);
    setTimeout(() => sources.count(R0, 1), 3_000);
    setTimeout(() => sources.count(R0, 0), 5_100);

    const drain = start();
    await jest.advanceTimersByTimeAsync(5_099);
    const before = drain.outcome();
    await jest.advanceTimersByTimeAsync(POLL_MS);

    expect(before).toBeUndefined();
    expect(await drain.done).toEqual({
      outcome: 'drained',
      inFlight: 0,
      streams: 0,
      elapsedMs: 5_250,
      unknown: [],
    });
    expect(progress).toEqual([
      { inFlight: 4, streams: 0, elapsedMs: 0 },
      { inFlight: 3, streams: 0, elapsedMs: 2_000 },
      { inFlight: 1, streams: 0, elapsedMs: 3_000 },
    ]);
  });

  it('reports progress at most once a second, each in its own second, however fast the count moves', async () => {
    let n = 40;
    sources.count(R0, n);
    const ticker = setInterval(() => sources.count(R0, --n), POLL_MS);

    const drain = start({ endpoints: [R0] });
    await jest.advanceTimersByTimeAsync(5_000);
    clearInterval(ticker);
    sources.count(R0, 0);
    await jest.advanceTimersByTimeAsync(POLL_MS);
    await drain.done;

    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress.length).toBeLessThanOrEqual(6);
    const seconds = progress.map((p) => Math.floor(p.elapsedMs / 1000));
    expect(new Set(seconds).size).toBe(progress.length);
  });

  it('holds while a gateway reports requests in flight on the release, though every replica is idle', async () => {
    sources.count(R0, 0);
    sources.count(R1, 0);
    sources.gatewayReports(2, 1);
    const gateway = setInterval(() => sources.gatewayReports(2, 1), 1_000);
    setTimeout(() => {
      clearInterval(gateway);
      setInterval(() => sources.gatewayReports(0), 1_000);
    }, 4_000);

    const drain = start();
    await jest.advanceTimersByTimeAsync(4_500);
    const held = drain.outcome();
    await jest.advanceTimersByTimeAsync(1_000);

    expect(held).toBeUndefined();
    expect(progress).toEqual([{ inFlight: 2, streams: 1, elapsedMs: 0 }]);
    expect(await drain.done).toMatchObject({ outcome: 'drained', elapsedMs: 5_000 });
  });

  it('does not trust a gateway snapshot taken before the drain began, even one showing zero', async () => {
    sources.count(R0, 0);
    sources.gatewayReports(0); // at START: the drain begins in the same instant

    const drain = start({ endpoints: [R0] });
    await jest.advanceTimersByTimeAsync(900);
    const before = drain.outcome();
    sources.gatewayReports(0);
    await jest.advanceTimersByTimeAsync(POLL_MS);

    expect(before).toBeUndefined();
    expect(await drain.done).toMatchObject({ outcome: 'drained' });
    expect(progress).toEqual([]); // nothing was ever seen in flight: nothing to report
  });

  it('waits until every live gateway instance is known before calling blue empty', async () => {
    sources.count(R0, 0);
    sources.discovered = false;
    setTimeout(() => (sources.discovered = true), 3_500);

    const drain = start({ endpoints: [R0] });
    await jest.advanceTimersByTimeAsync(3_400);
    const before = drain.outcome();
    await jest.advanceTimersByTimeAsync(POLL_MS);

    expect(before).toBeUndefined();
    expect(await drain.done).toMatchObject({ outcome: 'drained', elapsedMs: 3_500 });
  });

  it('times out at the absolute deadline with what is left', async () => {
    sources.count(R0, 2);
    sources.count(R1, 1);

    const drain = start({ timeoutMs: 10_000 });
    await jest.advanceTimersByTimeAsync(9_999);
    const before = drain.outcome();
    await jest.advanceTimersByTimeAsync(1);

    expect(before).toBeUndefined();
    expect(await drain.done).toEqual({
      outcome: 'timedOut',
      inFlight: 3,
      streams: 0,
      elapsedMs: 10_000,
      unknown: [],
    });
  });

  it('a command redelivered after its deadline measures once and answers at once', async () => {
    sources.count(R0, 1);
    const issuedAt = START - 60_000;

    const late = await start({ timeoutMs: 30_000, issuedAt, endpoints: [R0] }).done;
    sources.count(R0, 0);
    const lateButEmpty = await start({ timeoutMs: 30_000, issuedAt, endpoints: [R0] }).done;

    expect(late).toMatchObject({ outcome: 'timedOut', inFlight: 1, elapsedMs: 60_000 });
    expect(lateButEmpty).toMatchObject({ outcome: 'drained', inFlight: 0 });
    expect(sources.scrapes).toEqual([R0, R0]);
  });

  it('a replica that refuses connections is gone (zero); one that does not answer is not', async () => {
    sources.replicas.set(R0, { url: R0, state: 'gone' });
    sources.replicas.set(R1, { url: R1, state: 'unknown', reason: '/metrics did not answer' });

    const outcome = await (async () => {
      const drain = start({ timeoutMs: 2_000 });
      await jest.advanceTimersByTimeAsync(2_000);
      return drain.done;
    })();

    expect(outcome).toEqual({
      outcome: 'timedOut',
      inFlight: 0,
      streams: 0,
      elapsedMs: 2_000,
      unknown: [`${R1}: /metrics did not answer`],
    });
  });

  it('stops without an answer when cancelled, and scrapes no more', async () => {
    sources.count(R0, 5);

    const drain = start({ endpoints: [R0] });
    await jest.advanceTimersByTimeAsync(1_000);
    controller.abort('the deployment left Draining');
    const scrapes = sources.scrapes.length;
    await jest.advanceTimersByTimeAsync(2_000);

    expect(await drain.done).toEqual({
      outcome: 'cancelled',
      reason: 'the deployment left Draining',
    });
    expect(sources.scrapes).toHaveLength(scrapes);
  });
});

describe('assessDrain', () => {
  const unsupported: ReplicaReading = { url: R0, state: 'unsupported', reason: 'no gauges' };

  it('a replica without vLLM gauges is trusted to the gateways when there are any', () => {
    const gateway: GatewayReading = { ...NO_GATEWAYS, instances: 2 };

    expect(assessDrain(gateway, [unsupported]).drained).toBe(true);
    expect(assessDrain({ ...gateway, inFlight: 1 }, [unsupported]).drained).toBe(false);
  });

  it('without gateways (HAProxy), a replica without vLLM gauges can never be called empty', () => {
    expect(assessDrain(NO_GATEWAYS, [unsupported])).toEqual({
      drained: false,
      inFlight: 0,
      streams: 0,
      unknown: [`${R0}: no gauges`],
    });
  });

  it('counts a request seen by both a gateway and its replica once (the larger view)', () => {
    const gateway: GatewayReading = { ...NO_GATEWAYS, instances: 1, inFlight: 2, streams: 2 };

    const both = assessDrain(gateway, [{ url: R0, state: 'count', inFlight: 3 }]);

    expect(both).toMatchObject({ drained: false, inFlight: 3, streams: 2 });
  });
});
