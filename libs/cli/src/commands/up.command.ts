import { Command } from 'commander';
import { relative, resolve } from 'node:path';
import { DEFAULT_STATE_DIR, UP_DEFAULT_PORTS } from '../cli.constants';
import { formatTable } from '../output/format.util';
import { startLocalStack, type LocalStack } from '../up/local-stack.util';
import { parsePort } from '../up/port.util';
import {
  addJsonOption,
  printJson,
  processIo,
  runAction,
  type CliIo,
  type OutputOptions,
} from './command.util';

interface UpOptions extends OutputOptions {
  dir: string;
  orchestratorPort: number;
  gatewayPort: number;
  natsPort?: number;
  redisPort?: number;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function describeStack(stack: LocalStack): string {
  const { description } = stack;
  const where = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
  };
  const usesDefaultDir = resolve(DEFAULT_STATE_DIR) === stack.dir;
  const services = Object.entries(description.services ?? {}).filter(
    ([name]) => name !== 'orchestrator' && name !== 'gateway',
  );
  return [
    'greenlight is up (Ctrl-C stops it)',
    formatTable(
      ['WHAT', 'WHERE'],
      [
        ['orchestrator', `${description.orchestrator}  (REST /v1, docs /docs)`],
        ['gateway', `${description.gateway}  (data plane: later issue)`],
        ...services.map(([name, url]) => [name, url]),
        ['nats', description.nats],
        ['redis', description.redis],
        ['state', where(stack.stackFile)],
        ['logs', `${where(stack.logDir)}/`],
      ],
    ),
    usesDefaultDir
      ? `from this directory the CLI finds it by itself: greenlight deploy -f release.yaml | greenlight status`
      : `for the CLI: export GREENLIGHT_URL=${description.orchestrator} GREENLIGHT_TOKEN=<token in ${where(stack.stackFile)}>`,
  ].join('\n');
}

/** Resolves on the first SIGINT/SIGTERM; a second one ends the process at once. */
function stopRequested(io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    let asked = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (asked) {
        io.err(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      asked = true;
      io.err(`${signal}: stopping services, then nats-server and redis-server…`);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
}

export function upCommand(io: CliIo = processIo): Command {
  const command = new Command('up')
    .description('run the whole stack here: nats-server, redis-server and every greenlight service')
    .option('--dir <dir>', 'state directory (stack.json, data/, logs/)', DEFAULT_STATE_DIR)
    .option(
      '--orchestrator-port <port>',
      'orchestrator REST port',
      parsePort,
      UP_DEFAULT_PORTS.orchestrator,
    )
    .option(
      '--gateway-port <port>',
      'gateway (data plane) port',
      parsePort,
      UP_DEFAULT_PORTS.gateway,
    )
    .option(
      '--nats-port <port>',
      `nats-server port (default ${UP_DEFAULT_PORTS.nats} when free)`,
      parsePort,
    )
    .option(
      '--redis-port <port>',
      `redis-server port (default ${UP_DEFAULT_PORTS.redis} when free)`,
      parsePort,
    );
  return addJsonOption(command).action((options: UpOptions) =>
    runAction(options, io, async () => {
      // Listen before starting anything: a Ctrl-C during start-up still stops what started.
      const stop = stopRequested(io);
      const stack = await startLocalStack({
        dir: options.dir,
        orchestratorPort: options.orchestratorPort,
        gatewayPort: options.gatewayPort,
        ...(options.natsPort !== undefined ? { natsPort: options.natsPort } : {}),
        ...(options.redisPort !== undefined ? { redisPort: options.redisPort } : {}),
      });
      if (options.json) printJson(io, stack.description);
      else io.out(describeStack(stack));
      await stop;
      await stack.stop();
      io.err('stopped');
    }),
  );
}
