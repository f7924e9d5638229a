import { loadConfig } from '@greenlight/contracts';
import { DrainerConfigSchema } from '../config/drainer.config';
import { poolDriversFor } from './pool-drivers.util';

const BASE = { NATS_URL: 'nats://127.0.0.1:4222', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('the drainer pool drivers', () => {
  it('gives the kubernetes driver the API server it is configured with', () => {
    const config = loadConfig(DrainerConfigSchema, {
      ...BASE,
      POOL_DRIVERS: 'process,static,kubernetes',
      KUBE_API_URL: 'http://127.0.0.1:8001',
      POOL_KUBE_IMAGE: 'vllm/vllm-openai:v0.11.0',
    });

    const drivers = poolDriversFor(config);

    expect(Object.keys(drivers).sort()).toEqual(['kubernetes', 'process', 'static']);
    expect(drivers.kubernetes?.name).toBe('kubernetes');
  });

  it('finds the in-cluster API server from the service environment a pod gets', () => {
    const config = loadConfig(DrainerConfigSchema, {
      ...BASE,
      POOL_DRIVERS: 'kubernetes',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
    });

    expect(poolDriversFor(config).kubernetes?.name).toBe('kubernetes');
  });

  it('refuses kubernetes pools with no API server to reach, naming the variable', () => {
    expect(() =>
      loadConfig(DrainerConfigSchema, { ...BASE, POOL_DRIVERS: 'process,kubernetes' }),
    ).toThrow(/KUBE_API_URL: is required when POOL_DRIVERS includes kubernetes outside a cluster/);
  });

  it('starts without any Kubernetes setting when kubernetes pools are not used', () => {
    const config = loadConfig(DrainerConfigSchema, { ...BASE });

    expect(Object.keys(poolDriversFor(config)).sort()).toEqual(['process', 'static']);
  });
});
