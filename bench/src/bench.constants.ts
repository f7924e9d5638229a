/**
 * How long a bench waits for each greenlight service to answer /healthz. Generous: on a shared
 * 2-core machine a cold Node start under load takes well over the harness's 20 s default, and a
 * bench should measure its figure, not fail on start-up.
 */
export const STACK_READY_TIMEOUT_MS = 60_000;
