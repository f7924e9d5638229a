import type { TrafficShifterConfig } from '../../config/traffic-shifter.config';
import { HttpRouteDriver } from './http-route.driver';
import { readFileSync, existsSync } from 'node:fs';
import { createHttpKubeApi, tokenFromFile } from '@greenlight/pools';

export type GatewayApiConfig = Pick<
  TrafficShifterConfig,
  | 'TRAFFIC_HTTPROUTE'
  | 'KUBE_API_URL'
  | 'KUBE_TOKEN_FILE'
  | 'KUBE_CA_FILE'
  | 'KUBERNETES_SERVICE_HOST'
  | 'KUBERNETES_SERVICE_PORT'
>;

/** KUBE_API_URL, else the in-cluster API server every pod is told about. */
export function kubeApiUrl(config: GatewayApiConfig): string | undefined {
  if (config.KUBE_API_URL) return config.KUBE_API_URL;
  const host = config.KUBERNETES_SERVICE_HOST;
  if (!host) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${config.KUBERNETES_SERVICE_PORT}`;
}

/** The Gateway API driver, or undefined when TRAFFIC_HTTPROUTE is not set (off by default). */
export function createHttpRouteDriver(config: GatewayApiConfig): HttpRouteDriver | undefined {
  const server = kubeApiUrl(config);
  if (!config.TRAFFIC_HTTPROUTE || !server) return undefined;
  return new HttpRouteDriver({
    routes: config.TRAFFIC_HTTPROUTE,
    api: createHttpKubeApi({
      server,
      token: tokenFromFile(config.KUBE_TOKEN_FILE),
      ...(config.KUBE_CA_FILE && existsSync(config.KUBE_CA_FILE)
        ? { ca: readFileSync(config.KUBE_CA_FILE, 'utf8') }
        : {}),
    }),
  });
}
