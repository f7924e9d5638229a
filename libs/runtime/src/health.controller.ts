import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { NatsHealthIndicator } from '@greenlight/bus';
import { RedisHealthIndicator } from '@greenlight/store';
import { Public } from '@greenlight/telemetry';

@ApiTags('health')
@Public()
@Controller('healthz')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nats: NatsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'NATS and Redis reachability (503 when either is down)' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.nats.isHealthy('nats'),
      () => this.redis.isHealthy('redis'),
    ]);
  }
}
