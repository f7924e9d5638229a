import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { ControlController } from './control.controller';
import { ControlHandler } from './control.handler';
import { ControlService } from './control.service';

/** promote / pause / resume / abort / rollback from REST (the CLI, the dashboard) and NATS. */
@Module({
  imports: [LifecycleModule],
  controllers: [ControlController, ControlHandler],
  providers: [ControlService],
})
export class ControlModule {}
