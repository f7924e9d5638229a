import { Command } from 'commander';
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

interface DeployOptions extends ApiOptions {
  file: string;
  idempotencyKey?: string;
}

export function deployCommand(io: CliIo = processIo): Command {
  const command = new Command('deploy')
    .description('submit a release manifest (YAML or JSON); its chat template file is sent inline')
    .requiredOption('-f, --file <file>', 'release manifest')
    .option(
      '--idempotency-key <key>',
      'resubmitting with the same key returns the same deployment',
    );
  return addApiOptions(command).action((options: DeployOptions) =>
    runAction(options, io, async () => {
      const request = await loadDeployRequest(options.file);
      const accepted = await clientFor(options).createDeployment(request, options.idempotencyKey);
      if (options.json) printJson(io, accepted);
      else io.out(formatAccepted(accepted));
    }),
  );
}
