import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  gatewayMetricsSubject,
  METRICS_INTERVAL_MS,
  type GatewayMetrics,
} from '@greenlight/contracts';
import { NatsLink } from '../link/nats-link.service';
import { RouteTableService } from '../routing/route-table.service';
import { GatewayStats } from './gateway-stats.service';

/**
 * Every METRICS_INTERVAL_MS, one cumulative snapshot per routed service on
 * gatewayMetricsSubject(service): canary analysis and the drainer difference successive ones.
 */
@Injectable()
export class MetricsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: NatsLink,
    private readonly routes: RouteTableService,
    private readonly stats: GatewayStats,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.publishAll(), METRICS_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  publishAll(): void {
    if (!this.link.isConnected()) return;
    const at = new Date().toISOString();
    for (const service of this.routes.services()) this.publish(service, at);
  }

  /**
   * One snapshot now, off the tick: sent when a routing table is applied (before its ack), so
   * a drain that starts once the flip is confirmed already sees blue out of the table.
   */
  publish(service: string, at = new Date().toISOString()): void {
    if (!this.link.isConnected()) return;
    const snapshot = this.snapshot(service, at);
    if (snapshot) this.link.publish(gatewayMetricsSubject(service), snapshot);
  }

  snapshot(service: string, at = new Date().toISOString()): GatewayMetrics | undefined {
    const route = this.routes.get(service);
    if (!route) return undefined;
    const { pools } = route.table;
    return {
      instance: this.link.instance,
      service,
      at,
      version: route.table.version,
      pools: {
        blue: this.stats.poolSnapshot(service, 'blue', pools.blue),
        green: this.stats.poolSnapshot(service, 'green', pools.green),
      },
    };
  }
}
