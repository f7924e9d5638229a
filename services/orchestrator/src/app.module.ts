import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import type { OrchestratorConfig } from './config/orchestrator.config';
import { DeploymentsModule } from './deployments/deployments.module';
import { ControlModule } from './control/control.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { RoutesModule } from './routes/routes.module';
import { StreamModule } from './stream/stream.module';

@Module({})
export class AppModule {
  static register(config: OrchestratorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ component: 'orchestrator', config }),
        AuthModule,
        DeploymentsModule,
        LifecycleModule,
        ControlModule,
        RoutesModule,
        AuditModule,
        StreamModule,
        DashboardModule,
      ],
    };
  }
}
