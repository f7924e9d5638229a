import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { failedAssertions } from './assertions.util';
import { parseSuite, type PreparedSuite } from './suite-loader.util';

const EVALS = join(__dirname, '..', '..', '..', '..', 'evals');

/** The simulator matches a prompt trimmed, lowercased, with spaces collapsed. */
const normalize = (prompt: string): string => prompt.trim().toLowerCase().replace(/\s+/g, ' ');

describe('evals/chat.yaml against the simulator knowledge it is written for', () => {
  const loaded = parseSuite('evals/chat.yaml', readFileSync(join(EVALS, 'chat.yaml'), 'utf8'));
  const knowledge = new Map(
    Object.entries(
      parse(readFileSync(join(EVALS, 'chat.knowledge.yaml'), 'utf8')) as Record<string, string>,
    ).map(([prompt, answer]) => [normalize(prompt), answer]),
  );
  const suite = (): PreparedSuite => {
    if (!loaded.ok) throw new Error(loaded.reason);
    return loaded.suite;
  };
  /** What the simulator looks an answer up by: the last user message, or the prompt. */
  const question = (c: PreparedSuite['cases'][number]): string =>
    'prompt' in c.request
      ? c.request.prompt
      : ([...c.request.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

  it('is a valid suite of about 40 cases, enough for the paired test to have power', () => {
    expect(loaded).toMatchObject({ ok: true });
    expect(suite().cases.length).toBeGreaterThanOrEqual(40);
  });

  it('passes every case with the answer a healthy release gives', () => {
    const failures = suite().cases.flatMap((c) => {
      const answer = knowledge.get(normalize(question(c)));
      if (answer === undefined) return [`${c.id}: no answer in chat.knowledge.yaml`];
      const failed = failedAssertions({ text: answer, latencyMs: 50 }, c.assertions);
      return failed.length ? [`${c.id}: ${failed.join('; ')}`] : [];
    });

    expect(failures).toEqual([]);
  });

  it('fails every case with any wrong answer a degraded release could give (another known answer)', () => {
    const answers = [...new Set(knowledge.values())];
    const passedWrongly = suite().cases.flatMap((c) => {
      const right = knowledge.get(normalize(question(c)));
      return answers
        .filter((a) => a !== right)
        .filter((a) => failedAssertions({ text: a, latencyMs: 50 }, c.assertions).length === 0)
        .map((a) => `${c.id} passes with ${JSON.stringify(a)}`);
    });

    expect(passedWrongly).toEqual([]);
  });
});
