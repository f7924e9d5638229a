import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  COMMAND_TYPES,
  commandTypeFilter,
  DATA_PLANE_SUBJECTS,
  EVENT_TYPES,
  eventTypeFilter,
  gatewayMetricsSubject,
  inboxPrefixFor,
  ROUTES_BUCKET,
  STREAMS,
  SUBJECTS,
  type CommandType,
  type EventType,
} from '@greenlight/contracts';
import { freePort } from './ports.util';
import { startNatsServer, startRedisServer, type Infra, type StartServerOptions } from './servers';
import {
  SERVICE_NAMES,
  startStack,
  type ServiceName,
  type Stack,
  type StackOptions,
} from './stack';

/**
 * Who may publish and subscribe what on NATS, derived from libs/contracts: events by producer,
 * commands by sender and receiver. deploy/nats/nats-server.conf is rendered from this map (and a
 * test keeps it up to date); every service connects as its own user (NATS_USER/NATS_PASSWORD).
 */

/** Humans and bots outside the services: the CLI, release pipelines (deploy requests, control). */
export const NATS_OPERATOR_USER = 'operator';
export type NatsUser = ServiceName | typeof NATS_OPERATOR_USER;
export const NATS_USERS: readonly NatsUser[] = [...SERVICE_NAMES, NATS_OPERATOR_USER];

/** Every event type has its producers: a new type in libs/contracts fails to compile until placed. */
export const EVENT_PRODUCERS: { readonly [T in EventType]: readonly ServiceName[] } = {
  'deployment.phase_changed': ['orchestrator'],
  'deployment.control': ['orchestrator'],
  'deploy.rejected': ['orchestrator'],
  'pool.provisioned': ['drainer'],
  'replica.ready': ['health-prober'],
  'pool.ready': ['health-prober'],
  // The prober fails a pool that never becomes ready; the pool host one that will not start.
  'pool.failed': ['drainer', 'health-prober'],
  'pool.decommissioned': ['drainer'],
  'eval.completed': ['eval-runner'],
  'analysis.completed': ['health-prober'],
  'traffic.shifted': ['traffic-shifter'],
  'drain.progress': ['drainer'],
  'drain.completed': ['drainer'],
  'cache.plan': ['cache-manager'],
  'cache.prewarmed': ['cache-manager'],
  // Every receiver of commands answers an invalid one here (see COMMAND_ROUTES).
  'command.rejected': [],
};

/**
 * Who sends each command and which service consumes it (one durable consumer on GL_COMMANDS).
 * The gateway sends none: it cannot change routing.
 */
export const COMMAND_ROUTES: {
  readonly [T in CommandType]: { senders: readonly NatsUser[]; receiver: ServiceName };
} = {
  'pool.provision': { senders: ['orchestrator'], receiver: 'drainer' },
  'pool.stop': { senders: ['orchestrator'], receiver: 'drainer' },
  'readiness.probe': { senders: ['orchestrator'], receiver: 'health-prober' },
  'eval.run': { senders: ['orchestrator'], receiver: 'eval-runner' },
  'analysis.start': { senders: ['orchestrator'], receiver: 'health-prober' },
  'traffic.set': { senders: ['orchestrator'], receiver: 'traffic-shifter' },
  'drain.start': { senders: ['orchestrator'], receiver: 'drainer' },
  'cache.prepare': { senders: ['orchestrator'], receiver: 'cache-manager' },
  'deployment.control': { senders: [NATS_OPERATOR_USER], receiver: 'orchestrator' },
};

/** The orchestrator's consumer of the entry point (named in its handler). */
export const DEPLOY_REQUEST_DURABLE = 'orchestrator--deploy-requested';

/** The entry point greenlight.deploy.requested. */
export const DEPLOY_REQUEST_ROUTE = {
  senders: [NATS_OPERATOR_USER],
  receiver: 'orchestrator',
} as const;

/** Events a service consumes through a durable consumer (its @OnJetStream event handlers). */
export const DURABLE_EVENT_CONSUMERS: { readonly [S in ServiceName]: readonly EventType[] } = {
  orchestrator: [
    'pool.provisioned',
    'pool.ready',
    'pool.failed',
    'eval.completed',
    'analysis.completed',
    'traffic.shifted',
    'drain.completed',
    'cache.plan',
    'cache.prewarmed',
    'command.rejected',
  ],
  'health-prober': [],
  'eval-runner': [],
  'traffic-shifter': [],
  'cache-manager': ['deployment.phase_changed'],
  drainer: [],
  gateway: [],
};

/** Core-NATS subjects a service listens to live (phase watches, data-plane signals). */
export const LIVE_SUBSCRIPTIONS: { readonly [S in ServiceName]: readonly string[] } = {
  orchestrator: [],
  'health-prober': [eventTypeFilter('deployment.phase_changed'), gatewayMetricsSubject('*')],
  'eval-runner': [eventTypeFilter('deployment.phase_changed')],
  'traffic-shifter': [DATA_PLANE_SUBJECTS.heartbeat, DATA_PLANE_SUBJECTS.ack],
  'cache-manager': [eventTypeFilter('deployment.phase_changed')],
  drainer: [eventTypeFilter('deployment.phase_changed'), gatewayMetricsSubject('*')],
  gateway: [],
};

/** Services that read the audit log back (EventBus.read: short-lived consumers on GL_EVENTS). */
export const AUDIT_READERS: readonly ServiceName[] = ['orchestrator', 'health-prober'];

/** The routing tables (KV bucket GL_ROUTES): one writer; the data plane and the API read. */
export const ROUTES_ACCESS = {
  writers: ['traffic-shifter'],
  readers: ['gateway', 'orchestrator'],
} as const satisfies { writers: readonly ServiceName[]; readers: readonly ServiceName[] };

/** Only the gateway announces itself, acknowledges tables and reports per-pool metrics. */
export const DATA_PLANE_PUBLISHERS: readonly ServiceName[] = ['gateway'];

/** Services that talk through @greenlight/bus (JetStream streams and consumers). */
const BUS_SERVICES: readonly ServiceName[] = SERVICE_NAMES.filter((s) => s !== 'gateway');

const JS = '$JS.API';
const KV_STREAM = `KV_${ROUTES_BUCKET}`;
/** Where the operator's clients (CLI, release bots: stock NATS clients) get their replies. */
const OPERATOR_INBOX = '_INBOX.>';

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/** Where events of a type are published: their event subjects, and for refusals the entry answer. */
function eventSubjectsOf(type: EventType): string[] {
  if (type === 'deploy.rejected') return [SUBJECTS.deployRejected, eventTypeFilter(type)];
  if (type === 'command.rejected') return [SUBJECTS.commandRejected, eventTypeFilter(type)];
  return [eventTypeFilter(type)];
}

/**
 * The durable name @greenlight/bus gives a handler's consumer (its `durableName`, repeated here
 * because libs/bus tests use this harness); the secured stack test fails on any drift.
 */
export function busDurableName(component: string, subject: string): string {
  return `${component}--${subject.replace(/\./g, '_').replace(/\*/g, 'any').replace(/>/g, 'all')}`;
}

/** The JetStream API calls one durable pull consumer makes: ensure, bind, pull, ack. */
function durableConsumerApi(stream: string, durable: string): string[] {
  return [
    `${JS}.CONSUMER.INFO.${stream}.${durable}`,
    `${JS}.CONSUMER.CREATE.${stream}.${durable}.>`,
    `${JS}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/** The least a user needs: subjects it may publish (incl. JetStream API calls) and subscribe to. */
export function natsPermissions(user: NatsUser): NatsPermissions {
  const publish: string[] = [];
  // Each service reads only replies under its own prefix (libs/bus inboxPrefixFor).
  const subscribe: string[] = [
    user === NATS_OPERATOR_USER ? OPERATOR_INBOX : `${inboxPrefixFor(user)}.>`,
  ];

  if (user === NATS_OPERATOR_USER) {
    // A JetStream publish needs only the subject; its ack comes back on the inbox.
    publish.push(SUBJECTS.deployRequested);
    for (const type of COMMAND_TYPES) {
      if (COMMAND_ROUTES[type].senders.includes(user)) publish.push(commandTypeFilter(type));
    }
    // Watch what happens (live) and hear why a request was refused.
    subscribe.push(SUBJECTS.eventsAll, SUBJECTS.deployRejected, SUBJECTS.commandRejected);
    return { publish, subscribe };
  }

  if (BUS_SERVICES.includes(user)) {
    publish.push(`${JS}.INFO`);
    // Every bus service provisions the streams and the (empty) routes bucket at start, whichever
    // comes up first, and raises their replication; none of that writes a routing table.
    for (const stream of [STREAMS.events, STREAMS.commands, KV_STREAM]) {
      publish.push(
        `${JS}.STREAM.INFO.${stream}`,
        `${JS}.STREAM.CREATE.${stream}`,
        `${JS}.STREAM.UPDATE.${stream}`,
      );
    }
  }

  for (const type of EVENT_TYPES) {
    if (EVENT_PRODUCERS[type].includes(user)) publish.push(...eventSubjectsOf(type));
  }
  const receives = COMMAND_TYPES.filter((type) => COMMAND_ROUTES[type].receiver === user);
  for (const type of COMMAND_TYPES) {
    if (COMMAND_ROUTES[type].senders.includes(user)) publish.push(commandTypeFilter(type));
  }
  for (const type of receives) {
    const durable = busDurableName(user, commandTypeFilter(type));
    publish.push(...durableConsumerApi(STREAMS.commands, durable));
  }
  if (receives.length > 0) publish.push(...eventSubjectsOf('command.rejected'));
  if (user === DEPLOY_REQUEST_ROUTE.receiver) {
    publish.push(...durableConsumerApi(STREAMS.commands, DEPLOY_REQUEST_DURABLE));
  }
  for (const type of DURABLE_EVENT_CONSUMERS[user]) {
    const durable = busDurableName(user, eventTypeFilter(type));
    publish.push(...durableConsumerApi(STREAMS.events, durable));
  }
  if (AUDIT_READERS.includes(user)) {
    // Short-lived consumers named by the server (no acks): create, read, delete.
    publish.push(
      `${JS}.CONSUMER.CREATE.${STREAMS.events}`,
      `${JS}.CONSUMER.INFO.${STREAMS.events}.*`,
      `${JS}.CONSUMER.MSG.NEXT.${STREAMS.events}.*`,
      `${JS}.CONSUMER.DELETE.${STREAMS.events}.*`,
    );
  }

  const writesRoutes = (ROUTES_ACCESS.writers as readonly string[]).includes(user);
  const readsRoutes = writesRoutes || (ROUTES_ACCESS.readers as readonly string[]).includes(user);
  if (readsRoutes) {
    publish.push(
      `${JS}.INFO`,
      `${JS}.STREAM.INFO.${KV_STREAM}`,
      `${JS}.DIRECT.GET.${KV_STREAM}.>`,
      `${JS}.STREAM.MSG.GET.${KV_STREAM}`,
      // Watches: ordered consumers with client-made names, and their flow-control replies.
      `${JS}.CONSUMER.CREATE.${KV_STREAM}.>`,
      `$JS.FC.${KV_STREAM}.>`,
    );
  }
  if (writesRoutes) publish.push(`$KV.${ROUTES_BUCKET}.>`);

  if (DATA_PLANE_PUBLISHERS.includes(user)) {
    publish.push(
      DATA_PLANE_SUBJECTS.heartbeat,
      DATA_PLANE_SUBJECTS.ack,
      gatewayMetricsSubject('*'),
    );
  }
  subscribe.push(...LIVE_SUBSCRIPTIONS[user]);
  return { publish: unique(publish), subscribe: unique(subscribe) };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** nats-server variable holding a user's password: set it in the server's environment. */
export function passwordVariable(user: NatsUser): string {
  return `NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
}

export interface NatsConfigOptions {
  /** Literal passwords (tests); absent: `$NATS_PASSWORD_<USER>` read from the server's environment. */
  passwords?: Readonly<Record<NatsUser, string>>;
  /** Omit port and JetStream store (the harness passes them as flags, which may not repeat them). */
  authorizationOnly?: boolean;
}

const quote = (s: string): string => JSON.stringify(s);
const list = (items: string[], indent: string): string =>
  `[\n${items.map((s) => `${indent}  ${quote(s)}`).join('\n')}\n${indent}]`;

/** The nats-server config: one user per service (and the operator) with its allow lists. */
export function renderNatsConfig(options: NatsConfigOptions = {}): string {
  const users = NATS_USERS.map((user) => {
    const { publish, subscribe } = natsPermissions(user);
    const password = options.passwords
      ? quote(options.passwords[user])
      : `$${passwordVariable(user)}`;
    return [
      '    {',
      `      user: ${quote(user)}`,
      `      password: ${password}`,
      '      permissions: {',
      `        publish: { allow: ${list(publish, '        ')} }`,
      `        subscribe: { allow: ${list(subscribe, '        ')} }`,
      '      }',
      '    }',
    ].join('\n');
  });
  return [
    '# Generated from libs/testing/src/nats-auth.ts (the publish/subscribe map of libs/contracts).',
    '# Do not edit: change the map, then run',
    '#   UPDATE_NATS_CONF=1 npx jest --selectProjects unit --testPathPatterns nats-auth',
    '# Passwords come from the server environment: NATS_PASSWORD_<USER> (e.g. NATS_PASSWORD_ORCHESTRATOR).',
    '',
    ...(options.authorizationOnly
      ? []
      : ['port: 4222', 'jetstream { store_dir: "/data/jetstream" }', '']),
    'authorization {',
    '  users: [',
    users.join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}

export interface SecuredInfra extends Infra {
  /** Password of each NATS user (random per run). */
  readonly passwords: Readonly<Record<NatsUser, string>>;
  /** Redis requires this password (REDIS_URL carries it). */
  readonly redisPassword: string;
  /** The generated nats-server config the server runs with (literal passwords; deleted by dispose). */
  readonly configFile: string;
}

const secret = (): string => randomBytes(18).toString('base64url');

/**
 * nats-server with the generated per-user permissions, and redis-server behind a password: the
 * servers of a stack whose services each connect as their own user.
 */
export async function startSecuredInfra(
  options: {
    logDir?: string;
    passwords?: Partial<Record<NatsUser, string>>;
    redisPassword?: string;
  } = {},
): Promise<SecuredInfra> {
  const passwords = Object.fromEntries(
    NATS_USERS.map((user) => [user, options.passwords?.[user] ?? secret()]),
  ) as Record<NatsUser, string>;
  const redisPassword = options.redisPassword ?? secret();
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-nats-auth-'));
  const configFile = join(dir, 'nats-server.conf');
  writeFileSync(configFile, renderNatsConfig({ passwords, authorizationOnly: true }), {
    mode: 0o600,
  });
  const log = (name: string): StartServerOptions =>
    options.logDir ? { logFile: join(options.logDir, `${name}.log`) } : {};
  const [nats, redis] = await Promise.all([
    startNatsServer({ ...log('nats-server'), configFile }),
    startRedisServer(log('redis-server')),
  ]);
  await requirePassword(redis.port, redisPassword);
  const url = new URL(redis.url);
  url.password = redisPassword;
  return {
    nats,
    redis: { ...redis, url: url.toString().replace(/\/$/, '') },
    passwords,
    redisPassword,
    configFile,
    dispose: async () => {
      await Promise.all([nats.dispose(), redis.dispose()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CONFIG SET requirepass over a raw connection (the harness has no Redis client of its own). */
async function requirePassword(port: number, password: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const args = ['CONFIG', 'SET', 'requirepass', password];
    socket.once('connect', () =>
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      ),
    );
    socket.once('data', (data) => {
      socket.end();
      const reply = data.toString();
      if (reply.startsWith('+OK')) resolve();
      else reject(new Error(`redis CONFIG SET requirepass: ${reply.trim()}`));
    });
    socket.once('error', reject);
  });
}

export interface SecuredStack {
  readonly infra: SecuredInfra;
  /** One stack per service, each started with that service's NATS user. */
  readonly stacks: Readonly<Partial<Record<ServiceName, Stack>>>;
  readonly urls: Readonly<Record<ServiceName, string>>;
  readonly operatorToken: string;
  readonly viewerToken: string;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

/**
 * The services of startStack, each connecting to NATS as its own user: one startStack per
 * service (same servers, ports and pool directory), since startStack's env is shared by all.
 */
export async function startSecuredStack(
  options: Omit<StackOptions, 'infra' | 'ports'> & { infra: SecuredInfra },
): Promise<SecuredStack> {
  const names = options.services ?? SERVICE_NAMES;
  const ports = {} as Record<ServiceName, number>;
  const taken = new Set<number>([options.infra.nats.port, options.infra.redis.port]);
  for (const name of SERVICE_NAMES) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'greenlight-stack-'));
  const operatorToken = options.env?.['GREENLIGHT_OPERATOR_TOKENS']?.split(':')[1] ?? secret();
  const viewerToken = options.env?.['GREENLIGHT_VIEWER_TOKENS']?.split(':')[1] ?? secret();
  const stacks: Partial<Record<ServiceName, Stack>> = {};
  const started = await Promise.allSettled(
    names.map(async (name) => {
      stacks[name] = await startStack({
        ...options,
        services: [name],
        ports,
        dataDir,
        env: {
          GREENLIGHT_OPERATOR_TOKENS: `operator:${operatorToken}`,
          GREENLIGHT_VIEWER_TOKENS: `viewer:${viewerToken}`,
          ...options.env,
          NATS_USER: name,
          NATS_PASSWORD: options.infra.passwords[name],
        },
      });
    }),
  );
  const dispose = async (): Promise<void> => {
    await Promise.all(Object.values(stacks).map((stack) => stack.dispose()));
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  const failures = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  if (failures.length > 0) {
    await dispose();
    throw new Error(`secured stack did not start:\n${failures.join('\n\n')}`);
  }
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}`]),
  ) as Record<ServiceName, string>;
  return { infra: options.infra, stacks, urls, operatorToken, viewerToken, dataDir, dispose };
}
