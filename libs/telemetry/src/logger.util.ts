import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentLogContext } from './log-context';

/**
 * Paths that may hold secrets. pino replaces them before a line is written, so a token or
 * password never reaches a log sink even when a whole request or config object is logged.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.secret',
  'token',
  'password',
  'config.GREENLIGHT_OPERATOR_TOKENS',
  'config.GREENLIGHT_VIEWER_TOKENS',
];

export function loggerOptions(component: string, level = 'info'): LoggerOptions {
  return {
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: () => ({ ...currentLogContext() }),
  };
}

/** A JSON logger for code outside Nest's container (CLI, scripts, harness). */
export function createLogger(component: string, level = 'info'): Logger {
  return pino(loggerOptions(component, level));
}
