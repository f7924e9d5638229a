import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written while handling one message or request carries. */
export interface LogContext {
  deploymentId?: string;
  service?: string;
  subject?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
