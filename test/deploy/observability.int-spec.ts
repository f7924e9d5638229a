import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { RoutingClient } from '@greenlight/fixtures';
import {
  findBinary,
  findRepoRoot,
  SERVICE_NAMES,
  startSimulator,
  startStack,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { parseExposition, selectorsOf, type Exposition } from './promql.util';

const root = findRepoRoot(__dirname);
const PROMETHEUS_DIR = join(root, 'deploy', 'prometheus');
const DASHBOARD = join(root, 'deploy', 'grafana', 'dashboards', 'greenlight.json');
const DATASOURCES = join(
  root,
  'deploy',
  'grafana',
  'provisioning',
  'datasources',
  'prometheus.yml',
);

/** Series no greenlight process serves, and who does. */
const EXTERNAL_METRICS: Record<string, string> = {
  up: 'Prometheus, per scrape target',
  redis_up: 'redis_exporter (docker-compose.yml: redis-exporter)',
};
/** Labels Prometheus adds to every series (job, instance) or targets/*.yml sets. */
const TARGET_LABELS = ['job', 'instance', 'service', 'release'];

/**
 * `promtool check metrics` lint findings we accept: prom-client's default Node.js gauges end in
 * _total (its names, not ours), and vLLM's metric names contain ':' (clients rely on them).
 */
const ACCEPTED_LINT = [
  /^greenlight_nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/,
  /^vllm:\w+ metric names should not contain ':'$/,
];

const promtool = findBinary('promtool');
function runPromtool(args: string[], input?: string) {
  const result = spawnSync(promtool, args, { input, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

const RulesFileSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          alert: z.string(),
          expr: z.string(),
          labels: z.object({ severity: z.enum(['critical', 'warning']) }),
          annotations: z.object({ summary: z.string().min(1), description: z.string().min(1) }),
        }),
      ),
    }),
  ),
});

const DashboardSchema = z.object({
  uid: z.string(),
  title: z.string(),
  panels: z.array(
    z.object({
      type: z.string(),
      title: z.string().min(1),
      datasource: z.object({ uid: z.string() }).optional(),
      targets: z.array(z.object({ expr: z.string().min(1) })).optional(),
    }),
  ),
  templating: z.object({ list: z.array(z.object({ name: z.string(), definition: z.string() })) }),
});

function alertRules() {
  const text = readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8');
  return RulesFileSchema.parse(parse(text)).groups.flatMap((g) => g.rules);
}

function dashboard() {
  return DashboardSchema.parse(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
}

/** Every PromQL expression of the rules and the dashboard, named for failure messages. */
function expressions(): { where: string; expr: string }[] {
  const board = dashboard();
  return [
    ...alertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
    ...board.panels.flatMap((panel) =>
      (panel.targets ?? []).map((t) => ({ where: `panel "${panel.title}"`, expr: t.expr })),
    ),
    ...board.templating.list.map((v) => ({
      where: `variable ${v.name}`,
      expr: v.definition.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
    })),
  ];
}

describe('Prometheus rules and config (promtool)', () => {
  it('promtool accepts prometheus.yml and the alert rules it loads', () => {
    const config = runPromtool(['check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml')]);
    const rules = runPromtool(['check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml')]);

    expect(config).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') as string });
    expect(rules).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') as string });
  });

  it('the alerts fire when operators need them and stay quiet otherwise (promtool test rules)', () => {
    const result = runPromtool(['test', 'rules', join(__dirname, 'alerts.test.yml')]);

    expect(result).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') as string });
  });

  it('covers every situation an operator must hear about', () => {
    const names = alertRules().map((rule) => rule.alert);

    expect(names).toEqual(
      expect.arrayContaining([
        'GreenlightServiceDown',
        'GreenlightCanaryAnalysisFailed',
        'GreenlightCanaryTooLong',
        'GreenlightDrainTooLong',
        'GreenlightGateway5xxRate',
        'GreenlightDrainTimedOut',
        'GreenlightSemanticCacheFailing',
        'GreenlightNatsUnreachable',
        'GreenlightRedisUnreachable',
      ]),
    );
  });

  it('scrapes every greenlight service, the model servers and Redis', () => {
    const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string }[];
    };
    const jobs = config.scrape_configs.map((job) => job.job_name);

    expect(jobs).toEqual(
      expect.arrayContaining([
        ...SERVICE_NAMES.map((name) => `greenlight-${name}`),
        'model-servers',
        'redis',
      ]),
    );
  });
});

describe('Grafana provisioning', () => {
  it('the dashboard is valid JSON whose panels all query the provisioned datasource', () => {
    const board = dashboard();
    const provisioned = parse(readFileSync(DATASOURCES, 'utf8')) as {
      datasources: { uid: string }[];
    };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    const queried = board.panels.filter((p) => p.type !== 'row');

    expect(queried.length).toBeGreaterThanOrEqual(10);
    for (const panel of queried) {
      expect({ panel: panel.title, uid: uids.has(panel.datasource?.uid ?? '') }).toEqual({
        panel: panel.title,
        uid: true,
      });
      expect({ panel: panel.title, queries: panel.targets?.length ?? 0 }).not.toEqual({
        panel: panel.title,
        queries: 0,
      });
    }
  });
});

describe('every metric the rules and the dashboard use is served (a live stack, scraped)', () => {
  let stack: Stack;
  let sim: SimulatorHandle;
  const scraped = new Map<string, string>();
  const exposition: Exposition = { labels: new Map() };

  beforeAll(async () => {
    sim = await startSimulator({ model: 'chat', version: 'v1', args: ['--itl', '1ms'] });
    stack = await startStack();
    // Traffic through the gateway, so its per-pool series have samples (and labels) to check.
    const routing = await RoutingClient.connect(stack.nats);
    try {
      await routing.set(
        'chat',
        { blue: 100, green: 0 },
        { blue: { release: 'v1', endpoints: [sim.url] }, green: null },
      );
    } finally {
      await routing.close();
    }
    for (const stream of [false, true]) {
      const response = await fetch(`${stack.urls.gateway}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chat',
          stream,
          max_tokens: 8,
          messages: [{ role: 'user', content: 'hello' }],
        }),
      });
      await response.text();
    }
    for (const name of SERVICE_NAMES) {
      scraped.set(name, await (await fetch(`${stack.urls[name]}/metrics`)).text());
    }
    scraped.set('model-server', await (await fetch(`${sim.url}/metrics`)).text());
    for (const text of scraped.values()) parseExposition(text, exposition);
  }, 50_000);

  afterAll(async () => {
    await stack?.dispose();
    await sim?.stop();
  });

  it('names only metrics some greenlight service or model server serves', () => {
    const missing = expressions().flatMap(({ where, expr }) =>
      selectorsOf(expr)
        .filter((s) => !exposition.labels.has(s.metric) && !(s.metric in EXTERNAL_METRICS))
        .map((s) => `${where}: ${s.metric}`),
    );

    expect(missing).toEqual([]);
  });

  it('matches only on labels those metrics carry', () => {
    const unknown = expressions().flatMap(({ where, expr }) =>
      selectorsOf(expr).flatMap(({ metric, labels }) => {
        const known = exposition.labels.get(metric);
        if (!known || known.size === 0) return []; // declared, no sample yet: nothing to compare
        return labels
          .filter((label) => !known.has(label) && !TARGET_LABELS.includes(label))
          .map((label) => `${where}: ${metric}{${label}}`);
      }),
    );

    expect(unknown).toEqual([]);
  });

  it('promtool check metrics finds nothing but the accepted lint on any /metrics', () => {
    const findings = [...scraped].flatMap(([name, text]) => {
      const { status, output } = runPromtool(['check', 'metrics'], text);
      const lines = output.split('\n').filter((line) => line.trim() !== '');
      const unexpected = lines.filter((line) => !ACCEPTED_LINT.some((ok) => ok.test(line)));
      // Exit 3 is "lint findings"; anything else non-zero means the text did not even parse.
      return [
        ...(status === 0 || status === 3 ? [] : [`${name}: promtool exited ${status}`]),
        ...unexpected.map((line) => `${name}: ${line}`),
      ];
    });

    expect(findings).toEqual([]);
    expect(scraped.get('gateway')).toContain('greenlight_gateway_ttft_seconds_bucket{');
  });
});
