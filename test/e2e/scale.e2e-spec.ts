import { join } from 'node:path';
import { runScale, type ScaleFigures } from '../../bench/src/scale/scale.run';
import { scaleTable } from '../../bench/src/scale/scale.bench';

/**
 * Many model services deploying at once, with two processes of every greenlight service sharing
 * the work (shared durable consumers, the orchestrator's per-service lock). Scaled down to 20
 * services here; `npm run bench -- scale` runs 200 and prints the same figures.
 */
const SERVICES = Number(process.env['SCALE_SERVICES'] ?? 20);
const BUDGET_MS = 150_000;

describe(`${SERVICES} model services deploying at once on 2 replicas of every service`, () => {
  let figures: ScaleFigures;

  beforeAll(async () => {
    figures = await runScale({
      services: SERVICES,
      replicas: 2,
      coldStartMs: 2_000,
      simsPerHost: 100,
      logDir: join('tmp', 'e2e-logs', 'scale'),
      timeoutMs: 80_000,
    });
    console.log(scaleTable(figures));
  }, BUDGET_MS);

  it('every deployment reaches Completed, none refused or stuck', () => {
    expect(figures.notCompleted).toEqual([]);
    expect(figures.completed).toBe(SERVICES);
  });

  it('every deployment was sampled active at once, so the memory figure is per active deployment', () => {
    expect(figures.activeAtSample).toBe(SERVICES);
    expect(Number.isFinite(figures.orchestratorKbPerDeployment)).toBe(true);
  });

  it('the orchestrators handled every phase change from a bus event, with a measured p99', () => {
    // Each v1 → v2 rollout: pool.provisioned, pool.ready, cache.prewarmed, eval.completed and the
    // traffic confirmations each move a phase on.
    expect(figures.eventToPhaseSamples).toBeGreaterThanOrEqual(SERVICES * 5);
    expect(figures.eventHandleMessages).toBeGreaterThan(0);
    expect(Number.isFinite(figures.eventHandleP99Ms)).toBe(true);
    // Generous on a shared 2-core machine: a phase held up for seconds is what an operator sees.
    expect(figures.eventToPhaseP99Ms).toBeLessThan(5_000);
  });
});
