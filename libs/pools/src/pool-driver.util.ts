import type { Pool } from '@greenlight/contracts';
import type { PoolDriverName } from './pool-driver.types';
import type { PoolRecord } from './pool-record.schema';
import { POOL_ERRORS } from './pools.constants';

/** Narrows a record to one driver's shape, refusing a record of another driver. */
export function recordFor<D extends PoolDriverName>(
  record: PoolRecord,
  driver: D,
): Extract<PoolRecord, { driver: D }> {
  if (record.driver !== driver) throw new Error(POOL_ERRORS.wrongDriver(driver, record.driver));
  return record as Extract<PoolRecord, { driver: D }>;
}

/** Narrows a manifest pool to one driver's shape, refusing a pool of another driver. */
export function poolFor<D extends PoolDriverName>(
  pool: Pool,
  driver: D,
): Extract<Pool, { driver: D }> {
  if (pool.driver !== driver) throw new Error(POOL_ERRORS.wrongDriver(driver, pool.driver));
  return pool as Extract<Pool, { driver: D }>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Time for drivers that poll; unit tests pass one that does not wait. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now(), sleep };
