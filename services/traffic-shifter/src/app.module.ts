import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { TrafficShifterConfig } from './config/traffic-shifter.config';
import { TrafficModule } from './traffic/traffic.module';

@Module({})
export class AppModule {
  static register(config: TrafficShifterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ component: 'traffic-shifter', config }),
        TrafficModule.register(config),
      ],
    };
  }
}
