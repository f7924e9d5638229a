import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { StoreModule } from '@greenlight/store';
import { TelemetryModule } from '@greenlight/telemetry';
import type { GatewayConfig } from './config/gateway.config';
import { GatewayHealthController } from './health/gateway-health.controller';
import { HotPrefixRecorderService } from './hot-prefixes/hot-prefix-recorder.service';
import { HOT_PREFIX_RECORDER } from './hot-prefixes/hot-prefixes.constants';
import { NatsLink } from './link/nats-link.service';
import { GatewayMetricsCollector } from './metrics/gateway-metrics.collector';
import { GatewayStats } from './metrics/gateway-stats.service';
import { MetricsPublisher } from './metrics/metrics-publisher.service';
import { ProxyService } from './proxy/proxy.service';
import { HeartbeatService } from './routing/heartbeat.service';
import { RouteTableService } from './routing/route-table.service';
import { RoutesWatcher } from './routing/routes-watcher.service';
import { semanticCacheProvider } from './semantic/semantic-cache.provider';
import { SemanticCacheService } from './semantic/semantic-cache.service';
import { UpstreamRegistry } from './upstream/upstream-registry.service';

/**
 * The gateway does not use ServiceKitModule: its BusModule resolves the NATS connection before
 * Nest finishes booting, and the data plane must start and serve while NATS is down. NatsLink
 * connects in the background instead; logs, metrics and Redis are the usual modules.
 */
@Module({})
export class AppModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TelemetryModule.forRoot({ component: 'gateway', logLevel: config.LOG_LEVEL }),
        StoreModule.forRoot({
          url: config.REDIS_URL,
          connectionName: 'greenlight-gateway',
          ...(config.REDIS_SENTINELS
            ? { sentinels: config.REDIS_SENTINELS, sentinelName: config.REDIS_SENTINEL_NAME }
            : {}),
        }),
        TerminusModule,
      ],
      controllers: [GatewayHealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        NatsLink,
        GatewayStats,
        UpstreamRegistry,
        RouteTableService,
        RoutesWatcher,
        HeartbeatService,
        MetricsPublisher,
        GatewayMetricsCollector,
        semanticCacheProvider,
        SemanticCacheService,
        HotPrefixRecorderService,
        { provide: HOT_PREFIX_RECORDER, useExisting: HotPrefixRecorderService },
        ProxyService,
      ],
    };
  }
}
