import { Inject, Injectable } from '@nestjs/common';
import type { Metric, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@greenlight/telemetry';
import { NatsLink } from '../link/nats-link.service';
import { RouteTableService } from '../routing/route-table.service';
import { GatewayStats } from './gateway-stats.service';
import type { LatencyHistogram } from './latency-histogram.util';
import { GATEWAY_METRIC_PREFIX } from './metrics.constants';
import type { ReplicaStats } from './replica-stats';

type Labels = Record<string, string | number>;
interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}
type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * A metric whose samples are read from the gateway's own counters at scrape time. The hot path
 * never calls prom-client (its observe() hashes the label set on every call, once per token
 * here); the registry only needs an object with name, help, type and get().
 */
class ScrapedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: () => Sample[],
  ) {}

  get(): Promise<{
    name: string;
    help: string;
    type: MetricType;
    aggregator: string;
    values: Sample[];
  }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.read(),
    });
  }
}

function replicaLabels(stats: ReplicaStats): Labels {
  return {
    service: stats.service,
    pool: stats.pool,
    release: stats.release,
    replica: stats.replica,
  };
}

function histogramSamples(
  name: string,
  rows: Iterable<ReplicaStats>,
  pick: (stats: ReplicaStats) => LatencyHistogram,
): Sample[] {
  const samples: Sample[] = [];
  for (const stats of rows) {
    const histogram = pick(stats);
    const labels = replicaLabels(stats);
    let cumulative = 0;
    histogram.le.forEach((le, i) => {
      cumulative += histogram.counts[i]!;
      samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
    });
    samples.push({
      metricName: `${name}_bucket`,
      labels: { ...labels, le: '+Inf' },
      value: histogram.count,
    });
    samples.push({ metricName: `${name}_sum`, labels, value: histogram.sum });
    samples.push({ metricName: `${name}_count`, labels, value: histogram.count });
  }
  return samples;
}

/** greenlight_gateway_* on /metrics, labelled service, pool, release, replica. */
@Injectable()
export class GatewayMetricsCollector {
  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    stats: GatewayStats,
    routes: RouteTableService,
    link: NatsLink,
  ) {
    const perReplica = (value: (s: ReplicaStats) => number) => (): Sample[] =>
      [...stats.all()].map((s) => ({ labels: replicaLabels(s), value: value(s) }));
    const name = (suffix: string): string => `${GATEWAY_METRIC_PREFIX}${suffix}`;
    const metrics = [
      new ScrapedMetric(
        name('in_flight'),
        'Requests in flight on the replica from this gateway (streams included)',
        'gauge',
        perReplica((s) => s.inFlight),
      ),
      new ScrapedMetric(
        name('in_flight_streams'),
        'Streaming requests in flight on the replica from this gateway',
        'gauge',
        perReplica((s) => s.inFlightStreams),
      ),
      new ScrapedMetric(
        name('requests_total'),
        'Requests answered through the replica',
        'counter',
        perReplica((s) => s.requests),
      ),
      new ScrapedMetric(
        name('errors_total'),
        '5xx answers and transport errors returned to clients',
        'counter',
        perReplica((s) => s.errors),
      ),
      new ScrapedMetric(
        name('upstream_retries_total'),
        'Connect failures retried on another replica of the pool',
        'counter',
        perReplica((s) => s.retries),
      ),
      new ScrapedMetric(
        name('aborted_streams_total'),
        'Streams that ended without [DONE]: reason="upstream" (replica cut it) or "client" (client left)',
        'counter',
        () =>
          [...stats.all()].flatMap((s) => [
            { labels: { ...replicaLabels(s), reason: 'upstream' }, value: s.upstreamAborts },
            { labels: { ...replicaLabels(s), reason: 'client' }, value: s.clientAborts },
          ]),
      ),
      new ScrapedMetric(
        name('ttft_seconds'),
        'Time to first token: first SSE content event, or the whole answer when not streaming',
        'histogram',
        () => histogramSamples(name('ttft_seconds'), stats.all(), (s) => s.ttft),
      ),
      new ScrapedMetric(
        name('itl_seconds'),
        'Inter-token latency: gaps between SSE events carrying content',
        'histogram',
        () => histogramSamples(name('itl_seconds'), stats.all(), (s) => s.itl),
      ),
      new ScrapedMetric(
        name('e2e_per_token_seconds'),
        'End-to-end request time divided by output tokens',
        'histogram',
        () => histogramSamples(name('e2e_per_token_seconds'), stats.all(), (s) => s.e2ePerToken),
      ),
      new ScrapedMetric(
        name('semantic_cache_requests_total'),
        'Completions by what the semantic cache did: result="hit" (answered without the pool), "miss" (looked up, proxied), "bypass" (not looked up)',
        'counter',
        () =>
          [...stats.allCache()].flatMap((c) => [
            { labels: { service: c.service, pool: c.pool, result: 'hit' }, value: c.hits },
            { labels: { service: c.service, pool: c.pool, result: 'miss' }, value: c.misses },
            { labels: { service: c.service, pool: c.pool, result: 'bypass' }, value: c.bypasses },
          ]),
      ),
      new ScrapedMetric(
        name('semantic_cache_stores_total'),
        "Answers of the pool stored under the pool's generation",
        'counter',
        () =>
          [...stats.allCache()].map((c) => ({
            labels: { service: c.service, pool: c.pool },
            value: c.stores,
          })),
      ),
      new ScrapedMetric(
        name('semantic_cache_failures_total'),
        'Semantic-cache calls that failed or timed out: op="lookup" (served as a miss) or "store"',
        'counter',
        () =>
          [...stats.allCache()].flatMap((c) => [
            { labels: { service: c.service, pool: c.pool, op: 'lookup' }, value: c.lookupFailures },
            { labels: { service: c.service, pool: c.pool, op: 'store' }, value: c.storeFailures },
          ]),
      ),
      new ScrapedMetric(
        name('routing_table_version'),
        'Routing-table version in force per service',
        'gauge',
        () =>
          Object.entries(routes.versions()).map(([service, version]) => ({
            labels: { service },
            value: version,
          })),
      ),
      new ScrapedMetric(
        name('nats_connected'),
        '1 while connected to NATS (routing updates flow), 0 while serving the last tables',
        'gauge',
        () => [{ labels: {}, value: link.isConnected() ? 1 : 0 }],
      ),
    ];
    // prom-client types registerMetric for its own classes; at runtime it takes any object
    // with name and get() (that is how the registry reads every metric).
    for (const metric of metrics) registry.registerMetric(metric as unknown as Metric);
  }
}
