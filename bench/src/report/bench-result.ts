/** What a figure is held to: `value op limit`, on the figure itself or on its ratio to the baseline. */
export interface Target {
  op: '<=' | '>=';
  limit: number;
  on: 'value' | 'ratio';
  /** Where the target comes from: an issue/brief, or proposed here until one is set. */
  source: 'issue' | 'proposed';
}

/** One reported figure, its baseline measured in the same run, and its target. */
export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  baseline: { what: string; value: number } | null;
  /** value ÷ baseline, unless the bench reports a ratio of its own (e.g. over percentiles). */
  ratio: number | null;
  target: Target | null;
}

export interface BenchResult {
  name: string;
  /** The bench's flat record, as its last JSON line prints it. */
  record: Record<string, number>;
  rows: BenchRow[];
  seconds: number;
  /** What the bench printed (its tables). */
  output: string[];
  /** Set when the bench threw: the report says so instead of figures. */
  error?: string;
}

export function row(
  figure: string,
  value: number,
  unit: string,
  options: {
    baseline?: { what: string; value: number };
    ratio?: number;
    target?: Target;
  } = {},
): BenchRow {
  const { baseline = null, target = null } = options;
  const ratio =
    options.ratio ?? (baseline && baseline.value !== 0 ? round3(value / baseline.value) : null);
  return { figure, value, unit, baseline, ratio, target };
}

/** Whether the row meets its target; null without a target or a value to judge. */
export function met(r: BenchRow): boolean | null {
  if (!r.target) return null;
  const x = r.target.on === 'ratio' ? r.ratio : r.value;
  if (x === null || !Number.isFinite(x)) return false;
  return r.target.op === '<=' ? x <= r.target.limit : x >= r.target.limit;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
