import { READINESS_STAGES, type ReadinessStage } from '@greenlight/contracts';
import { bodyDetail, describeNetworkError, formatSeconds } from './probe-errors.util';
import type { ProbeResponse, ProbeTransport } from './probe.transport';
import {
  CHAT_COMPLETIONS_PATH,
  CONNECT_TIMEOUT_MS,
  HEALTH_PATH,
  HTTP_TIMEOUT_MS,
  MODELS_PATH,
  READINESS_ERRORS,
  RETRY_BASE_DELAY_MS,
  RETRY_MAX_DELAY_MS,
  WARMUP_MAX_TOKENS,
  WARMUP_PROMPT,
  WARMUP_TIMEOUT_MS,
} from './readiness.constants';

export interface ReplicaTarget {
  replica: number;
  url: string;
}

export type StageTimes = Record<ReadinessStage, string>;

export type ReplicaResult =
  | (ReplicaTarget & { ready: true; stages: StageTimes })
  | (ReplicaTarget & { ready: false; stage: ReadinessStage; lastError: string | null });

export interface ReplicaProbeOptions {
  transport: ProbeTransport;
  /** /v1/models must list it; warm-up completions ask for it. */
  servedModel: string;
  warmupRequests: number;
  /** Called as each stage passes, with the time spent in it. */
  onStagePassed?: (stage: ReadinessStage, seconds: number) => void;
}

/** Delay before retrying after the n-th consecutive failure (n ≥ 1): 100, 200, 250, 250… ms. */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

type Attempt = { kind: 'passed' } | { kind: 'progress' } | { kind: 'failed'; error: string };

const PASSED: Attempt = { kind: 'passed' };

/** Marks an attempt that ran out of its own time (as opposed to the run being aborted). */
class AttemptTimeout extends Error {}

/**
 * Walks one replica through connect → /health → /v1/models → warm-up until it is ready or the
 * run's signal aborts it (deadline, cancellation). A failing stage is retried with backoff; the
 * replica never falls back to an earlier stage, and a failed warm-up completion restarts the count.
 */
export class ReplicaProber {
  private readonly origin: URL;
  private readonly host: string;
  private warmupsDone = 0;

  constructor(
    private readonly target: ReplicaTarget,
    private readonly options: ReplicaProbeOptions,
  ) {
    this.origin = new URL(target.url);
    this.host = this.origin.hostname;
  }

  async probe(signal: AbortSignal): Promise<ReplicaResult> {
    const passed: Partial<StageTimes> = {};
    let stageIndex = 0;
    let stageStart = Date.now();
    let failures = 0;
    let lastError: string | null = null;

    for (;;) {
      const stage = READINESS_STAGES[stageIndex];
      if (!stage) return { ...this.target, ready: true, stages: passed as StageTimes };
      if (signal.aborted) return { ...this.target, ready: false, stage, lastError };

      const attempt = await this.attempt(stage, signal);
      // An attempt cut short by the run's end says nothing about the replica.
      if (signal.aborted) return { ...this.target, ready: false, stage, lastError };

      if (attempt.kind === 'passed') {
        const now = Date.now();
        passed[stage] = new Date(now).toISOString();
        this.options.onStagePassed?.(stage, (now - stageStart) / 1000);
        stageIndex += 1;
        stageStart = now;
        failures = 0;
        lastError = null;
      } else if (attempt.kind === 'failed') {
        lastError = attempt.error;
        failures += 1;
        await sleep(retryDelay(failures), signal);
      }
    }
  }

  private attempt(stage: ReadinessStage, signal: AbortSignal): Promise<Attempt> {
    switch (stage) {
      case 'connect':
        return this.connect(signal);
      case 'health':
        return this.health(signal);
      case 'models':
        return this.models(signal);
      case 'warmup':
        return this.warmup(signal);
    }
  }

  private async connect(signal: AbortSignal): Promise<Attempt> {
    return this.withTimeout(CONNECT_TIMEOUT_MS, signal, async (attemptSignal) => {
      await this.options.transport.connect(this.origin, attemptSignal);
      return PASSED;
    }).catch((error: unknown) => ({
      kind: 'failed',
      error:
        error instanceof AttemptTimeout
          ? READINESS_ERRORS.connectTimeout(formatSeconds(CONNECT_TIMEOUT_MS))
          : describeNetworkError(error, this.host),
    }));
  }

  private async health(signal: AbortSignal): Promise<Attempt> {
    return this.http('GET', HEALTH_PATH, undefined, HTTP_TIMEOUT_MS, signal, (response) =>
      response.status === 200 ? PASSED : failed(statusError(HEALTH_PATH, response)),
    );
  }

  private async models(signal: AbortSignal): Promise<Attempt> {
    return this.http('GET', MODELS_PATH, undefined, HTTP_TIMEOUT_MS, signal, (response) => {
      if (response.status !== 200) return failed(statusError(MODELS_PATH, response));
      const ids = modelIds(response.body);
      if (ids === 'not-json') return failed(READINESS_ERRORS.notJson(MODELS_PATH));
      if (ids === 'not-a-list') return failed(READINESS_ERRORS.notModelList);
      return ids.includes(this.options.servedModel)
        ? PASSED
        : failed(READINESS_ERRORS.modelMissing(this.options.servedModel, ids));
    });
  }

  /** One completion per call; the stage passes after `warmupRequests` successes in a row. */
  private async warmup(signal: AbortSignal): Promise<Attempt> {
    const total = this.options.warmupRequests;
    if (this.warmupsDone >= total) return PASSED;
    const n = this.warmupsDone + 1;
    const body = {
      model: this.options.servedModel,
      messages: [{ role: 'user', content: WARMUP_PROMPT }],
      max_tokens: WARMUP_MAX_TOKENS,
      temperature: 0,
      stream: false,
    };
    const attempt = await this.http(
      'POST',
      CHAT_COMPLETIONS_PATH,
      body,
      WARMUP_TIMEOUT_MS,
      signal,
      (response): Attempt => {
        if (response.status !== 200) return failed(statusError(CHAT_COMPLETIONS_PATH, response));
        return hasMessage(response.body) ? PASSED : failed(READINESS_ERRORS.emptyCompletion);
      },
    );
    if (attempt.kind === 'failed') {
      this.warmupsDone = 0;
      return failed(READINESS_ERRORS.warmupFailed(n, total, attempt.error));
    }
    this.warmupsDone = n;
    return n >= total ? PASSED : { kind: 'progress' };
  }

  private async http(
    method: 'GET' | 'POST',
    path: string,
    json: unknown,
    timeoutMs: number,
    signal: AbortSignal,
    judge: (response: ProbeResponse) => Attempt,
  ): Promise<Attempt> {
    try {
      const response = await this.withTimeout(timeoutMs, signal, (attemptSignal) =>
        this.options.transport.request({
          method,
          url: this.urlOf(path),
          ...(json === undefined ? {} : { json }),
          signal: attemptSignal,
        }),
      );
      return judge(response);
    } catch (error) {
      return failed(
        error instanceof AttemptTimeout
          ? READINESS_ERRORS.noAnswer(path, formatSeconds(timeoutMs))
          : describeNetworkError(error, this.host),
      );
    }
  }

  /** Runs `work` with a signal that aborts on the run's signal or after `timeoutMs`. */
  private async withTimeout<T>(
    timeoutMs: number,
    signal: AbortSignal,
    work: (attemptSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
    try {
      return await work(controller.signal);
    } catch (error) {
      throw controller.signal.reason instanceof AttemptTimeout ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Paths are appended to the endpoint's own path, so a prefixed endpoint works too. */
  private urlOf(path: string): URL {
    const url = new URL(this.origin.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    return url;
  }
}

function failed(error: string): Attempt {
  return { kind: 'failed', error };
}

function statusError(path: string, response: ProbeResponse): string {
  return READINESS_ERRORS.status(path, response.status, bodyDetail(response.body));
}

/** The ids an OpenAI-style /v1/models answer lists. */
function modelIds(body: string): string[] | 'not-json' | 'not-a-list' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'not-json';
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return 'not-a-list';
  return data
    .map((entry) => (entry as { id?: unknown } | null)?.id)
    .filter((id): id is string => typeof id === 'string');
}

/** A chat completion whose first choice carries a non-empty message. */
function hasMessage(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { choices?: { message?: Record<string, unknown> }[] };
    const message = parsed.choices?.[0]?.message;
    if (!message) return false;
    const content = message['content'];
    const toolCalls = message['tool_calls'];
    return (
      (typeof content === 'string' && content.length > 0) ||
      (Array.isArray(toolCalls) && toolCalls.length > 0)
    );
  } catch {
    return false;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller then checks the signal). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
