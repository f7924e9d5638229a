import type { Redis, Result } from 'ioredis';

// Lua runs atomically in Redis: every check-then-write on several keys lives here.

/**
 * KEYS: record, idempotency, lock, fence, all-deployments zset, service zset, outbox, outbox-pending
 * ARGV: id, recordJson, hasIdempotencyKey, takeLock, createdAtMs, idempotencyTtlSeconds, ...events
 * Reply: {'duplicate', id} | {'conflict', holderId, holderFence} | {'created', storedJson}
 */
const CREATE_DEPLOYMENT = `
local id = ARGV[1]
if ARGV[3] == '1' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {'duplicate', existing} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'duplicate', id} end
local record = ARGV[2]
if ARGV[4] == '1' then
  local holder = redis.call('HMGET', KEYS[3], 'deploymentId', 'fence')
  if holder[1] then return {'conflict', holder[1], holder[2]} end
  local fence = redis.call('INCR', KEYS[4])
  redis.call('HSET', KEYS[3], 'deploymentId', id, 'fence', fence, 'acquiredAt', ARGV[5])
  -- set the fence without a cjson round trip (it would turn [] into {}): replace the
  -- record's own top-level "fence" number, or append one
  local replaced, n = string.gsub(record, '^(.*)"fence":%-?%d+', '%1"fence":' .. fence, 1)
  if n == 0 then replaced = string.sub(record, 1, -2) .. ',"fence":' .. fence .. '}' end
  record = replaced
end
redis.call('SET', KEYS[1], record)
redis.call('ZADD', KEYS[5], ARGV[5], id)
redis.call('ZADD', KEYS[6], ARGV[5], id)
if ARGV[3] == '1' then redis.call('SET', KEYS[2], id, 'EX', ARGV[6]) end
if #ARGV > 6 then
  for i = 7, #ARGV do redis.call('RPUSH', KEYS[7], ARGV[i]) end
  redis.call('SADD', KEYS[8], id)
end
return {'created', record}
`;

/**
 * KEYS: record, outbox, outbox-pending
 * ARGV: expectedVersion, nextJson, service, ...events
 * Reply: {'ok'} | {'missing'} | {'stale', actualVersion} | {'service', storedService}
 */
const UPDATE_DEPLOYMENT = `
local stored = redis.call('GET', KEYS[1])
if not stored then return {'missing'} end
local current = cjson.decode(stored)
if tonumber(current.version) ~= tonumber(ARGV[1]) then return {'stale', tostring(current.version)} end
if current.service ~= ARGV[3] then return {'service', tostring(current.service)} end
redis.call('SET', KEYS[1], ARGV[2])
if #ARGV > 3 then
  local id = cjson.decode(ARGV[2]).id
  for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
  redis.call('SADD', KEYS[3], id)
end
return {'ok'}
`;

/** KEYS: outbox, outbox-pending. ARGV: deploymentId, eventId. Reply: 1 acked, 0 not at the head. */
const ACK_OUTBOX = `
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 0
end
if cjson.decode(head).id ~= ARGV[2] then return 0 end
redis.call('LPOP', KEYS[1])
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
`;

/** KEYS: lock. ARGV: deploymentId, fence. Reply: 1 released, 0 not held by that id with that fence. */
const RELEASE_LOCK = `
local holder = redis.call('HMGET', KEYS[1], 'deploymentId', 'fence')
if holder[1] == ARGV[1] and holder[2] == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    glCreateDeployment(...keysAndArgs: (string | number)[]): Result<string[], Context>;
    glUpdateDeployment(...keysAndArgs: (string | number)[]): Result<string[], Context>;
    glAckOutbox(...keysAndArgs: (string | number)[]): Result<number, Context>;
    glReleaseLock(...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}

/** Registers the scripts on a client once (ioredis sends EVALSHA and falls back to EVAL). */
export function defineDeploymentScripts(redis: Redis): void {
  if (typeof (redis as Partial<Redis>).glCreateDeployment === 'function') return;
  redis.defineCommand('glCreateDeployment', { numberOfKeys: 8, lua: CREATE_DEPLOYMENT });
  redis.defineCommand('glUpdateDeployment', { numberOfKeys: 3, lua: UPDATE_DEPLOYMENT });
  redis.defineCommand('glAckOutbox', { numberOfKeys: 2, lua: ACK_OUTBOX });
  redis.defineCommand('glReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
}
