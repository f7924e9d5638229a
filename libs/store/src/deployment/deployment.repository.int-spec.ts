import { startRedisServer, type ServerHandle } from '@greenlight/testing';
import type { Redis } from 'ioredis';
import { ServiceLock } from '../lock/service-lock.service';
import { createRedisClient } from '../redis/redis-client.util';
import { STORE_KEYS } from '../store.constants';
import { NotFoundError, StaleVersionError } from '../store.errors';
import { DeploymentRepository } from './deployment.repository';
import type { StoredRecord } from './deployment.types';

interface TestDeployment extends StoredRecord {
  phase: string;
  steps: number[];
  fence?: number;
}

let server: ServerHandle;
let redis: Redis;
let repo: DeploymentRepository<TestDeployment>;
let lock: ServiceLock;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedisClient(server.url, 'store-int-spec');
  repo = new DeploymentRepository<TestDeployment>(redis);
  lock = new ServiceLock(redis);
});
afterAll(async () => {
  await redis.quit();
  await server.dispose();
});
beforeEach(() => redis.flushall());

const deployment = (id: string, service = 'chat'): TestDeployment => ({
  id,
  service,
  version: 1,
  phase: 'Requested',
  steps: [],
});
const event = (id: string, type = 'deployment.phase_changed') => ({ id, type });

describe('DeploymentRepository.create', () => {
  it('stores the record with the lock fence and returns it from get', async () => {
    const result = await repo.create({
      record: deployment('d1'),
      idempotencyKey: 'req-1',
      outbox: [event('e1')],
      lock: true,
    });

    expect(result).toEqual({ status: 'created', record: { ...deployment('d1'), fence: 1 } });
    expect(await repo.get('d1')).toEqual({ ...deployment('d1'), fence: 1 });
    expect(await lock.holder('chat')).toEqual({ deploymentId: 'd1', fence: 1 });
    expect(await repo.pendingOutbox('d1')).toEqual([event('e1')]);
    expect(await repo.deploymentsWithPendingOutbox()).toEqual(['d1']);
  });

  it('replaces a fence the record already carries instead of storing two', async () => {
    await repo.create({
      record: { ...deployment('d1'), fence: 0 },
      idempotencyKey: null,
      outbox: [],
      lock: true,
    });

    const raw = (await redis.get('gl:deployment:d1')) ?? '';
    expect(raw.match(/"fence":/g)).toHaveLength(1);
    expect(await repo.get('d1')).toEqual({ ...deployment('d1'), fence: 1 });
  });

  it('answers a repeated idempotency key with the first deployment and writes nothing', async () => {
    await repo.create({
      record: deployment('d1'),
      idempotencyKey: 'req-1',
      outbox: [event('e1')],
      lock: true,
    });

    const again = await repo.create({
      record: deployment('d2'),
      idempotencyKey: 'req-1',
      outbox: [event('e2')],
      lock: true,
    });

    expect(again).toEqual({ status: 'duplicate', id: 'd1' });
    expect(await repo.get('d2')).toBeNull();
    expect(await repo.pendingOutbox('d2')).toEqual([]);
    expect((await repo.list()).map((d) => d.id)).toEqual(['d1']);
    expect(await redis.ttl(STORE_KEYS.idempotency('req-1'))).toBeGreaterThan(23 * 3600);
  });

  it('refuses a second deployment of a locked service and names the holder', async () => {
    await repo.create({ record: deployment('d1'), idempotencyKey: null, outbox: [], lock: true });

    const second = await repo.create({
      record: deployment('d2'),
      idempotencyKey: null,
      outbox: [],
      lock: true,
    });

    expect(second).toEqual({ status: 'conflict', holder: { deploymentId: 'd1', fence: 1 } });
    expect(await repo.get('d2')).toBeNull();
  });

  it('lets exactly one of 20 concurrent requests for a service through', async () => {
    const clients = Array.from({ length: 4 }, (_, i) =>
      createRedisClient(server.url, `racer-${i}`),
    );
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          new DeploymentRepository<TestDeployment>(clients[i % clients.length] as Redis).create({
            record: deployment(`d${i}`),
            idempotencyKey: `req-${i}`,
            outbox: [event(`e${i}`)],
            lock: true,
          }),
        ),
      );

      const created = results.filter((r) => r.status === 'created');
      expect(created).toHaveLength(1);
      expect(results.filter((r) => r.status === 'conflict')).toHaveLength(19);
      expect(await repo.list({ service: 'chat' })).toHaveLength(1);
      expect(await repo.deploymentsWithPendingOutbox()).toHaveLength(1);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  it('creates without the lock when none is asked for', async () => {
    await repo.create({ record: deployment('d1'), idempotencyKey: null, outbox: [], lock: true });

    const result = await repo.create({
      record: deployment('d2'),
      idempotencyKey: null,
      outbox: [],
      lock: false,
    });

    expect(result).toEqual({ status: 'created', record: deployment('d2') });
    expect(await lock.holder('chat')).toEqual({ deploymentId: 'd1', fence: 1 });
  });

  it('rejects an outbox event without an id and writes nothing', async () => {
    await expect(
      repo.create({
        record: deployment('d1'),
        idempotencyKey: null,
        outbox: [{ type: 'x' }],
        lock: true,
      }),
    ).rejects.toThrow(/id/);
    expect(await repo.get('d1')).toBeNull();
    expect(await lock.holder('chat')).toBeNull();
  });
});

describe('DeploymentRepository.list', () => {
  it('lists newest first, per service, and pages with before', async () => {
    for (const [id, service] of [
      ['a', 'chat'],
      ['b', 'embed'],
      ['c', 'chat'],
      ['d', 'chat'],
    ] as const) {
      await repo.create({
        record: deployment(id, service),
        idempotencyKey: null,
        outbox: [],
        lock: false,
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }

    expect((await repo.list()).map((d) => d.id)).toEqual(['d', 'c', 'b', 'a']);
    expect((await repo.list({ service: 'chat', limit: 2 })).map((d) => d.id)).toEqual(['d', 'c']);
    expect((await repo.list({ service: 'chat', before: 'c' })).map((d) => d.id)).toEqual(['a']);
    expect(await repo.list({ service: 'none' })).toEqual([]);
  });
});

describe('DeploymentRepository.update', () => {
  beforeEach(async () => {
    await repo.create({ record: deployment('d1'), idempotencyKey: null, outbox: [], lock: true });
  });

  it('writes the next version and its events together', async () => {
    const current = (await repo.get('d1')) as TestDeployment;

    const saved = await repo.update({ ...current, phase: 'Provisioning', steps: [1, 25] }, 1, [
      event('e1'),
    ]);

    expect(saved).toEqual({ ...current, phase: 'Provisioning', steps: [1, 25], version: 2 });
    expect(await repo.get('d1')).toEqual(saved);
    expect(await repo.pendingOutbox('d1')).toEqual([event('e1')]);
    expect(await repo.deploymentsWithPendingOutbox()).toEqual(['d1']);
  });

  it('rejects a stale version, names it, and changes nothing', async () => {
    const current = (await repo.get('d1')) as TestDeployment;
    await repo.update({ ...current, phase: 'Provisioning' }, 1);

    const stale = repo.update({ ...current, phase: 'Aborted' }, 1, [event('e1')]);

    await expect(stale).rejects.toThrow(StaleVersionError);
    await expect(stale).rejects.toThrow(/d1.*version 2.*expected 1/);
    expect(await repo.get('d1')).toMatchObject({ phase: 'Provisioning', version: 2 });
    expect(await repo.pendingOutbox('d1')).toEqual([]);
  });

  it('lets exactly one of two concurrent updates from the same version win', async () => {
    const current = (await repo.get('d1')) as TestDeployment;

    const results = await Promise.allSettled([
      repo.update({ ...current, phase: 'Aborted' }, 1),
      repo.update({ ...current, phase: 'Provisioning' }, 1),
    ]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(StaleVersionError);
    expect((await repo.get('d1'))?.version).toBe(2);
  });

  it('reports a missing deployment as not found', async () => {
    await expect(repo.update(deployment('nope'), 1)).rejects.toThrow(NotFoundError);
    expect(await repo.get('nope')).toBeNull();
  });
});

describe('DeploymentRepository outbox', () => {
  it('keeps events in order, acks only the head, and clears the pending set when empty', async () => {
    await repo.create({
      record: deployment('d1'),
      idempotencyKey: null,
      outbox: [event('e1'), event('e2')],
      lock: false,
    });
    await repo.update({ ...deployment('d1') }, 1, [event('e3')]);

    expect(await repo.pendingOutbox('d1')).toEqual([event('e1'), event('e2'), event('e3')]);
    expect(await repo.ackOutbox('d1', 'e2')).toBe(false);
    expect(await repo.ackOutbox('d1', 'e1')).toBe(true);
    expect(await repo.ackOutbox('d1', 'e2')).toBe(true);
    expect(await repo.deploymentsWithPendingOutbox()).toEqual(['d1']);
    expect(await repo.ackOutbox('d1', 'e3')).toBe(true);

    expect(await repo.pendingOutbox('d1')).toEqual([]);
    expect(await repo.deploymentsWithPendingOutbox()).toEqual([]);
  });
});

describe('DeploymentRepository.releaseLock', () => {
  it('refuses a wrong fence, then hands the lock to the next deployment with a higher fence', async () => {
    await repo.create({ record: deployment('d1'), idempotencyKey: null, outbox: [], lock: true });

    expect(await repo.releaseLock('chat', 'd1', 99)).toBe(false);
    expect(await repo.releaseLock('chat', 'd2', 1)).toBe(false);
    expect(await lock.assertFence('chat', 'd1', 1)).toBe(true);

    expect(await repo.releaseLock('chat', 'd1', 1)).toBe(true);
    expect(await lock.holder('chat')).toBeNull();
    expect(await lock.assertFence('chat', 'd1', 1)).toBe(false);

    const next = await repo.create({
      record: deployment('d2'),
      idempotencyKey: null,
      outbox: [],
      lock: true,
    });
    expect(next).toEqual({ status: 'created', record: { ...deployment('d2'), fence: 2 } });
    expect(await lock.assertFence('chat', 'd2', 2)).toBe(true);
    expect(await repo.releaseLock('chat', 'd1', 1)).toBe(false);
  });
});
