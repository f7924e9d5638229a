import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SemanticGenerationAdmin } from '@greenlight/caches';
import type { EventEnvelope } from '@greenlight/contracts';
import { CachePlanRepository } from '../plans/cache-plan.repository';
import { SEMANTIC_GENERATION_ADMIN } from '../semantic/semantic.constants';
import { RETIRED_POOL_BY_PHASE } from './generations.constants';

export type PhaseChanged = EventEnvelope<'deployment.phase_changed'>;

/** What happened to a generation when a deployment ended. */
export type RetireOutcome =
  { dropped: string } | { kept: 'not-an-end' | 'no-plan' | 'backend-none' | 'shared' | 'none' };

/**
 * Semantic-cache generations follow the deployment: when it completes, blue's answers go (green
 * owns its own generation, or shares blue's and nothing goes); when it is rolled back, aborted or
 * fails, green's go.
 */
@Injectable()
export class GenerationsService {
  private readonly log = new Logger('CacheGenerations');

  constructor(
    private readonly plans: CachePlanRepository,
    @Inject(SEMANTIC_GENERATION_ADMIN) private readonly semantic: SemanticGenerationAdmin,
  ) {}

  async onPhaseChanged(event: PhaseChanged): Promise<RetireOutcome> {
    const retired = RETIRED_POOL_BY_PHASE[event.data.to];
    if (!retired) return { kept: 'not-an-end' };
    const stored = await this.plans.find(event.deploymentId);
    if (!stored) return { kept: 'no-plan' };
    const { plan, service } = stored;
    if (plan.backend === 'none') return { kept: 'backend-none' };
    const { blue, green } = plan.generations;
    const generation = retired === 'blue' ? blue : green;
    if (generation === null) return { kept: 'none' };
    if (blue === green) return { kept: 'shared' };
    await this.semantic.dropGeneration(service, generation);
    this.log.log(`${service}: ${event.data.to}, dropped ${retired} generation ${generation}`);
    return { dropped: generation };
  }
}
