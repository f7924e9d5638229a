import { loadConfig } from '@greenlight/contracts';
import { CACHE_MANAGER_CONFIG_ERRORS, CacheManagerConfigSchema } from './cache-manager.config';

describe('cache-manager config', () => {
  it('defaults to the Redis semantic cache and 8 pre-warm requests at once', () => {
    const config = loadConfig(CacheManagerConfigSchema, {});

    expect(config).toMatchObject({ SEMANTIC_CACHE_BACKEND: 'redis', PREWARM_CONCURRENCY: 8 });
  });

  it('refuses the Qdrant backend without QDRANT_URL, naming the variable', () => {
    expect(() =>
      loadConfig(CacheManagerConfigSchema, { SEMANTIC_CACHE_BACKEND: 'qdrant' }),
    ).toThrow(`QDRANT_URL: ${CACHE_MANAGER_CONFIG_ERRORS.qdrantUrlMissing}`);
  });

  it('refuses a pre-warm concurrency that is not a positive whole number', () => {
    expect(() => loadConfig(CacheManagerConfigSchema, { PREWARM_CONCURRENCY: '0' })).toThrow(
      /PREWARM_CONCURRENCY/,
    );
  });
});
