import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { replicated } from '../redis/replication.util';
import { REDIS_CLIENT, STORE_KEYS } from '../store.constants';

export type PoolEntryState = 'starting' | 'running' | 'stopping' | 'stopped';

/** One pool a host started: enough to report on it and stop it after the host restarts. */
export interface PoolEntry<R> {
  service: string;
  release: string;
  /** The deployment that started it: its reports go to that deployment. */
  deploymentId: string;
  /** Id of the command that started it (the cause of the events reported about it). */
  commandId: string;
  commandSeq: number;
  state: PoolEntryState;
  /** The driver's record (pids, units, endpoints); null until started. */
  record: R | null;
  updatedAt: string;
}

const CLAIM_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local entry = cjson.decode(current)
  if entry.state ~= 'stopped' then return current end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return false
`;

/** Pools started by pool hosts, keyed by service and release: one live pool per release. */
@Injectable()
export class PoolRepository<R = unknown> {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /**
   * Claims `<service>/<release>` for a new pool (state 'starting'). Returns null when claimed,
   * or the entry that holds it (a live pool of that release, possibly this very deployment's).
   */
  async claim(entry: PoolEntry<R>): Promise<PoolEntry<R> | null> {
    const holder = (await replicated(this.redis, () =>
      this.redis.eval(
        CLAIM_SCRIPT,
        1,
        STORE_KEYS.pools,
        poolKey(entry.service, entry.release),
        JSON.stringify(entry),
      ),
    )) as string | null;
    return holder ? (JSON.parse(holder) as PoolEntry<R>) : null;
  }

  async get(service: string, release: string): Promise<PoolEntry<R> | null> {
    const json = await this.redis.hget(STORE_KEYS.pools, poolKey(service, release));
    return json === null ? null : (JSON.parse(json) as PoolEntry<R>);
  }

  async put(entry: PoolEntry<R>): Promise<void> {
    const stored = { ...entry, updatedAt: new Date().toISOString() };
    await replicated(this.redis, () =>
      this.redis.hset(
        STORE_KEYS.pools,
        poolKey(entry.service, entry.release),
        JSON.stringify(stored),
      ),
    );
  }

  /** Every pool not yet stopped: what a restarted host watches again. */
  async live(): Promise<PoolEntry<R>[]> {
    const all = await this.redis.hvals(STORE_KEYS.pools);
    return all
      .map((json) => JSON.parse(json) as PoolEntry<R>)
      .filter((entry) => entry.state !== 'stopped');
  }
}

function poolKey(service: string, release: string): string {
  return `${service}/${release}`;
}
