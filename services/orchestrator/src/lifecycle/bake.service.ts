import { Injectable, Logger } from '@nestjs/common';
import type { Deployment, EventEnvelope } from '@greenlight/contracts';
import { ORCHESTRATOR_ACTOR } from '../deployments/deployments.constants';
import type { TimerPayload } from '../deployments/outbox.util';
import { LIFECYCLE_REASONS, VERDICT_FRESH_SLACK_MS } from './lifecycle.constants';
import { LifecycleService } from './lifecycle.service';
import { clockTimer } from './phase-entry.util';

const BAKING = ['Canary', 'Ramping'] as const;

/**
 * A step's fate: the health-prober's verdicts arrive while it bakes; `fail` rolls back at once,
 * and the bake's end takes the latest verdict. Inconclusive extends the bake up to the
 * manifest's limit and then rolls back: a canary never passes for lack of evidence.
 */
@Injectable()
export class BakeService {
  private readonly log = new Logger(BakeService.name);

  constructor(private readonly lifecycle: LifecycleService) {}

  async onVerdict(event: EventEnvelope<'analysis.completed'>): Promise<void> {
    const { step, verdict, reasons } = event.data;
    if (verdict === 'fail') {
      const outcome = await this.lifecycle.advance(event.deploymentId, 'analysis.failed', {
        actor: event.actor,
        reason: LIFECYCLE_REASONS.analysisFailed(step, reasons),
        causationId: event.id,
        onlyFrom: BAKING,
        onlyAtStep: step,
      });
      if (outcome.status === 'refused')
        this.log.debug(`failing verdict ignored: ${outcome.reason}`);
      return;
    }
    await this.lifecycle.amend(event.deploymentId, (current) => {
      if (!isAtStep(current, step)) return null;
      // Verdicts of one step are cumulative: a later look supersedes an earlier one.
      if (current.analysis?.step === step && current.analysis.at > event.at) return null;
      return {
        change: {
          analysis: {
            step,
            verdict,
            at: event.at,
            extensions: current.analysis?.step === step ? current.analysis.extensions : 0,
            reasons,
          },
        },
        entries: [],
      };
    });
  }

  /** The bake timer fired (the clock ran while not paused). */
  async elapsed(payload: TimerPayload, timerId: string): Promise<void> {
    const step = payload.step ?? 0;
    const current = await this.lifecycle.get(payload.deploymentId);
    if (!current || !isAtStep(current, step) || current.paused) return;
    const analysis = current.analysis?.step === step ? current.analysis : null;
    const { maxBakeExtensions } = current.request.strategy.analysis;
    const stepSpec = current.request.strategy.steps[step];
    const cause = {
      actor: ORCHESTRATOR_ACTOR,
      causationId: `timer:${timerId}`,
      onlyFrom: BAKING,
      onlyAtStep: step,
    };

    const { interval } = current.request.strategy.analysis;
    if (analysis?.verdict === 'pass' && isFresh(analysis.at, interval, Date.now())) {
      await this.lifecycle.advance(current.id, 'step.passed', {
        ...cause,
        reason: LIFECYCLE_REASONS.analysisPassed(step, stepSpec?.weight ?? 0, analysis.reasons),
      });
      return;
    }
    // A pass left here is stale: the prober went quiet (killed, partitioned), so what it saw no
    // longer covers the bake. It is extended (the prober's next looks decide), never passed.
    const stale =
      analysis?.verdict === 'pass' ? [LIFECYCLE_REASONS.staleVerdict(step, analysis.at)] : null;
    if (stale) this.log.warn(stale[0]);
    const extensions = analysis?.extensions ?? 0;
    if (extensions >= maxBakeExtensions) {
      await this.lifecycle.advance(current.id, 'analysis.failed', {
        ...cause,
        reason: LIFECYCLE_REASONS.inconclusive(
          step,
          extensions,
          stale ?? analysis?.reasons ?? ['no verdict from the health-prober'],
        ),
      });
      return;
    }
    const extended = await this.lifecycle.amend(current.id, (latest) => {
      if (!isAtStep(latest, step) || latest.paused) return null;
      const seen = latest.analysis?.step === step ? latest.analysis : null;
      if ((seen?.extensions ?? 0) !== extensions) return null; // another replica extended it
      return {
        change: {
          analysis: {
            step,
            verdict: seen?.verdict ?? 'inconclusive',
            at: seen?.at ?? new Date().toISOString(),
            extensions: extensions + 1,
            reasons: seen?.reasons ?? ['no verdict from the health-prober yet'],
          },
        },
        entries: [
          clockTimer(
            latest,
            Date.now() + (stepSpec?.bake ?? 0),
            `${latest.id}-${latest.seq}.extend${extensions + 1}`,
          ),
        ],
      };
    });
    if (extended) {
      this.log.log(LIFECYCLE_REASONS.bakeExtended(step, extensions + 1, maxBakeExtensions));
    }
  }
}

/**
 * A verdict speaks for the bake only if the prober judged recently: it looks every `intervalMs`,
 * so an older one means it stopped looking, and green may have gone bad since.
 */
export function isFresh(at: string, intervalMs: number, now: number): boolean {
  return now - Date.parse(at) <= 2 * intervalMs + VERDICT_FRESH_SLACK_MS;
}

function isAtStep(deployment: Deployment, step: number): boolean {
  return (BAKING as readonly string[]).includes(deployment.phase) && deployment.stepIndex === step;
}
