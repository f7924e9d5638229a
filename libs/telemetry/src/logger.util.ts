import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentLogContext } from './log-context';
import { REDACTED, REDACTED_PATHS, redactText } from './redact.util';

export function loggerOptions(component: string, level = 'info'): LoggerOptions {
  return {
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    // Messages are free text: a connection string with a password in it is cut there too.
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as typeof args,
        );
      },
    },
    mixin: () => ({ ...currentLogContext() }),
  };
}

/** A JSON logger for code outside Nest's container (CLI, scripts, harness). */
export function createLogger(component: string, level = 'info'): Logger {
  return pino(loggerOptions(component, level));
}
