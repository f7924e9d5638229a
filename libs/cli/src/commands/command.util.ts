import { Command, Option } from 'commander';
import { OrchestratorClient } from '../api/orchestrator.client';
import { resolveConnection } from '../api/connection.util';
import { ENV_TOKEN, ENV_URL } from '../cli.constants';
import { errorJson, formatError } from '../output/format.util';

export interface OutputOptions {
  json?: boolean;
}

export interface ApiOptions extends OutputOptions {
  url?: string;
  token?: string;
}

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export function addJsonOption(command: Command): Command {
  return command.option('--json', 'machine-readable output: one JSON document on stdout');
}

export function addApiOptions(command: Command): Command {
  return addJsonOption(command)
    .addOption(
      new Option('--url <url>', `orchestrator URL (else $${ENV_URL}, else .greenlight/stack.json)`),
    )
    .addOption(
      new Option(
        '--token <token>',
        `bearer token (else $${ENV_TOKEN}, else .greenlight/stack.json)`,
      ),
    );
}

export function clientFor(options: ApiOptions): OrchestratorClient {
  return new OrchestratorClient(
    resolveConnection({
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
    }),
  );
}

/** Runs a command body; any failure is printed (text or {"error": …}) and sets exit code 1. */
export async function runAction(
  options: OutputOptions,
  io: CliIo,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    io.err(options.json ? JSON.stringify(errorJson(error)) : formatError(error));
    process.exitCode = 1;
  }
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
