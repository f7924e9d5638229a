import { startRedisSentinel, waitFor, type RedisSentinelSet } from '@greenlight/testing';
import type { Redis } from 'ioredis';
import { DeploymentRepository } from '../deployment/deployment.repository';
import { REDIS_REPLICA_ACK_TIMEOUT_MS } from '../store.constants';
import { TimerStore } from '../timers/timer-store.service';
import { createRedisClient } from './redis-client.util';

interface Row {
  id: string;
  service: string;
  version: number;
  step: number;
}

let set: RedisSentinelSet;
let redis: Redis;

beforeEach(async () => {
  set = await startRedisSentinel();
  redis = createRedisClient(`redis://127.0.0.1:1`, 'sentinel-int-spec', {
    sentinels: set.sentinelAddresses,
    sentinelName: set.masterName,
  });
  await waitFor(() => redis.status === 'ready', { what: 'redis ready through the sentinels' });
});
afterEach(async () => {
  redis?.disconnect();
  await set?.dispose();
});

describe('Redis behind Sentinels', () => {
  it('keeps every acknowledged write through a failover, fails writes during it fast, and writes to the new primary after', async () => {
    const repo = new DeploymentRepository<Row>(redis);
    const timers = new TimerStore(redis);
    const row = { id: 'd1', service: 'chat', version: 1, step: 0 };
    await repo.create({ record: row, idempotencyKey: 'k1', outbox: [{ id: 'e1' }], lock: true });
    await repo.update({ ...row, step: 1 }, 1, [{ id: 'e2' }]);
    await timers.schedule('bake:d1', Date.now() + 60_000, { deploymentId: 'd1' });

    const old = await set.primary();
    await old.kill();
    // Writes while no primary is named: each one settles (an error, or success once promoted).
    const during: { ok: boolean; ms: number }[] = [];
    const failover = set.waitForFailover(old);
    let promoted = false;
    void failover.then(() => (promoted = true));
    let step = 1;
    while (!promoted) {
      const started = Date.now();
      const ok = await repo.update({ ...row, step: step + 1 }, step + 1).then(
        () => true,
        () => false,
      );
      if (ok) step++;
      during.push({ ok, ms: Date.now() - started });
    }
    const primary = await failover;

    expect(primary).not.toBe(old);
    expect(during.some((w) => !w.ok)).toBe(true);
    expect(Math.max(...during.map((w) => w.ms))).toBeLessThan(5_000);
    // Acknowledged before the failover, still there after it, on the new primary.
    const after = await waitFor(() => repo.get('d1').catch(() => null), { what: 'read d1' });
    expect(after).toMatchObject({ step, version: step + 1 });
    expect(await repo.pendingOutbox('d1')).toEqual([{ id: 'e1' }, { id: 'e2' }]);
    expect(await timers.get('bake:d1')).toMatchObject({ payload: { deploymentId: 'd1' } });
    await waitFor(
      () =>
        repo.update({ ...row, step: 99 }, step + 1).then(
          () => true,
          () => false,
        ),
      { what: 'a write on the new primary' },
    );
    expect(await repo.get('d1')).toMatchObject({ step: 99 });
  });

  it('with the replica down, a write waits at most the replica timeout once, then no longer', async () => {
    const repo = new DeploymentRepository<Row>(redis);
    const primary = await set.primary();
    await set.nodes.find((n) => n !== primary)!.kill();

    const timed = async (fn: () => Promise<unknown>) => {
      const started = Date.now();
      await fn();
      return Date.now() - started;
    };
    const first = await timed(() =>
      repo.create({
        record: { id: 'd2', service: 'chat', version: 1, step: 0 },
        idempotencyKey: null,
        outbox: [],
        lock: false,
      }),
    );
    const next = await timed(() =>
      repo.update({ id: 'd2', service: 'chat', version: 1, step: 1 }, 1),
    );

    expect(first).toBeGreaterThanOrEqual(REDIS_REPLICA_ACK_TIMEOUT_MS - 50);
    expect(next).toBeLessThan(REDIS_REPLICA_ACK_TIMEOUT_MS / 2);
    expect(await repo.get('d2')).toMatchObject({ step: 1, version: 2 });
  });
});
