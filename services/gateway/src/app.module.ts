import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { GatewayConfig } from './config/gateway.config';

@Module({})
export class AppModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ component: 'gateway', config })],
    };
  }
}
