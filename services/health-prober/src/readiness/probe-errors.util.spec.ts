import { bodyDetail, describeNetworkError, formatSeconds } from './probe-errors.util';

describe('probe error wording', () => {
  it('says a refused connection means loading or crashed, however Node wraps it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    const expected = 'connection refused (the server is still loading or crashed)';

    expect(describeNetworkError(refused, '127.0.0.1')).toBe(expected);
    expect(describeNetworkError(new AggregateError([refused, refused]), 'localhost')).toBe(
      expected,
    );
    expect(describeNetworkError(new TypeError('fetch failed', { cause: refused }), 'x')).toBe(
      expected,
    );
  });

  it('names the host that does not resolve or cannot be reached', () => {
    const unknown = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const unreachable = Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' });

    expect(describeNetworkError(unknown, 'green-0.svc')).toBe(
      'host name green-0.svc does not resolve',
    );
    expect(describeNetworkError(unreachable, '10.0.0.9')).toBe('host 10.0.0.9 is unreachable');
  });

  it('says a dropped connection may be a crash, and keeps other messages', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });

    expect(describeNetworkError(reset, 'h')).toBe(
      'the connection was closed before an answer (the server may have crashed)',
    );
    expect(describeNetworkError(new Error('weird'), 'h')).toBe('network error: weird');
  });

  it('takes the message out of OpenAI-, FastAPI- and plain-text error bodies', () => {
    expect(bodyDetail('{"error":{"message":"model is overloaded","code":503}}')).toBe(
      'model is overloaded',
    );
    expect(bodyDetail('{"detail":"Not Found"}')).toBe('Not Found');
    expect(bodyDetail('  Service\n Unavailable ')).toBe('Service Unavailable');
    expect(bodyDetail('')).toBe('');
    expect(bodyDetail('x'.repeat(500))).toHaveLength(200);
  });

  it('writes seconds as a person would', () => {
    expect([300_000, 12_400, 2_500, 2_000, 100, 0].map(formatSeconds)).toEqual([
      '300',
      '12',
      '2.5',
      '2',
      '0.1',
      '0',
    ]);
  });
});
