import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote, stdout and stderr interleaved (last 256 KiB). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash as the OS would deliver it. */
  kill(): Promise<void>;
}

const OUTPUT_LIMIT = 256 * 1024;

export interface SpawnManagedOptions extends SpawnOptions {
  /** Also append the output to this file (kept for CI artifacts and post-mortems). */
  logFile?: string;
}

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnManagedOptions = {},
): ManagedProcess {
  const { logFile, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  let buffer = '';
  let log: WriteStream | undefined;
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    log = createWriteStream(logFile, { flags: 'a' });
  }
  const collect = (chunk: Buffer): void => {
    buffer = (buffer + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    log?.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      log?.end();
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      collect(Buffer.from(`spawn error: ${error.message}\n`));
      resolve('spawn-error');
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  return {
    name,
    child,
    output: () => buffer,
    exited,
    async stop(graceMs = 5_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves when `pattern` shows up in the process output; rejects if it exits first or time runs out. */
export function waitForOutput(
  proc: ManagedProcess,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => pattern.test(proc.output());
    if (check()) return resolve();
    const onData = (): void => {
      if (check()) done();
    };
    const timer = setTimeout(
      () => fail(new Error(`${proc.name}: no ${pattern} within ${timeoutMs} ms\n${proc.output()}`)),
      timeoutMs,
    );
    const onExit = (): void =>
      fail(new Error(`${proc.name} exited before ${pattern} appeared\n${proc.output()}`));
    function cleanup(): void {
      clearTimeout(timer);
      proc.child.stdout?.off('data', onData);
      proc.child.stderr?.off('data', onData);
      proc.child.off('exit', onExit);
    }
    function done(): void {
      cleanup();
      resolve();
    }
    function fail(error: Error): void {
      cleanup();
      reject(error);
    }
    proc.child.stdout?.on('data', onData);
    proc.child.stderr?.on('data', onData);
    proc.child.once('exit', onExit);
  });
}
