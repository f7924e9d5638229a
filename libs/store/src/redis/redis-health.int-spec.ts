import { startRedisServer, waitFor, type ServerHandle } from '@greenlight/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { DeploymentRepository } from '../deployment/deployment.repository';
import { REDIS_CLIENT } from '../store.constants';
import { StoreModule } from '../store.module';
import { createRedisClient } from './redis-client.util';
import { RedisHealthIndicator } from './redis-health.indicator';

const CONNECTION_NAME = 'health-int-spec';
let server: ServerHandle;
let app: INestApplicationContext | undefined;

async function startApp(): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [StoreModule.forRoot({ url: server.url, connectionName: CONNECTION_NAME })],
  }).compile();
  app = await moduleRef.init();
  const redis = app.get<Redis>(REDIS_CLIENT);
  await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
  return app;
}

beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(() => server.dispose());

describe('StoreModule', () => {
  it('reports redis up, then down once it stops, and fails calls fast meanwhile', async () => {
    const health = (await startApp()).get(RedisHealthIndicator);

    expect(await health.isHealthy()).toEqual({ redis: { status: 'up' } });

    await server.stop();
    const down = await health.isHealthy();
    expect(down.redis.status).toBe('down');
    expect(down.redis).toHaveProperty('message');

    const started = Date.now();
    await expect(app?.get(DeploymentRepository).get('d1')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);

    await server.restart();
    await waitFor(async () => (await health.isHealthy()).redis.status === 'up', {
      what: 'up again',
    });
  });

  it('names its connection and closes it on shutdown', async () => {
    const observer = createRedisClient(server.url, 'observer');
    try {
      const running = await startApp();
      expect(await observer.client('LIST')).toContain(`name=${CONNECTION_NAME}`);

      await running.close();
      app = undefined;

      expect(await observer.client('LIST')).not.toContain(`name=${CONNECTION_NAME}`);
    } finally {
      observer.disconnect();
    }
  });
});
