import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BusModule } from '@greenlight/bus';
import type { BaseServiceConfig } from '@greenlight/contracts';
import { StoreModule } from '@greenlight/store';
import { TelemetryModule } from '@greenlight/telemetry';
import { HealthController } from './health.controller';
import { SERVICE_CONFIG } from './runtime.constants';

export interface ServiceKitOptions<C extends BaseServiceConfig = BaseServiceConfig> {
  component: string;
  config: C;
}

/** What every greenlight service has: logs, metrics, NATS, Redis, /healthz, its config. */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot<C extends BaseServiceConfig>({
    component,
    config,
  }: ServiceKitOptions<C>): DynamicModule {
    return {
      module: ServiceKitModule,
      imports: [
        TelemetryModule.forRoot({ component, logLevel: config.LOG_LEVEL }),
        BusModule.forRoot({
          servers: config.NATS_URL,
          component,
          replicas: config.NATS_STREAM_REPLICAS,
          ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? '' } : {}),
        }),
        StoreModule.forRoot({
          url: config.REDIS_URL,
          connectionName: `greenlight-${component}`,
          ...(config.REDIS_SENTINELS
            ? { sentinels: config.REDIS_SENTINELS, sentinelName: config.REDIS_SENTINEL_NAME }
            : {}),
        }),
        TerminusModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: SERVICE_CONFIG, useValue: config }],
      exports: [SERVICE_CONFIG],
    };
  }
}
