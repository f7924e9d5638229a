import {
  DURATION_MESSAGE,
  DurationSchema,
  durationWithin,
  formatDuration,
  parseDuration,
} from './duration.util';
import { safeParse } from './validation.util';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['10m', 600_000],
    ['24h', 86_400_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1m30s500ms', 90_500],
    ['1.5s', 1_500],
    ['0s', 0],
    ['0', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '-5s', '5 s', '5sec', '1w', 's', '10m-', 'abc', '1h 30m'])(
    'rejects %j',
    (text) => {
      expect(() => parseDuration(text)).toThrow(DURATION_MESSAGE);
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [30_000, '30s'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses negative values', () => {
    expect(() => formatDuration(-1)).toThrow('cannot format -1 as a duration');
  });
});

describe('DurationSchema', () => {
  it('turns text into milliseconds', () => {
    expect(DurationSchema.parse('10m')).toBe(600_000);
  });

  it('says a missing duration is required', () => {
    expect(safeParse(DurationSchema, undefined)).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'is required' }],
    });
  });

  it.each([[30], ['thirty seconds'], ['-30s'], [null]])(
    'rejects %j with the duration message',
    (input) => {
      expect(safeParse(DurationSchema, input)).toEqual({
        ok: false,
        issues: [{ path: '(root)', message: DURATION_MESSAGE }],
      });
    },
  );
});

describe('durationWithin', () => {
  const standby = durationWithin(0, 7 * 86_400_000);
  const timeout = durationWithin(1_000, 3_600_000);

  it('accepts the bounds themselves', () => {
    expect(standby.parse('0s')).toBe(0);
    expect(standby.parse('7d')).toBe(604_800_000);
    expect(timeout.parse('1s')).toBe(1_000);
    expect(timeout.parse('1h')).toBe(3_600_000);
  });

  it('names the bound it broke, in duration units', () => {
    expect(safeParse(standby, '8d')).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'must be at most 7d' }],
    });
    expect(safeParse(timeout, '0s')).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'must be at least 1s' }],
    });
    expect(safeParse(timeout, '100000d')).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'must be at most 1h' }],
    });
  });
});
