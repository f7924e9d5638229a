/** Who eval.completed names as its actor. */
export const EVAL_ACTOR = 'system:eval-runner';

/** Eval runs handled at once by one process: a long suite must not hold up another deploy's. */
export const EVAL_HANDLER_CONCURRENCY = 16;

/** Sampling when a case and its suite set none: deterministic, short. */
export const EVAL_DEFAULTS = { maxTokens: 256, temperature: 0 } as const;

/** A report's JSON stays well under NATS's default 1 MB message limit. */
export const MAX_REPORT_CHARS = 512 * 1024;

/** Why a run was aborted. */
export const ABORT_REASONS = {
  deadline: 'eval deadline passed',
  deploymentEnded: 'deployment ended',
  shutdown: 'eval-runner is shutting down',
} as const;

export const EVAL_MESSAGES = {
  notFinished: 'not finished before the deadline',
  smokeFinished: 'smoke checks finished',
  smokeNotFinished: 'smoke checks did not finish',
  casesFinished: (done: number, total: number, pool: 'green' | 'blue') =>
    `${done} of ${total} cases finished on ${pool}`,
  timedOut: (deadline: string, progress: string) =>
    `eval timed out at the deadline ${deadline}: ${progress}`,
} as const;

/** Injection tokens. */
export const EVAL_SETTINGS = Symbol('EVAL_SETTINGS');
export const MODEL_TRANSPORT_FACTORY = Symbol('MODEL_TRANSPORT_FACTORY');
