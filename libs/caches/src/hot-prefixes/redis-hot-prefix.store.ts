import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  FLUSH_SCRIPT,
  HOT_PREFIX_DEFAULTS,
  HOT_PREFIX_KEYS,
  RESCALE_AFTER_TAUS,
} from './hot-prefix.constants';
import type {
  HotPrefix,
  HotPrefixReader,
  HotPrefixRecorder,
  PrefixMessage,
} from './hot-prefix.types';
import { promptPrefixOf, type PromptPrefix } from './hot-prefix.util';

export interface HotPrefixStoreOptions {
  flushIntervalMs?: number;
  maxPrefixes?: number;
  maxPending?: number;
  decayTauMs?: number;
  ttlSeconds?: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

interface Pending {
  prefix: PromptPrefix;
  count: number;
}

interface StoredBody {
  messages: PrefixMessage[];
  tokens: number;
}

/**
 * Counts hot prompt prefixes per service. The gateway's record() only touches memory; a timer
 * writes the counts every ~1 s in one script call per service. Scores use forward decay
 * (score += exp((t − t0)/τ)), so the order of the sorted set is the decayed request count
 * without ever rewriting old entries. Memory is bounded here (maxPending distinct prefixes per
 * interval; more are dropped) and in Redis (top maxPrefixes per service, bodies trimmed along).
 * A Redis outage loses the counts of the intervals it lasts, never a request.
 */
export class RedisHotPrefixStore implements HotPrefixRecorder, HotPrefixReader {
  private readonly log = new Logger('HotPrefixes');
  private readonly options: Required<Omit<HotPrefixStoreOptions, 'now'>>;
  private readonly now: () => number;
  private pending = new Map<string, Map<string, Pending>>();
  private pendingSize = 0;
  private dropped = 0;
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly redis: Redis,
    options: HotPrefixStoreOptions = {},
  ) {
    const { now, ...rest } = options;
    this.options = { ...HOT_PREFIX_DEFAULTS, ...rest };
    this.now = now ?? Date.now;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Never throws and never waits: the request it came from must not notice. */
  record(service: string, messages: readonly PrefixMessage[]): void {
    try {
      const prefix = promptPrefixOf(messages);
      if (!prefix) return;
      let byId = this.pending.get(service);
      const entry = byId?.get(prefix.id);
      if (entry) {
        entry.count++;
        return;
      }
      if (this.pendingSize >= this.options.maxPending) {
        this.dropped++;
        return;
      }
      if (!byId) {
        byId = new Map();
        this.pending.set(service, byId);
      }
      byId.set(prefix.id, { prefix, count: 1 });
      this.pendingSize++;
    } catch (error) {
      this.log.warn(`hot prefix not recorded: ${(error as Error).message}`);
    }
  }

  /** Writes what was counted since the last flush; resolves when Redis has it (or gave up). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    this.flushing = this.writePending().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pendingSize === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.pendingSize = 0;
    if (this.dropped > 0) {
      this.log.warn(`${this.dropped} distinct prefixes over the in-memory limit were not counted`);
      this.dropped = 0;
    }
    const now = this.now();
    const pipeline = this.redis.pipeline();
    for (const [service, byId] of batch) {
      const args: (string | number)[] = [
        now,
        this.options.decayTauMs,
        this.options.maxPrefixes,
        this.options.ttlSeconds,
        RESCALE_AFTER_TAUS,
      ];
      for (const { prefix, count } of byId.values()) {
        const body: StoredBody = { messages: prefix.messages, tokens: prefix.tokens };
        args.push(prefix.id, count, JSON.stringify(body));
      }
      pipeline.eval(
        FLUSH_SCRIPT,
        3,
        HOT_PREFIX_KEYS.scores(service),
        HOT_PREFIX_KEYS.bodies(service),
        HOT_PREFIX_KEYS.landmark(service),
        ...args,
      );
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
      if (this.failing) this.log.log('hot prefixes are written again');
      this.failing = false;
    } catch (error) {
      // Once per outage: the timer keeps trying every interval.
      if (!this.failing) this.log.warn(`hot prefixes not written: ${(error as Error).message}`);
      this.failing = true;
    }
  }

  /** The `limit` hottest prefixes of `service`, hottest first; score = decayed count as of now. */
  async top(service: string, limit: number): Promise<HotPrefix[]> {
    if (limit <= 0) return [];
    const [scored, landmark] = await Promise.all([
      this.redis.zrevrange(HOT_PREFIX_KEYS.scores(service), 0, limit - 1, 'WITHSCORES'),
      this.redis.get(HOT_PREFIX_KEYS.landmark(service)),
    ]);
    const ids = scored.filter((_, i) => i % 2 === 0);
    if (ids.length === 0) return [];
    const bodies = await this.redis.hmget(HOT_PREFIX_KEYS.bodies(service), ...ids);
    const t0 = landmark === null ? this.now() : Number(landmark);
    const decay = Math.exp(-(this.now() - t0) / this.options.decayTauMs);
    const out: HotPrefix[] = [];
    ids.forEach((id, i) => {
      const body = parseBody(bodies[i] ?? null);
      if (!body) return;
      out.push({
        id,
        messages: body.messages,
        tokens: body.tokens,
        score: Number(scored[2 * i + 1]) * decay,
      });
    });
    return out;
  }

  /** Stops the timer after writing what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function parseBody(text: string | null): StoredBody | null {
  if (text === null) return null;
  try {
    const body = JSON.parse(text) as Partial<StoredBody>;
    return Array.isArray(body.messages) && typeof body.tokens === 'number'
      ? { messages: body.messages, tokens: body.tokens }
      : null;
  } catch {
    return null;
  }
}
