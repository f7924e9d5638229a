import { Command } from 'commander';
import { formatEvents } from '../output/format.util';
import {
  addApiOptions,
  clientFor,
  printJson,
  processIo,
  runAction,
  type ApiOptions,
  type CliIo,
} from './command.util';

export function eventsCommand(io: CliIo = processIo): Command {
  const command = new Command('events')
    .description("a deployment's audit log: every phase change, who caused it and why")
    .argument('<id>', 'deployment id');
  return addApiOptions(command).action((id: string, options: ApiOptions) =>
    runAction(options, io, async () => {
      const events = await clientFor(options).listEvents(id);
      if (options.json) printJson(io, events);
      else io.out(formatEvents(events.items));
    }),
  );
}
