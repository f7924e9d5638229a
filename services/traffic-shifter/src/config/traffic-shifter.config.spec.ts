import { ConfigError, loadConfig } from '@greenlight/contracts';
import { TrafficShifterConfigSchema } from './traffic-shifter.config';

const load = (env: Record<string, string>) => loadConfig(TrafficShifterConfigSchema, env);

describe('traffic-shifter config', () => {
  it('runs without HAProxy by default, with 16 slots and a 10 s confirmation window', () => {
    const config = load({});

    expect(config.PORT).toBe(7073);
    expect(config.HAPROXY_SOCKET).toBeUndefined();
    expect(config.HAPROXY_SLOTS).toBe(16);
    expect(config.CONFIRM_TIMEOUT_MS).toBe(10_000);
  });

  it.each(['/run/haproxy/admin.sock', '127.0.0.1:9999', 'ipv4@haproxy:9999'])(
    'accepts the HAProxy socket %s',
    (socket) => {
      expect(load({ HAPROXY_SOCKET: socket }).HAPROXY_SOCKET).toBe(socket);
    },
  );

  it('reads numbers from the environment', () => {
    const config = load({ HAPROXY_SLOTS: '4', CONFIRM_TIMEOUT_MS: '2500' });

    expect(config).toMatchObject({ HAPROXY_SLOTS: 4, CONFIRM_TIMEOUT_MS: 2500 });
  });

  it.each([
    [{ HAPROXY_SOCKET: 'admin.sock' }, /HAPROXY_SOCKET: must be the path of a unix socket/],
    [{ HAPROXY_SLOTS: '0' }, /HAPROXY_SLOTS: must be an integer from 1 to 64/],
    [{ HAPROXY_SLOTS: 'many' }, /HAPROXY_SLOTS: must be an integer from 1 to 64/],
    [{ CONFIRM_TIMEOUT_MS: '10s' }, /CONFIRM_TIMEOUT_MS: must be a number of milliseconds/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
