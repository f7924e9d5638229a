import { Module } from '@nestjs/common';
import { CachePlanRepository } from './cache-plan.repository';

/** Where cache plans are kept between cache.prepare and the deployment's end. */
@Module({ providers: [CachePlanRepository], exports: [CachePlanRepository] })
export class PlansModule {}
