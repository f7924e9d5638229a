/** Exit codes of `greenlight watch` and `greenlight deploy --watch` (what CI pipelines switch on). */
export const WATCH_EXIT = {
  /** The deployment reached its goal: Completed (or Standby with `--until standby`). */
  succeeded: 0,
  /** The deployment ended RolledBack, Aborted or Failed. */
  failed: 1,
  /** Nothing was watched to the end: bad flags, unknown id, no token, the stream was lost. */
  error: 2,
  /** Ctrl-C: watching stopped; the deployment goes on. */
  interrupted: 130,
} as const;

export const WATCH_UNTIL = ['completed', 'standby'] as const;
export type WatchUntil = (typeof WATCH_UNTIL)[number];

/** SSE event names of GET /v1/deployments/:id/stream. */
export const STREAM_EVENT = {
  deployment: 'deployment',
  audit: 'audit',
  live: 'live',
} as const;

/** A TTY frame is redrawn at most this often (4 fps), and ticks this often while idle. */
export const FRAME_INTERVAL_MS = 250;

/** Reconnecting after the stream dropped: backoff doubles from the first to the last value. */
export const RECONNECT = {
  firstDelayMs: 500,
  maxDelayMs: 5_000,
  /** Attempts in a row without hearing from the orchestrator before giving up. */
  maxAttempts: 10,
} as const;

/** Events kept under a TTY frame ("recent"). */
export const RECENT_EVENTS = 5;

export const WATCH_ERRORS = {
  badUntil: (value: string) => `--until must be one of ${WATCH_UNTIL.join(', ')}; got ${value}`,
  lost: (attempts: number, reason: string) =>
    `lost the deployment's stream and could not reconnect after ${attempts} attempts (${reason}); the deployment itself goes on`,
  endedEarly: (phase: string) => `the stream ended while the deployment is ${phase}; reconnecting`,
} as const;

export const WATCH_MESSAGES = {
  interrupted: (id: string) =>
    `stopped watching; the deployment goes on (greenlight status ${id} shows it)`,
  reconnecting: (delayMs: number, reason: string) =>
    `stream lost (${reason}); reconnecting in ${(delayMs / 1000).toFixed(1)} s`,
  reconnected: 'stream back; catching up on what was missed',
} as const;
