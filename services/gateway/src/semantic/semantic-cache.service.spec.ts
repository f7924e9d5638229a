import type { SemanticCache, SemanticHit } from '@greenlight/caches';
import { loadConfig } from '@greenlight/contracts';
import { GatewayConfigSchema } from '../config/gateway.config';
import { CacheStats } from '../metrics/cache-stats';
import { SemanticCacheService } from './semantic-cache.service';

const QUERY = { service: 'chat', generation: 'g-v2', text: 'user: hi' };
const HIT: SemanticHit = {
  answer: {
    content: 'Hello!',
    finishReason: 'stop',
    release: 'v2',
    createdAt: '2026-01-01T00:00:00Z',
  },
  similarity: 1,
};

type FakeBackend = jest.Mocked<Pick<SemanticCache, 'lookup' | 'store' | 'close'>>;

function setUp(lookup: FakeBackend['lookup']) {
  const backend: FakeBackend = {
    lookup,
    store: jest.fn().mockResolvedValue(undefined),
    close: jest.fn().mockResolvedValue(undefined),
  };
  const config = loadConfig(GatewayConfigSchema, {
    GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS: '20',
    GATEWAY_SEMANTIC_TTL: '600',
  });
  const service = new SemanticCacheService(config, backend as unknown as SemanticCache);
  return { backend, service, stats: new CacheStats('chat', 'green') };
}

describe('SemanticCacheService', () => {
  it('returns the backend’s hit', async () => {
    const { service, stats } = setUp(jest.fn().mockResolvedValue(HIT));
    await expect(service.lookup(QUERY, stats)).resolves.toBe(HIT);
    expect(stats.lookupFailures).toBe(0);
  });

  it('turns a slow or failing lookup into a miss instead of an error or a wait', async () => {
    const slow = setUp(jest.fn().mockReturnValue(new Promise(() => undefined)));
    const broken = setUp(jest.fn().mockRejectedValue(new Error('ECONNREFUSED')));

    const started = Date.now();
    await expect(slow.service.lookup(QUERY, slow.stats)).resolves.toBeNull();
    expect(Date.now() - started).toBeLessThan(500);
    await expect(broken.service.lookup(QUERY, broken.stats)).resolves.toBeNull();
    expect(slow.stats.lookupFailures).toBe(1);
    expect(broken.stats.lookupFailures).toBe(1);
  });

  it('leaves a failing backend alone for a while after a few failures in a row', async () => {
    const { backend, service, stats } = setUp(jest.fn().mockRejectedValue(new Error('down')));

    for (let i = 0; i < 5; i++) await service.lookup(QUERY, stats);
    service.store(QUERY, { content: 'x', finishReason: 'stop' }, 'v2', stats);

    expect(backend.lookup).toHaveBeenCalledTimes(3);
    expect(backend.store).not.toHaveBeenCalled();
  });

  it('stores under the query’s generation with the configured TTL and counts it', async () => {
    const { backend, service, stats } = setUp(jest.fn().mockResolvedValue(null));

    service.store(QUERY, { content: 'Hello!', finishReason: 'stop' }, 'v2', stats);
    await new Promise((resolve) => setImmediate(resolve));

    expect(backend.store).toHaveBeenCalledWith(
      QUERY,
      { content: 'Hello!', finishReason: 'stop', release: 'v2', createdAt: expect.any(String) },
      600,
    );
    expect(stats.stores).toBe(1);
  });
});
