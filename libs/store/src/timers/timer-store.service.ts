import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { replicated } from '../redis/replication.util';
import { DEFAULT_CLAIM_LIMIT, REDIS_CLIENT, STORE_KEYS } from '../store.constants';
import { defineTimerScripts } from './timer.scripts';

export interface Timer {
  id: string;
  /** Epoch ms. */
  dueAt: number;
  payload: object;
}

interface StoredTimer {
  dueAt: number;
  payload: object;
}

const TIMER_KEYS = [STORE_KEYS.timersDue, STORE_KEYS.timersInFlight, STORE_KEYS.timersData];

/**
 * Durable timers (bake, standby windows): due times live in Redis so they survive restarts.
 * A claimed timer is leased; if its claimer dies before complete(), it is claimable again.
 */
@Injectable()
export class TimerStore {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    defineTimerScripts(redis);
  }

  /** Idempotent: scheduling an existing id replaces its due time and payload. */
  async schedule(timerId: string, dueAt: number, payload: object): Promise<void> {
    const stored: StoredTimer = { dueAt, payload };
    await replicated(this.redis, () =>
      this.redis.glScheduleTimer(...TIMER_KEYS, timerId, dueAt, JSON.stringify(stored)),
    );
  }

  async cancel(timerId: string): Promise<boolean> {
    return (
      (await replicated(this.redis, () => this.redis.glCancelTimer(...TIMER_KEYS, timerId))) === 1
    );
  }

  async get(timerId: string): Promise<Timer | null> {
    const json = await this.redis.hget(STORE_KEYS.timersData, timerId);
    return json === null ? null : toTimer(timerId, json);
  }

  /** When the earliest scheduled (unclaimed) timer falls due, in epoch ms; null when none is. */
  async nextDueAt(): Promise<number | null> {
    const [, score] = await this.redis.zrange(STORE_KEYS.timersDue, 0, 0, 'WITHSCORES');
    return score === undefined ? null : Number(score);
  }

  /** Atomically leases up to `limit` due timers to this caller until `now + leaseMs`. */
  async claimDue(now: number, leaseMs: number, limit = DEFAULT_CLAIM_LIMIT): Promise<Timer[]> {
    const reply = await this.redis.glClaimDueTimers(...TIMER_KEYS, now, now + leaseMs, limit);
    const timers: Timer[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      timers.push(toTimer(reply[i] as string, reply[i + 1] as string));
    }
    return timers;
  }

  /** Deletes a claimed timer once handled; false if it was rescheduled or cancelled meanwhile. */
  async complete(timerId: string): Promise<boolean> {
    return (
      (await replicated(this.redis, () => this.redis.glCompleteTimer(...TIMER_KEYS, timerId))) === 1
    );
  }
}

function toTimer(id: string, json: string): Timer {
  const { dueAt, payload } = JSON.parse(json) as StoredTimer;
  return { id, dueAt, payload };
}
