import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.util';
import { spawnManaged, waitForOutput, type ManagedProcess } from './process.util';
import { findRepoRoot } from './stack';

export const SIMULATOR_READY_TIMEOUT_MS = 20_000;
export const SIMULATOR_ERRORS = {
  notBuilt: (path: string) =>
    `${path} is missing: run \`node scripts/build.mjs\` (npm run build) before starting the simulator`,
} as const;

/** The line greenlight-sim prints once it accepts connections. */
export const SIMULATOR_LISTENING = /greenlight-sim \S+ \S+ listening on (http:\/\/\S+)/;

export interface SimulatorOptions {
  /** --model (the served model name). */
  model?: string;
  /** --version of the release. */
  version?: string;
  /** Fixed port; a free loopback port when absent. */
  port?: number;
  /** --cold-start, e.g. "3s". */
  coldStart?: string;
  /** More flags, e.g. ['--itl', '1ms', '--error-rate', '0.1']. */
  args?: readonly string[];
  env?: Record<string, string>;
  /** Mirror the output into this file. */
  logFile?: string;
  /** Wait for the listening line (default). With false, return as soon as the process is spawned. */
  waitReady?: boolean;
  /** How long to wait for the listening line, on top of the cold start. */
  readyTimeoutMs?: number;
  /** Repository root holding dist/; found from this file when absent. */
  root?: string;
  detached?: boolean;
}

export interface SimulatorHandle {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly process: ManagedProcess;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  output(): string;
  /** Resolves once the listening line appeared (immediately if it already has). */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Sends `signal` (SIGKILL by default) and resolves with the exit code once the process ended. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

function coldStartMs(coldStart: string | undefined): number {
  if (!coldStart) return 0;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(coldStart.trim());
  if (!match) return 0;
  const factor = match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1_000;
  return Number(match[1]) * factor;
}

/**
 * Spawns `greenlight-sim` (dist/services/model-sim/src/main.js) on a free loopback port and
 * waits until it listens (or not, with waitReady: false, to observe its cold start).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const root = options.root ?? findRepoRoot();
  const entry = join(root, 'dist', 'services', 'model-sim', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(SIMULATOR_ERRORS.notBuilt(entry));
  const port = options.port ?? (await freePort());
  const model = options.model ?? 'chat';
  const version = options.version ?? 'v1';
  const args = [
    entry,
    '--port',
    String(port),
    '--model',
    model,
    '--version',
    version,
    ...(options.coldStart ? ['--cold-start', options.coldStart] : []),
    ...(options.args ?? []),
  ];
  const proc = spawnManaged(`greenlight-sim ${model} ${version}:${port}`, process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    detached: options.detached ?? false,
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  const defaultTimeout =
    (options.readyTimeoutMs ?? SIMULATOR_READY_TIMEOUT_MS) + coldStartMs(options.coldStart);
  const handle: SimulatorHandle = {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.child.pid ?? -1,
    process: proc,
    exited: proc.exited,
    output: () => proc.output(),
    ready: (timeoutMs = defaultTimeout) => waitForOutput(proc, SIMULATOR_LISTENING, timeoutMs),
    stop: (graceMs) => proc.stop(graceMs),
    kill: async (signal = 'SIGKILL') => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return proc.exited;
    },
  };
  if (options.waitReady === false) return handle;
  try {
    await handle.ready();
  } catch (error) {
    await proc.kill();
    throw error;
  }
  return handle;
}

/**
 * The `data:` payloads of a server-sent-events response as they arrive ('[DONE]' included), for
 * tests that watch a stream token by token. Ends when the server ends (or cuts) the stream.
 */
export async function* sseData(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  try {
    for (;;) {
      const chunk = await reader.read().catch(() => undefined);
      // done, or the connection was cut: either way the stream ends here
      if (!chunk || chunk.done) return;
      buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split('\n')) {
          if (line.startsWith('data: ')) yield line.slice('data: '.length);
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}
