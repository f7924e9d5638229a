import type { ErrorBody, Issue } from './api.types';

/** The orchestrator answered with an error status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly issues: Issue[];
  readonly holder: unknown;

  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    super(message ?? body.error ?? `HTTP ${status}`);
    this.issues = Array.isArray(body.issues) ? body.issues : [];
    this.holder = body.holder;
  }
}

/** No answer at all: refused, reset, timed out. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}

/** Anything else the CLI refuses to do (bad flags, missing configuration). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
