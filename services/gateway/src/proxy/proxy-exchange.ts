import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ActivePool, RouteTarget } from '../routing/compiled-route.util';
import { pickReplica } from '../split/replica-picker.util';
import { sendOpenAiError } from './openai-error.util';
import type { CacheStatus } from '../semantic/semantic-cache.constants';
import {
  CACHE_HEADER,
  HOP_BY_HOP_HEADERS,
  POOL_HEADER,
  PROXY_ERRORS,
  RETRYABLE_ERROR_CODES,
  STALE_CONNECTION_CODES,
  TIMEOUT_ERROR_CODES,
  VERSION_HEADER,
} from './proxy.constants';
import { SseScanner } from './sse-scanner.util';

/** Why the proxy aborted the upstream request itself. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/** Called on a transport error the client gets to see (the service logs it, rate-limited). */
export type UpstreamErrorReporter = (target: RouteTarget, error: Error, retried: boolean) => void;

export interface ExchangeRequest {
  /** Path and query as the client sent them. */
  readonly path: string;
  /** Flat [name, value, …] list, hop-by-hop headers removed. */
  readonly headers: string[];
  readonly body: Buffer;
  readonly streaming: boolean;
  /** performance.now() when the request arrived: TTFT and end-to-end start here. */
  readonly startedAt: number;
  /** miss: looked up and not found; bypass: not looked up (sent as x-greenlight-cache). */
  readonly cache: Exclude<CacheStatus, 'hit'>;
  /** Keeps a copy of the answer on a miss, to store it once it has ended whole. */
  readonly capture?: ResponseCapture;
}

/** Sees the response the client gets; `end` only when it ended normally. */
export interface ResponseCapture {
  begin(statusCode: number, sse: boolean): void;
  feed(chunk: Buffer): void;
  end(): void;
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return code;
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  return cause?.code ?? '';
}

/**
 * One client request on its way through a pool: an undici dispatch handler that writes each
 * upstream chunk to the client as it arrives (no buffering), retries a connect failure once on
 * another replica of the same pool (the same one only for a stale kept-alive connection in a
 * one-replica pool), and counts what the pool's metrics need. Nothing is retried once the
 * replica has started answering.
 */
export class ProxyExchange implements Dispatcher.DispatchHandler {
  private target: RouteTarget;
  private controller: Dispatcher.DispatchController | undefined;
  private attemptOpen = false;
  private retried = false;
  private responded = false;
  private finished = false;
  private clientGone = false;
  private waitingDrain = false;
  private sse = false;
  private scanner: SseScanner | undefined;
  private firstContentAt = 0;
  private lastContentAt = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly pool: ActivePool,
    target: RouteTarget,
    private readonly request: ExchangeRequest,
    private readonly reportError: UpstreamErrorReporter,
  ) {
    this.target = target;
    res.once('close', this.onClientClose);
  }

  start(): void {
    const { target, request } = this;
    target.upstream.inFlight++;
    target.stats.inFlight++;
    if (request.streaming) target.stats.inFlightStreams++;
    this.attemptOpen = true;
    target.upstream.pool.dispatch(
      {
        path: target.upstream.basePath + request.path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new ClientGoneError());
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.responded = true;
    const stats = this.target.stats;
    stats.requests++;
    if (statusCode >= 500) stats.errors++;
    const contentType = headers['content-type'];
    this.sse = typeof contentType === 'string' && contentType.startsWith('text/event-stream');
    // Error bodies carry no tokens; everything else is watched for content and usage.
    if (statusCode < 400) this.scanner = new SseScanner(this.sse);

    const out: string[] = [];
    for (const name in headers) {
      if (HOP_BY_HOP_HEADERS.has(name)) continue;
      const value = headers[name];
      if (typeof value === 'string') out.push(name, value);
      else if (value) for (const item of value) out.push(name, item);
    }
    out.push(
      POOL_HEADER,
      this.pool.colour,
      VERSION_HEADER,
      this.pool.release,
      CACHE_HEADER,
      this.request.cache,
    );
    this.request.capture?.begin(statusCode, this.sse);
    this.res.writeHead(statusCode, out);
    // An SSE client must see the headers now, not with the first token.
    if (this.sse) this.res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const scanner = this.scanner;
    if (scanner) {
      const events = scanner.feed(chunk);
      if (events > 0 && this.sse) this.observeContent(events);
    }
    this.request.capture?.feed(chunk);
    if (!this.res.write(chunk) && !this.waitingDrain) {
      // The client reads slower than the replica writes: hold the replica, not memory.
      this.waitingDrain = true;
      controller.pause();
      this.res.once('drain', () => {
        this.waitingDrain = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    this.finished = true;
    this.closeAttempt();
    const scanner = this.scanner;
    if (scanner) {
      const stats = this.target.stats;
      const seconds = (performance.now() - this.request.startedAt) / 1000;
      if (this.sse) {
        if (!scanner.done) stats.upstreamAborts++;
      } else {
        stats.ttft.observe(seconds);
      }
      const tokens = scanner.outputTokens();
      if (tokens > 0) stats.e2ePerToken.observe(seconds / tokens);
    }
    this.res.end();
    this.request.capture?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.closeAttempt();
    if (this.clientGone || this.finished) {
      this.finished = true;
      return;
    }
    const stats = this.target.stats;
    if (!this.responded) {
      const code = errorCode(error);
      if (!this.retried && RETRYABLE_ERROR_CODES.has(code)) {
        const next =
          pickReplica(this.pool.targets, this.pool.cursor, this.target) ??
          (STALE_CONNECTION_CODES.has(code) ? this.target : undefined);
        if (next) {
          stats.retries++;
          this.reportError(this.target, error, true);
          this.retried = true;
          this.target = next;
          this.controller = undefined;
          this.start();
          return;
        }
      }
      this.finished = true;
      stats.requests++;
      stats.errors++;
      this.reportError(this.target, error, false);
      const timeout = TIMEOUT_ERROR_CODES.has(code);
      const describe = timeout ? PROXY_ERRORS.upstreamTimeout : PROXY_ERRORS.upstreamFailed;
      sendOpenAiError(
        this.res,
        timeout ? 504 : 502,
        describe(this.pool.colour, this.pool.release, error.message),
        null,
        null,
        {
          [POOL_HEADER]: this.pool.colour,
          [VERSION_HEADER]: this.pool.release,
          [CACHE_HEADER]: this.request.cache,
        },
      );
      return;
    }
    // Cut mid-answer: the client must see a broken response, not a short one that looks whole.
    this.finished = true;
    stats.errors++;
    if (this.sse && !this.scanner?.done) stats.upstreamAborts++;
    this.reportError(this.target, error, false);
    this.res.destroy();
  }

  private readonly onClientClose = (): void => {
    if (this.finished) return;
    this.clientGone = true;
    if (this.responded && this.sse && !this.scanner?.done) this.target.stats.clientAborts++;
    // Frees the replica's sequence at once instead of generating into the void.
    this.controller?.abort(new ClientGoneError());
  };

  private observeContent(events: number): void {
    const now = performance.now();
    const stats = this.target.stats;
    let gaps = events;
    if (this.firstContentAt === 0) {
      this.firstContentAt = now;
      this.lastContentAt = now;
      stats.ttft.observe((now - this.request.startedAt) / 1000);
      gaps--;
    }
    if (gaps > 0) {
      // Tokens that arrived in one chunk share the gap since the previous one.
      const gap = (now - this.lastContentAt) / 1000 / gaps;
      for (let i = 0; i < gaps; i++) stats.itl.observe(gap);
      this.lastContentAt = now;
    }
  }

  private closeAttempt(): void {
    if (!this.attemptOpen) return;
    this.attemptOpen = false;
    const { target } = this;
    target.upstream.inFlight--;
    target.stats.inFlight--;
    if (this.request.streaming) target.stats.inFlightStreams--;
  }
}
