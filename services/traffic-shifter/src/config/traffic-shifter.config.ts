import { z } from 'zod';
import {
  BaseServiceConfigSchema,
  DEFAULT_PORTS,
  KubeClientConfigSchema,
  PortSchema,
} from '@greenlight/contracts';
import { KUBE_API_URL_REQUIRED_MESSAGE } from '../data-plane/gateway-api/gateway-api.constants';
import { HttpRouteMapSchema } from '../data-plane/gateway-api/http-route-config.schema';

export const HAPROXY_SOCKET_MESSAGE =
  'must be the path of a unix socket (/run/haproxy/admin.sock) or host:port of a TCP stats socket';
export const HAPROXY_SLOTS_MESSAGE =
  'must be an integer from 1 to 64 (server slots per pool in the HAProxy config)';
export const CONFIRM_TIMEOUT_MESSAGE = 'must be a number of milliseconds from 100 to 600000';

/** Env text -> bounded integer, with a message that names what is expected. */
function intFromEnv(min: number, max: number, message: string) {
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

export const TrafficShifterConfigSchema = BaseServiceConfigSchema.extend({
  ...KubeClientConfigSchema.shape,
  PORT: PortSchema.default(DEFAULT_PORTS['traffic-shifter']),
  /** HAProxy admin socket; absent: the embedded gateway is the only data plane. */
  HAPROXY_SOCKET: z
    .string()
    .regex(/^(\/[^\0]*|(?:ipv4@)?[A-Za-z0-9.-]+:\d{1,5})$/, HAPROXY_SOCKET_MESSAGE)
    .optional(),
  /** Slots blue1..blueN / green1..greenN of each backend: the template's server-template count. */
  HAPROXY_SLOTS: intFromEnv(1, 64, HAPROXY_SLOTS_MESSAGE).default(16),
  /** How long every live data-plane instance has to confirm a routing change before a retry. */
  CONFIRM_TIMEOUT_MS: intFromEnv(100, 600_000, CONFIRM_TIMEOUT_MESSAGE).default(10_000),
  /** service=namespace/name of the HTTPRoute per model service; absent: no Gateway API data plane. */
  TRAFFIC_HTTPROUTE: HttpRouteMapSchema.optional(),
}).superRefine((config, ctx) => {
  if (config.TRAFFIC_HTTPROUTE && !config.KUBE_API_URL && !config.KUBERNETES_SERVICE_HOST) {
    ctx.addIssue({
      code: 'custom',
      path: ['KUBE_API_URL'],
      message: KUBE_API_URL_REQUIRED_MESSAGE,
    });
  }
});

export type TrafficShifterConfig = z.output<typeof TrafficShifterConfigSchema>;
