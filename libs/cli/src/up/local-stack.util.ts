import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  SERVICE_NAMES,
  startNatsServer,
  startRedisServer,
  startStack,
  type Infra,
  type ServerHandle,
  type ServiceName,
  type Stack,
} from '@greenlight/testing';
import { UsageError } from '../api/api.errors';
import type { StackFile } from '../api/connection.util';
import { CLI_ERRORS, PID_FILE, STACK_FILE, UP_DEFAULT_PORTS } from '../cli.constants';
import { isPortFree, preferredPort } from './port.util';

export interface LocalStackOptions {
  /** State directory: stack.json, up.pid, data/ (kept across runs) and logs/. */
  dir: string;
  orchestratorPort?: number;
  gatewayPort?: number;
  natsPort?: number;
  redisPort?: number;
  /** Repository root holding dist/ (found from this file when absent). */
  root?: string;
}

export interface LocalStack {
  readonly dir: string;
  readonly stackFile: string;
  readonly description: StackFile;
  readonly logDir: string;
  /** Services first, then the servers; removes the pid file and nothing else. */
  stop(): Promise<void>;
}

function runningPid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function fixedPort(what: string, port: number, flag: string): Promise<number> {
  if (!(await isPortFree(port))) throw new UsageError(CLI_ERRORS.portBusy(what, port, flag));
  return port;
}

async function servicePorts(options: LocalStackOptions): Promise<Record<ServiceName, number>> {
  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICE_NAMES) {
    if (name === 'orchestrator') {
      ports[name] = await fixedPort(
        name,
        options.orchestratorPort ?? UP_DEFAULT_PORTS[name],
        '--orchestrator-port',
      );
    } else if (name === 'gateway') {
      ports[name] = await fixedPort(
        name,
        options.gatewayPort ?? UP_DEFAULT_PORTS[name],
        '--gateway-port',
      );
    } else {
      ports[name] = await preferredPort(UP_DEFAULT_PORTS[name]);
    }
  }
  return ports;
}

function writeJsonAtomically(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}

/**
 * The whole greenlight stack on this machine: nats-server and redis-server with their data under
 * `<dir>/data` (so a second `up` finds the same deployments), and every service as its own process.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'data');
  const logDir = join(dir, 'logs');
  const stackFile = join(dir, STACK_FILE);
  const pidFile = join(dir, PID_FILE);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });

  const other = runningPid(pidFile);
  if (other !== undefined) throw new UsageError(CLI_ERRORS.alreadyUp(dir, other));
  // The old stack.json goes before the pid is written: whoever sees our pid may trust stack.json.
  rmSync(stackFile, { force: true });
  writeFileSync(pidFile, `${process.pid}\n`);

  const servers: ServerHandle[] = [];
  let stack: Stack | undefined;
  const stop = async (): Promise<void> => {
    await stack?.dispose();
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(pidFile, { force: true });
  };

  try {
    const ports = await servicePorts(options);
    const natsPort =
      options.natsPort === undefined
        ? await preferredPort(UP_DEFAULT_PORTS.nats)
        : await fixedPort('nats-server', options.natsPort, '--nats-port');
    const redisPort =
      options.redisPort === undefined
        ? await preferredPort(UP_DEFAULT_PORTS.redis)
        : await fixedPort('redis-server', options.redisPort, '--redis-port');
    const started = await Promise.allSettled([
      startNatsServer({
        port: natsPort,
        dir: join(dataDir, 'nats'),
        logFile: join(logDir, 'nats-server.log'),
        detached: true,
      }),
      startRedisServer({
        port: redisPort,
        dir: join(dataDir, 'redis'),
        logFile: join(logDir, 'redis-server.log'),
        detached: true,
      }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const [nats, redis] = started.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    }) as [ServerHandle, ServerHandle];
    const infra: Infra = {
      nats,
      redis,
      dispose: () => Promise.all([nats.stop(), redis.stop()]).then(() => undefined),
    };
    stack = await startStack({
      infra,
      ports,
      logDir,
      // Replica logs and chat templates of the pools this stack starts; they stop with it.
      dataDir,
      detached: true,
      ...(options.root ? { root: options.root } : {}),
    });

    const description: StackFile = {
      orchestrator: stack.urls.orchestrator,
      gateway: stack.urls.gateway,
      nats: stack.nats,
      redis: stack.redis,
      token: stack.operatorToken,
      viewerToken: stack.viewerToken,
      services: { ...stack.urls },
    };
    writeJsonAtomically(stackFile, description);
    return { dir, stackFile, description, logDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
