import {
  EVENT_SCHEMAS,
  isEventType,
  TERMINAL_PHASES,
  type EventData,
  type EventType,
} from '@greenlight/contracts';
import { WATCH_EXIT, type WatchUntil } from './watch.constants';

/**
 * The deployment record as the stream sends it. Read loosely: the orchestrator's schema is the
 * authority, and a field it adds later must not break an older CLI.
 */
export interface WatchRecord {
  id: string;
  service: string;
  phase: string;
  paused?: boolean;
  updatedAt?: string;
  createdAt?: string;
  stepIndex?: number | null;
  weights?: { blue: number; green: number };
  reason?: string | null;
  blue?: { release?: { version?: string } } | null;
  request?: {
    release?: { version?: string };
    pool?: { replicas?: number; endpoints?: unknown[] };
    strategy?: {
      steps?: { weight: number; bake: number }[];
      drain?: { timeout?: number };
      standby?: number;
      analysis?: { maxBakeExtensions?: number };
    };
  };
  analysis?: {
    step: number;
    verdict: string;
    extensions: number;
    reasons: string[];
  } | null;
  remainingMs?: number | null;
}

/** One audit-log envelope as the stream sends it. */
export interface WatchEnvelope {
  id: string;
  type: string;
  seq: number;
  at: string;
  actor: string;
  data: unknown;
}

export type WatchInput =
  | { kind: 'deployment'; record: WatchRecord }
  | { kind: 'audit'; envelope: WatchEnvelope }
  | { kind: 'live' };

export interface PhaseSpan {
  phase: string;
  /** epoch ms */
  at: number;
  reason: string;
  actor: string;
}

/** A clock that pause stops: a step's bake, or the standby window. */
export interface PhaseClock {
  /** What it times: `bake:<step>` or `standby`. */
  key: string;
  startedAt: number;
  pausedMs: number;
  pausedSince: number | null;
}

export interface WatchState {
  id: string;
  record: WatchRecord | null;
  /** History has been replayed; what arrives now is live. */
  live: boolean;
  timeline: PhaseSpan[];
  /** Canary/Ramping step, counted from the phase changes (the record's index once live). */
  step: number | null;
  weights: { blue: number; green: number } | null;
  routingVersion: number | null;
  replicas: { total: number | null; ready: number[] };
  poolReady: boolean;
  prewarm: EventData<'cache.prewarmed'> | null;
  cachePlan: EventData<'cache.plan'> | null;
  evaluation: (EventData<'eval.completed'> & { at: number }) | null;
  analysis: (EventData<'analysis.completed'> & { at: number }) | null;
  clock: PhaseClock | null;
  paused: boolean;
  drain:
    | (EventData<'drain.progress'> & {
        initialInFlight: number;
        completed: boolean;
        timedOut: boolean;
      })
    | null;
  /** The time of the latest event or record seen: "now" for a replay without a clock. */
  lastAt: number | null;
}

export function initialWatchState(id: string): WatchState {
  return {
    id,
    record: null,
    live: false,
    timeline: [],
    step: null,
    weights: null,
    routingVersion: null,
    replicas: { total: null, ready: [] },
    poolReady: false,
    prewarm: null,
    cachePlan: null,
    evaluation: null,
    analysis: null,
    clock: null,
    paused: false,
    drain: null,
    lastAt: null,
  };
}

const BAKING = ['Canary', 'Ramping'];

/** Typed `data` of a known event; null when the type is unknown or the data does not parse. */
export function eventData<T extends EventType>(
  envelope: WatchEnvelope,
  type: T,
): EventData<T> | null {
  if (envelope.type !== type || !isEventType(envelope.type)) return null;
  const parsed = EVENT_SCHEMAS[type].safeParse(envelope.data);
  return parsed.success ? (parsed.data as EventData<T>) : null;
}

function epoch(at: string | undefined): number | null {
  if (at === undefined) return null;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? null : ms;
}

/** The phase the deployment is in as far as the events seen so far tell. */
export function currentPhase(state: WatchState): string | null {
  const last = state.timeline.at(-1);
  const record = state.record;
  if (!last) return record?.phase ?? null;
  // Once live, the newer of the two wins: the record follows each event by a few ms, and it is
  // all there is when the orchestrator could not read the history.
  const recordAt = epoch(record?.updatedAt);
  if (state.live && record && recordAt !== null && recordAt > last.at) return record.phase;
  return last.phase;
}

export function stepsOf(state: WatchState): { weight: number; bake: number }[] {
  return state.record?.request?.strategy?.steps ?? [];
}

/** Events → view state. Pure: the same inputs in the same order give the same state. */
export function reduceWatch(state: WatchState, input: WatchInput): WatchState {
  switch (input.kind) {
    case 'live':
      return { ...state, live: true };
    case 'deployment':
      return onRecord(state, input.record);
    case 'audit':
      return onEnvelope(
        { ...state, lastAt: Math.max(state.lastAt ?? 0, epoch(input.envelope.at) ?? 0) },
        input.envelope,
      );
  }
}

function onRecord(state: WatchState, record: WatchRecord): WatchState {
  const next: WatchState = { ...state, record };
  // Before `live` the record is ahead of the history being replayed: the events set the scene.
  if (!state.live) return next;
  return {
    ...next,
    weights: record.weights ?? state.weights,
    paused: record.paused ?? state.paused,
    step: BAKING.includes(record.phase) ? (record.stepIndex ?? state.step) : state.step,
  };
}

function onEnvelope(state: WatchState, envelope: WatchEnvelope): WatchState {
  const at = epoch(envelope.at) ?? state.lastAt ?? 0;
  switch (envelope.type) {
    case 'deployment.phase_changed': {
      const data = eventData(envelope, 'deployment.phase_changed');
      return data ? onPhase(state, data, at) : state;
    }
    case 'deployment.control': {
      const data = eventData(envelope, 'deployment.control');
      if (!data?.accepted) return state;
      if (data.action === 'pause') return pauseClock({ ...state, paused: true }, at);
      if (data.action === 'resume') return resumeClock({ ...state, paused: false }, at);
      return state;
    }
    case 'pool.provisioned': {
      const data = eventData(envelope, 'pool.provisioned');
      return data
        ? { ...state, replicas: { total: data.endpoints.length, ready: state.replicas.ready } }
        : state;
    }
    case 'replica.ready': {
      const data = eventData(envelope, 'replica.ready');
      if (!data || state.replicas.ready.includes(data.replica)) return state;
      return {
        ...state,
        replicas: { ...state.replicas, ready: [...state.replicas.ready, data.replica] },
      };
    }
    case 'pool.ready': {
      const data = eventData(envelope, 'pool.ready');
      if (!data) return state;
      const total = data.endpoints.length;
      return {
        ...state,
        poolReady: true,
        replicas: { total, ready: data.endpoints.map((e) => e.replica) },
      };
    }
    case 'cache.plan': {
      const data = eventData(envelope, 'cache.plan');
      return data ? { ...state, cachePlan: data } : state;
    }
    case 'cache.prewarmed': {
      const data = eventData(envelope, 'cache.prewarmed');
      return data ? { ...state, prewarm: data } : state;
    }
    case 'eval.completed': {
      const data = eventData(envelope, 'eval.completed');
      return data ? { ...state, evaluation: { ...data, at } } : state;
    }
    case 'analysis.completed': {
      const data = eventData(envelope, 'analysis.completed');
      return data ? { ...state, analysis: { ...data, at } } : state;
    }
    case 'traffic.shifted': {
      const data = eventData(envelope, 'traffic.shifted');
      return data ? onShifted(state, data, at) : state;
    }
    case 'drain.progress': {
      const data = eventData(envelope, 'drain.progress');
      if (!data) return state;
      const initialInFlight = Math.max(state.drain?.initialInFlight ?? 0, data.inFlight);
      return {
        ...state,
        drain: { ...data, initialInFlight, completed: false, timedOut: false },
      };
    }
    case 'drain.completed': {
      const data = eventData(envelope, 'drain.completed');
      if (!data) return state;
      return {
        ...state,
        drain: {
          release: data.release,
          inFlight: data.inFlight,
          streams: state.drain?.streams ?? 0,
          elapsedMs: data.elapsedMs,
          initialInFlight: Math.max(state.drain?.initialInFlight ?? 0, data.inFlight),
          completed: true,
          timedOut: data.timedOut,
        },
      };
    }
    default:
      return state;
  }
}

function onPhase(
  state: WatchState,
  data: EventData<'deployment.phase_changed'>,
  at: number,
): WatchState {
  const timeline = [
    ...state.timeline,
    { phase: data.to, at, reason: data.reason, actor: data.actor },
  ];
  const paused = data.paused ?? state.paused;
  const next: WatchState = { ...state, timeline, paused, clock: null };
  switch (data.to) {
    case 'Provisioning':
      return { ...next, replicas: { total: null, ready: [] }, poolReady: false };
    case 'Canary':
      return { ...next, step: 0 };
    case 'Ramping':
      return { ...next, step: (state.step ?? -1) + 1 };
    case 'Standby':
      return { ...next, clock: startClock('standby', at, paused) };
    default:
      return next;
  }
}

/** A step's bake starts when the data plane confirms its weight. */
function onShifted(state: WatchState, data: EventData<'traffic.shifted'>, at: number): WatchState {
  const next: WatchState = { ...state, weights: data.weights, routingVersion: data.version };
  const phase = currentPhase(state);
  if (phase === null || !BAKING.includes(phase) || state.step === null) return next;
  const step = stepsOf(state)[state.step];
  const key = `bake:${state.step}`;
  if (!step || step.bake === 0 || step.weight !== data.weights.green || state.clock?.key === key) {
    return next;
  }
  return { ...next, clock: startClock(key, at, state.paused) };
}

function startClock(key: string, at: number, paused: boolean): PhaseClock {
  return { key, startedAt: at, pausedMs: 0, pausedSince: paused ? at : null };
}

function pauseClock(state: WatchState, at: number): WatchState {
  const clock = state.clock;
  if (!clock || clock.pausedSince !== null) return state;
  return { ...state, clock: { ...clock, pausedSince: at } };
}

function resumeClock(state: WatchState, at: number): WatchState {
  const clock = state.clock;
  if (!clock || clock.pausedSince === null) return state;
  const pausedMs = clock.pausedMs + Math.max(0, at - clock.pausedSince);
  return { ...state, clock: { ...clock, pausedMs, pausedSince: null } };
}

/** How long a clock has run (pauses excluded). */
export function clockElapsed(clock: PhaseClock, now: number): number {
  const until = clock.pausedSince ?? now;
  return Math.max(0, until - clock.startedAt - clock.pausedMs);
}

/** The bake of the current step: its length so far (each extension adds one more bake). */
export function bakeBudget(state: WatchState): { bakeMs: number; extensions: number } | null {
  if (state.step === null) return null;
  const step = stepsOf(state)[state.step];
  if (!step) return null;
  const analysis = state.record?.analysis;
  const extensions = analysis && analysis.step === state.step ? analysis.extensions : 0;
  return { bakeMs: step.bake * (1 + extensions), extensions };
}

const SUCCESS: Record<WatchUntil, readonly string[]> = {
  completed: ['Completed'],
  standby: ['Standby', 'Completed'],
};

/**
 * The exit code once watching is over, or null while it goes on. Decided only once the history
 * has been replayed, so a finished deployment still prints what happened first.
 */
export function watchOutcome(state: WatchState, until: WatchUntil): number | null {
  if (!state.live) return null;
  const phase = currentPhase(state);
  if (phase === null) return null;
  if (SUCCESS[until].includes(phase)) return WATCH_EXIT.succeeded;
  if ((TERMINAL_PHASES as readonly string[]).includes(phase)) return WATCH_EXIT.failed;
  return null;
}
