import { Inject, Injectable, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import type { z } from 'zod';
import { NATS_CONNECTION } from '@greenlight/bus';
import {
  AnalysisCompletedDataSchema,
  gatewayMetricsSubject,
  GatewayMetricsSchema,
  safeParse,
} from '@greenlight/contracts';
import { describeNetworkError } from '../readiness/probe-errors.util';
import type { ProbeTransport, ProbeTransportFactory } from '../readiness/probe.transport';
import {
  ANALYSIS_ERRORS,
  ANALYSIS_SETTINGS,
  ANALYSIS_STOPS,
  ANALYSIS_TRANSPORT_FACTORY,
  HEALTH_PATH,
  MIN_INTERVAL_MS,
} from './analysis.constants';
import type { AnalysisCommand } from './analysis.constants';
import type { AnalysisSettings } from './analysis-settings.util';
import { AnalysisStepWatch } from './analysis-step-watch.service';
import { AnalysisMetrics } from './analysis.metrics';
import { judgeWindow, type JudgeSettings } from '@greenlight/analysis';
import { MetricsWindow } from '@greenlight/analysis';
import { ReplicaHealth, type HealthCheck } from './replica-health';

export type AnalysisCompletedData = z.output<typeof AnalysisCompletedDataSchema>;

/** Publishes one look's verdict; `look` (1, 2, …) keys its event id. */
export type PublishLook = (look: number, data: AnalysisCompletedData) => Promise<void>;

export type AnalysisEnd = 'failed' | 'finished' | 'step-left';

/** The prober is shutting down mid-analysis: the handler fails so the command is redelivered. */
export class AnalysisInterruptedError extends RpcException {
  constructor() {
    super(ANALYSIS_STOPS.shutdown);
    this.name = 'AnalysisInterruptedError';
  }
}

/** Look k is due k intervals after the step began, the last one at maxDuration. */
export function lookSchedule(startedAt: number, maxDurationMs: number, intervalMs: number) {
  const interval = Math.max(MIN_INTERVAL_MS, intervalMs);
  const looks = Math.max(1, Math.ceil(maxDurationMs / interval));
  return {
    looks,
    dueAt: (look: number) => startedAt + Math.min(look * interval, maxDurationMs),
    /** The next look after `now`: a redelivered command resumes the same numbering. */
    nextAfter: (now: number) => Math.max(1, Math.floor((now - startedAt) / interval) + 1),
  };
}

/**
 * Judges one canary/ramp step: collects the gateways' snapshots since it starts, and every
 * interval checks green's replicas and publishes the judge's verdict on the window.
 */
@Injectable()
export class AnalysisService {
  private readonly log = new Logger('Analysis');

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly stepWatch: AnalysisStepWatch,
    private readonly metrics: AnalysisMetrics,
    @Inject(ANALYSIS_SETTINGS) private readonly settings: AnalysisSettings,
    @Inject(ANALYSIS_TRANSPORT_FACTORY) private readonly createTransport: ProbeTransportFactory,
  ) {}

  async run(command: AnalysisCommand, publish: PublishLook): Promise<AnalysisEnd> {
    const { data } = command;
    const startedAt = Date.parse(command.at);
    const schedule = lookSchedule(startedAt, data.maxDurationMs, data.intervalMs);
    if (await this.stepWatch.leftAlready(command)) return 'step-left';

    const lease = this.stepWatch.watch(command.deploymentId, command.seq);
    const window = new MetricsWindow();
    const subscription = this.nc.subscribe(gatewayMetricsSubject(command.service), {
      callback: (error, message) => {
        if (error) return;
        let payload: unknown;
        try {
          payload = message.json();
        } catch {
          return;
        }
        const parsed = safeParse(GatewayMetricsSchema, payload);
        if (parsed.ok && parsed.value.service === command.service) window.ingest(parsed.value);
      },
    });
    const transport = this.createTransport();
    const health = new ReplicaHealth(
      data.green.endpoints,
      this.healthCheck(transport),
      this.settings.replicaDownLooks,
    );
    const judge: JudgeSettings = {
      ...this.settings.judge,
      minSamples: data.minSamples ?? this.settings.defaultMinSamples,
      plannedLooks: schedule.looks,
    };
    this.metrics.running.inc();
    this.log.log(
      `judging ${command.service} step ${data.step} (${data.weight} %): ${data.green.release} vs ${
        data.blue?.release ?? 'absolute limits'
      }, ${schedule.looks} looks`,
    );
    try {
      for (let look = schedule.nextAfter(Date.now()); look <= schedule.looks; look++) {
        await sleepUntil(schedule.dueAt(look), lease.signal);
        const down = await health.look(lease.signal);
        if (lease.signal.aborted) break;
        const green = window.pool(data.green.release);
        const blue = data.blue ? window.pool(data.blue.release) : null;
        const judgement = judgeWindow(
          {
            metrics: data.metrics,
            green,
            blue,
            downReplicas: down.map((url) => ({ url, error: health.errorOf(url) ?? '' })),
          },
          judge,
        );
        await publish(look, {
          step: data.step,
          verdict: judgement.verdict,
          metrics: judgement.metrics,
          samples: { green: green.requests, blue: blue?.requests ?? 0 },
          elapsedMs: Math.max(0, Math.round(Date.now() - startedAt)),
          reasons: judgement.reasons,
        });
        this.metrics.looks.inc();
        this.metrics.verdicts.inc({ verdict: judgement.verdict });
        if (judgement.verdict === 'fail') {
          this.log.warn(
            `${command.service} step ${data.step} failed: ${judgement.reasons.join('; ')}`,
          );
          return 'failed';
        }
      }
      if (lease.signal.reason === ANALYSIS_STOPS.shutdown) throw new AnalysisInterruptedError();
      return lease.signal.aborted ? 'step-left' : 'finished';
    } finally {
      this.metrics.running.dec();
      subscription.unsubscribe();
      lease.release();
      await transport.close();
    }
  }

  /** GET /health with a time limit: null when it answers 200. */
  private healthCheck(transport: ProbeTransport): HealthCheck {
    const timeoutMs = this.settings.healthTimeoutMs;
    return async (endpoint, signal) => {
      const url = new URL(endpoint);
      url.pathname = `${url.pathname.replace(/\/+$/, '')}${HEALTH_PATH}`;
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const response = await transport.request({
          method: 'GET',
          url,
          signal: AbortSignal.any([signal, timeout]),
        });
        return response.status === 200 ? null : ANALYSIS_ERRORS.healthStatus(response.status);
      } catch (error) {
        if (timeout.aborted) return ANALYSIS_ERRORS.healthTimeout(timeoutMs);
        return describeNetworkError(error, url.hostname);
      }
    };
  }
}

/** Resolves at `at`, or at once when `signal` aborts (the caller then checks the signal). */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, at - Date.now()));
    signal.addEventListener('abort', done, { once: true });
  });
}
