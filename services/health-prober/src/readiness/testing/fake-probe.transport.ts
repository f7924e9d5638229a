import type { ProbeRequest, ProbeResponse, ProbeTransport } from '../probe.transport';

/** What one fake replica does right now; tests flip fields as "time" passes. */
export interface FakeReplicaState {
  /** false: the port refuses connections (still loading, or crashed). */
  accepting: boolean;
  /** true: connections and requests never complete (only the caller's signal ends them). */
  hang: boolean;
  /** Only this call hangs, e.g. 'GET /health'. */
  hangOn?: string;
  healthStatus: number;
  models: string[];
  /** Status of each warm-up completion, taken in order; 200 once the list is empty. */
  completionStatuses: number[];
  completionContent: string;
}

export interface FakeCall {
  at: number;
  replica: string;
  what: string;
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}

/** A narrow stand-in for the network: replicas keyed by origin, every call recorded. */
export class FakeProbeTransport implements ProbeTransport {
  readonly calls: FakeCall[] = [];
  closed = false;
  private readonly replicas = new Map<string, FakeReplicaState>();

  replica(origin: string, state: Partial<FakeReplicaState> = {}): FakeReplicaState {
    const full: FakeReplicaState = {
      accepting: true,
      hang: false,
      healthStatus: 200,
      models: ['chat'],
      completionStatuses: [],
      completionContent: 'ready',
      ...state,
    };
    this.replicas.set(new URL(origin).origin, full);
    return full;
  }

  callsTo(origin: string): string[] {
    const key = new URL(origin).origin;
    return this.calls.filter((c) => c.replica === key).map((c) => c.what);
  }

  async connect(url: URL, signal: AbortSignal): Promise<void> {
    const state = this.record(url, 'connect');
    await this.settle(state, signal, 'connect');
  }

  async request({ method, url, signal }: ProbeRequest): Promise<ProbeResponse> {
    const what = `${method} ${url.pathname}`;
    const state = this.record(url, what);
    await this.settle(state, signal, what);
    if (url.pathname.endsWith('/health')) return { status: state.healthStatus, body: '' };
    if (url.pathname.endsWith('/v1/models')) {
      return {
        status: 200,
        body: JSON.stringify({ object: 'list', data: state.models.map((id) => ({ id })) }),
      };
    }
    const status = state.completionStatuses.shift() ?? 200;
    if (status !== 200) {
      return { status, body: JSON.stringify({ error: { message: 'simulated failure' } }) };
    }
    return {
      status,
      body: JSON.stringify({
        choices: [{ index: 0, message: { role: 'assistant', content: state.completionContent } }],
      }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private record(url: URL, what: string): FakeReplicaState {
    this.calls.push({ at: Date.now(), replica: url.origin, what });
    const state = this.replicas.get(url.origin);
    if (!state) throw new Error(`no fake replica at ${url.origin}`);
    return state;
  }

  private async settle(state: FakeReplicaState, signal: AbortSignal, what: string): Promise<void> {
    if (state.hang || state.hangOn === what) {
      await new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    await Promise.resolve();
    if (!state.accepting) throw refused();
  }
}
