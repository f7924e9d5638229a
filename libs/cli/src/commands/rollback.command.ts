import { Command } from 'commander';
import {
  addApiOptions,
  clientFor,
  printJson,
  processIo,
  runAction,
  type ApiOptions,
  type CliIo,
} from './command.util';

interface RollbackOptions extends ApiOptions {
  reason?: string;
}

export function rollbackCommand(io: CliIo = processIo): Command {
  const command = new Command('rollback')
    .description(
      'send every new request back to blue at once (a routing change), then stop green; streams already on green finish',
    )
    .argument('<id>', 'deployment id')
    .option('--reason <text>', 'why, for the audit log');
  return addApiOptions(command).action((id: string, options: RollbackOptions) =>
    runAction(options, io, async () => {
      const outcome = await clientFor(options).rollback(id, options.reason);
      if (options.json) printJson(io, outcome);
      else
        io.out(
          `${outcome.id}: ${outcome.phase} (blue takes 100 % as soon as the data plane confirms)`,
        );
    }),
  );
}
