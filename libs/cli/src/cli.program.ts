import { Command } from 'commander';
import { deployCommand } from './commands/deploy.command';
import { eventsCommand } from './commands/events.command';
import { controlCommand } from './commands/control.command';
import { statusCommand } from './commands/status.command';
import { upCommand } from './commands/up.command';
import { watchCommand } from './commands/watch.command';
import { processIo, type CliIo } from './commands/command.util';

export function buildProgram(io: CliIo = processIo): Command {
  return new Command('greenlight')
    .description('blue-green deployments of LLM model-serving pools')
    .showHelpAfterError()
    .addCommand(upCommand(io))
    .addCommand(deployCommand(io))
    .addCommand(statusCommand(io))
    .addCommand(watchCommand(io))
    .addCommand(eventsCommand(io))
    .addCommand(controlCommand('promote', io))
    .addCommand(controlCommand('pause', io))
    .addCommand(controlCommand('resume', io))
    .addCommand(controlCommand('abort', io))
    .addCommand(controlCommand('rollback', io));
}
