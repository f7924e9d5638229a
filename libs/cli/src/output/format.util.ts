import { ApiError, ConnectionError, UsageError } from '../api/api.errors';
import type { Accepted, DeploymentView, EventView, Issue } from '../api/api.types';
import { CLI_ERRORS } from '../cli.constants';
import { ManifestError } from '../manifest/manifest.util';

export const PHASE_CHANGED = 'deployment.phase_changed';

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  return alignColumns([header, ...rows]);
}

/** Compact elapsed time: 42s, 5m, 3h, 2d. */
export function formatAge(since: string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function formatWeights(weights: DeploymentView['weights']): string {
  return weights ? `blue ${weights.blue} / green ${weights.green}` : '-';
}

export function formatDeployments(
  items: readonly DeploymentView[],
  now: Date = new Date(),
): string {
  if (items.length === 0) return 'no deployments yet';
  return formatTable(
    ['ID', 'SERVICE', 'VERSION', 'PHASE', 'WEIGHTS', 'AGE'],
    items.map((d) => [
      d.id,
      d.service,
      d.request?.release?.version ?? '-',
      d.paused ? `${d.phase} (paused)` : d.phase,
      formatWeights(d.weights),
      formatAge(d.createdAt, now),
    ]),
  );
}

/** One deployment: the table row, where it stands in its steps, and what happened last. */
export function formatDeployment(d: DeploymentView, now: Date = new Date()): string {
  const lines = [formatDeployments([d], now)];
  const steps = d.request?.strategy?.steps ?? [];
  const index = d.stepIndex ?? null;
  const step = index === null ? undefined : steps[index];
  if (index !== null && step && (d.phase === 'Canary' || d.phase === 'Ramping')) {
    const bake = step.bake > 0 ? `, bake ${Math.round(step.bake / 1000)} s` : '';
    lines.push(`step ${index + 1} of ${steps.length}: ${step.weight} % green${bake}`);
  }
  if (d.analysis && d.analysis.step === index) {
    const extended = d.analysis.extensions > 0 ? ` (bake extended ${d.analysis.extensions}×)` : '';
    const why = d.analysis.reasons.length ? `: ${d.analysis.reasons.join('; ')}` : '';
    lines.push(`analysis: ${d.analysis.verdict}${extended}${why}`);
  }
  if (d.cachePlan) {
    const { blue, green } = d.cachePlan.generations;
    lines.push(`semantic cache: ${d.cachePlan.semantic} (${blue ?? 'none'} → ${green})`);
  }
  if (d.rollbackOf) lines.push(`redeploys the previous release of ${d.rollbackOf}`);
  if (d.updatedAt) lines.push(`updated ${formatAge(d.updatedAt, now)} ago`);
  if (d.reason) lines.push(`reason: ${d.reason}`);
  return lines.join('\n');
}

function field(data: unknown, key: string): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** HH:MM:SS.mmm in UTC: events from several machines line up. */
export function formatTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : `${date.toISOString().slice(11, 23)}Z`;
}

export function eventCells(event: EventView): string[] {
  const from = field(event.data, 'from');
  const to = field(event.data, 'to');
  const transition =
    event.type === PHASE_CHANGED || to ? [from, '→', to ?? '?'].filter(Boolean).join(' ') : '';
  return [
    `#${event.seq}`,
    formatTime(event.at),
    event.type,
    transition,
    field(event.data, 'actor') ?? event.actor,
    field(event.data, 'reason') ?? '',
  ];
}

/** One line per event: seq, time, type, from → to, actor, reason. */
export function formatEvents(items: readonly EventView[]): string {
  if (items.length === 0) return 'no events yet';
  return alignColumns(items.map(eventCells));
}

export function formatAccepted(accepted: Accepted): string {
  return [
    `deployment ${accepted.id} of ${accepted.service} accepted (phase ${accepted.phase})`,
    `  follow it: greenlight status ${accepted.id}  |  greenlight events ${accepted.id}`,
  ].join('\n');
}

function issuePath(path: Issue['path']): string {
  const text = typeof path === 'string' ? path : path.join('.');
  return text.length > 0 ? text : '(root)';
}

function holderText(holder: unknown): string | undefined {
  if (typeof holder === 'string') return holder;
  if (typeof holder === 'object' && holder !== null) {
    const id = field(holder, 'id') ?? field(holder, 'deploymentId');
    return id ?? JSON.stringify(holder);
  }
  return undefined;
}

/** Human text for any failure: API errors keep their status and every validation issue. */
export function formatError(error: unknown): string {
  if (error instanceof ApiError) {
    const lines = [`error: ${error.status} ${error.message}`];
    for (const issue of error.issues) lines.push(`  ${issuePath(issue.path)}: ${issue.message}`);
    const holder = holderText(error.holder);
    if (holder) lines.push(`  active deployment: ${holder}`);
    if (error.status === 401) lines.push(`  ${CLI_ERRORS.unauthorized}`);
    if (error.status === 403) lines.push(`  ${CLI_ERRORS.forbidden}`);
    return lines.join('\n');
  }
  if (error instanceof ManifestError) {
    const issues = error.issues.map((issue) => `  ${issuePath(issue.path)}: ${issue.message}`);
    return [`error: ${error.message}`, ...issues].join('\n');
  }
  if (error instanceof ConnectionError || error instanceof UsageError) {
    return `error: ${error.message}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The same failure as one JSON document: {"error": message, ...details}. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof ApiError) {
    return {
      error: error.message,
      status: error.status,
      ...(error.issues.length > 0 ? { issues: error.issues } : {}),
      ...(error.holder !== undefined ? { holder: error.holder } : {}),
    };
  }
  if (error instanceof ManifestError && error.issues.length > 0) {
    return { error: error.message, issues: error.issues };
  }
  return { error: error instanceof Error ? error.message : String(error) };
}
