import { ConfigError, loadConfig } from '@greenlight/contracts';
import { OrchestratorConfigSchema } from './orchestrator.config';

const load = (env: Record<string, string>) => loadConfig(OrchestratorConfigSchema, env);

describe('orchestrator config', () => {
  it('reads tokens as named entries and fills defaults', () => {
    const config = load({
      GREENLIGHT_OPERATOR_TOKENS: 'alice:aaaaaaaaaaaaaaaa1, ci:bbbbbbbbbbbbbbbb2',
      GREENLIGHT_VIEWER_TOKENS: 'dash:cccccccccccccccc3',
    });

    expect(config.PORT).toBe(7070);
    expect(config.GREENLIGHT_OPERATOR_TOKENS).toEqual([
      { name: 'alice', secret: 'aaaaaaaaaaaaaaaa1' },
      { name: 'ci', secret: 'bbbbbbbbbbbbbbbb2' },
    ]);
    expect(config.GREENLIGHT_VIEWER_TOKENS).toEqual([
      { name: 'dash', secret: 'cccccccccccccccc3' },
    ]);
  });

  it.each([
    [{}, /GREENLIGHT_OPERATOR_TOKENS: at least one operator token/],
    [
      { GREENLIGHT_OPERATOR_TOKENS: 'alice:short' },
      /GREENLIGHT_OPERATOR_TOKENS: token of "alice" is shorter than 16/,
    ],
    [
      { GREENLIGHT_OPERATOR_TOKENS: 'no-colon-here-at-all' },
      /GREENLIGHT_OPERATOR_TOKENS: each entry must be name:token/,
    ],
    [
      { GREENLIGHT_OPERATOR_TOKENS: 'alice:aaaaaaaaaaaaaaaa1', PORT: 'http' },
      /PORT: must be a port number/,
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => load(env as Record<string, string>)).toThrow(ConfigError);
    expect(() => load(env as Record<string, string>)).toThrow(message);
  });

  it('never puts a token into its error message', () => {
    try {
      load({ GREENLIGHT_OPERATOR_TOKENS: 'alice:tiny-secret' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).not.toContain('tiny-secret');
    }
  });
});
