import { ConfigError, loadConfig } from '@greenlight/contracts';
import { TrafficShifterConfigSchema } from '../../config/traffic-shifter.config';
import { kubeApiUrl } from '@greenlight/contracts';
import { createHttpRouteDriver } from './http-route-driver.factory';

const load = (env: Record<string, string>) => loadConfig(TrafficShifterConfigSchema, env);

describe('Gateway API settings of the traffic-shifter', () => {
  it('is off unless TRAFFIC_HTTPROUTE is set', () => {
    const config = load({ KUBERNETES_SERVICE_HOST: '10.96.0.1' });

    expect(config.TRAFFIC_HTTPROUTE).toBeUndefined();
    expect(createHttpRouteDriver(config)).toBeUndefined();
  });

  it('maps each model service to its HTTPRoute and talks to the in-cluster API server', () => {
    const config = load({
      TRAFFIC_HTTPROUTE: 'chat=ml/chat-route, summarize=llm/summarize.v1',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
    });

    expect(config.TRAFFIC_HTTPROUTE).toEqual({
      chat: { namespace: 'ml', name: 'chat-route' },
      summarize: { namespace: 'llm', name: 'summarize.v1' },
    });
    expect(config.KUBE_TOKEN_FILE).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(config.KUBE_CA_FILE).toBe('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    expect(kubeApiUrl(config)).toBe('https://10.96.0.1:443');
    expect(createHttpRouteDriver(config)?.name).toBe('gateway-api');
  });

  it('prefers KUBE_API_URL and brackets an IPv6 service host', () => {
    expect(
      kubeApiUrl(load({ TRAFFIC_HTTPROUTE: 'chat=ml/r', KUBE_API_URL: 'http://127.0.0.1:8001' })),
    ).toBe('http://127.0.0.1:8001');
    expect(
      kubeApiUrl(
        load({
          TRAFFIC_HTTPROUTE: 'chat=ml/r',
          KUBERNETES_SERVICE_HOST: 'fd00::1',
          KUBERNETES_SERVICE_PORT: '6443',
        }),
      ),
    ).toBe('https://[fd00::1]:6443');
  });

  it.each([
    [
      { TRAFFIC_HTTPROUTE: 'chat=ml', KUBE_API_URL: 'http://k:1' },
      /TRAFFIC_HTTPROUTE: must be a comma-separated list of service=namespace\/name/,
    ],
    [
      { TRAFFIC_HTTPROUTE: 'chat=ML/route', KUBE_API_URL: 'http://k:1' },
      /TRAFFIC_HTTPROUTE: must be/,
    ],
    [
      { TRAFFIC_HTTPROUTE: 'chat=ml/a,chat=ml/b', KUBE_API_URL: 'http://k:1' },
      /TRAFFIC_HTTPROUTE: must be/,
    ],
    [
      { TRAFFIC_HTTPROUTE: 'chat=ml/route' },
      /KUBE_API_URL: is required when TRAFFIC_HTTPROUTE is set outside a cluster/,
    ],
    [
      { TRAFFIC_HTTPROUTE: 'chat=ml/route', KUBE_API_URL: 'ftp://k' },
      /KUBE_API_URL: must be an http\(s\):\/\/ URL/,
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
