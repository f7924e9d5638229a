import { z } from 'zod';
import { TRAFFIC_HTTPROUTE_MESSAGE } from './gateway-api.constants';
import type { RouteRef } from './http-route.util';

const SERVICE = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
const NAMESPACE = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** Object names are DNS subdomains. */
const NAME = '[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?';
const ENTRY = new RegExp(`^(${SERVICE})=(${NAMESPACE})/(${NAME})$`);

/** "chat=ml/chat-route,summarize=ml/sum" → { chat: { namespace: 'ml', name: 'chat-route' }, … }. */
export const HttpRouteMapSchema = z.string().transform((raw, ctx) => {
  const routes: Record<string, RouteRef> = {};
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    if (!match || routes[match[1]!]) {
      ctx.addIssue({ code: 'custom', message: TRAFFIC_HTTPROUTE_MESSAGE });
      return z.NEVER;
    }
    routes[match[1]!] = { namespace: match[2]!, name: match[3]! };
  }
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: TRAFFIC_HTTPROUTE_MESSAGE });
    return z.NEVER;
  }
  return routes;
});

export type HttpRouteMap = z.output<typeof HttpRouteMapSchema>;
