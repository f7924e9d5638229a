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

  it.each([
    [{ GATEWAY_INSTANCE: 'has spaces' }, /GATEWAY_INSTANCE: must be 1-100 characters/],
    [{ GATEWAY_CONNECT_TIMEOUT_MS: 'soon' }, /GATEWAY_CONNECT_TIMEOUT_MS: /],
    [{ GATEWAY_UPSTREAM_CONNECTIONS: '0' }, /GATEWAY_UPSTREAM_CONNECTIONS: must be at least 1/],
    [{ PORT: 'http' }, /PORT: must be a port number/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
