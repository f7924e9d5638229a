import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import { NATS_CONNECTION } from '@greenlight/bus';
import {
  GatewayMetricsSchema,
  gatewayMetricsSubject,
  INSTANCE_TTL_MS,
  PoolMetricsSchema,
  safeParse,
} from '@greenlight/contracts';
import type { GatewayReading } from './drain-waiter';

/** Only what draining reads from a snapshot (zod strips the histograms). */
const PoolGaugesSchema = PoolMetricsSchema.pick({
  release: true,
  weight: true,
  inFlight: true,
  inFlightStreams: true,
});
const GatewayGaugesSchema = GatewayMetricsSchema.pick({
  instance: true,
  service: true,
  at: true,
}).extend({
  pools: z.object({ blue: PoolGaugesSchema.nullable(), green: PoolGaugesSchema.nullable() }),
});
type GatewayGauges = z.output<typeof GatewayGaugesSchema>;

interface Snapshot {
  at: number;
  pools: GatewayGauges['pools'];
}

/**
 * The latest in-flight gauges of every gateway instance, per service, from the snapshots each
 * instance publishes every second on core NATS. Listening all the time (not per drain) is what
 * tells the drainer which instances are alive when a drain begins.
 */
@Injectable()
export class GatewayGaugesService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('GatewayGauges');
  /** service -> instance -> latest snapshot. */
  private readonly latest = new Map<string, Map<string, Snapshot>>();
  private listeningSince = Number.POSITIVE_INFINITY;
  private subscription?: Subscription;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  onModuleInit(): void {
    this.listeningSince = Date.now();
    this.subscription = this.nc.subscribe(gatewayMetricsSubject('*'), {
      callback: (error, message) => {
        if (error) return this.log.warn(`gateway metrics subscription: ${error.message}`);
        let payload: unknown;
        try {
          payload = message.json();
        } catch {
          return;
        }
        const parsed = safeParse(GatewayGaugesSchema, payload);
        if (parsed.ok) this.record(parsed.value);
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  record(gauges: GatewayGauges): void {
    const at = Date.parse(gauges.at);
    const instances = this.latest.get(gauges.service) ?? new Map<string, Snapshot>();
    this.latest.set(gauges.service, instances);
    const previous = instances.get(gauges.instance);
    // Core NATS may reorder: an older snapshot never replaces a newer one.
    if (!previous || previous.at <= at) instances.set(gauges.instance, { at, pools: gauges.pools });
    for (const [instance, snapshot] of instances) {
      if (Date.now() - snapshot.at > INSTANCE_TTL_MS) instances.delete(instance);
    }
  }

  /**
   * In flight on `release` across the live instances routing `service`. An instance silent for
   * longer than INSTANCE_TTL_MS is gone; a live one whose latest snapshot predates `since` may
   * have missed a request, so it counts as stale until it reports again.
   */
  reading(service: string, release: string, since: number, now = Date.now()): GatewayReading {
    const reading: GatewayReading = {
      discovered: now - this.listeningSince >= INSTANCE_TTL_MS,
      instances: 0,
      stale: 0,
      inFlight: 0,
      streams: 0,
    };
    for (const snapshot of this.latest.get(service)?.values() ?? []) {
      if (now - snapshot.at > INSTANCE_TTL_MS) continue;
      reading.instances++;
      const pools = [snapshot.pools.blue, snapshot.pools.green].filter(
        (pool) => pool?.release === release,
      );
      // An older snapshot still settles it when the release was already out of that instance's
      // table with nothing in flight: no request can start on it afterwards.
      const closed = pools.every((pool) => pool?.weight === 0 && pool.inFlight === 0);
      if (snapshot.at <= since && !closed) reading.stale++;
      for (const pool of pools) {
        reading.inFlight += pool!.inFlight;
        reading.streams += pool!.inFlightStreams;
      }
    }
    return reading;
  }
}
