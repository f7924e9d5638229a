import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { FakeModelTransport } from '../model-client/testing/fake-model.transport';
import { EvalCancellationService } from './eval-cancellation.service';
import { ABORT_REASONS } from './eval.constants';
import { EvalMetrics } from './eval.metrics';
import { EvalInterruptedError, EvalService, type EvalCommand } from './eval.service';

const GREEN = 'http://10.0.0.1:8000';
const BLUE = 'http://10.0.0.9:8000';

describe('EvalService', () => {
  let root: string;
  let transport: FakeModelTransport;
  let cancellation: EvalCancellationService;
  let service: EvalService;

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'eval-service-'));
    writeFileSync(
      join(root, 'suite.yaml'),
      `cases:\n${Array.from(
        { length: 10 },
        (_, i) =>
          `  - { id: c${i}, prompt: q${i}, assertions: [{ type: contains, value: there }] }`,
      ).join('\n')}\n`,
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeEach(() => {
    transport = new FakeModelTransport();
    // Only watch() and end() are used here: the phase-event subscription is not started.
    cancellation = new EvalCancellationService(undefined as never);
    service = new EvalService(
      { EVAL_SUITES_DIR: root, EVAL_CONCURRENCY: 4, EVAL_REQUEST_TIMEOUT_MS: 1_000 },
      () => transport,
      cancellation,
      new EvalMetrics(new Registry()),
    );
  });

  function command(data: Partial<EvalCommand['data']> = {}): EvalCommand {
    return {
      id: 'dep-1-cmd-6',
      type: 'eval.run',
      deploymentId: 'dep-1',
      service: 'chat',
      seq: 6,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: 'dep-1-5',
      data: {
        servedModel: 'chat',
        green: { release: 'v2', endpoints: [GREEN] },
        blue: { release: 'v1', endpoints: [BLUE] },
        suite: 'suite.yaml',
        minPassRate: 0.9,
        deadline: new Date(Date.now() + 10_000).toISOString(),
        ...data,
      },
    };
  }

  it('fails on a smoke failure even when every suite case passes', async () => {
    transport.replica(GREEN, { models: ['other'] });
    transport.replica(BLUE);

    const result = await service.run(command());

    expect(result).toMatchObject({
      outcome: 'completed',
      data: {
        passed: false,
        scores: { green: 1, blue: 1 },
        pValue: 1,
        reasons: [
          `smoke check models failed on replica 0 (${GREEN}): /v1/models does not list "chat" (it lists "other")`,
        ],
      },
    });
  });

  it('without a suite runs the smoke checks only, and compares nothing with blue', async () => {
    transport.replica(GREEN);

    const result = await service.run(command({ suite: null }));

    expect(result).toMatchObject({
      outcome: 'completed',
      data: { passed: true, scores: { green: 1, blue: null }, pValue: null, reasons: [] },
    });
    expect(result.outcome === 'completed' && result.data.report?.cases).toHaveLength(5);
    expect(transport.calls.some((c) => c.origin === new URL(BLUE).origin)).toBe(false);
  });

  it('answers at once, saying it timed out, when the deadline has already passed', async () => {
    transport.replica(GREEN);
    transport.replica(BLUE);

    const result = await service.run(command({ deadline: new Date(Date.now() - 1).toISOString() }));

    expect(result).toMatchObject({ outcome: 'completed', data: { passed: false } });
    expect(result.outcome === 'completed' && result.data.reasons).toEqual([
      expect.stringMatching(
        /^eval timed out at the deadline .*: smoke checks did not finish, 0 of 10 cases finished on green, 0 of 10 cases finished on blue$/,
      ),
    ]);
  });

  it('gives no verdict when the deployment ends mid-run', async () => {
    transport.replica(GREEN, { delayMs: 5_000 });
    transport.replica(BLUE, { delayMs: 5_000 });

    const running = service.run(command());
    setTimeout(() => cancellation.end('dep-1'), 50);

    expect(await running).toEqual({ outcome: 'cancelled' });
    expect(transport.inFlight).toBe(0);
  });

  it('throws (so the command is redelivered) when the runner shuts down mid-run', async () => {
    transport.replica(GREEN, { delayMs: 5_000 });
    transport.replica(BLUE, { delayMs: 5_000 });

    const running = service.run(command());
    setTimeout(() => cancellation.onModuleDestroy(), 50);

    await expect(running).rejects.toThrow(EvalInterruptedError);
    await expect(running).rejects.toThrow(ABORT_REASONS.shutdown);
  });
});
