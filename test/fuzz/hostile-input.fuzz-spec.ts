import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { connect, JSONCodec, type JetStreamClient, type NatsConnection } from 'nats';
import { ulid } from 'ulid';
import {
  commandSubject,
  eventSubject,
  STREAMS,
  SUBJECTS,
  type EventTypeName,
} from '@greenlight/contracts';
import { deployRequest, seedLiveRelease } from '@greenlight/fixtures';
import {
  findRepoRoot,
  startStack,
  waitFor,
  type ServiceName,
  type Stack,
} from '@greenlight/testing';
import {
  bodyCases,
  digestCases,
  durationCases,
  FUZZ_SEED,
  missingFieldCases,
  nestingCases,
  pathCases,
  stepCases,
  stringCases,
  unknownFieldCases,
  wrongTypeCases,
  type DeployCase,
} from './deploy-mutations.util';
import {
  describeAnswer,
  eachLimited,
  hasMessage,
  httpClient,
  namesPath,
  Tally,
  type HttpAnswer,
  type IssueBody,
  type Verdict,
} from './fuzz-harness.util';

const SERVICES: ServiceName[] = ['orchestrator', 'traffic-shifter'];
/** Holds a paused canary: every hostile request names it, so one let through would get 409, not a deployment. */
const PAUSED = 'fz-paused';
const STANDBY = 'fz-standby';
const RACE = 'fz-race';
const ENDPOINT = 'http://127.0.0.1:9';
const LOG_DIR = join(findRepoRoot(), 'tmp', 'fuzz-logs');
const CONCURRENCY = 8;
const NATS_MAX_CASE_BYTES = 900 * 1024;
/** Injected events carry this, so the audit-log snapshot can leave the injected messages themselves out. */
const INJECTED = 'fuzz:';

const codec = JSONCodec<unknown>();
const text = new TextEncoder();

interface View {
  id: string;
  service: string;
  phase: string;
  paused: boolean;
  routingVersion: number | null;
  stepIndex: number | null;
  weights: { blue: number; green: number };
  request: { release: { version: string } };
}

describe('hostile input: malformed requests, commands and replayed events are refused and change nothing', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let http: ReturnType<typeof httpClient>;
  let operator: Record<string, string>;
  const tally = new Tally();
  let before: Record<string, string>;
  let pids: Record<string, number | undefined>;
  let paused: View;
  let standby: View;
  let completed: string[];

  const get = async (id: string) =>
    (await http.request('GET', `/v1/deployments/${id}`, operator)).json as View;

  /** Plays the pool host, the prober, the eval-runner and the drainer until `done` holds. */
  async function drive(id: string, service: string, done: (d: View) => boolean): Promise<View> {
    const sent = new Set<string>();
    const events: Record<string, [EventTypeName, unknown]> = {
      Provisioning: [
        'pool.provisioned',
        { release: 'v2', endpoints: [{ replica: 0, url: ENDPOINT }] },
      ],
      WarmingUp: ['pool.ready', { release: 'v2', endpoints: [{ replica: 0, url: ENDPOINT }] }],
      Verifying: [
        'eval.completed',
        { passed: true, scores: { green: 1, blue: 1 }, pValue: null, reasons: ['arranged'] },
      ],
      Draining: ['drain.completed', { release: 'v1', inFlight: 0, timedOut: false, elapsedMs: 1 }],
    };
    return waitFor(
      async () => {
        const d = await get(id);
        if (done(d)) return d;
        const next = events[d.phase];
        if (next && !sent.has(d.phase)) {
          sent.add(d.phase);
          await publishEvent(next[0], { id, service }, next[1], `arrange-${id}-${d.phase}`, null);
        }
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `deployment ${id} of ${service} arranged` },
    );
  }

  async function publishEvent(
    type: EventTypeName,
    target: { id: string; service: string },
    data: unknown,
    id: string,
    causationId: string | null,
    envelope: Record<string, unknown> = {},
  ) {
    return js.publish(
      eventSubject(type, target.service, target.id),
      codec.encode({
        id,
        type,
        deploymentId: target.id,
        service: target.service,
        seq: 0,
        at: new Date().toISOString(),
        actor: 'system:fuzz',
        causationId,
        data,
        ...envelope,
      }),
      { msgID: id },
    );
  }

  async function deploy(service: string, strategy: Record<string, unknown>): Promise<string> {
    const answer = await http.request(
      'POST',
      '/v1/deployments',
      { ...operator, 'content-type': 'application/json' },
      JSON.stringify(
        deployRequest(service, 'v2', {
          pool: { driver: 'static', endpoints: [ENDPOINT] },
          strategy: { readiness: { timeout: '30s', warmupRequests: 1 }, ...strategy },
          caches: { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } },
        }),
      ),
    );
    expect(answer.status).toBe(202);
    return (answer.json as { id: string }).id;
  }

  const injected = (e: unknown) => {
    const event = e as { id?: unknown; causationId?: unknown } | null;
    return (
      (typeof event?.causationId === 'string' && event.causationId.startsWith(INJECTED)) ||
      (typeof event?.id === 'string' && event.id.startsWith('fuzz-'))
    );
  };

  /** Everything a user can see: the list, each record and audit log, the whole log, the routes. */
  async function snapshot(): Promise<Record<string, string>> {
    const parts: Record<string, string> = {};
    const list = await http.request('GET', '/v1/deployments?limit=200', operator);
    parts['list'] = list.text;
    for (const { id } of (list.json as { items: { id: string }[] }).items) {
      parts[`deployment ${id}`] = (
        await http.request('GET', `/v1/deployments/${id}`, operator)
      ).text;
      const events = await http.request('GET', `/v1/deployments/${id}/events`, operator);
      const items = (events.json as { items?: unknown[] } | null)?.items;
      parts[`events ${id}`] = items
        ? JSON.stringify(items.filter((e) => !injected(e)))
        : describeAnswer(events);
    }
    const all: unknown[] = [];
    for (let cursor: number | null = 0, guard = 0; cursor !== null && guard < 50; guard++) {
      const page = await http.request('GET', `/v1/events?limit=1000&since=${cursor}`, operator);
      const body = page.json as { items?: unknown[]; cursor?: number | null } | null;
      if (!body?.items) {
        parts['audit log'] = describeAnswer(page);
        break;
      }
      all.push(...body.items);
      cursor = body.items.length ? (body.cursor ?? null) : null;
    }
    parts['audit log'] ??= JSON.stringify(
      all.filter((e) => !injected(e)).map((e) => ({ ...(e as object), streamSeq: undefined })),
    );
    for (const service of [PAUSED, STANDBY]) {
      const routes = await http.request('GET', `/v1/services/${service}/routes`, operator);
      parts[`routes ${service}`] = `${routes.status} ${routes.text}`;
    }
    return parts;
  }

  function changes(after: Record<string, string>): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((k) => before[k] !== after[k]);
  }

  /** Waits until the orchestrator's consumers have handled everything published to them. */
  async function drained(): Promise<void> {
    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () => {
        for (const stream of [STREAMS.events, STREAMS.commands]) {
          for await (const info of jsm.consumers.list(stream)) {
            if (!info.name.startsWith('orchestrator--')) continue;
            if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
          }
        }
        return true;
      },
      { timeoutMs: 150_000, intervalMs: 200, what: "the orchestrator's consumers to drain" },
    );
  }

  const orchestratorLog = () => readFileSync(join(LOG_DIR, 'orchestrator.log'), 'utf8');

  function judgeDeploy(c: DeployCase, answer: HttpAnswer | Error): Verdict {
    if (answer instanceof Error) return { kind: 'crash', detail: answer.message };
    if (answer.status >= 500) return { kind: 'crash', detail: describeAnswer(answer) };
    if (answer.status < 300 || answer.status === 409) {
      return { kind: 'accepted', detail: describeAnswer(answer) };
    }
    if (c.expectPath && answer.status === 400) {
      return namesPath((answer.json as IssueBody | null)?.issues, c.expectPath)
        ? { kind: 'rejected' }
        : {
            kind: 'unclear',
            detail: `expected an issue at ${c.expectPath}: ${describeAnswer(answer)}`,
          };
    }
    if (!c.expectPath && [400, 413, 415].includes(answer.status) && hasMessage(answer.json)) {
      return { kind: 'rejected' };
    }
    return { kind: 'unclear', detail: describeAnswer(answer) };
  }

  const allDeployCases = (): DeployCase[] => [
    ...wrongTypeCases(PAUSED),
    ...missingFieldCases(PAUSED),
    ...unknownFieldCases(PAUSED),
    ...stringCases(PAUSED),
    ...durationCases(PAUSED),
    ...stepCases(PAUSED, 400),
    ...digestCases(PAUSED),
    ...pathCases(PAUSED),
    ...nestingCases(PAUSED),
    ...bodyCases(PAUSED),
  ];

  const expectClean = (...categories: string[]) => {
    const examples = tally.problems.filter((p) => categories.some((c) => p.startsWith(`${c} `)));
    expect({ bad: categories.map((c) => tally.bad(c)), examples }).toEqual({
      bad: categories.map(() => 0),
      examples: [],
    });
    for (const c of categories) expect(tally.count(c)).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    stack = await startStack({
      services: SERVICES,
      logDir: LOG_DIR,
      // No gateway runs: the embedded data plane confirms at once instead of waiting for one.
      env: { CONFIRM_TIMEOUT_MS: '500' },
    });
    nc = await connect({ servers: stack.nats });
    js = nc.jetstream();
    http = httpClient(stack.urls.orchestrator, CONCURRENCY);
    operator = { authorization: `Bearer ${stack.operatorToken}` };

    // One deployment in Standby, one paused mid-canary, two Completed ones before them.
    completed = [
      (await seedLiveRelease(stack.redis, STANDBY, 'v1', [ENDPOINT])).id,
      (await seedLiveRelease(stack.redis, PAUSED, 'v1', [ENDPOINT])).id,
    ];
    const standbyId = await deploy(STANDBY, { steps: [{ weight: 100 }], standby: '1h' });
    standby = await drive(standbyId, STANDBY, (d) => d.phase === 'Standby');
    const pausedId = await deploy(PAUSED, {
      steps: [{ weight: 10, bake: '1h' }, { weight: 100 }],
    });
    await drive(pausedId, PAUSED, (d) => d.phase === 'Canary' && d.weights.green === 10);
    const pause = await http.request('POST', `/v1/deployments/${pausedId}/pause`, operator);
    expect(pause.status).toBe(202);
    paused = await waitFor(async () => ((d) => (d.paused ? d : undefined))(await get(pausedId)), {
      what: 'the canary paused',
    });
    await drained();

    before = await snapshot();
    // The baseline holds still by itself, so any difference later is the fuzz's doing.
    expect(changes(await snapshot())).toEqual([]);
    pids = Object.fromEntries(SERVICES.map((s) => [s, stack.processes[s]?.child.pid]));
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await nc?.close();
    await stack?.dispose();
  });

  it('REST: ~6,000 malformed deploy requests get 400/413/415 naming what is wrong', async () => {
    const cases = allDeployCases();
    await eachLimited(cases, CONCURRENCY, async (c) => {
      const headers = {
        ...operator,
        'content-type': c.contentType ?? 'application/json',
      };
      const answer = await http
        .request('POST', '/v1/deployments', headers, c.raw ?? JSON.stringify(c.body))
        .catch((error: unknown) => error as Error);
      tally.record(c.category, c.label, judgeDeploy(c, answer));
    });
    expectClean(...new Set(cases.map((c) => c.category)));
  });

  it('REST: bad tokens, bad ids and actions on control routes, bad query params on GET routes', async () => {
    const badIds = [
      ...fc.sample(fc.string({ minLength: 1, maxLength: 40 }), { numRuns: 60, seed: FUZZ_SEED }),
      paused.id.toLowerCase(),
      `${paused.id}0`,
      paused.id.slice(1),
      '../../v1/deployments',
      `${paused.id}/../${standby.id}`,
      'x'.repeat(10_000),
      '%00',
      '💥',
      ' ',
    ].filter((id) => !/^[0-9A-Z]{26}$/.test(id));
    const actions = ['promote', 'pause', 'resume', 'abort', 'rollback'];
    const cases: {
      category: string;
      label: string;
      method: 'GET' | 'POST';
      path: string;
      headers?: Record<string, string>;
      expect: number[];
    }[] = [];
    for (const id of badIds) {
      for (const action of actions) {
        cases.push({
          category: 'rest.control',
          label: `${action} ${id}`,
          method: 'POST',
          path: `/v1/deployments/${encodeURIComponent(id)}/${action}`,
          expect: [400, 404],
        });
      }
      cases.push({
        category: 'rest.queries',
        label: `GET ${id}`,
        method: 'GET',
        path: `/v1/deployments/${encodeURIComponent(id)}`,
        expect: [400, 404],
      });
      cases.push({
        category: 'rest.queries',
        label: `GET events of ${id}`,
        method: 'GET',
        path: `/v1/deployments/${encodeURIComponent(id)}/events`,
        expect: [400, 404],
      });
    }
    // Well-formed ids of deployments that do not exist.
    for (let i = 0; i < 40; i++) {
      const id = ulid();
      for (const action of actions) {
        cases.push({
          category: 'rest.control',
          label: `${action} of unknown ${id}`,
          method: 'POST',
          path: `/v1/deployments/${id}/${action}`,
          expect: [404],
        });
      }
    }
    // Actions that do not exist, on real deployments; and verbs that are not POST.
    for (const id of [paused.id, standby.id, ...completed]) {
      for (const action of [
        'destroy',
        'delete',
        'restart',
        'promote2',
        'promote.json',
        'promote;abort',
        '..',
        'events/x',
        'pause%00',
        '%70romote',
      ]) {
        cases.push({
          category: 'rest.control',
          label: `${action} on ${id}`,
          method: 'POST',
          path: `/v1/deployments/${id}/${action}`,
          expect: [404],
        });
      }
      for (const action of actions) {
        cases.push({
          category: 'rest.control',
          label: `GET ${action} on ${id}`,
          method: 'GET',
          path: `/v1/deployments/${id}/${action}`,
          expect: [404],
        });
        // A viewer, a stranger, nobody: none may steer a deployment.
        for (const [who, headers, status] of [
          ['viewer', { authorization: `Bearer ${stack.viewerToken}` }, 403],
          ['unknown token', { authorization: 'Bearer nope' }, 401],
          ['no token', {}, 401],
          ['malformed header', { authorization: `Basic ${stack.operatorToken}` }, 401],
        ] as const) {
          cases.push({
            category: 'rest.auth',
            label: `${action} on ${id} by ${who}`,
            method: 'POST',
            path: `/v1/deployments/${id}/${action}`,
            headers,
            expect: [status],
          });
        }
      }
    }
    for (const [who, headers, status] of [
      ['viewer', { authorization: `Bearer ${stack.viewerToken}` }, 403],
      ['unknown token', { authorization: `Bearer ${stack.operatorToken}x` }, 401],
      ['no token', {}, 401],
    ] as const) {
      cases.push({
        category: 'rest.auth',
        label: `deploy by ${who}`,
        method: 'POST',
        path: '/v1/deployments',
        headers: { ...headers, 'content-type': 'application/json' },
        expect: [status],
      });
    }
    // Query params of GET routes: values no documented form allows.
    const badTokens = fc.sample(
      fc
        .string({ minLength: 1, maxLength: 30 })
        .filter((s) => !/^[a-z0-9][a-z0-9-]{0,62}$/.test(s)),
      { numRuns: 60, seed: FUZZ_SEED },
    );
    const badNumbers = [
      '0',
      '-1',
      '1.5',
      'abc',
      '1e3',
      '1e309',
      'NaN',
      '',
      ' ',
      '201',
      '99999999999999999999',
      '0x10',
    ];
    const q = encodeURIComponent;
    for (const value of badTokens) {
      cases.push({
        category: 'rest.queries',
        label: `list service=${value}`,
        method: 'GET',
        path: `/v1/deployments?service=${q(value)}`,
        expect: [400],
      });
      cases.push({
        category: 'rest.queries',
        label: `events service=${value}`,
        method: 'GET',
        path: `/v1/events?service=${q(value)}`,
        expect: [400],
      });
      cases.push({
        category: 'rest.queries',
        label: `routes of ${value}`,
        method: 'GET',
        path: `/v1/services/${q(value)}/routes`,
        expect: [400, 404],
      });
      cases.push({
        category: 'rest.queries',
        label: `list before=${value}`,
        method: 'GET',
        path: `/v1/deployments?before=${q(value)}`,
        expect: [400],
      });
      cases.push({
        category: 'rest.queries',
        label: `events since=${value}`,
        method: 'GET',
        path: `/v1/events?since=${q(value)}`,
        expect: [400],
      });
    }
    for (const value of badNumbers) {
      cases.push({
        category: 'rest.queries',
        label: `list limit=${value}`,
        method: 'GET',
        path: `/v1/deployments?limit=${q(value)}`,
        expect: [400],
      });
      const events = value === '201' ? '1001' : value; // the audit log's pages go up to 1,000
      cases.push({
        category: 'rest.queries',
        label: `events limit=${events}`,
        method: 'GET',
        path: `/v1/events?limit=${q(events)}`,
        expect: [400],
      });
    }
    for (const path of [
      `/v1/deployments?limit=1&limit=2`,
      `/v1/deployments?service=${PAUSED}&service=${STANDBY}`,
      `/v1/deployments?before=${paused.id}&before=${standby.id}`,
      `/v1/events?since=1&since=2`,
      `/v1/events?service=${PAUSED}&service=x`,
      `/v1/events?since=2026-13-45T99:99:99Z`,
      `/v1/events?since=${'9'.repeat(400)}`,
      `/v1/events?since=-5`,
    ]) {
      cases.push({ category: 'rest.queries', label: path, method: 'GET', path, expect: [400] });
    }

    await eachLimited(cases, CONCURRENCY, async (c) => {
      const answer = await http
        .request(c.method, c.path, c.headers ?? operator)
        .catch((error: unknown) => error as Error);
      let verdict: Verdict;
      if (answer instanceof Error) verdict = { kind: 'crash', detail: answer.message };
      else if (answer.status >= 500) verdict = { kind: 'crash', detail: describeAnswer(answer) };
      else if (!c.expect.includes(answer.status)) {
        verdict = {
          kind: answer.status < 300 ? 'accepted' : 'unclear',
          detail: describeAnswer(answer),
        };
      } else {
        verdict = hasMessage(answer.json)
          ? { kind: 'rejected' }
          : { kind: 'unclear', detail: describeAnswer(answer) };
      }
      tally.record(c.category, c.label, verdict);
    });
    expectClean('rest.control', 'rest.auth', 'rest.queries');
  });

  it('NATS: malformed deploy requests are each answered by a deploy.rejected naming what is wrong', async () => {
    // NATS has no content type: the REST cases that only get the content type wrong do not apply.
    const all = allDeployCases().filter(
      (c) =>
        c.contentType === undefined &&
        (c.raw ?? JSON.stringify(c.body)).length < NATS_MAX_CASE_BYTES,
    );
    // Every third REST case, plus bytes that are not even text.
    const cases: DeployCase[] = [
      ...all.filter((_c, i) => i % 3 === 0),
      ...fc
        .sample(fc.uint8Array({ minLength: 1, maxLength: 64 }), { numRuns: 100, seed: FUZZ_SEED })
        .map((bytes) => ({
          category: 'nats.deploy',
          label: `bytes ${Buffer.from(bytes).toString('hex')}`,
          raw: Buffer.from(bytes).toString('latin1'),
        })),
    ].map((c) => ({ ...c, category: 'nats.deploy' }));
    const answers = new Map<string, { reason?: string; issues?: IssueBody['issues'] }>();
    const sub = nc.subscribe(SUBJECTS.deployRejected, {
      callback: (_error, msg) => {
        const data = (
          codec.decode(msg.data) as {
            data?: { requestId?: string; reason?: string; issues?: IssueBody['issues'] };
          }
        ).data;
        if (data?.requestId) answers.set(data.requestId, data);
      },
    });
    await eachLimited(cases, 16, async (c, i) => {
      const payload =
        c.raw !== undefined
          ? c.label.startsWith('bytes ')
            ? Buffer.from(c.raw, 'latin1')
            : text.encode(c.raw)
          : text.encode(JSON.stringify(c.body));
      await js.publish(SUBJECTS.deployRequested, payload, { msgID: `fuzz-nd-${i}` });
    });
    await waitFor(() => answers.size >= cases.length || undefined, {
      timeoutMs: 150_000,
      intervalMs: 200,
      what: `${cases.length} deploy.rejected answers (got ${answers.size})`,
    }).catch(() => undefined);
    sub.unsubscribe();
    cases.forEach((c, i) => {
      const id = `fuzz-nd-${i}`;
      const conflict = answers.get(`nats:msg:${id}`);
      const answer = answers.get(id);
      let verdict: Verdict;
      if (conflict)
        verdict = { kind: 'accepted', detail: `passed validation: ${conflict.reason ?? ''}` };
      else if (!answer) verdict = { kind: 'crash', detail: 'no deploy.rejected' };
      else if (!answer.reason)
        verdict = { kind: 'unclear', detail: 'a rejection without a reason' };
      else if (c.expectPath && !namesPath(answer.issues, c.expectPath)) {
        verdict = {
          kind: 'unclear',
          detail: `expected an issue at ${c.expectPath}: ${answer.reason.slice(0, 200)}`,
        };
      } else verdict = { kind: 'rejected' };
      tally.record('nats.deploy', c.label, verdict);
    });
    expectClean('nats.deploy');
  });

  it('NATS: malformed control commands are rejected, and actions on unknown deployments refused in the log', async () => {
    const actor = 'nats:fuzz';
    const invalid: { label: string; payload: unknown; expectPath?: string }[] = [];
    const ids = fc.sample(fc.string({ maxLength: 30 }), { numRuns: 60, seed: FUZZ_SEED });
    for (const id of [...ids, paused.id.toLowerCase(), `${paused.id}/`, '', null, 42]) {
      invalid.push({
        label: `deploymentId ${JSON.stringify(id)}`,
        payload: { deploymentId: id, action: 'abort', actor },
        expectPath: 'deploymentId',
      });
    }
    for (const action of ['destroy', 'PROMOTE', 'promote ', '', null, 5, ['pause'], { a: 1 }]) {
      for (const id of [paused.id, standby.id, ...completed]) {
        invalid.push({
          label: `action ${JSON.stringify(action)} on ${id}`,
          payload: { deploymentId: id, action, actor },
          expectPath: 'action',
        });
      }
    }
    for (const bad of ['', 'x'.repeat(201), 5, null, { name: 'x' }]) {
      for (const id of [paused.id, standby.id]) {
        invalid.push({
          label: `actor ${JSON.stringify(bad).slice(0, 30)} on ${id}`,
          payload: { deploymentId: id, action: 'abort', actor: bad },
          expectPath: 'actor',
        });
        invalid.push({
          label: `reason ${JSON.stringify(bad).slice(0, 30)} on ${id}`,
          payload: {
            deploymentId: id,
            action: 'abort',
            actor,
            reason: typeof bad === 'string' ? 'x'.repeat(2_001) : bad,
          },
          expectPath: 'reason',
        });
      }
    }
    for (const payload of [
      null,
      42,
      'abort',
      [],
      [{ deploymentId: paused.id, action: 'abort', actor }],
      {},
    ]) {
      invalid.push({ label: `payload ${JSON.stringify(payload)}`, payload });
    }
    const rejections = new Map<string, { reason?: string; issues?: IssueBody['issues'] }>();
    const sub = nc.subscribe(SUBJECTS.commandRejected, {
      callback: (_error, msg) => {
        const data = (
          codec.decode(msg.data) as {
            data?: { requestId?: string; reason?: string; issues?: IssueBody['issues'] };
          }
        ).data;
        if (data?.requestId) rejections.set(data.requestId, data);
      },
    });
    const subjects = [
      commandSubject('deployment.control', PAUSED),
      commandSubject('deployment.control', 'fz-ghost'),
    ];
    await eachLimited(invalid, 16, async (c, i) => {
      await js.publish(subjects[i % 2]!, codec.encode(c.payload), { msgID: `fuzz-nc-${i}` });
    });
    const garbage = ['{', 'not json', '\u0000\u0001', ''];
    await eachLimited(garbage, 4, async (g, i) => {
      await js.publish(subjects[0]!, text.encode(g), { msgID: `fuzz-ncg-${i}` });
    });
    // Well-formed actions on deployments that do not exist: refused, and the log says so.
    const ghosts = Array.from({ length: 40 }, () => ulid());
    const ghostActions = ghosts.flatMap((id) =>
      ['promote', 'pause', 'resume', 'abort', 'rollback'].map((action) => ({ id, action })),
    );
    await eachLimited(ghostActions, 16, async ({ id, action }, i) => {
      await js.publish(
        subjects[i % 2]!,
        codec.encode({ deploymentId: id, action, actor, reason: 'fuzz' }),
        { msgID: `fuzz-nca-${i}` },
      );
    });
    await drained();
    await waitFor(() => rejections.size >= invalid.length + garbage.length || undefined, {
      timeoutMs: 30_000,
      what: 'command.rejected answers',
    }).catch(() => undefined);
    sub.unsubscribe();
    invalid.forEach((c, i) => {
      const answer = rejections.get(`fuzz-nc-${i}`);
      let verdict: Verdict;
      if (!answer?.reason) verdict = { kind: 'unclear', detail: 'no command.rejected' };
      else if (c.expectPath && !namesPath(answer.issues, c.expectPath)) {
        verdict = {
          kind: 'unclear',
          detail: `expected an issue at ${c.expectPath}: ${answer.reason}`,
        };
      } else verdict = { kind: 'rejected' };
      tally.record('nats.control', c.label, verdict);
    });
    garbage.forEach((g, i) => {
      const answer = rejections.get(`fuzz-ncg-${i}`);
      tally.record(
        'nats.control',
        `garbage ${JSON.stringify(g)}`,
        answer?.reason ? { kind: 'rejected' } : { kind: 'unclear', detail: 'no command.rejected' },
      );
    });
    const log = orchestratorLog();
    for (const { id, action } of ghostActions) {
      const refused = log.includes(
        `${action} of ${id} by ${actor} refused: deployment ${id} not found`,
      );
      tally.record(
        'nats.control',
        `${action} of unknown ${id}`,
        refused ? { kind: 'rejected' } : { kind: 'unclear', detail: 'no refusal in the log' },
      );
    }
    expectClean('nats.control');
  });

  it('NATS: replayed, stale, duplicated and out-of-order events change nothing', async () => {
    const events: {
      label: string;
      type: EventTypeName;
      target: { id: string; service: string };
      data: unknown;
      envelope?: Record<string, unknown>;
      invalid?: boolean;
    }[] = [];
    const endpoints = [{ replica: 0, url: ENDPOINT }];
    const targets = [
      { name: 'paused canary', id: paused.id, service: PAUSED },
      { name: 'standby', id: standby.id, service: STANDBY },
      { name: 'completed', id: completed[0]!, service: STANDBY },
      { name: 'completed', id: completed[1]!, service: PAUSED },
      ...Array.from({ length: 6 }, () => ({ name: 'unknown', id: ulid(), service: PAUSED })),
    ];
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    for (const t of targets) {
      const live = t.id === paused.id ? paused : t.id === standby.id ? standby : null;
      const add = (
        label: string,
        type: EventTypeName,
        data: unknown,
        envelope?: Record<string, unknown>,
      ) =>
        events.push({
          label: `${t.name}: ${label}`,
          type,
          target: t,
          data,
          ...(envelope ? { envelope } : {}),
        });
      for (const release of ['v1', 'v2', 'v0']) {
        add(`pool.provisioned ${release}`, 'pool.provisioned', { release, endpoints });
        add(`pool.ready ${release}`, 'pool.ready', { release, endpoints });
        add(`cache.prewarmed`, 'cache.prewarmed', { prefixes: 3, replicas: 1, seconds: 1 });
      }
      // A crash report of a canary's green is real news (it rolls back): only reports naming
      // another release than green's reach the paused canary, and must change nothing.
      for (const release of ['v1', 'v0', 'v2-old', 'v2']) {
        if (t.id === paused.id && release === paused.request.release.version) continue;
        add(`pool.failed of ${release}`, 'pool.failed', {
          release,
          reason: 'exited',
          stage: 'crash',
          replica: 0,
        });
      }
      for (const passed of [true, false]) {
        add(`eval.completed passed=${passed}`, 'eval.completed', {
          passed,
          scores: { green: 1, blue: 1 },
          pValue: null,
          reasons: ['replayed'],
        });
      }
      for (const step of [1, 2, 7]) {
        for (const verdict of ['pass', 'fail', 'inconclusive']) {
          add(
            `analysis.completed step ${step} ${verdict}`,
            'analysis.completed',
            {
              step,
              verdict,
              metrics: {},
              samples: { green: 100, blue: 100 },
              elapsedMs: 1000,
              reasons: ['replayed'],
            },
            { at: at(30) },
          );
        }
      }
      if (t.id !== paused.id) {
        for (const verdict of ['pass', 'fail', 'inconclusive']) {
          add(`analysis.completed step 0 ${verdict}`, 'analysis.completed', {
            step: 0,
            verdict,
            metrics: {},
            samples: { green: 100, blue: 100 },
            elapsedMs: 1000,
            reasons: ['replayed'],
          });
        }
      }
      const version = live?.routingVersion ?? 3;
      const current = live?.weights ?? { blue: 0, green: 100 };
      for (const [label, v, weights] of [
        ['stale version', version - 1, { blue: 0, green: 100 }],
        ['ancient version', 0, { blue: 100, green: 0 }],
        ['future version', version + 1, { blue: 50, green: 50 }],
        ['far future version', version + 1000, { blue: 0, green: 100 }],
        ['its version again (duplicate)', version, current],
        ['its version with weights it never asked for', version, { blue: 37, green: 63 }],
      ] as const) {
        add(`traffic.shifted ${label}`, 'traffic.shifted', {
          weights,
          version: Math.max(0, v),
          requestedAt: at(60),
          appliedAt: at(59),
        });
      }
      for (const inFlight of [0, 5]) {
        add(`drain.completed inFlight=${inFlight}`, 'drain.completed', {
          release: 'v1',
          inFlight,
          timedOut: inFlight > 0,
          elapsedMs: 10,
        });
      }
      add('cache.plan', 'cache.plan', { forged: true });
      add('command.rejected traffic.set stale', 'command.rejected', {
        command: 'traffic.set',
        reason: 'replayed',
        issues: [],
        appliedVersion: Math.max(0, version - 1),
      });
      add('command.rejected traffic.set, no version', 'command.rejected', {
        command: 'traffic.set',
        reason: 'replayed',
        issues: [],
      });
      add('command.rejected of another command', 'command.rejected', {
        command: 'pool.stop',
        reason: 'replayed',
        issues: [],
        appliedVersion: version + 5,
      });
      // Envelopes that are not what they claim: wrong types, a type unlike the subject, bad ids.
      for (const [label, envelope] of [
        ['seq -1', { seq: -1 }],
        ['seq "1"', { seq: '1' }],
        ['at not a time', { at: 'yesterday' }],
        ['no actor', { actor: undefined }],
        ['deploymentId lowercase', { deploymentId: t.id.toLowerCase() }],
        ['service with a dot', { service: 'a.b' }],
        ['type of another event', { type: 'pool.ready' }],
        ['data null', { data: null }],
        ['data a list', { data: [] }],
      ] as const) {
        events.push({
          label: `${t.name}: drain.completed, ${label}`,
          type: 'drain.completed',
          target: t,
          data: { release: 'v1', inFlight: 0, timedOut: false, elapsedMs: 1 },
          envelope,
          invalid: true,
        });
        events.push({
          label: `${t.name}: traffic.shifted, ${label}`,
          type: 'traffic.shifted',
          target: t,
          data: {
            weights: { blue: 100, green: 0 },
            version: 1,
            requestedAt: at(1),
            appliedAt: at(1),
          },
          envelope,
          invalid: true,
        });
      }
    }
    // Duplicated ids: a copy of one of the deployment's own events, and the same forged one many times.
    const published: { label: string; invalid: boolean; seq: number; subject: string }[] = [];
    let n = 0;
    for (const e of events) {
      for (const copy of [0, 1]) {
        const id = copy === 0 ? `fuzz-ev-${n}` : `${e.target.id}-2`;
        const msgID = `fuzz-evm-${n}-${copy}`;
        const subject = eventSubject(e.type, e.target.service, e.target.id);
        const body: Record<string, unknown> = {
          id,
          type: e.type,
          deploymentId: e.target.id,
          service: e.target.service,
          seq: 0,
          at: new Date().toISOString(),
          actor: 'system:fuzz',
          causationId: `${INJECTED}${n}`,
          data: e.data,
          ...e.envelope,
        };
        const ack = await js.publish(subject, codec.encode(body), { msgID });
        published.push({
          label: `${e.label}${copy ? ' (id of a real event)' : ''}`,
          invalid: e.invalid ?? false,
          seq: ack.seq,
          subject,
        });
      }
      n++;
    }
    // Bare JSON that is not an event at all.
    for (const [i, payload] of [
      42,
      'x',
      null,
      [],
      {},
      { causationId: `${INJECTED}bare` },
    ].entries()) {
      const subject = eventSubject('pool.ready', PAUSED, paused.id);
      const ack = await js.publish(subject, codec.encode(payload), { msgID: `fuzz-bare-${i}` });
      published.push({
        label: `bare ${JSON.stringify(payload)}`,
        invalid: true,
        seq: ack.seq,
        subject,
      });
    }
    await drained();
    const log = orchestratorLog();
    for (const p of published) {
      const refused = log.includes(`rejected ${p.subject} #${p.seq}:`);
      tally.record(
        'nats.events',
        p.label,
        p.invalid
          ? refused
            ? { kind: 'rejected' }
            : { kind: 'unclear', detail: 'an invalid event without a refusal in the log' }
          : { kind: 'absorbed' },
      );
    }
    expectClean('nats.events');
  });

  it(`prints the counts: at least 10,000 cases, every one refused clearly, 0 crashes, 0 state changes`, async () => {
    const after = await snapshot();
    const changed = changes(after);
    const detail = changed.map(
      (k) => `${k}\n  before: ${before[k]?.slice(0, 800)}\n  after:  ${after[k]?.slice(0, 800)}`,
    );
    const alive = await Promise.all(
      SERVICES.map(async (s) => {
        const health = await fetch(`${stack.urls[s]}/healthz`)
          .then((r) => r.status)
          .catch(() => 0);
        const proc = stack.processes[s];
        return {
          s,
          health,
          samePid: proc?.child.pid === pids[s],
          running: proc?.child.exitCode === null,
        };
      }),
    );
    const lines = tally.lines(changed.length);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (tally.problems.length) process.stdout.write(`problems:\n${tally.problems.join('\n')}\n`);

    expect(detail).toEqual([]);
    expect(alive).toEqual(SERVICES.map((s) => ({ s, health: 200, samePid: true, running: true })));
    expect(tally.total()).toBeGreaterThanOrEqual(10_000);
    expect(tally.total('rejected') + tally.total('absorbed')).toBe(tally.total());
    expect(tally.total('crash')).toBe(0);
    expect(lines[0]).toMatch(
      /^fuzz: \d+ cases, \d+ rejected with a clear error .*, 0 crashes, 0 state changes$/,
    );
  });

  it('concurrent deploys of one service: exactly one of 24 REST and 8 NATS requests wins, the rest name it', async () => {
    const body = JSON.stringify(
      deployRequest(RACE, 'v2', {
        pool: { driver: 'static', endpoints: [ENDPOINT] },
        caches: { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } },
      }),
    );
    const natsAnswers = new Map<string, string>();
    const sub = nc.subscribe(SUBJECTS.deployRejected, {
      callback: (_error, msg) => {
        const data = (codec.decode(msg.data) as { data?: { requestId?: string; reason?: string } })
          .data;
        if (data?.requestId?.startsWith('nats:msg:fuzz-race-'))
          natsAnswers.set(data.requestId, data.reason ?? '');
      },
    });
    const [rest] = await Promise.all([
      Promise.all(
        Array.from({ length: 24 }, () =>
          http.request(
            'POST',
            '/v1/deployments',
            { ...operator, 'content-type': 'application/json' },
            body,
          ),
        ),
      ),
      Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          js.publish(SUBJECTS.deployRequested, text.encode(body), { msgID: `fuzz-race-${i}` }),
        ),
      ),
    ]);
    await drained();
    const list = (await http.request('GET', `/v1/deployments?service=${RACE}`, operator)).json as {
      items: { id: string }[];
    };
    sub.unsubscribe();

    expect(list.items).toHaveLength(1);
    const winner = list.items[0]!.id;
    const won = rest.filter((a) => a.status === 202);
    const lost = rest.filter((a) => a.status === 409);
    expect(won.length + lost.length).toBe(24);
    expect(won.length + 8 - natsAnswers.size).toBe(1);
    for (const a of won) expect(a.json).toMatchObject({ id: winner });
    for (const a of lost) {
      expect(a.json).toMatchObject({ holder: winner, message: expect.stringContaining(winner) });
    }
    for (const reason of natsAnswers.values()) expect(reason).toContain(winner);
  });
});
