import 'reflect-metadata';
import { parseSimCli } from './cli/sim-cli.util';
import { EXIT_BAD_OPTIONS } from './config/sim-options.constants';
import { SimOptionsError, type SimOptions } from './config/sim-options.schema';
import { startSimServer, type SimServer } from './sim-server';
import { SIM_NAME } from './sim.constants';

// Pipes to a parent are synchronous on Linux: a line logged right before exit is not lost.
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function fail(message: string, code: number): never {
  process.stderr.write(`${SIM_NAME}: ${message}\n`);
  process.exit(code);
}

function parse(): SimOptions {
  try {
    const result = parseSimCli(process.argv.slice(2));
    if (result.kind === 'help') {
      process.stdout.write(result.text);
      process.exit(0);
    }
    return result.options;
  } catch (error) {
    if (error instanceof SimOptionsError) fail(error.message, EXIT_BAD_OPTIONS);
    throw error;
  }
}

function run(options: SimOptions): void {
  const name = `${SIM_NAME} ${options.model} ${options.version}`;
  const coldStart = new AbortController();
  let server: SimServer | undefined;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    if (!server) {
      log(`${name}: ${signal} during cold start, exiting`);
      coldStart.abort();
      process.exit(0);
    }
    const timeoutMs = options.shutdownTimeoutMs;
    log(
      `${name}: ${signal}, ${server.runtime.engine.numRunning + server.runtime.engine.numWaiting} request(s) in flight; ` +
        (timeoutMs ? `letting them finish for up to ${timeoutMs / 1000} s` : 'aborting them'),
    );
    void server.shutdown(timeoutMs).then(({ aborted }) => {
      log(`${name}: stopped, ${aborted} request(s) aborted`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  startSimServer(options, {
    log,
    signal: coldStart.signal,
    // Like a CUDA OOM: no goodbye to clients, exit code 1.
    onCrash: () => {
      log(`${name}: crashAfter reached, exiting with code 1`);
      process.exit(1);
    },
  }).then(
    (started) => {
      server = started;
    },
    (error: unknown) => {
      if (stopping) return;
      if (error instanceof SimOptionsError) fail(error.message, EXIT_BAD_OPTIONS);
      fail(`failed to start: ${(error as Error).stack ?? String(error)}`, 1);
    },
  );
}

run(parse());
