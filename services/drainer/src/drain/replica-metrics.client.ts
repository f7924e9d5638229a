import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Agent } from 'undici';
import type { ReplicaReading } from './drain-waiter';
import {
  DRAIN_UNKNOWN_REASONS,
  IN_FLIGHT_METRICS,
  MAX_METRICS_BYTES,
  METRICS_PATH,
} from './drain.constants';
import { parsePrometheusText, sumMetric } from './prometheus-text.util';

/** Scrapes a replica's /metrics for vLLM's running + waiting requests. */
@Injectable()
export class ReplicaMetricsClient implements OnModuleDestroy {
  // Keep-alive: a drain scrapes each replica four times a second.
  private readonly agent = new Agent({
    connections: 4,
    keepAliveTimeout: 4_000,
    maxResponseSize: MAX_METRICS_BYTES,
  });

  async onModuleDestroy(): Promise<void> {
    await this.agent.destroy();
  }

  async read(url: string, timeoutMs: number, signal: AbortSignal): Promise<ReplicaReading> {
    const target = new URL(METRICS_PATH, url);
    const limit = AbortSignal.timeout(timeoutMs);
    try {
      const response = await this.agent.request({
        origin: target.origin,
        path: target.pathname,
        method: 'GET',
        signal: AbortSignal.any([signal, limit]),
      });
      const body = await response.body.text();
      return readingOf(url, response.statusCode, body);
    } catch (error) {
      if (errorCodes(error).includes('ECONNREFUSED')) return { url, state: 'gone' };
      if (limit.aborted) {
        return { url, state: 'unknown', reason: DRAIN_UNKNOWN_REASONS.timeout(seconds(timeoutMs)) };
      }
      return {
        url,
        state: 'unknown',
        reason: DRAIN_UNKNOWN_REASONS.network(
          error instanceof Error ? error.message : String(error),
        ),
      };
    }
  }
}

/** A /metrics answer as a reading: 404 or no vLLM gauges means the server cannot tell. */
export function readingOf(url: string, status: number, body: string): ReplicaReading {
  if (status === 404) {
    return { url, state: 'unsupported', reason: DRAIN_UNKNOWN_REASONS.status(status) };
  }
  if (status !== 200)
    return { url, state: 'unknown', reason: DRAIN_UNKNOWN_REASONS.status(status) };
  const { samples } = parsePrometheusText(body);
  let inFlight: number | undefined;
  for (const metric of IN_FLIGHT_METRICS) {
    const value = sumMetric(samples, metric);
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      return { url, state: 'unknown', reason: DRAIN_UNKNOWN_REASONS.notANumber(metric) };
    }
    inFlight = (inFlight ?? 0) + value;
  }
  if (inFlight === undefined) {
    return { url, state: 'unsupported', reason: DRAIN_UNKNOWN_REASONS.noInFlightMetrics };
  }
  // Gauges are floats on the wire ("1.0"); a fraction still means a request in flight.
  return { url, state: 'count', inFlight: Math.ceil(inFlight) };
}

/** Every error code in an error, its AggregateError members (happy eyeballs) and its causes. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...(Array.isArray(errors) ? errors.flatMap((e) => errorCodes(e, depth + 1)) : []),
    ...errorCodes(cause, depth + 1),
  ];
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
