import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { formatPath } from '@greenlight/contracts';
import { LLAMA3_TEMPLATE } from '@greenlight/fixtures';

/**
 * Hostile deploy requests, each with what is wrong with it. The oracle is independent of the
 * schema: every case breaks a documented rule (DESIGN.md, the manifest reference), so a 2xx/409
 * means the server accepted bad input.
 */
export interface DeployCase {
  category: string;
  label: string;
  /** A value sent as JSON, or `raw` text sent as-is. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** The formatted path the error must name (an issue at it or below it). */
  expectPath?: string;
}

type Path = (string | number)[];
type Json = unknown;

export const FUZZ_SEED = 20_261_126;
export const MiB = 1024 * 1024;

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A valid request with every optional field present, for one pool driver. */
export function fullRequest(service: string, driver: Driver = 'process'): Record<string, Json> {
  return {
    service,
    release: {
      version: 'v9',
      model: { id: 'meta-llama/Llama-3.1-8B-Instruct', revision: '5206a32' },
      tokenizer: { sha256: 'a'.repeat(64) },
      template: { id: 'llama3-chat', content: LLAMA3_TEMPLATE, sha256: sha(LLAMA3_TEMPLATE) },
      engine: { name: 'vllm', version: '0.11.0', args: ['--max-model-len', '8192'] },
      sampling: { temperature: 0.7, top_p: 0.9, max_tokens: 512 },
      systemPrompt: 'You are a helpful assistant.',
      adapters: ['lora-support'],
      quantization: 'awq',
      embeddingModel: 'bge-small',
      hardware: 'a100',
    },
    pool: POOLS[driver](),
    strategy: {
      readiness: { timeout: '300s', warmupRequests: 3 },
      eval: { suite: 'evals/chat.yaml', minPassRate: 0.95 },
      steps: [{ weight: 1, bake: '10m' }, { weight: 25, bake: '10m' }, { weight: 100 }],
      analysis: {
        interval: '30s',
        metrics: ['errorRate', 'ttftP95'],
        maxBakeExtensions: 3,
        minSamples: 50,
      },
      drain: { timeout: '120s' },
      standby: '24h',
      affinity: 'session',
    },
    caches: {
      prefixWarmup: { topPrefixes: 200, budget: '60s' },
      semantic: { backend: 'redis', override: { mode: 'share', reason: 'prompt-only change' } },
    },
  };
}

export const DRIVERS = ['process', 'static', 'systemd', 'kubernetes'] as const;
export type Driver = (typeof DRIVERS)[number];

const POOLS: Record<Driver, () => Record<string, Json>> = {
  process: () => ({
    driver: 'process',
    replicas: 2,
    command: 'greenlight-sim --port {port} --model {model} --chat-template {template}',
    env: { SIM_SEED: '1' },
    stopTimeout: '60s',
  }),
  static: () => ({ driver: 'static', endpoints: ['http://127.0.0.1:9'] }),
  systemd: () => ({ driver: 'systemd', replicas: 2, unit: 'vllm@.service', stopTimeout: '60s' }),
  kubernetes: () => ({
    driver: 'kubernetes',
    namespace: 'models',
    deployment: 'chat-green',
    replicas: 2,
    service: 'chat',
  }),
};

// ---- path helpers ---------------------------------------------------------------------------

function clone<T>(value: T): T {
  return structuredClone(value);
}

function parentOf(root: Json, path: Path): Record<string | number, Json> {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  return node;
}

function setAt(root: Json, path: Path, value: Json): Json {
  const copy = clone(root);
  const key = path[path.length - 1]!;
  const parent = parentOf(copy, path);
  // defineProperty, so "__proto__" becomes an own key that JSON.stringify sends.
  Object.defineProperty(parent, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

function deleteAt(root: Json, path: Path): Json {
  const copy = clone(root);
  delete parentOf(copy, path)[path[path.length - 1]!];
  return copy;
}

interface Node {
  path: Path;
  value: Json;
}

function walk(value: Json, path: Path = []): Node[] {
  const here = path.length ? [{ path, value }] : [];
  if (Array.isArray(value)) {
    return [...here, ...value.flatMap((item, i) => walk(item, [...path, i]))];
  }
  if (value && typeof value === 'object') {
    return [...here, ...Object.entries(value).flatMap(([key, item]) => walk(item, [...path, key]))];
  }
  return here;
}

const kindOf = (v: Json) =>
  Array.isArray(v) ? 'array' : v === null ? 'null' : (typeof v as 'string' | 'number' | 'object');

const WRONG_TYPES: Record<string, Json[]> = {
  string: [42, -1, 0.5, true, false, null, [], {}, ['x'], { value: 'x' }],
  number: ['5', '', 'NaN', true, null, [], {}, [1], '1e309'],
  boolean: ['true', 1, null],
  array: ['x', 5, {}, null, true, { 0: 'x' }],
  object: ['x', 5, [], null, true, [{}], ''],
};

// ---- the categories -------------------------------------------------------------------------

/** Every node of every driver's full request, given a value of the wrong type. */
export function wrongTypeCases(service: string): DeployCase[] {
  return DRIVERS.flatMap((driver) => {
    const base = fullRequest(service, driver);
    return walk(base).flatMap(({ path, value }) =>
      (WRONG_TYPES[kindOf(value)] ?? []).map((wrong) => ({
        category: 'rest.wrong-types',
        label: `${driver}: ${formatPath(path)} = ${JSON.stringify(wrong)}`,
        body: setAt(base, path, wrong),
        expectPath: formatPath(path),
      })),
    );
  });
}

/** Required fields, at every level (DESIGN.md's manifest and the manifest reference). */
const REQUIRED: Record<Driver | 'all', Path[]> = {
  all: [
    ['service'],
    ['release'],
    ['release', 'version'],
    ['release', 'model'],
    ['release', 'model', 'id'],
    ['release', 'tokenizer', 'sha256'],
    ['release', 'template', 'id'],
    ['release', 'template', 'content'],
    ['release', 'template', 'sha256'],
    ['release', 'engine', 'name'],
    ['pool'],
    ['pool', 'driver'],
    ['strategy', 'eval', 'suite'],
    ['strategy', 'steps', 0, 'weight'],
    ['strategy', 'steps', 2, 'weight'],
    ['caches', 'semantic', 'override', 'mode'],
    ['caches', 'semantic', 'override', 'reason'],
  ],
  process: [['pool', 'command']],
  static: [['pool', 'endpoints']],
  systemd: [['pool', 'unit']],
  kubernetes: [
    ['pool', 'namespace'],
    ['pool', 'deployment'],
  ],
};

export function missingFieldCases(service: string): DeployCase[] {
  return DRIVERS.flatMap((driver) => {
    const base = fullRequest(service, driver);
    return [...REQUIRED.all, ...REQUIRED[driver]].map((path) => ({
      category: 'rest.missing-fields',
      label: `${driver}: without ${formatPath(path)}`,
      body: deleteAt(base, path),
      expectPath: formatPath(path),
    }));
  });
}

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  'a.b',
  '$where',
  'Service',
  'replicas',
  'knowledge',
  'files',
  '\u0000',
  '\u202e',
  '💥',
  'x'.repeat(10_000),
];

/** An unknown key at every object of every driver's request; env names that are no env names. */
export function unknownFieldCases(service: string): DeployCase[] {
  const generated = fc.sample(fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }), {
    numRuns: 12,
    seed: FUZZ_SEED,
  });
  const cases: DeployCase[] = [];
  for (const driver of DRIVERS) {
    const base = fullRequest(service, driver);
    const objects = [
      { path: [], value: base } as Node,
      ...walk(base).filter((n) => kindOf(n.value) === 'object'),
    ];
    for (const { path, value } of objects) {
      const isEnv = formatPath(path) === 'pool.env';
      for (const key of [...HOSTILE_KEYS, ...generated]) {
        if (Object.hasOwn(value as object, key)) continue;
        // pool.env is a map: a valid variable name is a valid key there.
        if (isEnv && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
        cases.push({
          category: 'rest.unknown-fields',
          label: `${driver}: ${formatPath([...path, key]).slice(0, 80)}`,
          body: setAt(base, [...path, key], isEnv ? 'x' : { files: ['../../etc/passwd'] }),
          expectPath: formatPath([...path, key]),
        });
      }
    }
  }
  return cases;
}

/** Label-like strings (names, ids, versions, paths): no control characters, bounded length. */
const LABEL_SLOTS: Path[] = [
  ['service'],
  ['release', 'version'],
  ['release', 'model', 'id'],
  ['release', 'model', 'revision'],
  ['release', 'template', 'id'],
  ['release', 'engine', 'name'],
  ['release', 'engine', 'version'],
  ['release', 'adapters', 0],
  ['release', 'quantization'],
  ['release', 'embeddingModel'],
  ['release', 'hardware'],
  ['strategy', 'eval', 'suite'],
];
/** Free text handed to a process (argv, environment): no NUL, bounded length. */
const PROCESS_SLOTS: Path[] = [
  ['pool', 'command'],
  ['release', 'engine', 'args', 0],
  ['pool', 'env', 'SIM_SEED'],
];

const CONTROL_CHARS = ['\u0000', '\u0001', '\n', '\r', '\t', '\u001b[31m', '\u007f', '\u0008'];

export function stringCases(service: string): DeployCase[] {
  const base = fullRequest(service);
  const cases: DeployCase[] = [];
  const huge = 'a'.repeat(MiB);
  for (const path of [...LABEL_SLOTS, ...PROCESS_SLOTS]) {
    const original = String(parentOf(base, path)[path[path.length - 1]!]);
    // {port} stays in, so only the size is wrong.
    cases.push({
      category: 'rest.huge-strings',
      label: `${formatPath(path)}: 1 MiB`,
      body: setAt(base, path, `${original} ${huge}`),
      expectPath: formatPath(path),
    });
  }
  for (const path of ['content', 'systemPrompt']) {
    const big = 'x'.repeat(MiB + 1);
    const body =
      path === 'content'
        ? setAt(base, ['release', 'template'], { id: 't', content: big, sha256: sha(big) })
        : setAt(base, ['release', 'systemPrompt'], big);
    cases.push({
      category: 'rest.huge-strings',
      label: `${path}: 1 MiB + 1 byte`,
      body,
      expectPath: path === 'content' ? 'release.template.content' : 'release.systemPrompt',
    });
  }
  for (const path of LABEL_SLOTS) {
    const original = String(parentOf(base, path)[path[path.length - 1]!]);
    for (const c of CONTROL_CHARS) {
      for (const at of ['start', 'middle', 'end'] as const) {
        const value =
          at === 'start'
            ? `${c}${original}`
            : at === 'end'
              ? `${original}${c}`
              : `${original.slice(0, 2)}${c}${original.slice(2)}`;
        cases.push({
          category: 'rest.control-chars',
          label: `${formatPath(path)} with ${JSON.stringify(c)} at the ${at}`,
          body: setAt(base, path, value),
          expectPath: formatPath(path),
        });
      }
    }
  }
  for (const path of PROCESS_SLOTS) {
    const original = String(parentOf(base, path)[path[path.length - 1]!]);
    cases.push({
      category: 'rest.control-chars',
      label: `${formatPath(path)} with a NUL byte`,
      body: setAt(base, path, `${original}\u0000--evil`),
      expectPath: formatPath(path),
    });
  }
  // Unicode that only looks like a valid name.
  const lookalikes: [Path, string][] = [
    [['service'], 'ｃｈａｔ'],
    [['service'], 'chat\u200b'],
    [['service'], 'сhat'],
    [['service'], 'chat.>'],
    [['service'], 'chat*'],
    [['service'], 'Chat'],
    [['service'], '-chat'],
    [['release', 'version'], 'v２'],
    [['release', 'version'], 'v2/../v1'],
    [['release', 'version'], '..'],
    [['release', 'version'], '.'],
    [['release', 'version'], '.hidden'],
    [['pool', 'driver'], 'Process'],
    [['strategy', 'affinity'], 'sessions'],
    [['caches', 'semantic', 'backend'], 'redis\u0000'],
  ];
  for (const [path, value] of lookalikes) {
    cases.push({
      category: 'rest.unicode',
      label: `${formatPath(path)} = ${JSON.stringify(value)}`,
      body: setAt(base, path, value),
      expectPath: formatPath(path),
    });
  }
  const unicode = fc.sample(
    fc.string({
      minLength: 1,
      maxLength: 20,
      unit: fc.constantFrom('é', 'ß', '😀', '\u0301', 'İ', 'ǅ', '\ud800', '.', '/', ' '),
    }),
    { numRuns: 120, seed: FUZZ_SEED },
  );
  for (const value of unicode) {
    for (const path of [['service'], ['release', 'version']] as Path[]) {
      cases.push({
        category: 'rest.unicode',
        label: `${formatPath(path)} = ${JSON.stringify(value)}`,
        body: setAt(base, path, value),
        expectPath: formatPath(path),
      });
    }
  }
  return cases;
}

/** Where durations live, with the bounds the manifest reference gives them. */
const DURATION_SLOTS: { path: Path; over: string; under?: string }[] = [
  { path: ['pool', 'stopTimeout'], over: '61m', under: '999ms' },
  { path: ['strategy', 'readiness', 'timeout'], over: '2h', under: '0s' },
  { path: ['strategy', 'steps', 0, 'bake'], over: '25h' },
  { path: ['strategy', 'analysis', 'interval'], over: '1h1s', under: '500ms' },
  { path: ['strategy', 'drain', 'timeout'], over: '2d', under: '0s' },
  { path: ['strategy', 'standby'], over: '8d' },
  { path: ['caches', 'prefixWarmup', 'budget'], over: '2h' },
];

const BAD_DURATIONS: Json[] = [
  '-5s',
  '-0s',
  '99999h',
  '1e309',
  '1e309s',
  '1e3s',
  `${'9'.repeat(400)}s`,
  '999999999999999999d',
  'Infinity',
  'Infinitys',
  'NaN',
  'NaNs',
  '5',
  '',
  '   ',
  '5 s',
  '5S',
  '1.5.5s',
  '.5s',
  '0x10s',
  '10sec',
  '1w',
  '١٠s',
  '10m\u0000',
  '1h-30m',
  '+5s',
  -5,
  5,
  0,
  1e308,
  true,
  null,
  {},
  [],
  ['10s'],
];

export function durationCases(service: string): DeployCase[] {
  const base = fullRequest(service);
  const generated = fc.sample(
    fc
      .tuple(
        fc.constantFrom('-', '', '+', ' '),
        fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_VALUE)),
        fc.constantFrom('s', 'm', 'h', 'd', 'ms', 'y', 'µs', ''),
      )
      .map(([sign, n, unit]) => `${sign}${n}${unit}`)
      // The oracle: only forms the manifest reference does not allow.
      .filter((text) => !/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(text.trim()) && text.trim() !== '0'),
    { numRuns: 40, seed: FUZZ_SEED },
  );
  return DURATION_SLOTS.flatMap(({ path, over, under }) =>
    [...BAD_DURATIONS, ...generated, over, ...(under ? [under] : [])].map((value) => ({
      category: 'rest.durations',
      label: `${formatPath(path)} = ${JSON.stringify(value)}`,
      body: setAt(base, path, value),
      expectPath: formatPath(path),
    })),
  );
}

/** Steps that break the manifest's rules: weights 1-100, integers, increasing, ending at 100. */
export function stepCases(service: string, count: number): DeployCase[] {
  const base = fullRequest(service);
  const weight = fc.oneof(
    fc.integer({ min: -5, max: 150 }),
    fc.constantFrom(0, 100, 101, 1000, 0.5, 99.9, -1, Number.POSITIVE_INFINITY, Number.NaN),
    fc.constantFrom('50', null, true),
  );
  const isValid = (steps: { weight: Json }[]) =>
    steps.length >= 1 &&
    steps.length <= 100 &&
    steps.every(
      (s, i) =>
        typeof s.weight === 'number' &&
        Number.isInteger(s.weight) &&
        s.weight >= 1 &&
        s.weight <= 100 &&
        (i === 0 || s.weight > (steps[i - 1]!.weight as number)),
    ) &&
    steps[steps.length - 1]!.weight === 100;
  const steps = fc.sample(
    fc
      .array(fc.record({ weight, bake: fc.constantFrom('0s', '10m', '1h') }), { maxLength: 8 })
      .filter((s) => !isValid(s)),
    { numRuns: count, seed: FUZZ_SEED },
  );
  const tooMany = Array.from({ length: 101 }, (_, i) => ({ weight: Math.min(100, i + 1) }));
  return [...steps, tooMany].map((value) => {
    // NaN and 1e309 become null in JSON; send them as the literal a hostile client would.
    const raw = JSON.stringify(setAt(base, ['strategy', 'steps'], value), (_k, v: Json) =>
      typeof v === 'number' && !Number.isFinite(v) ? `__num:${String(v)}` : v,
    )
      .replace(/"__num:-?Infinity"/g, '1e309')
      .replace(/"__num:NaN"/g, 'NaN');
    return {
      category: 'rest.steps',
      label: `steps ${JSON.stringify(value).slice(0, 120)}`,
      raw,
      // NaN is not JSON at all: the error is about the body, not a field.
      ...(raw.includes('NaN') ? {} : { expectPath: 'strategy.steps' }),
    };
  });
}

export function digestCases(service: string): DeployCase[] {
  const base = fullRequest(service);
  const bad = [
    ...fc.sample(fc.stringMatching(/^[0-9a-f]{0,63}$/), { numRuns: 15, seed: FUZZ_SEED }),
    ...fc.sample(fc.stringMatching(/^[0-9a-f]{65,80}$/), { numRuns: 10, seed: FUZZ_SEED }),
    'g'.repeat(64),
    `${'a'.repeat(63)}\u0000`,
    `${'a'.repeat(63)} `,
    ` ${'a'.repeat(64)}`,
    `sha256:${'a'.repeat(64)}`,
    '٠'.repeat(64),
    'ａ'.repeat(64),
  ];
  const mismatched = fc.sample(fc.stringMatching(/^[0-9a-f]{64}$/), {
    numRuns: 15,
    seed: FUZZ_SEED,
  });
  return [
    ...bad.map((value) => ({
      category: 'rest.sha256',
      label: `template.sha256 = ${JSON.stringify(value)}`,
      body: setAt(base, ['release', 'template', 'sha256'], value),
      expectPath: 'release.template.sha256',
    })),
    ...bad.map((value) => ({
      category: 'rest.sha256',
      label: `tokenizer.sha256 = ${JSON.stringify(value)}`,
      body: setAt(base, ['release', 'tokenizer', 'sha256'], value),
      expectPath: 'release.tokenizer.sha256',
    })),
    ...mismatched.map((value) => ({
      category: 'rest.sha256',
      label: `template.sha256 of other content: ${value}`,
      body: setAt(base, ['release', 'template', 'sha256'], value),
      expectPath: 'release.template.sha256',
    })),
    {
      category: 'rest.sha256',
      label: 'template content changed after hashing',
      body: setAt(base, ['release', 'template', 'content'], `${LLAMA3_TEMPLATE} `),
      expectPath: 'release.template.sha256',
    },
  ];
}

const TRAVERSALS = [
  '../../etc/passwd',
  'evals/../../etc/passwd',
  'evals/..',
  '..',
  '..\\..\\windows\\win.ini',
  'evals\\..\\..\\secrets',
  '/etc/passwd',
  '\\\\server\\share\\x',
  'C:\\evals\\chat.yaml',
  'c:/evals/chat.yaml',
  'evals/chat.yaml\u0000.png',
  '\u0000',
  'evals/\n../x',
  '',
];

/** Every field that names a file: the eval suite, a template file (CLI only), unknown file lists. */
export function pathCases(service: string): DeployCase[] {
  const base = fullRequest(service);
  const generated = fc.sample(
    fc
      .array(fc.constantFrom('..', '.', 'evals', 'a b', '...', '%2e%2e', '~'), {
        minLength: 1,
        maxLength: 6,
      })
      .chain((segments) => fc.constantFrom('/', '\\').map((sep) => ({ segments, sep })))
      .filter(({ segments }) => segments.includes('..'))
      .map(({ segments, sep }) => segments.join(sep)),
    { numRuns: 60, seed: FUZZ_SEED },
  );
  const suites = [...TRAVERSALS, ...generated].map((suite) => ({
    category: 'rest.paths',
    label: `eval.suite = ${JSON.stringify(suite)}`,
    body: setAt(base, ['strategy', 'eval', 'suite'], suite),
    expectPath: 'strategy.eval.suite',
  }));
  const templateFiles = TRAVERSALS.map((file) => ({
    category: 'rest.paths',
    label: `template.file = ${JSON.stringify(file)} on the wire`,
    body: setAt(base, ['release', 'template', 'file'], file),
    expectPath: 'release.template.file',
  }));
  const knowledge = ['knowledge', 'files', 'knowledgeFiles', 'templateFile'].map((key) => ({
    category: 'rest.paths',
    label: `release.${key} naming ../../etc/passwd`,
    body: setAt(base, ['release', key], ['../../etc/passwd']),
    expectPath: `release.${key}`,
  }));
  return [...suites, ...templateFiles, ...knowledge];
}

function nested(depth: number, open: string, close: string, leaf: string): string {
  return `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
}

/** Deeply nested values where a scalar or a flat object belongs, sent as text. */
export function nestingCases(service: string): DeployCase[] {
  const slots: Path[] = [
    ['service'],
    ['release', 'sampling'],
    ['release', 'engine', 'args'],
    ['pool', 'env'],
    ['strategy', 'steps'],
    ['caches'],
    ['deep'],
  ];
  const cases: DeployCase[] = [];
  for (const depth of [10, 1_000, 10_000, 100_000]) {
    for (const path of slots) {
      for (const [open, close, leaf] of [
        ['[', ']', '1'],
        ['{"a":', '}', '1'],
      ] as const) {
        const marker = '"__NESTED__"';
        const text = JSON.stringify(setAt(fullRequest(service), path, '__NESTED__')).replace(
          marker,
          nested(depth, open, close, leaf),
        );
        cases.push({
          category: 'rest.nesting',
          label: `${formatPath(path)}: ${open} nested ${depth} deep`,
          raw: text,
          expectPath: formatPath(path),
        });
      }
    }
  }
  return cases;
}

/** Bodies that are not a JSON object, or not JSON, or not declared as JSON. */
export function bodyCases(service: string): DeployCase[] {
  const valid = JSON.stringify(fullRequest(service));
  const cases: DeployCase[] = [];
  const add = (label: string, raw: string, contentType = 'application/json') =>
    cases.push({ category: 'rest.bodies', label, raw, contentType });
  for (const text of ['null', '[]', '"deploy"', '42', 'true', '{}', '[{}]', '""']) {
    add(`top-level ${text}`, text);
  }
  for (const text of [
    '',
    '{',
    '{"service":',
    "{'service':'chat'}",
    '{"service":"chat",}',
    '{"service":NaN}',
    '{"service":"chat"} trailing',
    '\ufeff{"service":"chat"}',
    '/* comment */ {}',
    '{"a":1}{"b":2}',
    'service: chat\nrelease: {}',
    '\u0000',
  ]) {
    add(`invalid JSON ${JSON.stringify(text).slice(0, 40)}`, text);
  }
  const cuts = fc.sample(fc.integer({ min: 1, max: valid.length - 2 }), {
    numRuns: 150,
    seed: FUZZ_SEED,
  });
  for (const cut of cuts) add(`truncated at ${cut}`, valid.slice(0, cut));
  const garbage = fc.sample(
    fc.string({ maxLength: 60, unit: 'binary' }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
    { numRuns: 150, seed: FUZZ_SEED },
  );
  for (const text of garbage) add(`garbage ${JSON.stringify(text).slice(0, 40)}`, text);
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/yaml',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/octet-stream',
  ]) {
    add(`valid request as ${type}`, valid, type);
  }
  // Larger than any valid request can be (the template is at most 1 MiB).
  add('a 3 MiB body', JSON.stringify({ ...fullRequest(service), padding: 'x'.repeat(3 * MiB) }));
  add('a 3 MiB garbage body', 'x'.repeat(3 * MiB));
  return cases;
}
