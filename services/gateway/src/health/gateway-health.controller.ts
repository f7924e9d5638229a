import { Controller, Get } from '@nestjs/common';
import { RedisHealthIndicator } from '@greenlight/store';
import { Public } from '@greenlight/telemetry';
import { NatsLink } from '../link/nats-link.service';
import { RouteTableService } from '../routing/route-table.service';

interface Indicator {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

export interface GatewayHealth {
  /** ok: everything reachable; degraded: serving the last tables without NATS or Redis. */
  status: 'ok' | 'degraded';
  info: Record<string, Indicator>;
  error: Record<string, Indicator>;
  details: Record<string, Indicator>;
  /** Routing-table version in force per service. */
  tables: Record<string, number>;
}

/**
 * Terminus-shaped like every service's /healthz, but 200 even while NATS or Redis is down: the
 * data plane keeps serving its last tables then, and a load balancer must not pull it.
 */
@Public()
@Controller('healthz')
export class GatewayHealthController {
  constructor(
    private readonly link: NatsLink,
    private readonly redis: RedisHealthIndicator,
    private readonly routes: RouteTableService,
  ) {}

  @Get()
  async check(): Promise<GatewayHealth> {
    const [nats, redis] = await Promise.all([this.natsIndicator(), this.redisIndicator()]);
    const details: Record<string, Indicator> = { nats, redis };
    const info: Record<string, Indicator> = {};
    const error: Record<string, Indicator> = {};
    for (const [key, indicator] of Object.entries(details)) {
      (indicator.status === 'up' ? info : error)[key] = indicator;
    }
    return {
      status: Object.keys(error).length === 0 ? 'ok' : 'degraded',
      info,
      error,
      details,
      tables: this.routes.versions(),
    };
  }

  private async natsIndicator(): Promise<Indicator> {
    try {
      const rtt = await this.link.rtt();
      return {
        status: 'up',
        server: this.link.connection?.getServer(),
        rttMs: Math.round(rtt * 100) / 100,
      };
    } catch (error) {
      return { status: 'down', message: (error as Error).message };
    }
  }

  private async redisIndicator(): Promise<Indicator> {
    const result = await this.redis.isHealthy('redis');
    return result.redis as Indicator;
  }
}
