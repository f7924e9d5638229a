import type { Redis } from 'ioredis';

/** Registered on the caller's client under this name (ioredis sends EVALSHA, falls back to EVAL). */
export const LOOKUP_COMMAND = 'greenlightSemanticLookup';

/**
 * One round trip for the expensive part of a lookup, run next to the data.
 * KEYS[1]: the exact entry; KEYS[2]: a scratch key; KEYS[3..]: the query's LSH buckets.
 * ARGV: generation, candidate limit, entry key prefix.
 * Returns {1, answer} for an exact hit, else {0, id1, vector1, id2, vector2, ...}: the ids seen in
 * the most bands first, at most `limit`. ZUNIONSTORE counts the bands per id in C (sets count as
 * score 1), so the script never walks the buckets' members itself. Ids whose entry has expired
 * are pruned from the buckets.
 */
const LOOKUP_SCRIPT = `
local exact = redis.call('HMGET', KEYS[1], 'a', 'g')
if exact[1] and exact[2] == ARGV[1] then return {1, exact[1]} end
redis.call('ZUNIONSTORE', KEYS[2], #KEYS - 2, unpack(KEYS, 3))
local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1, 'REV')
redis.call('DEL', KEYS[2])
local out, expired = {0}, {}
for _, id in ipairs(ids) do
  local vector = redis.call('HGET', ARGV[3] .. id, 'v')
  if vector then
    out[#out + 1] = id
    out[#out + 1] = vector
  else
    expired[#expired + 1] = id
  end
end
if #expired > 0 then
  for i = 3, #KEYS do redis.call('SREM', KEYS[i], unpack(expired)) end
end
return out
`;

export type LookupReply = [0 | 1, ...Buffer[]];

interface LookupCommand {
  greenlightSemanticLookupBuffer(
    numberOfKeys: number,
    ...keysAndArgs: (string | number)[]
  ): Promise<LookupReply>;
}

/** Defines the command once per client; the client may be shared with other caches. */
export function lookupCommand(redis: Redis): LookupCommand {
  if (!(LOOKUP_COMMAND in redis)) redis.defineCommand(LOOKUP_COMMAND, { lua: LOOKUP_SCRIPT });
  return redis as unknown as LookupCommand;
}
