import type { EventSourceMessage } from 'eventsource-parser';
import { ApiError, ConnectionError } from '../../api/api.errors';
import type { CliIo } from '../../commands/command.util';
import {
  FRAME_INTERVAL_MS,
  RECENT_EVENTS,
  RECONNECT,
  STREAM_EVENT,
  WATCH_ERRORS,
  WATCH_EXIT,
  WATCH_MESSAGES,
  type WatchUntil,
} from './watch.constants';
import {
  currentPhase,
  initialWatchState,
  reduceWatch,
  watchOutcome,
  type WatchEnvelope,
  type WatchInput,
  type WatchRecord,
  type WatchState,
} from './watch.reducer';
import { finalLine, jsonLine, plainLine, renderFrame } from './watch.renderer';

export type WatchMode = 'tty' | 'plain' | 'json';

/** Where the stream comes from: OrchestratorClient.follow, or a test's fake. */
export interface StreamSource {
  follow(id: string, signal?: AbortSignal): AsyncIterable<EventSourceMessage>;
}

/** A terminal the TTY mode redraws in place. */
export interface Terminal {
  write(text: string): void;
  readonly columns: number | undefined;
  readonly rows: number | undefined;
}

export interface WatchSessionOptions {
  until: WatchUntil;
  mode: WatchMode;
  /** Ctrl-C: stop watching (never the deployment). */
  signal: AbortSignal;
  terminal?: Terminal;
  now?: () => number;
}

/** SSE message → reducer input; null for what the CLI does not know (a newer server's events). */
export function toWatchInput(message: EventSourceMessage): WatchInput | null {
  let data: unknown;
  try {
    data = message.data ? JSON.parse(message.data) : undefined;
  } catch {
    return null;
  }
  const isObject = typeof data === 'object' && data !== null;
  switch (message.event) {
    case STREAM_EVENT.live:
      return { kind: 'live' };
    case STREAM_EVENT.deployment:
      return isObject && typeof (data as WatchRecord).phase === 'string'
        ? { kind: 'deployment', record: data as WatchRecord }
        : null;
    case STREAM_EVENT.audit:
      return isObject && typeof (data as WatchEnvelope).id === 'string'
        ? { kind: 'audit', envelope: data as WatchEnvelope }
        : null;
    default:
      return null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Redraws a frame in place, at most every FRAME_INTERVAL_MS, ticking while nothing arrives. */
class TtyScreen {
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly terminal: Terminal,
    private readonly frame: () => string[],
  ) {
    this.timer = setInterval(() => this.draw(), FRAME_INTERVAL_MS);
  }

  draw(): void {
    const width = Math.max(20, (this.terminal.columns ?? 100) - 1);
    // Cursor-up cannot reach above the screen's top: keep the frame shorter than the screen.
    const height = Math.max(5, (this.terminal.rows ?? 50) - 1);
    const lines = this.frame()
      .slice(0, height)
      .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    const rewind = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : '';
    this.terminal.write(`${rewind}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  stop(): void {
    clearInterval(this.timer);
    this.draw();
  }
}

/**
 * Follows one deployment until it reaches `until` (0), ends otherwise (1) or Ctrl-C (130).
 * A dropped stream is reopened with backoff; the history it replays is deduplicated by
 * envelope id, so each event is shown once.
 */
export async function watchDeployment(
  source: StreamSource,
  id: string,
  io: CliIo,
  options: WatchSessionOptions,
): Promise<number> {
  const now = options.now ?? Date.now;
  const seen = new Set<string>();
  const recent: string[] = [];
  let state: WatchState = initialWatchState(id);
  let lastRecord: string | undefined;
  const screen =
    options.mode === 'tty' && options.terminal
      ? new TtyScreen(options.terminal, () => renderFrame(state, now(), recent))
      : undefined;

  const notice = (text: string): void => {
    if (screen) remember(recent, text);
    else io.err(text);
  };
  const show = (before: WatchState, input: WatchInput): void => {
    if (options.mode === 'json') {
      io.out(jsonLine(input));
      return;
    }
    const line = plainLine(before, state, input);
    if (line === null) return;
    if (screen) remember(recent, line);
    else io.out(line);
  };
  const finish = (code: number): number => {
    screen?.stop();
    if (code === WATCH_EXIT.interrupted) {
      io.err(WATCH_MESSAGES.interrupted(id));
    } else if (options.mode === 'json') {
      io.out(
        JSON.stringify({ event: 'end', data: { phase: currentPhase(state), exitCode: code } }),
      );
    } else {
      io.out(finalLine(state, state.lastAt ?? now()));
    }
    return code;
  };

  let attempts = 0;
  let connected = false;
  try {
    for (;;) {
      if (options.signal.aborted) return finish(WATCH_EXIT.interrupted);
      let reason: string = WATCH_ERRORS.endedEarly(currentPhase(state) ?? '?');
      try {
        for await (const message of source.follow(id, options.signal)) {
          connected = true;
          const input = toWatchInput(message);
          if (!input) continue;
          if (input.kind === 'live') {
            if (attempts > 0) notice(WATCH_MESSAGES.reconnected);
            attempts = 0;
          }
          if (input.kind === 'audit') {
            if (seen.has(input.envelope.id)) continue;
            seen.add(input.envelope.id);
          }
          if (input.kind === 'deployment') {
            // The orchestrator re-sends the record every few seconds; only a change is news.
            const text = JSON.stringify(input.record);
            if (text === lastRecord) continue;
            lastRecord = text;
          }
          const before = state;
          state = reduceWatch(state, input);
          show(before, input);
          const code = watchOutcome(state, options.until);
          if (code !== null) return finish(code);
        }
      } catch (error) {
        // 4xx (unknown id, bad token) will not get better by asking again, and an orchestrator
        // never reached is a wrong URL more likely than a restart.
        if (error instanceof ApiError && error.status < 500) throw error;
        if (!connected) throw error;
        reason = reasonOf(error);
      }
      if (options.signal.aborted) return finish(WATCH_EXIT.interrupted);
      attempts += 1;
      if (attempts > RECONNECT.maxAttempts) {
        throw new ConnectionError(WATCH_ERRORS.lost(RECONNECT.maxAttempts, reason));
      }
      const delay = Math.min(RECONNECT.firstDelayMs * 2 ** (attempts - 1), RECONNECT.maxDelayMs);
      notice(WATCH_MESSAGES.reconnecting(delay, reason));
      await sleep(delay, options.signal);
    }
  } catch (error) {
    screen?.stop();
    throw error;
  }
}

function remember(recent: string[], line: string): void {
  recent.push(line);
  if (recent.length > RECENT_EVENTS) recent.splice(0, recent.length - RECENT_EVENTS);
}
