import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifestText, safeParse, type ValidationIssue } from '../validation.util';
import {
  DeployRequestSchema,
  type DeployRequest,
  type DeployRequestInput,
  LAST_STEP_MESSAGE,
  ManifestFileSchema,
  ParsedDeployRequestSchema,
  PATH_TRAVERSAL_MESSAGE,
  sha256Hex,
  TEMPLATE_FILE_ON_WIRE_MESSAGE,
} from './deploy-request.schema';

const EXAMPLES = join(__dirname, 'examples');
const TEMPLATE = 'Hello {{ messages[0].content }}';

function validRequest(): DeployRequestInput {
  return {
    service: 'chat',
    release: {
      version: 'v2',
      model: { id: 'meta-llama/Llama-3.1-8B-Instruct' },
      template: { id: 'llama3-chat', content: TEMPLATE, sha256: sha256Hex(TEMPLATE) },
    },
    pool: {
      driver: 'process',
      replicas: 2,
      command: 'greenlight-sim --port {port} --model {model}',
    },
  };
}

/** Loosely typed on purpose: the tests break requests in ways the input type forbids. */
interface Draft {
  [key: string]: unknown;
  release: Record<string, unknown> & { template: Record<string, unknown> };
  pool: Record<string, unknown>;
}

/** A copy of the valid request with one change applied. */
function mutated(change: (request: Draft) => void): unknown {
  const request = structuredClone(validRequest()) as unknown as Draft;
  change(request);
  return request;
}

function issuesOf(input: unknown): ValidationIssue[] {
  const result = safeParse(DeployRequestSchema, input);
  if (result.ok) throw new Error('expected the request to be rejected');
  return result.issues;
}

describe('ManifestFileSchema on the example release.yaml', () => {
  const manifest = parseManifestText(readFileSync(join(EXAMPLES, 'chat-release.yaml'), 'utf8'));

  it('validates and turns durations into milliseconds', () => {
    const result = safeParse(ManifestFileSchema, manifest);
    expect(result).toMatchObject({
      ok: true,
      value: {
        service: 'chat',
        release: { version: 'v2', template: { file: 'templates/llama3.jinja' } },
        pool: { driver: 'process', replicas: 2, stopTimeout: 120_000 },
        strategy: {
          readiness: { timeout: 300_000, warmupRequests: 3 },
          steps: [
            { weight: 1, bake: 600_000 },
            { weight: 25, bake: 600_000 },
            { weight: 75, bake: 600_000 },
            { weight: 100, bake: 0 },
          ],
          analysis: { interval: 30_000, maxBakeExtensions: 3 },
          drain: { timeout: 120_000 },
          standby: 86_400_000,
        },
      },
    });
  });

  it('references a template whose digest matches the file next to it', () => {
    const result = safeParse(ManifestFileSchema, manifest);
    if (!result.ok) throw new Error('example must validate');
    const template = result.value.release.template!;
    const content = readFileSync(join(EXAMPLES, template.file), 'utf8');
    expect(sha256Hex(content)).toBe(template.sha256);
  });

  it('becomes a valid deploy request once the CLI inlines the template', () => {
    const result = safeParse(ManifestFileSchema, manifest);
    if (!result.ok) throw new Error('example must validate');
    const raw = structuredClone(manifest) as Draft;
    const { file, ...rest } = raw.release.template;
    raw.release.template = { ...rest, content: readFileSync(join(EXAMPLES, String(file)), 'utf8') };
    expect(safeParse(DeployRequestSchema, raw).ok).toBe(true);
  });
});

describe('DeployRequestSchema', () => {
  it('fills every default of a minimal request', () => {
    const result = safeParse(DeployRequestSchema, validRequest());
    expect(result).toEqual({
      ok: true,
      value: {
        service: 'chat',
        release: {
          version: 'v2',
          model: { id: 'meta-llama/Llama-3.1-8B-Instruct' },
          template: { id: 'llama3-chat', content: TEMPLATE, sha256: sha256Hex(TEMPLATE) },
        },
        pool: {
          driver: 'process',
          replicas: 2,
          command: 'greenlight-sim --port {port} --model {model}',
          stopTimeout: 120_000,
        },
        strategy: {
          readiness: { timeout: 300_000, warmupRequests: 3 },
          steps: [
            { weight: 1, bake: 600_000 },
            { weight: 25, bake: 600_000 },
            { weight: 75, bake: 600_000 },
            { weight: 100, bake: 0 },
          ],
          analysis: {
            interval: 30_000,
            metrics: ['errorRate', 'ttftP95', 'itlP95', 'e2eP95'],
            maxBakeExtensions: 3,
            minSamples: 50,
          },
          drain: { timeout: 120_000 },
          standby: 86_400_000,
          affinity: 'session',
        },
        caches: {
          prefixWarmup: { topPrefixes: 200, budget: 60_000 },
          semantic: { backend: 'redis' },
        },
      } satisfies DeployRequest,
    });
  });

  it('accepts a static pool that adopts running servers', () => {
    const result = safeParse(
      DeployRequestSchema,
      mutated((r) => {
        r.pool = {
          driver: 'static',
          endpoints: ['http://10.0.0.1:8000', 'https://gpu-2.internal:8000'],
        };
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('keeps an eval suite and an explicit semantic-cache override', () => {
    const result = safeParse(
      DeployRequestSchema,
      mutated((r) => {
        r.strategy = { eval: { suite: 'evals/chat.yaml' } };
        r.caches = {
          semantic: {
            backend: 'qdrant',
            override: { mode: 'share', reason: 'prompt-only change' },
          },
        };
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        strategy: { eval: { suite: 'evals/chat.yaml', minPassRate: 0.95 } },
        caches: {
          semantic: {
            backend: 'qdrant',
            override: { mode: 'share', reason: 'prompt-only change' },
          },
        },
      },
    });
  });

  const mistakes: [string, (r: Draft) => void, ValidationIssue[]][] = [
    [
      'a number where a string belongs',
      (r) => (r.release.version = 2),
      [{ path: 'release.version', message: 'must be a string, got number' }],
    ],
    [
      'a string where a number belongs',
      (r) => (r.pool.replicas = 'two'),
      [{ path: 'pool.replicas', message: 'must be a number, got string' }],
    ],
    [
      'an unknown field deep inside',
      (r) => (r.strategy = { readiness: { timeout: '60s', warmup: 3 } }),
      [{ path: 'strategy.readiness.warmup', message: 'unknown field' }],
    ],
    [
      'an unknown top-level field',
      (r) => (r.replicas = 3),
      [{ path: 'replicas', message: 'unknown field' }],
    ],
    [
      'weights that do not increase',
      (r) => (r.strategy = { steps: [{ weight: 10 }, { weight: 10 }, { weight: 100 }] }),
      [
        {
          path: 'strategy.steps[1].weight',
          message:
            "must be greater than the previous step's weight (10): weights increase strictly",
        },
      ],
    ],
    [
      'a last step below 100',
      (r) => (r.strategy = { steps: [{ weight: 5 }, { weight: 50 }] }),
      [{ path: 'strategy.steps[1].weight', message: LAST_STEP_MESSAGE }],
    ],
    [
      'a weight of 150',
      (r) => (r.strategy = { steps: [{ weight: 50 }, { weight: 150 }] }),
      [{ path: 'strategy.steps[1].weight', message: 'must be at most 100' }],
    ],
    [
      'a fractional weight',
      (r) => (r.strategy = { steps: [{ weight: 0.5 }, { weight: 100 }] }),
      [{ path: 'strategy.steps[0].weight', message: 'must be an integer, got a fraction' }],
    ],
    [
      'a negative duration',
      (r) => (r.strategy = { drain: { timeout: '-30s' } }),
      [{ path: 'strategy.drain.timeout', message: 'must be a duration like 30s, 10m or 24h' }],
    ],
    [
      'a bare number as a duration',
      (r) => (r.strategy = { steps: [{ weight: 100, bake: 600 }] }),
      [{ path: 'strategy.steps[0].bake', message: 'must be a duration like 30s, 10m or 24h' }],
    ],
    [
      'a standby window beyond its bound',
      (r) => (r.strategy = { standby: '30d' }),
      [{ path: 'strategy.standby', message: 'must be at most 7d' }],
    ],
    [
      'a zero readiness timeout',
      (r) => (r.strategy = { readiness: { timeout: '0s' } }),
      [{ path: 'strategy.readiness.timeout', message: 'must be at least 1s' }],
    ],
    [
      'a template digest that does not match its content',
      (r) => (r.release.template.sha256 = 'a'.repeat(64)),
      [
        {
          path: 'release.template.sha256',
          message: `does not match the template content: expected ${'a'.repeat(64)}, content hashes to ${sha256Hex(TEMPLATE)}`,
        },
      ],
    ],
    [
      'a template digest that is not a digest',
      (r) => (r.release.template.sha256 = '9f2c'),
      [{ path: 'release.template.sha256', message: 'must be a sha256 digest (64 hex characters)' }],
    ],
    [
      'template.file sent over the wire',
      (r) => (r.release.template.file = 'templates/llama3.jinja'),
      [{ path: 'release.template.file', message: TEMPLATE_FILE_ON_WIRE_MESSAGE }],
    ],
    [
      'path traversal in the eval suite',
      (r) => (r.strategy = { eval: { suite: 'evals/../../etc/passwd' } }),
      [{ path: 'strategy.eval.suite', message: PATH_TRAVERSAL_MESSAGE }],
    ],
    [
      'an absolute eval suite path',
      (r) => (r.strategy = { eval: { suite: '/etc/passwd' } }),
      [{ path: 'strategy.eval.suite', message: 'must be a relative path, not an absolute one' }],
    ],
    [
      'a service name that is not a subject token',
      (r) => (r.service = 'Chat.Service'),
      [
        {
          path: 'service',
          message:
            'must be 1-63 characters of lowercase letters, digits and "-", starting with a letter or digit',
        },
      ],
    ],
    [
      'a process pool without a command',
      (r) => delete r.pool.command,
      [{ path: 'pool.command', message: 'is required' }],
    ],
    [
      'a command without the {port} placeholder',
      (r) => (r.pool.command = 'vllm serve model'),
      [{ path: 'pool.command', message: 'must contain the "{port}" placeholder' }],
    ],
    [
      'an unknown pool driver',
      (r) => (r.pool.driver = 'docker'),
      [
        {
          path: 'pool.driver',
          message: 'must be one of "process", "static", "systemd", "kubernetes"',
        },
      ],
    ],
    [
      'a static pool with a non-http endpoint',
      (r) => (r.pool = { driver: 'static', endpoints: ['ftp://10.0.0.1'] }),
      [{ path: 'pool.endpoints[0]', message: 'must be an http:// or https:// URL' }],
    ],
    [
      'an unknown analysis metric',
      (r) => (r.strategy = { analysis: { metrics: ['errorRate', 'p99'] } }),
      [
        {
          path: 'strategy.analysis.metrics[1]',
          message: 'must be one of "errorRate", "ttftP95", "itlP95", "e2eP95"',
        },
      ],
    ],
    [
      'a sampling temperature out of range',
      (r) => (r.release.sampling = { temperature: 3 }),
      [{ path: 'release.sampling.temperature', message: 'must be at most 2' }],
    ],
    [
      'an extra sampling key',
      (r) => (r.release.sampling = { temperature: 0.7, top_k: 40 }),
      [{ path: 'release.sampling.top_k', message: 'unknown field' }],
    ],
    ['a missing service', (r) => delete r.service, [{ path: 'service', message: 'is required' }]],
  ];

  it.each(mistakes)(
    'rejects %s with exactly the expected path and message',
    (_name, change, expected) => {
      expect(issuesOf(mutated(change))).toEqual(expected);
    },
  );

  it('answers a CLI manifest posted as-is with the file message and the missing content', () => {
    const issues = issuesOf(
      mutated((r) => {
        r.release.template = {
          id: 'llama3-chat',
          file: 'templates/llama3.jinja',
          sha256: sha256Hex(TEMPLATE),
        };
      }),
    );
    expect(issues).toEqual([
      { path: 'release.template.content', message: 'is required' },
      { path: 'release.template.file', message: TEMPLATE_FILE_ON_WIRE_MESSAGE },
    ]);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(
      mutated((r) => {
        r.service = '';
        r.pool.replicas = 0;
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['service', 'pool.replicas']);
  });
});

describe('ManifestFileSchema', () => {
  function manifestWith(template: Record<string, unknown>): unknown {
    return mutated((r) => (r.release.template = template));
  }

  it('takes a template by relative file path', () => {
    const result = safeParse(
      ManifestFileSchema,
      manifestWith({ id: 't', file: 'templates/llama3.jinja', sha256: 'A'.repeat(64) }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: { release: { template: { sha256: 'a'.repeat(64) } } },
    });
  });

  it('refuses a template file outside the manifest directory', () => {
    const result = safeParse(
      ManifestFileSchema,
      manifestWith({ id: 't', file: '../secrets/t.jinja', sha256: 'a'.repeat(64) }),
    );
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'release.template.file', message: PATH_TRAVERSAL_MESSAGE }],
    });
  });

  it('refuses inline content, which only the wire form carries', () => {
    const result = safeParse(
      ManifestFileSchema,
      manifestWith({ id: 't', file: 't.jinja', content: 'x', sha256: 'a'.repeat(64) }),
    );
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'release.template.content', message: 'unknown field' }],
    });
  });
});

describe('ParsedDeployRequestSchema', () => {
  it('accepts a parsed request again unchanged (stored aggregates and commands carry this form)', () => {
    const parsed = DeployRequestSchema.parse(
      mutated(
        (r) =>
          (r.strategy = { steps: [{ weight: 50, bake: '1h30m' }, { weight: 100 }], standby: '0s' }),
      ),
    );
    expect(ParsedDeployRequestSchema.parse(parsed)).toEqual(parsed);
  });

  it('still enforces the bounds on the parsed form', () => {
    const parsed = DeployRequestSchema.parse(validRequest());
    const tooLong = { ...parsed, strategy: { ...parsed.strategy, standby: 30 * 86_400_000 } };
    expect(safeParse(ParsedDeployRequestSchema, tooLong)).toEqual({
      ok: false,
      issues: [{ path: 'strategy.standby', message: 'must be at most 7d' }],
    });
  });
});

describe('DeployRequestSchema against hostile input (found by test/fuzz)', () => {
  it.each([
    [
      'a NUL byte in the model id',
      (r: Draft) => (r.release.model = { id: 'llama\u0000' }),
      'release.model.id',
    ],
    [
      'a newline in the template id',
      (r: Draft) => (r.release.template.id = 'a\nb'),
      'release.template.id',
    ],
    ['".." as the release version', (r: Draft) => (r.release.version = '..'), 'release.version'],
    [
      'a NUL byte in the eval suite path',
      (r: Draft) => (r.strategy = { eval: { suite: 'evals/a\u0000.yaml' } }),
      'strategy.eval.suite',
    ],
    [
      'a NUL byte in the pool command',
      (r: Draft) => (r.pool.command = 'sim --port {port}\u0000x'),
      'pool.command',
    ],
    [
      'a 1 MiB environment value',
      (r: Draft) => (r.pool.env = { A: 'x'.repeat(1024 * 1024) }),
      'pool.env.A',
    ],
  ])('rejects %s at its path', (_name, change, path) => {
    expect(issuesOf(mutated(change)).map((i) => i.path)).toEqual([path]);
  });

  it('names 1e309 (Infinity over JSON) as what it is, not "a fraction"', () => {
    const issues = issuesOf(mutated((r) => (r.pool.replicas = Infinity)));
    expect(issues).toEqual([
      { path: 'pool.replicas', message: 'must be a finite number, got Infinity' },
    ]);
  });
});
