import { join } from 'node:path';
import { table } from '../load.util';
import { runScale, type ScaleFigures } from './scale.run';

/**
 * `npm run bench -- scale`: SCALE_SERVICES (200) model services deploying v1 → v2 at once, with
 * SCALE_REPLICAS (2) processes of every greenlight service sharing the work.
 */
export async function runScaleBench(): Promise<Record<string, number>> {
  const figures = await runScale({
    services: Number(process.env['SCALE_SERVICES'] ?? 200),
    replicas: Number(process.env['SCALE_REPLICAS'] ?? 2),
    coldStartMs: 2_000,
    simsPerHost: 100,
    logDir: join('tmp', 'bench', 'scale'),
    timeoutMs: 300_000,
  });
  console.log(scaleTable(figures));
  if (figures.notCompleted.length > 0) {
    throw new Error(`not every deployment completed:\n${figures.notCompleted.join('\n')}`);
  }
  return {
    services: figures.services,
    completed: figures.completed,
    wall_ms: figures.wallMs,
    orchestrator_kb_per_deployment: figures.orchestratorKbPerDeployment,
    orchestrator_heap_kb_per_deployment: figures.orchestratorHeapKbPerDeployment,
    event_handle_p99_ms: figures.eventHandleP99Ms,
    event_to_phase_p99_ms: figures.eventToPhaseP99Ms,
  };
}

export function scaleTable(f: ScaleFigures): string {
  return table([
    ['figure', 'value'],
    ['model services deploying at once', f.services],
    ['processes of every greenlight service', f.replicas],
    ['Completed', `${f.completed} / ${f.services}`],
    ['wall, first request → last Completed', `${f.wallMs} ms`],
    [
      'orchestrator RSS (all processes) before → all active',
      `${f.orchestratorRssBeforeMb} → ${f.orchestratorRssActiveMb} MiB (${f.activeAtSample} active)`,
    ],
    [
      'orchestrator memory per active deployment: RSS / V8 heap',
      `${f.orchestratorKbPerDeployment} / ${f.orchestratorHeapKbPerDeployment} KiB`,
    ],
    [
      'event handler time p99 (histogram bound)',
      `≤ ${f.eventHandleP99Ms} ms over ${f.eventHandleMessages} events`,
    ],
    [
      'command handler time p99 (long-running by design)',
      `≤ ${f.commandHandleP99Ms} ms over ${f.commandHandleMessages} commands`,
    ],
    [
      'event → phase change p50 / p99',
      `${f.eventToPhaseP50Ms} / ${f.eventToPhaseP99Ms} ms (${f.eventToPhaseSamples} changes)`,
    ],
  ]);
}
