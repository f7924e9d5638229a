import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { met, type BenchResult, type BenchRow } from './bench-result';

export interface MachineFacts {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  startedAt: Date;
  /** 1/5/15-minute load averages when the run began and when it ended. */
  loadBefore: number[];
  loadAfter: number[];
  /** 1-minute load average sampled during the run. */
  loadDuring: number[];
}

export function machineFacts(
  startedAt: Date,
  loadBefore: number[],
  loadDuring: number[],
): MachineFacts {
  return {
    loadDuring,
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    startedAt,
    loadBefore,
    loadAfter: loadavg(),
  };
}

const fmt = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : String(x);

function targetText(r: BenchRow): string {
  if (!r.target) return '—';
  const subject = r.target.on === 'ratio' ? 'ratio' : 'value';
  const sign = r.target.op === '<=' ? '≤' : '≥';
  return `${subject} ${sign} ${r.target.limit}${r.target.source === 'proposed' ? ' (proposed)' : ''}`;
}

function metText(r: BenchRow): string {
  const ok = met(r);
  return ok === null ? '—' : ok ? 'yes' : '**no**';
}

/** A machine running more than one runnable task per core slows every latency figure down. */
function busyNote(machine: MachineFacts): string[] {
  const worst = Math.max(
    machine.loadBefore[0] ?? 0,
    machine.loadAfter[0] ?? 0,
    ...machine.loadDuring,
  );
  if (worst <= machine.cores) return [];
  return [
    `The machine was shared and busy during this run (1-minute load average up to ${worst.toFixed(1)} on ${machine.cores} cores):`,
    'latency and throughput figures are pessimistic; ratios against a baseline from the same run hold up better.',
    '',
  ];
}

/** bench/REPORT.md: every figure with its baseline, ratio, target and verdict, and the machine. */
export function renderReport(results: readonly BenchResult[], machine: MachineFacts): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const during = (l: number[]) => {
    if (l.length === 0) return '—';
    const sorted = [...l].sort((a, b) => a - b);
    return load([sorted[0]!, sorted[Math.floor(sorted.length / 2)]!, sorted.at(-1)!]);
  };
  const lines = [
    '# greenlight benchmark report',
    '',
    `Written by \`npm run bench\` (all benchmarks) on ${machine.startedAt.toISOString()}. Every`,
    'baseline is measured in the same run, on the same machine, against real processes on',
    'loopback. Targets marked "proposed" were set by this report, not by an issue.',
    '',
    '| machine | |',
    '|---|---|',
    `| cores | ${machine.cores} × ${machine.cpu} |`,
    `| memory | ${machine.memoryGiB} GiB (${Math.round(freemem() / 2 ** 30)} GiB free at the end) |`,
    `| node | ${machine.node} |`,
    `| load average (1/5/15 min) at start | ${load(machine.loadBefore)} |`,
    `| load average (1/5/15 min) at end | ${load(machine.loadAfter)} |`,
    `| 1-min load average during the run, min / median / max | ${during(machine.loadDuring)} |`,
    '',
    ...busyNote(machine),
    '| bench | figure | value | baseline (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    if (result.error) {
      lines.push(`| ${result.name} | failed: ${result.error.split('\n')[0]} | | | | | **no** |`);
      continue;
    }
    for (const r of result.rows) {
      const value = `${fmt(r.value)}${r.unit ? ` ${r.unit}` : ''}`;
      const baseline = r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.what})` : '—';
      lines.push(
        `| ${result.name} | ${r.figure} | ${value} | ${baseline} | ${fmt(r.ratio)} | ${targetText(r)} | ${metText(r)} |`,
      );
    }
  }
  lines.push('', '## Each bench as it printed, with its last JSON line and duration', '');
  for (const result of results) {
    lines.push(
      `### ${result.name} (${result.seconds.toFixed(0)} s)`,
      '',
      '```',
      ...result.output.filter((l) => l.trim() !== ''),
      ...(result.error ? [result.error] : []),
      '```',
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
