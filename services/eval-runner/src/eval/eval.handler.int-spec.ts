import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { BusModule, durableName, EventBus, JetStreamServer } from '@greenlight/bus';
import {
  commandTypeFilter,
  deploymentEventsFilter,
  STREAMS,
  type Envelope,
  type EventData,
} from '@greenlight/contracts';
import { METRICS_REGISTRY, TelemetryModule } from '@greenlight/telemetry';
import {
  findRepoRoot,
  startNatsServer,
  startSimulator,
  waitFor,
  type ServerHandle,
  type SimulatorHandle,
} from '@greenlight/testing';
import { EvalModule } from './eval.module';
import type { EvalCommand } from './eval.service';

const COMPONENT = 'eval-runner';
const ROOT = findRepoRoot();
const SUITE = 'evals/chat.yaml';
const SUITE_CASES = 42;
const KNOWLEDGE = join(ROOT, 'evals', 'chat.knowledge.yaml');
/** Fast tokens, the suite's answers known: a healthy release answers every case right. */
const SIM_ARGS = ['--itl', '1ms', '--ttft-overhead', '1ms', '--knowledge', KNOWLEDGE];

type Completed = Envelope<EventData<'eval.completed'>>;

describe('eval.run over NATS (real nats-server and simulators)', () => {
  let nats: ServerHandle;
  let app: INestMicroservice;
  let bus: EventBus;
  let client: NatsConnection;
  let registry: Registry;
  const sims: SimulatorHandle[] = [];
  let blue: SimulatorHandle;
  let green: SimulatorHandle[];

  beforeAll(async () => {
    nats = await startNatsServer();
    const ref = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ component: COMPONENT, logLevel: 'warn' }),
        BusModule.forRoot({ servers: nats.url, component: COMPONENT }),
        EvalModule.register({
          EVAL_SUITES_DIR: ROOT,
          EVAL_CONCURRENCY: 8,
          EVAL_REQUEST_TIMEOUT_MS: 10_000,
        }),
      ],
    }).compile();
    app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen();
    bus = ref.get(EventBus);
    registry = ref.get(METRICS_REGISTRY);
    client = await connect({ servers: nats.url });
    [blue, ...green] = await Promise.all([
      sim('v1'),
      sim('v2', '--replica', '0'),
      sim('v2', '--replica', '1'),
    ]);
  });

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop(2_000)));
    await client?.close();
    await app?.close();
    await nats?.dispose();
  });

  async function sim(version: string, ...args: string[]): Promise<SimulatorHandle> {
    const handle = await startSimulator({ version, args: [...SIM_ARGS, ...args] });
    sims.push(handle);
    return handle;
  }

  function command(
    greenUrls: string[],
    options: { blueUrls?: string[] | null; suite?: string | null; deadlineMs?: number } = {},
  ): EvalCommand {
    const deploymentId = ulid();
    const now = Date.now();
    const blueUrls = options.blueUrls === undefined ? [blue.url] : options.blueUrls;
    return {
      id: `${deploymentId}-cmd-6`,
      type: 'eval.run',
      deploymentId,
      service: 'chat',
      seq: 6,
      at: new Date(now).toISOString(),
      actor: 'system:orchestrator',
      causationId: `${deploymentId}-5`,
      data: {
        servedModel: 'chat',
        green: { release: 'v2', endpoints: greenUrls },
        blue: blueUrls ? { release: 'v1', endpoints: blueUrls } : null,
        suite: options.suite === undefined ? SUITE : options.suite,
        minPassRate: 0.95,
        deadline: new Date(now + (options.deadlineMs ?? 30_000)).toISOString(),
      },
    };
  }

  async function send(message: EvalCommand, msgID = message.id): Promise<void> {
    await bus.sendCommand('eval.run', message.service, message, { msgID });
  }

  async function events(deploymentId: string): Promise<Envelope<Record<string, unknown>>[]> {
    const stored = await bus.read<Envelope<Record<string, unknown>>>(
      deploymentEventsFilter(deploymentId),
    );
    return stored.map((m) => m.data);
  }

  async function verdict(message: EvalCommand, timeoutMs = 20_000): Promise<Completed> {
    return waitFor(
      async () =>
        (await events(message.deploymentId)).find(
          (e): e is Completed => e.type === 'eval.completed',
        ),
      { timeoutMs, what: 'eval.completed' },
    );
  }

  /** Every eval.run was handled and acked: nothing left for the runner's consumer. */
  async function commandsSettled(): Promise<boolean> {
    const jsm = await client.jetstreamManager();
    const info = await jsm.consumers.info(
      STREAMS.commands,
      durableName(COMPONENT, commandTypeFilter('eval.run')),
    );
    return info.num_pending + info.num_ack_pending === 0;
  }

  it('passes a healthy green against blue, with every case in the report, and stores a redelivered verdict once', async () => {
    const run = command(green.map((g) => g.url));

    await send(run);
    const event = await verdict(run);

    expect(event).toMatchObject({ actor: 'system:eval-runner', causationId: run.id });
    expect(event.data).toMatchObject({
      passed: true,
      scores: { green: 1, blue: 1 },
      pValue: 1,
      reasons: [],
    });
    const report = event.data.report!;
    expect(report.suite).toBe(SUITE);
    expect(report.cases.filter((c) => c.kind === 'smoke').map((c) => c.id)).toEqual([
      'smoke:models',
      'smoke:chat',
      'smoke:stream',
      'smoke:template-leak',
      'smoke:tokenize',
    ]);
    expect(report.cases.filter((c) => c.kind === 'eval')).toHaveLength(SUITE_CASES);
    expect(report.cases.every((c) => c.green.passed && (c.blue?.passed ?? true))).toBe(true);
    expect(report.discordant).toEqual({ greenWorse: 0, greenBetter: 0 });
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      `greenlight_eval_cases_total{pool="blue",outcome="passed",component="eval-runner"} ${SUITE_CASES}`,
    );
    expect(metrics).toMatch(/^greenlight_eval_duration_seconds_count\{.*outcome="passed".*\} 1$/m);
    await waitFor(commandsSettled, { what: 'the command to be acked' });

    // The same command again (as after a crash before the ack): run again, stored once.
    await send(run, `${run.id}-redelivered`);
    await waitFor(commandsSettled, { timeoutMs: 20_000, what: 'the repeated command to be acked' });
    expect((await events(run.deploymentId)).map((e) => e.type)).toEqual(['eval.completed']);
  });

  it('fails a green that answers half the suite wrong, with the paired McNemar test', async () => {
    const worse = await sim('v2', '--quality', '0.5');
    const run = command([worse.url]);

    await send(run);
    const { data } = await verdict(run);

    expect(data.passed).toBe(false);
    expect(data.scores.blue).toBe(1);
    expect(data.scores.green).toBeLessThan(0.7);
    expect(data.pValue).toBeLessThan(0.001);
    expect(data.reasons).toEqual([
      expect.stringMatching(/^green pass rate 0\.\d+ < 0\.95$/),
      expect.stringMatching(
        new RegExp(
          `^green worse than blue on \\d+ of ${SUITE_CASES} paired cases \\(exact McNemar p=`,
        ),
      ),
    ]);
    expect(data.report!.discordant.greenBetter).toBe(0);
    const failed = data.report!.cases.find((c) => c.kind === 'eval' && !c.green.passed);
    expect(failed?.green.detail).toBeTruthy();
  });

  it('fails a green whose chat template leaks special tokens, naming the token', async () => {
    const leaky = await sim('v2', '--leak-template');
    const run = command([leaky.url], { blueUrls: null, suite: null });

    await send(run);
    const { data } = await verdict(run);

    expect(data.passed).toBe(false);
    expect(data.reasons).toEqual([
      `template leak: green's answer contains '<|eot_id|>' (replica 0 (${leaky.url}))`,
    ]);
    const row = data.report!.cases.find((c) => c.id === 'smoke:template-leak');
    expect(row?.green).toMatchObject({
      passed: false,
      detail: expect.stringContaining('<|eot_id|>'),
    });
    expect(data.pValue).toBeNull();
  });

  it('fails, naming the path, when the suite does not exist', async () => {
    const run = command([green[0]!.url], { suite: 'evals/no-such-suite.yaml' });

    await send(run);
    const { data } = await verdict(run);

    expect(data.passed).toBe(false);
    expect(data.reasons).toEqual([`suite evals/no-such-suite.yaml not found under ${ROOT}`]);
    expect(data.report!.suite).toBe('evals/no-such-suite.yaml');
  });

  it('fails at the deadline saying it timed out and what finished', async () => {
    const slow = await sim('v2', '--ttft-overhead', '20s');
    const run = command([slow.url], { deadlineMs: 2_000 });

    await send(run);
    const { data } = await verdict(run, 10_000);

    expect(data.passed).toBe(false);
    expect(data.reasons).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^eval timed out at the deadline .*: smoke checks did not finish, 0 of ${SUITE_CASES} cases finished on green, ${SUITE_CASES} of ${SUITE_CASES} cases finished on blue$`,
        ),
      ),
    );
  });

  it('stops without a verdict when the deployment ends', async () => {
    const slow = await sim('v2', '--ttft-overhead', '30s');
    const run = command([slow.url]);
    await send(run);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await bus.publishEvent({
      id: `${run.deploymentId}-9`,
      type: 'deployment.phase_changed',
      deploymentId: run.deploymentId,
      service: 'chat',
      seq: 9,
      at: new Date().toISOString(),
      actor: 'user:alice',
      causationId: null,
      data: {
        from: 'Verifying',
        to: 'Aborted',
        reason: 'aborted by user:alice',
        actor: 'user:alice',
      },
    });
    await waitFor(commandsSettled, { timeoutMs: 5_000, what: 'the cancelled run to be acked' });

    expect((await events(run.deploymentId)).map((e) => e.type)).toEqual([
      'deployment.phase_changed',
    ]);
    expect(await registry.metrics()).toContain(
      'greenlight_eval_runs_total{outcome="cancelled",component="eval-runner"} 1',
    );
  });
});
