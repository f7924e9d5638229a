import { ManualClock } from './clock.util';
import {
  SimEngine,
  type EngineObserver,
  type GenerationRequest,
  type GenerationResult,
} from './engine.service';
import { LatencyModel } from './latency-model.util';
import { PrefixCache } from './prefix-cache.util';

const LATENCY = {
  ttftOverheadMs: 10,
  prefillPerTokenMs: 1,
  itlMs: 5,
  maxNumSeqs: 2,
  loadFactor: 0,
};

function setup(maxNumSeqs = 2, observer: EngineObserver = {}) {
  const clock = new ManualClock();
  const engine = new SimEngine(
    { maxNumSeqs, numGpuBlocks: 100 },
    new LatencyModel({ ...LATENCY, maxNumSeqs }),
    new PrefixCache(100),
    clock,
    observer,
  );
  return { clock, engine };
}

function request(promptLength: number, outputLength: number, offset = 0): GenerationRequest {
  return {
    promptTokens: Array.from({ length: promptLength }, (_, i) => i + offset),
    output: Array.from({ length: outputLength }, (_, i) => `t${i} `),
    finishReason: 'length',
  };
}

/** Records what a client would see: when each token arrived and how it ended. */
function recorder(clock: ManualClock) {
  const tokens: { at: number; piece: string }[] = [];
  let result: GenerationResult | undefined;
  return {
    tokens,
    result: () => result,
    sink: {
      onTokens: (pieces: readonly string[]) =>
        pieces.forEach((piece) => tokens.push({ at: clock.now(), piece })),
      onFinish: (r: GenerationResult) => (result = r),
    },
  };
}

describe('SimEngine', () => {
  it('first token after TTFT (overhead + prompt × prefill), then one token per ITL', () => {
    const { clock, engine } = setup();
    const client = recorder(clock);
    engine.submit(request(20, 3), client.sink);
    clock.advance(29);
    expect(client.tokens).toHaveLength(0);
    clock.advance(1);
    expect(client.tokens.map((t) => t.at)).toEqual([30]);
    clock.advance(10);
    expect(client.tokens.map((t) => t.at)).toEqual([30, 35, 40]);
    expect(client.result()).toEqual({
      finishReason: 'length',
      promptTokens: 20,
      completionTokens: 3,
      cachedTokens: 0,
    });
  });

  it('a repeated prompt skips prefill of its cached blocks', () => {
    const { clock, engine } = setup();
    const first = recorder(clock);
    engine.submit(request(40, 1), first.sink);
    clock.advance(100);
    const second = recorder(clock);
    const start = clock.now();
    engine.submit(request(40, 1), second.sink);
    clock.advance(100);
    expect(second.result()?.cachedTokens).toBe(32);
    // 10 ms overhead + 8 uncached tokens × 1 ms.
    expect((second.tokens[0]?.at ?? 0) - start).toBe(18);
  });

  it('runs at most max-num-seqs; the rest wait in FIFO order', () => {
    const { clock, engine } = setup(2);
    const clients = [0, 1, 2, 3].map(() => recorder(clock));
    clients.forEach((client, i) => engine.submit(request(10, 2, i * 1000), client.sink));
    expect(engine.numRunning).toBe(2);
    expect(engine.numWaiting).toBe(2);
    clock.advance(25); // the first two finish at 20 + 5
    expect(clients[0]?.result()).toBeDefined();
    expect(clients[1]?.result()).toBeDefined();
    expect(engine.numRunning).toBe(2);
    expect(engine.numWaiting).toBe(0);
    expect(clients[2]?.tokens).toHaveLength(0);
    clock.advance(20);
    expect(clients[2]?.tokens[0]?.at).toBe(45);
    expect(clients[3]?.tokens[0]?.at).toBe(45);
  });

  it('coalesces tokens that fell due while the event loop was blocked, keeping the rate', () => {
    const { clock, engine } = setup();
    const batches: number[] = [];
    engine.submit(request(0, 10), {
      onTokens: (pieces) => batches.push(pieces.length),
      onFinish: () => undefined,
    });
    clock.advance(10); // first token
    clock.stall(23); // tokens due at 15, 20, 25 and 30 are late
    clock.advance(0);
    expect(batches).toEqual([1, 4]);
    clock.advance(100);
    expect(batches.reduce((a, b) => a + b)).toBe(10);
  });

  it('aborts running and waiting sequences with finish reason abort', () => {
    const finished: string[] = [];
    const { clock, engine } = setup(1, { finished: (reason) => finished.push(reason) });
    const running = recorder(clock);
    const waiting = recorder(clock);
    engine.submit(request(5, 100), running.sink);
    engine.submit(request(5, 100), waiting.sink);
    clock.advance(30);
    expect(engine.abortAll()).toBe(2);
    expect(running.result()?.finishReason).toBe('abort');
    expect(running.result()?.completionTokens).toBeGreaterThan(0);
    expect(waiting.result()?.completionTokens).toBe(0);
    expect(finished).toEqual(['abort', 'abort']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a handle aborts only its own sequence, once', () => {
    const { clock, engine } = setup();
    const a = recorder(clock);
    const b = recorder(clock);
    const handle = engine.submit(request(5, 10), a.sink);
    engine.submit(request(5, 3), b.sink);
    handle.abort();
    handle.abort();
    clock.advance(100);
    expect(a.result()?.finishReason).toBe('abort');
    expect(b.result()?.finishReason).toBe('length');
  });

  it('whenIdle resolves once nothing runs or waits', async () => {
    const { clock, engine } = setup();
    let idle = false;
    engine.submit(request(5, 2), recorder(clock).sink);
    const done = engine.whenIdle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    clock.advance(100);
    await done;
    expect(idle).toBe(true);
  });

  it('reports KV-cache usage of running sequences in blocks', () => {
    const { engine } = setup();
    engine.submit(request(40, 5), { onTokens: () => undefined, onFinish: () => undefined });
    expect(engine.kvCacheUsage()).toBeCloseTo(3 / 100);
  });

  it('tells the observer about cache queries, tokens and latencies', () => {
    const seen = {
      queries: 0,
      hits: 0,
      prompt: 0,
      generated: 0,
      itl: [] as number[],
      ttft: [] as number[],
    };
    const { clock, engine } = setup(2, {
      prefixCacheQueried: (q, h) => ((seen.queries += q), (seen.hits += h)),
      promptProcessed: (t) => (seen.prompt += t),
      firstToken: (s) => seen.ttft.push(s),
      tokensGenerated: (count, itl) => {
        seen.generated += count;
        if (itl !== undefined) seen.itl.push(itl);
      },
    });
    engine.submit(request(20, 3), recorder(clock).sink);
    clock.advance(100);
    expect(seen).toMatchObject({ queries: 20, hits: 0, prompt: 20, generated: 3 });
    expect(seen.ttft).toEqual([0.03]);
    expect(seen.itl).toEqual([0.005, 0.005]);
  });
});
