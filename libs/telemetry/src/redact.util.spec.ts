import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from './logger.util';
import { redactText, redactUrl } from './redact.util';

const TOKEN = 'tok-3f9c1d7e5b2a4c6e8f0a';
const PASSWORD = 'pw-8d6f4b2a0c9e7f5d3b1a';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino(loggerOptions('test', 'debug'), sink), text: () => lines.join('') };
}

describe('secrets in logs', () => {
  it('redacts headers, passwords and whole config dumps, keeping what helps debugging', () => {
    const { logger, text } = capture();

    logger.info({ req: { headers: { authorization: `Bearer ${TOKEN}` }, url: '/v1/x' } }, 'req');
    logger.info(
      {
        config: {
          GREENLIGHT_OPERATOR_TOKENS: [{ name: 'alice', secret: TOKEN }],
          NATS_USER: 'orchestrator',
          NATS_PASSWORD: PASSWORD,
          REDIS_URL: `redis://:${PASSWORD}@10.0.0.1:6379`,
        },
      },
      'config',
    );
    logger.info({ options: { user: 'gateway', pass: PASSWORD } }, 'nats options');

    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain(PASSWORD);
    expect(text()).toContain('"NATS_USER":"orchestrator"');
    expect(text()).toContain('/v1/x');
  });

  it('cuts the password out of a connection string inside a message', () => {
    const { logger, text } = capture();

    logger.warn(`cannot reach redis://default:${PASSWORD}@10.0.0.1:6379/0, retrying`);

    expect(text()).not.toContain(PASSWORD);
    expect(text()).toContain('redis://default:[redacted]@10.0.0.1:6379/0, retrying');
  });

  it.each([
    [`redis://:${PASSWORD}@h:6379`, 'redis://:[redacted]@h:6379'],
    [`nats://gateway:${PASSWORD}@h:4222`, 'nats://gateway:[redacted]@h:4222'],
    [
      `/v1/deployments?access_token=${TOKEN}&limit=5`,
      '/v1/deployments?access_token=[redacted]&limit=5',
    ],
    ['http://127.0.0.1:7070/healthz', 'http://127.0.0.1:7070/healthz'],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('leaves text without URLs alone', () => {
    expect(redactText('pool v2 ready: 2/2 replicas')).toBe('pool v2 ready: 2/2 replicas');
  });
});
