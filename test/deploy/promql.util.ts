/** The metric names and label matchers a PromQL expression uses (enough of PromQL for our rules). */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

export interface Selector {
  metric: string;
  labels: string[];
}

/** Strings become "" (their text could look like names); Grafana variables are dropped. */
function blankStrings(expr: string): string {
  return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').replace(/\$\w+/g, '');
}

/** Every metric selector with the label names it matches on, e.g. up{job=~"…"} → up [job]. */
export function selectorsOf(expr: string): Selector[] {
  const text = blankStrings(expr)
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const selectors: Selector[] = [];
  const name = /(?<![\w:.])([A-Za-z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g;
  for (const match of text.matchAll(name)) {
    const [, metric, braces, call] = match;
    if (!metric || call || KEYWORDS.has(metric)) continue;
    const labels = [...(braces ?? '').matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map(
      (m) => m[1]!,
    );
    selectors.push({ metric, labels });
  }
  return selectors;
}

export function metricsOf(expr: string): string[] {
  return [...new Set(selectorsOf(expr).map((s) => s.metric))];
}

/** What a /metrics text exposes: every sample name (histogram parts included) and its labels. */
export interface Exposition {
  /** Sample name → label names seen on it (empty set: declared, no sample yet). */
  labels: Map<string, Set<string>>;
}

const SAMPLE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+\S+/;

export function parseExposition(text: string, into: Exposition = { labels: new Map() }) {
  const add = (name: string, labels: string[] = []) => {
    const set = into.labels.get(name) ?? new Set<string>();
    labels.forEach((l) => set.add(l));
    into.labels.set(name, set);
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, family, kind] = type;
      add(family!);
      if (kind === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => add(family! + s));
      if (kind === 'summary') ['_sum', '_count'].forEach((s) => add(family! + s));
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample || line.startsWith('#')) continue;
    const labels = [...(sample[2] ?? '').matchAll(/([A-Za-z_]\w*)="/g)].map((m) => m[1]!);
    add(sample[1]!, labels);
  }
  return into;
}
