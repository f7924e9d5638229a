import { Command } from 'commander';
import type { ControlAction } from '@greenlight/contracts';
import type { ControlResult } from '../api/orchestrator.client';
import {
  addApiOptions,
  clientFor,
  printJson,
  processIo,
  runAction,
  type ApiOptions,
  type CliIo,
} from './command.util';

interface ControlOptions extends ApiOptions {
  reason?: string;
}

const DESCRIPTIONS: Record<ControlAction, string> = {
  promote: 'skip the remaining canary/ramp steps: green takes 100 % now',
  pause: "stop the clock (a step's bake, the standby window); analysis keeps watching",
  resume: 'restart the clock with what was left of it',
  abort:
    'end the deployment and stop green; if green carried traffic, blue takes it all back first',
  rollback:
    'send every new request back to blue at once (a routing change), then stop green; streams already on green finish. On a Completed deployment: redeploy its previous release',
};

function describe(action: ControlAction, outcome: ControlResult): string {
  if (outcome.redeployment) {
    return `${outcome.id}: ${outcome.phase}; its previous release is being redeployed as ${outcome.redeployment.id} (${outcome.redeployment.phase})`;
  }
  const state = `${outcome.id}: ${outcome.phase}${outcome.paused ? ' (paused)' : ''}`;
  switch (action) {
    case 'rollback':
      return `${state} (blue takes 100 % as soon as the data plane confirms)`;
    case 'promote':
      return `${state} (green takes 100 % as soon as the data plane confirms)`;
    default:
      return state;
  }
}

/** `greenlight promote|pause|resume|abort|rollback ID [--reason]`. */
export function controlCommand(action: ControlAction, io: CliIo = processIo): Command {
  const command = new Command(action)
    .description(DESCRIPTIONS[action])
    .argument('<id>', 'deployment id')
    .option('--reason <text>', 'why, for the audit log');
  return addApiOptions(command).action((id: string, options: ControlOptions) =>
    runAction(options, io, async () => {
      const outcome = await clientFor(options).control(id, action, options.reason);
      if (options.json) printJson(io, outcome);
      else io.out(describe(action, outcome));
    }),
  );
}
