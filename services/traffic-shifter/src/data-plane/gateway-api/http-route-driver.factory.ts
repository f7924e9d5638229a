import { kubeApiFromConfig } from '@greenlight/pools';
import type { TrafficShifterConfig } from '../../config/traffic-shifter.config';
import { HttpRouteDriver } from './http-route.driver';

export type GatewayApiConfig = Pick<
  TrafficShifterConfig,
  | 'TRAFFIC_HTTPROUTE'
  | 'KUBE_API_URL'
  | 'KUBE_TOKEN_FILE'
  | 'KUBE_CA_FILE'
  | 'KUBERNETES_SERVICE_HOST'
  | 'KUBERNETES_SERVICE_PORT'
>;

/** The Gateway API driver, or undefined when TRAFFIC_HTTPROUTE is not set (off by default). */
export function createHttpRouteDriver(config: GatewayApiConfig): HttpRouteDriver | undefined {
  const api = config.TRAFFIC_HTTPROUTE ? kubeApiFromConfig(config) : undefined;
  if (!config.TRAFFIC_HTTPROUTE || !api) return undefined;
  return new HttpRouteDriver({ routes: config.TRAFFIC_HTTPROUTE, api });
}
