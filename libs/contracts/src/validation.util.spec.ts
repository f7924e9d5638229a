import { z } from 'zod';
import {
  formatIssues,
  formatPath,
  parseManifestText,
  parseOrThrow,
  safeParse,
  validationMessage,
} from './validation.util';

describe('formatPath', () => {
  it.each([
    [[], '(root)'],
    [['service'], 'service'],
    [['strategy', 'steps', 1, 'weight'], 'strategy.steps[1].weight'],
    [[0, 'url'], '[0].url'],
    [['pool', 'env', 'my var'], 'pool.env["my var"]'],
  ] as const)('%j -> %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('formatIssues and validationMessage', () => {
  const schema = z.strictObject({ a: z.strictObject({ b: z.number() }) });

  it('reports each unknown field at its own path', () => {
    const result = schema.safeParse({ a: { b: 1, c: 2, d: 3 } });
    expect(formatIssues(result.error!)).toEqual([
      { path: 'a.c', message: 'unknown field' },
      { path: 'a.d', message: 'unknown field' },
    ]);
  });

  it('joins issues into one line', () => {
    expect(
      validationMessage([
        { path: 'a.b', message: 'is required' },
        { path: 'a.c', message: 'unknown field' },
      ]),
    ).toBe('a.b: is required; a.c: unknown field');
  });

  it('parseOrThrow throws every issue in its message', () => {
    expect(() => parseOrThrow(schema, { a: {}, x: 1 })).toThrow(
      'a.b: is required; x: unknown field',
    );
  });

  it('safeParse returns the parsed value', () => {
    expect(safeParse(schema, { a: { b: 1 } })).toEqual({ ok: true, value: { a: { b: 1 } } });
  });
});

describe('parseManifestText', () => {
  it('reads YAML and JSON alike', () => {
    expect(parseManifestText('service: chat\nrelease: { version: v2 }\n')).toEqual({
      service: 'chat',
      release: { version: 'v2' },
    });
    expect(parseManifestText('{"service": "chat", "n": [1, 2]}')).toEqual({
      service: 'chat',
      n: [1, 2],
    });
  });

  it('names the line and column of a syntax error', () => {
    expect(() => parseManifestText('service: chat\nrelease: { version: v2\npool: x\n')).toThrow(
      /^invalid YAML\/JSON at line \d+, column \d+: /,
    );
    expect(() => parseManifestText('service: chat\nversion: "v2\n')).toThrow(
      'invalid YAML/JSON at line 3, column 1: Missing closing "quote',
    );
  });

  it('refuses duplicate keys, which would silently drop a value', () => {
    expect(() => parseManifestText('service: a\nservice: b\n')).toThrow(
      /line 2, column 1: Map keys must be unique/,
    );
  });
});
