/**
 * Prometheus text exposition format (0.0.4), as vLLM serves it. No parser package is a dependency
 * of the workspace, so this is a small one: samples only (HELP/TYPE comments are skipped), label
 * values unescaped, special values (NaN, ±Inf) understood. A line it cannot read is counted and
 * skipped rather than failing the whole scrape.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromParseResult {
  samples: PromSample[];
  /** Lines that were neither a comment, blank, nor a readable sample. */
  invalidLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const SPECIAL_VALUES: Record<string, number> = {
  nan: Number.NaN,
  '+inf': Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parsePrometheusText(text: string): PromParseResult {
  const samples: PromSample[] = [];
  let invalidLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
    else invalidLines++;
  }
  return { samples, invalidLines };
}

/** Sum of a metric over all its label sets; undefined when the metric has no sample at all. */
export function sumMetric(samples: readonly PromSample[], name: string): number | undefined {
  let total: number | undefined;
  for (const sample of samples) {
    if (sample.name === name) total = (total ?? 0) + sample.value;
  }
  return total;
}

export function parsePromValue(text: string): number | undefined {
  const special = SPECIAL_VALUES[text.toLowerCase()];
  if (special !== undefined) return special;
  return DECIMAL.test(text) ? Number(text) : undefined;
}

function parseSampleLine(line: string): PromSample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.trimStart().startsWith('{')) {
    const parsed = parseLabels(rest.trimStart().slice(1));
    if (!parsed) return undefined;
    labels = parsed.labels;
    rest = parsed.rest;
  }
  // After the name (or labels): whitespace, the value, and an optional integer timestamp.
  if (!/^[ \t]/.test(rest)) return undefined;
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length < 1 || fields.length > 2) return undefined;
  const value = parsePromValue(fields[0]!);
  if (value === undefined) return undefined;
  if (fields.length === 2 && !/^-?\d+$/.test(fields[1]!)) return undefined;
  return { name, labels, value };
}

/** Reads `name="value",…}` (the opening brace already consumed); returns what follows the brace. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  const skipSpace = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const labelName = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!labelName) return undefined;
    i += labelName.length;
    skipSpace();
    if (text[i] !== '=') return undefined;
    i++;
    skipSpace();
    if (text[i] !== '"') return undefined;
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return undefined;
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const escaped = text[i];
        i++;
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else return undefined;
      } else {
        value += c;
      }
    }
    labels[labelName] = value;
    skipSpace();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') return undefined;
  }
}
