import { Command, Option, type CommanderError } from 'commander';
import type { OrchestratorClient } from '../api/orchestrator.client';
import { errorJson, formatError } from '../output/format.util';
import { WATCH_EXIT, WATCH_UNTIL, type WatchUntil } from '../output/watch/watch.constants';
import { watchDeployment, type WatchMode } from '../output/watch/watch-session.util';
import {
  addApiOptions,
  clientFor,
  processIo,
  type ApiOptions,
  type CliIo,
  type OutputOptions,
} from './command.util';

export interface WatchOptions extends ApiOptions {
  until: WatchUntil;
}

export const WATCH_HELP = `
Shows the phase timeline (when each phase started, how long it took), the current phase's
progress (replicas ready, bake, in-flight requests while draining), the traffic split and the
canary's metrics next to blue's. On a terminal it redraws in place; otherwise (a pipe, a CI log)
it prints one line per event, times in UTC. --json prints the stream's events, one JSON object
per line: {"event":"deployment"|"audit"|"live","data":…}, then {"event":"end","data":{phase,exitCode}}.

Exit codes:
  0    the deployment reached Completed (with --until standby: Standby or Completed)
  1    it ended RolledBack, Aborted or Failed
  2    nothing to watch: bad flags, unknown id, refused token, the orchestrator unreachable
  130  Ctrl-C: watching stopped; the deployment goes on

A dropped stream (the orchestrator restarting) is reopened with backoff; events are not shown twice.
The standby window is 24 h unless the release says otherwise: CI usually wants --until standby.`;

export function addWatchOptions(command: Command): Command {
  return command.addOption(
    new Option('--until <phase>', 'while watching: exit 0 once the deployment reaches this phase')
      .choices(WATCH_UNTIL)
      .default('completed'),
  );
}

/** Usage errors of a watching command exit 2, so CI tells them from a failed deployment (1). */
export function usageExitsWith2(command: Command): Command {
  return command.exitOverride((error: CommanderError) => {
    process.exit(error.exitCode === 0 ? 0 : WATCH_EXIT.error);
  });
}

function modeOf(options: OutputOptions): WatchMode {
  if (options.json) return 'json';
  return process.stdout.isTTY ? 'tty' : 'plain';
}

/** Prints a failure as other commands do, with exit code 2 (nothing was watched to the end). */
export function failWatch(options: OutputOptions, io: CliIo, error: unknown): void {
  io.err(options.json ? JSON.stringify(errorJson(error)) : formatError(error));
  process.exitCode = WATCH_EXIT.error;
}

/** Watches `id` until it ends or Ctrl-C; sets the exit code. Shared with `deploy --watch`. */
export async function watchAndExit(
  client: OrchestratorClient,
  id: string,
  options: WatchOptions,
  io: CliIo,
): Promise<void> {
  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    process.exitCode = await watchDeployment(client, id, io, {
      until: options.until,
      mode: modeOf(options),
      signal: controller.signal,
      terminal: {
        write: (text) => process.stdout.write(text),
        get columns() {
          return process.stdout.columns;
        },
        get rows() {
          return process.stdout.rows;
        },
      },
    });
  } catch (error) {
    failWatch(options, io, error);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/** `greenlight watch ID [--until completed|standby]`. */
export function watchCommand(io: CliIo = processIo): Command {
  const command = new Command('watch')
    .description('follow a deployment live until it ends: phases, progress, weights, analysis')
    .argument('<id>', 'deployment id')
    .addHelpText('after', WATCH_HELP);
  return usageExitsWith2(addApiOptions(addWatchOptions(command))).action(
    async (id: string, options: WatchOptions) => {
      let client: OrchestratorClient;
      try {
        client = clientFor(options);
      } catch (error) {
        failWatch(options, io, error);
        return;
      }
      await watchAndExit(client, id, options, io);
    },
  );
}
