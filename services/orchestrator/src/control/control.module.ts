import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { ControlController } from './control.controller';
import { ControlService } from './control.service';

/** promote / pause / resume / abort / rollback from REST (and, later, the CLI and dashboard). */
@Module({
  imports: [LifecycleModule],
  controllers: [ControlController],
  providers: [ControlService],
})
export class ControlModule {}
