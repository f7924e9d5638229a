import { POOL_ERRORS } from '../pools.constants';
import {
  CommandTemplateError,
  parseCommandTemplate,
  renderCommand,
  usedPlaceholders,
  type PlaceholderValues,
} from './command-template.util';

const VALUES: PlaceholderValues = {
  port: 9001,
  model: 'chat',
  version: 'v2',
  replica: 1,
  template: '/srv/templates/llama3.jinja',
};

function render(template: string, values: Partial<PlaceholderValues> = {}, env = {}): string[] {
  return renderCommand(parseCommandTemplate(template, env), { ...VALUES, ...values });
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('command templates', () => {
  it('turns the DESIGN.md example into the argv the simulator receives', () => {
    expect(
      render(
        'greenlight-sim --port {port} --model {model} --version {version} --chat-template {template}',
      ),
    ).toEqual([
      'greenlight-sim',
      '--port',
      '9001',
      '--model',
      'chat',
      '--version',
      'v2',
      '--chat-template',
      '/srv/templates/llama3.jinja',
    ]);
  });

  it('honours shell quoting and substitutes placeholders inside tokens', () => {
    expect(
      render(`vllm serve "my model" --url=http://127.0.0.1:{port}/v1 --tag 'replica {replica}'`),
    ).toEqual([
      'vllm',
      'serve',
      'my model',
      '--url=http://127.0.0.1:9001/v1',
      '--tag',
      'replica 1',
    ]);
  });

  it('keeps a value full of shell syntax as one literal argument', () => {
    const hostile = `/tmp/it's; rm -rf / && echo $(id) | tee >out *.jinja`;

    expect(render('sim --port {port} --chat-template {template}', { template: hostile })).toEqual([
      'sim',
      '--port',
      '9001',
      '--chat-template',
      hostile,
    ]);
  });

  it.each([
    ['sim --port {port} | tee log', '|'],
    ['sim --port {port} && echo done', '&&'],
    ['sim --port {port} || true', '||'],
    ['sim --port {port}; echo done', ';'],
    ['sim --port {port} > out.log', '>'],
    ['sim --port {port} >> out.log', '>>'],
    ['sim --port {port} < in.txt', '<'],
    ['sim --port {port} 2>&1', '>&'],
    ['sim --port {port} &', '&'],
    ['sim --port $(cat port)', '('],
  ])('refuses %j, naming the operator %j', (template, op) => {
    const error = errorOf(() => parseCommandTemplate(template, {}));

    expect(error).toBeInstanceOf(CommandTemplateError);
    expect(error.message).toBe(POOL_ERRORS.shellOperator(op));
    expect(error.message).toContain(`"${op}"`);
  });

  it('refuses an unquoted glob but accepts a quoted one', () => {
    expect(() => parseCommandTemplate('sim --port {port} --files *.json', {})).toThrow(
      POOL_ERRORS.glob('*.json'),
    );
    expect(render(`sim --port {port} --stop '*'`)).toEqual([
      'sim',
      '--port',
      '9001',
      '--stop',
      '*',
    ]);
  });

  it('refuses a shell comment and an unterminated quote', () => {
    expect(() => parseCommandTemplate('sim --port {port} # fast', {})).toThrow(
      POOL_ERRORS.comment(' fast'),
    );
    expect(() => parseCommandTemplate('sim --port {port} --name "chat', {})).toThrow(
      POOL_ERRORS.unterminatedQuote('double'),
    );
    expect(() => parseCommandTemplate("sim --port {port} --name 'chat", {})).toThrow(
      POOL_ERRORS.unterminatedQuote('single'),
    );
  });

  it('expands $NAME and ${NAME} from the replica environment, but not inside single quotes', () => {
    const env = { HF_HOME: '/data/hf', MODEL: 'llama 3' };

    expect(render(`vllm serve $HF_HOME/\${MODEL} --port {port} --note '$MODEL'`, {}, env)).toEqual([
      'vllm',
      'serve',
      '/data/hf/llama 3',
      '--port',
      '9001',
      '--note',
      '$MODEL',
    ]);
  });

  it('names an unset variable and refuses expansions a shell would need to run', () => {
    expect(() => parseCommandTemplate('vllm serve $MODEL_DIR --port {port}', {})).toThrow(
      POOL_ERRORS.unsetVariable('MODEL_DIR'),
    );
    expect(() => parseCommandTemplate('vllm serve ${DIR:-/models} --port {port}', {})).toThrow(
      POOL_ERRORS.unsupportedExpansion('DIR:-/models'),
    );
  });

  it('points an environment assignment at pool.env', () => {
    expect(() =>
      parseCommandTemplate('CUDA_VISIBLE_DEVICES=0 vllm serve --port {port}', {}),
    ).toThrow(POOL_ERRORS.envAssignment('CUDA_VISIBLE_DEVICES=0'));
  });

  it('names an unknown placeholder and lists the known ones', () => {
    const error = errorOf(() => parseCommandTemplate('sim --port {prot}', {}));

    expect(error.message).toBe(POOL_ERRORS.unknownPlaceholder('prot'));
    expect(error.message).toContain('{port}, {model}, {version}, {replica}, {template}');
  });

  it('leaves JSON arguments alone', () => {
    expect(render(`vllm serve --port {port} --hf-overrides '{"rope_scaling": null}'`)).toEqual([
      'vllm',
      'serve',
      '--port',
      '9001',
      '--hf-overrides',
      '{"rope_scaling": null}',
    ]);
  });

  it('refuses {template} when the release has no chat template file', () => {
    const tokens = parseCommandTemplate('sim --port {port} --chat-template {template}', {});

    expect(usedPlaceholders(tokens)).toEqual(new Set(['port', 'template']));
    expect(() => renderCommand(tokens, { ...VALUES, template: null })).toThrow(
      POOL_ERRORS.missingTemplate,
    );
  });

  it('refuses an empty command', () => {
    expect(() => parseCommandTemplate('   ', {})).toThrow(POOL_ERRORS.emptyCommand);
  });
});
