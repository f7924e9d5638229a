import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FaultState } from './admin/fault-state.service';
import { OpenAiExceptionFilter } from './common/openai-exception.filter';
import { SimOptionsError, type SimOptions } from './config/sim-options.schema';
import { SIM_OPTION_ERRORS } from './config/sim-options.constants';
import { systemClock, type Clock } from './engine/clock.util';
import { SimEngine } from './engine/engine.service';
import { LatencyModel } from './engine/latency-model.util';
import { PrefixCache } from './engine/prefix-cache.util';
import { KnowledgeBase, parseKnowledge, type KnowledgeEntry } from './knowledge/knowledge.service';
import { SimLifecycle } from './lifecycle/lifecycle.service';
import { SimHttpMiddleware } from './lifecycle/sim-http.middleware';
import { SimMetrics } from './metrics/sim-metrics.service';
import { AppModule } from './app.module';
import type { SimRuntime } from './sim-core.module';
import { SIM_NAME } from './sim.constants';
import { ChatTemplate } from './tokenizer/chat-template.util';
import { PromptEncoder } from './tokenizer/prompt-encoder.util';

/** How long shutdown waits for aborted responses to reach the socket before closing it. */
const FLUSH_GRACE_MS = 1_000;
const BODY_LIMIT = '32mb';

export interface SimServerHooks {
  /** One line per event (stdout in the process; the listening line is a contract). */
  log?: (line: string) => void;
  /** The crashAfter fault fired: the process exits 1; in-process the server closes abruptly. */
  onCrash?: (server: SimServer | undefined) => void;
  /** Ends the cold-start wait early (SIGTERM during cold start). */
  signal?: AbortSignal;
  clock?: Clock;
}

export interface SimServer {
  readonly url: string;
  readonly port: number;
  readonly runtime: SimRuntime;
  /**
   * vLLM's SIGTERM: stop accepting (listener closed, kept-alive requests get 503), let in-flight
   * requests finish for up to `timeoutMs`, then abort the rest. Without a timeout abort at once.
   */
  shutdown(timeoutMs?: number): Promise<{ aborted: number }>;
  /** Aborts everything and closes at once. */
  close(): Promise<void>;
}

function readAsset(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SimOptionsError(SIM_OPTION_ERRORS.unreadable(option, path, (error as Error).message));
  }
}

/** Reads the chat template and knowledge files; a bad file is an options error naming its flag. */
export function loadAssets(options: SimOptions): {
  template: ChatTemplate;
  knowledge: KnowledgeEntry[];
} {
  let template = new ChatTemplate();
  if (options.chatTemplate) {
    const source = readAsset('--chat-template', options.chatTemplate);
    try {
      template = new ChatTemplate(source);
    } catch (error) {
      throw new SimOptionsError(
        `--chat-template: ${options.chatTemplate}: ${(error as Error).message}`,
      );
    }
  }
  let knowledge: KnowledgeEntry[] = [];
  if (options.knowledge) {
    const text = readAsset('--knowledge', options.knowledge);
    try {
      knowledge = parseKnowledge(text);
    } catch (error) {
      throw new SimOptionsError(`--knowledge: ${options.knowledge}: ${(error as Error).message}`);
    }
  }
  return { template, knowledge };
}

export function buildRuntime(
  options: SimOptions,
  crash: () => void,
  clock: Clock = systemClock,
): SimRuntime {
  const { template, knowledge } = loadAssets(options);
  const faults = new FaultState(
    {
      errorRate: options.errorRate,
      latencyFactor: options.latencyFactor,
      quality: options.quality,
      leakTemplate: options.leakTemplate,
      neverReady: options.neverReady,
      failCompletions: options.failCompletions,
      crashAfter: options.crashAfter ?? null,
      servedModelName: options.servedModelName,
    },
    options.seed,
    options.version,
  );
  const latency = new LatencyModel(
    {
      ttftOverheadMs: options.ttftOverheadMs,
      prefillPerTokenMs: options.prefillPerTokenMs,
      itlMs: options.itlMs,
      maxNumSeqs: options.maxNumSeqs,
      loadFactor: options.loadFactor,
    },
    () => faults.get().latencyFactor,
  );
  const gauges = {
    running: () => engine.numRunning,
    waiting: () => engine.numWaiting,
    kvCacheUsage: () => engine.kvCacheUsage(),
  };
  const metrics = new SimMetrics(options.servedModelName, gauges);
  const engine: SimEngine = new SimEngine(
    { maxNumSeqs: options.maxNumSeqs, numGpuBlocks: options.numGpuBlocks },
    latency,
    new PrefixCache(options.numGpuBlocks),
    clock,
    metrics,
  );
  return {
    options,
    engine,
    faults,
    lifecycle: new SimLifecycle(faults, crash),
    knowledge: new KnowledgeBase(knowledge, options.seed, options.version),
    prompts: new PromptEncoder(template),
    metrics,
  };
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Starts one simulated vLLM replica: loads its assets, waits out the cold start with the port
 * closed (vLLM binds only once the model is loaded), then listens. Resolves once listening.
 */
export async function startSimServer(
  options: SimOptions,
  hooks: SimServerHooks = {},
): Promise<SimServer> {
  const log = hooks.log ?? (() => undefined);
  const started = Date.now();
  // The crash hook may fire only after listening; it gets the handle then.
  const current: { server?: SimServer } = {};
  // In-process (tests) a crash closes the server abruptly; the CLI exits the process instead.
  const crash = hooks.onCrash ?? ((server?: SimServer) => void server?.close());
  const runtime = buildRuntime(options, () => crash(current.server), hooks.clock);
  if (options.coldStartMs > 0)
    log(`${SIM_NAME} ${options.model} ${options.version} cold start: ${options.coldStartMs} ms`);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(runtime), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  // Before the body parser: headers on every answer, and no parsing once draining.
  const replica = (): string => options.replica ?? String(current.server?.port ?? options.port);
  const http = new SimHttpMiddleware(runtime.lifecycle, options, replica);
  app.use(http.use.bind(http));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useGlobalFilters(new OpenAiExceptionFilter(log));
  app.disable('x-powered-by');
  app.set('etag', false);
  await wait(options.coldStartMs - (Date.now() - started), hooks.signal);
  if (hooks.signal?.aborted) {
    await app.close();
    throw new Error(`${SIM_NAME}: start cancelled during cold start`);
  }
  await app.listen(options.port, options.host);
  const listener: Server = app.getHttpServer();
  const port = (listener.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const server = createHandle(app, listener, runtime, url, port);
  current.server = server;
  log(`${SIM_NAME} ${options.model} ${options.version} listening on ${url}`);
  return server;
}

function createHandle(
  app: INestApplication,
  http: Server,
  runtime: SimRuntime,
  url: string,
  port: number,
): SimServer {
  const { engine, lifecycle } = runtime;
  let stopping: Promise<{ aborted: number }> | undefined;

  const shutdown = (timeoutMs?: number): Promise<{ aborted: number }> => {
    stopping ??= (async () => {
      lifecycle.startDraining();
      http.close();
      http.closeIdleConnections();
      if (timeoutMs !== undefined && timeoutMs > 0) {
        const deadline = new AbortController();
        await Promise.race([engine.whenIdle(), wait(timeoutMs, deadline.signal)]);
        deadline.abort();
      }
      const aborted = engine.abortAll();
      await lifecycle.whenFlushed(FLUSH_GRACE_MS);
      http.closeAllConnections();
      await app.close();
      return { aborted };
    })();
    return stopping;
  };

  return {
    url,
    port,
    runtime,
    shutdown,
    close: async () => {
      lifecycle.startDraining();
      engine.abortAll();
      http.closeAllConnections();
      await shutdown();
    },
  };
}
