import {
  KubernetesPoolDriver,
  type KubernetesDriverOptions,
} from './kubernetes/kubernetes-pool.driver';
import type { PoolDriver, PoolDriverName } from './pool-driver.types';
import { POOL_ERRORS } from './pools.constants';
import { ProcessPoolDriver, type ProcessDriverOptions } from './process/process-pool.driver';
import { StaticPoolDriver } from './static/static-pool.driver';
import { SystemdPoolDriver, type SystemdDriverOptions } from './systemd/systemd-pool.driver';

/** What each driver needs from its host; only the drivers a host uses need an entry. */
export interface PoolDriverDeps {
  process?: ProcessDriverOptions;
  systemd?: SystemdDriverOptions;
  kubernetes?: KubernetesDriverOptions;
}

/**
 * The driver for a manifest's `pool.driver` or a stored record's `driver`. A host keeps one
 * instance per driver: the process driver hears its own children exit only in the instance
 * that spawned them.
 */
export function createPoolDriver(name: PoolDriverName, deps: PoolDriverDeps = {}): PoolDriver {
  switch (name) {
    case 'static':
      return new StaticPoolDriver();
    case 'process':
      if (!deps.process) throw new Error(POOL_ERRORS.missingDeps(name));
      return new ProcessPoolDriver(deps.process);
    case 'systemd':
      return new SystemdPoolDriver(deps.systemd);
    case 'kubernetes':
      if (!deps.kubernetes) throw new Error(POOL_ERRORS.missingDeps(name));
      return new KubernetesPoolDriver(deps.kubernetes);
    default:
      throw new Error(POOL_ERRORS.unknownDriver(String(name)));
  }
}

/** The drivers a host enables (its config), by name; a driver missing its options is an error. */
export function createPoolDrivers(
  names: readonly PoolDriverName[],
  deps: PoolDriverDeps = {},
): Partial<Record<PoolDriverName, PoolDriver>> {
  const drivers: Partial<Record<PoolDriverName, PoolDriver>> = {};
  for (const name of new Set(names)) drivers[name] = createPoolDriver(name, deps);
  return drivers;
}
