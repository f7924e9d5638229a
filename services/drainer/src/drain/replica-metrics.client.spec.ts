import { readingOf } from './replica-metrics.client';

const URL = 'http://10.0.0.1:8000';

describe('readingOf (a /metrics answer as in-flight requests)', () => {
  it('counts running plus waiting requests', () => {
    const body = [
      'vllm:num_requests_running{engine="0"} 2.0',
      'vllm:num_requests_waiting{engine="0"} 3.0',
      'vllm:num_requests_running{engine="1"} 1.0',
    ].join('\n');

    expect(readingOf(URL, 200, body)).toEqual({ url: URL, state: 'count', inFlight: 6 });
  });

  it('a server with only one of the gauges is still counted by it', () => {
    expect(readingOf(URL, 200, 'vllm:num_requests_running 0\n')).toEqual({
      url: URL,
      state: 'count',
      inFlight: 0,
    });
  });

  it('a server without vLLM gauges (or without /metrics) cannot tell: unsupported, not zero', () => {
    expect(readingOf(URL, 200, 'process_cpu_seconds_total 3\n')).toMatchObject({
      state: 'unsupported',
      reason: '/metrics has neither vllm:num_requests_running nor vllm:num_requests_waiting',
    });
    expect(readingOf(URL, 404, 'Not Found')).toMatchObject({ state: 'unsupported' });
  });

  it('an error answer or a gauge that is not a number is unknown', () => {
    expect(readingOf(URL, 503, '')).toEqual({
      url: URL,
      state: 'unknown',
      reason: '/metrics answered 503',
    });
    expect(readingOf(URL, 200, 'vllm:num_requests_running NaN\n')).toEqual({
      url: URL,
      state: 'unknown',
      reason: 'vllm:num_requests_running is not a number',
    });
  });
});
