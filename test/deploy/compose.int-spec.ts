import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEFAULT_PORTS, loadConfig } from '@greenlight/contracts';
import {
  checkHaproxyConfig,
  findRepoRoot,
  renderHaproxyConfig,
  SERVICE_NAMES,
  type HaproxyConfigOptions,
  type ServiceName,
} from '@greenlight/testing';
import { CONFIG_SCHEMAS, dockerfileEnv, readEnvFile, unknownVars } from './service-env.util';

const root = findRepoRoot(__dirname);
const DEPLOY = join(root, 'deploy');

const HealthcheckSchema = z.object({
  test: z.array(z.string()).min(2),
  interval: z.string(),
  timeout: z.string(),
  retries: z.number().int().positive(),
});
const ComposeServiceSchema = z.object({
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  healthcheck: HealthcheckSchema.optional(),
  depends_on: z
    .union([
      z.array(z.string()),
      z.record(z.string(), z.object({ condition: z.enum(['service_healthy', 'service_started']) })),
    ])
    .optional(),
  profiles: z.array(z.string()).optional(),
});
const healthyDependency = z.object({ condition: z.literal('service_healthy') });
/** What every greenlight service needs in compose: the image, its entry point, its port, /healthz. */
const greenlightService = (name: ServiceName) =>
  ComposeServiceSchema.extend({
    image: z.literal('greenlight:latest'),
    build: z.object({ context: z.literal('..'), dockerfile: z.literal('deploy/Dockerfile') }),
    command: z.tuple([z.literal('node'), z.literal(`dist/services/${name}/src/main.js`)]),
    environment: z
      .object({
        NATS_URL: z.literal('nats://nats:4222'),
        REDIS_URL: z.literal('redis://redis:6379'),
        PORT: z.literal(String(DEFAULT_PORTS[name])),
      })
      .catchall(z.string()),
    healthcheck: HealthcheckSchema.refine(
      (check) => check.test.join(' ').includes(`127.0.0.1:${DEFAULT_PORTS[name]}/healthz`),
      `the healthcheck must GET /healthz on port ${DEFAULT_PORTS[name]}`,
    ),
    depends_on: z
      .object({ nats: healthyDependency, redis: healthyDependency })
      .catchall(z.object({ condition: z.string() })),
  });
const ComposeFileSchema = z.object({
  services: z
    .object({
      nats: ComposeServiceSchema.extend({
        command: z.array(z.string()).refine((c) => c.includes('-js'), 'JetStream must be on (-js)'),
        healthcheck: HealthcheckSchema,
      }),
      redis: ComposeServiceSchema.extend({
        command: z
          .array(z.string())
          .refine((c) => c.join(' ').includes('--appendonly yes'), 'AOF must be on'),
        healthcheck: HealthcheckSchema,
      }),
      qdrant: ComposeServiceSchema.extend({ healthcheck: HealthcheckSchema }),
      haproxy: ComposeServiceSchema.extend({ healthcheck: HealthcheckSchema }),
      prometheus: ComposeServiceSchema.extend({ healthcheck: HealthcheckSchema }),
      grafana: ComposeServiceSchema.extend({ healthcheck: HealthcheckSchema }),
      ...Object.fromEntries(SERVICE_NAMES.map((name) => [name, greenlightService(name)])),
    })
    .catchall(ComposeServiceSchema),
  volumes: z.record(z.string(), z.object({}).nullable()),
});
type ComposeFile = z.output<typeof ComposeFileSchema>;
type ComposeService = z.output<typeof ComposeServiceSchema>;

function readCompose(): ComposeFile {
  const text = readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8');
  return ComposeFileSchema.parse(parse(text, { merge: true }));
}

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (refuses to start). */
function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g,
    (_, name: string, op?: string, arg?: string) => {
      const set = dotenv[name];
      if (set !== undefined && set !== '') return set;
      if (op === ':?') throw new Error(`compose refuses to start: ${name}: ${arg}`);
      return op === ':-' ? (arg ?? '') : '';
    },
  );
}

function envOf(service: ComposeService, dotenv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v, dotenv)]),
  );
}

describe('deploy/docker-compose.yml', () => {
  const dotenv = readEnvFile(join(DEPLOY, '.env.example'));

  it('runs NATS with JetStream on a volume, Redis with AOF on a volume, Qdrant, HAProxy, Prometheus, Grafana and all seven services', () => {
    const compose = readCompose();
    const natsStore =
      compose.services.nats.command[compose.services.nats.command.indexOf('-sd') + 1];
    const namedVolume = (mounts: string[] | undefined, target: string | undefined) =>
      (mounts ?? []).map((m) => m.split(':')).find(([, t]) => t === target)?.[0];

    expect(namedVolume(compose.services.nats.volumes, natsStore)).toBe('nats-data');
    expect(namedVolume(compose.services.redis.volumes, '/data')).toBe('redis-data');
    expect(Object.keys(compose.volumes)).toEqual(
      expect.arrayContaining(['nats-data', 'redis-data']),
    );
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([...SERVICE_NAMES]));
  });

  it('mounts files that exist in deploy/', () => {
    const compose = readCompose();
    const binds = Object.values(compose.services).flatMap((service) =>
      (service.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0]!),
    );

    expect(binds.length).toBeGreaterThanOrEqual(4);
    expect(binds.filter((path) => !existsSync(join(DEPLOY, path)))).toEqual([]);
  });

  it('gives every service only variables its config schema reads, and values it accepts', () => {
    const compose = readCompose();
    const image = dockerfileEnv(root);

    for (const name of SERVICE_NAMES) {
      const env = envOf(compose.services[name]!, dotenv);
      expect(unknownVars(name, env).map((key) => `${name}: ${key}`)).toEqual([]);
      const config = loadConfig(CONFIG_SCHEMAS[name], { ...image, ...env }) as { HOST: string };
      // Bound to loopback, a service would pass its own healthcheck and be unreachable.
      expect({ name, host: config.HOST }).toEqual({ name, host: '0.0.0.0' });
    }
  });

  it('refuses to start without operator tokens rather than run an API nobody can use', () => {
    const compose = readCompose();

    expect(() => envOf(compose.services.orchestrator!, {})).toThrow(/GREENLIGHT_OPERATOR_TOKENS/);
  });

  it('uses every setting of .env.example', () => {
    const text = readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8');

    expect(Object.keys(dotenv).filter((key) => !text.includes(`\${${key}`))).toEqual([]);
  });

  it('has Prometheus scrape each service where compose runs it', () => {
    const compose = readCompose();
    const prometheus = parse(
      readFileSync(join(DEPLOY, 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
    };
    const targets = Object.fromEntries(
      prometheus.scrape_configs.map((job) => [job.job_name, job.static_configs?.[0]?.targets[0]]),
    );

    for (const name of SERVICE_NAMES) {
      expect(targets[`greenlight-${name}`]).toBe(
        `${name}:${compose.services[name]!.environment!['PORT']}`,
      );
    }
    expect(Object.keys(compose.services)).toContain(targets['redis']?.split(':')[0]);
  });
});

describe('deploy/haproxy/haproxy.cfg (the config compose mounts)', () => {
  const values = JSON.parse(
    readFileSync(join(DEPLOY, 'haproxy', 'compose-values.json'), 'utf8'),
  ) as HaproxyConfigOptions & { slots: number };

  it('is the template rendered with compose-values.json (node scripts/render-haproxy-example.mjs)', () => {
    const checkedIn = readFileSync(join(DEPLOY, 'haproxy', 'haproxy.cfg'), 'utf8');

    expect(checkedIn).toBe(renderHaproxyConfig(values));
  });

  it('is accepted by haproxy -c and matches the traffic-shifter settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenlight-deploy-'));
    try {
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, readFileSync(join(DEPLOY, 'haproxy', 'haproxy.cfg')));
      const env = readCompose().services['traffic-shifter']!.environment!;

      expect(checkHaproxyConfig(file)).toMatchObject({ ok: true });
      expect(values.statsSocket.endsWith(`:${env['HAPROXY_SOCKET']!.split(':')[1]}`)).toBe(true);
      expect(env['HAPROXY_SLOTS']).toBe(String(values.slots));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/Dockerfile', () => {
  it('builds on node:20-slim with npm ci and the workspace build, and listens on every interface', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');

    expect(text.match(/^FROM \S+/gm)).toEqual(['FROM node:20-slim', 'FROM node:20-slim']);
    expect(text).toMatch(/^RUN npm ci\b/m);
    expect(text).toMatch(/^RUN node scripts\/build\.mjs$/m);
    expect(dockerfileEnv(root)).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
  });
});

describe('deploy/systemd environment files', () => {
  const ENV_DIR = join(DEPLOY, 'systemd', 'env');

  it('hold only variables the services read, with values they accept', () => {
    const common = readEnvFile(join(ENV_DIR, 'greenlight.env'));

    for (const name of SERVICE_NAMES) {
      const own = join(ENV_DIR, `${name}.env`);
      const env = { ...common, ...(existsSync(own) ? readEnvFile(own) : {}) };
      expect(unknownVars(name, env).map((key) => `${name}: ${key}`)).toEqual([]);
      expect(() => loadConfig(CONFIG_SCHEMAS[name], env)).not.toThrow();
    }
  });
});
