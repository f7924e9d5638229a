import { connect, JSONCodec, type NatsConnection } from 'nats';
import { commandSubject } from '@greenlight/contracts';
import { deployRequest, seedLiveRelease } from '@greenlight/fixtures';
import {
  startSimulator,
  startStack,
  waitFor,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { apiClient, cliFor } from '../support/api.util';

const SERVICE = 'chat-ctl';
const TERMINAL = ['Completed', 'RolledBack', 'Failed', 'Aborted'];

interface View {
  id: string;
  phase: string;
  paused: boolean;
  weights: { blue: number; green: number };
  rollbackOf: string | null;
  reason: string | null;
}

interface AuditItem {
  type: string;
  seq: number;
  actor: string;
  data: { to?: string; action?: string; accepted?: boolean; reason?: string };
}

/**
 * An operator steers a deployment by REST, by the CLI and by NATS: pause stops the clock,
 * resume restarts it, promote skips the steps, abort in Standby gives blue its traffic back, and
 * rolling back a Completed deployment redeploys its previous release. Every action is in the
 * audit log with who took it.
 */
describe('manual control: promote, pause, resume, abort, rollback from REST, CLI and NATS', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let api: ReturnType<typeof apiClient>;
  const sims: SimulatorHandle[] = [];

  const get = async (id: string) => (await api.get<View>(`/v1/deployments/${id}`)).body;
  const audit = async (id: string) =>
    (await api.get<{ items: AuditItem[] }>(`/v1/deployments/${id}/events`)).body.items;
  const until = (id: string, test: (d: View) => boolean, what: string, timeoutMs = 60_000) =>
    waitFor(async () => ((d) => (test(d) ? d : undefined))(await get(id)), {
      what,
      timeoutMs,
      intervalMs: 100,
    });
  const cli = (...args: string[]) => cliFor(stack.urls.orchestrator, stack.operatorToken)(...args);
  const natsControl = async (deploymentId: string, action: string) => {
    await nc
      .jetstream()
      .publish(
        commandSubject('deployment.control', SERVICE),
        JSONCodec().encode({ deploymentId, action, actor: 'nats:release-bot', reason: 'e2e' }),
      );
  };
  const deploy = async (version: string, url: string, strategy: Record<string, unknown>) => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, version, {
        pool: { driver: 'static', endpoints: [url] },
        strategy: { readiness: { timeout: '30s', warmupRequests: 1 }, ...strategy },
        caches: { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } },
      }),
    );
    expect(created.status).toBe(202);
    return created.body.id;
  };

  beforeAll(async () => {
    stack = await startStack({ logDir: 'tmp/e2e-logs/manual-control' });
    nc = await connect({ servers: stack.nats });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    for (const version of ['v1', 'v2']) {
      sims.push(await startSimulator({ model: SERVICE, version }));
    }
    await seedLiveRelease(stack.redis, SERVICE, 'v1', [sims[0]!.url]);
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.dispose();
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('pause stops the bake, resume and promote move on, abort in Standby hands blue its traffic back', async () => {
    const id = await deploy('v2', sims[1]!.url, {
      steps: [{ weight: 10, bake: '3s' }, { weight: 50, bake: '1h' }, { weight: 100 }],
      standby: '1h',
    });
    await until(id, (d) => d.phase === 'Canary' && d.weights.green === 10, 'the canary at 10 %');

    // NATS: pause. The 3 s bake does not end while paused.
    await natsControl(id, 'pause');
    await until(id, (d) => d.paused, 'paused');
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await get(id)).toMatchObject({ phase: 'Canary', paused: true });

    // CLI: resume; then REST: promote skips the 1 h step.
    const resumed = cli('resume', id, '--reason', 'looks fine');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain(`${id}: Canary`);
    const promoted = await api.post(`/v1/deployments/${id}/promote`, { reason: 'ship it' });
    expect(promoted.status).toBe(202);
    await until(id, (d) => d.phase === 'Standby', 'Standby after drain', 60_000);

    // A second promote is refused with the reason, and the refusal is recorded too.
    const again = await api.post<{ message: string }>(`/v1/deployments/${id}/promote`);
    expect(again.status).toBe(409);
    expect(again.body.message).toBe("cannot 'promote' a deployment in phase Standby");

    // Abort during Standby: blue (still warm) takes 100 % again, then the deployment is Aborted.
    const aborted = cli('abort', id);
    expect(aborted.status).toBe(0);
    const done = await until(id, (d) => TERMINAL.includes(d.phase), 'the end');
    expect(done.phase).toBe('Aborted');
    const routes = await api.get<{ pools: { blue: { release: string; weight: number } } }>(
      `/v1/services/${SERVICE}/routes`,
    );
    expect(routes.body.pools.blue).toMatchObject({ release: 'v1', weight: 100 });

    const log = await audit(id);
    // The orchestrator's own events (transitions and operator actions) are numbered without gaps.
    const seqs = log
      .filter((e) => e.type === 'deployment.phase_changed' || e.type === 'deployment.control')
      .map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const steered = log
      .filter((e) => e.type === 'deployment.control' || e.actor.startsWith('user:'))
      .map((e) => [e.type, e.data.action ?? e.data.to, e.actor, e.data.accepted ?? true]);
    expect(steered).toEqual([
      ['deployment.phase_changed', 'Requested', 'user:operator', true],
      ['deployment.control', 'pause', 'nats:release-bot', true],
      ['deployment.control', 'resume', 'user:operator', true],
      ['deployment.phase_changed', 'Promoted', 'user:operator', true],
      ['deployment.control', 'promote', 'user:operator', false],
      ['deployment.phase_changed', 'RollingBack', 'user:operator', true],
    ]);
  });

  it('rolling back a Completed deployment redeploys its previous release as a new deployment', async () => {
    const id = await deploy('v2b', sims[1]!.url, { steps: [{ weight: 100 }], standby: '0s' });
    await until(id, (d) => d.phase === 'Completed', 'Completed', 90_000);

    const rollback = await api.post<{ redeployment: { id: string } }>(
      `/v1/deployments/${id}/rollback`,
      { reason: 'bad answers reported' },
    );

    expect(rollback.status).toBe(202);
    const again = rollback.body.redeployment.id;
    const redeployed = await until(
      again,
      (d) => TERMINAL.includes(d.phase),
      'the redeploy',
      90_000,
    );
    expect(redeployed).toMatchObject({ phase: 'Completed', rollbackOf: id });
    const routes = await api.get<{ pools: { green: { release: string; weight: number } } }>(
      `/v1/services/${SERVICE}/routes`,
    );
    expect(routes.body.pools.green).toMatchObject({ release: 'v1', weight: 100 });
    // The old one says where its rollback went.
    const log = await audit(id);
    expect(log.at(-1)).toMatchObject({
      type: 'deployment.control',
      actor: 'user:operator',
      data: { action: 'rollback', accepted: true },
    });
  });
});
