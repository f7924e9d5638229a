import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { ensureStreams } from '@greenlight/bus';
import {
  COMMAND_TYPES,
  commandSubject,
  EVENT_TYPES,
  eventSubject,
  inboxPrefixFor,
  ROUTES_BUCKET,
  STREAMS,
  SUBJECTS,
} from '@greenlight/contracts';
import { deployRequest } from '@greenlight/fixtures';
import {
  NATS_USERS,
  natsPermissions,
  startSecuredInfra,
  startSecuredStack,
  startSimulator,
  waitFor,
  type NatsUser,
  type SecuredInfra,
  type SecuredStack,
  type SimulatorHandle,
} from '@greenlight/testing';
import { cliFor } from '../support/api.util';

/**
 * The stack as production runs it: every service connects to NATS as its own user (the generated
 * permissions of deploy/nats), Redis wants a password, the REST API wants bearer tokens. A deploy
 * still reaches Completed; every route refuses the wrong caller with a reason; a refused action
 * is never logged as taken; no secret reaches a log.
 */
const SERVICE = 'chat-sec';
const LOG_DIR = 'tmp/e2e-logs/security';
const TERMINAL = ['Completed', 'RolledBack', 'Failed', 'Aborted'];
/** A well-formed id no deployment has: a changing route gets past auth, then finds nothing. */
const UNKNOWN_ID = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
const PUBLIC_PATHS = ['/', '/healthz', '/metrics', '/docs', '/docs/openapi.json'];
const READ_METHODS = ['get', 'head'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const secret = (): string => randomBytes(24).toString('base64url');
const OPERATOR = secret();
const VIEWER = secret();
/** A token no one was given, shaped like a real one. */
const WRONG = secret();

interface Reply {
  status: number;
  challenge: string | null;
  body: { message?: unknown; [key: string]: unknown } | null;
}

interface AuditItem {
  type: string;
  actor: string;
  data: { to?: string; action?: string; accepted?: boolean };
}

async function call(base: string, method: string, path: string, authorization?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(15_000),
  });
  const json = (response.headers.get('content-type') ?? '').includes('application/json');
  let body: Reply['body'] = null;
  if (json) body = (await response.json()) as Reply['body'];
  else await response.body?.cancel();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
}

describe('security: REST roles, a NATS user per service, secrets kept out of logs, the audit trail', () => {
  let infra: SecuredInfra;
  let stack: SecuredStack;
  let operatorNats: NatsConnection;
  const sims: SimulatorHandle[] = [];
  let deployed = '';

  const api = (path: string, method = 'GET', token: string = OPERATOR) =>
    call(stack.urls.orchestrator, method, path, `Bearer ${token}`);
  const phaseOf = async (id: string) =>
    ((await api(`/v1/deployments/${id}`)).body as { phase: string; reason: string | null }) ?? {};
  const audit = async (id: string) =>
    ((await api(`/v1/deployments/${id}/events`)).body as { items: AuditItem[] }).items;
  const deploy = async (version: string, sim: SimulatorHandle, strategy: object) => {
    const response = await fetch(`${stack.urls.orchestrator}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        deployRequest(SERVICE, version, {
          pool: { driver: 'static', endpoints: [sim.url] },
          strategy: { readiness: { timeout: '30s', warmupRequests: 1 }, ...strategy },
          caches: { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } },
        }),
      ),
    });
    expect(response.status).toBe(202);
    const id = ((await response.json()) as { id: string }).id;
    return waitFor(
      async () => {
        const d = await phaseOf(id);
        return TERMINAL.includes(d.phase) ? { id, ...d } : undefined;
      },
      { what: `deployment of ${version} to end`, timeoutMs: 90_000, intervalMs: 250 },
    );
  };

  beforeAll(async () => {
    rmSync(LOG_DIR, { recursive: true, force: true });
    infra = await startSecuredInfra({ logDir: LOG_DIR });
    stack = await startSecuredStack({
      infra,
      logDir: LOG_DIR,
      readyTimeoutMs: 60_000,
      env: {
        // Debug: request logs and more of what a service says are searched for secrets too.
        LOG_LEVEL: 'debug',
        GREENLIGHT_OPERATOR_TOKENS: `alice:${OPERATOR}`,
        GREENLIGHT_VIEWER_TOKENS: `victor:${VIEWER}`,
      },
    });
    operatorNats = await connect({
      servers: infra.nats.url,
      user: 'operator',
      pass: infra.passwords.operator,
    });
    for (const version of ['v1', 'v2']) {
      sims.push(await startSimulator({ model: SERVICE, version }));
    }
  });
  afterAll(async () => {
    await operatorNats?.close();
    await stack?.dispose();
    await Promise.all(sims.map((s) => s.stop()));
    await infra?.dispose();
  });

  it('runs deploys to Completed with every service connected as its own NATS user', async () => {
    const first = await deploy('v1', sims[0]!, { steps: [{ weight: 100 }], standby: '0s' });
    expect(first).toMatchObject({ phase: 'Completed' });

    // Blue v1 → canary → 100 % → drain → standby → Completed: every command and event type.
    const second = await deploy('v2', sims[1]!, {
      steps: [{ weight: 50, bake: '1s' }, { weight: 100 }],
      analysis: { interval: '1s', minSamples: 0 },
      standby: '1s',
    });
    expect(second).toMatchObject({ phase: 'Completed' });
    deployed = second.id;
    const routes = await api(`/v1/services/${SERVICE}/routes`);
    expect(routes.body).toMatchObject({ pools: { green: { release: 'v2', weight: 100 } } });

    // Any permission the generated config lacks would show up as a violation in some log.
    const logs = readdirSync(LOG_DIR).map((f) => readFileSync(join(LOG_DIR, f), 'utf8'));
    expect(logs.join('\n')).not.toMatch(/Permissions Violation/i);
  });

  it('answers every route of the OpenAPI document by role: 401 without a valid token, 403 for a viewer that changes things', async () => {
    const doc = await call(stack.urls.orchestrator, 'GET', '/docs/openapi.json');
    expect(doc.status).toBe(200);
    const paths = (doc.body as { paths: Record<string, Record<string, unknown>> }).paths;
    const routes = Object.entries(paths).flatMap(([template, ops]) =>
      METHODS.filter((m) => m in ops).map((method) => ({ method, template })),
    );
    // The routes the design fixes are there, so the matrix below cannot pass on an empty document.
    expect(routes.map((r) => `${r.method} ${r.template}`)).toEqual(
      expect.arrayContaining([
        'post /v1/deployments',
        'get /v1/deployments',
        'get /v1/deployments/{id}',
        'post /v1/deployments/{id}/rollback',
        'get /v1/events',
        'get /v1/services/{service}/routes',
      ]),
    );

    const seen: string[] = [];
    for (const { method, template } of routes) {
      const reads = READ_METHODS.includes(method);
      // Reads see a real deployment (2xx); changes aim at no deployment, so nothing changes.
      const path = template
        .replace('{id}', reads ? deployed : UNKNOWN_ID)
        .replace('{service}', SERVICE)
        .replace(/\{[^}]+\}/g, 'x');
      const at = (authorization?: string) =>
        call(stack.urls.orchestrator, method.toUpperCase(), path, authorization);
      const route = `${method.toUpperCase()} ${path}`;

      if (PUBLIC_PATHS.includes(template)) {
        for (const header of [undefined, `Bearer ${WRONG}`, 'Basic x']) {
          expect({ route, status: (await at(header)).status }).toEqual({ route, status: 200 });
        }
        continue;
      }
      const none = await at();
      const malformed = await at(`Token ${VIEWER}`);
      const wrong = await at(`Bearer ${WRONG}`);
      const viewer = await at(`Bearer ${VIEWER}`);
      const operator = await at(`Bearer ${OPERATOR}`);

      const outcome = {
        route,
        none: [none.status, none.challenge, none.body?.message],
        malformed: [malformed.status, malformed.body?.message],
        wrong: [wrong.status, wrong.body?.message],
        viewer: reads
          ? viewer.status >= 200 && viewer.status < 300
          : [viewer.status, viewer.body?.message],
        operator: reads
          ? operator.status >= 200 && operator.status < 300
          : ![401, 403].includes(operator.status),
      };
      expect(outcome).toEqual({
        route,
        none: [401, 'Bearer realm="greenlight"', expect.stringMatching(/^missing bearer token/)],
        malformed: [401, expect.stringMatching(/^malformed Authorization header/)],
        wrong: [401, 'unknown or revoked token'],
        viewer: reads ? true : [403, 'this action needs the operator role; the token has viewer'],
        operator: true,
      });
      seen.push(route);
    }
    expect(seen.length).toBeGreaterThanOrEqual(10);

    for (const path of PUBLIC_PATHS.filter((p) => !(p in paths))) {
      const response = await call(stack.urls.orchestrator, 'GET', path);
      // `/` is the dashboard: public, whether or not this build serves one yet.
      expect({ path, public: ![401, 403].includes(response.status) }).toEqual({
        path,
        public: true,
      });
    }
  });

  it('records operator actions with their actor, and never a refused one as taken', async () => {
    const before = await audit(deployed);

    // A viewer may not act: 403, and nothing lands in the log.
    const byViewer = await api(`/v1/deployments/${deployed}/rollback`, 'POST', VIEWER);
    expect(byViewer.status).toBe(403);
    const created = await api('/v1/deployments', 'POST', VIEWER);
    expect(created.status).toBe(403);

    // An operator's action on a Completed deployment that cannot apply: refused, recorded as such.
    const byAlice = await api(`/v1/deployments/${deployed}/pause`, 'POST');
    expect(byAlice.status).toBe(409);
    const cli = cliFor(stack.urls.orchestrator, OPERATOR)('resume', deployed);
    expect(cli.status).not.toBe(0);

    // Over NATS: a service user cannot send a control command at all; the operator user can.
    const gateway = await connect({
      servers: infra.nats.url,
      user: 'gateway',
      pass: infra.passwords.gateway,
      inboxPrefix: inboxPrefixFor('gateway'),
    });
    const control = (actor: string) =>
      JSONCodec().encode({ deploymentId: deployed, action: 'promote', actor, reason: 'e2e' });
    await expect(
      gateway.request(commandSubject('deployment.control', SERVICE), control('nats:gateway'), {
        timeout: 5_000,
      }),
    ).rejects.toThrow(/Permissions Violation for Publish/);
    await gateway.close();
    await operatorNats
      .jetstream()
      .publish(commandSubject('deployment.control', SERVICE), control('nats:release-bot'));

    const added = await waitFor(
      async () => {
        const log = (await audit(deployed)).slice(before.length);
        return log.some((e) => e.actor === 'nats:release-bot') ? log : undefined;
      },
      { what: 'the NATS control action in the audit log', timeoutMs: 20_000 },
    );
    expect(
      added.map((e) => [e.type, e.data.action ?? e.data.to, e.actor, e.data.accepted]),
    ).toEqual([
      ['deployment.control', 'pause', 'user:alice', false],
      ['deployment.control', 'resume', 'user:alice', false],
      ['deployment.control', 'promote', 'nats:release-bot', false],
    ]);
    const list = await api(`/v1/deployments?service=${SERVICE}`);
    expect((list.body as { items: unknown[] }).items).toHaveLength(2);
  });

  it('writes no token or password to any log, auth failures included', async () => {
    // Secrets offered in the wrong places: a query string, Basic auth, a near-miss token.
    await call(stack.urls.orchestrator, 'GET', `/v1/deployments?access_token=${OPERATOR}`);
    await call(stack.urls.orchestrator, 'GET', '/v1/events', `Basic ${OPERATOR}`);
    await call(stack.urls.orchestrator, 'POST', '/v1/deployments', `Bearer ${OPERATOR}x`);
    await call(stack.urls.orchestrator, 'GET', '/v1/deployments', `Bearer ${VIEWER} ${VIEWER}`);
    const badNats = await connect({
      servers: infra.nats.url,
      user: 'gateway',
      pass: infra.passwords.drainer,
    }).catch((error: Error) => error);
    expect(badNats instanceof Error ? badNats.message : 'connected').toMatch(
      /Authorization Violation/i,
    );
    await stack.dispose(); // flushes every service's log

    const logs = Object.fromEntries(
      readdirSync(LOG_DIR).map((f) => [f, readFileSync(join(LOG_DIR, f), 'utf8')]),
    );
    const secrets = {
      operatorToken: OPERATOR,
      viewerToken: VIEWER,
      redisPassword: infra.redisPassword,
      ...Object.fromEntries(Object.entries(infra.passwords).map(([u, p]) => [`nats:${u}`, p])),
    };
    const leaks = Object.entries(logs).flatMap(([file, text]) =>
      Object.entries(secrets)
        .filter(([, value]) => text.includes(value))
        .map(([name]) => `${name} in ${file}`),
    );
    expect(leaks).toEqual([]);
    // The search ran over real logs, with the refusals in them.
    expect(Object.keys(logs)).toEqual(expect.arrayContaining(['orchestrator.log', 'gateway.log']));
    expect(logs['orchestrator.log']).toMatch(/"statusCode":401/);
    expect(logs['orchestrator.log']).toContain('access_token=[redacted]');
  });
});

/**
 * The generated permissions on their own nats-server: each user's allowed publishes are stored,
 * its forbidden ones are refused by the server and reported by nats.js, and nothing refused lands.
 */
describe('NATS permissions of each user (generated config, its own nats-server)', () => {
  const ID = '01JAAAAAAAAAAAAAAAAAAAAAAA';
  let infra: SecuredInfra;
  // Services read replies under their own inbox prefix (as libs/bus connects); the operator
  // user is a stock client.
  const as = (user: NatsUser) =>
    connect({
      servers: infra.nats.url,
      user,
      pass: infra.passwords[user],
      ...(user === 'operator' ? {} : { inboxPrefix: inboxPrefixFor(user) }),
    });
  /** A subject that matches an allow-list pattern. */
  const concrete = (pattern: string) =>
    pattern.replace(/\.>$/, `.${SERVICE}.${ID}`).replace(/\*/g, SERVICE);
  const stored = async (nc: NatsConnection) => {
    const jsm = await nc.jetstreamManager();
    const counts = await Promise.all(
      [STREAMS.events, STREAMS.commands, `KV_${ROUTES_BUCKET}`].map(
        async (s) => (await jsm.streams.info(s)).state.messages,
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    infra = await startSecuredInfra({ logDir: join(LOG_DIR, 'nats-only') });
    // A service user may provision the streams and the routes bucket (each one does at start).
    const orchestrator = await as('orchestrator');
    await ensureStreams(await orchestrator.jetstreamManager());
    await orchestrator.close();
  });
  afterAll(() => infra?.dispose());

  it.each(NATS_USERS.map((user) => [user]))(
    '%s: its own events/commands are stored, everything else is a permissions violation',
    async (user) => {
      const nc = await as(user);
      const js = nc.jetstream();
      const { publish } = natsPermissions(user);
      try {
        const allowed = publish
          .filter((s) => /^greenlight\.(evt|cmd|deploy)\./.test(s))
          .map(concrete);
        for (const subject of allowed) {
          const ack = await js.publish(subject, JSONCodec().encode({ probe: user }));
          expect({ subject, stored: ack.seq > 0 }).toEqual({ subject, stored: true });
        }

        const forbidden = [
          ...EVENT_TYPES.map((type) => eventSubject(type, SERVICE, ID)),
          ...COMMAND_TYPES.map((type) => commandSubject(type, SERVICE)),
          SUBJECTS.deployRequested,
          `$KV.${ROUTES_BUCKET}.${SERVICE}`,
          `$JS.API.STREAM.DELETE.${STREAMS.events}`,
          `$JS.API.STREAM.PURGE.${STREAMS.commands}`,
          `$JS.API.STREAM.PURGE.KV_${ROUTES_BUCKET}`,
          // Taking another service's commands off its consumer.
          `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.commands}.traffic-shifter--greenlight_cmd_traffic_set_any`,
        ].filter((subject) => !allowed.includes(subject) && !permits(publish, subject));
        expect(forbidden.length).toBeGreaterThan(5);
        const orchestrator = await as('orchestrator');
        const before = await stored(orchestrator);
        for (const subject of forbidden) {
          const refused = await nc
            .request(subject, JSONCodec().encode({ probe: user }), { timeout: 5_000 })
            .then(
              () => 'answered',
              (error: Error) => error.message,
            );
          expect({ subject, refused }).toEqual({
            subject,
            refused: expect.stringContaining(`Permissions Violation for Publish to "${subject}"`),
          });
        }
        expect(await stored(orchestrator)).toBe(before);
        await orchestrator.close();
      } finally {
        await nc.close();
      }
    },
  );

  it('the gateway reads the routing tables but cannot write them; the traffic-shifter can', async () => {
    const shifter = await as('traffic-shifter');
    const gateway = await as('gateway');
    try {
      const table = JSONCodec().encode({ service: SERVICE, version: 1 });
      await (await shifter.jetstream().views.kv(ROUTES_BUCKET)).put(SERVICE, table);
      const kv = await gateway.jetstream().views.kv(ROUTES_BUCKET);

      expect((await kv.get(SERVICE))?.json()).toEqual({ service: SERVICE, version: 1 });
      await expect(kv.put(SERVICE, table)).rejects.toThrow(/Permissions Violation for Publish/);
      await expect(kv.delete(SERVICE)).rejects.toThrow(/Permissions Violation for Publish/);
      const sub = gateway.subscribe(SUBJECTS.commandsAll);
      await expect(
        (async () => {
          for await (const m of sub) void m;
        })(),
      ).rejects.toThrow(/Permissions Violation for Subscription/);
    } finally {
      await shifter.close();
      await gateway.close();
    }
  });

  it("a service cannot read another's replies: only its own inbox prefix", async () => {
    const gateway = await as('gateway');
    try {
      for (const inbox of ['_INBOX.>', `${inboxPrefixFor('traffic-shifter')}.>`]) {
        const sub = gateway.subscribe(inbox);
        await expect(
          (async () => {
            for await (const m of sub) void m;
          })(),
        ).rejects.toThrow(/Permissions Violation for Subscription/);
      }
    } finally {
      await gateway.close();
    }
  });
});

/** Whether a NATS allow-list entry matches a subject (`*` one token, `>` the rest). */
function permits(patterns: readonly string[], subject: string): boolean {
  const tokens = subject.split('.');
  return patterns.some((pattern) => {
    const parts = pattern.split('.');
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '>') return tokens.length > i;
      if (i >= tokens.length || (parts[i] !== '*' && parts[i] !== tokens[i])) return false;
    }
    return parts.length === tokens.length;
  });
}
