import type { ControlAction, Deployment, Phase } from '@greenlight/contracts';

export const CONTROL_ACTOR_HEADER = 'Greenlight-Actor';

export const CONTROL_REASONS = {
  requested: (action: ControlAction, actor: string, reason?: string) =>
    `${action} requested by ${actor}${reason ? `: ${reason}` : ''}`,
  redeploy: (completed: Deployment, actor: string, reason?: string) =>
    `rollback of completed deployment ${completed.id} (${completed.request.release.version}) requested by ${actor}${reason ? `: ${reason}` : ''}; redeploying ${completed.blue?.release.version ?? '?'}`,
  redeployed: (id: string) => `its previous release is being redeployed as deployment ${id}`,
} as const;

export const CONTROL_ERRORS = {
  notFound: (id: string) => `deployment ${id} not found`,
  cannot: (action: 'pause' | 'resume', phase: Phase, paused: boolean) =>
    action === 'pause'
      ? paused
        ? `cannot pause a deployment in phase ${phase}: it is already paused`
        : `cannot pause a deployment in phase ${phase}: only Canary, Ramping and Standby have a clock to stop`
      : `cannot resume a deployment in phase ${phase}: it is not paused`,
  noPrevious: (id: string) =>
    `cannot roll back deployment ${id}: it was the service's first, there is no previous release`,
  notLive: (id: string, live: string | null) =>
    `cannot roll back deployment ${id}: it no longer serves the service${live ? ` (deployment ${live} does); roll back that one` : ''}`,
} as const;
