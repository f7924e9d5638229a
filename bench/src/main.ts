import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { findRepoRoot } from '@greenlight/testing';
import { runGatewayBench } from './gateway.bench';
import { runPrewarmBench } from './prewarm/prewarm.bench';
import { runJudgeBench } from './judge/judge.bench';
import { runOverheadBench } from './overhead.bench';
import { runRollbackBench } from './rollback.bench';
import { runScaleBench } from './scale/scale.bench';
import { runSemanticBench } from './semantic/semantic.bench';
import type { BenchResult } from './report/bench-result';
import { BENCH_ROWS } from './report/bench-rows';
import { machineFacts, renderReport } from './report/report.util';

const LOAD_SAMPLE_MS = 5_000;

/** `npm run bench -- NAME`: each benchmark prints a table and, as its last line, one JSON object. */
const BENCHES: Record<string, () => Promise<Record<string, number>>> = {
  gateway: runGatewayBench,
  judge: runJudgeBench,
  rollback: runRollbackBench,
  prewarm: runPrewarmBench,
  semantic: runSemanticBench,
  overhead: runOverheadBench,
  scale: runScaleBench,
};

async function runOne(name: string): Promise<BenchResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  // The bench's own tables go into the report too (e.g. where the overhead goes).
  const output: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    output.push(args.map(String).join(' '));
    log(...args);
  };
  try {
    const record = await BENCHES[name]!();
    return { name, record, rows: BENCH_ROWS[name]?.(record) ?? [], seconds: seconds(), output };
  } catch (error) {
    console.error(error);
    return { name, record: {}, rows: [], seconds: seconds(), output, error: String(error) };
  } finally {
    console.log = log;
  }
}

async function main(): Promise<number> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`,
    );
    return 2;
  }
  const startedAt = new Date();
  const loadBefore = loadavg();
  // How busy the machine was throughout, not only at the ends.
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), LOAD_SAMPLE_MS);
  sampler.unref();
  const results: BenchResult[] = [];
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    console.log(`\n== ${name} ==`);
    results.push(await runOne(name));
  }
  clearInterval(sampler);
  // Only the full run writes the report: one bench alone is a look, not a record.
  if (names.length === 0) {
    const path = join(findRepoRoot(__dirname), 'bench', 'REPORT.md');
    const markdown = renderReport(results, machineFacts(startedAt, loadBefore, loads));
    // Formatted as `prettier --check .` (npm run lint) expects the committed file to be.
    const options = (await resolveConfig(path)) ?? {};
    writeFileSync(path, await format(markdown, { ...options, parser: 'markdown' }));
    console.log(`\nreport: ${path}`);
  }
  const records = Object.fromEntries(results.map((r) => [r.name, r.record]));
  console.log(JSON.stringify(results.length === 1 ? results[0]!.record : records));
  return results.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
