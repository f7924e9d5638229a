import { Command } from 'commander';
import type { Accepted } from '../api/api.types';
import type { OrchestratorClient } from '../api/orchestrator.client';
import { loadDeployRequest } from '../manifest/manifest.util';
import { formatAccepted } from '../output/format.util';
import {
  addApiOptions,
  clientFor,
  printJson,
  processIo,
  runAction,
  type ApiOptions,
  type CliIo,
} from './command.util';
import {
  addWatchOptions,
  failWatch,
  watchAndExit,
  WATCH_HELP,
  type WatchOptions,
} from './watch.command';

interface DeployOptions extends ApiOptions, WatchOptions {
  file: string;
  idempotencyKey?: string;
  watch?: boolean;
}

/** With --watch the deployment is followed to its end, with `greenlight watch`'s exit codes. */
async function deployAndWatch(options: DeployOptions, io: CliIo): Promise<void> {
  let client: OrchestratorClient;
  let accepted: Accepted;
  try {
    client = clientFor(options);
    accepted = await client.createDeployment(
      await loadDeployRequest(options.file),
      options.idempotencyKey,
    );
  } catch (error) {
    failWatch(options, io, error);
    return;
  }
  if (options.json) io.out(JSON.stringify({ event: 'accepted', data: accepted }));
  else
    io.out(`deployment ${accepted.id} of ${accepted.service} accepted (phase ${accepted.phase})`);
  await watchAndExit(client, accepted.id, options, io);
}

export function deployCommand(io: CliIo = processIo): Command {
  const command = new Command('deploy')
    .description('submit a release manifest (YAML or JSON); its chat template file is sent inline')
    .requiredOption('-f, --file <file>', 'release manifest')
    .option('--idempotency-key <key>', 'resubmitting with the same key returns the same deployment')
    .option(
      '--watch',
      'then follow it to its end as `greenlight watch` does, with its exit codes (0 done, 1 rolled back/aborted/failed, 2 not deployed or not watched)',
    )
    .addHelpText(
      'after',
      `\nWith --watch, any failure to submit (bad manifest, 400, 409) also exits 2, and --json prints\n{"event":"accepted",…} then the watch's lines.${WATCH_HELP.replace(/^\n/, '\n\nwatch:\n')}`,
    );
  return addApiOptions(addWatchOptions(command)).action((options: DeployOptions) =>
    options.watch
      ? deployAndWatch(options, io)
      : runAction(options, io, async () => {
          const request = await loadDeployRequest(options.file);
          const accepted = await clientFor(options).createDeployment(
            request,
            options.idempotencyKey,
          );
          if (options.json) printJson(io, accepted);
          else io.out(formatAccepted(accepted));
        }),
  );
}
