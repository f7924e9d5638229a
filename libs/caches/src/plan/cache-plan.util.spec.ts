import {
  CachePlanDataSchema,
  CachesSchema,
  DeployRequestSchema,
  sha256Hex,
  type Release,
} from '@greenlight/contracts';
import { deployRequest } from '@greenlight/fixtures';
import { planCaches, type CachePlanInput } from './cache-plan.util';

const SERVICE = 'chat';
const BLUE_GENERATION = 'chat-v1-abc123';
const OTHER_TEMPLATE = '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}';

function release(version: string, change: (r: Release) => void = () => undefined): Release {
  const parsed = DeployRequestSchema.parse(deployRequest(SERVICE, version)).release;
  const copy = structuredClone(parsed);
  copy.sampling = { temperature: 0.7, top_p: 0.9, max_tokens: 512 };
  copy.systemPrompt = 'You are a helpful assistant.';
  copy.adapters = ['sql-lora', 'support-lora'];
  copy.quantization = 'awq';
  copy.embeddingModel = 'bge-small-en-v1.5';
  copy.hardware = 'a100-80g';
  copy.tokenizer = { sha256: sha256Hex('tokenizer v1') };
  change(copy);
  return copy;
}

function plan(green: Release, overrides: Partial<CachePlanInput> = {}) {
  const result = planCaches({
    service: SERVICE,
    release: green,
    blueRelease: release('v1'),
    blueGeneration: BLUE_GENERATION,
    caches: CachesSchema.parse({}),
    ...overrides,
  });
  // Whatever the inputs, the plan is a valid cache.plan event.
  expect(CachePlanDataSchema.parse(result)).toEqual(result);
  return result;
}

describe('planCaches: one release field at a time', () => {
  const cases: [string, (r: Release) => void, string, RegExp][] = [
    [
      'model.id',
      (r) => (r.model.id = 'mistralai/Mistral-7B'),
      'new-generation',
      /^model\.id: meta-llama\/Llama-3\.1-8B-Instruct → mistralai\/Mistral-7B/,
    ],
    [
      'model.revision',
      (r) => (r.model.revision = 'f00ba42'),
      'new-generation',
      /^model\.revision: 5206a32 → f00ba42/,
    ],
    [
      'template',
      (r) =>
        (r.template = {
          id: 'llama3-chat',
          content: OTHER_TEMPLATE,
          sha256: sha256Hex(OTHER_TEMPLATE),
        }),
      'new-generation',
      /^template\.sha256: .* → .*chat template changes the prompt/,
    ],
    [
      'tokenizer',
      (r) => (r.tokenizer = { sha256: sha256Hex('tokenizer v2') }),
      'new-generation',
      /^tokenizer\.sha256: /,
    ],
    [
      'sampling.temperature',
      (r) => (r.sampling = { ...r.sampling, temperature: 0.2 }),
      'new-generation',
      /^sampling\.temperature: 0\.7 → 0\.2/,
    ],
    [
      'sampling.top_p',
      (r) => (r.sampling = { ...r.sampling, top_p: 1 }),
      'new-generation',
      /^sampling\.top_p: 0\.9 → 1/,
    ],
    [
      'sampling.max_tokens',
      (r) => (r.sampling = { ...r.sampling, max_tokens: 256 }),
      'new-generation',
      /^sampling\.max_tokens: 512 → 256/,
    ],
    [
      'systemPrompt',
      (r) => (r.systemPrompt = 'You are terse.'),
      'new-generation',
      /^systemPrompt: You are a helpful assistant\. → You are terse\./,
    ],
    [
      'adapters',
      (r) => (r.adapters = ['sql-lora']),
      'new-generation',
      /^adapters: \["sql-lora","support-lora"\] → \["sql-lora"\]/,
    ],
    ['quantization', (r) => (r.quantization = 'fp8'), 'new-generation', /^quantization: awq → fp8/],
    [
      'embeddingModel',
      (r) => (r.embeddingModel = 'bge-large-en-v1.5'),
      'new-collection',
      /^embeddingModel: bge-small-en-v1\.5 → bge-large-en-v1\.5 \(new-collection: stored vectors are incompatible/,
    ],
    [
      'engine.name',
      (r) => (r.engine = { name: 'sglang', version: '0.11.0', args: ['--max-model-len', '8192'] }),
      'new-generation',
      /^engine\.name: vllm → sglang/,
    ],
    [
      'engine.version',
      (r) => (r.engine = { ...r.engine!, version: '0.12.0' }),
      'new-generation',
      /^engine\.version: 0\.11\.0 → 0\.12\.0/,
    ],
    [
      'engine.args that only change capacity',
      (r) =>
        (r.engine = {
          ...r.engine!,
          args: [
            '--max-model-len',
            '16384',
            '--gpu-memory-utilization=0.95',
            '--max-num-seqs',
            '128',
            '--tensor-parallel-size',
            '2',
          ],
        }),
      'share',
      /^engine\.args --gpu-memory-utilization: \(unset\) → \["0\.95"\] \(share: /,
    ],
    [
      'engine.args that change outputs',
      (r) => (r.engine = { ...r.engine!, args: [...r.engine!.args, '--dtype', 'float16'] }),
      'new-generation',
      /^engine\.args --dtype: \(unset\) → \["float16"\] \(new-generation: may change answers\)/,
    ],
    [
      'engine.args unknown to greenlight',
      (r) => (r.engine = { ...r.engine!, args: [...r.engine!.args, '--speculative-config', '{}'] }),
      'new-generation',
      /^engine\.args --speculative-config: .*not known to keep answers the same/,
    ],
    [
      'hardware',
      (r) => (r.hardware = 'h100-80g'),
      'share',
      /^hardware: a100-80g → h100-80g \(share: /,
    ],
  ];

  const named = cases.map(([field, change, mode, line]) => ({ field, change, mode, line }));

  it.each(named)('$field changed → $mode', ({ change, mode, line }) => {
    const result = plan(release('v2', change));

    expect(result.semantic).toBe(mode);
    expect(result.reasons).toEqual(expect.arrayContaining([expect.stringMatching(line)]));
    expect(result.reasons[0]).toBe('version: v1 → v2 (share: a label only)');
    if (mode === 'share') expect(result.generations.green).toBe(BLUE_GENERATION);
    else expect(result.generations.green).toMatch(/^chat-v2-[0-9a-f]{6}$/);
  });

  it('replicas changed → share, named in the reasons', () => {
    const result = plan(release('v2'), { replicas: { blue: 2, green: 4 } });

    expect(result.semantic).toBe('share');
    expect(result.reasons).toContain(
      'replicas: 2 → 4 (share: more or fewer copies of the same model)',
    );
    expect(result.generations).toEqual({ blue: BLUE_GENERATION, green: BLUE_GENERATION });
  });
});

describe('planCaches: the plan as a whole', () => {
  it('shares blue generation when only the version label changed', () => {
    const result = plan(release('v2'));

    expect(result).toEqual({
      prefix: 'prewarm',
      semantic: 'share',
      backend: 'redis',
      generations: { blue: BLUE_GENERATION, green: BLUE_GENERATION },
      reasons: [
        'version: v1 → v2 (share: a label only)',
        'no release field changed: green shares blue answers',
      ],
    });
  });

  it('lets the most severe difference win, with one reason line per differing field', () => {
    const result = plan(
      release('v2', (r) => {
        r.hardware = 'h100-80g';
        r.model.revision = 'f00ba42';
        r.embeddingModel = 'bge-large-en-v1.5';
      }),
    );

    expect(result.semantic).toBe('new-collection');
    expect(result.reasons.map((line) => line.split(':')[0])).toEqual([
      'version',
      'model.revision',
      'embeddingModel',
      'hardware',
    ]);
  });

  it('starts a new generation on the first deployment (no blue)', () => {
    const result = plan(release('v1'), { blueRelease: null, blueGeneration: null });

    expect(result.semantic).toBe('new-generation');
    expect(result.generations).toEqual({
      blue: null,
      green: expect.stringMatching(/^chat-v1-[0-9a-f]{6}$/),
    });
    expect(result.reasons).toEqual([
      'first deployment of chat: no blue answers to share, green starts a new generation',
    ]);
  });

  it('follows the manifest override and records its reason', () => {
    const caches = CachesSchema.parse({
      semantic: {
        override: { mode: 'share', reason: 'same weights, re-uploaded under a new revision' },
      },
    });

    const result = plan(
      release('v2', (r) => (r.model.revision = 'f00ba42')),
      { caches },
    );

    expect(result.semantic).toBe('share');
    expect(result.generations.green).toBe(BLUE_GENERATION);
    expect(result.reasons).toContain(
      'caches.semantic.override: share (same weights, re-uploaded under a new revision)',
    );
  });

  it('refuses an override that would search old vectors with a new embedding model', () => {
    const caches = CachesSchema.parse({
      semantic: { override: { mode: 'share', reason: 'we trust it' } },
    });

    const result = plan(
      release('v2', (r) => (r.embeddingModel = 'e5-large')),
      { caches },
    );

    expect(result.semantic).toBe('new-collection');
    expect(result.reasons.at(-1)).toMatch(
      /^caches\.semantic\.override share ignored: the embedding model changed/,
    );
  });

  it('gives the same plan for the same command (a redelivery repeats it exactly)', () => {
    const green = release('v2', (r) => (r.quantization = 'fp8'));

    expect(plan(green)).toEqual(plan(structuredClone(green)));
    expect(plan(green).generations.green).not.toBe(plan(release('v2')).generations.green);
  });

  it('starts a generation when sharing but blue has none yet', () => {
    const result = plan(release('v2'), { blueGeneration: null });

    expect(result.semantic).toBe('share');
    expect(result.generations).toEqual({
      blue: null,
      green: expect.stringMatching(/^chat-v2-[0-9a-f]{6}$/),
    });
    expect(result.reasons.at(-1)).toMatch(/^blue has no semantic-cache generation yet/);
  });

  it('skips the prefix pre-warm when topPrefixes is 0', () => {
    const result = plan(release('v2'), {
      caches: CachesSchema.parse({ prefixWarmup: { topPrefixes: 0 } }),
    });

    expect(result.prefix).toBe('skip');
    expect(result.reasons).toContain(
      'prefix cache: no pre-warm (caches.prefixWarmup.topPrefixes is 0)',
    );
  });

  it('still decides the semantic mode and a valid green generation when the backend is none', () => {
    const caches = CachesSchema.parse({ semantic: { backend: 'none' } });

    const result = plan(
      release('V2.1', (r) => (r.systemPrompt = 'Be brief.')),
      { caches },
    );

    expect(result).toMatchObject({ backend: 'none', semantic: 'new-generation' });
    expect(result.generations.green).toMatch(/^chat-v2-1-[0-9a-f]{6}$/);
  });
});
