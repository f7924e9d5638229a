import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  DEFAULT_LIST_LIMIT,
  IDEMPOTENCY_TTL_SECONDS,
  REDIS_CLIENT,
  STORE_ERRORS,
  STORE_KEYS,
} from '../store.constants';
import { replicated } from '../redis/replication.util';
import { NotFoundError, StaleVersionError } from '../store.errors';
import { defineDeploymentScripts } from './deployment.scripts';
import type {
  CreateDeploymentInput,
  CreateDeploymentResult,
  ListDeploymentsQuery,
  StoredRecord,
} from './deployment.types';

/**
 * Deployment records with optimistic concurrency (`version`), an idempotency map, the
 * per-service lock and a transactional outbox, all changed together by Lua scripts.
 */
@Injectable()
export class DeploymentRepository<T extends StoredRecord = StoredRecord> {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    defineDeploymentScripts(redis);
  }

  async create(input: CreateDeploymentInput<T>): Promise<CreateDeploymentResult<T>> {
    const { record, idempotencyKey, lock } = input;
    const events = serializeEvents(input.outbox);
    const reply = await replicated(this.redis, () =>
      this.redis.glCreateDeployment(
        STORE_KEYS.deployment(record.id),
        STORE_KEYS.idempotency(idempotencyKey ?? ''),
        STORE_KEYS.lock(record.service),
        STORE_KEYS.fence(record.service),
        STORE_KEYS.deployments,
        STORE_KEYS.serviceDeployments(record.service),
        STORE_KEYS.outbox(record.id),
        STORE_KEYS.outboxPending,
        record.id,
        // With the lock the script writes the fence; drop any the caller carried over.
        JSON.stringify(lock ? { ...record, fence: undefined } : record),
        idempotencyKey === null ? '0' : '1',
        lock ? '1' : '0',
        Date.now(),
        IDEMPOTENCY_TTL_SECONDS,
        ...events,
      ),
    );
    const [status, first, second] = reply;
    if (status === 'created' && first !== undefined) {
      return { status, record: JSON.parse(first) as T };
    }
    if (status === 'duplicate' && first !== undefined) return { status, id: first };
    if (status === 'conflict' && first !== undefined) {
      return { status, holder: { deploymentId: first, fence: Number(second) } };
    }
    throw new Error(STORE_ERRORS.unexpectedScriptReply('create'));
  }

  async get(id: string): Promise<T | null> {
    const json = await this.redis.get(STORE_KEYS.deployment(id));
    return json === null ? null : (JSON.parse(json) as T);
  }

  /** Newest first. */
  async list(query: ListDeploymentsQuery = {}): Promise<T[]> {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    if (limit <= 0) return [];
    const index =
      query.service === undefined
        ? STORE_KEYS.deployments
        : STORE_KEYS.serviceDeployments(query.service);
    let start = 0;
    if (query.before !== undefined) {
      const rank = await this.redis.zrevrank(index, query.before);
      if (rank === null) return [];
      start = rank + 1;
    }
    const ids = await this.redis.zrevrange(index, start, start + limit - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => STORE_KEYS.deployment(id)));
    return values.flatMap((json) => (json === null ? [] : [JSON.parse(json) as T]));
  }

  /**
   * Compare-and-set: succeeds only if the stored version is `expectedVersion`; stores `next`
   * with version `expectedVersion + 1` and appends the outbox events in the same step.
   */
  async update(next: T, expectedVersion: number, outbox: object[] = []): Promise<T> {
    const stored = { ...next, version: expectedVersion + 1 };
    const reply = await replicated(this.redis, () =>
      this.redis.glUpdateDeployment(
        STORE_KEYS.deployment(next.id),
        STORE_KEYS.outbox(next.id),
        STORE_KEYS.outboxPending,
        expectedVersion,
        JSON.stringify(stored),
        next.service,
        ...serializeEvents(outbox),
      ),
    );
    const [status, detail] = reply;
    switch (status) {
      case 'ok':
        return stored;
      case 'missing':
        throw new NotFoundError(next.id);
      case 'stale':
        throw new StaleVersionError(next.id, expectedVersion, Number(detail));
      case 'service':
        throw new Error(STORE_ERRORS.serviceChanged(next.id, String(detail), next.service));
      default:
        throw new Error(STORE_ERRORS.unexpectedScriptReply('update'));
    }
  }

  /** Events not yet acknowledged as published, oldest first. */
  async pendingOutbox(id: string): Promise<object[]> {
    const events = await this.redis.lrange(STORE_KEYS.outbox(id), 0, -1);
    return events.map((json) => JSON.parse(json) as object);
  }

  /** Removes the event once published; only the head, so events leave in order. */
  async ackOutbox(id: string, eventId: string): Promise<boolean> {
    const acked = await replicated(this.redis, () =>
      this.redis.glAckOutbox(STORE_KEYS.outbox(id), STORE_KEYS.outboxPending, id, eventId),
    );
    return acked === 1;
  }

  async deploymentsWithPendingOutbox(): Promise<string[]> {
    return this.redis.smembers(STORE_KEYS.outboxPending);
  }

  /**
   * The next routing-table version of a service: strictly greater than every one handed out
   * before, across deployments and orchestrator replicas, so the data plane can refuse stale ones.
   */
  async nextRoutingVersion(service: string): Promise<number> {
    return replicated(this.redis, () => this.redis.incr(STORE_KEYS.routingVersion(service)));
  }

  /** Moves a service's routing versions past `applied` (a version the data plane already has). */
  async raiseRoutingVersion(service: string, applied: number): Promise<void> {
    await replicated(this.redis, () =>
      this.redis.eval(
        "if (tonumber(redis.call('GET', KEYS[1])) or 0) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end",
        1,
        STORE_KEYS.routingVersion(service),
        applied,
      ),
    );
  }

  /** Releases the service lock only if `id` still holds it with `fence`. */
  async releaseLock(service: string, id: string, fence: number): Promise<boolean> {
    const released = await replicated(this.redis, () =>
      this.redis.glReleaseLock(STORE_KEYS.lock(service), id, fence),
    );
    return released === 1;
  }
}

function serializeEvents(events: object[]): string[] {
  return events.map((event) => {
    if (typeof (event as { id?: unknown }).id !== 'string') {
      throw new TypeError(STORE_ERRORS.eventWithoutId);
    }
    return JSON.stringify(event);
  });
}
