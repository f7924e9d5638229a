import { systemClock, type Clock, type TimerHandle } from './clock.util';
import { LatencyModel } from './latency-model.util';
import { BLOCK_SIZE, PrefixCache } from './prefix-cache.util';

export type FinishReason = 'stop' | 'length' | 'abort';

export interface GenerationRequest {
  promptTokens: readonly number[];
  /** The token pieces to emit, in order; their concatenation is the completion text. */
  output: readonly string[];
  /** Why generation ends once every piece is out ('length' when max_tokens cut it). */
  finishReason: 'stop' | 'length';
}

export interface GenerationResult {
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

/** Where a sequence's output goes (an SSE stream or a buffered JSON answer). */
export interface GenerationSink {
  onTokens(pieces: readonly string[]): void;
  onFinish(result: GenerationResult): void;
}

/** What the engine reports for metrics; every method is optional. */
export interface EngineObserver {
  prefixCacheQueried?(queriedTokens: number, hitTokens: number): void;
  promptProcessed?(tokens: number): void;
  firstToken?(ttftSeconds: number): void;
  /** `itlSeconds` is absent for the first token (it has a TTFT, not an ITL). */
  tokensGenerated?(count: number, itlSeconds?: number): void;
  finished?(reason: FinishReason, e2eSeconds: number): void;
}

export interface EngineParams {
  maxNumSeqs: number;
  numGpuBlocks: number;
}

export interface GenerationHandle {
  /** Stops the sequence (client gone, shutdown); it finishes with reason 'abort'. No-op once done. */
  abort(): void;
}

interface Sequence {
  request: GenerationRequest;
  sink: GenerationSink;
  arrivedAt: number;
  blockHashes: number[];
  cachedTokens: number;
  emitted: number;
  nextDueAt: number;
  timer: TimerHandle | undefined;
  state: 'waiting' | 'prefill' | 'decode' | 'done';
}

/**
 * The scheduler of a simulated vLLM engine: at most maxNumSeqs sequences run, the rest wait
 * in FIFO order. A running sequence spends TTFT in prefill (uncached tokens only), then emits
 * one token per ITL. Each sequence has one timer; when timers fire late (busy event loop, or an
 * ITL below timer resolution) the tokens that fell due go out together, so cost stays per timer,
 * not per token, while the token rate keeps to the model.
 */
export class SimEngine {
  private readonly running = new Set<Sequence>();
  private readonly waiting: Sequence[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly params: EngineParams,
    private readonly latency: LatencyModel,
    readonly cache: PrefixCache,
    private readonly clock: Clock = systemClock,
    private readonly observer: EngineObserver = {},
  ) {}

  get numRunning(): number {
    return this.running.size;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  /** Share of KV-cache blocks held by running sequences (vLLM's kv_cache_usage_perc, 0..1). */
  kvCacheUsage(): number {
    let blocks = 0;
    for (const seq of this.running) {
      blocks += Math.ceil((seq.request.promptTokens.length + seq.emitted) / BLOCK_SIZE);
    }
    return Math.min(1, blocks / this.params.numGpuBlocks);
  }

  submit(request: GenerationRequest, sink: GenerationSink): GenerationHandle {
    const seq: Sequence = {
      request,
      sink,
      arrivedAt: this.clock.now(),
      blockHashes: [],
      cachedTokens: 0,
      emitted: 0,
      nextDueAt: 0,
      timer: undefined,
      state: 'waiting',
    };
    if (this.running.size < this.params.maxNumSeqs) this.admit(seq);
    else this.waiting.push(seq);
    return { abort: () => this.abort(seq) };
  }

  /** Aborts every sequence, running or waiting; returns how many there were. */
  abortAll(): number {
    const all = [...this.running, ...this.waiting];
    for (const seq of all) this.abort(seq);
    return all.length;
  }

  /** Resolves once nothing runs or waits. */
  whenIdle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private admit(seq: Sequence): void {
    const prompt = seq.request.promptTokens;
    seq.state = 'prefill';
    seq.blockHashes = this.cache.hashBlocks(prompt);
    seq.cachedTokens = this.cache.lookup(seq.blockHashes, prompt.length);
    this.running.add(seq);
    this.observer.prefixCacheQueried?.(prompt.length, seq.cachedTokens);
    const ttft = this.latency.ttftMs(prompt.length - seq.cachedTokens);
    seq.timer = this.clock.setTimer(() => this.prefillDone(seq), ttft);
  }

  private prefillDone(seq: Sequence): void {
    const now = this.clock.now();
    this.cache.insert(seq.blockHashes);
    this.observer.promptProcessed?.(seq.request.promptTokens.length);
    this.observer.firstToken?.((now - seq.arrivedAt) / 1000);
    seq.state = 'decode';
    if (seq.request.output.length === 0) return this.finish(seq, seq.request.finishReason);
    // Prefill yields the first token, as in vLLM.
    seq.emitted = 1;
    this.observer.tokensGenerated?.(1);
    seq.sink.onTokens(seq.request.output.slice(0, 1));
    seq.nextDueAt = now + this.latency.itlMs(this.running.size);
    this.scheduleDecode(seq, now);
  }

  private decode(seq: Sequence): void {
    const now = this.clock.now();
    const output = seq.request.output;
    const start = seq.emitted;
    let gaps = 0;
    while (seq.emitted < output.length && seq.nextDueAt <= now) {
      seq.emitted++;
      const gap = this.latency.itlMs(this.running.size);
      gaps += gap;
      seq.nextDueAt += gap;
    }
    const count = seq.emitted - start;
    if (count > 0) {
      // The scheduled gaps, not timer jitter: this is what the modelled engine would measure.
      this.observer.tokensGenerated?.(count, gaps / count / 1000);
      seq.sink.onTokens(output.slice(start, seq.emitted));
    }
    this.scheduleDecode(seq, now);
  }

  private scheduleDecode(seq: Sequence, now: number): void {
    if (seq.emitted >= seq.request.output.length) {
      this.finish(seq, seq.request.finishReason);
      return;
    }
    seq.timer = this.clock.setTimer(() => this.decode(seq), Math.max(0, seq.nextDueAt - now));
  }

  private abort(seq: Sequence): void {
    if (seq.state === 'done') return;
    if (seq.state === 'waiting') {
      const index = this.waiting.indexOf(seq);
      if (index >= 0) this.waiting.splice(index, 1);
    }
    this.finish(seq, 'abort');
  }

  private finish(seq: Sequence, reason: FinishReason): void {
    if (seq.timer !== undefined) this.clock.clearTimer(seq.timer);
    seq.timer = undefined;
    const wasRunning = this.running.delete(seq);
    seq.state = 'done';
    this.observer.finished?.(reason, (this.clock.now() - seq.arrivedAt) / 1000);
    seq.sink.onFinish({
      finishReason: reason,
      promptTokens: seq.request.promptTokens.length,
      completionTokens: seq.emitted,
      cachedTokens: seq.cachedTokens,
    });
    if (wasRunning) this.admitWaiting();
    if (this.running.size === 0 && this.waiting.length === 0) this.notifyIdle();
  }

  private admitWaiting(): void {
    while (this.running.size < this.params.maxNumSeqs) {
      const next = this.waiting.shift();
      if (!next) return;
      this.admit(next);
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
