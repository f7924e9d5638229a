import { accessSync, constants, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.util';
import { spawnManaged, waitForOutput, type ManagedProcess } from './process.util';

export interface ServerHandle {
  readonly url: string;
  readonly port: number;
  /** Data directory (JetStream store or Redis AOF/RDB); survives restart(). */
  readonly dir: string;
  process(): ManagedProcess;
  /** Graceful stop; the data directory stays. */
  stop(): Promise<void>;
  /** SIGKILL; the data directory stays. */
  kill(): Promise<void>;
  /** Start again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stop and delete the data directory, unless it was given by the caller. */
  dispose(): Promise<void>;
}

/** Debian installs nats-server in /usr/sbin, which a non-root PATH often lacks. */
export function findBinary(name: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return name; // spawn reports it missing, naming it
}

interface ServerSpec {
  name: string;
  command: string;
  args: (port: number, dir: string) => string[];
  ready: RegExp;
  url: (port: number) => string;
}

export interface StartServerOptions {
  port?: number;
  /** Data directory; a fresh temporary one when absent (deleted by dispose()). */
  dir?: string;
  /** Mirror the server's output into this file. */
  logFile?: string;
  /** Own process group: a terminal's Ctrl-C reaches only the caller, which stops servers last. */
  detached?: boolean;
}

async function startServer(spec: ServerSpec, options: StartServerOptions): Promise<ServerHandle> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `greenlight-${spec.name}-`));
  mkdirSync(dir, { recursive: true });
  let proc: ManagedProcess | undefined;

  const launch = async (): Promise<void> => {
    proc = spawnManaged(spec.name, spec.command, spec.args(port, dir), {
      ...(options.logFile ? { logFile: options.logFile } : {}),
      detached: options.detached ?? false,
    });
    await waitForOutput(proc, spec.ready, 20_000);
  };
  await launch();

  const handle: ServerHandle = {
    url: spec.url(port),
    port,
    dir,
    process: () => {
      if (!proc) throw new Error(`${spec.name} was never started`);
      return proc;
    },
    stop: async () => proc?.stop(),
    kill: async () => proc?.kill(),
    restart: async () => {
      await proc?.stop();
      await launch();
    },
    dispose: async () => {
      await proc?.stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface StartNatsServerOptions extends StartServerOptions {
  /** A nats-server config file (accounts, users, permissions); the flags below override its listen/store. */
  configFile?: string;
}

/** nats-server with JetStream (file storage in its own directory) on a loopback port. */
export function startNatsServer(options: StartNatsServerOptions = {}): Promise<ServerHandle> {
  const config = options.configFile ? ['-c', options.configFile] : [];
  return startServer(
    {
      name: 'nats-server',
      command: process.env['NATS_SERVER_BIN'] ?? findBinary('nats-server'),
      args: (port, dir) => [...config, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
      ready: /Server is ready/,
      url: (port) => `nats://127.0.0.1:${port}`,
    },
    options,
  );
}

/** redis-server with the append-only file on (fsync every second), no RDB snapshots. */
export function startRedisServer(options: StartServerOptions = {}): Promise<ServerHandle> {
  return startServer(
    {
      name: 'redis-server',
      command: process.env['REDIS_SERVER_BIN'] ?? findBinary('redis-server'),
      args: (port, dir) => [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--protected-mode',
        'yes',
      ],
      ready: /Ready to accept connections/,
      url: (port) => `redis://127.0.0.1:${port}`,
    },
    options,
  );
}

export interface Infra {
  nats: ServerHandle;
  redis: ServerHandle;
  dispose(): Promise<void>;
}

/** Both servers a greenlight test needs, started side by side. */
export async function startInfra(options: { logDir?: string } = {}): Promise<Infra> {
  const log = (name: string): StartServerOptions =>
    options.logDir ? { logFile: join(options.logDir, `${name}.log`) } : {};
  const [nats, redis] = await Promise.all([
    startNatsServer(log('nats-server')),
    startRedisServer(log('redis-server')),
  ]);
  return {
    nats,
    redis,
    dispose: async () => {
      await Promise.all([nats.dispose(), redis.dispose()]);
    },
  };
}
