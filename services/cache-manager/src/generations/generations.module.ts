import { Module } from '@nestjs/common';
import { PlansModule } from '../plans/plans.module';
import { GenerationsHandler } from './generations.handler';
import { GenerationsService } from './generations.service';

/** Semantic-cache generations that follow each deployment to its end. */
@Module({
  imports: [PlansModule],
  controllers: [GenerationsHandler],
  providers: [GenerationsService],
})
export class GenerationsModule {}
