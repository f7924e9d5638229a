import {
  PREWARM_CHAT_PATH,
  PREWARM_METRICS_PATH,
  PREWARM_MAX_TOKENS,
  PREWARM_VERIFY_TIMEOUT_MS,
} from './hot-prefix.constants';
import type { HotPrefix } from './hot-prefix.types';

export interface PrewarmRequest {
  /** The served model name (the model service). */
  model: string;
  /** Every green replica: each gets every prefix, since a request may land on any of them. */
  endpoints: readonly string[];
  /** Hottest first: when the budget runs out, the coldest are the ones left out. */
  prefixes: readonly HotPrefix[];
  concurrency: number;
  budgetMs: number;
  signal?: AbortSignal;
}

/** What a pre-warm did (cache.prewarmed), plus whether it finished within the budget. */
export interface PrewarmReport {
  /** Prefixes replayed on every replica. */
  prefixes: number;
  /** Prompt tokens the replicas prefilled for the replay (their usage.prompt_tokens). */
  tokens: number;
  seconds: number;
  /** Replicas that took at least one prefix. */
  replicas: number;
  /** Prompt tokens answered from cache when the hottest prefix was sent again to each replica. */
  cachedTokens: number;
  /** False when some prefix did not reach every replica (the budget ran out, a replica failed). */
  complete: boolean;
}

interface CompletionUsage {
  prompt_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

const PREFIX_HITS_METRIC = /^vllm:prefix_cache_hits_total(?:\{[^}]*\})?\s+(\S+)/gm;

/**
 * Replays hot prefixes on every replica as chat completions of one token, so their prefix
 * caches hold them before users arrive; at most `concurrency` at once, never past the budget.
 * Then checks it worked: the hottest prefix again on each replica, reading
 * usage.prompt_tokens_details.cached_tokens, or the replica's vllm:prefix_cache_hits_total delta
 * when the engine does not report cached tokens per request.
 */
export async function prewarmPrefixes(request: PrewarmRequest): Promise<PrewarmReport> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(Math.max(1, request.budgetMs));
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const { endpoints, prefixes } = request;
  // Prefix-major: the hottest prefix reaches every replica before the next one starts.
  const tasks = prefixes.flatMap((prefix, p) => endpoints.map((url, r) => ({ prefix, p, url, r })));
  const warmed = prefixes.map(() => new Set<number>());
  const replicasUsed = new Set<number>();
  let tokens = 0;
  let next = 0;

  const worker = async () => {
    while (!signal.aborted && next < tasks.length) {
      const task = tasks[next++]!;
      const usage = await complete(request.model, task.url, task.prefix, signal).catch(() => null);
      if (!usage) continue;
      tokens += usage.prompt_tokens ?? 0;
      warmed[task.p]!.add(task.r);
      replicasUsed.add(task.r);
    }
  };
  const workers = Math.max(1, Math.min(request.concurrency, tasks.length));
  await Promise.all(Array.from({ length: workers }, worker));

  const fullyWarmed = warmed.filter((set) => set.size === endpoints.length).length;
  const hottest = prefixes.findIndex((_, p) => warmed[p]!.size > 0);
  let cachedTokens = 0;
  if (hottest >= 0 && !request.signal?.aborted) {
    const checks = endpoints.map(async (url, r) =>
      warmed[hottest]!.has(r) ? cachedTokensOn(request.model, url, prefixes[hottest]!) : 0,
    );
    cachedTokens = (await Promise.all(checks)).reduce((a, b) => a + b, 0);
  }
  return {
    prefixes: fullyWarmed,
    tokens,
    seconds: (performance.now() - started) / 1000,
    replicas: replicasUsed.size,
    cachedTokens,
    complete: fullyWarmed === prefixes.length,
  };
}

async function complete(
  model: string,
  url: string,
  prefix: HotPrefix,
  signal: AbortSignal,
): Promise<CompletionUsage | null> {
  const response = await fetch(endpoint(url, PREWARM_CHAT_PATH), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: prefix.messages,
      max_tokens: PREWARM_MAX_TOKENS,
      temperature: 0,
    }),
    signal,
  });
  if (!response.ok) {
    await response.body?.cancel();
    return null;
  }
  const body = (await response.json()) as { usage?: CompletionUsage };
  return body.usage ?? {};
}

async function cachedTokensOn(model: string, url: string, prefix: HotPrefix): Promise<number> {
  const signal = AbortSignal.timeout(PREWARM_VERIFY_TIMEOUT_MS);
  try {
    const before = await prefixHits(url, signal);
    const usage = await complete(model, url, prefix, signal);
    const reported = usage?.prompt_tokens_details?.cached_tokens;
    if (typeof reported === 'number') return reported;
    if (before === null) return 0;
    const after = await prefixHits(url, signal);
    return after === null ? 0 : Math.max(0, Math.round(after - before));
  } catch {
    return 0;
  }
}

/** Sum of vllm:prefix_cache_hits_total over its label sets; null when the replica has no such metric. */
async function prefixHits(url: string, signal: AbortSignal): Promise<number | null> {
  const response = await fetch(endpoint(url, PREWARM_METRICS_PATH), { signal }).catch(() => null);
  if (!response?.ok) {
    await response?.body?.cancel();
    return null;
  }
  const text = await response.text();
  let total: number | null = null;
  for (const match of text.matchAll(PREFIX_HITS_METRIC)) total = (total ?? 0) + Number(match[1]);
  return total;
}

/** Keeps a base path the endpoint may have (a replica behind a path-routing proxy). */
function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
