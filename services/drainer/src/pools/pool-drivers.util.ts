import {
  createPoolDrivers,
  kubeApiFromConfig,
  type PoolDriver,
  type PoolDriverName,
} from '@greenlight/pools';
import type { DrainerConfig } from '../config/drainer.config';
import { poolDataDir } from './pools.constants';

type DriverConfig = Pick<
  DrainerConfig,
  | 'POOL_DRIVERS'
  | 'POOL_DATA_DIR'
  | 'POOL_PATH'
  | 'POOL_KUBE_IMAGE'
  | 'POOL_KUBE_COMMAND'
  | 'POOL_KUBE_PORT'
  | 'KUBE_API_URL'
  | 'KUBE_TOKEN_FILE'
  | 'KUBE_CA_FILE'
  | 'KUBERNETES_SERVICE_HOST'
  | 'KUBERNETES_SERVICE_PORT'
>;

/** The pool drivers this host may use, each given what it needs from the drainer's settings. */
export function poolDriversFor(config: DriverConfig): Partial<Record<PoolDriverName, PoolDriver>> {
  const api = config.POOL_DRIVERS.includes('kubernetes') ? kubeApiFromConfig(config) : undefined;
  return createPoolDrivers(config.POOL_DRIVERS, {
    process: { dataDir: poolDataDir(config), pathPrepend: config.POOL_PATH },
    ...(api
      ? {
          kubernetes: {
            api,
            ...(config.POOL_KUBE_IMAGE ? { image: config.POOL_KUBE_IMAGE } : {}),
            ...(config.POOL_KUBE_COMMAND ? { command: config.POOL_KUBE_COMMAND } : {}),
            ...(config.POOL_KUBE_PORT ? { containerPort: config.POOL_KUBE_PORT } : {}),
          },
        }
      : {}),
  });
}
