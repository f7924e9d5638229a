import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@greenlight/contracts';
import { findBinary, findRepoRoot, SERVICE_NAMES } from '@greenlight/testing';
import { CONFIG_SCHEMAS, dockerfileEnv, readEnvFile, unknownVars } from './service-env.util';

const root = findRepoRoot(__dirname);
const HA = join(root, 'deploy', 'ha');

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

const compose = parse(readFileSync(join(HA, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

/** `${VAR:-default}` and `${VAR:?error}` as compose resolves them from the .env file. */
function resolveEnv(env: Record<string, string>, dotenv: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      value.replace(/\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g, (_, name: string, fallback?: string) =>
        dotenv[name] ? dotenv[name] : (fallback ?? ''),
      ),
    ]),
  );
}

describe('deploy/ha/docker-compose.yml', () => {
  const dotenv = readEnvFile(join(root, 'deploy', '.env.example'));

  it('gives every service only variables its config reads, pointing at all three NATS nodes and all three Sentinels', () => {
    const image = dockerfileEnv(root);

    for (const name of SERVICE_NAMES) {
      const env = resolveEnv(services[name]?.environment ?? {}, dotenv);
      expect(unknownVars(name, env).map((key) => `${name}: ${key}`)).toEqual([]);
      const config = loadConfig(CONFIG_SCHEMAS[name], { ...image, ...env }) as {
        NATS_URL: string;
        NATS_STREAM_REPLICAS: number;
        REDIS_SENTINELS?: string;
      };
      expect({ name, nodes: config.NATS_URL.split(',').length }).toEqual({ name, nodes: 3 });
      expect({ name, replicas: config.NATS_STREAM_REPLICAS }).toEqual({ name, replicas: 3 });
      const sentinels = (config.REDIS_SENTINELS ?? '').split(',').map((s) => s.split(':')[0]!);
      expect(sentinels.filter((host) => !services[host])).toEqual([]);
      expect(sentinels).toHaveLength(3);
    }
  });

  it('runs a replica of the first Redis primary, AOF on both, and mounts files that exist', () => {
    expect(services['redis-2']?.command?.join(' ')).toMatch(/--replicaof redis-1 6379/);
    for (const node of ['redis-1', 'redis-2']) {
      expect(services[node]?.command?.join(' ')).toMatch(/--appendonly yes/);
    }
    const binds = Object.values(services).flatMap((s) =>
      (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0]!),
    );
    expect(binds.filter((path) => !existsSync(join(HA, path)))).toEqual([]);
  });

  it('has Sentinels watch the first primary with a quorum of 2', () => {
    const conf = readFileSync(join(HA, 'redis', 'sentinel.conf'), 'utf8');

    expect(conf).toMatch(/^sentinel monitor greenlight redis-1 6379 2$/m);
  });

  it('has a NATS config nats-server accepts, clustering the three nodes with JetStream', () => {
    const conf = join(HA, 'nats', 'cluster.conf');
    const checked = spawnSync(findBinary('nats-server'), ['-t', '-c', conf], {
      env: { ...process.env, SERVER_NAME: 'nats-1' },
      encoding: 'utf8',
      timeout: 10_000,
    });

    expect({ status: checked.status, output: checked.stderr + checked.stdout }).toMatchObject({
      status: 0,
    });
    const text = readFileSync(conf, 'utf8');
    for (const node of ['nats-1', 'nats-2', 'nats-3']) {
      expect(text).toContain(`nats-route://${node}:6222`);
      expect(services[node]?.environment?.['SERVER_NAME']).toBe(node);
    }
  });
});
