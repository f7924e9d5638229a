import { Inject, Injectable, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { CommandMessage } from '@greenlight/contracts';
import { probePool, type PoolOutcome, type ReadyReplica } from './pool-prober';
import type { ProbeTransportFactory } from './probe.transport';
import { ABORT_REASONS, PROBE_TRANSPORT_FACTORY } from './readiness.constants';
import { ReadinessCancellationService } from './readiness-cancellation.service';
import { ReadinessMetrics } from './readiness.metrics';

/** A readiness.probe command as COMMAND_MESSAGE_SCHEMAS['readiness.probe'] validates it. */
export type ReadinessCommand = CommandMessage<'readiness.probe'>;

/**
 * Thrown when the prober shuts down mid-probe: the handler fails, so the command is redelivered.
 * An RpcException, so Nest passes it on as a planned outcome instead of logging a stack trace.
 */
export class ProbeInterruptedError extends RpcException {
  constructor() {
    super(ABORT_REASONS.shutdown);
    this.name = 'ProbeInterruptedError';
  }
}

/** Runs one readiness probe of a pool: its own sockets, the deployment's cancellation, metrics. */
@Injectable()
export class ReadinessService {
  private readonly log = new Logger('Readiness');

  constructor(
    @Inject(PROBE_TRANSPORT_FACTORY) private readonly createTransport: ProbeTransportFactory,
    private readonly cancellation: ReadinessCancellationService,
    private readonly metrics: ReadinessMetrics,
  ) {}

  async probe(
    command: ReadinessCommand,
    onReplicaReady: (replica: ReadyReplica) => Promise<void>,
  ): Promise<PoolOutcome> {
    const { data } = command;
    const deadline = new Date(data.deadline);
    const issued = Date.parse(command.at);
    // The user's timeout is the span the orchestrator gave (deadline − when it asked).
    const timeoutMs =
      deadline.getTime() > issued
        ? deadline.getTime() - issued
        : Math.max(0, deadline.getTime() - Date.now());
    const lease = this.cancellation.watch(command.deploymentId);
    const transport = this.createTransport();
    this.log.log(
      `probing ${data.endpoints.length} replica(s) of ${command.service} ${data.release} until ${data.deadline}`,
    );
    try {
      const outcome = await probePool(
        {
          endpoints: data.endpoints,
          servedModel: data.servedModel,
          warmupRequests: data.warmupRequests,
          deadline,
          timeoutMs,
        },
        {
          transport,
          signal: lease.signal,
          onReplicaReady,
          onStagePassed: (stage, seconds) => this.metrics.stageSeconds.observe({ stage }, seconds),
        },
      );
      if (outcome.outcome === 'cancelled' && outcome.reason === ABORT_REASONS.shutdown) {
        throw new ProbeInterruptedError();
      }
      this.metrics.outcomes.inc({ outcome: outcome.outcome });
      this.log.log(
        outcome.outcome === 'failed'
          ? `${command.service} ${data.release} not ready: ${outcome.reason}`
          : `${command.service} ${data.release}: ${outcome.outcome}`,
      );
      return outcome;
    } finally {
      lease.release();
      await transport.close();
    }
  }
}
