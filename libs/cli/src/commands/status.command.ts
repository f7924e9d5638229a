import { Command } from 'commander';
import { formatDeployment, formatDeployments } from '../output/format.util';
import {
  addApiOptions,
  clientFor,
  printJson,
  processIo,
  runAction,
  type ApiOptions,
  type CliIo,
} from './command.util';

export function statusCommand(io: CliIo = processIo): Command {
  const command = new Command('status')
    .description('list deployments, or show one')
    .argument('[id]', 'deployment id');
  return addApiOptions(command).action((id: string | undefined, options: ApiOptions) =>
    runAction(options, io, async () => {
      const client = clientFor(options);
      if (id === undefined) {
        const list = await client.listDeployments();
        if (options.json) printJson(io, list);
        else io.out(formatDeployments(list.items));
      } else {
        const deployment = await client.getDeployment(id);
        if (options.json) printJson(io, deployment);
        else io.out(formatDeployment(deployment));
      }
    }),
  );
}
