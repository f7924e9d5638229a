import { sleep, startRedisServer, waitFor, type ServerHandle } from '@greenlight/testing';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../redis/redis-client.util';
import { TimerStore } from './timer-store.service';

let server: ServerHandle;
let redis: Redis;
let timers: TimerStore;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedisClient(server.url, 'timers-int-spec');
  timers = new TimerStore(redis);
});
afterAll(async () => {
  redis.disconnect();
  await server.dispose();
});
beforeEach(() => redis.flushall());

const NOW = 1_700_000_000_000;
const LEASE_MS = 30_000;

describe('TimerStore', () => {
  it('hands each due timer to exactly one of two concurrent claimers', async () => {
    for (let i = 0; i < 50; i++) await timers.schedule(`t${i}`, NOW - i, { step: i });
    const other = createRedisClient(server.url, 'timers-int-spec-2');
    try {
      const [a, b] = await Promise.all([
        timers.claimDue(NOW, LEASE_MS, 30),
        new TimerStore(other).claimDue(NOW, LEASE_MS, 30),
      ]);

      const ids = [...a, ...b].map((t) => t.id);
      expect(ids).toHaveLength(50);
      expect(new Set(ids).size).toBe(50);
      expect(await timers.claimDue(NOW, LEASE_MS)).toEqual([]);
    } finally {
      other.disconnect();
    }
  });

  it('does not claim a timer before it is due', async () => {
    await timers.schedule('bake', NOW + 1_000, { deploymentId: 'd1' });

    expect(await timers.claimDue(NOW, LEASE_MS)).toEqual([]);
    expect(await timers.claimDue(NOW + 1_000, LEASE_MS)).toEqual([
      { id: 'bake', dueAt: NOW + 1_000, payload: { deploymentId: 'd1' } },
    ]);
  });

  it('tells when the earliest unclaimed timer falls due, so the runner can wake exactly then', async () => {
    expect(await timers.nextDueAt()).toBeNull();
    await timers.schedule('standby', NOW + 5_000, { deploymentId: 'd1' });
    await timers.schedule('bake', NOW + 1_000, { deploymentId: 'd2' });

    expect(await timers.nextDueAt()).toBe(NOW + 1_000);
    await timers.claimDue(NOW + 1_000, LEASE_MS);
    expect(await timers.nextDueAt()).toBe(NOW + 5_000);
  });

  it('gives a claimed timer to another claimer once the lease expires without complete()', async () => {
    await timers.schedule('bake', NOW, { deploymentId: 'd1' });
    await timers.claimDue(NOW, LEASE_MS);

    expect(await timers.claimDue(NOW + LEASE_MS - 1, LEASE_MS)).toEqual([]);
    expect((await timers.claimDue(NOW + LEASE_MS, LEASE_MS)).map((t) => t.id)).toEqual(['bake']);
  });

  it('forgets a completed timer but keeps one rescheduled while it was handled', async () => {
    await timers.schedule('done', NOW, {});
    await timers.schedule('extended', NOW, { attempt: 1 });
    await timers.claimDue(NOW, LEASE_MS);

    await timers.schedule('extended', NOW + 60_000, { attempt: 2 });
    expect(await timers.complete('done')).toBe(true);
    expect(await timers.complete('extended')).toBe(false);

    expect(await timers.get('done')).toBeNull();
    expect(await timers.claimDue(NOW + LEASE_MS * 10, LEASE_MS)).toEqual([
      { id: 'extended', dueAt: NOW + 60_000, payload: { attempt: 2 } },
    ]);
  });

  it('replaces a timer scheduled twice and drops a cancelled one', async () => {
    await timers.schedule('standby', NOW, { hours: 24 });
    await timers.schedule('standby', NOW + 5_000, { hours: 1 });
    await timers.schedule('drain', NOW, {});

    expect(await timers.cancel('drain')).toBe(true);

    expect(await timers.get('standby')).toEqual({
      id: 'standby',
      dueAt: NOW + 5_000,
      payload: { hours: 1 },
    });
    expect(await timers.claimDue(NOW + 5_000, LEASE_MS)).toEqual([
      { id: 'standby', dueAt: NOW + 5_000, payload: { hours: 1 } },
    ]);
  });

  it('keeps scheduled timers across a redis-server restart', async () => {
    await timers.schedule('standby', NOW, { deploymentId: 'd1' });
    await sleep(1_100); // appendfsync everysec

    await server.restart();
    await waitFor(() => redis.status === 'ready', { what: 'redis reconnect' });

    expect(await timers.claimDue(NOW, LEASE_MS)).toEqual([
      { id: 'standby', dueAt: NOW, payload: { deploymentId: 'd1' } },
    ]);
  });
});
