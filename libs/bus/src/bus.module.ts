import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@greenlight/telemetry';
import { BusMetrics } from './bus.metrics';
import { BUS_OPTIONS, NATS_CONNECTION } from './bus.constants';
import type { BusOptions } from './bus.options';
import { EventBus } from './event-bus.service';
import { JetStreamServer } from './jetstream.server';
import { connectNats } from './nats-connection.util';
import { NatsHealthIndicator } from './nats.health';

@Global()
@Module({})
export class BusModule implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      imports: [TerminusModule],
      providers: [
        { provide: BUS_OPTIONS, useValue: options },
        { provide: NATS_CONNECTION, useFactory: () => connectNats(options) },
        EventBus,
        NatsHealthIndicator,
        {
          provide: JetStreamServer,
          useFactory: (nc: NatsConnection, bus: EventBus, registry?: Registry) =>
            new JetStreamServer(nc, bus, options, registry ? new BusMetrics(registry) : undefined),
          inject: [NATS_CONNECTION, EventBus, { token: METRICS_REGISTRY, optional: true }],
        },
      ],
      exports: [NATS_CONNECTION, BUS_OPTIONS, EventBus, NatsHealthIndicator, JetStreamServer],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
