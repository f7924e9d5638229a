import { join } from 'node:path';
import {
  deployRequest,
  ENDED_PHASES,
  FAST_CACHES,
  fastSimCommand,
  fastStrategy,
  failuresOf,
  startTraffic,
  type TrafficOutcome,
} from '@greenlight/fixtures';
import {
  startGatewayBalancer,
  startInfra,
  startStack,
  waitFor,
  type GatewayBalancer,
  type Infra,
  type ServiceName,
  type Stack,
} from '@greenlight/testing';
import { apiClient } from '../support/api.util';
import {
  auditProblems,
  briefly,
  CHAOS_PHASES,
  CHAOS_ROWS,
  killStrays,
  phaseAt,
  phasesOf,
  renderMatrix,
  type AuditEvent,
  type ChaosCase,
  type ChaosPhase,
  type ChaosRow,
} from './chaos-matrix.util';

/**
 * kill -9 of each greenlight service (and of nats-server and redis-server) in each phase where it
 * has work, on real processes: every service its own process, process-driver pools of the
 * simulator, two gateways behind HAProxy, steady client traffic (30 % long streams) through it.
 * One deployment per row, the row's component killed once in each of its phases and started
 * again; the deployment must end as it would have without the kills, with an audit log that has
 * no gap, no duplicate and no repeated transition, and clients must not notice.
 *
 * CHAOS_FULL=1 kills every service in every phase, not only where it has work.
 */
const FULL = process.env['CHAOS_FULL'] === '1';
// A row's test waits for its lane to get there; the lanes of the full matrix are long.
jest.setTimeout(FULL ? 900_000 : 240_000);
/**
 * Two lanes run side by side, each a model service of its own with its rows one after another:
 * a kill in one lane also hits the other lane's deployment wherever it is, which must end right
 * too. The 2-orchestrators row runs alone at the end. The full matrix runs its rows one at a
 * time: seven kills of one service in a row would otherwise starve the other lane's canary of
 * analysis (a restarted prober judges from a fresh window), which rolls back, by design.
 */
const TWO_LANES: readonly { service: string; rows: readonly ChaosRow[] }[] = [
  { service: 'chaos-a', rows: ['orchestrator', 'eval-runner', 'cache-manager', 'nats'] },
  {
    service: 'chaos-b',
    rows: ['health-prober', 'traffic-shifter', 'drainer', 'gateway', 'redis'],
  },
];
const LANES = FULL ? [{ service: 'chaos-a', rows: TWO_LANES.flatMap((l) => l.rows) }] : TWO_LANES;
const SIDE_SERVICE = 'chaos-side';
const LOG_DIR = 'tmp/chaos-logs/service-kills';
const SIM = fastSimCommand();
/** As pipeline.e2e-spec.ts: short bakes the analysis can still pass on a real sample. */
const STRATEGY = fastStrategy({
  steps: [{ weight: 40, bake: '3s' }, { weight: 70, bake: '3s' }, { weight: 100 }],
  // Extensions absorb prober restarts (the other lane's too): a killed prober's analyses resume
  // only once their commands are redelivered (ack wait 10 s), judging from a fresh window.
  analysis: { maxBakeExtensions: 20, minSamples: 10 },
  standby: '4s',
});
const CACHES = FAST_CACHES;
/** What a good release goes through when nothing is killed (pipeline.e2e-spec.ts). */
const GOOD_RELEASE = [
  'Requested',
  'Provisioning',
  'WarmingUp',
  'Verifying',
  'Canary',
  'Ramping',
  'Ramping',
  'Promoted',
  'Draining',
  'Standby',
  'Completed',
];
/** A release that goes bad under users' traffic: rolled back from its canary. */
const BAD_RELEASE = [
  'Requested',
  'Provisioning',
  'WarmingUp',
  'Verifying',
  'Canary',
  'RollingBack',
  'RolledBack',
];
/** A canary bake long enough to go bad after its first passing verdict. */
const BAD_RELEASE_STRATEGY = {
  ...STRATEGY,
  steps: [{ weight: 40, bake: '10s' }, { weight: 70, bake: '3s' }, { weight: 100 }],
};
/** Switched on in green's replicas once the canary has started: 40 % of its answers fail. */
const CANARY_FAULTS = { errorRate: 0.4 };
/** A service's first release: no blue, so 100 % once verified. */
const FIRST_RELEASE = [
  'Requested',
  'Provisioning',
  'WarmingUp',
  'Verifying',
  'Promoted',
  'Completed',
];

/** Where each service has work during a deployment (the orchestrator: everywhere). */
const WORK: Record<ServiceName, readonly ChaosPhase[]> = {
  orchestrator: CHAOS_PHASES,
  // readiness probes; canary analysis of each step
  'health-prober': ['WarmingUp', 'Canary', 'Ramping'],
  'eval-runner': ['Verifying'],
  // each step's routing change
  'traffic-shifter': ['Canary', 'Ramping'],
  // cache plan and prefix pre-warm
  'cache-manager': ['WarmingUp'],
  // the pool host starts green, drains blue, decommissions it after the standby
  drainer: ['Provisioning', 'Draining', 'Standby'],
  // serves both pools while the split moves and while blue drains
  gateway: ['Canary', 'Ramping', 'Draining'],
};

interface DeploymentView {
  id: string;
  phase: string;
  seq: number;
  reason: string | null;
  request: { release: { version: string } };
  green: { endpoints: { url: string }[] } | null;
}

interface Kill {
  phase: ChaosPhase;
  at: number;
}

/** A request that failed because it was in flight on a gateway replica when it was killed. */
const IN_FLIGHT_WINDOW_MS = 30_000;

describe('chaos: kill -9 of each component mid-phase; every deployment still ends right', () => {
  let infra: Infra;
  let stack: Stack;
  let balancer: GatewayBalancer;
  let api: ReturnType<typeof apiClient>;
  const cases: ChaosCase[] = [];
  /** Every gateway kill, whichever lane did it: the other lane's clients were on it too. */
  const gatewayKills: number[] = [];
  const inFlight: TrafficOutcome[] = [];
  const rows = new Map<ChaosRow, Promise<void>>();
  let badRelease: Promise<string[]> = Promise.resolve([]);
  let version = 1;

  /**
   * Requests a release; retried with the same Idempotency-Key while the orchestrator is down (the
   * other lane may have just killed it), so a request that did land is not made twice.
   */
  const deploy = async (service: string, client = api, strategy: object = STRATEGY) => {
    const release = `v${version++}`;
    const body = deployRequest(service, release, {
      pool: { driver: 'process', replicas: 1, command: SIM },
      strategy,
      caches: CACHES,
    });
    const created = await waitFor(
      () =>
        client.post<{ id: string }>('/v1/deployments', body, {
          'idempotency-key': `${service}-${release}`,
        }),
      {
        what: `the orchestrator to take the deploy of ${service}`,
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    if (created.status !== 202) {
      throw new Error(
        `deploy of ${service} answered ${created.status}: ${JSON.stringify(created.body)}`,
      );
    }
    return created.body.id;
  };
  /** The stored deployment, or undefined while the orchestrator (or Redis) is down. */
  const view = async (id: string) => {
    try {
      const response = await api.get<DeploymentView>(`/v1/deployments/${id}`);
      return response.status === 200 ? response.body : undefined;
    } catch {
      return undefined;
    }
  };
  const ended = (id: string, timeoutMs = 180_000) =>
    waitFor(
      async () => {
        const d = await view(id);
        return d && ENDED_PHASES.includes(d.phase) ? d : undefined;
      },
      { what: `deployment ${id} to end`, timeoutMs, intervalMs: 250 },
    );
  /**
   * True as soon as the deployment is in `phase` (polled fast: a kill must land inside it); false
   * if it is already past it.
   */
  const reached = (id: string, phase: ChaosPhase) =>
    waitFor(
      async () => {
        const d = await view(id);
        if (!d) return undefined;
        if (d.phase === phase) return { inPhase: true };
        if (GOOD_RELEASE.indexOf(d.phase) > GOOD_RELEASE.indexOf(phase)) return { inPhase: false };
        if (ENDED_PHASES.includes(d.phase)) {
          throw new Error(`ended ${d.phase} (${d.reason ?? ''}) before ${phase}`);
        }
        return undefined;
      },
      { what: `${phase}`, timeoutMs: 150_000, intervalMs: 20 },
    ).then((r) => r.inPhase);
  const auditOf = async (id: string) =>
    waitFor(
      async () => {
        const response = await api.get<{ items: AuditEvent[] }>(`/v1/deployments/${id}/events`);
        return response.status === 200 ? response.body.items : undefined;
      },
      { what: `the audit log of ${id}`, timeoutMs: 20_000, intervalMs: 250 },
    );
  /** The audit log once it holds the terminal event (the outbox may publish it a moment later). */
  const settledAudit = async (id: string, storedSeq: number) =>
    waitFor(
      async () => {
        const events = await auditOf(id);
        return events.filter((e) => e.type.startsWith('deployment.')).length >= storedSeq
          ? events
          : undefined;
      },
      { what: `every event of ${id} in the audit log`, timeoutMs: 20_000, intervalMs: 250 },
    ).catch(() => auditOf(id));

  /**
   * Failed client requests, less those in flight on a gateway replica when it was killed (started
   * shortly before a kill): HAProxy cannot move a response already under way. Those are counted.
   */
  const trafficProblems = (outcomes: readonly TrafficOutcome[]): string[] => {
    const problems: string[] = [];
    for (const failure of failuresOf(outcomes)) {
      const cut = gatewayKills.some(
        (at) => failure.startedAt <= at && failure.startedAt > at - IN_FLIGHT_WINDOW_MS,
      );
      if (cut) inFlight.push(failure);
      else problems.push(`client saw ${describeFailure(failure)}`);
    }
    if (outcomes.length < 20) problems.push(`only ${outcomes.length} client requests were served`);
    return problems;
  };

  /**
   * One row: a good release of `service` under traffic, `kill` run as soon as the deployment
   * enters each of `phases`. Records one case per phase; never throws.
   */
  const runRow = async (
    row: ChaosRow,
    service: string,
    phases: readonly ChaosPhase[],
    kill: (phase: ChaosPhase, index: number) => Promise<void>,
    side?: () => Promise<string[]>,
  ): Promise<void> => {
    // Long streams keep blue busy when it starts draining, so Draining lasts long enough to hit.
    const traffic = startTraffic({
      origin: balancer.url,
      model: service,
      clients: 4,
      streamTokens: 300,
    });
    const kills: Kill[] = [];
    const problems: string[] = [];
    let events: AuditEvent[] = [];
    try {
      const sideProblems = side?.();
      const id = await deploy(service);
      // Nothing to kill (two orchestrators share the work): each phase it went through is a case.
      const observeOnly = row === '2-orchestrators';
      for (const [index, phase] of (observeOnly ? [] : phases).entries()) {
        if (!(await reached(id, phase))) continue;
        kills.push({ phase, at: Date.now() });
        await kill(phase, index);
      }
      const done = await ended(id);
      if (done.phase !== 'Completed') problems.push(`ended ${done.phase}: ${done.reason ?? ''}`);
      events = await settledAudit(id, done.seq);
      if (observeOnly) {
        const seen = phasesOf(events);
        for (const phase of phases.filter((p) => seen.includes(p))) {
          const entered = events.find((e) => e.data['to'] === phase);
          kills.push({ phase, at: Date.parse(entered?.at ?? '') });
        }
      }
      problems.push(...auditProblems(events, done.seq, GOOD_RELEASE));
      if (sideProblems) problems.push(...(await sideProblems));
    } catch (error) {
      problems.push((error as Error).message);
    }
    problems.push(...trafficProblems(await traffic.stop()));
    // A phase passed while the previous kill's restart ran, or one that ended before its kill
    // landed (Provisioning, a Draining with nothing in flight: shorter than a poll), is not a
    // case of that phase: it shows as – and the count check allows a couple. The kill still
    // happened, so the row's problems still count.
    let counted = 0;
    for (const done of kills) {
      const landed = phaseAt(events, done.at);
      if (landed !== done.phase && problems.length === 0) continue;
      const missed = landed !== done.phase ? [`the kill landed in ${landed ?? 'no phase'}`] : [];
      const all = [...problems, ...missed];
      cases.push({ row, phase: done.phase, correct: all.length === 0, problems: all });
      counted += 1;
    }
    if (counted === 0) {
      const all = [...problems, 'no kill landed in a planned phase'];
      cases.push({ row, phase: phases[0]!, correct: false, problems: all });
    }
  };

  /**
   * A release that passes verification and goes bad in its canary, right after the prober's first
   * passing verdict; the health-prober and the orchestrator are then killed while the canary
   * bakes. The bake must not end on that verdict from before the faults: the release must still
   * roll back, once, and only green's answers may fail. Returns what went wrong.
   */
  const runBadRelease = async (service: string): Promise<string[]> => {
    const traffic = startTraffic({ origin: balancer.url, model: service, clients: 4 });
    const problems: string[] = [];
    let release = '';
    try {
      const id = await deploy(service, api, BAD_RELEASE_STRATEGY);
      if (!(await reached(id, 'Canary'))) throw new Error('the canary passed before its faults');
      await waitFor(
        async () =>
          (await auditOf(id)).some(
            (e) => e.type === 'analysis.completed' && e.data['verdict'] === 'pass',
          ),
        { what: 'a passing verdict on the canary', timeoutMs: 30_000, intervalMs: 100 },
      );
      const canary = await waitFor(() => view(id), { what: `deployment ${id}` });
      release = canary.request.release.version;
      for (const { url } of canary.green?.endpoints ?? []) {
        const response = await fetch(`${url}/admin/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(CANARY_FAULTS),
        });
        if (response.status !== 200) problems.push(`faults not set on ${url}: ${response.status}`);
      }
      for (const name of ['health-prober', 'orchestrator'] as const) {
        await stack.kill(name);
        await stack.start(name);
      }
      const done = await ended(id);
      if (done.phase !== 'RolledBack') problems.push(`ended ${done.phase}: ${done.reason ?? ''}`);
      const audit = await settledAudit(id, done.seq);
      // The faults land just after a passing look: if the canary's bake ended on that fresh look,
      // the first ramp step catches them instead. Either way one rollback, nothing repeated.
      const caughtInRamp = phasesOf(audit).includes('Ramping');
      const expected = caughtInRamp
        ? [...BAD_RELEASE.slice(0, 5), 'Ramping', ...BAD_RELEASE.slice(5)]
        : BAD_RELEASE;
      problems.push(...auditProblems(audit, done.seq, expected));
    } catch (error) {
      problems.push((error as Error).message);
    }
    const outcomes = await traffic.stop();
    // Green's own errors are the regression the canary caught; nothing else may fail.
    problems.push(...trafficProblems(outcomes.filter((o) => o.version !== release)));
    return problems;
  };

  const phasesFor = (service: ServiceName) => (FULL ? CHAOS_PHASES : WORK[service]);

  /** How each row's component is killed and brought back. */
  const killer = (row: ChaosRow): ((phase: ChaosPhase, index: number) => Promise<void>) => {
    switch (row) {
      case 'nats':
        return async () => {
          await infra.nats.kill();
          await infra.nats.restart();
        };
      case 'redis':
        return async () => {
          await infra.redis.kill();
          await infra.redis.restart();
        };
      case 'gateway':
        return async (_phase, index) => {
          const replica = index % 2;
          gatewayKills.push(Date.now());
          await stack.kill('gateway', replica);
          await stack.start('gateway', replica);
          // Back in rotation before the next kill, so a kill never leaves no gateway at all.
          await waitFor(async () => (await balancer.servers()).every((s) => s.opState === 2), {
            what: 'both gateways in rotation',
            timeoutMs: 15_000,
          });
        };
      case '2-orchestrators':
        return () => Promise.resolve();
      default:
        return async () => {
          await stack.kill(row);
          await stack.start(row);
        };
    }
  };
  const killedPhases = (row: ChaosRow): readonly ChaosPhase[] =>
    row === 'nats'
      ? ['Canary']
      : row === 'redis'
        ? ['Ramping']
        : row === '2-orchestrators'
          ? CHAOS_PHASES
          : phasesFor(row);

  /** Each row's cases, as a test failure reads best: phase and its first problems. */
  const wrongIn = async (row: ChaosRow): Promise<string[]> => {
    await rows.get(row);
    return cases
      .filter((c) => c.row === row && !c.correct)
      .map((c) => `${c.phase}: ${briefly(c.problems)}`);
  };

  beforeAll(async () => {
    infra = await startInfra({ logDir: LOG_DIR });
    stack = await startStack({
      infra,
      replicas: { gateway: 2, orchestrator: 2 },
      logDir: LOG_DIR,
      readyTimeoutMs: 60_000,
    });
    // One orchestrator drives the kill rows; the second one joins in the 2-orchestrators row.
    await stack.stop('orchestrator', 1);
    balancer = await startGatewayBalancer({
      ports: stack.replicaPorts.gateway,
      logFile: join(LOG_DIR, 'balancer.log'),
    });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    // Each lane's first release: after it, every row's release has a blue to canary against.
    await Promise.all(
      LANES.map(async ({ service }) => {
        const first = await ended(await deploy(service));
        expect(first.phase).toBe('Completed');
        expect(phasesOf(await auditOf(first.id))).toEqual(FIRST_RELEASE);
      }),
    );
    for (const lane of LANES) {
      let previous = Promise.resolve();
      for (const row of lane.rows) {
        previous = previous.then(() => runRow(row, lane.service, killedPhases(row), killer(row)));
        rows.set(row, previous);
      }
      // The first lane ends with the bad release (it is the shorter one).
      if (lane === LANES[0]) badRelease = previous.then(() => runBadRelease(lane.service));
    }
  });
  afterAll(async () => {
    await Promise.allSettled([...rows.values(), badRelease]);
    process.stdout.write(`\n${renderMatrix(cases)}\n`);
    if (inFlight.length > 0) {
      process.stdout.write(
        `gateway kills: ${inFlight.length} request(s) in flight on a killed replica failed (excepted)\n`,
      );
    }
    await balancer?.dispose();
    await stack?.dispose();
    const strays = stack ? killStrays(stack.dataDir) : 0;
    if (strays > 0) {
      process.stdout.write(
        `stray replicas: ${strays} left running by a pool driver killed mid-start, stopped by the suite\n`,
      );
    }
    await infra?.dispose();
  });

  for (const row of LANES.flatMap((lane) => lane.rows)) {
    const what =
      row === 'nats' || row === 'redis'
        ? `${row}-server killed and restarted (same port, same data) in ${killedPhases(row).join(', ')}`
        : row === 'gateway'
          ? `a gateway replica (of two behind HAProxy) killed in ${killedPhases(row).join(', ')}`
          : `${row} killed in ${killedPhases(row).join(', ')}`;
    it(`${what}: Completed, clean audit log, no failed request`, async () => {
      expect(await wrongIn(row)).toEqual([]);
    });
  }

  /**
   * Requests in flight on a killed gateway replica may fail (a response under way cannot move to
   * another replica); requests that start after a kill never do (checked per row above).
   */
  it('gateway kills cut at most the requests in flight on the killed replica', async () => {
    await Promise.allSettled(rows.values());

    // 4 clients per lane, two lanes, one replica of two per kill.
    expect(inFlight.length).toBeLessThanOrEqual(8 * gatewayKills.length);
  });

  it('a bad release with the orchestrator and the health-prober killed mid-canary: RolledBack, once', async () => {
    expect(await badRelease).toEqual([]);
  });

  it('two orchestrators at once: each deployment is driven once, no transition twice, both end right', async () => {
    await Promise.allSettled([...rows.values(), badRelease]);
    await stack.start('orchestrator', 1);
    const second = apiClient(stack.replicaUrls.orchestrator[1]!, stack.operatorToken);
    // A second service's first release, requested through the other replica, side by side.
    const side = async (): Promise<string[]> => {
      const done = await ended(await deploy(SIDE_SERVICE, second));
      const audit = await settledAudit(done.id, done.seq);
      return [
        ...(done.phase === 'Completed' ? [] : [`ended ${done.phase}`]),
        ...auditProblems(audit, done.seq, FIRST_RELEASE),
      ].map((p) => `${SIDE_SERVICE}: ${p}`);
    };
    const row = '2-orchestrators';
    rows.set(row, runRow(row, LANES[0]!.service, killedPhases(row), killer(row), side));

    expect(await wrongIn(row)).toEqual([]);
  });

  it('prints the matrix: every case run is correct', () => {
    const matrix = renderMatrix(cases);

    expect(matrix).toContain(`chaos: ${cases.length} cases run, ${cases.length} correct`);
    // Every planned kill landed (CHAOS_FULL: a phase may pass while the previous restart runs).
    // A phase shorter than a restart or a poll (Draining, when blue has little in flight) can
    // be missed: it shows as – and must stay rare; every row must have run.
    const planned = CHAOS_ROWS.reduce((n, row) => n + killedPhases(row).length, 0);
    expect(cases.length).toBeGreaterThanOrEqual(FULL ? planned / 2 : planned - 2);
    expect(CHAOS_ROWS.filter((row) => !cases.some((c) => c.row === row))).toEqual([]);
  });
});

function describeFailure(o: TrafficOutcome): string {
  return `${o.stream ? 'stream' : 'request'} at ${new Date(o.startedAt).toISOString()} → ${o.status} ${o.version || '-'} ${o.error ?? 'incomplete'}`;
}
