import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  planCaches,
  prewarmPrefixes,
  type CachePlan,
  type HotPrefixReader,
  type PrewarmReport,
} from '@greenlight/caches';
import type { CommandMessage, EventData } from '@greenlight/contracts';
import type { CacheManagerConfig } from '../config/cache-manager.config';
import { CachePlanRepository } from '../plans/cache-plan.repository';
import { CACHE_MANAGER_CONFIG } from '../config/cache-manager.constants';
import { HOT_PREFIX_READER, NOTHING_PREWARMED, PREWARM_STOPS } from './prepare.constants';
import { PrewarmCancellationService } from './prewarm-cancellation.service';

export type CachePrepareCommand = CommandMessage<'cache.prepare'>;

/** Turns a cache.prepare command into a plan (kept per deployment) and a pre-warm of green. */
@Injectable()
export class PrepareService {
  private readonly log = new Logger('CachePrepare');

  constructor(
    private readonly plans: CachePlanRepository,
    @Inject(HOT_PREFIX_READER) private readonly hotPrefixes: HotPrefixReader,
    @Inject(CACHE_MANAGER_CONFIG) private readonly config: CacheManagerConfig,
    private readonly cancellation: PrewarmCancellationService,
  ) {}

  /** The plan of this deployment, stored before it is announced so the end of the deploy finds it. */
  async plan(command: CachePrepareCommand): Promise<CachePlan> {
    const { data } = command;
    const plan = planCaches({
      service: command.service,
      release: data.release,
      blueRelease: data.blueRelease,
      blueGeneration: data.blueGeneration,
      caches: data.caches,
      replicas: {
        green: data.replicas?.green ?? data.green.endpoints.length,
        ...(data.replicas?.blue ? { blue: data.replicas.blue } : {}),
      },
    });
    await this.plans.save(command.deploymentId, { service: command.service, plan });
    this.log.log(
      `${command.service} ${data.release.version}: prefix ${plan.prefix}, semantic ${plan.semantic} (${plan.generations.blue ?? 'none'} → ${plan.generations.green})`,
    );
    return plan;
  }

  /** Replays the hottest prefixes on every green replica within the command's budget. */
  async prewarm(
    command: CachePrepareCommand,
    plan: CachePlan,
  ): Promise<EventData<'cache.prewarmed'>> {
    const { data } = command;
    if (plan.prefix === 'skip') return { ...NOTHING_PREWARMED };
    const prefixes = await this.hotPrefixes.top(
      command.service,
      data.caches.prefixWarmup.topPrefixes,
    );
    if (prefixes.length === 0) {
      this.log.log(`${command.service}: no hot prefixes recorded yet, nothing to pre-warm`);
      return { ...NOTHING_PREWARMED };
    }
    const lease = this.cancellation.watch(command.deploymentId);
    let report: PrewarmReport;
    try {
      report = await prewarmPrefixes({
        model: command.service,
        endpoints: data.green.endpoints,
        prefixes,
        concurrency: this.config.PREWARM_CONCURRENCY,
        budgetMs: data.budgetMs,
        signal: lease.signal,
      });
    } finally {
      lease.release();
    }
    // Shutting down: unanswered, the command is redelivered and pre-warmed elsewhere.
    if (lease.signal.reason === PREWARM_STOPS.shutdown) throw new Error(PREWARM_STOPS.shutdown);
    this.log.log(
      `${command.service} ${data.release.version}: pre-warmed ${report.prefixes}/${prefixes.length} prefixes on ${report.replicas} replica(s) in ${report.seconds.toFixed(1)} s` +
        (report.complete ? '' : ' (budget ran out or a replica failed)'),
    );
    return {
      prefixes: report.prefixes,
      tokens: report.tokens,
      seconds: report.seconds,
      replicas: report.replicas,
      cachedTokens: report.cachedTokens,
    };
  }
}
