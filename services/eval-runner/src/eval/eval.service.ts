import { Inject, Injectable, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { CommandMessage, EventData } from '@greenlight/contracts';
import type { EvalSettings } from '../config/eval-runner.config';
import { evalGate } from '../gate/eval-gate.util';
import { ModelClient } from '../model-client/model-client';
import type { ModelTransportFactory } from '../model-client/model-http.transport';
import { runSmokeChecks, type SmokeResult } from '../smoke/smoke-checks';
import { loadSuite, type PreparedCase } from '../suites/suite-loader.util';
import { runCases } from './case-runner.util';
import { EvalCancellationService } from './eval-cancellation.service';
import { buildReport, casePairs, progress, type RunResults } from './eval-report.util';
import {
  ABORT_REASONS,
  EVAL_MESSAGES,
  EVAL_SETTINGS,
  MODEL_TRANSPORT_FACTORY,
} from './eval.constants';
import { EvalMetrics } from './eval.metrics';

/** An eval.run command as COMMAND_MESSAGE_SCHEMAS['eval.run'] validates it. */
export type EvalCommand = CommandMessage<'eval.run'>;
export type EvalCompletedData = EventData<'eval.completed'>;

export type EvalOutcome =
  | { outcome: 'completed'; data: EvalCompletedData }
  /** The deployment ended: nobody waits for the verdict. */
  | { outcome: 'cancelled' };

/**
 * Thrown when the runner shuts down mid-run: the handler fails, so the command is redelivered
 * and runs again (same deadline). An RpcException: a planned outcome, not a stack trace.
 */
export class EvalInterruptedError extends RpcException {
  constructor() {
    super(ABORT_REASONS.shutdown);
    this.name = 'EvalInterruptedError';
  }
}

/**
 * One eval run: smoke checks on every green replica, the suite on green and blue in parallel,
 * all bounded by the command's deadline, then the gate. Never throws for a bad suite or a
 * failing server: those are reasons in the verdict.
 */
@Injectable()
export class EvalService {
  private readonly log = new Logger('Eval');

  constructor(
    @Inject(EVAL_SETTINGS) private readonly settings: EvalSettings,
    @Inject(MODEL_TRANSPORT_FACTORY) private readonly createTransport: ModelTransportFactory,
    private readonly cancellation: EvalCancellationService,
    private readonly metrics: EvalMetrics,
  ) {}

  async run(command: EvalCommand): Promise<EvalOutcome> {
    const { data } = command;
    const started = performance.now();
    const lease = this.cancellation.watch(command.deploymentId);
    const run = new AbortController();
    const cancel = (): void => run.abort(lease.signal.reason);
    if (lease.signal.aborted) cancel();
    lease.signal.addEventListener('abort', cancel, { once: true });
    const remainingMs = Date.parse(data.deadline) - Date.now();
    // Past the deadline already (a late redelivery): nothing runs, the verdict says so at once.
    if (remainingMs <= 0) run.abort(ABORT_REASONS.deadline);
    const deadline = setTimeout(() => run.abort(ABORT_REASONS.deadline), Math.max(0, remainingMs));
    const transport = this.createTransport(this.settings.EVAL_CONCURRENCY);
    const client = new ModelClient(transport, this.settings.EVAL_REQUEST_TIMEOUT_MS, run.signal);
    this.log.log(
      `evaluating ${command.service} ${data.green.release}${data.blue ? ` against ${data.blue.release}` : ''} (suite ${data.suite ?? 'none'}) until ${data.deadline}`,
    );
    try {
      const blockers: string[] = [];
      const loaded = data.suite ? await loadSuite(this.settings.EVAL_SUITES_DIR, data.suite) : null;
      if (loaded && !loaded.ok) blockers.push(loaded.reason);
      const cases = loaded?.ok ? loaded.suite.cases : [];
      const results = await this.execute(client, command, cases, run.signal);

      if (lease.signal.aborted) {
        if (lease.signal.reason === ABORT_REASONS.shutdown) throw new EvalInterruptedError();
        this.finish('cancelled', started);
        this.log.log(`${command.service} ${data.green.release}: deployment ended, no verdict`);
        return { outcome: 'cancelled' };
      }
      blockers.unshift(...(results.smoke ?? []).flatMap((s) => s.reasons));
      if (run.signal.aborted)
        blockers.push(EVAL_MESSAGES.timedOut(data.deadline, progress(results)));
      const verdict = evalGate({
        minPassRate: data.minPassRate,
        pairs: casePairs(results),
        hasBlue: data.blue !== null && cases.length > 0,
        blockers,
      });
      const seconds = (performance.now() - started) / 1000;
      this.finish(verdict.passed ? 'passed' : 'failed', started);
      this.log.log(
        `${command.service} ${data.green.release}: ${verdict.passed ? 'passed' : `failed: ${verdict.reasons.join('; ')}`}`,
      );
      return {
        outcome: 'completed',
        data: {
          passed: verdict.passed,
          scores: verdict.scores,
          pValue: verdict.pValue,
          reasons: verdict.reasons,
          report: buildReport(results, verdict, seconds),
        },
      };
    } finally {
      clearTimeout(deadline);
      lease.signal.removeEventListener('abort', cancel);
      lease.release();
      await transport.close();
    }
  }

  private async execute(
    client: ModelClient,
    { data }: EvalCommand,
    cases: readonly PreparedCase[],
    signal: AbortSignal,
  ): Promise<RunResults> {
    const pool = (endpoints: readonly string[], name: 'green' | 'blue') => ({
      endpoints,
      servedModel: data.servedModel,
      concurrency: this.settings.EVAL_CONCURRENCY,
      signal,
      onCase: ({ passed }: { passed: boolean }) =>
        this.metrics.cases.inc({ pool: name, outcome: passed ? 'passed' : 'failed' }),
    });
    const greenSide = async () => {
      const smoke = await this.smoke(client, data.green.endpoints, data.servedModel, signal);
      const green = await runCases(client, cases, pool(data.green.endpoints, 'green'));
      return { smoke, green };
    };
    const [{ smoke, green }, blue] = await Promise.all([
      greenSide(),
      data.blue ? runCases(client, cases, pool(data.blue.endpoints, 'blue')) : null,
    ]);
    return { suite: data.suite, smoke, caseIds: cases.map((c) => c.id), green, blue };
  }

  /** Smoke checks, or undefined when the run was aborted before they finished. */
  private async smoke(
    client: ModelClient,
    endpoints: readonly string[],
    servedModel: string,
    signal: AbortSignal,
  ): Promise<SmokeResult[] | undefined> {
    try {
      const results = await runSmokeChecks(client, endpoints, servedModel);
      for (const { outcome } of results) {
        this.metrics.cases.inc({ pool: 'green', outcome: outcome.passed ? 'passed' : 'failed' });
      }
      return results;
    } catch (error) {
      if (signal.aborted) return undefined;
      throw error;
    }
  }

  private finish(outcome: 'passed' | 'failed' | 'cancelled', started: number): void {
    this.metrics.runs.inc({ outcome });
    this.metrics.duration.observe({ outcome }, (performance.now() - started) / 1000);
  }
}
