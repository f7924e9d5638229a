/** Prefix-cache block size of vLLM (and the simulator): only whole blocks are ever cached. */
export const BLOCK_TOKENS = 16;
/** Tokens are approximated as characters / 4 (no tokenizer on the request path). */
export const CHARS_PER_TOKEN = 4;

export const HOT_PREFIX_DEFAULTS = {
  /** How often counts gathered in memory are written to Redis, in one round trip. */
  flushIntervalMs: 1_000,
  /** Prefixes kept per service in Redis (the sorted set and the bodies are trimmed together). */
  maxPrefixes: 1_000,
  /** Distinct prefixes counted in memory between two flushes; more are dropped, not queued. */
  maxPending: 1_000,
  /** Forward-decay time constant: a request weighs e times less than one made `decayTauMs` later. */
  decayTauMs: 30 * 60_000,
  /** Keys of a service nobody sends requests to expire after this. */
  ttlSeconds: 7 * 24 * 3_600,
} as const;

/** Redis keys, hash-tagged per service so the flush script touches one cluster slot. */
export const HOT_PREFIX_KEYS = {
  /** zset prefix id → forward-decayed score (relative to the landmark time t0). */
  scores: (service: string) => `gl:hot-prefixes:{${service}}:scores`,
  /** hash prefix id → JSON { messages, tokens }. */
  bodies: (service: string) => `gl:hot-prefixes:{${service}}:bodies`,
  /** The landmark time t0 (ms) the scores are relative to. */
  landmark: (service: string) => `gl:hot-prefixes:{${service}}:t0`,
} as const;

/** A prefix is cut to this many characters (~8k tokens, a common --max-model-len). */
export const MAX_PREFIX_CHARS = 32 * 1024;

/** Past this many time constants since t0, scores are rescaled so exp() never overflows. */
export const RESCALE_AFTER_TAUS = 40;

/**
 * Adds decayed counts, stores bodies, trims both to the top N, rescales when t0 gets old.
 * KEYS: scores, bodies, landmark. ARGV: now, tau, maxPrefixes, ttlSeconds, rescaleAfter, then
 * (id, count, body) triples. Time comes from the caller, so every gateway replica agrees on t0
 * only through the landmark key.
 */
export const FLUSH_SCRIPT = `
local now = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local rescaleAfter = tonumber(ARGV[5])
local t0 = tonumber(redis.call('GET', KEYS[3]))
if not t0 then
  t0 = now
  redis.call('SET', KEYS[3], t0)
end
local age = (now - t0) / tau
if age > rescaleAfter then
  local factor = math.exp(-age)
  local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    redis.call('ZADD', KEYS[1], tonumber(all[i + 1]) * factor, all[i])
  end
  t0 = now
  age = 0
  redis.call('SET', KEYS[3], t0)
end
local weight = math.exp(age)
for i = 6, #ARGV, 3 do
  redis.call('ZINCRBY', KEYS[1], tonumber(ARGV[i + 1]) * weight, ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
end
local size = redis.call('ZCARD', KEYS[1])
if size > max then
  local evicted = redis.call('ZRANGE', KEYS[1], 0, size - max - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, size - max - 1)
  for i = 1, #evicted, 500 do
    redis.call('HDEL', KEYS[2], unpack(evicted, i, math.min(i + 499, #evicted)))
  end
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
return size
`;

/** What a pre-warm replay sends: one output token, deterministic. */
export const PREWARM_MAX_TOKENS = 1;
export const PREWARM_CHAT_PATH = '/v1/chat/completions';
export const PREWARM_METRICS_PATH = '/metrics';
/** How long checking one replica's cache may take after the replay. */
export const PREWARM_VERIFY_TIMEOUT_MS = 2_000;
