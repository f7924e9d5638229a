import type { GatewayMetrics, PoolMetrics } from '@greenlight/contracts';
import { MetricsWindow } from './metrics-window.util';

const LE = [0.1, 0.5];

function pool(release: string, requests: number, errors = 0): PoolMetrics {
  const histogram = { le: LE, counts: [requests, requests], count: requests, sum: 0 };
  return {
    release,
    inFlight: 0,
    inFlightStreams: 0,
    requests,
    errors,
    abortedStreams: 0,
    clientAbortedStreams: 0,
    ttft: histogram,
    itl: histogram,
    e2ePerToken: histogram,
    replicas: {},
  };
}

function snapshot(
  instance: string,
  blue: PoolMetrics | null,
  green: PoolMetrics | null,
): GatewayMetrics {
  return {
    instance,
    service: 'chat',
    at: new Date().toISOString(),
    version: 1,
    pools: { blue, green },
  };
}

describe('MetricsWindow', () => {
  it('counts only what happened after the first snapshot, summed over gateway instances', () => {
    const window = new MetricsWindow();
    window.ingest(snapshot('gw-a', pool('v1', 1_000, 10), pool('v2', 0)));
    window.ingest(snapshot('gw-b', pool('v1', 500, 5), pool('v2', 0)));
    window.ingest(snapshot('gw-a', pool('v1', 1_100, 12), pool('v2', 3, 1)));
    window.ingest(snapshot('gw-b', pool('v1', 550, 5), pool('v2', 2)));

    expect(window.pool('v1')).toMatchObject({ requests: 150, failures: 2 });
    expect(window.pool('v2')).toMatchObject({ requests: 5, failures: 1 });
    expect(window.pool('v2').ttft).toEqual({ le: LE, counts: [5, 5], count: 5 });
  });

  it('takes a restarted gateway (counters went down) as counting from zero', () => {
    const window = new MetricsWindow();
    window.ingest(snapshot('gw-a', pool('v1', 1_000), null));
    window.ingest(snapshot('gw-a', pool('v1', 1_040), null));
    window.ingest(snapshot('gw-a', pool('v1', 25), null));
    window.ingest(snapshot('gw-a', pool('v1', 30), null));

    expect(window.pool('v1').requests).toBe(40 + 25 + 5);
  });

  it('follows releases, not pool colours, when blue and green swap', () => {
    const window = new MetricsWindow();
    window.ingest(snapshot('gw-a', pool('v1', 100), pool('v2', 100)));
    window.ingest(snapshot('gw-a', pool('v2', 130), pool('v1', 110)));

    expect(window.pool('v1').requests).toBe(10);
    expect(window.pool('v2').requests).toBe(30);
    expect(window.pool('v3')).toMatchObject({ requests: 0, failures: 0 });
  });
});
