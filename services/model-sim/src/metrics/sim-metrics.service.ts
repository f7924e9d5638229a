import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineObserver, FinishReason } from '../engine/engine.service';
import {
  E2E_BUCKETS,
  ENGINE_INDEX,
  FINISHED_REASONS,
  ITL_BUCKETS,
  TTFT_BUCKETS,
} from './metrics.constants';

export interface EngineGauges {
  running(): number;
  waiting(): number;
  kvCacheUsage(): number;
}

type Labels = 'model_name' | 'engine';

/**
 * vLLM's metric names (with their ':' — prom-client accepts it; promtool only lints it) in a
 * registry of the simulator's own. Gauges read the engine at scrape time.
 */
export class SimMetrics implements EngineObserver {
  readonly registry = new Registry();
  private readonly labels: Record<Labels, string>;
  private readonly promptTokens: Counter<Labels>;
  private readonly generationTokens: Counter<Labels>;
  private readonly requestSuccess: Counter<Labels | 'finished_reason'>;
  private readonly cacheQueries: Counter<Labels>;
  private readonly cacheHits: Counter<Labels>;
  private readonly ttft: Histogram<Labels>;
  private readonly itl: Histogram<Labels>;
  private readonly e2e: Histogram<Labels>;

  constructor(modelName: string, gauges: EngineGauges) {
    this.labels = { model_name: modelName, engine: ENGINE_INDEX };
    const labelNames: Labels[] = ['model_name', 'engine'];
    const registers = [this.registry];
    const labels = this.labels;
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    };
    gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', () =>
      gauges.running(),
    );
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', () =>
      gauges.waiting(),
    );
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', () =>
      gauges.kvCacheUsage(),
    );
    const counter = (name: string, help: string) => {
      const metric = new Counter({ name, help, labelNames, registers });
      metric.inc(labels, 0);
      return metric;
    };
    this.promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
    this.generationTokens = counter(
      'vllm:generation_tokens_total',
      'Number of generation tokens processed.',
    );
    this.cacheQueries = counter(
      'vllm:prefix_cache_queries_total',
      'Prefix cache queries, in terms of number of queried tokens.',
    );
    this.cacheHits = counter(
      'vllm:prefix_cache_hits_total',
      'Prefix cache hits, in terms of number of cached tokens.',
    );
    this.requestSuccess = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: [...labelNames, 'finished_reason'],
      registers,
    });
    for (const reason of FINISHED_REASONS) {
      this.requestSuccess.inc({ ...labels, finished_reason: reason }, 0);
    }
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames, buckets, registers });
    this.ttft = histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    );
    this.itl = histogram(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      ITL_BUCKETS,
    );
    this.e2e = histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      E2E_BUCKETS,
    );
    // Empty histograms still expose their series, as vLLM's do once labelled.
    for (const metric of [this.ttft, this.itl, this.e2e]) metric.zero(labels);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  prefixCacheQueried(queriedTokens: number, hitTokens: number): void {
    this.cacheQueries.inc(this.labels, queriedTokens);
    this.cacheHits.inc(this.labels, hitTokens);
  }

  promptProcessed(tokens: number): void {
    this.promptTokens.inc(this.labels, tokens);
  }

  firstToken(ttftSeconds: number): void {
    this.ttft.observe(this.labels, ttftSeconds);
  }

  tokensGenerated(count: number, itlSeconds?: number): void {
    this.generationTokens.inc(this.labels, count);
    if (itlSeconds === undefined) return;
    for (let i = 0; i < count; i++) this.itl.observe(this.labels, itlSeconds);
  }

  finished(reason: FinishReason, e2eSeconds: number): void {
    this.requestSuccess.inc({ ...this.labels, finished_reason: reason });
    this.e2e.observe(this.labels, e2eSeconds);
  }
}
