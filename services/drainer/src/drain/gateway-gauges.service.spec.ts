import type { NatsConnection } from 'nats';
import { GatewayGaugesService } from './gateway-gauges.service';

// record() forgets instances silent for longer than their TTL by the wall clock: stay near now.
const T0 = Date.now();

function gauges(
  instance: string,
  atMs: number,
  blue: { weight?: number; inFlight: number } | null,
): Parameters<GatewayGaugesService['record']>[0] {
  return {
    instance,
    service: 'chat',
    at: new Date(atMs).toISOString(),
    pools: {
      blue: blue && { release: 'v1', inFlightStreams: 0, ...blue },
      green: { release: 'v2', weight: 100 - (blue?.weight ?? 0), inFlight: 3, inFlightStreams: 1 },
    },
  };
}

describe('GatewayGaugesService.reading (what a drain trusts)', () => {
  // Only record()/reading() are exercised: the NATS subscription is not started.
  const service = () => new GatewayGaugesService({} as NatsConnection);

  it('does not trust a snapshot from before the drain while the release still had weight', () => {
    const gateways = service();
    gateways.record(gauges('gw-1', T0, { weight: 25, inFlight: 0 }));

    expect(gateways.reading('chat', 'v1', T0 + 100, T0 + 200)).toMatchObject({
      instances: 1,
      stale: 1,
      inFlight: 0,
    });
  });

  it('trusts an older snapshot of a release already out of the table with nothing in flight', () => {
    const gateways = service();
    gateways.record(gauges('gw-1', T0, { weight: 0, inFlight: 0 }));

    expect(gateways.reading('chat', 'v1', T0 + 100, T0 + 200)).toMatchObject({
      stale: 0,
      inFlight: 0,
    });
  });

  it('still waits for a fresh snapshot when requests were in flight at weight 0', () => {
    const gateways = service();
    gateways.record(gauges('gw-1', T0, { weight: 0, inFlight: 2 }));
    gateways.record(gauges('gw-2', T0 + 150, { weight: 0, inFlight: 1 }));

    expect(gateways.reading('chat', 'v1', T0 + 100, T0 + 200)).toMatchObject({
      instances: 2,
      stale: 1,
      inFlight: 3,
    });
  });

  it('does not trust a snapshot of a gateway that predates weights in its metrics', () => {
    const gateways = service();
    gateways.record(gauges('gw-1', T0, { inFlight: 0 }));

    expect(gateways.reading('chat', 'v1', T0 + 100, T0 + 200).stale).toBe(1);
  });
});
