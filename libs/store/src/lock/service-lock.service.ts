import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { LockHolder } from '../deployment/deployment.types';
import { REDIS_CLIENT, STORE_KEYS } from '../store.constants';

/**
 * Reads the per-service deployment lock. It is taken by DeploymentRepository.create and
 * released by DeploymentRepository.releaseLock; the fence tells a stale holder it lost it.
 */
@Injectable()
export class ServiceLock {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async holder(service: string): Promise<LockHolder | null> {
    const [deploymentId, fence] = await this.redis.hmget(
      STORE_KEYS.lock(service),
      'deploymentId',
      'fence',
    );
    if (!deploymentId || !fence) return null;
    return { deploymentId, fence: Number(fence) };
  }

  /** True iff `deploymentId` still holds the lock of `service` with exactly this fence. */
  async assertFence(service: string, deploymentId: string, fence: number): Promise<boolean> {
    const current = await this.holder(service);
    return current?.deploymentId === deploymentId && current.fence === fence;
  }
}
