import { z } from 'zod';
import {
  BaseServiceConfigSchema,
  ConfigError,
  DEFAULT_PORTS,
  loadConfig,
  PORT_MESSAGE,
  PortSchema,
} from './config.util';

const GatewayConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS.gateway),
});

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills the defaults of an empty environment', () => {
    expect(loadConfig(GatewayConfigSchema, {})).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_STREAM_REPLICAS: 1,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_SENTINEL_NAME: 'greenlight',
      HOST: '127.0.0.1',
      PORT: 8080,
      LOG_LEVEL: 'info',
    });
  });

  it('reads given values and ignores unrelated variables', () => {
    const config = loadConfig(GatewayConfigSchema, {
      PORT: '0',
      LOG_LEVEL: 'debug',
      NATS_URL: 'nats://10.0.0.5:4222',
      PATH: '/usr/bin',
    });
    expect(config).toMatchObject({ PORT: 0, LOG_LEVEL: 'debug', NATS_URL: 'nats://10.0.0.5:4222' });
    expect(config).not.toHaveProperty('PATH');
  });

  it('accepts a NATS cluster as comma-separated URLs and names a bad one', () => {
    const cluster = 'nats://10.0.0.1:4222,nats://10.0.0.2:4222, nats://10.0.0.3:4222';
    expect(loadConfig(GatewayConfigSchema, { NATS_URL: cluster }).NATS_URL).toBe(cluster);
    expect(
      errorOf(() => loadConfig(GatewayConfigSchema, { NATS_URL: 'nats://a:4222,http://b' }))
        .message,
    ).toBe(
      'invalid configuration: NATS_URL: must be a nats:// URL, or several separated by commas (a cluster)',
    );
  });

  it('reads Redis Sentinels as host:port pairs', () => {
    expect(
      loadConfig(GatewayConfigSchema, { REDIS_SENTINELS: '10.0.0.1:26379,sentinel-b:26379' }),
    ).toMatchObject({ REDIS_SENTINELS: '10.0.0.1:26379,sentinel-b:26379' });
    expect(
      errorOf(() => loadConfig(GatewayConfigSchema, { REDIS_SENTINELS: '10.0.0.1' })).message,
    ).toMatch(/^invalid configuration: REDIS_SENTINELS: must be host:port pairs/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(GatewayConfigSchema, { PORT: '' }).PORT).toBe(8080);
  });

  it('names each bad variable and why', () => {
    const error = errorOf(() =>
      loadConfig(GatewayConfigSchema, {
        PORT: '70000',
        LOG_LEVEL: 'verbose',
        REDIS_URL: 'http://x',
      }),
    );
    expect(error.message).toBe(
      `invalid configuration: REDIS_URL: must be a redis:// URL; PORT: ${PORT_MESSAGE}; ` +
        'LOG_LEVEL: must be one of "fatal", "error", "warn", "info", "debug", "trace"',
    );
    expect(error.issues.map((i) => i.path)).toEqual(['REDIS_URL', 'PORT', 'LOG_LEVEL']);
  });

  it.each(['http', '-1', '8080.5', '1e3'])('refuses PORT=%s', (port) => {
    expect(errorOf(() => loadConfig(GatewayConfigSchema, { PORT: port })).message).toBe(
      `invalid configuration: PORT: ${PORT_MESSAGE}`,
    );
  });

  it('requires PORT when a service gives it no default', () => {
    expect(errorOf(() => loadConfig(BaseServiceConfigSchema, {})).message).toBe(
      'invalid configuration: PORT: is required',
    );
  });

  it('works for service-specific variables too', () => {
    const schema = z.object({ OUTBOX_SWEEP_MS: z.coerce.number().int().min(50) });
    expect(errorOf(() => loadConfig(schema, { OUTBOX_SWEEP_MS: '10' })).message).toBe(
      'invalid configuration: OUTBOX_SWEEP_MS: must be at least 50',
    );
  });
});
