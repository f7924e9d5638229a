import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { BusModule, durableName, EventBus, JetStreamServer } from '@greenlight/bus';
import {
  commandTypeFilter,
  deploymentEventsFilter,
  gatewayMetricsSubject,
  loadConfig,
  STREAMS,
  type Envelope,
  type GatewayMetrics,
  type PoolMetrics,
} from '@greenlight/contracts';
import { METRICS_REGISTRY, TelemetryModule } from '@greenlight/telemetry';
import {
  freePort,
  sleep,
  startNatsServer,
  startSimulator,
  waitFor,
  type ServerHandle,
  type SimulatorHandle,
} from '@greenlight/testing';
import { HealthProberConfigSchema } from '../config/health-prober.config';
import { ANALYSIS_SETTINGS } from './analysis.constants';
import { AnalysisModule } from './analysis.module';
import type { AnalysisCommand } from './analysis.constants';
import { analysisSettings } from './analysis-settings.util';

const COMPONENT = 'health-prober';
const LE = [0.1, 0.2, 0.5, 1];
const TICK_MS = 100;

interface Traffic {
  /** Requests per tick, and one error every `errorEvery` requests (0: none). */
  perTick: number;
  errorEvery: number;
}

/**
 * Stands in for a gateway instance: publishes cumulative per-pool snapshots on the real metrics
 * subject every tick, as services/gateway does every second.
 */
function publishSnapshots(
  nc: NatsConnection,
  service: string,
  blue: Traffic,
  green: Traffic,
): () => void {
  const codec = JSONCodec<GatewayMetrics>();
  const totals = { v1: { requests: 0, errors: 0 }, v2: { requests: 0, errors: 0 } };
  const advance = (release: 'v1' | 'v2', traffic: Traffic): PoolMetrics => {
    const total = totals[release];
    for (let i = 0; i < traffic.perTick; i++) {
      total.requests += 1;
      if (traffic.errorEvery > 0 && total.requests % traffic.errorEvery === 0) total.errors += 1;
    }
    const ok = total.requests - total.errors;
    // Every answer's first token within 100-200 ms, on both pools.
    const histogram = { le: LE, counts: [0, ok, ok, ok], count: ok, sum: ok * 0.15 };
    return {
      release,
      inFlight: 0,
      inFlightStreams: 0,
      requests: total.requests,
      errors: total.errors,
      abortedStreams: 0,
      clientAbortedStreams: 0,
      ttft: histogram,
      itl: histogram,
      e2ePerToken: histogram,
      replicas: {},
    };
  };
  const timer = setInterval(() => {
    nc.publish(
      gatewayMetricsSubject(service),
      codec.encode({
        instance: 'gw-1',
        service,
        at: new Date().toISOString(),
        version: 1,
        pools: { blue: advance('v1', blue), green: advance('v2', green) },
      }),
    );
  }, TICK_MS);
  return () => clearInterval(timer);
}

describe('analysis.start over NATS (real nats-server, gateway snapshots on the metrics subject)', () => {
  let nats: ServerHandle;
  let app: INestMicroservice;
  let bus: EventBus;
  let client: NatsConnection;
  let registry: Registry;
  let sim: SimulatorHandle;
  const stops: (() => void)[] = [];

  beforeAll(async () => {
    [nats, sim] = await Promise.all([startNatsServer(), startSimulator()]);
    const settings = analysisSettings(loadConfig(HealthProberConfigSchema, {}));
    const ref = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ component: COMPONENT, logLevel: 'warn' }),
        BusModule.forRoot({ servers: nats.url, component: COMPONENT }),
        AnalysisModule,
      ],
    })
      .overrideProvider(ANALYSIS_SETTINGS)
      .useValue({ ...settings, healthTimeoutMs: 500 })
      .compile();
    app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen();
    bus = ref.get(EventBus);
    registry = ref.get(METRICS_REGISTRY);
    client = await connect({ servers: nats.url });
  });

  afterEach(() => stops.splice(0).forEach((stop) => stop()));

  afterAll(async () => {
    await sim?.stop(2_000);
    await client?.close();
    await app?.close();
    await nats?.dispose();
  });

  function command(service: string, greenUrls: string[]): AnalysisCommand {
    const deploymentId = ulid();
    return {
      id: `${deploymentId}-cmd-7`,
      type: 'analysis.start',
      deploymentId,
      service,
      seq: 7,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: `${deploymentId}-7`,
      data: {
        step: 0,
        weight: 10,
        bakeMs: 10_000,
        maxDurationMs: 20_000,
        intervalMs: 1_000,
        metrics: ['errorRate', 'ttftP95'],
        green: { release: 'v2', endpoints: greenUrls },
        blue: { release: 'v1', endpoints: ['http://127.0.0.1:9'] },
      },
    };
  }

  async function send(message: AnalysisCommand, msgID = message.id): Promise<void> {
    await bus.sendCommand('analysis.start', message.service, message, { msgID });
  }

  async function looks(deploymentId: string): Promise<Envelope<Record<string, any>>[]> {
    const stored = await bus.read<Envelope<Record<string, any>>>(
      deploymentEventsFilter(deploymentId),
    );
    return stored.map((m) => m.data).filter((e) => e.type === 'analysis.completed');
  }

  async function until(deploymentId: string, verdict: string) {
    return waitFor(
      async () => {
        const all = await looks(deploymentId);
        return all.some((e) => e.data['verdict'] === verdict) && all;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: `a ${verdict} verdict` },
    );
  }

  async function commandsSettled(): Promise<boolean> {
    const jsm = await client.jetstreamManager();
    const info = await jsm.consumers.info(
      STREAMS.commands,
      durableName(COMPONENT, commandTypeFilter('analysis.start')),
    );
    return info.num_pending + info.num_ack_pending === 0;
  }

  it('fails a canary whose error rate regressed, then stops judging', async () => {
    stops.push(
      publishSnapshots(
        client,
        'chat-a',
        { perTick: 50, errorEvery: 100 },
        { perTick: 5, errorEvery: 10 },
      ),
    );
    const start = command('chat-a', [sim.url]);

    await send(start);
    const log = await until(start.deploymentId, 'fail');
    await waitFor(commandsSettled, { what: 'the command to be acked after the fail' });

    const fail = log[log.length - 1]!;
    expect(fail).toMatchObject({
      id: `${start.id}:analysis.completed:${log.length}`,
      actor: 'system:health-prober',
      causationId: start.id,
      data: { step: 0, verdict: 'fail' },
    });
    expect(fail.data['reasons']).toEqual([
      expect.stringMatching(/^errorRate: green 10\.\d\d% vs blue 1\.\d\d% \(p=/),
    ]);
    expect(fail.data['samples'].green).toBeGreaterThan(0);
    expect(log.slice(0, -1).every((e) => e.data['verdict'] !== 'pass')).toBe(true);
    await sleep(1_500);
    expect(await looks(start.deploymentId)).toHaveLength(log.length);
  });

  it('passes a healthy canary once it has the samples, until the deployment leaves the step', async () => {
    stops.push(
      publishSnapshots(
        client,
        'chat-b',
        { perTick: 50, errorEvery: 100 },
        { perTick: 3, errorEvery: 0 },
      ),
    );
    const start = command('chat-b', [sim.url]);
    start.data.minSamples = 60; // the manifest's strategy.analysis.minSamples

    await send(start);
    const log = await until(start.deploymentId, 'pass');

    expect(log[0]!.data).toMatchObject({
      verdict: 'inconclusive',
      reasons: [expect.stringMatching(/^green served \d+ of the 60 requests needed$/)],
    });
    const pass = log.find((e) => e.data['verdict'] === 'pass')!;
    expect(pass.data['samples'].green).toBeGreaterThanOrEqual(60);
    expect(pass.data['samples'].blue).toBeGreaterThan(pass.data['samples'].green);
    expect(pass.data['metrics']['errorRate']).toEqual({ green: 0, blue: expect.any(Number) });
    expect(pass.data['metrics']['ttftP95'].green).toBe(pass.data['metrics']['ttftP95'].blue);

    // The step passed: the orchestrator moved the deployment on.
    await bus.publishEvent({
      id: `${start.deploymentId}-8`,
      type: 'deployment.phase_changed',
      deploymentId: start.deploymentId,
      service: start.service,
      seq: 8,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: null,
      data: {
        from: 'Canary',
        to: 'Ramping',
        reason: 'step 1 passed',
        actor: 'system:orchestrator',
      },
    });
    await waitFor(commandsSettled, { timeoutMs: 5_000, what: 'the analysis to end' });
    const judged = (await looks(start.deploymentId)).length;

    // Redelivered after the step ended (a prober restart): nothing more is published.
    await send(start, `${start.id}-redelivered`);
    await waitFor(commandsSettled, { what: 'the repeated command to be acked' });
    await sleep(1_200);
    expect(await looks(start.deploymentId)).toHaveLength(judged);
    expect(await registry.metrics()).toMatch(
      /greenlight_analysis_verdicts_total\{verdict="pass",component="health-prober"\} [1-9]/,
    );
  });

  it('fails when a green replica stops answering its health check at two looks in a row', async () => {
    stops.push(
      publishSnapshots(
        client,
        'chat-c',
        { perTick: 50, errorEvery: 100 },
        { perTick: 5, errorEvery: 0 },
      ),
    );
    const gone = `http://127.0.0.1:${await freePort()}`;
    const start = command('chat-c', [sim.url, gone]);

    await send(start);
    const log = await until(start.deploymentId, 'fail');

    expect(log).toHaveLength(2);
    expect(log[0]!.data['verdict']).not.toBe('fail');
    expect(log[1]!.data['reasons']).toEqual([
      `green replica ${gone} is down: connection refused (the server is still loading or crashed) (health checks failed at consecutive looks)`,
    ]);
  });
});
