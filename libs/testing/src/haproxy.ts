import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { freePort, waitFor } from './ports.util';
import { spawnManaged, type ManagedProcess } from './process.util';
import { findBinary } from './servers';
import { findRepoRoot } from './stack';

/** Where the config template lives, relative to the repository root. */
export const HAPROXY_TEMPLATE_PATH = join('deploy', 'haproxy', 'haproxy.cfg.template');
/** Server slots per pool when the caller does not say (the template's documented default). */
export const HAPROXY_DEFAULT_SLOTS = 16;
export const HAPROXY_READY_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 5_000;

export const HAPROXY_ERRORS = {
  noServices: 'startHaproxy needs at least one service',
  unknownService: (name: string, known: readonly string[]) =>
    `HAProxy has no frontend for service ${JSON.stringify(name)} (it has ${known.join(', ')})`,
  badSlots: (slots: number) => `slots must be an integer from 1 to 64, got ${slots}`,
  commandTimeout: (command: string) =>
    `HAProxy did not answer ${JSON.stringify(command)} within ${COMMAND_TIMEOUT_MS} ms`,
  exited: (code: number | string, output: string) =>
    `haproxy exited (${code}) before its admin socket answered:\n${output}`,
  invalidConfig: (output: string) => `haproxy -c refused the rendered config:\n${output}`,
} as const;

export interface HaproxyServiceConfig {
  /** Model service name: backend gl_<name>, frontend fe_<name>. */
  name: string;
  /** Listen address of the service's frontend, e.g. 127.0.0.1:8081. */
  bind: string;
}

export interface HaproxyConfigOptions {
  services: readonly HaproxyServiceConfig[];
  /** Admin socket: a unix path, or ipv4@host:port. */
  statsSocket: string;
  slots?: number;
  nbthread?: number;
  /** Connection limit; absent: HAProxy derives it from the file-descriptor limit. */
  maxconn?: number;
  /** Template text; deploy/haproxy/haproxy.cfg.template from the repository when absent. */
  template?: string;
}

/** Renders deploy/haproxy/haproxy.cfg.template for these services. */
export function renderHaproxyConfig(options: HaproxyConfigOptions): string {
  const slots = options.slots ?? HAPROXY_DEFAULT_SLOTS;
  if (!Number.isInteger(slots) || slots < 1 || slots > 64) {
    throw new Error(HAPROXY_ERRORS.badSlots(slots));
  }
  const text =
    options.template ?? readFileSync(join(findRepoRoot(), HAPROXY_TEMPLATE_PATH), 'utf8');
  return new Template(text).render({
    stats_socket: options.statsSocket,
    slots,
    nbthread: options.nbthread ?? 1,
    maxconn: options.maxconn ?? null,
    services: options.services.map((s) => ({ name: s.name, bind: s.bind })),
  });
}

export function haproxyBinary(): string {
  return process.env['HAPROXY_BIN'] ?? findBinary('haproxy');
}

/** `haproxy -c -f file`: whether HAProxy accepts the config, and what it said. */
export function checkHaproxyConfig(file: string): { ok: boolean; output: string } {
  const result = spawnSync(haproxyBinary(), ['-c', '-f', file], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * Sends one line to an HAProxy admin socket (commands separated by ';') and resolves with the
 * whole answer: the socket is in non-interactive mode, so HAProxy closes it after answering.
 */
export function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const tcp = /^(?:ipv4@)?([^/]+):(\d+)$/.exec(socket);
    const conn = tcp ? connect(Number(tcp[2]), tcp[1]) : connect(socket);
    let answer = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(HAPROXY_ERRORS.commandTimeout(command)));
    }, COMMAND_TIMEOUT_MS);
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => (answer += chunk));
    conn.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    conn.on('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    conn.write(`${command}\n`);
  });
}

export interface HaproxyServerState {
  backend: string;
  server: string;
  addr: string;
  port: number;
  /** srv_op_state: 0 stopped, 2 running. */
  opState: number;
  /** srv_admin_state bits: 0x01 forced maintenance, 0x04 maintenance from the config. */
  adminState: number;
  /** The weight set through the runtime API (srv_uweight). */
  weight: number;
}

/** `show servers state <backend>` as records (the columns a test looks at). */
export function parseServersState(answer: string): HaproxyServerState[] {
  const lines = answer.split('\n').filter((line) => line && !line.startsWith('#'));
  return lines.slice(1).map((line) => {
    const f = line.split(' ');
    return {
      backend: f[1] ?? '',
      server: f[3] ?? '',
      addr: f[4] ?? '',
      opState: Number(f[5]),
      adminState: Number(f[6]),
      weight: Number(f[7]),
      port: Number(f[18]),
    };
  });
}

export interface StartHaproxyOptions {
  /** One frontend per service, on `port` or a free loopback port. */
  services: readonly { name: string; port?: number }[];
  slots?: number;
  /** Mirror HAProxy's output into this file. */
  logFile?: string;
}

export interface HaproxyHandle {
  /** Admin socket path (what HAPROXY_SOCKET of the traffic-shifter names). */
  readonly socket: string;
  readonly configFile: string;
  readonly dir: string;
  readonly slots: number;
  /** http://127.0.0.1:<port> of a service's frontend. */
  url(service: string): string;
  port(service: string): number;
  /** Runtime API: one line, the whole answer. */
  command(command: string): Promise<string>;
  /** `show servers state gl_<service>`, parsed. */
  servers(service: string): Promise<HaproxyServerState[]>;
  process(): ManagedProcess;
  /** Stops HAProxy; the directory stays. */
  stop(): Promise<void>;
  /** Stops HAProxy and deletes its directory. */
  dispose(): Promise<void>;
}

/**
 * Renders the template into a temporary directory, runs `haproxy -f cfg -db` (foreground) with one
 * loopback frontend per service, and resolves once the admin socket answers `show info`.
 */
export async function startHaproxy(options: StartHaproxyOptions): Promise<HaproxyHandle> {
  if (options.services.length === 0) throw new Error(HAPROXY_ERRORS.noServices);
  const slots = options.slots ?? HAPROXY_DEFAULT_SLOTS;
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const configFile = join(dir, 'haproxy.cfg');
  const ports = new Map<string, number>();
  for (const service of options.services) {
    ports.set(service.name, service.port ?? (await freePort()));
  }
  const config = renderHaproxyConfig({
    services: options.services.map((s) => ({
      name: s.name,
      bind: `127.0.0.1:${ports.get(s.name)}`,
    })),
    statsSocket: socket,
    slots,
  });
  writeFileSync(configFile, config);
  const checked = checkHaproxyConfig(configFile);
  if (!checked.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(HAPROXY_ERRORS.invalidConfig(checked.output));
  }

  const proc = spawnManaged('haproxy', haproxyBinary(), ['-f', configFile, '-db'], {
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  let exitCode: number | string | undefined;
  void proc.exited.then((code) => (exitCode = code));
  try {
    await waitFor(
      async () =>
        exitCode !== undefined ||
        (await haproxyCommand(socket, 'show info')).includes('Name: HAProxy'),
      { timeoutMs: HAPROXY_READY_TIMEOUT_MS, what: 'the HAProxy admin socket' },
    );
    if (exitCode !== undefined) throw new Error(HAPROXY_ERRORS.exited(exitCode, proc.output()));
  } catch (error) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const port = (service: string): number => {
    const found = ports.get(service);
    if (found === undefined)
      throw new Error(HAPROXY_ERRORS.unknownService(service, [...ports.keys()]));
    return found;
  };
  return {
    socket,
    configFile,
    dir,
    slots,
    port,
    url: (service) => `http://127.0.0.1:${port(service)}`,
    command: (command) => haproxyCommand(socket, command),
    servers: async (service) =>
      parseServersState(await haproxyCommand(socket, `show servers state gl_${service}`)),
    process: () => proc,
    stop: () => proc.stop(),
    dispose: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Response header naming the gateway replica (HAProxy server name) that answered. */
export const BALANCER_SERVER_HEADER = 'x-greenlight-gateway';

export interface GatewayBalancerOptions {
  /** Gateway replicas, e.g. stack.replicaPorts.gateway; server names are gw0, gw1, … */
  ports: readonly number[];
  /** Frontend port; a free loopback port when absent. */
  port?: number;
  /** Health-check interval: how fast a dead replica leaves (and a restarted one rejoins) the rotation. */
  checkIntervalMs?: number;
  logFile?: string;
}

export interface GatewayBalancer {
  readonly url: string;
  readonly port: number;
  readonly socket: string;
  /** `show servers state gateways`, parsed. */
  servers(): Promise<HaproxyServerState[]>;
  process(): ManagedProcess;
  dispose(): Promise<void>;
}

/**
 * HAProxy in front of several gateway replicas, as a production data plane runs them: health
 * checks on /healthz, and a request whose connection failed or got an empty answer (the replica
 * died before writing a byte) is retried on another replica. A response already under way when
 * its replica dies cannot be retried: that client sees the cut.
 */
export function renderGatewayBalancerConfig(options: {
  ports: readonly number[];
  bind: string;
  statsSocket: string;
  checkIntervalMs?: number;
}): string {
  const inter = options.checkIntervalMs ?? 500;
  return [
    'global',
    `  stats socket ${options.statsSocket} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 300s',
    '  timeout server 300s',
    '  timeout http-request 10s',
    // A busy /healthz must not pull a healthy replica: the check may take this long.
    '  timeout check 2s',
    '  option redispatch',
    '  retries 3',
    '  retry-on conn-failure empty-response',
    'frontend fe_gateway',
    `  bind ${options.bind}`,
    '  default_backend gateways',
    'backend gateways',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    `  http-response set-header ${BALANCER_SERVER_HEADER} %s`,
    `  default-server inter ${inter} fastinter ${inter} downinter ${inter} fall 2 rise 2`,
    ...options.ports.map((port, i) => `  server gw${i} 127.0.0.1:${port} check`),
    '',
  ].join('\n');
}

export async function startGatewayBalancer(
  options: GatewayBalancerOptions,
): Promise<GatewayBalancer> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-balancer-'));
  const socket = join(dir, 'admin.sock');
  const configFile = join(dir, 'haproxy.cfg');
  const port = options.port ?? (await freePort());
  writeFileSync(
    configFile,
    renderGatewayBalancerConfig({
      ports: options.ports,
      bind: `127.0.0.1:${port}`,
      statsSocket: socket,
      ...(options.checkIntervalMs === undefined
        ? {}
        : { checkIntervalMs: options.checkIntervalMs }),
    }),
  );
  const checked = checkHaproxyConfig(configFile);
  if (!checked.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(HAPROXY_ERRORS.invalidConfig(checked.output));
  }
  const proc = spawnManaged('haproxy-balancer', haproxyBinary(), ['-f', configFile, '-db'], {
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  let exitCode: number | string | undefined;
  void proc.exited.then((code) => (exitCode = code));
  const servers = async (): Promise<HaproxyServerState[]> =>
    parseServersState(await haproxyCommand(socket, 'show servers state gateways'));
  try {
    // Ready once every replica passed its health checks: the first requests find all of them.
    await waitFor(
      async () =>
        exitCode !== undefined ||
        (await servers()).filter((s) => s.opState === 2).length === options.ports.length,
      { timeoutMs: HAPROXY_READY_TIMEOUT_MS, what: 'the balancer to see every gateway up' },
    );
    if (exitCode !== undefined) throw new Error(HAPROXY_ERRORS.exited(exitCode, proc.output()));
  } catch (error) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    socket,
    servers,
    process: () => proc,
    dispose: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
