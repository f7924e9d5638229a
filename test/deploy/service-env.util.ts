import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { ServiceName } from '@greenlight/testing';
// test/deploy is no Nx project: it may read the services' own config schemas, the truth.
import { CacheManagerConfigSchema } from '../../services/cache-manager/src/config/cache-manager.config';
import { DrainerConfigSchema } from '../../services/drainer/src/config/drainer.config';
import { EvalRunnerConfigSchema } from '../../services/eval-runner/src/config/eval-runner.config';
import { GatewayConfigSchema } from '../../services/gateway/src/config/gateway.config';
import { HealthProberConfigSchema } from '../../services/health-prober/src/config/health-prober.config';
import { OrchestratorConfigSchema } from '../../services/orchestrator/src/config/orchestrator.config';
import { TrafficShifterConfigSchema } from '../../services/traffic-shifter/src/config/traffic-shifter.config';

/** Each service's config schema: what deploy artifacts are checked against. */
export const CONFIG_SCHEMAS: Record<ServiceName, z.ZodObject> = {
  orchestrator: OrchestratorConfigSchema,
  'health-prober': HealthProberConfigSchema,
  'eval-runner': EvalRunnerConfigSchema,
  'traffic-shifter': TrafficShifterConfigSchema,
  'cache-manager': CacheManagerConfigSchema,
  drainer: DrainerConfigSchema,
  gateway: GatewayConfigSchema,
};

/** Read by Node itself, not by a service's config. */
const RUNTIME_VARS = ['NODE_ENV'];

/** Variables set for `name` that its config does not read (a typo, or a setting that moved). */
export function unknownVars(name: ServiceName, env: Record<string, string>): string[] {
  const known = Object.keys(CONFIG_SCHEMAS[name].shape);
  return Object.keys(env).filter((key) => !known.includes(key) && !RUNTIME_VARS.includes(key));
}

/** KEY=value lines (comments and blanks skipped), as compose, systemd and kustomize read them. */
export function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The ENV instructions of deploy/Dockerfile's last stage (`ENV A=1 \ B=2` included). */
export function dockerfileEnv(root: string): Record<string, string> {
  const path = join(root, 'deploy', 'Dockerfile');
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8').replace(/\\\n\s*/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  return Object.fromEntries(
    [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((m) =>
      [...m[1]!.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((kv) => [kv[1]!, kv[2]!]),
    ),
  );
}
