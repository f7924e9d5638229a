import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request } from 'undici';
import { CLI_ERRORS } from '../cli.constants';
import { ApiError, ConnectionError } from './api.errors';
import type { Accepted, Connection, DeploymentView, ErrorBody, EventView } from './api.types';
import type { ControlAction } from '@greenlight/contracts';

const REQUEST_TIMEOUT_MS = 30_000;

/** errno code when there is one (ECONNREFUSED says more than "fetch failed"). */
function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string') return message;
  }
  return String(error);
}

/** The orchestrator's REST API (`/v1`), as the CLI uses it. */
/** What the orchestrator answers to promote/pause/resume/abort/rollback. */
export interface ControlResult {
  id: string;
  phase: string;
  paused?: boolean;
  /** Rolling back a Completed deployment redeploys its previous release as this deployment. */
  redeployment?: { id: string; phase: string };
}

export class OrchestratorClient {
  private readonly base: string;

  constructor(private readonly connection: Connection) {
    this.base = connection.url.replace(/\/+$/, '');
  }

  createDeployment(body: unknown, idempotencyKey?: string): Promise<Accepted> {
    return this.call<Accepted>('POST', '/v1/deployments', body, {
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    });
  }

  listDeployments(): Promise<{ items: DeploymentView[] }> {
    return this.call('GET', '/v1/deployments');
  }

  getDeployment(id: string): Promise<DeploymentView> {
    return this.call('GET', `/v1/deployments/${encodeURIComponent(id)}`);
  }

  listEvents(id: string): Promise<{ items: EventView[] }> {
    return this.call('GET', `/v1/deployments/${encodeURIComponent(id)}/events`);
  }

  control(id: string, action: ControlAction, reason?: string): Promise<ControlResult> {
    return this.call('POST', `/v1/deployments/${encodeURIComponent(id)}/${action}`, {
      ...(reason ? { reason } : {}),
    });
  }

  /**
   * Follows a deployment live (GET /v1/deployments/:id/stream): each server-sent event until
   * the server closes the stream or `signal` aborts. Heartbeat comments are not yielded.
   */
  async *follow(id: string, signal?: AbortSignal): AsyncGenerator<EventSourceMessage> {
    const url = `${this.base}/v1/deployments/${encodeURIComponent(id)}/stream`;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'GET',
        headers: {
          accept: 'text/event-stream',
          ...(this.connection.token ? { authorization: `Bearer ${this.connection.token}` } : {}),
        },
        headersTimeout: REQUEST_TIMEOUT_MS,
        // A stream is idle between events; the server's heartbeat comes every 15 s.
        bodyTimeout: 0,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return;
      throw new ConnectionError(CLI_ERRORS.unreachable(this.base, reasonOf(error)));
    }
    if (response.statusCode >= 400) {
      const text = await response.body.text();
      let errorBody: ErrorBody;
      try {
        errorBody = JSON.parse(text) as ErrorBody;
      } catch {
        errorBody = { message: text || undefined };
      }
      throw new ApiError(response.statusCode, errorBody);
    }
    const queue: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (message) => queue.push(message) });
    // A multi-byte character may be split across chunks.
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
        while (queue.length > 0) yield queue.shift()!;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw new ConnectionError(CLI_ERRORS.unreachable(this.base, reasonOf(error)));
    }
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const url = `${this.base}${path}`;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(this.connection.token ? { authorization: `Bearer ${this.connection.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (error) {
      throw new ConnectionError(CLI_ERRORS.unreachable(this.base, reasonOf(error)));
    }
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.statusCode >= 400) {
      const errorBody: ErrorBody =
        typeof parsed === 'object' && parsed !== null ? parsed : { message: text || undefined };
      throw new ApiError(response.statusCode, errorBody);
    }
    if (parsed === undefined)
      throw new ConnectionError(CLI_ERRORS.badResponse(url, response.statusCode));
    return parsed as T;
  }
}
