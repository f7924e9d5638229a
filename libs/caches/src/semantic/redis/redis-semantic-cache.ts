import type { ChainableCommander, Redis } from 'ioredis';
import type { Embedder } from '../embedding/embedder.types';
import {
  bufferToVector,
  cosine,
  fnv1a,
  normaliseText,
  textId,
  vectorToBuffer,
} from '../embedding/vector.util';
import {
  DEFAULT_LSH_BANDS,
  DEFAULT_LSH_BITS,
  DEFAULT_MAX_CANDIDATES,
  LSH_SEED,
} from '../semantic-cache.constants';
import type {
  CachedAnswer,
  SemanticCache,
  SemanticHit,
  SemanticQuery,
} from '../semantic-cache.types';
import { assertScope, assertTtl, parseAnswer } from '../semantic-query.util';
import { HyperplaneLsh } from './lsh.util';
import { ENTRY_FIELDS, SEMANTIC_KEYS } from './redis-semantic.keys';
import { lookupCommand } from './redis-semantic.script';

export interface RedisSemanticCacheOptions {
  redis: Redis;
  embedder: Embedder;
  threshold: number;
  bands?: number;
  bits?: number;
  maxCandidates?: number;
}

const DROP_SCAN_COUNT = 1_000;

/**
 * Semantic cache on plain Redis (7.0 has no vector search). A lookup is one script call (exact
 * match on the normalised text; else the LSH buckets of the query narrowed to a bounded set of
 * candidate vectors) and, on a semantic hit, one HMGET of the best answer: at most two round
 * trips and a bounded amount of data, however many entries the generation holds.
 */
export class RedisSemanticCache implements SemanticCache {
  private readonly redis: Redis;
  private readonly embedder: Embedder;
  private readonly threshold: number;
  private readonly lsh: HyperplaneLsh;
  private readonly maxCandidates: number;
  /** Names the embedder and LSH shape in bucket keys. */
  private readonly space: string;

  constructor(options: RedisSemanticCacheOptions) {
    this.redis = options.redis;
    this.embedder = options.embedder;
    this.threshold = options.threshold;
    this.lsh = new HyperplaneLsh(
      options.bands ?? DEFAULT_LSH_BANDS,
      options.bits ?? DEFAULT_LSH_BITS,
      LSH_SEED,
    );
    this.maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
    this.space = fnv1a(`${this.embedder.id}/${this.lsh.bands}x${this.lsh.bits}`).toString(36);
  }

  async lookup(query: SemanticQuery): Promise<SemanticHit | null> {
    const { service, generation } = query;
    assertScope(service, generation);
    const normalised = normaliseText(query.text);
    const vector = await this.embedder.embed(normalised);
    const keys = [
      SEMANTIC_KEYS.entry(service, generation, textId(normalised)),
      SEMANTIC_KEYS.scratch(service, generation),
      ...this.bucketKeys(service, generation, vector),
    ];
    const [exact, ...reply] = await lookupCommand(this.redis).greenlightSemanticLookupBuffer(
      keys.length,
      ...keys,
      generation,
      this.maxCandidates,
      SEMANTIC_KEYS.entry(service, generation, ''),
    );
    if (exact === 1) {
      const answer = parseAnswer(reply[0]?.toString());
      return answer ? { answer, similarity: 1 } : null;
    }
    let best: { id: string; similarity: number } | undefined;
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const similarity = cosine(vector, bufferToVector(reply[i + 1]!));
      if (similarity >= this.threshold && similarity > (best?.similarity ?? -1)) {
        best = { id: reply[i]!.toString(), similarity };
      }
    }
    if (!best) return null;
    const answer = await this.readAnswer(service, generation, best.id);
    return answer ? { answer, similarity: Math.min(1, best.similarity) } : null;
  }

  /** Idempotent: the entry id is the hash of the normalised text, so a repeat overwrites itself. */
  async store(query: SemanticQuery, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
    const { service, generation } = query;
    assertScope(service, generation);
    assertTtl(ttlSeconds);
    const normalised = normaliseText(query.text);
    const id = textId(normalised);
    const vector = await this.embedder.embed(normalised);
    const entryKey = SEMANTIC_KEYS.entry(service, generation, id);
    const indexKey = SEMANTIC_KEYS.index(service, generation);
    const now = Date.now();
    const tx = this.redis.multi();
    tx.hset(entryKey, {
      [ENTRY_FIELDS.vector]: vectorToBuffer(vector),
      [ENTRY_FIELDS.answer]: JSON.stringify(answer),
      [ENTRY_FIELDS.generation]: generation,
    });
    tx.expire(entryKey, ttlSeconds);
    for (const key of this.bucketKeys(service, generation, vector)) {
      tx.sadd(key, id);
      extendTtl(tx, key, ttlSeconds);
    }
    tx.zadd(indexKey, now + ttlSeconds * 1000, id);
    tx.zremrangebyscore(indexKey, '-inf', now);
    extendTtl(tx, indexKey, ttlSeconds);
    await exec(tx);
  }

  /** Idempotent: a second drop finds no keys. Stores racing the drop are the caller's to stop first. */
  async dropGeneration(service: string, generation: string): Promise<void> {
    assertScope(service, generation);
    const match = `${SEMANTIC_KEYS.generation(service, generation)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', DROP_SCAN_COUNT);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async countGeneration(service: string, generation: string): Promise<number> {
    assertScope(service, generation);
    return this.redis.zcount(SEMANTIC_KEYS.index(service, generation), `(${Date.now()}`, '+inf');
  }

  /** The Redis client belongs to the caller, who closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private bucketKeys(service: string, generation: string, vector: Float32Array): string[] {
    return this.lsh
      .buckets(vector)
      .map((bucket, band) => SEMANTIC_KEYS.bucket(service, generation, this.space, band, bucket));
  }

  /** Entry of this generation only: the generation field double-checks the key's namespace. */
  private async readAnswer(
    service: string,
    generation: string,
    id: string,
  ): Promise<CachedAnswer | null> {
    const [answer, owner] = await this.redis.hmget(
      SEMANTIC_KEYS.entry(service, generation, id),
      ENTRY_FIELDS.answer,
      ENTRY_FIELDS.generation,
    );
    return owner === generation ? parseAnswer(answer) : null;
  }
}

/** Set the TTL on a fresh key, or lengthen it; never shorten what a longer-lived entry needs. */
function extendTtl(tx: ChainableCommander, key: string, ttlSeconds: number): void {
  tx.expire(key, ttlSeconds, 'NX');
  tx.expire(key, ttlSeconds, 'GT');
}

/** Runs a pipeline or transaction; the first failed command fails the whole call. */
async function exec<T>(commands: ChainableCommander): Promise<T[]> {
  const results = (await commands.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value as T;
  });
}
