import { join } from 'node:path';
import { Redis } from 'ioredis';
import { prewarmPrefixes, RedisHotPrefixStore, type PrewarmReport } from '@greenlight/caches';
import { RoutingClient } from '@greenlight/fixtures';
import {
  sleep,
  startInfra,
  startSimulator,
  startStack,
  waitFor,
  type Infra,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { percentile, round, table } from '../load.util';
import {
  COLLECT_TIMEOUT_MS,
  MEASURED,
  PREWARM_BUDGET_MS,
  PREWARM_CONCURRENCY,
  RATE,
  RECORD_SETTLE_MS,
  SERVICE,
  SIM_ARGS,
  SYSTEM_PROMPT_WORDS,
  SYSTEM_PROMPTS,
  TOP_PREFIXES,
  WARMUP_MS,
} from './prewarm.constants';
import { OpenLoopLoad, seededRandom, systemPrompt, type ChatMessage } from './prewarm-load.util';
import { STACK_READY_TIMEOUT_MS } from '../bench.constants';

const LOG_DIR = join('tmp', 'bench', 'prewarm');

interface FlipResult {
  p50: number;
  p95: number;
  failures: number;
  prewarm?: PrewarmReport;
}

/**
 * Post-flip TTFT: blue (2 simulated replicas) serves long shared system prompts through the
 * gateway; then a cold green pool takes 100 % at once, first as it is, then pre-warmed with the
 * hot prefixes blue's traffic left. Each run's TTFT p95 over the first MEASURED requests after
 * the flip is divided by blue's steady-state p95. TTFT here is the time to a max_tokens=1 answer
 * (non-streaming: the answer is the first token).
 */
export async function runPrewarmBench(): Promise<Record<string, number>> {
  let infra: Infra | undefined;
  let stack: Stack | undefined;
  let routing: RoutingClient | undefined;
  let redis: Redis | undefined;
  let load: OpenLoopLoad | undefined;
  const blue: SimulatorHandle[] = [];
  try {
    infra = await startInfra({ logDir: LOG_DIR });
    stack = await startStack({
      infra,
      services: ['traffic-shifter', 'gateway'],
      env: { LOG_LEVEL: 'warn' },
      logDir: LOG_DIR,
      readyTimeoutMs: STACK_READY_TIMEOUT_MS,
    });
    blue.push(...(await Promise.all([0, 1].map(() => sims('v1')))));
    routing = await RoutingClient.connect(infra.nats.url);
    redis = new Redis(infra.redis.url);
    const store = new RedisHotPrefixStore(redis);
    await routing.set(SERVICE, { blue: 100, green: 0 }, { blue: pool('v1', blue), green: null });

    const prompts = Array.from({ length: SYSTEM_PROMPTS }, (_, i) =>
      systemPrompt(i, SYSTEM_PROMPT_WORDS),
    );
    const random = seededRandom(42);
    const next = (): ChatMessage[] => [
      { role: 'system', content: prompts[Math.floor(random() * prompts.length)]! },
      { role: 'user', content: `Question ${Math.floor(random() * 1e9)}: what should I do next?` },
    ];
    load = new OpenLoopLoad(stack.urls.gateway, SERVICE, next);

    // Steady state on blue: its caches warm first, then MEASURED requests are measured.
    load.start(RATE);
    await sleep(WARMUP_MS);
    const steadyFrom = performance.now();
    await waitFor(() => load!.samples.filter((s) => s.sentAt >= steadyFrom).length >= MEASURED, {
      timeoutMs: COLLECT_TIMEOUT_MS,
      what: `${MEASURED} steady-state answers`,
    });
    await load.stop();
    const steady = firstAfter(load.samples, steadyFrom, 'blue');

    // Hot prefixes: what the gateway recorded, or (until it records them) the same requests here.
    await sleep(RECORD_SETTLE_MS);
    let recordedBy = 'gateway';
    if ((await store.top(SERVICE, 1)).length === 0) {
      recordedBy = 'bench (RedisHotPrefixStore.record: the gateway does not record yet)';
      for (const messages of load.sent) store.record(SERVICE, messages);
      await store.flush();
    }
    const hot = await store.top(SERVICE, TOP_PREFIXES);

    const cold = await flip(routing, blue, load, false, hot);
    const warmed = await flip(routing, blue, load, true, hot);
    await store.close();

    const steadyP95 = percentile(
      steady.map((s) => s.ms),
      95,
    );
    const ratio = (r: FlipResult) => round(r.p95 / steadyP95, 3);
    console.log(
      `hot prefixes recorded by ${recordedBy}: ${hot.length} (${SYSTEM_PROMPTS} system prompts of ${SYSTEM_PROMPT_WORDS} words)`,
    );
    if (warmed.prewarm) {
      const p = warmed.prewarm;
      console.log(
        `pre-warm: ${p.prefixes} prefixes on ${p.replicas} replicas, ${p.tokens} tokens in ${round(p.seconds, 2)} s, ${p.cachedTokens} cached tokens on check`,
      );
    }
    console.log(
      table([
        ['run', 'requests', 'TTFT p50 ms', 'TTFT p95 ms', 'p95 ÷ steady', 'failed'],
        [
          'steady (blue)',
          steady.length,
          ms(
            percentile(
              steady.map((s) => s.ms),
              50,
            ),
          ),
          ms(steadyP95),
          1,
          0,
        ],
        ['flip, cold green', MEASURED, ms(cold.p50), ms(cold.p95), ratio(cold), cold.failures],
        [
          'flip, pre-warmed green',
          MEASURED,
          ms(warmed.p50),
          ms(warmed.p95),
          ratio(warmed),
          warmed.failures,
        ],
      ]),
    );
    return { cold_ratio: ratio(cold), prewarmed_ratio: ratio(warmed) };
  } finally {
    await load?.close();
    await routing?.close();
    redis?.disconnect();
    await Promise.all(blue.map((s) => s.stop()));
    await stack?.dispose();
    await infra?.dispose();
  }
}

/** Fresh green replicas (cold caches), optionally pre-warmed, then 0 → 100 % at once. */
async function flip(
  routing: RoutingClient,
  blue: SimulatorHandle[],
  load: OpenLoopLoad,
  prewarm: boolean,
  hot: Awaited<ReturnType<RedisHotPrefixStore['top']>>,
): Promise<FlipResult> {
  const green = await Promise.all([0, 1].map(() => sims('v2')));
  try {
    const pools = { blue: pool('v1', blue), green: pool('v2', green) };
    await routing.set(SERVICE, { blue: 100, green: 0 }, pools);
    const report = prewarm
      ? await prewarmPrefixes({
          model: SERVICE,
          endpoints: green.map((s) => s.url),
          prefixes: hot,
          concurrency: PREWARM_CONCURRENCY,
          budgetMs: PREWARM_BUDGET_MS,
        })
      : undefined;
    load.samples.length = 0;
    load.start(RATE);
    const flippedAt = performance.now();
    await routing.set(SERVICE, { blue: 0, green: 100 }, pools);
    await waitFor(
      () =>
        load.samples.filter((s) => s.sentAt >= flippedAt && s.pool === 'green').length >= MEASURED,
      { timeoutMs: COLLECT_TIMEOUT_MS, what: `${MEASURED} answers from green` },
    );
    await load.stop();
    await routing.set(SERVICE, { blue: 100, green: 0 }, { blue: pools.blue, green: null });
    const measured = firstAfter(load.samples, flippedAt, 'green');
    const all = load.samples.filter((s) => s.sentAt >= flippedAt);
    return {
      p50: percentile(
        measured.map((s) => s.ms),
        50,
      ),
      p95: percentile(
        measured.map((s) => s.ms),
        95,
      ),
      failures: all.filter((s) => !s.ok).length,
      ...(report ? { prewarm: report } : {}),
    };
  } finally {
    await Promise.all(green.map((s) => s.stop()));
  }
}

/** The first MEASURED answered requests sent at or after `from` that `pool` served, in send order. */
function firstAfter(samples: OpenLoopLoad['samples'], from: number, pool: string) {
  return samples
    .filter((s) => s.ok && s.sentAt >= from && s.pool === pool)
    .sort((a, b) => a.sentAt - b.sentAt)
    .slice(0, MEASURED);
}

function sims(version: string): Promise<SimulatorHandle> {
  return startSimulator({ model: SERVICE, version, args: SIM_ARGS });
}

function pool(release: string, replicas: SimulatorHandle[]) {
  return { release, endpoints: replicas.map((s) => s.url) };
}

function ms(value: number): number {
  return round(value, 1);
}
