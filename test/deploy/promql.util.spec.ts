import { metricsOf, parseExposition, selectorsOf } from './promql.util';

describe('selectorsOf', () => {
  it('finds metrics and their matchers, not functions, keywords, grouping labels or strings', () => {
    const expr = `(
        sum by (service, pool) (rate(greenlight_gateway_errors_total{service=~"$service"}[5m]))
          / ignoring (op) group_left sum by (service) (rate(greenlight_gateway_requests_total[$__rate_interval] offset 5m))
      ) > 0.05 and on (job) up{job="greenlight-gateway"} == 0 or vector(1e3)`;

    expect(selectorsOf(expr)).toEqual([
      { metric: 'greenlight_gateway_errors_total', labels: ['service'] },
      { metric: 'greenlight_gateway_requests_total', labels: [] },
      { metric: 'up', labels: ['job'] },
    ]);
  });

  it('reads vLLM names with colons and histogram parts', () => {
    const expr =
      'histogram_quantile(0.95, sum by (instance, le) (rate(vllm:time_to_first_token_seconds_bucket[5m]))) + vllm:num_requests_waiting';

    expect(metricsOf(expr)).toEqual([
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:num_requests_waiting',
    ]);
  });
});

describe('parseExposition', () => {
  it('knows declared families, histogram parts and the labels of samples', () => {
    const { labels } = parseExposition(
      [
        '# HELP greenlight_drains_total Drains',
        '# TYPE greenlight_drains_total counter',
        '# TYPE greenlight_gateway_ttft_seconds histogram',
        'greenlight_gateway_ttft_seconds_bucket{service="chat",pool="blue",le="0.1"} 3',
      ].join('\n'),
    );

    expect(labels.get('greenlight_drains_total')).toEqual(new Set());
    expect(labels.get('greenlight_gateway_ttft_seconds_count')).toEqual(new Set());
    expect(labels.get('greenlight_gateway_ttft_seconds_bucket')).toEqual(
      new Set(['service', 'pool', 'le']),
    );
  });
});
