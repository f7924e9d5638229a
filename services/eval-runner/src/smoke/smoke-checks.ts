import type { CaseOutcome } from '../eval/eval-report.util';
import { ModelRequestError, type ModelClient } from '../model-client/model-client';
import { CHAT_COMPLETIONS_PATH } from '../model-client/model-client.constants';
import {
  CANONICAL_CONVERSATION,
  SMOKE_CHECKS,
  SMOKE_ERRORS,
  SMOKE_MAX_TOKENS,
  SMOKE_PROMPT,
  TEMPLATE_SPECIAL_TOKENS,
  type SmokeCheck,
} from './smoke.constants';

/** One check over every green replica: its report row and the gate's reasons when it failed. */
export interface SmokeResult {
  check: SmokeCheck;
  outcome: CaseOutcome;
  reasons: string[];
}

interface ReplicaCheck {
  passed: boolean;
  latencyMs: number;
  detail?: string;
}

interface ReplicaRun {
  replica: number;
  url: string;
  checks: Record<Exclude<SmokeCheck, 'tokenize'>, ReplicaCheck>;
  tokenize: { latencyMs: number; tokens: number[] | null } | { latencyMs: number; error: string };
}

/**
 * Smoke tests on every green replica (in parallel): /v1/models lists the served model, a chat
 * completion and a streamed one succeed, no template token leaks, and /tokenize agrees across
 * replicas. A run abort (deadline, cancellation) propagates.
 */
export async function runSmokeChecks(
  client: ModelClient,
  endpoints: readonly string[],
  servedModel: string,
): Promise<SmokeResult[]> {
  const runs = await Promise.all(
    endpoints.map((url, replica) => checkReplica(client, url, replica, servedModel)),
  );
  return SMOKE_CHECKS.map((check) =>
    check === 'tokenize' ? compareTokens(runs) : summarize(check, runs),
  );
}

async function checkReplica(
  client: ModelClient,
  url: string,
  replica: number,
  servedModel: string,
): Promise<ReplicaRun> {
  const models = await timed(async () => {
    const listed = await client.listModels(url);
    return listed.includes(servedModel)
      ? undefined
      : SMOKE_ERRORS.modelMissing(servedModel, listed);
  });
  const request = {
    model: servedModel,
    messages: [{ role: 'user', content: SMOKE_PROMPT }],
    max_tokens: SMOKE_MAX_TOKENS,
    temperature: 0,
  };
  const texts: string[] = [];
  const chat = await timed(async () => {
    const answer = await client.complete(url, CHAT_COMPLETIONS_PATH, request);
    texts.push(answer.text);
    if (!answer.finishReason) return SMOKE_ERRORS.noFinishReason(CHAT_COMPLETIONS_PATH);
    return answer.text.trim() ? undefined : SMOKE_ERRORS.emptyContent(CHAT_COMPLETIONS_PATH);
  });
  const stream = await timed(async () => {
    const answer = await client.stream(url, CHAT_COMPLETIONS_PATH, request);
    texts.push(answer.text);
    if (!answer.done) return SMOKE_ERRORS.streamNoDone;
    if (!answer.finishReason) return SMOKE_ERRORS.noFinishReason(CHAT_COMPLETIONS_PATH);
    if (!answer.usage) return SMOKE_ERRORS.streamNoUsage;
    return answer.text.trim() ? undefined : SMOKE_ERRORS.emptyContent(CHAT_COMPLETIONS_PATH);
  });
  const leaked = TEMPLATE_SPECIAL_TOKENS.find((token) => texts.some((t) => t.includes(token)));
  const started = performance.now();
  let tokenize: ReplicaRun['tokenize'];
  try {
    const tokens = await client.tokenize(url, {
      model: servedModel,
      messages: CANONICAL_CONVERSATION,
      add_generation_prompt: true,
    });
    tokenize = { latencyMs: performance.now() - started, tokens };
  } catch (error) {
    if (!(error instanceof ModelRequestError)) throw error;
    tokenize = { latencyMs: performance.now() - started, error: error.message };
  }
  return {
    replica,
    url,
    checks: {
      models,
      chat,
      stream,
      'template-leak': {
        passed: leaked === undefined,
        latencyMs: 0,
        ...(leaked ? { detail: SMOKE_ERRORS.leaked(leaked) } : {}),
      },
    },
    tokenize,
  };
}

/** Runs a check; a returned string or a failed request is its failure, in words. */
async function timed(check: () => Promise<string | undefined>): Promise<ReplicaCheck> {
  const started = performance.now();
  try {
    const problem = await check();
    const latencyMs = performance.now() - started;
    return problem === undefined
      ? { passed: true, latencyMs }
      : { passed: false, latencyMs, detail: problem };
  } catch (error) {
    if (!(error instanceof ModelRequestError)) throw error;
    return { passed: false, latencyMs: performance.now() - started, detail: error.message };
  }
}

function summarize(
  check: Exclude<SmokeCheck, 'tokenize'>,
  runs: readonly ReplicaRun[],
): SmokeResult {
  const failures = new Map<string, ReplicaRun[]>();
  for (const run of runs) {
    const result = run.checks[check];
    if (!result.passed) {
      const detail = result.detail ?? '';
      failures.set(detail, [...(failures.get(detail) ?? []), run]);
    }
  }
  const reasons = [...failures].map(([detail, failed]) =>
    check === 'template-leak'
      ? SMOKE_ERRORS.leakOn(detail, replicaList(failed))
      : SMOKE_ERRORS.failedOn(check, replicaList(failed), detail),
  );
  return {
    check,
    outcome: {
      passed: reasons.length === 0,
      latencyMs: Math.max(0, ...runs.map((r) => r.checks[check].latencyMs)),
      ...(reasons.length ? { detail: clip(reasons.join('; ')) } : {}),
    },
    reasons,
  };
}

/** Replicas must agree on the canonical conversation's token ids (blue may differ: a new template). */
function compareTokens(runs: readonly ReplicaRun[]): SmokeResult {
  const latencyMs = Math.max(0, ...runs.map((r) => r.tokenize.latencyMs));
  const errors = runs.flatMap((r) =>
    'error' in r.tokenize ? [{ run: r, error: r.tokenize.error }] : [],
  );
  const reasons = errors.map(({ run, error }) =>
    SMOKE_ERRORS.failedOn('tokenize', replicaList([run]), error),
  );
  const answered = runs.flatMap((r) =>
    'tokens' in r.tokenize && r.tokenize.tokens ? [{ run: r, tokens: r.tokenize.tokens }] : [],
  );
  const groups = new Map<string, { tokens: number[]; runs: ReplicaRun[] }>();
  for (const { run, tokens } of answered) {
    const key = tokens.join(',');
    const group = groups.get(key) ?? { tokens, runs: [] };
    group.runs.push(run);
    groups.set(key, group);
  }
  if (groups.size > 1) {
    const described = [...groups.values()]
      .map((g) => `${replicaList(g.runs)} → ${g.tokens.length} ids`)
      .join('; ');
    reasons.push(SMOKE_ERRORS.failedOn('tokenize', 'green', SMOKE_ERRORS.tokensDiffer(described)));
  }
  const unsupported = reasons.length === 0 && answered.length === 0;
  return {
    check: 'tokenize',
    outcome: {
      passed: reasons.length === 0,
      latencyMs,
      ...(reasons.length
        ? { detail: clip(reasons.join('; ')) }
        : unsupported
          ? { detail: SMOKE_ERRORS.tokenizeUnsupported }
          : {}),
    },
    reasons,
  };
}

function replicaList(runs: readonly ReplicaRun[]): string {
  return runs.map((r) => `replica ${r.replica} (${r.url})`).join(', ');
}

const DETAIL_LIMIT = 500;

function clip(text: string): string {
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT - 1)}…` : text;
}
