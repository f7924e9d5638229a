import { Inject, Injectable, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { CommandMessage } from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { DrainerConfig } from '../config/drainer.config';
import { DrainCancellationService } from './drain-cancellation.service';
import { waitForDrain, type DrainOutcome, type DrainProgress } from './drain-waiter';
import { DRAIN_ABORT_REASONS } from './drain.constants';
import { DrainMetrics } from './drain.metrics';
import { GatewayGaugesService } from './gateway-gauges.service';
import { ReplicaMetricsClient } from './replica-metrics.client';

/** A drain.start command as COMMAND_MESSAGE_SCHEMAS['drain.start'] validates it. */
export type DrainCommand = CommandMessage<'drain.start'>;

/**
 * Thrown when the drainer shuts down mid-drain: the handler fails, so the command is redelivered.
 * An RpcException, so Nest passes it on as a planned outcome instead of logging a stack trace.
 */
export class DrainInterruptedError extends RpcException {
  constructor() {
    super(DRAIN_ABORT_REASONS.shutdown);
    this.name = 'DrainInterruptedError';
  }
}

type ConfigSlice = Pick<DrainerConfig, 'DRAIN_POLL_MS' | 'DRAIN_SCRAPE_TIMEOUT_MS'>;

/** Waits out blue's in-flight requests for one drain.start: sources, cancellation, metrics. */
@Injectable()
export class DrainService {
  private readonly log = new Logger('Drain');

  constructor(
    private readonly gateways: GatewayGaugesService,
    private readonly replicas: ReplicaMetricsClient,
    private readonly cancellation: DrainCancellationService,
    private readonly metrics: DrainMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: ConfigSlice,
  ) {}

  async drain(
    command: DrainCommand,
    onProgress: (progress: DrainProgress) => Promise<void>,
  ): Promise<DrainOutcome> {
    const { release, endpoints, timeoutMs } = command.data;
    const issuedAt = Date.parse(command.at);
    const lease = this.cancellation.watch(command.deploymentId);
    this.log.log(
      `draining ${command.service} ${release} (${endpoints.length} replica(s)) for up to ${timeoutMs} ms`,
    );
    this.metrics.running.inc();
    try {
      const outcome = await waitForDrain(
        {
          endpoints,
          issuedAt,
          deadline: issuedAt + timeoutMs,
          pollMs: this.config.DRAIN_POLL_MS,
          scrapeTimeoutMs: this.config.DRAIN_SCRAPE_TIMEOUT_MS,
        },
        {
          sources: {
            gateway: (since) => this.gateways.reading(command.service, release, since),
            replica: (url, ms, signal) => this.replicas.read(url, ms, signal),
          },
          signal: lease.signal,
          onProgress,
        },
      );
      if (outcome.outcome === 'cancelled' && outcome.reason === DRAIN_ABORT_REASONS.shutdown) {
        throw new DrainInterruptedError();
      }
      if (outcome.outcome === 'cancelled') {
        this.metrics.drains.inc({ outcome: 'cancelled' });
      } else {
        const label = outcome.outcome === 'timedOut' ? 'timed_out' : 'drained';
        this.metrics.drains.inc({ outcome: label });
        this.metrics.seconds.observe({ outcome: label }, outcome.elapsedMs / 1000);
      }
      this.log.log(describe(command, outcome));
      return outcome;
    } finally {
      this.metrics.running.dec();
      lease.release();
    }
  }

  /**
   * Waits until a pool about to be stopped has nothing in flight (green after a rollback): no
   * phase to watch, no progress to report, bounded by `timeoutMs`.
   */
  async waitIdle(wait: IdleWait): Promise<DrainOutcome> {
    const issuedAt = Date.now();
    return waitForDrain(
      {
        endpoints: [...wait.endpoints],
        issuedAt,
        deadline: issuedAt + wait.timeoutMs,
        pollMs: this.config.DRAIN_POLL_MS,
        scrapeTimeoutMs: this.config.DRAIN_SCRAPE_TIMEOUT_MS,
      },
      {
        sources: {
          gateway: (since) => this.gateways.reading(wait.service, wait.release, since),
          replica: (url, ms, signal) => this.replicas.read(url, ms, signal),
        },
        signal: new AbortController().signal,
        onProgress: () => Promise.resolve(),
      },
    );
  }
}

/** What a drain-before-stop needs: the release and where its replicas are. */
export interface IdleWait {
  service: string;
  release: string;
  endpoints: readonly string[];
  timeoutMs: number;
}

function describe(command: DrainCommand, outcome: DrainOutcome): string {
  const what = `${command.service} ${command.data.release}`;
  switch (outcome.outcome) {
    case 'drained':
      return `${what} drained in ${outcome.elapsedMs} ms`;
    case 'timedOut':
      return `${what} drain timed out after ${outcome.elapsedMs} ms with ${outcome.inFlight} in flight${
        outcome.unknown.length ? ` (unknown: ${outcome.unknown.join('; ')})` : ''
      }`;
    case 'cancelled':
      return `${what} drain stopped: ${outcome.reason}`;
  }
}
