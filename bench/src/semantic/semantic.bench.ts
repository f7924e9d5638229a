import { Redis } from 'ioredis';
import { createSemanticCache, type CachedAnswer } from '@greenlight/caches';
import { startRedisServer, type ServerHandle } from '@greenlight/testing';
import { percentile, round, table } from '../load.util';

const SERVICE = 'bench-sc';
const GENERATION = 'g1';
const ENTRIES = Number(process.env['SEMANTIC_ENTRIES'] ?? 10_000);
const LOOKUPS = Number(process.env['SEMANTIC_LOOKUPS'] ?? 3_000);
const STORE_CONCURRENCY = 64;
const TTL_SECONDS = 3_600;

const VERBS = ['deploy', 'roll back', 'scale', 'monitor', 'debug', 'configure', 'upgrade', 'test'];
const NOUNS = [
  'llama',
  'mistral',
  'qwen',
  'gateway',
  'canary',
  'replica',
  'tokenizer',
  'prefix cache',
  'router',
  'drainer',
  'prober',
  'template',
  'sampler',
  'scheduler',
  'kv cache',
  'adapter',
  'embedding',
  'reranker',
  'guardrail',
  'batcher',
  'quantizer',
  'shard',
  'pool',
  'endpoint',
];
const PLACES = [
  'kubernetes',
  'systemd',
  'haproxy',
  'a laptop',
  'production',
  'staging',
  'a gpu node',
];

/** A request text per entry: about 10,000 distinct questions over a small technical vocabulary. */
function question(i: number): string {
  const verb = VERBS[i % VERBS.length]!;
  const noun = NOUNS[Math.floor(i / VERBS.length) % NOUNS.length]!;
  const other = NOUNS[(i * 7 + 3) % NOUNS.length]!;
  const place = PLACES[(i * 13) % PLACES.length]!;
  return `How do I ${verb} the ${noun} with the ${other} on ${place} (ticket ${i})?`;
}

function answer(i: number): CachedAnswer {
  return {
    content: `Answer ${i}: `.padEnd(400, 'x'),
    finishReason: 'stop',
    release: 'v1',
    createdAt: new Date().toISOString(),
    usage: { promptTokens: 24, completionTokens: 96 },
  };
}

type Kind = 'exact' | 'paraphrase' | 'unrelated';

/** Lookup i: a repeat in other case, a paraphrase (other function words), or a new question. */
function probe(i: number): { kind: Kind; entry: number; text: string } {
  const entry = (i * 7_919) % ENTRIES;
  switch (i % 4) {
    case 0:
      return { kind: 'exact', entry, text: question(entry).toUpperCase() };
    case 3:
      return {
        kind: 'unrelated',
        entry: -1,
        text: `Why is the sky blue over ${PLACES[i % 7]!} (${i})?`,
      };
    default:
      return { kind: 'paraphrase', entry, text: question(entry).replace('How do I', 'how can i') };
  }
}

/**
 * Semantic-cache lookup latency on a real redis-server holding 10,000 entries of one generation,
 * next to a plain Redis GET round trip measured in the same run. One lookup at a time, so the
 * numbers are latency, not queueing.
 */
export async function runSemanticBench(): Promise<Record<string, number>> {
  let server: ServerHandle | undefined;
  let redis: Redis | undefined;
  try {
    server = await startRedisServer();
    redis = new Redis(server.url);
    const cache = createSemanticCache({ backend: 'redis', redis });

    const fillStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: STORE_CONCURRENCY }, async () => {
        for (let i = next++; i < ENTRIES; i = next++) {
          await cache.store(
            { service: SERVICE, generation: GENERATION, text: question(i) },
            answer(i),
            TTL_SECONDS,
          );
        }
      }),
    );
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const stored = await cache.countGeneration(SERVICE, GENERATION);
    console.log(`stored ${stored} entries in ${round(fillSeconds, 1)} s`);

    // Warm both paths (JIT, connection) before measuring.
    for (let i = 0; i < 200; i++) {
      await cache.lookup({ service: SERVICE, generation: GENERATION, text: probe(i).text });
      await redis.get('bench:baseline');
    }

    await redis.set('bench:baseline', JSON.stringify(answer(0)));
    const getMs: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      const t0 = performance.now();
      await redis.get('bench:baseline');
      getMs.push(performance.now() - t0);
    }

    const lookupMs: Record<Kind, number[]> = { exact: [], paraphrase: [], unrelated: [] };
    const correct: Record<Kind, number> = { exact: 0, paraphrase: 0, unrelated: 0 };
    for (let i = 0; i < LOOKUPS; i++) {
      const { kind, entry, text } = probe(i);
      const t0 = performance.now();
      const hit = await cache.lookup({ service: SERVICE, generation: GENERATION, text });
      lookupMs[kind].push(performance.now() - t0);
      const expected = entry < 0 ? null : `Answer ${entry}:`;
      if ((hit?.answer.content.slice(0, `Answer ${entry}:`.length) ?? null) === expected) {
        correct[kind]++;
      }
    }

    const all = Object.values(lookupMs).flat();
    const lookupP99 = percentile(all, 99);
    const getP99 = percentile(getMs, 99);
    const row = (name: string, values: number[], ok: string) => [
      name,
      values.length,
      round(percentile(values, 50), 3),
      round(percentile(values, 99), 3),
      round(percentile(values, 99) / getP99, 1),
      ok,
    ];
    const share = (kind: Kind) => `${round((100 * correct[kind]) / lookupMs[kind].length, 1)} %`;
    console.log(
      table([
        ['operation', 'n', 'p50 ms', 'p99 ms', 'p99 / GET p99', 'right answer'],
        row('redis GET (baseline)', getMs, '-'),
        row('lookup: exact repeat', lookupMs.exact, share('exact')),
        row('lookup: paraphrase', lookupMs.paraphrase, share('paraphrase')),
        row('lookup: unrelated (miss)', lookupMs.unrelated, share('unrelated')),
        row('lookup: all', all, '-'),
      ]),
    );
    console.log(
      'lookup = embed + LSH locally, then one Lua call (exact match on the normalised text, else ' +
        'the 20 LSH buckets -> <= 32 most-colliding candidate vectors), local cosine, and one ' +
        'HMGET of the best answer on a semantic hit',
    );
    return {
      lookup_p99_ms: round(lookupP99, 3),
      get_p99_ms: round(getP99, 3),
      ratio: round(lookupP99 / getP99, 1),
    };
  } finally {
    redis?.disconnect();
    await server?.dispose();
  }
}
