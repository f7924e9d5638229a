import { LatencyModel } from './latency-model.util';

const params = {
  ttftOverheadMs: 20,
  prefillPerTokenMs: 0.2,
  itlMs: 15,
  maxNumSeqs: 64,
  loadFactor: 0.5,
};

describe('LatencyModel', () => {
  it('TTFT = overhead + uncached prompt tokens × prefill cost', () => {
    const model = new LatencyModel(params);
    expect(model.ttftMs(0)).toBe(20);
    expect(model.ttftMs(1000)).toBeCloseTo(220);
  });

  it('ITL grows with the running batch', () => {
    const model = new LatencyModel(params);
    expect(model.itlMs(0)).toBe(15);
    expect(model.itlMs(32)).toBeCloseTo(18.75);
    expect(model.itlMs(64)).toBeCloseTo(22.5);
  });

  it('a latency factor (read on every call) scales TTFT and ITL', () => {
    let factor = 1;
    const model = new LatencyModel(params, () => factor);
    factor = 1.5;
    expect(model.ttftMs(100)).toBeCloseTo(60);
    expect(model.itlMs(0)).toBeCloseTo(22.5);
  });
});
