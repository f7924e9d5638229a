import { parseSimDuration } from './sim-duration.util';
import { parseSimOptions, SimOptionsError } from './sim-options.schema';

describe('parseSimDuration', () => {
  it('reads units, fractions and compounds', () => {
    expect(parseSimDuration('45s', 1000)).toBe(45_000);
    expect(parseSimDuration('20ms', 1000)).toBe(20);
    expect(parseSimDuration('0.2ms', 1)).toBeCloseTo(0.2);
    expect(parseSimDuration('1m30s', 1000)).toBe(90_000);
  });

  it('reads a plain number in the option’s own unit', () => {
    expect(parseSimDuration('60', 1000)).toBe(60_000);
    expect(parseSimDuration(15, 1)).toBe(15);
  });

  it('rejects negative, empty and unknown units', () => {
    for (const bad of ['-1s', '', '10 parsecs', '5d', 'fast']) {
      expect(parseSimDuration(bad, 1)).toBeUndefined();
    }
    expect(parseSimDuration(-3, 1)).toBeUndefined();
  });
});

describe('parseSimOptions', () => {
  it('fills vLLM-like defaults and converts durations to milliseconds', () => {
    const options = parseSimOptions({ model: 'chat', version: 'v2' });
    expect(options).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      servedModelName: 'chat',
      coldStartMs: 0,
      shutdownTimeoutMs: undefined,
      ttftOverheadMs: 20,
      prefillPerTokenMs: 0.2,
      itlMs: 15,
      maxNumSeqs: 64,
      errorRate: 0,
      latencyFactor: 1,
      quality: 1,
      leakTemplate: false,
    });
  });

  it('accepts numbers as text (flags) and booleans as text (env-style profiles)', () => {
    const options = parseSimOptions({
      model: 'chat',
      version: 'v2',
      port: '9001',
      maxNumSeqs: '8',
      errorRate: '0.05',
      shutdownTimeout: '60',
      coldStart: 2,
      neverReady: 'true',
    });
    expect(options).toMatchObject({
      port: 9001,
      maxNumSeqs: 8,
      errorRate: 0.05,
      shutdownTimeoutMs: 60_000,
      coldStartMs: 2_000,
      neverReady: true,
    });
  });

  it('names every bad option', () => {
    const attempt = () =>
      parseSimOptions({ version: 'v1', itl: 'fast', errorRate: 2, maxNumSeqs: 0, colour: 'red' });
    expect(attempt).toThrow(SimOptionsError);
    expect(attempt).toThrow(/model: is required/);
    expect(attempt).toThrow(/itl: must be a duration like 15ms/);
    expect(attempt).toThrow(/errorRate: must be a number from 0 to 1/);
    expect(attempt).toThrow(/maxNumSeqs: must be at least 1/);
    expect(attempt).toThrow(/colour: unknown field/);
  });

  it('uses the describer to name what the user typed', () => {
    expect(() =>
      parseSimOptions({ model: 'chat', version: 'v1', port: 'x' }, (key) => `--${key}`),
    ).toThrow('invalid options: --port: must be a port number 0-65535');
  });
});
