import { alignColumns } from '../format.util';
import {
  bakeBudget,
  clockElapsed,
  currentPhase,
  eventData,
  stepsOf,
  type WatchEnvelope,
  type WatchInput,
  type WatchState,
} from './watch.reducer';

/** Wide enough for every phase name ("Provisioning"), so plain lines stay in columns. */
const PHASE_COLUMN = 12;
const BAR_WIDTH = 20;
const TERMINAL = ['Completed', 'RolledBack', 'Failed', 'Aborted'];
const METRIC_UNITS: Record<string, 'percent' | 'ms'> = {
  errorRate: 'percent',
  ttftP95: 'ms',
  itlP95: 'ms',
  e2eP95: 'ms',
};

/** Compact duration that reads well while it ticks: 0.4s, 42s, 5m02s, 1h05m. */
export function formatSpan(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 10_000) return `${(value / 1000).toFixed(1)}s`;
  const seconds = Math.floor(value / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** HH:MM:SS in UTC, as `greenlight events` prints times. */
export function clockTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}

export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function formatMetric(name: string, value: number | null): string {
  if (value === null) return '-';
  if (METRIC_UNITS[name] === 'percent') return `${(value * 100).toFixed(2)} %`;
  return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function byWhom(actor: string): string {
  return actor.startsWith('system:') ? '' : ` (by ${actor})`;
}

function versions(state: WatchState): { blue: string; green: string } {
  return {
    blue: state.record?.blue?.release?.version ?? 'blue',
    green: state.record?.request?.release?.version ?? 'green',
  };
}

export function formatWeightsLine(state: WatchState): string {
  const weights = state.weights ?? state.record?.weights;
  if (!weights) return 'no traffic split yet';
  const v = versions(state);
  return `blue ${v.blue} ${weights.blue} % / green ${v.green} ${weights.green} %`;
}

function stepLabel(state: WatchState): string | null {
  if (state.step === null) return null;
  const steps = stepsOf(state);
  const step = steps[state.step];
  if (!step) return null;
  const bake = step.bake > 0 ? `, bake ${formatSpan(step.bake)}` : '';
  return `step ${state.step + 1}/${steps.length}: ${step.weight} % green${bake}`;
}

function analysisSummary(state: WatchState): string {
  const a = state.analysis;
  if (!a) return '';
  const metrics = Object.entries(a.metrics).map(
    ([name, v]) => `${name} ${formatMetric(name, v.green)} vs ${formatMetric(name, v.blue)}`,
  );
  const samples = `green ${a.samples.green} req, blue ${a.samples.blue} req`;
  return [`analysis step ${a.step + 1}: ${a.verdict} (${samples})`, ...metrics].join(', ');
}

function phaseLine(state: WatchState, envelope: WatchEnvelope): string | null {
  const data = eventData(envelope, 'deployment.phase_changed');
  if (!data) return null;
  const spans = state.timeline;
  const previous = spans.at(-2);
  const current = spans.at(-1);
  const took =
    data.from && previous && current
      ? `${data.from} took ${formatSpan(current.at - previous.at)}; `
      : '';
  const step = data.to === 'Canary' || data.to === 'Ramping' ? stepLabel(state) : null;
  return `${took}${step ? `${step}; ` : ''}${data.reason}${byWhom(data.actor)}`;
}

/** What one audit event says, in words (no time or phase: the caller adds those). */
export function describeEnvelope(state: WatchState, envelope: WatchEnvelope): string | null {
  switch (envelope.type) {
    case 'deployment.phase_changed':
      return phaseLine(state, envelope);
    case 'deployment.control': {
      const data = eventData(envelope, 'deployment.control');
      if (!data) return null;
      const refused = data.accepted ? '' : ' (refused)';
      return `${data.action}${refused}${byWhom(envelope.actor)}${data.reason ? `: ${data.reason}` : ''}`;
    }
    case 'pool.provisioned': {
      const data = eventData(envelope, 'pool.provisioned');
      if (!data) return null;
      const n = data.endpoints.length;
      return `green pool started: ${n} replica${n === 1 ? '' : 's'} of ${data.release}`;
    }
    case 'replica.ready': {
      const data = eventData(envelope, 'replica.ready');
      if (!data) return null;
      const { total, ready } = state.replicas;
      return `replica ${data.replica} ready (${ready.length}/${total ?? '?'})`;
    }
    case 'pool.ready': {
      const data = eventData(envelope, 'pool.ready');
      return data ? `green pool ready: ${data.endpoints.length} replica(s)` : null;
    }
    case 'pool.failed': {
      const data = eventData(envelope, 'pool.failed');
      if (!data) return null;
      const replica =
        data.replica === null || data.replica === undefined ? '' : `, replica ${data.replica}`;
      return `green pool failed (${data.stage}${replica}): ${data.reason}`;
    }
    case 'pool.decommissioned': {
      const data = eventData(envelope, 'pool.decommissioned');
      return data ? `pool ${data.release} decommissioned` : null;
    }
    case 'cache.plan': {
      const data = eventData(envelope, 'cache.plan');
      return data
        ? `cache plan: prefix ${data.prefix}, semantic ${data.semantic} (${data.backend})`
        : null;
    }
    case 'cache.prewarmed': {
      const data = eventData(envelope, 'cache.prewarmed');
      return data
        ? `prefix cache pre-warmed: ${data.prefixes} prefixes on ${data.replicas} replica(s) in ${formatSpan(data.seconds * 1000)}`
        : null;
    }
    case 'eval.completed': {
      const data = eventData(envelope, 'eval.completed');
      if (!data) return null;
      const cases = data.report ? `${data.report.cases.length} cases, ` : '';
      const blue = data.scores.blue === null ? '' : ` (blue ${data.scores.blue.toFixed(2)})`;
      const why = data.reasons.length > 0 ? `: ${data.reasons.join('; ')}` : '';
      return `eval ${data.passed ? 'passed' : 'failed'}: ${cases}pass rate ${data.scores.green.toFixed(2)}${blue}${why}`;
    }
    case 'analysis.completed':
      return analysisSummary(state) || null;
    case 'traffic.shifted': {
      const data = eventData(envelope, 'traffic.shifted');
      return data ? `weights ${formatWeightsLine(state)} (routing v${data.version} applied)` : null;
    }
    case 'drain.progress': {
      const data = eventData(envelope, 'drain.progress');
      return data
        ? `draining blue ${data.release}: ${data.inFlight} in flight (${data.streams} streaming) after ${formatSpan(data.elapsedMs)}`
        : null;
    }
    case 'drain.completed': {
      const data = eventData(envelope, 'drain.completed');
      if (!data) return null;
      return data.timedOut
        ? `drain timed out after ${formatSpan(data.elapsedMs)} with ${data.inFlight} in flight`
        : `blue drained in ${formatSpan(data.elapsedMs)}`;
    }
    case 'command.rejected': {
      const data = eventData(envelope, 'command.rejected');
      return data ? `command ${data.command} rejected: ${data.reason}` : null;
    }
    default:
      return envelope.type;
  }
}

function linePrefix(state: WatchState, at: number): string {
  return `${clockTime(at)}  ${(currentPhase(state) ?? '?').padEnd(PHASE_COLUMN)}  `;
}

/**
 * The plain (not a TTY) line for one input, from the state before and after it; null when it
 * says nothing new. Record updates only print what no event says: a bake extension.
 */
export function plainLine(before: WatchState, after: WatchState, input: WatchInput): string | null {
  if (input.kind === 'live') return null;
  if (input.kind === 'audit') {
    const text = describeEnvelope(after, input.envelope);
    const at = Date.parse(input.envelope.at);
    return text === null ? null : `${linePrefix(after, Number.isNaN(at) ? 0 : at)}${text}`;
  }
  if (!before.live) return null;
  const was = before.record?.analysis;
  const now = input.record.analysis;
  if (!now || now.extensions === 0) return null;
  if (was && was.step === now.step && was.extensions >= now.extensions) return null;
  const max = input.record.request?.strategy?.analysis?.maxBakeExtensions;
  const at = Date.parse(input.record.updatedAt ?? '');
  const why = now.reasons.length > 0 ? `: ${now.reasons.join('; ')}` : '';
  return `${linePrefix(after, Number.isNaN(at) ? (after.lastAt ?? 0) : at)}step ${now.step + 1}: analysis ${now.verdict}, bake extended (${now.extensions}${max === undefined ? '' : `/${max}`})${why}`;
}

/** The last line of a watch: how it ended and how long it took. */
export function finalLine(state: WatchState, endedAt: number): string {
  const phase = currentPhase(state) ?? '?';
  const first = state.timeline[0];
  const span = first ? ` after ${formatSpan(endedAt - first.at)}` : '';
  const last = state.timeline.at(-1);
  const reason =
    TERMINAL.includes(phase) && phase !== 'Completed' && last?.reason ? `: ${last.reason}` : '';
  return `deployment ${state.id} ${phase}${span}${reason}`;
}

/** One line on what the current phase is doing, with a bar where there is something to count. */
export function progressLine(state: WatchState, now: number): string | null {
  const phase = currentPhase(state);
  const paused = state.paused ? ' (paused)' : '';
  switch (phase) {
    case 'Provisioning': {
      const n = state.record?.request?.pool?.replicas;
      return `starting the green pool${n ? ` (${n} replica${n === 1 ? '' : 's'})` : ''}`;
    }
    case 'WarmingUp': {
      if (state.poolReady) {
        return state.prewarm ? 'prefix cache pre-warmed' : 'pre-warming the prefix cache';
      }
      const { total, ready } = state.replicas;
      if (!total) return 'waiting for the green replicas';
      return `ready     ${progressBar(ready.length / total)} ${ready.length}/${total} replicas`;
    }
    case 'Verifying': {
      const since = state.timeline.at(-1)?.at ?? now;
      return `smoke tests and eval suite on green, running ${formatSpan(now - since)}`;
    }
    case 'Canary':
    case 'Ramping': {
      const label = stepLabel(state) ?? 'step ?';
      const budget = bakeBudget(state);
      if (!budget || budget.bakeMs === 0) return `${label}; waiting for the data plane`;
      if (!state.clock?.key.startsWith('bake:')) {
        return `${label}; waiting for the data plane to confirm the split${paused}`;
      }
      const elapsed = Math.min(clockElapsed(state.clock, now), budget.bakeMs);
      const extended = budget.extensions > 0 ? ` (extended ${budget.extensions}×)` : '';
      return `${label}\nbake      ${progressBar(elapsed / budget.bakeMs)} ${formatSpan(elapsed)} / ${formatSpan(budget.bakeMs)}${extended}${paused}`;
    }
    case 'Promoted':
      return 'green takes 100 %; waiting for the data plane to confirm';
    case 'Draining': {
      const drain = state.drain;
      const timeout = state.record?.request?.strategy?.drain?.timeout;
      const of = timeout ? ` of ${formatSpan(timeout)}` : '';
      if (!drain) return `draining blue: waiting for the first in-flight count`;
      const done = drain.initialInFlight === 0 ? 1 : 1 - drain.inFlight / drain.initialInFlight;
      return `in flight ${progressBar(done)} ${drain.inFlight} left of ${drain.initialInFlight} (${drain.streams} streaming), ${formatSpan(drain.elapsedMs)}${of}`;
    }
    case 'Standby': {
      const window = state.record?.request?.strategy?.standby;
      if (!state.clock || !window) return `blue kept warm for instant rollback${paused}`;
      const elapsed = Math.min(clockElapsed(state.clock, now), window);
      return `standby   ${progressBar(elapsed / window)} ${formatSpan(elapsed)} / ${formatSpan(window)}: blue kept warm${paused}`;
    }
    case 'RollingBack':
      return 'blue takes 100 % back; waiting for the data plane to confirm';
    default:
      return null;
  }
}

function timelineRows(state: WatchState, now: number): string[] {
  const phase = currentPhase(state);
  const ended = phase !== null && TERMINAL.includes(phase);
  const rows: string[][] = [['', 'PHASE', 'STARTED', 'TOOK']];
  state.timeline.forEach((span, i) => {
    const next = state.timeline[i + 1];
    const isLast = next === undefined;
    const mark = !isLast ? '✓' : ended ? (span.phase === 'Completed' ? '✓' : '✗') : '▶';
    const took = next
      ? formatSpan(next.at - span.at)
      : ended
        ? ''
        : `${formatSpan(now - span.at)}…`;
    rows.push([mark, span.phase, clockTime(span.at), took]);
  });
  return alignColumns(rows).split('\n');
}

function analysisRows(state: WatchState): string[] {
  const a = state.analysis;
  if (!a) return [];
  const rows: string[][] = [['METRIC', 'GREEN', 'BLUE']];
  for (const [name, value] of Object.entries(a.metrics)) {
    rows.push([name, formatMetric(name, value.green), formatMetric(name, value.blue)]);
  }
  rows.push(['samples', String(a.samples.green), String(a.samples.blue)]);
  const reasons = a.reasons.length > 0 ? [`  ${a.reasons.join('; ')}`] : [];
  return [
    `canary analysis, step ${a.step + 1}: ${a.verdict} (at ${clockTime(a.at)})`,
    ...alignColumns(rows)
      .split('\n')
      .map((line) => `  ${line}`),
    ...reasons,
  ];
}

/** The whole TTY frame: header, weights, timeline, the current phase's progress, analysis, recent events. */
export function renderFrame(state: WatchState, now: number, recent: readonly string[]): string[] {
  const record = state.record;
  const v = versions(state);
  const phase = currentPhase(state) ?? 'connecting';
  const lines = [
    `${record?.service ?? '?'}  ${state.id}  ${v.blue} → ${v.green}  ${phase}${state.paused ? ' (paused)' : ''}${state.live ? '' : '  (catching up)'}`,
  ];
  const weights = state.weights ?? record?.weights;
  if (weights) {
    lines.push(`weights   ${progressBar(weights.green / 100)} ${formatWeightsLine(state)}`);
  }
  lines.push('');
  lines.push(...timelineRows(state, now));
  const progress = progressLine(state, now);
  if (progress) lines.push('', ...progress.split('\n'));
  const analysis = analysisRows(state);
  if (analysis.length > 0) lines.push('', ...analysis);
  if (recent.length > 0) lines.push('', 'recent', ...recent.map((line) => `  ${line}`));
  return lines;
}

/** `--json`: the stream's events, one JSON object per line. */
export function jsonLine(input: WatchInput): string {
  switch (input.kind) {
    case 'deployment':
      return JSON.stringify({ event: 'deployment', data: input.record });
    case 'audit':
      return JSON.stringify({ event: 'audit', data: input.envelope });
    case 'live':
      return JSON.stringify({ event: 'live' });
  }
}
