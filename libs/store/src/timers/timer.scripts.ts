import type { Redis, Result } from 'ioredis';

// KEYS for all timer scripts: due zset, in-flight zset, data hash.

/** ARGV: timerId, dueAt, json. Replaces any earlier schedule, claimed or not. */
const SCHEDULE_TIMER = `
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

/** ARGV: timerId. Reply: 1 if it existed. */
const CANCEL_TIMER = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[3], ARGV[1])
`;

/** ARGV: timerId. Deletes only a claimed timer: one rescheduled while it was handled stays. */
const COMPLETE_TIMER = `
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

/**
 * ARGV: now, leaseUntil, limit. Moves due timers and those whose lease expired to the in-flight
 * set with a new lease. Reply: flat {id, json, id, json, ...}.
 */
const CLAIM_DUE_TIMERS = `
local limit = tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit)
if #ids < limit then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, limit - #ids)
  for _, id in ipairs(due) do table.insert(ids, id) end
end
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local json = redis.call('HGET', KEYS[3], id)
  if json then
    redis.call('ZADD', KEYS[2], ARGV[2], id)
    table.insert(out, id)
    table.insert(out, json)
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
return out
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    glScheduleTimer(...keysAndArgs: (string | number)[]): Result<number, Context>;
    glCancelTimer(...keysAndArgs: (string | number)[]): Result<number, Context>;
    glCompleteTimer(...keysAndArgs: (string | number)[]): Result<number, Context>;
    glClaimDueTimers(...keysAndArgs: (string | number)[]): Result<string[], Context>;
  }
}

export function defineTimerScripts(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).glClaimDueTimers === 'function') return;
  redis.defineCommand('glScheduleTimer', { numberOfKeys: 3, lua: SCHEDULE_TIMER });
  redis.defineCommand('glCancelTimer', { numberOfKeys: 3, lua: CANCEL_TIMER });
  redis.defineCommand('glCompleteTimer', { numberOfKeys: 3, lua: COMPLETE_TIMER });
  redis.defineCommand('glClaimDueTimers', { numberOfKeys: 3, lua: CLAIM_DUE_TIMERS });
}
