import {
  DRAIN_UNKNOWN_REASONS,
  MIN_SCRAPE_TIMEOUT_MS,
  PROGRESS_MIN_INTERVAL_MS,
} from './drain.constants';

/** What one replica's /metrics said about its running + waiting requests. */
export type ReplicaReading =
  | { url: string; state: 'count'; inFlight: number }
  /** It refuses connections: the process is gone, nothing can be in flight there. */
  | { url: string; state: 'gone' }
  /** No answer in time, or an error: it may still be serving. */
  | { url: string; state: 'unknown'; reason: string }
  /** It answers but exposes no vLLM gauges (another OpenAI-compatible server). */
  | { url: string; state: 'unsupported'; reason: string };

/** The gateways' gauges for the draining release, summed over live instances. */
export interface GatewayReading {
  /** False until the drainer has listened long enough to know every live instance. */
  discovered: boolean;
  /** Live gateway instances routing this service. */
  instances: number;
  /** Live instances whose latest snapshot was taken before the drain began. */
  stale: number;
  inFlight: number;
  streams: number;
}

export interface DrainAssessment {
  drained: boolean;
  /** The larger of the two views: the same request is counted by a gateway and by its replica. */
  inFlight: number;
  streams: number;
  /** Why a source could not be counted as zero. */
  unknown: string[];
}

/**
 * Blue is drained when every live gateway instance reported nothing in flight for it since the
 * drain began, and every replica reports nothing running or waiting (or refuses connections).
 * A replica without vLLM gauges is trusted to the gateways, when there are any.
 */
export function assessDrain(
  gateway: GatewayReading,
  replicas: readonly ReplicaReading[],
): DrainAssessment {
  const unknown: string[] = [];
  if (!gateway.discovered) unknown.push(DRAIN_UNKNOWN_REASONS.gatewayDiscovering);
  else if (gateway.stale > 0) unknown.push(DRAIN_UNKNOWN_REASONS.gatewayNotHeard(gateway.stale));
  let replicaInFlight = 0;
  for (const reading of replicas) {
    if (reading.state === 'count') replicaInFlight += reading.inFlight;
    else if (reading.state === 'unknown') unknown.push(`${reading.url}: ${reading.reason}`);
    else if (reading.state === 'unsupported' && gateway.instances === 0) {
      unknown.push(`${reading.url}: ${reading.reason}`);
    }
  }
  const inFlight = Math.max(gateway.inFlight, replicaInFlight);
  return {
    drained: unknown.length === 0 && inFlight === 0,
    inFlight,
    streams: Math.min(gateway.streams, inFlight),
    unknown,
  };
}

export interface DrainPlan {
  endpoints: readonly string[];
  /** When the orchestrator asked (the command's `at`): elapsed time counts from here. */
  issuedAt: number;
  /** Absolute (issuedAt + timeoutMs): a redelivered command does not extend it. */
  deadline: number;
  pollMs: number;
  scrapeTimeoutMs: number;
}

/** Narrow ports onto the gateway gauges and the replicas' /metrics. */
export interface DrainSources {
  /** The gateways' view of the release, trusting only snapshots taken after `since`. */
  gateway(since: number): GatewayReading;
  replica(url: string, timeoutMs: number, signal: AbortSignal): Promise<ReplicaReading>;
}

export interface DrainProgress {
  inFlight: number;
  streams: number;
  elapsedMs: number;
}

export interface DrainHooks {
  sources: DrainSources;
  /** Aborted when the deployment leaves Draining or the drainer shuts down (its reason says). */
  signal: AbortSignal;
  onProgress(progress: DrainProgress): Promise<void>;
}

export type DrainOutcome =
  | {
      outcome: 'drained' | 'timedOut';
      inFlight: number;
      streams: number;
      elapsedMs: number;
      unknown: string[];
    }
  | { outcome: 'cancelled'; reason: string };

/**
 * Polls the replicas (and reads the gateway gauges) every `pollMs` until nothing is in flight or
 * the deadline passes; reports the count as it changes, at most once a second. Always measures at
 * least once, so a command redelivered after its deadline still answers with what is left.
 */
export async function waitForDrain(plan: DrainPlan, hooks: DrainHooks): Promise<DrainOutcome> {
  const { sources, signal } = hooks;
  const began = Date.now();
  // An orchestrator clock ahead of ours must not make elapsed time negative (or progress keys collide).
  const origin = Math.min(plan.issuedAt, began);
  // Nothing is reported until something is seen in flight: a drain that ends at once stays quiet.
  let reported = { inFlight: 0, streams: 0 };
  let reportedAt = Number.NEGATIVE_INFINITY;
  for (;;) {
    if (signal.aborted) return cancelled(signal);
    const scrapeTimeoutMs = Math.min(
      plan.scrapeTimeoutMs,
      Math.max(MIN_SCRAPE_TIMEOUT_MS, plan.deadline - Date.now()),
    );
    const replicas = await Promise.all(
      plan.endpoints.map((url) => sources.replica(url, scrapeTimeoutMs, signal)),
    );
    if (signal.aborted) return cancelled(signal);
    const { drained, inFlight, streams, unknown } = assessDrain(sources.gateway(began), replicas);
    const now = Date.now();
    const elapsedMs = now - origin;
    if (drained) return { outcome: 'drained', inFlight, streams, elapsedMs, unknown };
    if (now >= plan.deadline) return { outcome: 'timedOut', inFlight, streams, elapsedMs, unknown };
    const changed = reported.inFlight !== inFlight || reported.streams !== streams;
    if (changed && now - reportedAt >= PROGRESS_MIN_INTERVAL_MS) {
      await hooks.onProgress({ inFlight, streams, elapsedMs });
      reported = { inFlight, streams };
      reportedAt = now;
    }
    await sleep(Math.min(plan.pollMs, plan.deadline - Date.now()), signal);
  }
}

function cancelled(signal: AbortSignal): DrainOutcome {
  return { outcome: 'cancelled', reason: String(signal.reason) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
