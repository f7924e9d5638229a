import { READINESS_STAGES, type PoolEndpoint, type ReadinessStage } from '@greenlight/contracts';
import { formatSeconds } from './probe-errors.util';
import type { ProbeTransport } from './probe.transport';
import { READINESS_ERRORS } from './readiness.constants';
import { ReplicaProber, type ReplicaResult, type ReplicaTarget } from './replica-prober';

export type ReadyReplica = Extract<ReplicaResult, { ready: true }>;

export interface PoolProbeSpec {
  endpoints: readonly ReplicaTarget[];
  servedModel: string;
  warmupRequests: number;
  /** Absolute: a restarted probe keeps the original deadline. */
  deadline: Date;
  /** The readiness timeout as the user set it, for the failure message ("not ready after 300 s"). */
  timeoutMs: number;
}

export interface PoolProbeHooks {
  transport: ProbeTransport;
  /** Aborting it stops the run with outcome `cancelled`. */
  signal?: AbortSignal;
  /** Awaited as each replica passes; if it throws, the run stops and rethrows. */
  onReplicaReady?: (replica: ReadyReplica) => Promise<void>;
  onStagePassed?: (stage: ReadinessStage, seconds: number) => void;
}

export type PoolOutcome =
  | { outcome: 'ready'; endpoints: PoolEndpoint[]; replicas: ReadyReplica[] }
  | { outcome: 'failed'; replica: number; stage: ReadinessStage; reason: string }
  | { outcome: 'cancelled'; reason: unknown };

const DEADLINE_PASSED = new Error('readiness deadline passed');

/**
 * Probes every replica of a pool in parallel until all are ready, the deadline passes (the
 * replica that got least far is named, with its last error) or the caller cancels.
 */
export async function probePool(spec: PoolProbeSpec, hooks: PoolProbeHooks): Promise<PoolOutcome> {
  const run = new AbortController();
  const cancel = (): void => run.abort(hooks.signal?.reason);
  if (hooks.signal?.aborted) cancel();
  hooks.signal?.addEventListener('abort', cancel, { once: true });
  const deadlineTimer = setTimeout(
    () => run.abort(DEADLINE_PASSED),
    Math.max(0, spec.deadline.getTime() - Date.now()),
  );

  try {
    const settled = await Promise.allSettled(
      spec.endpoints.map(async (endpoint) => {
        try {
          const prober = new ReplicaProber(endpoint, {
            transport: hooks.transport,
            servedModel: spec.servedModel,
            warmupRequests: spec.warmupRequests,
            ...(hooks.onStagePassed ? { onStagePassed: hooks.onStagePassed } : {}),
          });
          const result = await prober.probe(run.signal);
          if (result.ready && !hooks.signal?.aborted) await hooks.onReplicaReady?.(result);
          return result;
        } catch (error) {
          run.abort(error);
          throw error;
        }
      }),
    );
    const broken = settled.find((s) => s.status === 'rejected');
    if (broken) throw broken.reason;
    const results = settled.map((s) => (s as PromiseFulfilledResult<ReplicaResult>).value);

    if (hooks.signal?.aborted) return { outcome: 'cancelled', reason: hooks.signal.reason };
    const ready = results.filter((r): r is ReadyReplica => r.ready);
    if (ready.length === results.length) {
      return {
        outcome: 'ready',
        endpoints: ready.map(({ replica, url }) => ({ replica, url })),
        replicas: ready,
      };
    }
    return failure(results, spec.timeoutMs);
  } finally {
    clearTimeout(deadlineTimer);
    hooks.signal?.removeEventListener('abort', cancel);
  }
}

/** Names the replica that got least far (lowest index on a tie), in words. */
function failure(results: readonly ReplicaResult[], timeoutMs: number): PoolOutcome {
  const stuck = results
    .filter((r): r is Extract<ReplicaResult, { ready: false }> => !r.ready)
    .sort(
      (a, b) =>
        READINESS_STAGES.indexOf(a.stage) - READINESS_STAGES.indexOf(b.stage) ||
        a.replica - b.replica,
    );
  const worst = stuck[0];
  if (!worst) throw new Error('failure() needs a replica that is not ready');
  const others = stuck.length - 1;
  const reason =
    READINESS_ERRORS.notReady(
      worst.replica,
      worst.url,
      formatSeconds(timeoutMs),
      worst.lastError ?? READINESS_ERRORS.notProbed,
    ) + (others > 0 ? READINESS_ERRORS.othersNotReady(others) : '');
  return { outcome: 'failed', replica: worst.replica, stage: worst.stage, reason };
}
