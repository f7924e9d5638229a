import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConnection } from './connection.util';

describe('resolveConnection', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'greenlight-conn-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  function writeStack(): void {
    mkdirSync(join(cwd, '.greenlight'));
    const stack = {
      orchestrator: 'http://127.0.0.1:7070',
      gateway: 'g',
      nats: 'n',
      redis: 'r',
      token: 'stack-token',
    };
    writeFileSync(join(cwd, '.greenlight', 'stack.json'), JSON.stringify(stack));
  }

  it('prefers flags, then the environment, then .greenlight/stack.json', () => {
    writeStack();
    const env = { GREENLIGHT_URL: 'http://env:1', GREENLIGHT_TOKEN: 'env-token' };

    expect(resolveConnection({ url: 'http://flag:1', token: 'flag-token' }, env, cwd)).toEqual({
      url: 'http://flag:1',
      token: 'flag-token',
    });
    expect(resolveConnection({}, env, cwd)).toEqual({ url: 'http://env:1', token: 'env-token' });
    expect(resolveConnection({}, {}, cwd)).toEqual({
      url: 'http://127.0.0.1:7070',
      token: 'stack-token',
    });
  });

  it('explains every way to connect when none is given', () => {
    expect(() => resolveConnection({}, {}, cwd)).toThrow(
      /--url and --token.*GREENLIGHT_URL.*greenlight up/,
    );
  });

  it('names a broken stack file', () => {
    mkdirSync(join(cwd, '.greenlight'));
    writeFileSync(join(cwd, '.greenlight', 'stack.json'), '{"orchestrator": 1}');

    expect(() => resolveConnection({}, {}, cwd)).toThrow(/stack\.json is not a valid stack file/);
  });
});
