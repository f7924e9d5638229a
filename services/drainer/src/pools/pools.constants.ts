import { resolve } from 'node:path';
import type { DrainerConfig } from '../config/drainer.config';

export const POOL_HOST_ACTOR = 'system:drainer';

/** Injection token of the drivers this host may use, by name. */
export const POOL_DRIVERS = Symbol('greenlight:POOL_DRIVERS');

export const POOL_HOST_ERRORS = {
  driverDisabled: (driver: string, enabled: readonly string[]) =>
    `pool driver "${driver}" is not enabled on this host (POOL_DRIVERS=${enabled.join(',')})`,
  releaseTaken: (service: string, release: string, deploymentId: string) =>
    `release ${release} of ${service} already runs for deployment ${deploymentId}; deploy a new version`,
  templateDigest: (expected: string, actual: string) =>
    `chat template digest mismatch: expected ${expected}, got ${actual}`,
  replicaExited: (replica: number, url: string, how: string) =>
    `replica ${replica} (${url}) exited ${how}; it is not restarted`,
} as const;

/** Where the process driver keeps each replica's log, pid record and stop marker. */
export function poolDataDir(config: Pick<DrainerConfig, 'POOL_DATA_DIR'>): string {
  return resolve(config.POOL_DATA_DIR, 'pools');
}
