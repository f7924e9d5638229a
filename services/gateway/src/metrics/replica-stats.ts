import type { PoolColour } from '../split/split.util';
import { LatencyHistogram } from './latency-histogram.util';
import { E2E_PER_TOKEN_BUCKETS, ITL_BUCKETS, TTFT_BUCKETS } from './metrics.constants';

/**
 * Everything the gateway counts for one replica of one pool release of one service. The proxy
 * holds a direct reference (resolved when a routing table is compiled), so the hot path does no
 * lookups; /metrics and the NATS snapshots read these fields.
 */
export class ReplicaStats {
  inFlight = 0;
  inFlightStreams = 0;
  requests = 0;
  /** 5xx answers and transport errors the client saw. */
  errors = 0;
  /** Streams cut by the replica (ended without [DONE], or an error mid-stream). */
  upstreamAborts = 0;
  /** Streams the client walked away from. */
  clientAborts = 0;
  /** Connect failures that were retried on another replica. */
  retries = 0;
  readonly ttft = new LatencyHistogram(TTFT_BUCKETS);
  readonly itl = new LatencyHistogram(ITL_BUCKETS);
  readonly e2ePerToken = new LatencyHistogram(E2E_PER_TOKEN_BUCKETS);

  constructor(
    readonly service: string,
    readonly pool: PoolColour,
    readonly release: string,
    readonly replica: string,
  ) {}
}
