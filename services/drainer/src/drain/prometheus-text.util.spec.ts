import { parsePrometheusText, parsePromValue, sumMetric } from './prometheus-text.util';

/** What vLLM 0.11 serves, trimmed: two engines, HELP/TYPE comments, a histogram, a counter. */
const VLLM_METRICS = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4.0
vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="m"} 0.0
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 12.0
vllm:time_to_first_token_seconds_sum{model_name="m"} 1.5e-01
vllm:request_success_total{finished_reason="stop",model_name="m"} 12.0 1712345678901
`;

describe('parsePrometheusText', () => {
  it('sums vLLM gauges over every engine, skipping comments', () => {
    const { samples, invalidLines } = parsePrometheusText(VLLM_METRICS);

    expect(invalidLines).toBe(0);
    expect(sumMetric(samples, 'vllm:num_requests_running')).toBe(3);
    expect(sumMetric(samples, 'vllm:num_requests_waiting')).toBe(4);
    expect(sumMetric(samples, 'vllm:num_requests_swapped')).toBeUndefined();
  });

  it('reads labels with escaped quotes, backslashes, newlines, commas and braces in values', () => {
    const { samples } = parsePrometheusText(
      'm{path="a\\"b",dir="C:\\\\x",msg="l1\\nl2",odd="},{",} 7\n',
    );

    expect(samples).toEqual([
      { name: 'm', labels: { path: 'a"b', dir: 'C:\\x', msg: 'l1\nl2', odd: '},{' }, value: 7 },
    ]);
  });

  it('reads a sample without labels, with a timestamp, with tabs and CRLF line ends', () => {
    const { samples } = parsePrometheusText('up 1\r\nup\t0 1712345678901\r\nx { } 2\n');

    expect(samples.map((s) => [s.name, s.value])).toEqual([
      ['up', 1],
      ['up', 0],
      ['x', 2],
    ]);
  });

  it('counts lines it cannot read and keeps the rest', () => {
    const { samples, invalidLines } = parsePrometheusText(
      [
        'vllm:num_requests_running{engine="0"} 1',
        'broken{engine="0" 1', // unclosed labels
        'novalue{a="b"}',
        'bad{a="b"} one',
        'bad{a=b} 1', // unquoted value
        'bad{a="\\q"} 1', // unknown escape
        '9starts_with_digit 1',
        'm 1 notatimestamp',
        'vllm:num_requests_running{engine="1"} 2',
      ].join('\n'),
    );

    expect(invalidLines).toBe(7);
    expect(sumMetric(samples, 'vllm:num_requests_running')).toBe(3);
  });

  it('understands the special values and rejects what is not a number', () => {
    expect(parsePromValue('NaN')).toBeNaN();
    expect(parsePromValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parsePromValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parsePromValue('1.5e3')).toBe(1500);
    expect(parsePromValue('-0.5')).toBe(-0.5);
    expect(parsePromValue('')).toBeUndefined();
    expect(parsePromValue('0x10')).toBeUndefined();
    expect(parsePromValue('1,5')).toBeUndefined();
  });
});
