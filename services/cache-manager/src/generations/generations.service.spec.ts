import type { SemanticGenerationAdmin } from '@greenlight/caches';
import type { Phase } from '@greenlight/contracts';
import type { CachePlanRepository, StoredCachePlan } from '../plans/cache-plan.repository';
import { GenerationsService, type PhaseChanged } from './generations.service';

const DEPLOYMENT = '01JDEPLOYMENT0000000000000';

function stored(
  blue: string | null,
  green: string,
  backend: 'redis' | 'none' = 'redis',
): StoredCachePlan {
  return {
    service: 'chat',
    plan: {
      prefix: 'prewarm',
      semantic: 'new-generation',
      backend,
      generations: { blue, green },
      reasons: [],
    },
  };
}

function event(to: Phase): PhaseChanged {
  return {
    id: `${DEPLOYMENT}-9`,
    type: 'deployment.phase_changed',
    deploymentId: DEPLOYMENT,
    service: 'chat',
    seq: 9,
    at: new Date().toISOString(),
    actor: 'system:orchestrator',
    causationId: null,
    data: { from: 'Standby', to, reason: 'test', actor: 'system:orchestrator' },
  };
}

describe('GenerationsService', () => {
  let plans: jest.Mocked<Pick<CachePlanRepository, 'find'>>;
  let semantic: jest.Mocked<Pick<SemanticGenerationAdmin, 'dropGeneration'>>;
  let service: GenerationsService;

  beforeEach(() => {
    plans = { find: jest.fn() };
    semantic = { dropGeneration: jest.fn().mockResolvedValue(undefined) };
    service = new GenerationsService(
      plans as unknown as CachePlanRepository,
      semantic as unknown as SemanticGenerationAdmin,
    );
  });

  it.each([
    ['Completed', 'blue-gen'],
    ['RolledBack', 'green-gen'],
    ['Aborted', 'green-gen'],
    ['Failed', 'green-gen'],
  ] as const)('on %s drops %s', async (to, dropped) => {
    plans.find.mockResolvedValue(stored('blue-gen', 'green-gen'));

    await expect(service.onPhaseChanged(event(to))).resolves.toEqual({ dropped });
    expect(semantic.dropGeneration).toHaveBeenCalledWith('chat', dropped);
  });

  it('drops nothing while the deployment is still going', async () => {
    await expect(service.onPhaseChanged(event('Standby'))).resolves.toEqual({ kept: 'not-an-end' });
    expect(plans.find).not.toHaveBeenCalled();
  });

  it('keeps a generation green shares with blue', async () => {
    plans.find.mockResolvedValue(stored('shared-gen', 'shared-gen'));

    await expect(service.onPhaseChanged(event('Completed'))).resolves.toEqual({ kept: 'shared' });
    await expect(service.onPhaseChanged(event('RolledBack'))).resolves.toEqual({ kept: 'shared' });
    expect(semantic.dropGeneration).not.toHaveBeenCalled();
  });

  it('drops nothing on the first deployment completing (no blue generation)', async () => {
    plans.find.mockResolvedValue(stored(null, 'green-gen'));

    await expect(service.onPhaseChanged(event('Completed'))).resolves.toEqual({ kept: 'none' });
  });

  it('drops nothing when the deployment ended before it had a plan, or had no semantic cache', async () => {
    plans.find.mockResolvedValueOnce(null);
    await expect(service.onPhaseChanged(event('Aborted'))).resolves.toEqual({ kept: 'no-plan' });

    plans.find.mockResolvedValueOnce(stored('blue-gen', 'green-gen', 'none'));
    await expect(service.onPhaseChanged(event('Aborted'))).resolves.toEqual({
      kept: 'backend-none',
    });
    expect(semantic.dropGeneration).not.toHaveBeenCalled();
  });
});
