import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CachePlan } from '@greenlight/caches';
import { CachePlanDataSchema, safeParse } from '@greenlight/contracts';
import { REDIS_CLIENT } from '@greenlight/store';
import { PLAN_KEYS, PLAN_TTL_SECONDS } from './plans.constants';

export interface StoredCachePlan {
  service: string;
  plan: CachePlan;
}

/** Each deployment's cache plan, so the generations can follow the deployment to its end. */
@Injectable()
export class CachePlanRepository {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /** Overwrites: a redelivered command computes the same plan. */
  async save(deploymentId: string, stored: StoredCachePlan): Promise<void> {
    await this.redis.set(
      PLAN_KEYS.plan(deploymentId),
      JSON.stringify(stored),
      'EX',
      PLAN_TTL_SECONDS,
    );
  }

  async find(deploymentId: string): Promise<StoredCachePlan | null> {
    const text = await this.redis.get(PLAN_KEYS.plan(deploymentId));
    if (text === null) return null;
    const stored = JSON.parse(text) as { service?: unknown; plan?: unknown };
    const plan = safeParse(CachePlanDataSchema, stored.plan);
    return plan.ok && typeof stored.service === 'string'
      ? { service: stored.service, plan: plan.value }
      : null;
  }
}
