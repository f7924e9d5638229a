import type { PoolDriver, PoolSpec, ReplicaStatus, StopReport } from '../pool-driver.types';
import { poolFor, recordFor } from '../pool-driver.util';
import type { PoolRecord, StaticPoolRecord } from '../pool-record.schema';
import { STATIC_STATUS_DETAIL, STATIC_STOP_DETAIL } from '../pools.constants';

/**
 * Servers greenlight did not start (adopting a running pool as blue): it routes to them and
 * probes them, but never starts, stops or watches them.
 */
export class StaticPoolDriver implements PoolDriver {
  readonly name = 'static' as const;

  async start(spec: PoolSpec): Promise<PoolRecord> {
    const pool = poolFor(spec.pool, 'static');
    const startedAt = new Date().toISOString();
    const record: StaticPoolRecord = {
      driver: 'static',
      service: spec.service,
      release: spec.release,
      startedAt,
      stopTimeoutMs: 0,
      replicas: pool.endpoints.map((url, replica) => ({ replica, url, startedAt })),
    };
    return record;
  }

  async status(record: PoolRecord): Promise<ReplicaStatus[]> {
    return recordFor(record, 'static').replicas.map(({ replica, url }) => ({
      replica,
      url,
      state: 'unknown',
      detail: STATIC_STATUS_DETAIL,
    }));
  }

  async stop(record: PoolRecord): Promise<StopReport> {
    const pool = recordFor(record, 'static');
    return {
      driver: 'static',
      service: pool.service,
      release: pool.release,
      replicas: [],
      ms: 0,
      detail: STATIC_STOP_DETAIL,
    };
  }

  watch(record: PoolRecord): () => void {
    recordFor(record, 'static');
    return () => undefined;
  }
}
