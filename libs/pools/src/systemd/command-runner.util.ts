import { execFile } from 'node:child_process';
import { POOL_ERRORS } from '../pools.constants';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The one way the systemd driver touches the machine: an argv, never a shell line. */
export interface CommandRunner {
  run(argv: readonly string[]): Promise<CommandResult>;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/** Runs commands with execFile (no shell); a non-zero exit is a result, a missing binary an error. */
export function createExecFileRunner(timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): CommandRunner {
  return {
    run: (argv) =>
      new Promise((resolve, reject) => {
        const [file = '', ...args] = argv;
        execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (!error) return resolve({ code: 0, stdout, stderr });
          // execFile puts the exit status in `code`, or an errno name when the spawn itself failed.
          const { code } = error as { code?: number | string };
          if (code === 'ENOENT') return reject(new Error(POOL_ERRORS.commandRunnerMissing(file)));
          resolve({
            code: typeof code === 'number' ? code : 1,
            stdout,
            stderr: stderr || error.message,
          });
        });
      }),
  };
}
