import { type DynamicModule, Module } from '@nestjs/common';
import type { TrafficShifterConfig } from '../config/traffic-shifter.config';
import type { DataPlaneDriver } from '../data-plane/data-plane-driver';
import { EmbeddedGatewayDriver } from '../data-plane/embedded/embedded-gateway.driver';
import { createHttpRouteDriver } from '../data-plane/gateway-api/http-route-driver.factory';
import { HaproxyDriver } from '../data-plane/haproxy/haproxy.driver';
import { RoutesRepository } from './routes.repository';
import { TrafficSetHandler } from './traffic-set.handler';
import { TrafficShifterService } from './traffic-shifter.service';
import { DATA_PLANE_DRIVERS, TRAFFIC_CONFIG } from './traffic.constants';
import { TrafficMetrics } from './traffic.metrics';

/** Routing tables per model service and the data planes that apply them (traffic.set commands). */
@Module({})
export class TrafficModule {
  static register(config: TrafficShifterConfig): DynamicModule {
    return {
      module: TrafficModule,
      controllers: [TrafficSetHandler],
      providers: [
        { provide: TRAFFIC_CONFIG, useValue: config },
        RoutesRepository,
        TrafficMetrics,
        TrafficShifterService,
        EmbeddedGatewayDriver,
        {
          provide: DATA_PLANE_DRIVERS,
          useFactory: (embedded: EmbeddedGatewayDriver): DataPlaneDriver[] => {
            const gatewayApi = createHttpRouteDriver(config);
            return [
              embedded,
              ...(config.HAPROXY_SOCKET
                ? [
                    new HaproxyDriver({
                      socket: config.HAPROXY_SOCKET,
                      slots: config.HAPROXY_SLOTS,
                    }),
                  ]
                : []),
              ...(gatewayApi ? [gatewayApi] : []),
            ];
          },
          inject: [EmbeddedGatewayDriver],
        },
      ],
    };
  }
}
