import { ModelRequestError, type ModelClient } from '../model-client/model-client';
import { CHAT_COMPLETIONS_PATH, COMPLETIONS_PATH } from '../model-client/model-client.constants';
import { failedAssertions } from '../suites/assertions.util';
import type { PreparedCase } from '../suites/suite-loader.util';
import type { CaseOutcome } from './eval-report.util';
import { EVAL_DEFAULTS } from './eval.constants';

export interface PoolRun {
  endpoints: readonly string[];
  servedModel: string;
  concurrency: number;
  signal: AbortSignal;
  /** Called as each case finishes (metrics). */
  onCase?: (outcome: CaseOutcome) => void;
}

const DETAIL_LIMIT = 500;

/**
 * Runs every case on one pool, `concurrency` at a time, case i on endpoint i mod n so the load
 * spreads over the replicas. Cases still running when the signal aborts stay undefined.
 */
export async function runCases(
  client: ModelClient,
  cases: readonly PreparedCase[],
  pool: PoolRun,
): Promise<(CaseOutcome | undefined)[]> {
  const outcomes: (CaseOutcome | undefined)[] = new Array<CaseOutcome | undefined>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!pool.signal.aborted && next < cases.length) {
      const index = next++;
      const c = cases[index];
      const endpoint = pool.endpoints[index % pool.endpoints.length];
      if (!c || !endpoint) return;
      const outcome = await runCase(client, c, endpoint, pool);
      if (outcome === undefined) return; // the run was aborted mid-request
      outcomes[index] = outcome;
      pool.onCase?.(outcome);
    }
  };
  const workers = Math.max(1, Math.min(pool.concurrency, cases.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

async function runCase(
  client: ModelClient,
  c: PreparedCase,
  endpoint: string,
  { servedModel, signal }: PoolRun,
): Promise<CaseOutcome | undefined> {
  const chat = 'messages' in c.request;
  const body = {
    model: servedModel,
    ...c.request,
    max_tokens: c.max_tokens ?? EVAL_DEFAULTS.maxTokens,
    temperature: c.temperature ?? EVAL_DEFAULTS.temperature,
  };
  const started = performance.now();
  try {
    const answer = await client.complete(
      endpoint,
      chat ? CHAT_COMPLETIONS_PATH : COMPLETIONS_PATH,
      body,
    );
    const failures = failedAssertions(answer, c.assertions);
    return {
      passed: failures.length === 0,
      latencyMs: answer.latencyMs,
      ...(failures.length ? { detail: clip(failures.join('; ')) } : {}),
    };
  } catch (error) {
    if (error instanceof ModelRequestError) {
      return { passed: false, latencyMs: performance.now() - started, detail: clip(error.message) };
    }
    if (signal.aborted) return undefined;
    throw error;
  }
}

function clip(text: string): string {
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT - 1)}…` : text;
}
