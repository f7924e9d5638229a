import { z } from 'zod';
import { REQUIRED_MESSAGE } from './validation.util';

export const DURATION_MESSAGE = 'must be a duration like 30s, 10m or 24h';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest unit first, so formatDuration prints "1h30m", not "90m". */
const UNITS_DESC: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

/**
 * Parses "250ms", "30s", "10m", "24h", "2d" and compounds like "1h30m" into milliseconds.
 * "0" alone means zero. Throws on anything else (negative numbers, bare numbers, unknown units).
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (trimmed === '') throw new Error(DURATION_MESSAGE);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const match = PART.exec(trimmed);
    if (!match) throw new Error(DURATION_MESSAGE);
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw new Error(DURATION_MESSAGE);
  return Math.round(total);
}

export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Inverse of parseDuration for whole milliseconds: 5_400_000 -> "1h30m", 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot format ${ms} as a duration`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNITS_DESC) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return out;
}

/** A duration string in, milliseconds out. */
export const DurationSchema = z
  .string({ error: (issue) => (issue.input === undefined ? REQUIRED_MESSAGE : DURATION_MESSAGE) })
  .refine(isDuration, DURATION_MESSAGE)
  .transform((text) => parseDuration(text));

/** A duration bounded to [minMs, maxMs], with messages in the user's units ("must be at most 7d"). */
export function durationWithin(minMs: number, maxMs: number) {
  return DurationSchema.refine(
    (ms) => ms >= minMs,
    `must be at least ${formatDuration(minMs)}`,
  ).refine((ms) => ms <= maxMs, `must be at most ${formatDuration(maxMs)}`);
}

export const SECOND_MS = UNIT_MS.s;
export const MINUTE_MS = UNIT_MS.m;
export const HOUR_MS = UNIT_MS.h;
export const DAY_MS = UNIT_MS.d;
