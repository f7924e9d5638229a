import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stopProcessPools } from '@greenlight/pools';
import { freePort, sleep } from './ports.util';
import { spawnManaged, type ManagedProcess } from './process.util';
import { startInfra, type Infra } from './servers';

/** Every greenlight service that runs as its own process, in start order. */
export const SERVICE_NAMES = [
  'orchestrator',
  'health-prober',
  'eval-runner',
  'traffic-shifter',
  'cache-manager',
  'drainer',
  'gateway',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export const STACK_READY_TIMEOUT_MS = 20_000;
export const STACK_ERRORS = {
  notBuilt: (path: string) => `${path} is missing: run \`npm run build\` first`,
  noRoot: (from: string) => `no greenlight workspace (nx.json) above ${from}`,
  notReady: (name: string, url: string, ms: number) =>
    `${name} did not answer GET ${url}/healthz with 200 within ${ms} ms`,
  exited: (name: string, code: number | string) =>
    `${name} exited (${code}) before its /healthz answered 200`,
  unknown: (name: string) => `${name} is not part of this stack`,
  unknownReplica: (name: string, replica: number, count: number) =>
    `${name} has ${count} replica(s) in this stack; there is no replica ${replica}`,
} as const;

export interface StackOptions {
  /** Running nats-server + redis-server; started (and disposed with the stack) when absent. */
  infra?: Infra;
  /** Which services to run; all seven by default. */
  services?: readonly ServiceName[];
  /** Fixed ports (of replica 0); any service or replica not listed gets a free one. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Processes per service (default 1), each on its own port: e.g. two gateways behind a balancer. */
  replicas?: Partial<Record<ServiceName, number>>;
  /** Extra environment for every service (wins over the stack's own). */
  env?: Record<string, string>;
  /** Each process's output is mirrored to `<logDir>/<name>.log`. */
  logDir?: string;
  /** Repository root holding dist/; found from this file's location when absent. */
  root?: string;
  /** Put each service in its own process group, so a terminal's Ctrl-C reaches only the caller. */
  detached?: boolean;
  /** How long each service may take to answer /healthz 200. */
  readyTimeoutMs?: number;
  /** POOL_DATA_DIR of the pool host (replica logs, templates); a fresh temporary one by default. */
  dataDir?: string;
}

export interface Stack {
  readonly nats: string;
  readonly redis: string;
  readonly infra: Infra;
  /** Replica 0 of each service. */
  readonly urls: Readonly<Record<ServiceName, string>>;
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** Every replica of each service, replica 0 first. */
  readonly replicaUrls: Readonly<Record<ServiceName, readonly string[]>>;
  readonly replicaPorts: Readonly<Record<ServiceName, readonly number[]>>;
  /** Bearer tokens accepted by the orchestrator (random per stack). */
  readonly operatorToken: string;
  readonly viewerToken: string;
  /** The current process of replica 0 of each running service (replaced by start()). */
  readonly processes: Readonly<Partial<Record<ServiceName, ManagedProcess>>>;
  /** The current process of one replica (replaced by start()). */
  process(name: ServiceName, replica?: number): ManagedProcess | undefined;
  /** Where pools started by this stack keep their replica logs. */
  readonly dataDir: string;
  /** SIGKILL of one replica (0 by default): a crash as the OS would deliver it. */
  kill(name: ServiceName, replica?: number): Promise<void>;
  /** SIGTERM, SIGKILL after a grace period. */
  stop(name: ServiceName, replica?: number): Promise<void>;
  /** Starts the replica again on the same port with the same environment; waits for /healthz. */
  start(name: ServiceName, replica?: number): Promise<void>;
  /** Stops every service, then the servers if the stack started them. */
  dispose(): Promise<void>;
}

/** The repository root: the first directory above `from` that holds nx.json. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(STACK_ERRORS.noRoot(from));
    dir = parent;
  }
}

export function serviceEntry(root: string, name: ServiceName): string {
  return join(root, 'dist', 'services', name, 'src', 'main.js');
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Resolves once GET /healthz answers 200; throws with the process's output if it exits or time runs out. */
async function waitHealthy(
  name: ServiceName,
  url: string,
  proc: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  let exit: number | string | undefined;
  void proc.exited.then((code) => (exit = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== undefined) {
      throw new Error(`${STACK_ERRORS.exited(name, exit)}\n${proc.output()}`);
    }
    if (await healthy(url)) return;
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`${STACK_ERRORS.notReady(name, url, timeoutMs)}\n${proc.output()}`);
    }
    await sleep(100);
  }
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Runs greenlight services as separate processes from dist/ against real nats-server and
 * redis-server, each on its own loopback port, and waits until every one is healthy.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = options.root ?? findRepoRoot();
  const names = options.services ?? SERVICE_NAMES;
  for (const name of names) {
    const entry = serviceEntry(root, name);
    if (!existsSync(entry)) throw new Error(STACK_ERRORS.notBuilt(entry));
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? STACK_READY_TIMEOUT_MS;
  const ownInfra = options.infra === undefined;
  const infra =
    options.infra ?? (await startInfra(options.logDir ? { logDir: options.logDir } : {}));

  const ports = {} as Record<ServiceName, number>;
  const urls = {} as Record<ServiceName, string>;
  const replicaPorts = {} as Record<ServiceName, number[]>;
  const replicaUrls = {} as Record<ServiceName, string[]>;
  const replicaCount = (name: ServiceName): number => options.replicas?.[name] ?? 1;
  for (const name of SERVICE_NAMES) {
    ports[name] = options.ports?.[name] ?? (await freePort());
    urls[name] = `http://127.0.0.1:${ports[name]}`;
    replicaPorts[name] = [ports[name]];
    for (let replica = 1; replica < replicaCount(name); replica++) {
      replicaPorts[name].push(await freePort());
    }
    replicaUrls[name] = replicaPorts[name].map((port) => `http://127.0.0.1:${port}`);
  }
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'greenlight-stack-'));
  const operatorToken = token();
  const viewerToken = token();
  const processes: Partial<Record<ServiceName, ManagedProcess>> = {};
  const replicaProcesses = new Map<string, ManagedProcess>();
  const slot = (name: ServiceName, replica: number): string => `${name}#${replica}`;

  const envFor = (name: ServiceName, replica: number): NodeJS.ProcessEnv => ({
    ...process.env,
    // bin/ first, so pool commands such as greenlight-sim resolve to this checkout.
    PATH: [join(root, 'bin'), process.env['PATH'] ?? ''].join(':'),
    NODE_ENV: process.env['NODE_ENV'] ?? 'production',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    NATS_URL: infra.nats.url,
    REDIS_URL: infra.redis.url,
    HOST: '127.0.0.1',
    PORT: String(replicaPorts[name][replica]),
    GREENLIGHT_OPERATOR_TOKENS: `operator:${operatorToken}`,
    GREENLIGHT_VIEWER_TOKENS: `viewer:${viewerToken}`,
    POOL_DATA_DIR: dataDir,
    ...options.env,
  });

  const checkReplica = (name: ServiceName, replica: number): void => {
    if (!names.includes(name)) throw new Error(STACK_ERRORS.unknown(name));
    if (!Number.isInteger(replica) || replica < 0 || replica >= replicaCount(name)) {
      throw new Error(STACK_ERRORS.unknownReplica(name, replica, replicaCount(name)));
    }
  };

  const start = async (name: ServiceName, replica = 0): Promise<void> => {
    checkReplica(name, replica);
    const logName = replica === 0 ? name : `${name}-${replica}`;
    const proc = spawnManaged(logName, process.execPath, [serviceEntry(root, name)], {
      cwd: root,
      env: envFor(name, replica),
      detached: options.detached ?? false,
      ...(options.logDir ? { logFile: join(options.logDir, `${logName}.log`) } : {}),
    });
    replicaProcesses.set(slot(name, replica), proc);
    if (replica === 0) processes[name] = proc;
    await waitHealthy(name, replicaUrls[name][replica] ?? urls[name], proc, readyTimeoutMs);
  };

  const running = (): ManagedProcess[] => [...replicaProcesses.values()];

  const dispose = async (): Promise<void> => {
    await Promise.all(running().map((proc) => proc.stop()));
    // Replicas outlive the pool host by design; a finished stack must not leave any running.
    await stopProcessPools(join(dataDir, 'pools'), { timeoutMs: 2_000 });
    if (ownInfra) await infra.dispose();
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };

  const started = await Promise.allSettled(
    names.flatMap((name) =>
      Array.from({ length: replicaCount(name) }, (_, replica) => start(name, replica)),
    ),
  );
  const failures = started.flatMap((result) =>
    result.status === 'rejected' ? [String((result.reason as Error).message)] : [],
  );
  if (failures.length > 0) {
    await dispose();
    throw new Error(`greenlight stack did not start:\n${failures.join('\n\n')}`);
  }

  const processOf = (name: ServiceName, replica = 0): ManagedProcess | undefined => {
    checkReplica(name, replica);
    return replicaProcesses.get(slot(name, replica));
  };

  return {
    nats: infra.nats.url,
    redis: infra.redis.url,
    infra,
    urls,
    ports,
    replicaUrls,
    replicaPorts,
    operatorToken,
    viewerToken,
    processes,
    process: processOf,
    dataDir,
    kill: async (name, replica) => processOf(name, replica)?.kill(),
    stop: async (name, replica) => processOf(name, replica)?.stop(),
    start,
    dispose,
  };
}
