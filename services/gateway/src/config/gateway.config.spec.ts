import { ConfigError, loadConfig } from '@greenlight/contracts';
import { GatewayConfigSchema, gatewayInstanceId, routesFilePath } from './gateway.config';

const load = (env: Record<string, string>) => loadConfig(GatewayConfigSchema, env);

describe('gateway config', () => {
  it('listens on 8080 and keeps its routes under the data directory by default', () => {
    const config = load({});

    expect(config.PORT).toBe(8080);
    expect(routesFilePath(config)).toBe('.greenlight/data/gateway-routes-8080.json');
    expect(routesFilePath(load({ POOL_DATA_DIR: '/var/lib/gl' }), 9000)).toBe(
      '/var/lib/gl/gateway-routes-9000.json',
    );
    expect(gatewayInstanceId(config, 8081)).toMatch(
      new RegExp(`^[A-Za-z0-9._-]+:8081:${process.pid}$`),
    );
  });

  it('takes the instance id and routes file from the environment', () => {
    const config = load({ GATEWAY_INSTANCE: 'gw-a', ROUTES_FILE: '/tmp/r.json' });
    expect(gatewayInstanceId(config)).toBe('gw-a');
    expect(routesFilePath(config)).toBe('/tmp/r.json');
  });

  it('looks answers up in Redis within 20 ms by default, and can be switched off', () => {
    expect(load({})).toMatchObject({
      GATEWAY_SEMANTIC_CACHE: 'on',
      GATEWAY_SEMANTIC_BACKEND: 'redis',
      GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS: 20,
      GATEWAY_SEMANTIC_TTL: 3600,
    });
    expect(load({ GATEWAY_SEMANTIC_CACHE: 'off' }).GATEWAY_SEMANTIC_CACHE).toBe('off');
    expect(
      load({ GATEWAY_SEMANTIC_BACKEND: 'qdrant', QDRANT_URL: 'http://qdrant:6333' }),
    ).toMatchObject({ GATEWAY_SEMANTIC_BACKEND: 'qdrant', QDRANT_URL: 'http://qdrant:6333' });
  });

  it.each([
    [{ GATEWAY_SEMANTIC_CACHE: 'maybe' }, /GATEWAY_SEMANTIC_CACHE: /],
    [{ GATEWAY_SEMANTIC_BACKEND: 'memcached' }, /GATEWAY_SEMANTIC_BACKEND: /],
    [{ GATEWAY_SEMANTIC_THRESHOLD: '1.5' }, /GATEWAY_SEMANTIC_THRESHOLD: /],
    [{ GATEWAY_SEMANTIC_TTL: '0' }, /GATEWAY_SEMANTIC_TTL: /],
    [
      { GATEWAY_EMBEDDINGS_URL: 'http://embed:8000' },
      /GATEWAY_EMBEDDINGS_MODEL: is required when GATEWAY_EMBEDDINGS_URL is set/,
    ],
    [{ GATEWAY_INSTANCE: 'has spaces' }, /GATEWAY_INSTANCE: must be 1-100 characters/],
    [{ GATEWAY_CONNECT_TIMEOUT_MS: 'soon' }, /GATEWAY_CONNECT_TIMEOUT_MS: /],
    [{ GATEWAY_UPSTREAM_CONNECTIONS: '0' }, /GATEWAY_UPSTREAM_CONNECTIONS: must be at least 1/],
    [{ PORT: 'http' }, /PORT: must be a port number/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
