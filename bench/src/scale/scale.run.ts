import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployRequest, seedLiveRelease } from '@greenlight/fixtures';
import {
  findRepoRoot,
  freePort,
  serviceEntry,
  SERVICE_NAMES,
  sleep,
  spawnManaged,
  startStack,
  waitFor,
  waitForOutput,
  type ManagedProcess,
  type Stack,
} from '@greenlight/testing';
import { percentile, round } from '../load.util';
import { apiClient as client, type Api } from '../api.util';
import { SIM_HOST_READY } from './scale.constants';

export interface ScaleOptions {
  /** Model services deploying at once. */
  services: number;
  /** Processes of every greenlight service (1 = the stack alone). */
  replicas: number;
  /** Cold start of every green replica, from the moment the deploys are sent. */
  coldStartMs: number;
  /** Simulated replicas per host process. */
  simsPerHost: number;
  logDir: string;
  /** How long every deployment may take to end, from the moment they were all sent. */
  timeoutMs: number;
}

export interface ScaleFigures {
  services: number;
  replicas: number;
  completed: number;
  /** Phases the others ended in, with their reasons (empty when every one completed). */
  notCompleted: string[];
  /** From the first request to the last Completed. */
  wallMs: number;
  /** Deployments active when the orchestrators' memory was sampled (the median sample). */
  activeAtSample: number;
  orchestratorRssBeforeMb: number;
  orchestratorRssActiveMb: number;
  /** (RSS while all are active − RSS before) / active deployments, over every orchestrator process. */
  orchestratorKbPerDeployment: number;
  /** The same over the orchestrators' V8 heap in use (less noisy than RSS, which holds free pages). */
  orchestratorHeapKbPerDeployment: number;
  /**
   * Handler time of events on the bus (greenlight_bus_handle_seconds of every process, `evt`
   * subjects): the upper bound of the bucket holding the p99.
   */
  eventHandleP99Ms: number;
  eventHandleMessages: number;
  /** The same for commands, some of which run for a whole phase by design (analysis, eval, drain). */
  commandHandleP99Ms: number;
  commandHandleMessages: number;
  /** An event's `at` to the phase change it caused (delivery, queueing, handling, the write). */
  eventToPhaseP50Ms: number;
  eventToPhaseP99Ms: number;
  eventToPhaseSamples: number;
}

const SERVICE_PREFIX = 'scale';
const TERMINAL = ['Completed', 'RolledBack', 'Failed', 'Aborted'];
const SIM_FLAGS = ['--ttft-overhead', '0', '--itl', '0'];
/** Generous: on a shared 2-core machine a service can take this long to start. */
const HEALTHY_TIMEOUT_MS = 60_000;
const SAMPLE_MS = 250;
/** Event subjects (`greenlight.evt.<type>.…`); everything else on the bus is a command or a request. */
const EVENT_SUBJECTS = 'greenlight.evt.';

interface DeploymentView {
  id: string;
  service: string;
  phase: string;
  reason: string | null;
}

interface AuditEvent {
  id: string;
  type: string;
  at: string;
  causationId: string | null;
}

/**
 * `services` model services deploying v1 → v2 at once against `replicas` processes of every
 * greenlight service sharing one NATS and one Redis. Pools are static: each points at a simulated
 * replica hosted (many per process) by sim-host; green replicas start cold when the deploys are
 * sent, so readiness waits out a real cold start. Returns the figures; throws on a setup failure.
 */
export async function runScale(options: ScaleOptions): Promise<ScaleFigures> {
  const root = findRepoRoot(__dirname);
  const names = Array.from(
    { length: options.services },
    (_, i) => `${SERVICE_PREFIX}-${String(i).padStart(3, '0')}`,
  );
  const hosts: ManagedProcess[] = [];
  const extras: ManagedProcess[] = [];
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      env: { LOG_LEVEL: 'warn' },
      logDir: options.logDir,
      readyTimeoutMs: HEALTHY_TIMEOUT_MS,
    });
    extras.push(...(await startReplicas(root, stack, options)));
    const orchestrators = [stack.urls.orchestrator, ...orchestratorUrls(extras)];
    const apis = orchestrators.map((url) => client(url, stack!.operatorToken));
    const api = apis[0]!;

    const blue = await startHosts(root, names, 'v1', 0, options, hosts);
    for (const [i, name] of names.entries()) {
      await seedLiveRelease(stack.redis, name, 'v1', [blue[i]!]);
    }
    const metricsUrls = [
      ...SERVICE_NAMES.map((name) => stack!.urls[name]),
      ...extras.map((p) => urlOf(p)),
    ];
    const pids = orchestratorPids(stack, extras);
    const busBefore = await busHistograms(metricsUrls);
    const memory = async () => ({ rss: sumRss(pids), heap: await heapKb(orchestrators) });
    const idle: Awaited<ReturnType<typeof memory>>[] = [];
    for (let i = 0; i < 5; i++) {
      idle.push(await memory());
      await sleep(SAMPLE_MS);
    }

    // Green replicas begin their cold start now, as a pool driver's would on provisioning.
    const green = await startHosts(root, names, 'v2', options.coldStartMs, options, hosts, false);
    const sentAt = Date.now();
    const ids = await Promise.all(
      names.map(async (name, i) => {
        const created = await apis[i % apis.length]!(
          'POST',
          '/v1/deployments',
          deployRequest(name, 'v2', {
            pool: { driver: 'static', endpoints: [green[i]] },
            strategy: {
              readiness: { timeout: `${Math.round(options.timeoutMs / 1000)}s`, warmupRequests: 1 },
              steps: [{ weight: 50, bake: '3s' }, { weight: 100 }],
              // No traffic: a step passes on the replica's health.
              analysis: { interval: '1s', minSamples: 0 },
              drain: { timeout: '30s' },
              standby: '2s',
            },
          }),
        );
        if (created.status !== 202)
          throw new Error(`deploy of ${name} refused: ${JSON.stringify(created.body)}`);
        return (created.body as { id: string }).id;
      }),
    );

    const busy: { rss: number; heap: number; active: number }[] = [];
    let views: DeploymentView[] = [];
    const deadline = sentAt + options.timeoutMs;
    for (;;) {
      views = await listDeployments(api, ids);
      const active = views.filter((v) => !TERMINAL.includes(v.phase)).length;
      if (active === ids.length) busy.push({ ...(await memory()), active });
      if (active === 0) break;
      // A deployment still active by then is stuck: it is reported with its phase, not waited for.
      if (Date.now() > deadline) break;
      await sleep(SAMPLE_MS);
    }
    const busAfter = await busHistograms(metricsUrls);

    const latencies: number[] = [];
    let lastCompleted = sentAt;
    for (const id of ids) {
      const events = (
        (await api('GET', `/v1/deployments/${id}/events`)).body as {
          items: (AuditEvent & { data: Record<string, unknown> })[];
        }
      ).items;
      const byId = new Map(events.map((e) => [e.id, e]));
      for (const e of events) {
        if (e.type !== 'deployment.phase_changed') continue;
        if (e.data['to'] === 'Completed') lastCompleted = Math.max(lastCompleted, Date.parse(e.at));
        const cause = e.causationId ? byId.get(e.causationId) : undefined;
        if (cause && cause.type !== 'deployment.phase_changed')
          latencies.push(Date.parse(e.at) - Date.parse(cause.at));
      }
    }

    const sample = medianBy(busy, (s) => s.rss);
    const heapSample = medianBy(busy, (s) => s.heap);
    const before = {
      rss: medianBy(idle, (s) => s.rss)!.rss,
      heap: medianBy(idle, (s) => s.heap)!.heap,
    };
    const completed = views.filter((v) => v.phase === 'Completed');
    const events = diffHistogram(busBefore.events, busAfter.events);
    const commands = diffHistogram(busBefore.commands, busAfter.commands);
    return {
      services: options.services,
      replicas: options.replicas,
      completed: completed.length,
      notCompleted: views
        .filter((v) => v.phase !== 'Completed')
        .map((v) =>
          TERMINAL.includes(v.phase)
            ? `${v.service} ${v.id} ended ${v.phase}: ${v.reason ?? ''}`
            : `${v.service} ${v.id} still ${v.phase} after ${options.timeoutMs} ms`,
        ),
      wallMs: lastCompleted - sentAt,
      activeAtSample: sample?.active ?? 0,
      orchestratorRssBeforeMb: round(before.rss / 1024, 1),
      orchestratorRssActiveMb: round((sample?.rss ?? Number.NaN) / 1024, 1),
      orchestratorKbPerDeployment: sample
        ? round((sample.rss - before.rss) / sample.active, 1)
        : Number.NaN,
      orchestratorHeapKbPerDeployment: heapSample
        ? round((heapSample.heap - before.heap) / heapSample.active, 1)
        : Number.NaN,
      eventHandleP99Ms: histogramQuantile(events, 0.99) * 1000,
      eventHandleMessages: events.count,
      commandHandleP99Ms: histogramQuantile(commands, 0.99) * 1000,
      commandHandleMessages: commands.count,
      eventToPhaseP50Ms: percentile(latencies, 50),
      eventToPhaseP99Ms: percentile(latencies, 99),
      eventToPhaseSamples: latencies.length,
    };
  } finally {
    await Promise.all(extras.map((p) => p.stop()));
    await stack?.dispose();
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

/** A second (third…) process of every greenlight service, on the stack's NATS, Redis and pool dir. */
async function startReplicas(
  root: string,
  stack: Stack,
  options: ScaleOptions,
): Promise<ManagedProcess[]> {
  const started: ManagedProcess[] = [];
  for (let r = 2; r <= options.replicas; r++) {
    for (const name of SERVICE_NAMES) {
      const port = await freePort();
      const proc = spawnManaged(`${name}-${r}`, process.execPath, [serviceEntry(root, name)], {
        cwd: root,
        env: {
          ...process.env,
          PATH: [join(root, 'bin'), process.env['PATH'] ?? ''].join(':'),
          NODE_ENV: process.env['NODE_ENV'] ?? 'production',
          LOG_LEVEL: 'warn',
          NATS_URL: stack.nats,
          REDIS_URL: stack.redis,
          HOST: '127.0.0.1',
          PORT: String(port),
          GREENLIGHT_OPERATOR_TOKENS: `operator:${stack.operatorToken}`,
          GREENLIGHT_VIEWER_TOKENS: `viewer:${stack.viewerToken}`,
          POOL_DATA_DIR: stack.dataDir,
        },
        logFile: join(options.logDir, `${name}-${r}.log`),
      });
      REPLICA_URLS.set(proc, `http://127.0.0.1:${port}`);
      started.push(proc);
    }
  }
  await Promise.all(
    started.map((proc) =>
      waitFor(async () => (await fetch(`${urlOf(proc)}/healthz`)).status === 200, {
        timeoutMs: HEALTHY_TIMEOUT_MS,
        intervalMs: 100,
        what: `${proc.name} healthy`,
      }),
    ),
  );
  return started;
}

const REPLICA_URLS = new WeakMap<ManagedProcess, string>();

function urlOf(proc: ManagedProcess): string {
  const url = REPLICA_URLS.get(proc);
  if (!url) throw new Error(`${proc.name} has no known URL`);
  return url;
}

function orchestratorUrls(extras: readonly ManagedProcess[]): string[] {
  return extras.filter((p) => p.name.startsWith('orchestrator-')).map(urlOf);
}

function orchestratorPids(stack: Stack, extras: readonly ManagedProcess[]): number[] {
  return [stack.processes.orchestrator, ...extras.filter((p) => p.name.startsWith('orchestrator-'))]
    .map((p) => p?.child.pid)
    .filter((pid): pid is number => pid !== undefined);
}

/** One simulated replica per service and version, `simsPerHost` to a process; returns their URLs. */
async function startHosts(
  root: string,
  services: readonly string[],
  version: string,
  coldStartMs: number,
  options: ScaleOptions,
  hosts: ManagedProcess[],
  waitReady = true,
): Promise<string[]> {
  const ports = await Promise.all(services.map(() => freePort()));
  const dir = join(options.logDir, 'sim-hosts');
  mkdirSync(dir, { recursive: true });
  const ready: Promise<void>[] = [];
  for (let from = 0; from < services.length; from += options.simsPerHost) {
    const specs = services
      .slice(from, from + options.simsPerHost)
      .map((service, k) => [
        ...['--port', String(ports[from + k]), '--model', service, '--version', version],
        ...['--cold-start', `${coldStartMs}ms`, ...SIM_FLAGS],
      ]);
    const specFile = join(dir, `${version}-${from}.json`);
    writeFileSync(specFile, JSON.stringify(specs));
    const host = spawnManaged(
      `sim-host ${version} ${from}`,
      process.execPath,
      [join(root, 'dist', 'bench', 'src', 'scale', 'sim-host.js'), specFile],
      { cwd: root, logFile: join(dir, `${version}-${from}.log`) },
    );
    hosts.push(host);
    ready.push(waitForOutput(host, SIM_HOST_READY, HEALTHY_TIMEOUT_MS + coldStartMs));
  }
  if (waitReady) await Promise.all(ready);
  else for (const r of ready) r.catch(() => undefined); // readiness probing reports a host that died
  return ports.map((port) => `http://127.0.0.1:${port}`);
}

async function listDeployments(api: Api, ids: readonly string[]): Promise<DeploymentView[]> {
  const wanted = new Set(ids);
  const found: DeploymentView[] = [];
  let before: string | undefined;
  while (found.length < wanted.size) {
    const page = (
      (await api('GET', `/v1/deployments?limit=200${before ? `&before=${before}` : ''}`)).body as {
        items: DeploymentView[];
      }
    ).items;
    if (page.length === 0) break;
    found.push(...page.filter((d) => wanted.has(d.id)));
    before = page.at(-1)!.id;
  }
  return found;
}

function sumRss(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return sum + Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  }, 0);
}

function medianBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Cumulative bucket counts by upper bound (seconds), summed over every handler and process. */
interface Histogram {
  buckets: Map<number, number>;
  count: number;
}

const BUCKET_LINE = /^greenlight_bus_handle_seconds_bucket\{([^}]*)\}\s+(\S+)/;
const HEAP_LINE = /^greenlight_nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+(\S+)/m;

function label(labels: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1];
}

/** Every process's bus handler histograms, events and commands apart. */
async function busHistograms(
  urls: readonly string[],
): Promise<Record<'events' | 'commands', Histogram>> {
  const events = new Map<number, number>();
  const commands = new Map<number, number>();
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const match = BUCKET_LINE.exec(line);
      if (!match) continue;
      const handler = label(match[1]!, 'handler') ?? '';
      const bound = label(match[1]!, 'le');
      const buckets = handler.startsWith(EVENT_SUBJECTS) ? events : commands;
      const le = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
    }
  }
  const of = (buckets: Map<number, number>) => ({
    buckets,
    count: buckets.get(Number.POSITIVE_INFINITY) ?? 0,
  });
  return { events: of(events), commands: of(commands) };
}

/** V8 heap in use, summed over the orchestrators (KiB). */
async function heapKb(urls: readonly string[]): Promise<number> {
  let sum = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    sum += Number(HEAP_LINE.exec(text)?.[1] ?? Number.NaN) / 1024;
  }
  return sum;
}

function diffHistogram(before: Histogram, after: Histogram): Histogram {
  const buckets = new Map<number, number>();
  for (const [le, n] of after.buckets) buckets.set(le, n - (before.buckets.get(le) ?? 0));
  return { buckets, count: buckets.get(Number.POSITIVE_INFINITY) ?? 0 };
}

/** The upper bound of the bucket holding quantile q (a histogram cannot say more). */
function histogramQuantile(h: Histogram, q: number): number {
  const bounds = [...h.buckets.keys()].sort((a, b) => a - b);
  for (const le of bounds) if (h.buckets.get(le)! >= q * h.count) return le;
  return Number.NaN;
}
