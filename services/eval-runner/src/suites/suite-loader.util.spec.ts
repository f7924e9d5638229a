import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite, parseSuite } from './suite-loader.util';

const CASE = `
  - id: capital
    messages: [{ role: user, content: What is the capital of France? }]
    assertions: [{ type: equals, value: Paris }]`;

function reasonOf(text: string): string {
  const result = parseSuite('evals/bad.yaml', text);
  if (result.ok) throw new Error('expected the suite to be refused');
  return result.reason;
}

describe('parseSuite', () => {
  it('applies the suite defaults to cases that set none, and keeps a case its own', () => {
    const result = parseSuite(
      'evals/ok.yaml',
      `defaults: { max_tokens: 32, temperature: 0 }
cases:${CASE}
  - id: completion
    prompt: The capital of Italy is
    max_tokens: 4
    assertions: [{ type: regex, value: '^\\s*Rome' }]`,
    );

    expect(result).toMatchObject({
      ok: true,
      suite: {
        path: 'evals/ok.yaml',
        cases: [
          { id: 'capital', max_tokens: 32, temperature: 0 },
          { id: 'completion', request: { prompt: 'The capital of Italy is' }, max_tokens: 4 },
        ],
      },
    });
  });

  it('names the path and the field of every problem', () => {
    expect(
      reasonOf(`cases:
  - id: a
    messages: [{ role: user, content: hi }]
    assertions: [{ type: startswith, value: x }]
  - id: b
    assertions: [{ type: contains }]
  - id: a
    prompt: hi
    temprature: 0.5
    assertions: [{ type: max-latency-ms, value: -1 }]`),
    ).toBe(
      'suite evals/bad.yaml is invalid: ' +
        'cases[0].assertions[0].type: must be one of "equals", "contains", "icontains", "not-contains", "regex", "json-valid", "json-schema", "max-latency-ms"; ' +
        'cases[1].assertions[0].value: is required; ' +
        'cases[2].assertions[0].value: must be greater than 0; ' +
        'cases[2].temprature: unknown field',
    );
  });

  it('refuses a case with both or neither of messages and prompt, and a repeated id', () => {
    expect(
      reasonOf(`cases:
  - id: both
    prompt: hi
    messages: [{ role: user, content: hi }]
    assertions: [{ type: json-valid }]
  - id: neither
    assertions: [{ type: json-valid }]
  - id: both
    prompt: hi
    assertions: [{ type: json-valid }]`),
    ).toBe(
      'suite evals/bad.yaml is invalid: ' +
        'cases[0]: needs exactly one of messages (chat) or prompt (completion); ' +
        'cases[1]: needs exactly one of messages (chat) or prompt (completion); ' +
        'cases[2].id: "both" is already the id of cases[0]',
    );
  });

  it('refuses a regular expression or a JSON schema that does not compile', () => {
    expect(
      reasonOf(`cases:
  - id: a
    prompt: hi
    assertions:
      - { type: regex, value: '(unclosed' }
      - { type: json-schema, value: { type: objekt } }`),
    ).toMatch(
      /^suite evals\/bad\.yaml is invalid: cases\[0\]\.assertions\[0\]\.value: is not a valid regular expression; cases\[0\]\.assertions\[1\]\.value: is not a JSON schema ajv can compile: .*type/,
    );
  });

  it('says where YAML syntax breaks, and what an empty suite lacks', () => {
    expect(reasonOf('cases: [\n  - id: a')).toMatch(
      /^suite evals\/bad\.yaml is not valid YAML: invalid YAML\/JSON at line \d+, column \d+/,
    );
    expect(reasonOf('cases: []')).toBe('suite evals/bad.yaml is invalid: cases: must not be empty');
    expect(reasonOf('')).toMatch(/^suite evals\/bad\.yaml is invalid: \(root\): /);
  });
});

describe('loadSuite', () => {
  let root: string;
  let outside: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'eval-suites-'));
    outside = mkdtempSync(join(tmpdir(), 'eval-outside-'));
    mkdirSync(join(root, 'evals'));
    writeFileSync(join(root, 'evals', 'chat.yaml'), `cases:${CASE}\n`);
    writeFileSync(join(outside, 'secret.yaml'), `cases:${CASE}\n`);
    symlinkSync(join(outside, 'secret.yaml'), join(root, 'evals', 'escape.yaml'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads a suite under the suite directory', async () => {
    const result = await loadSuite(root, 'evals/chat.yaml');

    expect(result).toMatchObject({ ok: true, suite: { cases: [{ id: 'capital' }] } });
  });

  it('names the path that does not exist, or is a directory', async () => {
    expect(await loadSuite(root, 'evals/nope.yaml')).toEqual({
      ok: false,
      reason: `suite evals/nope.yaml not found under ${root}`,
    });
    expect(await loadSuite(root, 'evals')).toEqual({
      ok: false,
      reason: `suite evals not found under ${root}`,
    });
  });

  it('refuses a path that leaves the suite directory, through .. or a symlink', async () => {
    expect(await loadSuite(root, '../secret.yaml')).toEqual({
      ok: false,
      reason: 'suite ../secret.yaml is outside the suite directory',
    });
    expect(await loadSuite(root, 'evals/escape.yaml')).toEqual({
      ok: false,
      reason: 'suite evals/escape.yaml is outside the suite directory',
    });
  });
});
