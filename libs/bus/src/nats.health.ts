import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from './bus.constants';

const FLUSH_TIMEOUT_MS = 1_000;

@Injectable()
export class NatsHealthIndicator {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy<const Key extends string = 'nats'>(
    key: Key = 'nats' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const session = this.health.check(key);
    if (this.nc.isClosed()) return session.down({ message: 'connection closed' });
    try {
      const rtt = await Promise.race([
        this.nc.rtt(),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no answer within ${FLUSH_TIMEOUT_MS} ms`)),
            FLUSH_TIMEOUT_MS,
          ),
        ),
      ]);
      return session.up({ server: this.nc.getServer(), rttMs: Math.round(rtt * 100) / 100 });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
