import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { HotPrefixRecorder, SemanticQuery } from '@greenlight/caches';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { GatewayConfig } from '../config/gateway.config';
import { HOT_PREFIX_RECORDER } from '../hot-prefixes/hot-prefixes.constants';
import { choosePool, type ActivePool, type RouteTarget } from '../routing/compiled-route.util';
import { RouteTableService } from '../routing/route-table.service';
import { AnswerCapture } from '../semantic/answer-capture.util';
import {
  includesUsage,
  isCacheableRequest,
  readChatMessages,
  refusesCache,
  semanticText,
  type ChatMessages,
  type CompletionKind,
  type CompletionRequest,
} from '../semantic/cache-request.util';
import { sendCachedAnswer } from '../semantic/cached-answer-response.util';
import { SemanticCacheService } from '../semantic/semantic-cache.service';
import { pickReplica } from '../split/replica-picker.util';
import { requestPoint } from '../split/split.util';
import { sendOpenAiError } from './openai-error.util';
import {
  CACHE_CONTROL_HEADER,
  CHAT_COMPLETIONS_PATH,
  COMPLETIONS_PATH,
  HOP_BY_HOP_HEADERS,
  MODELS_PATH,
  PROXY_ERRORS,
  SESSION_HEADER,
} from './proxy.constants';
import { ProxyExchange, type ExchangeRequest } from './proxy-exchange';

/** Request headers the proxy sets itself (undici computes length and host from the target). */
const NOT_FORWARDED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'host',
  'content-length',
  'expect',
]);
const ERROR_LOG_INTERVAL_MS = 5_000;

/** A request routed to a pool that has a generation, on its way through the cache lookup. */
interface CacheableCall {
  readonly res: ServerResponse;
  readonly kind: CompletionKind;
  readonly request: CompletionRequest;
  readonly model: string;
  readonly pool: ActivePool;
  readonly target: RouteTarget;
  readonly exchange: Omit<ExchangeRequest, 'cache' | 'capture'>;
  /** Built at routing time: the store uses this generation, whatever the table says later. */
  readonly query: SemanticQuery;
}

/**
 * The data plane's hot path, served by a plain node:http handler (no Express, no Nest routing):
 * read the small JSON body once, find the service's table, pick a pool by the split and a replica
 * by load, and stream the answer back as it comes. No per-request logging.
 */
@Injectable()
export class ProxyService {
  private readonly logger = new Logger(ProxyService.name);
  private readonly lastErrorLog = new Map<string, number>();
  private readonly startedAtSeconds = Math.floor(Date.now() / 1000);
  private readonly maxBodyBytes: number;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    private readonly routes: RouteTableService,
    private readonly semantic: SemanticCacheService,
    @Inject(HOT_PREFIX_RECORDER) private readonly hotPrefixes: HotPrefixRecorder,
  ) {
    this.maxBodyBytes = config.GATEWAY_MAX_BODY_BYTES;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const method = req.method ?? 'GET';
    if (path === CHAT_COMPLETIONS_PATH || path === COMPLETIONS_PATH) {
      if (method !== 'POST') return this.methodNotAllowed(res, method, path, 'POST');
      const kind: CompletionKind = path === CHAT_COMPLETIONS_PATH ? 'chat' : 'text';
      this.readBody(req, res, (body) => this.proxyCompletion(req, res, kind, url, body, startedAt));
      return;
    }
    if (path === MODELS_PATH) {
      if (method !== 'GET') return this.methodNotAllowed(res, method, path, 'GET');
      return this.listModels(res);
    }
    sendOpenAiError(res, 404, PROXY_ERRORS.noRoute(method, path));
  }

  private proxyCompletion(
    req: IncomingMessage,
    res: ServerResponse,
    kind: CompletionKind,
    url: string,
    body: Buffer,
    startedAt: number,
  ): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return sendOpenAiError(res, 400, PROXY_ERRORS.invalidJson((error as Error).message));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return sendOpenAiError(res, 400, PROXY_ERRORS.notAnObject);
    }
    const request = parsed as CompletionRequest;
    const model = request.model;
    if (typeof model !== 'string' || model === '') {
      return sendOpenAiError(res, 400, PROXY_ERRORS.missingModel, 'model');
    }
    const route = this.routes.get(model);
    if (!route) {
      const known = this.routes.services();
      return sendOpenAiError(
        res,
        404,
        PROXY_ERRORS.unknownModel(model, known),
        'model',
        'model_not_found',
      );
    }

    const raw = req.rawHeaders;
    const headers: string[] = [];
    let sessionId: string | undefined;
    let cacheControl: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (NOT_FORWARDED.has(lower)) continue;
      if (lower === SESSION_HEADER) sessionId = raw[i + 1];
      else if (lower === CACHE_CONTROL_HEADER) cacheControl = raw[i + 1];
      headers.push(name, raw[i + 1]!);
    }

    const pool = choosePool(route, requestPoint(route.table.affinity, sessionId, request));
    const target = pickReplica(pool.targets, pool.cursor)!;
    const chat = kind === 'chat' ? readChatMessages(request.messages) : undefined;
    // Fire-and-forget: the recorder batches and never blocks or fails the request.
    if (chat) this.hotPrefixes.record(model, chat.messages);
    const streaming = request.stream === true;

    const generation = pool.generation;
    const text =
      generation === undefined ? undefined : this.cacheText(kind, request, chat, cacheControl);
    if (text === undefined || generation === undefined) {
      // The common path without a generation: no lookup, no await, straight to the pool.
      pool.cache.bypasses++;
      new ProxyExchange(
        res,
        pool,
        target,
        { path: url, headers, body, streaming, startedAt, cache: 'bypass' },
        this.reportUpstreamError,
      ).start();
      return;
    }
    this.lookupThenProxy({
      res,
      kind,
      request,
      model,
      pool,
      target,
      exchange: { path: url, headers, body, streaming, startedAt },
      query: { service: model, generation, text },
    });
  }

  /** The text to look the request up by, or undefined when the cache must stay out of it. */
  private cacheText(
    kind: CompletionKind,
    request: CompletionRequest,
    chat: ChatMessages | undefined,
    cacheControl: string | undefined,
  ): string | undefined {
    if (!this.semantic.enabled || refusesCache(cacheControl) || !isCacheableRequest(request)) {
      return undefined;
    }
    return semanticText(kind, request, chat);
  }

  /** Answers from the pool's generation, or proxies and keeps the answer under it. */
  private lookupThenProxy(call: CacheableCall): void {
    const { res, pool, target } = call;
    // Counted in flight while looked up: a drain must not see the pool idle meanwhile.
    target.stats.inFlight++;
    void this.semantic
      .lookup(call.query, pool.cache)
      .then((hit) => {
        target.stats.inFlight--;
        // The client left while we looked: nothing to answer, nothing to generate.
        if (!res.socket || res.socket.destroyed) return;
        if (hit) {
          pool.cache.hits++;
          sendCachedAnswer(res, hit.answer, {
            kind: call.kind,
            model: call.model,
            stream: call.exchange.streaming,
            includeUsage: call.exchange.streaming && includesUsage(call.request),
            pool: pool.colour,
            release: pool.release,
            generation: call.query.generation,
          });
          return;
        }
        pool.cache.misses++;
        const capture = new AnswerCapture(call.kind, (answer) =>
          this.semantic.store(call.query, answer, pool.release, pool.cache),
        );
        new ProxyExchange(
          res,
          pool,
          target,
          { ...call.exchange, cache: 'miss', capture },
          this.reportUpstreamError,
        ).start();
      })
      .catch((error: unknown) => {
        // A bug here must cost one request, not the process (an unhandled rejection would).
        this.logger.error(`answering ${call.model} after a cache lookup failed: ${String(error)}`);
        sendOpenAiError(res, 500, PROXY_ERRORS.internal);
      });
  }

  private listModels(res: ServerResponse): void {
    const data = this.routes.services().map((id) => ({
      id,
      object: 'model',
      created: this.startedAtSeconds,
      owned_by: 'greenlight',
    }));
    const body = JSON.stringify({ object: 'list', data });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private methodNotAllowed(
    res: ServerResponse,
    method: string,
    path: string,
    allowed: string,
  ): void {
    res.setHeader('allow', allowed);
    sendOpenAiError(res, 405, PROXY_ERRORS.methodNotAllowed(method, path));
  }

  /** The whole (small, JSON) body, once; a body over the limit is answered 413 and dropped. */
  private readBody(req: IncomingMessage, res: ServerResponse, done: (body: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
        res.setHeader('connection', 'close');
        sendOpenAiError(res, 413, PROXY_ERRORS.tooLarge(this.maxBodyBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  }

  private readonly reportUpstreamError = (
    target: RouteTarget,
    error: Error,
    retried: boolean,
  ): void => {
    const now = Date.now();
    const last = this.lastErrorLog.get(target.url) ?? 0;
    if (now - last < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog.set(target.url, now);
    const what = retried ? 'retrying on another replica' : 'answered with an error';
    this.logger.warn(
      `${target.stats.service}/${target.stats.pool} replica ${target.url} failed (${error.message}); ${what}`,
    );
  };
}
