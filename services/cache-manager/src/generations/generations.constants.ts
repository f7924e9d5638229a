import type { Phase } from '@greenlight/contracts';

/** Which pool's generation a deployment's last phase retires; other phases retire none. */
export const RETIRED_POOL_BY_PHASE: Partial<Record<Phase, 'blue' | 'green'>> = {
  Completed: 'blue',
  RolledBack: 'green',
  Aborted: 'green',
  Failed: 'green',
};
