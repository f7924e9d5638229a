import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { GatewayConfig } from '../config/gateway.config';
import { choosePool, type RouteTarget } from '../routing/compiled-route.util';
import { RouteTableService } from '../routing/route-table.service';
import { pickReplica } from '../split/replica-picker.util';
import { requestPoint } from '../split/split.util';
import { sendOpenAiError } from './openai-error.util';
import {
  CHAT_COMPLETIONS_PATH,
  COMPLETIONS_PATH,
  HOP_BY_HOP_HEADERS,
  MODELS_PATH,
  PROXY_ERRORS,
  SESSION_HEADER,
} from './proxy.constants';
import { ProxyExchange } from './proxy-exchange';

/** Request headers the proxy sets itself (undici computes length and host from the target). */
const NOT_FORWARDED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'host',
  'content-length',
  'expect',
]);
const ERROR_LOG_INTERVAL_MS = 5_000;

interface CompletionRequest {
  model?: unknown;
  stream?: unknown;
  messages?: unknown;
  prompt?: unknown;
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
      this.readBody(req, res, (body) => this.proxyCompletion(req, res, url, body, startedAt));
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
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (NOT_FORWARDED.has(lower)) continue;
      if (lower === SESSION_HEADER) sessionId = raw[i + 1];
      headers.push(name, raw[i + 1]!);
    }

    const pool = choosePool(route, requestPoint(route.table.affinity, sessionId, request));
    const target = pickReplica(pool.targets, pool.cursor)!;
    new ProxyExchange(
      res,
      pool,
      target,
      { path: url, headers, body, streaming: request.stream === true, startedAt },
      this.reportUpstreamError,
    ).start();
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
