import { PoolMetricsSchema } from '@greenlight/contracts';
import { GatewayStats } from './gateway-stats.service';

const R1 = 'http://127.0.0.1:9001';
const R2 = 'http://127.0.0.1:9002';
const OLD = 'http://127.0.0.1:9000';

describe('GatewayStats pool snapshots', () => {
  it('sums the pool’s replicas, with cumulative histogram buckets as the contract wants', () => {
    const stats = new GatewayStats();
    const a = stats.statsFor('chat', 'blue', 'v1', R1);
    const b = stats.statsFor('chat', 'blue', 'v1', R2);
    a.requests = 3;
    a.errors = 1;
    a.inFlight = 2;
    b.requests = 4;
    b.upstreamAborts = 1;
    b.clientAborts = 2;
    a.ttft.observe(0.003);
    b.ttft.observe(0.05);
    b.ttft.observe(1_000);

    const snapshot = stats.poolSnapshot('chat', 'blue', {
      release: 'v1',
      endpoints: [R1, R2],
      weight: 75,
    })!;

    expect(PoolMetricsSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot).toMatchObject({
      release: 'v1',
      weight: 75,
      requests: 7,
      errors: 1,
      inFlight: 2,
      abortedStreams: 1,
      clientAbortedStreams: 2,
      replicas: { [R1]: { inFlight: 2 }, [R2]: { inFlight: 0 } },
    });
    const { le, counts, count, sum } = snapshot.ttft;
    expect(counts[le.indexOf(0.005)]).toBe(1);
    expect(counts[le.indexOf(0.06)]).toBe(2);
    expect(counts[counts.length - 1]).toBe(2); // 1,000 s is beyond the last bound: +Inf only
    expect(count).toBe(3);
    expect(sum).toBeCloseTo(1_000.053);
  });

  it('keeps a replica that left the table while it still has requests in flight', () => {
    const stats = new GatewayStats();
    stats.statsFor('chat', 'blue', 'v1', OLD).inFlight = 1;
    stats.statsFor('chat', 'blue', 'v1', R2).requests = 5;
    stats.statsFor('chat', 'blue', 'v1', R1);

    const snapshot = stats.poolSnapshot('chat', 'blue', {
      release: 'v1',
      endpoints: [R1],
      weight: 0,
    })!;

    expect(snapshot.replicas).toEqual({ [R1]: { inFlight: 0 }, [OLD]: { inFlight: 1 } });
    expect(snapshot.requests).toBe(5);
  });

  it('reports a pool dropped from the table until its last request finished', () => {
    const stats = new GatewayStats();
    const draining = stats.statsFor('chat', 'green', 'v2', R1);
    draining.inFlight = 1;
    draining.inFlightStreams = 1;

    expect(stats.poolSnapshot('chat', 'green', null)).toMatchObject({
      release: 'v2',
      inFlight: 1,
      inFlightStreams: 1,
    });
    draining.inFlight = 0;
    expect(stats.poolSnapshot('chat', 'green', null)).toBeNull();
    expect(stats.poolSnapshot('other', 'green', null)).toBeNull();
  });
});
