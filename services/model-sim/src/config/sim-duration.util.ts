const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * "45s", "20ms", "0.2ms", "1m30s" → milliseconds, fractions kept (a prefill cost is well under
 * a millisecond). A plain number, or a number given as such in a profile, is in `bareUnitMs`.
 * Returns undefined for anything else (negative, unknown unit, empty).
 */
export function parseSimDuration(value: string | number, bareUnitMs: number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value * bareUnitMs : undefined;
  }
  const text = value.trim();
  if (BARE_NUMBER.test(text)) return Number(text) * bareUnitMs;
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return Number.isFinite(total) ? total : undefined;
}
